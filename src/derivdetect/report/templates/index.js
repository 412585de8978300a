/* derivdetect index: sort the pairs table by any column, filter by verdict and text.
   Works on the rows of this page (a large report is paged; the rows arrive strongest first,
   which the "#" column restores). Plain DOM, no network, no innerHTML: cell text is only ever
   read, never written as markup. */
(function () {
  "use strict";
  var table = document.getElementById("pairs-table");
  if (!table) { return; }
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var verdictSel = document.getElementById("f-verdict");
  var textBox = document.getElementById("f-text");
  var counter = document.getElementById("f-count");
  var empty = document.getElementById("f-empty");
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var haystack = rows.map(function (r) { return r.textContent.toLowerCase(); });
  var scope = counter ? counter.getAttribute("data-scope") : "";
  var state = { col: -1, dir: 0 };

  function cellKey(row, col, numeric) {
    var cell = row.cells[col];
    if (!cell) { return numeric ? -Infinity : ""; }
    if (numeric) {
      var v = parseFloat(cell.getAttribute("data-v"));
      return isNaN(v) ? -Infinity : v;
    }
    return cell.textContent.trim();
  }

  function sortBy(col, numeric, dir) {
    var keyed = rows.map(function (row, i) { return { k: cellKey(row, col, numeric), i: i, row: row }; });
    keyed.sort(function (x, y) {
      var c = numeric ? (x.k < y.k ? -1 : x.k > y.k ? 1 : 0) : collator.compare(x.k, y.k);
      return c !== 0 ? c * dir : x.i - y.i;
    });
    // reorder while the body is detached: one style and layout pass instead of one per row
    var next = tbody.nextSibling;
    table.removeChild(tbody);
    keyed.forEach(function (e) { tbody.appendChild(e.row); });
    table.insertBefore(tbody, next);
    rows = keyed.map(function (e) { return e.row; });
    haystack = keyed.map(function (e) { return haystack[e.i]; });
  }

  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th, col) {  // the order the rows arrive in
    var sort = th.getAttribute("aria-sort");
    if (sort === "ascending" || sort === "descending") {
      state = { col: col, dir: sort === "ascending" ? 1 : -1 };
    }
  });
  headers.forEach(function (th, col) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var numeric = button.getAttribute("data-type") === "num";
      // first click: text columns A-Z, number columns high to low; then toggle
      var dir = state.col === col ? -state.dir : (numeric ? -1 : 1);
      sortBy(col, numeric, dir);
      state.col = col; state.dir = dir;
      headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    });
  });

  function applyFilter() {
    var verdict = verdictSel ? verdictSel.value : "";
    var words = (textBox ? textBox.value : "").toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row, i) {
      var ok = (!verdict || row.getAttribute("data-verdict") === verdict) &&
        words.every(function (w) { return haystack[i].indexOf(w) !== -1; });
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    if (counter) {
      counter.textContent = shown + " of " + rows.length + " pairs" + (scope ? " " + scope : "");
    }
    if (empty) { empty.hidden = shown !== 0; }
  }

  if (verdictSel) { verdictSel.addEventListener("change", applyFilter); }
  if (textBox) { textBox.addEventListener("input", applyFilter); }
  // the browser may restore form values on back/forward navigation
  window.addEventListener("pageshow", applyFilter);
  applyFilter();
})();

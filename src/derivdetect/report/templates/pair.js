/* derivdetect pair page: select a passage on one side, highlight and reveal its counterpart(s)
   on the other, and show its word diff. Plain DOM; the page's text is never written as markup. */
(function () {
  "use strict";
  var dataEl = document.getElementById("pair-data");
  var data = dataEl ? JSON.parse(dataEl.textContent) : { order: [], passages: {} };
  var cols = [document.getElementById("text-0"), document.getElementById("text-1")];
  var inspector = document.getElementById("inspector");
  var legend = document.getElementById("legend");
  var pos = document.getElementById("nav-pos");
  var total = data.order.length;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var motion = reduceMotion ? "auto" : "smooth";
  var segs = {};      // passage index -> [[left segments], [right segments]]
  var selected = [];  // passage indexes currently selected

  cols.forEach(function (col, side) {
    if (!col) { return; }
    Array.prototype.forEach.call(col.querySelectorAll("[data-p]"), function (el) {
      el.getAttribute("data-p").split(" ").forEach(function (pid) {
        if (!segs[pid]) { segs[pid] = [[], []]; }
        segs[pid][side].push(el);
      });
    });
  });

  function number(pid) {
    var p = data.passages[pid];
    return p ? p.n : 0;
  }

  function each(pids, fn) {
    pids.forEach(function (pid) {
      var s = segs[pid];
      if (s) { s[0].concat(s[1]).forEach(fn); }
    });
  }

  function clear() {
    each(selected, function (el) { el.classList.remove("sel"); });
    selected = [];
    if (inspector) {
      inspector.setAttribute("data-empty", "");
      Array.prototype.forEach.call(inspector.querySelectorAll(".pi"), function (el) { el.hidden = true; });
    }
    if (pos) { pos.textContent = total + (total === 1 ? " passage" : " passages"); }
  }

  // Scroll the column holding ``el`` so that ``el`` sits near its top, and the window so
  // that the column part holding it is on screen (narrow windows stack the columns).
  function reveal(el) {
    var col = el.closest(".text");
    if (!col) { return; }
    var c = col.getBoundingClientRect();
    var r = el.getBoundingClientRect();
    var max = Math.max(0, col.scrollHeight - col.clientHeight);
    var target = Math.min(max, Math.max(0, col.scrollTop + (r.top - c.top) - col.clientHeight * 0.2));
    var delta = target - col.scrollTop;
    if (Math.abs(delta) > 1) { col.scrollTo({ top: target, behavior: motion }); }
    var top = r.top - delta;
    var bottom = top + Math.min(r.height, col.clientHeight * 0.6);
    var upper = legend ? Math.max(0, legend.getBoundingClientRect().bottom) + 8 : 8;
    var lower = window.innerHeight - 8;
    if (inspector && !inspector.hasAttribute("data-empty")) {
      var ir = inspector.getBoundingClientRect();
      if (ir.top > window.innerHeight * 0.4 && ir.top < window.innerHeight) { lower = ir.top - 8; }
    }
    if (top < upper || bottom > lower) {
      // bring the whole column under the legend bar when that shows the passage, else the passage
      var box = (col.closest(".col") || col).getBoundingClientRect();
      var shift = box.top - upper;
      if (top - shift < upper || bottom - shift > lower) {
        shift = top - upper - Math.max(0, (lower - upper) * 0.15);
      }
      window.scrollBy({ top: shift, behavior: motion });
    }
  }

  function select(pids, fromSide) {
    pids = pids.filter(function (pid) { return segs[pid]; });
    pids.sort(function (x, y) { return number(x) - number(y); });
    clear();
    if (!pids.length) { return; }
    selected = pids;
    each(pids, function (el) { el.classList.add("sel"); });
    if (inspector) {
      inspector.removeAttribute("data-empty");
      pids.forEach(function (pid) {
        var box = document.getElementById("pi-" + pid);
        if (box) { box.hidden = false; }
      });
      inspector.scrollTop = 0;
    }
    if (pos) {
      var first = data.passages[pids[0]];
      pos.textContent = "Passage " + number(pids[0]) + " of " + total +
        (pids.length > 1 ? " (+" + (pids.length - 1) + ")" : "") +
        (first ? (first.kind === "exact" ? " · word for word" : first.kind === "quote" ? " · quoted in both" : " · " + first.kind) : "");
    }
    var sides = fromSide === 0 ? [1] : fromSide === 1 ? [0] : [0, 1];
    sides.forEach(function (side) {
      var s = segs[pids[0]][side];
      if (s.length) { reveal(s[0]); }
    });
  }

  function pidsOf(el) {
    return el.getAttribute("data-p").split(" ");
  }

  cols.forEach(function (col, side) {
    if (!col) { return; }
    col.addEventListener("click", function (event) {
      var el = event.target.closest ? event.target.closest("[data-p]") : null;
      if (!el || !col.contains(el)) { return; }
      var chosen = window.getSelection ? String(window.getSelection()) : "";
      if (chosen.length > 0) { return; }  // the reader is selecting text to copy
      select(pidsOf(el), side);
    });
    col.addEventListener("keydown", function (event) {
      var el = event.target;
      if (!el.hasAttribute || !el.hasAttribute("data-p")) { return; }
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        select(pidsOf(el), side);
      }
    });
  });

  function step(delta) {
    if (!total) { return; }
    var current = selected.length ? data.order.indexOf(Number(selected[0])) : (delta > 0 ? -1 : total);
    var next = Math.min(total - 1, Math.max(0, current + delta));
    select([String(data.order[next])], null);
  }

  var prev = document.getElementById("nav-prev");
  var next = document.getElementById("nav-next");
  if (prev) { prev.addEventListener("click", function () { step(-1); }); }
  if (next) { next.addEventListener("click", function () { step(1); }); }
  if (prev && !total) { prev.disabled = true; }
  if (next && !total) { next.disabled = true; }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && selected.length) { clear(); }
  });
})();

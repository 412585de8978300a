"""The HTML report in a real browser: headless Chromium driven by Playwright.

Needs ``pip install playwright`` and a Chromium binary (Debian: ``apt-get install chromium``;
``playwright install`` is never needed). Without them the module is skipped, unless the ``CI``
environment variable is set: then every test fails, so CI cannot go green without them.
Screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from pathlib import Path

import pytest

from conftest import ROOT, SEED_REWRITE, SEED_SOURCE
from derivdetect.models import Document, Pair, ScanResult
from derivdetect.report.html import pair_href, pair_slug, render_index, write_html
from derivdetect.report.listing import FAMILIES_PER_PAGE, PAIRS_PER_PAGE
from derivdetect.report.order import order_pairs

CHROMIUM = os.environ.get("DERIVDETECT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "test-output" / "screenshots"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

MISSING = None
if sync_playwright is None:
    MISSING = "Playwright for Python is not installed (pip install playwright)"
elif not os.path.exists(CHROMIUM):
    MISSING = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set DERIVDETECT_CHROMIUM)"

if MISSING and "CI" not in os.environ:
    pytest.skip(f"browser tests skipped: {MISSING}", allow_module_level=True)


# ------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def browser():
    if MISSING:
        pytest.fail(f"CI is set but the browser tests cannot run: {MISSING}", pytrace=False)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from test_report_html import build_report

    base = tmp_path_factory.mktemp("browser-report")
    result, hostile, _ = build_report(base / "corpus", base / "out")
    return result, hostile, base / "out"


class Watched:
    """A page with every console error, page error, dialog and request recorded."""

    def __init__(self, browser, width=1400, height=900, **options):
        self.context = browser.new_context(viewport={"width": width, "height": height}, **options)
        # runs before any page script: a hostile script or handler would set one of these
        self.context.add_init_script(
            "window.__pwned = false;"
            "window.alert = window.confirm = window.prompt = function () {"
            " window.__pwned = 'dialog'; };")
        self.page = self.context.new_page()
        self.errors: list = []
        self.dialogs: list = []
        self.requests: list = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self, path: Path):
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture()
def watched(browser):
    w = Watched(browser)
    yield w
    w.close()


def _shot(page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def _seed_pair(out: Path) -> Pair:
    """The seed rewrite's pair as the scan wrote it to ``pairs.json``."""
    import json

    found = [p for p in json.loads((out / "pairs.json").read_text(encoding="utf-8"))["pairs"]
             if {p["a"], p["b"]} == {SEED_REWRITE, SEED_SOURCE}]
    assert len(found) == 1
    p = found[0]
    return Pair(p["a"], p["b"], p["verdict"], p["source"], p["source_reason"], p["extent"],
                p["scores"], pair_id=p["pair_id"])


def _seed_page(out: Path) -> Path:
    return out / pair_href(pair_slug(_seed_pair(out)))


def _visible_rows(page) -> list:
    return page.eval_on_selector_all(
        "#pairs-table tbody tr",
        "rows => rows.filter(r => !r.hidden).map(r => ({verdict: r.dataset.verdict,"
        " text: r.textContent, cov: parseFloat(r.cells[6].dataset.v),"
        " a: r.cells[1].textContent.trim(), rank: parseInt(r.cells[0].dataset.v)}))")


# ------------------------------------------------------------------------- index

def test_index_lists_the_seed_pair_and_links_its_page(report, watched):
    result, _, out = report
    page = watched.open(out / "index.html")
    row = page.locator("#pairs-table tbody tr").filter(has_text=SEED_REWRITE).filter(
        has_text=SEED_SOURCE)
    assert row.count() == 1
    assert "original" in row.locator("td").nth(2).text_content()  # 001 is the source
    assert "derivative" in row.text_content()
    link = row.locator("a").first
    assert link.get_attribute("href") == pair_href(pair_slug(_seed_pair(out)))
    link.click()
    page.wait_for_load_state("load")
    assert page.url == _seed_page(out).resolve().as_uri()
    assert page.locator("#text-0").get_attribute("data-doc") == SEED_SOURCE
    _shot(page, "pair-seed.png")
    page.go_back()
    page.wait_for_load_state("load")
    _shot(page, "index.png")
    assert watched.errors == []


def test_index_sorts_by_any_column(report, watched):
    _, _, out = report
    page = watched.open(out / "index.html")
    headers = page.locator("#pairs-table thead th")
    ranks = [r["rank"] for r in _visible_rows(page)]
    assert ranks == list(range(1, len(ranks) + 1))  # strongest first
    assert headers.nth(0).get_attribute("aria-sort") == "ascending"
    cov = headers.nth(6)
    cov.locator("button").click()  # numbers: high to low first
    values = [r["cov"] for r in _visible_rows(page)]
    assert values == sorted(values, reverse=True)
    assert cov.get_attribute("aria-sort") == "descending"
    cov.locator("button").click()
    values = [r["cov"] for r in _visible_rows(page)]
    assert values == sorted(values)
    assert cov.get_attribute("aria-sort") == "ascending"
    headers.nth(1).locator("button").click()  # text: A to Z
    titles = [r["a"].lower() for r in _visible_rows(page)]
    assert headers.nth(1).get_attribute("aria-sort") == "ascending"
    assert headers.nth(6).get_attribute("aria-sort") == "none"
    headers.nth(1).locator("button").click()
    assert [r["a"].lower() for r in _visible_rows(page)] == list(reversed(titles))
    headers.nth(3).locator("button").press("Enter")  # keyboard works too
    verdicts = [r["verdict"] for r in _visible_rows(page)]
    assert verdicts == sorted(verdicts)
    headers.nth(0).locator("button").click()  # "#": back to strongest first (high to low first)
    headers.nth(0).locator("button").click()
    assert [r["rank"] for r in _visible_rows(page)] == ranks
    assert watched.errors == []


def test_index_filters_by_verdict_and_text(report, watched):
    result, hostile, out = report
    page = watched.open(out / "index.html")
    total = len(result.pairs)
    assert len(_visible_rows(page)) == total
    page.select_option("#f-verdict", "derivative")
    rows = _visible_rows(page)
    assert rows and all(r["verdict"] == "derivative" for r in rows)
    assert any(SEED_REWRITE in r["text"] for r in rows)
    assert len(rows) == sum(p.verdict == "derivative" for p in result.pairs)
    for verdict in {p.verdict for p in result.pairs} - {"derivative"}:
        page.select_option("#f-verdict", verdict)
        assert all(SEED_REWRITE not in r["text"] for r in _visible_rows(page))
    page.select_option("#f-verdict", "")
    page.fill("#f-text", "nagorno")
    rows = _visible_rows(page)
    assert any(SEED_SOURCE in r["text"] for r in rows)
    assert all("hostile/" not in r["text"] and "nagorno" in r["text"].lower() for r in rows)
    page.fill("#f-text", f"  {SEED_SOURCE.upper()}   {SEED_REWRITE[:12]} ")  # all words, any case
    rows = _visible_rows(page)
    assert len(rows) == 1 and SEED_REWRITE in rows[0]["text"]
    page.fill("#f-text", "etc/passwd")
    rows = _visible_rows(page)
    assert len(rows) == 1 and "../../etc/passwd" in rows[0]["text"]
    assert page.locator("#f-count").inner_text() == f"1 of {total} pairs"
    page.fill("#f-text", "no such words anywhere")
    assert _visible_rows(page) == []
    assert page.locator("#f-empty").is_visible()
    page.fill("#f-text", "")
    assert len(_visible_rows(page)) == total
    assert not page.locator("#f-empty").is_visible()
    assert watched.errors == []


# ------------------------------------------------------------------------- pair page

_IN_VIEW = """([sel, colSel]) => {
  const el = document.querySelector(sel);
  const col = document.querySelector(colSel);
  if (!el || !col) return false;
  const r = el.getBoundingClientRect(), c = col.getBoundingClientRect();
  const legend = document.getElementById('legend').getBoundingClientRect();
  return r.top >= Math.max(c.top, legend.bottom) - 1 && r.top < Math.min(c.bottom, innerHeight) - 8
      && r.bottom > 0;
}"""


def test_clicking_a_passage_highlights_and_reveals_its_counterpart(report, watched):
    result, _, out = report
    pair = next(p for p in result.pairs if (p.a, p.b) == (SEED_REWRITE, SEED_SOURCE))
    page = watched.open(_seed_page(out))
    data = page.evaluate("JSON.parse(document.getElementById('pair-data').textContent)")
    # the last passage of the source (left) sits far down: its counterpart must be scrolled to
    # the last passage with a segment of its own (where an exact run lies inside a paraphrase,
    # a click on the shared segment selects the first of the two)
    pid = next(p for p in reversed(data["order"])
               if page.locator(f"#text-1 [data-p='{p}']").count())
    right = page.locator(f"#text-1 [data-p='{pid}']").first
    right.scroll_into_view_if_needed()
    before = page.evaluate("document.getElementById('text-0').scrollTop")
    right.click()
    assert "sel" in right.get_attribute("class").split()
    counterpart = page.locator(f"#text-0 [data-p~='{pid}']")
    assert counterpart.count() >= 1
    for i in range(counterpart.count()):
        assert "sel" in counterpart.nth(i).get_attribute("class").split()
    page.wait_for_function(_IN_VIEW, arg=[f"#text-0 [data-p~='{pid}']", "#text-0"], timeout=5000)
    after = page.evaluate("document.getElementById('text-0').scrollTop")
    assert after > before + 100
    # the counterpart text is exactly the passage's offsets into the source text
    passage = pair.passages[pid]
    src = next(d for d in result.documents if d.id == SEED_SOURCE)
    shown = page.evaluate(
        f"[...document.querySelectorAll('#text-0 [data-p~=\"{pid}\"]')].map(e => e.textContent).join('')")
    assert shown == src.text[passage.b_start:passage.b_end]
    # only this passage's segments are selected, and the inspector shows it
    selected = page.eval_on_selector_all(".text .sel", "els => els.map(e => e.dataset.p)")
    assert selected and all(str(pid) in p.split() for p in selected)
    assert page.locator(f"#pi-{pid}").is_visible()
    assert f"Passage {data['passages'][str(pid)]['n']} of" in page.locator("#nav-pos").inner_text()
    page.keyboard.press("Escape")
    assert page.locator(".text .sel").count() == 0
    assert watched.errors == []


def test_keyboard_selects_a_paraphrase_and_shows_its_word_diff(report, watched):
    result, _, out = report
    pair = next(p for p in result.pairs if (p.a, p.b) == (SEED_REWRITE, SEED_SOURCE))
    page = watched.open(_seed_page(out))
    pid = next(i for i, p in enumerate(pair.passages) if p.kind == "paraphrase")
    stop = page.locator(f"#text-0 [tabindex='0'][data-p='{pid}']")
    assert stop.count() == 1
    stop.focus()
    page.keyboard.press("Enter")
    assert "sel" in stop.get_attribute("class").split()
    assert page.locator(f"#text-1 .sel[data-p~='{pid}']").count() >= 1
    panel = page.locator(f"#pi-{pid}")
    assert panel.is_visible()
    assert panel.locator("ins, del").count() >= 1
    assert "paraphrase" in panel.inner_text()
    page.wait_for_timeout(400)  # let the smooth scroll settle for the screenshot
    _shot(page, "pair-seed-selected.png", full_page=False)
    # stepping with the navigator selects one passage at a time, in left-text order
    page.click("#nav-next")
    page.click("#nav-next")
    assert page.locator(".text .sel").count() >= 2
    # the Tab key reaches the passages
    page.locator("#text-0 [tabindex='0']").first.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.hasAttribute('data-p')")
    assert watched.errors == []


def test_narrow_window_stacks_the_texts(report, browser):
    _, _, out = report
    w = Watched(browser, width=600, height=900)
    try:
        page = w.open(_seed_page(out))
        left = page.locator("#text-0").bounding_box()
        right = page.locator("#text-1").bounding_box()
        assert abs(left["x"] - right["x"]) < 2 and right["y"] > left["y"] + left["height"] - 1
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth + 1")
        page.locator("#text-1 [tabindex='0']").nth(3).click()
        page.wait_for_timeout(600)
        _shot(page, "pair-seed-narrow.png", full_page=False)
        page = w.open(out / "index.html")
        _shot(page, "index-narrow.png")
        assert w.errors == []
    finally:
        w.close()


def test_print_stylesheet_shows_whole_texts_without_controls(report, watched):
    _, _, out = report
    page = watched.open(_seed_page(out))
    page.emulate_media(media="print")
    style = page.evaluate("""() => {
      const t = getComputedStyle(document.getElementById('text-0'));
      return {overflow: t.overflowY, max: t.maxHeight,
              inspector: getComputedStyle(document.getElementById('inspector')).display,
              nav: getComputedStyle(document.querySelector('.nav')).display};
    }""")
    assert style == {"overflow": "visible", "max": "none", "inspector": "none", "nav": "none"}
    pdf = page.pdf()
    assert pdf[:4] == b"%PDF"


# ------------------------------------------------------------------------- safety

def test_no_console_errors_and_no_network_on_any_page(report, watched):
    _, _, out = report
    paths = [out / "index.html"] + sorted((out / "pairs").glob("*.html"))
    for path in paths:
        page = watched.open(path)
        # exercise the scripts: select the first passage, sort, filter
        if page.locator("#nav-next").count():
            page.click("#nav-next")
        if page.locator("#pairs-table").count():
            page.locator("#pairs-table thead button").nth(1).click()
            page.fill("#f-text", "a")
    assert watched.errors == []
    assert watched.dialogs == []
    assert all(u.startswith("file://") for u in watched.requests), watched.requests
    assert len(watched.requests) == len(paths)  # the pages themselves, nothing else


def test_hostile_corpus_runs_no_script(report, watched):
    result, hostile, out = report
    paths = [out / "index.html"] + [
        out / pair_href(pair_slug(p)) for p in result.pairs
        if {p.a, p.b} in [set(v) for v in hostile.values()]]
    assert len(paths) == 1 + len(hostile)
    for path in paths:
        page = watched.open(path)
        page.wait_for_timeout(150)  # an <img onerror> would fire by now
        for stop in page.locator("[tabindex='0'][data-p]").all()[:6]:
            stop.click()
        state = page.evaluate("""() => ({
          pwned: window.__pwned,
          injected: document.querySelectorAll('img, svg, iframe, object, embed, textarea, form').length,
          handlers: [...document.querySelectorAll('*')].filter(
              e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
          jsLinks: [...document.querySelectorAll('a[href]')].filter(
              a => !/^(https?|file):$/.test(a.protocol)).length,
          scripts: document.scripts.length,
          text: document.body.innerText,
        })""")
        assert state["pwned"] is False, path.name
        assert state["injected"] == 0 and state["handlers"] == 0 and state["jsLinks"] == 0
        assert state["scripts"] == (2 if path.parent.name == "pairs" else 1)
        assert "<script>window.__pwned" in state["text"]  # shown as text
    assert watched.dialogs == [] and watched.errors == []
    page = watched.open(paths[1])
    _shot(page, "pair-hostile.png")


def test_the_hostile_checks_would_catch_a_script(browser, tmp_path):
    """The harness is not blind: the same checks fire on a page that does run the payloads."""
    page_path = tmp_path / "canary.html"
    page_path.write_text("<!doctype html><p>x</p><img src=x onerror=\"window.__pwned='img'\">",
                         encoding="utf-8")
    w = Watched(browser)
    try:
        page = w.open(page_path)
        page.wait_for_function("window.__pwned === 'img'", timeout=3000)
    finally:
        w.close()


# ------------------------------------------------------------------------- scale

def _big_result(n_pairs: int = 2000) -> ScanResult:
    rnd = random.Random(7)
    docs = tuple(Document(f"feed/doc-{i:04d}.txt", f"feed/doc-{i:04d}.txt", "text",
                          title=f"Story {rnd.randint(0, 10**6)} about {rnd.choice('abcdefgh')}")
                 for i in range(n_pairs // 2 + 1))
    pairs, seen = [], set()
    while len(pairs) < n_pairs:
        i, j = sorted(rnd.sample(range(len(docs)), 2))
        if (i, j) in seen:
            continue
        seen.add((i, j))
        ca, cb = rnd.random(), rnd.random()
        pairs.append(Pair(docs[i].id, docs[j].id, rnd.choice(["verbatim", "near-duplicate", "derivative"]),
                          rnd.choice([docs[i].id, docs[j].id, None]), "test", "partially",
                          {"coverage_a": ca, "coverage_b": cb, "jaccard": rnd.random(),
                           "longest_exact_words": rnd.randint(0, 300), "exact_passages": 3,
                           "paraphrase_passages": 4}))
    pairs.sort(key=lambda p: (p.a, p.b))
    return ScanResult("big", docs, tuple(pairs), (), (), {}, "2024-01-01T00:00:00+00:00")


def test_sorting_two_thousand_pairs_is_fast(browser, tmp_path):
    result = _big_result(2000)
    path = tmp_path / "index.html"
    # one page of 2,000 rows: ten times the rows of a page of a real report
    path.write_text(render_index(result, per_page=2000), encoding="utf-8")
    w = Watched(browser)
    try:
        page = w.open(path)
        assert page.locator("#pairs-table tbody tr").count() == 2000
        timings = {}
        for col, name in ((6, "coverage A"), (1, "text A"), (10, "jaccard"), (3, "verdict")):
            for run in ("first", "reverse"):
                ms = page.evaluate("""(col) => {
                  const b = document.querySelectorAll('#pairs-table thead button')[col];
                  const t0 = performance.now();
                  b.click();
                  document.body.getBoundingClientRect();  // include the layout
                  return performance.now() - t0;
                }""", col)
                timings[f"{name} ({run})"] = ms
        wall = time.perf_counter()
        page.locator("#pairs-table thead button").nth(7).click()
        page.evaluate("new Promise(r => requestAnimationFrame(() => r()))")
        timings["coverage B, click to paint (wall)"] = (time.perf_counter() - wall) * 1000
        page.fill("#f-text", "story 1")
        t0 = time.perf_counter()
        page.select_option("#f-verdict", "derivative")
        timings["filter (wall)"] = (time.perf_counter() - t0) * 1000
        print("\nsorting 2,000 pairs, ms: " + ", ".join(f"{k}: {v:.0f}" for k, v in timings.items()))
        values = page.eval_on_selector_all(
            "#pairs-table tbody tr", "rs => rs.map(r => parseFloat(r.cells[7].dataset.v))")
        assert values == sorted(values, reverse=True)
        # in-page time from click to sorted and laid out (wall times include Playwright's
        # round trips and are only printed)
        assert max(v for k, v in timings.items() if "wall" not in k) < 1000
        assert w.errors == []
    finally:
        w.close()


def test_a_paged_report_follows_next_and_opens_a_pair_from_page_two(browser, tmp_path):
    from test_report_pages import synthetic_result

    result = synthetic_result(120, 4)  # 480 pairs: three pages of pairs, ten of families
    write_html(result, tmp_path)
    ordered = order_pairs(result.pairs)
    w = Watched(browser)
    try:
        page = w.open(tmp_path / "index.html")
        assert [r["rank"] for r in _visible_rows(page)] == list(range(1, PAIRS_PER_PAGE + 1))
        assert page.locator(".family").count() == FAMILIES_PER_PAGE
        families_y = page.locator("#families").bounding_box()["y"]
        assert families_y < page.locator("#pairs").bounding_box()["y"]  # families first
        assert "page 1 of 3" in page.locator("#pairs nav.pages").first.inner_text()
        _shot(page, "index-paged.png", full_page=False)

        page.locator("#pairs a[rel=next]").first.click()
        page.wait_for_load_state("load")
        assert page.url == (tmp_path / "pages" / "pairs-2.html").resolve().as_uri()
        rows = _visible_rows(page)
        assert [r["rank"] for r in rows] == list(range(PAIRS_PER_PAGE + 1, 2 * PAIRS_PER_PAGE + 1))
        assert page.locator(".family").count() == 0
        # the filter works on this page, and says so
        target = ordered[PAIRS_PER_PAGE + 49]  # rank 250
        title = next(d.title for d in result.documents if d.id == target.a)
        page.fill("#f-text", target.b)
        assert [r["rank"] for r in _visible_rows(page)] == [PAIRS_PER_PAGE + 50]
        assert page.locator("#f-count").inner_text() == f"1 of {PAIRS_PER_PAGE} pairs on this page"
        page.fill("#f-text", "")

        # open a pair from page 2, then come back to its row
        row = page.locator(f"#r{PAIRS_PER_PAGE + 50}")
        assert title in row.text_content()
        row.locator("a").first.click()
        page.wait_for_load_state("load")
        assert page.url == (tmp_path / pair_href(pair_slug(target))).resolve().as_uri()
        assert f"Pair {PAIRS_PER_PAGE + 50} of {len(ordered)}" in page.locator(".kicker").inner_text()
        page.locator(".pager a", has_text="All pairs").click()
        page.wait_for_load_state("load")
        assert page.url.endswith(f"/pages/pairs-2.html#r{PAIRS_PER_PAGE + 50}")
        assert page.locator(f"#r{PAIRS_PER_PAGE + 50}").is_visible()

        # page numbers and previous lead where they say
        page.locator("#pairs nav.pages a", has_text="3").first.click()
        page.wait_for_load_state("load")
        assert page.url == (tmp_path / "pages" / "pairs-3.html").resolve().as_uri()
        assert len(_visible_rows(page)) == len(ordered) - 2 * PAIRS_PER_PAGE
        assert page.locator("#pairs a[rel=next]").count() == 0
        page.locator("#pairs a[rel=prev]").first.click()
        page.locator("#pairs a[rel=prev]").first.click()
        page.wait_for_load_state("load")
        assert page.url == (tmp_path / "index.html").resolve().as_uri()
        page.locator("#families a[rel=next]").first.click()
        page.wait_for_load_state("load")
        assert page.url == (tmp_path / "pages" / "families-2.html").resolve().as_uri()
        assert page.locator(".family h3").first.inner_text().startswith(
            f"Family {FAMILIES_PER_PAGE + 1}")
        assert w.errors == [] and w.dialogs == []
        assert all(u.startswith("file://") for u in w.requests), w.requests
    finally:
        w.close()

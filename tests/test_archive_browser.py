"""The pages of ``check --report`` and ``scan --archive`` in headless Chromium: the credit
evidence marked in the text, the review state and the decision history shown, and a hostile
article, note and name inert. Skipped like ``test_report_browser.py`` without Chromium."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import CORPUS, publish_seeds, run_cli
from test_report_browser import Watched, _shot, browser  # noqa: F401 (the fixture)
from test_report_html import IMG, SCRIPT

PY = sys.executable
HOSTILE_NOTE = f"partner feed {SCRIPT} {IMG}"
HOSTILE_NAME = "</td><img src=x onerror=\"window.__pwned = 'by'\">"


_run = run_cli


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """An archive of four seeds; the AFP story republished with hostile paragraphs added is
    checked, reviewed with a hostile note and name, and checked again with --report."""
    base = tmp_path_factory.mktemp("archive-browser")
    published = publish_seeds(base / "published")
    archive = base / "news.db"
    assert _run("archive", "add", archive, published).returncode == 0
    afp = next(CORPUS.glob("003_*.txt")).read_text(encoding="utf-8")
    republished = base / "republished.txt"
    republished.write_text(afp.rstrip("\n") + f"\n\nShared by our desk. {SCRIPT}\n\n{IMG}\n",
                           encoding="utf-8")
    first = _run("check", archive, republished, "--json")
    assert first.returncode == 1, first.stderr
    (match,) = json.loads(first.stdout)
    assert _run("review", archive, match["pair_id"], "licensed", "--note", HOSTILE_NOTE,
                "--by", HOSTILE_NAME).returncode == 0
    report = base / "report"
    checked = _run("check", archive, republished, "--report", report)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    (page,) = sorted((report / "pairs").glob("*.html"))
    pair = json.loads((report / "pairs.json").read_text(encoding="utf-8"))["pairs"][0]
    return page, pair, republished.read_text(encoding="utf-8"), report


def test_the_page_marks_the_credit_and_shows_the_review_inertly(reviewed, browser):  # noqa: F811
    path, pair, text, report = reviewed
    watched = Watched(browser)
    try:
        page = watched.open(path)
        page.wait_for_timeout(150)   # an <img onerror> would have fired by now
        marks = page.eval_on_selector_all(".text .cr", "els => els.map(e => e.textContent)")
        evidence = [text[s:e] for s, e in pair["credit"]["evidence"]]
        assert evidence and "".join(marks) == "".join(evidence)
        assert {m.upper() for m in evidence} == {"AFP"}
        # a distinct highlight: the credit marks are drawn unlike the passages
        style = page.eval_on_selector(".text .cr", "e => getComputedStyle(e).outlineStyle")
        assert style == "dashed"
        assert page.locator("#legend .swatch.cr").inner_text() == "names the source (credit)"
        assert page.locator("#review-state").inner_text() == "licensed"
        assert HOSTILE_NOTE in page.locator("#review-reason").inner_text()
        cells = page.locator("#history tbody tr").first.locator("td").all_inner_texts()
        assert len(page.locator("#history tbody tr").all()) == 1
        assert cells[1:] == [HOSTILE_NAME, "unreviewed \u2192 licensed", HOSTILE_NOTE]
        for stop in page.locator("[tabindex='0'][data-p]").all()[:6]:
            stop.click()
        state = page.evaluate("""() => ({
          pwned: window.__pwned,
          injected: document.querySelectorAll('img, svg, iframe, object, embed, form').length,
          handlers: [...document.querySelectorAll('*')].filter(
              e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
          scripts: document.scripts.length,
          text: document.body.innerText,
        })""")
        assert state["pwned"] is False
        assert state["injected"] == 0 and state["handlers"] == 0 and state["scripts"] == 2
        assert "<script>window.__pwned" in state["text"]   # shown as text, in the article too
        _shot(page, "pair-reviewed.png")
        index = watched.open(report / "index.html")
        assert index.locator("#pairs-table tbody tr td.state-cell").inner_text() == "licensed"
        index.locator("#pairs-table thead th").last.locator("button").click()   # sortable
        assert watched.errors == [] and watched.dialogs == []
        assert all(u.startswith("file://") for u in watched.requests)
    finally:
        watched.close()

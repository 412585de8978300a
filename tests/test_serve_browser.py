"""The review queue of ``derivdetect serve`` in headless Chromium against a real server
process with a token: an editor signs in, finds the aggregator's rewrite in the queue,
opens it, reads the two texts side by side, decides, and the shell's ``queue`` agrees; a
hostile article, note and name stay inert text; a queue of more than a page pages.
Skipped like ``test_report_browser.py`` without Playwright or Chromium (failed under CI)."""

from __future__ import annotations

import json
import re

import pytest

from conftest import CORPUS, SEED_REWRITE, SEED_SOURCE
from test_report_browser import Watched, _shot, browser  # noqa: F401 (the fixture)
from test_serve import TOKEN, Server, _cli, _rewrite, archive, published  # noqa: F401

pytest.importorskip("httpx")
pytest.importorskip("fastapi")

WAIT = 60_000   # ms: a Playwright wait, generous for a busy 2-core machine
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE_NOTE = "<b>bold</b> <script>alert(2)</script> <img src=x onerror=alert(3)>"
HOSTILE_NAME = "</li><img src=x onerror=\"window.__pwned = 'by'\">"
WRONG_401 = "status of 401"   # Chromium's console line for the refused fetch of a wrong token


@pytest.fixture
def server(archive, tmp_path):  # noqa: F811
    running = Server(archive, token=TOKEN, tmp=tmp_path)
    yield running
    assert running.stop() == 0
    assert "Traceback" not in running.output()


@pytest.fixture
def watched(browser):  # noqa: F811
    w = Watched(browser)
    w.page.set_default_timeout(WAIT)
    w.page.set_default_navigation_timeout(WAIT)
    yield w
    w.close()


def _sign_in(watched: Watched, server: Server, path: str = "/"):
    page = watched.page
    page.goto(server.url + path)
    page.wait_for_url(re.compile(re.escape(server.url) + r"/login\?next="))
    page.fill("#token", TOKEN)
    page.click("#login button[type=submit]")
    page.wait_for_url(server.url + path)
    return page


def _rows(page) -> list:
    return page.eval_on_selector_all("table.queue tbody tr", "rows => rows.map(r => r.dataset.pair)")


def _show_state(page, server: Server, state: str):
    page.select_option("select[name=state]", state)
    page.click(".filters button[type=submit]")
    page.wait_for_url(re.compile(re.escape(server.url) + r"/\?state=" + state))


def _afp_half() -> dict:
    """Half of the AFP story republished with a line of its own: a second, stronger flag."""
    paragraphs = next(CORPUS.glob("003_*.txt")).read_text(encoding="utf-8").split("\n\n")
    return {"id": "blog/afp-half", "title": "Half of the AFP story",
            "text": "\n\n".join(paragraphs[: len(paragraphs) // 2])
            + "\n\nOur own commentary follows here about other things entirely.\n"}


def _check(server: Server, article: dict) -> str:
    with server.client(TOKEN) as http:
        checked = http.post("/v1/check", json=article)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["flagged"] is True, body
    (match,) = [m for m in body["matches"] if m["state"] == "unreviewed"]
    return match["pair_id"]


def _only_here(watched: Watched, server: Server):
    gone = [u for u in watched.requests
            if not (u.startswith(server.url + "/") or u.startswith("data:") or u == "about:blank")]
    assert gone == []


# ------------------------------------------------------------------------- sign in

def test_an_editor_is_sent_to_sign_in_and_a_wrong_token_stays_there(server, watched):
    page = watched.page
    page.goto(server.url + "/")
    page.wait_for_url(server.url + "/login?next=/")
    assert page.locator("h1").inner_text() == "Sign in"
    page.fill("#token", "not-the-token-not-the-token")
    page.click("#login button[type=submit]")
    page.locator("#message").filter(has_text="That token is not right.").wait_for()
    assert page.url == server.url + "/login?next=/"
    assert "derivdetect_session" not in {c["name"] for c in watched.context.cookies()}
    page.fill("#token", TOKEN)
    page.click("#login button[type=submit]")
    page.wait_for_url(server.url + "/")
    assert page.locator("h1").inner_text() == "Review queue"
    assert page.locator("#total").inner_text() == "0"
    (cookie,) = [c for c in watched.context.cookies() if c["name"] == "derivdetect_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert [e for e in watched.errors if WRONG_401 not in e] == []
    assert len(watched.errors) <= 1 and watched.dialogs == []
    _only_here(watched, server)


# ------------------------------------------------------------------------- the queue

def test_the_queue_lists_flags_strongest_first_and_filters_by_state(server, watched):
    rewrite = _check(server, _rewrite())
    afp = _check(server, _afp_half())
    page = _sign_in(watched, server)
    assert _rows(page) == [afp, rewrite]     # the verbatim half is the stronger reuse
    assert page.locator("#total").inner_text() == "2"
    row = page.locator(f"tr[data-pair='{rewrite}']")
    assert row.locator("a.open").count() == 1
    for words in ("Nagorno-Karabakh rewrite", "aggregator/karabakh", SEED_SOURCE, "derivative"):
        assert words in row.inner_text()
    assert row.locator(".badge").inner_text() == "unreviewed"
    _shot(page, "serve-queue.png")
    _show_state(page, server, "licensed")
    assert _rows(page) == [] and page.locator("p.empty").inner_text() == "Nothing here."
    _show_state(page, server, "all")
    assert _rows(page) == [afp, rewrite]
    page.click("table.queue thead a")         # weakest first
    page.wait_for_url(re.compile(r".*order=weakest"))
    assert _rows(page) == [rewrite, afp]
    assert watched.errors == [] and watched.dialogs == []
    _only_here(watched, server)


def test_an_editor_licenses_the_rewrite_and_the_shell_agrees(server, archive, watched):  # noqa: F811
    pair_id = _check(server, _rewrite())
    page = _sign_in(watched, server)
    assert _rows(page) == [pair_id]
    page.click(f"tr[data-pair='{pair_id}'] a.open")
    page.wait_for_url(server.url + f"/pairs/{pair_id}")
    assert page.locator("#state").inner_text() == "unreviewed"
    assert page.locator("#history").inner_text() == "No decision yet."
    frame = page.frame_locator("iframe.report")
    rewrite_words = " ".join((CORPUS / SEED_REWRITE).read_text(encoding="utf-8").split()[:6])
    source_words = " ".join((CORPUS / SEED_SOURCE).read_text(encoding="utf-8").split()[:6])
    frame.locator("#text-0").wait_for()
    shown = " ".join(frame.locator("body").inner_text().split())
    assert rewrite_words in shown and source_words in shown
    assert frame.locator("#review-state").inner_text() == "unreviewed"
    _shot(page, "serve-pair.png")

    page.fill("#note", "syndication deal found in the contracts folder")
    page.fill("#by", "ana")
    page.click(".buttons button[value=licensed]")
    page.wait_for_url(server.url + "/")
    assert _rows(page) == [] and page.locator("#total").inner_text() == "0"
    _show_state(page, server, "licensed")
    assert _rows(page) == [pair_id]
    assert page.locator(f"tr[data-pair='{pair_id}'] .badge").inner_text() == "licensed"
    page.click(f"tr[data-pair='{pair_id}'] a.open")
    page.wait_for_url(server.url + f"/pairs/{pair_id}")
    assert page.locator("#state").inner_text() == "licensed"
    (entry,) = page.locator("#history li").all_inner_texts()
    assert "ana: unreviewed \u2192 licensed" in entry
    assert "syndication deal found in the contracts folder" in entry
    assert page.frame_locator("iframe.report").locator("#review-state").inner_text() == "licensed"
    assert watched.errors == [] and watched.dialogs == []
    _only_here(watched, server)

    shell = _cli("queue", archive, "--state", "licensed", "--json")
    assert shell.returncode == 0, shell.stderr
    assert [f["pair_id"] for f in json.loads(shell.stdout)] == [pair_id]


# ------------------------------------------------------------------------- hostile

def test_a_hostile_article_note_and_name_stay_inert_text(server, watched):
    paragraphs = next(CORPUS.glob("002_*.txt")).read_text(encoding="utf-8").split("\n\n")
    title = f"Breaking {SCRIPT} {IMG}"
    article_id = f"hostile/\"><img src=x onerror=alert(1)>{SCRIPT}"
    text = "\n\n".join(paragraphs[: len(paragraphs) // 2]) + f"\n\n{SCRIPT} {IMG}\n"
    pair_id = _check(server, {"id": article_id, "title": title, "text": text,
                              "url": "javascript:alert(1)"})
    page = _sign_in(watched, server)
    row = page.locator(f"tr[data-pair='{pair_id}']")
    assert title in row.inner_text() and article_id in row.inner_text()
    row.locator("a.open").click()
    page.wait_for_url(server.url + f"/pairs/{pair_id}")
    assert article_id in page.locator("h1").inner_text()
    frame = page.frame_locator("iframe.report")
    frame.locator("#text-0").wait_for()
    shown = frame.locator("body").inner_text()
    assert SCRIPT in shown and IMG in shown and "javascript:alert(1)" in shown
    assert frame.locator("a[href^='javascript']").count() == 0

    page.fill("#note", HOSTILE_NOTE)
    page.fill("#by", HOSTILE_NAME)
    page.click(".buttons button[value=violation]")
    page.wait_for_url(server.url + "/")
    page.goto(server.url + f"/pairs/{pair_id}")
    (entry,) = page.locator("#history li").all_inner_texts()
    assert f"{HOSTILE_NAME}: unreviewed \u2192 violation \u2014 {HOSTILE_NOTE}" in entry
    inner = page.frame_locator("iframe.report")
    assert HOSTILE_NOTE in inner.locator("#review-reason").inner_text()
    page.wait_for_timeout(200)   # an <img onerror> would have fired by now
    _shot(page, "serve-pair-hostile.png")

    for frame in page.frames:
        state = frame.evaluate("""() => ({
          pwned: window.__pwned,
          injected: [...document.querySelectorAll('script, img, b')].filter(e =>
            e.localName === 'img' || e.textContent.includes('alert(')
            || e.textContent === 'bold').length,
          handlers: [...document.querySelectorAll('*')].filter(
            e => [...e.attributes].some(a => a.name.startsWith('on'))).length})""")
        assert state == {"pwned": False, "injected": 0, "handlers": 0}, frame.url
    assert watched.dialogs == [] and watched.errors == []
    _only_here(watched, server)


# ------------------------------------------------------------------------- paging

def test_a_long_queue_shows_fifty_flags_a_page(archive, tmp_path, watched):  # noqa: F811
    from derivdetect.config import Config
    from derivdetect.engines.archive import add_articles, open_archive
    from derivdetect.models import Document
    from test_archive_lookup import _flag

    n = 57
    config = Config(workers=1)
    with open_archive(archive, config, create=False) as store:
        docs = [Document(f"feed/{k:02d}", f"feed/{k:02d}",
                         f"Story {k} about the harbour council vote on the ferry timetable.",
                         title=f"Feed story {k}") for k in range(n)]
        add_articles(store, docs + [Document("wire/source", "wire/source", "The wire story.",
                                             title="The wire story")], config)
        store.remember_flags([_flag(f"p{k:03d}", f"feed/{k:02d}", "wire/source", k / 100, 50)
                              for k in range(n)])
    running = Server(archive, token=TOKEN, tmp=tmp_path)
    try:
        page = _sign_in(watched, running)
        assert page.locator("#total").inner_text() == str(n)
        first = _rows(page)
        assert first == [f"p{k:03d}" for k in range(n - 1, n - 51, -1)]
        assert page.locator("tr[data-pair='p056'] a.open").inner_text() == "Feed story 56"
        _shot(page, "serve-queue-paged.png", full_page=False)
        page.click("a[rel=next]")
        page.wait_for_url(re.compile(r".*cursor="))
        assert _rows(page) == [f"p{k:03d}" for k in range(n - 51, -1, -1)]
        assert page.locator("#total").inner_text() == str(n)
        assert page.locator("a[rel=next]").count() == 0
        assert watched.errors == [] and watched.dialogs == []
        _only_here(watched, running)
    finally:
        assert running.stop() == 0

"""The HTML report: pages and links, escaping of hostile text and ids, highlighted offsets.

Pure and fast: a real scan of the seed corpus plus hostile files, parsed with html.parser.
``build_report`` is reused by ``test_report_browser.py``.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import CORPUS, SEED_REWRITE, SEED_SOURCE
from derivdetect import Config, scan
from derivdetect.models import Document, Pair, Passage, ScanResult
from derivdetect.report import write_outputs
from derivdetect.report.html import (
    build_segments,
    pair_href,
    pair_slug,
    render_index,
    safe_url,
    split_ids,
    word_diff,
)
from derivdetect.report.order import order_pairs

# ------------------------------------------------------------------------- hostile corpus

SCRIPT = "<script>window.__pwned = 'script'</script>"
IMG = "<img src=x onerror=\"window.__pwned = 'img'\">"
HOSTILE_SNIPPETS = [
    SCRIPT,
    IMG,
    "</textarea><textarea>",
    "</style><style>body{display:none}</style>",
    "<a href=\"javascript:window.__pwned='href'\">click</a>",
    "javascript:window.__pwned='url'",
    "{{ 7*7 }} {% for x in range(3) %}loop{% endfor %} {# hidden #}",
    "<!-- comment --> ]]> &amp; &lt;b&gt; &#x3C;script&#x3E;",
    "\u202eevil override\u202c and \u200fmark\u200e and zero\u200dwidth\u200djoiner",
    "שלום עולם مرحبا بالعالم",
    "\"double\" 'single' `back`",
    "</script><script>window.__pwned = 'break-out'</script>",
]
BOILERPLATE_LINE = "Share: <script>window.__pwned = 'boilerplate'</script> | Also read"

_FILLER = "the a of in on with after before during against across under over".split()
_SYLLABLES = "ka lo mi ne su ta ri po de fa gu hi jo ke lu ma no pe qua ro si tu ve wa xi yo ze".split()


def _vocabulary(seed: int, size: int = 120) -> list:
    """Made-up words of one pair: the hostile pairs share no content word with each other
    or with the seed articles."""
    rnd = random.Random(seed * 7919)
    return sorted({"".join(rnd.choice(_SYLLABLES) for _ in range(rnd.randint(2, 4)))
                   for _ in range(size)})


def _paragraphs(seed: int, count: int = 6, words: int = 70) -> list:
    """Distinct pseudo-news paragraphs (> 40 words each, so never boilerplate)."""
    rnd = random.Random(seed)
    vocab = _vocabulary(seed)
    out = []
    for k in range(count):
        sentences = []
        total = 0
        while total < words:
            n = rnd.randint(9, 16)
            ws = [rnd.choice(vocab) if i % 3 else rnd.choice(_FILLER) for i in range(n)]
            ws.append(f"{seed}x{k}y{total}")  # a rare token: every sentence is distinctive
            sentences.append(" ".join(ws).capitalize() + ".")
            total += n + 1
        # every paragraph carries two hostile snippets, six paragraphs carry them all
        sentences.insert(len(sentences) // 2, HOSTILE_SNIPPETS[(2 * k) % len(HOSTILE_SNIPPETS)])
        sentences.insert(1, HOSTILE_SNIPPETS[(2 * k + 1) % len(HOSTILE_SNIPPETS)])
        out.append(" ".join(sentences))
    return out


def _edited(paragraphs: list, seed: int, vocab_seed: int) -> list:
    """A light rewrite: drop the last paragraph, change a few words in the others."""
    rnd = random.Random(seed)
    vocab = _vocabulary(vocab_seed)
    out = []
    for para in paragraphs[:-1]:
        words = para.split(" ")
        for i in range(len(words)):
            if words[i].isalpha() and rnd.random() < 0.06:
                words[i] = rnd.choice(vocab)
        out.append(" ".join(words))
    return out


def _text(paragraphs: list, title: str) -> str:
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n\n" + BOILERPLATE_LINE + "\n"


HOSTILE_NAME_A = "\"><img src=x onerror=window.__pwned=1>.txt"
HOSTILE_NAME_B = "new\nline {{7*7}} \u202etxt.exe.txt"
JSONL_IDS = ("../../etc/passwd", "..\\..\\windows\\win.ini\u0007" + "A" * 300)


def write_hostile_files(folder: Path) -> dict:
    """Three pairs of copies whose text, titles, metadata and names are hostile."""
    folder.mkdir(parents=True, exist_ok=True)
    sub = folder / "hostile"
    sub.mkdir()
    p1 = _paragraphs(11)
    (sub / HOSTILE_NAME_A).write_text(_text(p1, SCRIPT + " title"), encoding="utf-8")
    (sub / HOSTILE_NAME_B).write_text(_text(_edited(p1, 1, 11), SCRIPT + " title"), encoding="utf-8")

    p2 = _paragraphs(22)
    front_a = ("---\ntitle: \"<script>window.__pwned='title'</script>\"\n"
               "url: javascript:window.__pwned='meta-url'\n"
               "date: 2024-01-01\nauthor: <img src=x onerror=window.__pwned='byline'>\n---\n")
    front_b = ("---\ntitle: {{ 7*7 }} \u202eRLO title\n"
               "url: https://example.com/a?b=1&c=<2>\"onmouseover=\"window.__pwned='attr'\n"
               "date: 2024-02-01\n---\n")
    (sub / "md-original.md").write_text(front_a + _text(p2, "# Markdown original"),
                                        encoding="utf-8")
    (sub / "md-copy.md").write_text(front_b + _text(_edited(p2, 2, 22), "# Markdown copy"),
                                    encoding="utf-8")

    p3 = _paragraphs(33)
    records = [
        {"id": JSONL_IDS[0], "title": "</title><script>window.__pwned='jsonl'</script>",
         "url": " JaVaScRiPt:window.__pwned='jsonl-url'", "date": "2023-05-01",
         "byline": "<b>bold</b>", "text": _text(p3, "JSONL one")},
        {"id": JSONL_IDS[1], "title": "\u200f\u202e<svg onload=window.__pwned='svg'>",
         "url": "http://example.org/ok", "date": "2023-06-01",
         "text": _text(_edited(p3, 3, 33), "JSONL two")},
    ]
    (sub / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n",
                                    encoding="utf-8")
    return {
        "txt": (f"hostile/{HOSTILE_NAME_A}", f"hostile/{HOSTILE_NAME_B}"),
        "md": ("hostile/md-copy.md", "hostile/md-original.md"),
        "jsonl": tuple(f"hostile/feed.jsonl#{i}" for i in JSONL_IDS),
    }


def build_report(folder: Path, out: Path):
    """Seed corpus + hostile files in ``folder``, scanned and written to ``out``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in CORPUS.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)  # relations.csv: a skipped file
    hostile = write_hostile_files(folder)
    result = scan(folder, Config(workers=1))
    written = write_outputs(result, out)
    return result, hostile, written


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    result, hostile, written = build_report(base / "corpus", base / "out")
    return result, hostile, written, base / "out"


# ------------------------------------------------------------------------- HTML parsing

ALLOWED_TAGS = {
    "html", "head", "meta", "link", "title", "style", "body", "header", "main", "nav", "section",
    "article", "div", "span", "p", "a", "h1", "h2", "h3", "ul", "li", "dl", "dt", "dd", "table",
    "thead", "tbody", "tr", "th", "td", "select", "option", "label", "input", "button", "strong",
    "small", "br", "bdi", "code", "del", "ins", "details", "summary", "script",
}


class Page(HTMLParser):
    """Tags, attributes, visible text, and the segments of the two text columns."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list = []
        self.hrefs: list = []
        self.scripts: list = []
        self.text: list = []
        self.sides: dict = {}  # column id -> {"attrs", "segments": [(text, attrs or None)]}
        self._side = None
        self._span = None
        self._depth = 0
        self._script = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag == "script":
            self._script = {"attrs": attrs, "text": ""}
            self.scripts.append(self._script)
        if self._side is not None:
            self._depth += 1
            if tag == "span":
                self._span = attrs
                self._side["segments"].append(["", attrs])
        elif tag == "div" and (attrs.get("id") or "").startswith("text-"):
            self._side = {"attrs": attrs, "segments": []}
            self.sides[attrs["id"]] = self._side
            self._depth = 0

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None
        if self._side is not None:
            if self._depth == 0:
                self._side = None
                return
            self._depth -= 1
            if tag == "span":
                self._span = None

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"] += data
            return
        self.text.append(data)
        if self._side is not None:
            segs = self._side["segments"]
            if self._span is not None:
                segs[-1][0] += data
            elif segs and segs[-1][1] is None:
                segs[-1][0] += data
            else:
                segs.append([data, None])

    def side_text(self, side: str) -> str:
        return "".join(t for t, _ in self.sides[side]["segments"])

    def passage_text(self, side: str, pid: int) -> str:
        return "".join(t for t, a in self.sides[side]["segments"]
                       if a and str(pid) in (a.get("data-p") or "").split())


def html_files(out: Path) -> list:
    return sorted(out.rglob("*.html"))


def pages(out: Path) -> dict:
    return {p: Page(p.read_text(encoding="utf-8")) for p in html_files(out)}


# ------------------------------------------------------------------------- slugs

HOSTILE_IDS = [
    "../../etc/passwd",
    "/etc/passwd",
    "..",
    ".",
    "",
    "a/b/c.txt",
    "a\\b\\..\\..\\c.txt",
    "line\nbreak\r\n.txt",
    "nul\x00byte.txt",
    "bell\x07\x1b[31m.txt",
    "x" * 5000,
    "é" * 300 + ".txt",
    "\u202eexe.txt",
    "CON",
    "aux.txt",
    "feed.jsonl#../../../../tmp/evil",
    "<script>alert(1)</script>.txt",
    "\"><img src=x onerror=alert(1)>",
    "日本語の記事.txt",
    "-rf --no-preserve-root",
]


def _slug(a: str, b: str) -> str:
    return pair_slug(Pair(a, b, "derivative", None, "", None, {}))


@pytest.mark.parametrize("doc_id", HOSTILE_IDS)
def test_slug_is_filesystem_safe(doc_id, tmp_path):
    for a, b in ((doc_id, "other.txt"), ("other.txt", doc_id), (doc_id, doc_id + "2")):
        slug = _slug(a, b)
        assert re.fullmatch(r"[a-z0-9_-]+", slug), slug
        assert len(slug) <= 100
        assert not slug.startswith(("-", "_", "."))
        href = pair_href(slug)
        assert href == f"pairs/{slug}.html"
        target = (tmp_path / href).resolve()
        assert target.parent == (tmp_path / "pairs").resolve()
        assert target.name.lower() not in ("con.html", "aux.html")


def test_slug_is_stable_readable_and_collision_free():
    assert _slug(SEED_REWRITE, SEED_SOURCE) == _slug(SEED_REWRITE, SEED_SOURCE)
    assert _slug(SEED_REWRITE, SEED_SOURCE).startswith(
        "000_2db2f79e78af98da--001_3d3443b8b15dbcff--")
    assert _slug("a", "b") != _slug("b", "a")
    # ids that sanitize to the same name still get different pages
    lookalikes = ["a/b.txt", "a_b.txt", "a?b.txt", "A_B.txt", "a b.txt", "a\nb.txt", "x/a/b.txt",
                  "b.txt", "b.md", "b.txt#1", "b.txt#2"]
    slugs = {_slug(x, "z") for x in lookalikes}
    assert len(slugs) == len(lookalikes)
    rnd = random.Random(5)
    many = {_slug(f"doc{rnd.random()}", f"doc{i}") for i in range(20000)}
    assert len(many) == 20000


# ------------------------------------------------------------------------- pages and links

def test_scan_reports_seed_and_hostile_pairs(report):
    result, hostile, _, _ = report
    reported = {(p.a, p.b) for p in result.pairs}
    assert (SEED_REWRITE, SEED_SOURCE) in reported
    for a, b in hostile.values():
        assert (min(a, b), max(a, b)) in reported, (a, b)


def test_every_pair_has_its_page_and_the_index_links_it(report):
    result, _, written, out = report
    index = Page((out / "index.html").read_text(encoding="utf-8"))
    expected = {pair_href(pair_slug(p)) for p in result.pairs}
    assert expected <= set(index.hrefs)
    for href in expected:
        assert (out / href).is_file()
    assert {p.name for p in (out / "pairs").iterdir()} == {h.split("/")[1] for h in expected}
    assert written[-1] == out / "index.html"  # the CLI prints the last path written
    for path in written:
        assert path.resolve().is_relative_to(out.resolve())
    assert "pairs.json" in index.hrefs and "pairs.csv" in index.hrefs


def test_index_shows_what_was_scanned(report):
    result, _, _, out = report
    index = Page((out / "index.html").read_text(encoding="utf-8"))
    text = "".join(index.text)
    assert str(result.root) in text
    assert f"{len(result.documents)} read, {len(result.skipped)} skipped" in text
    assert "relations.csv" in text and "unsupported file type .csv" in text
    assert "min_exact_words" in text and "paraphrase_threshold" in text  # settings
    assert "Family 1" in text and "Likely original" in text


def test_pair_page_links_back_and_between_pairs(report):
    result, _, _, out = report
    ordered = order_pairs(result.pairs)  # previous / next follow the index: strongest first
    for i, pair in enumerate(ordered):
        page = Page((out / pair_href(pair_slug(pair))).read_text(encoding="utf-8"))
        assert "../index.html" in page.hrefs
        assert f"../index.html#r{i + 1}" in page.hrefs  # back to its row
        assert f"Pair {i + 1} of {len(ordered)}" in "".join(page.text)
        if i + 1 < len(ordered):
            nxt = ordered[i + 1]
            assert f"{pair_slug(nxt)}.html" in page.hrefs


# ------------------------------------------------------------------------- escaping

def test_no_markup_from_article_text_in_any_html_file(report):
    _, _, _, out = report
    for path, page in pages(out).items():
        raw = path.read_text(encoding="utf-8")
        tags = {t for t, _ in page.tags}
        assert tags <= ALLOWED_TAGS, (path.name, tags - ALLOWED_TAGS)
        for tag, attrs in page.tags:
            for name, value in attrs.items():
                assert not name.startswith("on"), (path.name, tag, name)
                assert "javascript:" not in (value or "").lower().replace(" ", ""), (tag, name)
        # our own scripts only: the page code and, on pair pages, a JSON data block
        kinds = sorted(s["attrs"].get("type", "code") for s in page.scripts)
        assert kinds == (["application/json", "code"] if path.parent.name == "pairs"
                         else ["code"]), path.name
        for s in page.scripts:
            assert "__pwned" not in s["text"]
        for bad in ("<script>window", "<img", "<svg", "<textarea", "</textarea", "<a href=\"javascript",
                    "<!-- comment", "<b>bold"):
            assert bad not in raw, (path.name, bad)
        assert raw.count("</script>") == len(page.scripts)
        assert raw.count("<style>") == 1 and raw.count("</style>") == 1
        csp = [a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"]
        assert csp and "script-src 'sha256-" in csp[0] and "unsafe-inline" not in csp[0].split(
            "script-src")[1].split(";")[0]


def test_hostile_text_is_shown_as_text(report):
    result, hostile, _, out = report
    for key, (a, b) in hostile.items():
        pair = next(p for p in result.pairs if {p.a, p.b} == {a, b})
        page = Page((out / pair_href(pair_slug(pair))).read_text(encoding="utf-8"))
        docs = {d.id: d for d in result.documents}
        for side in ("text-0", "text-1"):
            doc_id = page.sides[side]["attrs"]["data-doc"]
            assert page.side_text(side) == docs[doc_id].text
        shown = page.side_text("text-0") + page.side_text("text-1")
        for snippet in HOSTILE_SNIPPETS + [BOILERPLATE_LINE]:
            assert snippet in shown, (key, snippet)


def test_urls_are_linked_only_for_http(report):
    result, hostile, _, out = report
    hrefs = set()
    for page in pages(out).values():
        hrefs.update(page.hrefs)
    external = {h for h in hrefs if ":" in h}
    docs = {d.id: d for d in result.documents}
    md_copy = docs[hostile["md"][0]]
    assert md_copy.url.startswith("https://example.com/a?b=1&c=<2>\"onmouseover=")
    assert external == {md_copy.url, "http://example.org/ok"}
    md = next(p for p in result.pairs if {p.a, p.b} == set(hostile["md"]))
    raw = (out / pair_href(pair_slug(md))).read_text(encoding="utf-8")
    assert "not a web address; not linked" in raw
    assert "&#34;onmouseover=&#34;" in raw  # the quote cannot close the attribute


@pytest.mark.parametrize("url,ok", [
    ("https://example.com/x", True), ("HTTP://EXAMPLE.COM", True),
    ("javascript:alert(1)", False), (" javascript:alert(1)", False),
    ("java\tscript:alert(1)", False), ("data:text/html,<script>", False),
    ("https://ex ample.com", False), ("https://example.com/\u202e", False),
    ("//example.com", False), ("https:/example.com", False), ("", False), (None, False),
    ("vbscript:msgbox", False), ("https://" + "a" * 3000, False),
])
def test_safe_url(url, ok):
    assert (safe_url(url) is not None) is ok
    if ok:
        assert safe_url(url) == url


def test_text_columns_isolate_bidi_text(report):
    result, _, _, out = report
    for path, page in pages(out).items():
        for side in page.sides.values():
            assert side["attrs"].get("dir") == "auto"
    raw = (out / "index.html").read_text(encoding="utf-8")
    assert "\u202e" in raw  # kept as text, inside isolated elements
    css = raw.split("<style>")[1].split("</style>")[0]
    assert "unicode-bidi: isolate" in css


def test_ids_show_control_characters_and_stay_isolated_in_reasons(report):
    result, hostile, _, out = report
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "new\u240aline" in index and "win.ini\u2407" in index  # ␊ and ␇, never raw
    pair = next(p for p in result.pairs if {p.a, p.b} == set(hostile["txt"]))
    raw = (out / pair_href(pair_slug(pair))).read_text(encoding="utf-8")
    assert "\u202e" in pair.source_reason + pair.b
    # each id quoted in the reason is its own <bdi>, its RLO shown, not obeyed: it can
    # neither flip the sentence nor pass "txt.exe" off as another name
    assert ('<bdi class="mono">hostile/new\u240aline {{7*7}} \u27e8U+202E\u27e9txt.exe.txt</bdi> is '
            in raw)
    assert split_ids("a.txt is 67% covered by b.txt", ["a.txt", "b.txt"]) == [
        (True, "a.txt"), (False, " is 67% covered by "), (True, "b.txt")]
    assert split_ids("no ids", []) == [(False, "no ids")]


def test_json_for_scripts_is_html_safe(report):
    result, _, _, out = report
    for path in (out / "pairs").glob("*.html"):
        page = Page(path.read_text(encoding="utf-8"))
        block = next(s for s in page.scripts if s["attrs"].get("type") == "application/json")
        assert not set(block["text"]) & set("<>&\u2028\u2029")
        data = json.loads(block["text"])
        assert sorted(data["order"]) == list(range(len(data["passages"])))


# ------------------------------------------------------------------------- highlighted offsets

def test_highlighted_passages_equal_the_document_text(report):
    result, _, _, out = report
    docs = {d.id: d for d in result.documents}
    checked = 0
    for pair in result.pairs:
        page = Page((out / pair_href(pair_slug(pair))).read_text(encoding="utf-8"))
        by_key = {page.sides[s]["attrs"]["data-side"]: s for s in ("text-0", "text-1")}
        for key in ("a", "b"):
            doc = docs[getattr(pair, key)]
            side = by_key[key]
            assert page.sides[side]["attrs"]["data-doc"] == doc.id
            assert page.side_text(side) == doc.text
            for pid, passage in enumerate(pair.passages):
                start, end = getattr(passage, f"{key}_start"), getattr(passage, f"{key}_end")
                assert page.passage_text(side, pid) == doc.text[start:end]
                checked += 1
            # passage kinds become classes; boilerplate is dimmed, never dropped
            for text, attrs in page.sides[side]["segments"]:
                if attrs:
                    classes = set(attrs.get("class", "").split())
                    kinds = {pair.passages[int(i)].kind for i in attrs.get("data-p", "").split()}
                    assert ("x" in classes) == ("exact" in kinds)
                    assert ("p" in classes) == ("paraphrase" in kinds)
            dimmed = "".join(t for t, a in page.sides[side]["segments"]
                             if a and "bp" in a.get("class", "").split())
            spans = result.boilerplate.get(doc.id, ())
            assert dimmed == "".join(doc.text[s:e] for s, e in _merged(spans))
    assert checked > 50


def _merged(spans):
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def test_seed_page_puts_the_source_on_the_left(report):
    result, _, _, out = report
    pair = next(p for p in result.pairs if (p.a, p.b) == (SEED_REWRITE, SEED_SOURCE))
    page = Page((out / pair_href(pair_slug(pair))).read_text(encoding="utf-8"))
    assert page.sides["text-0"]["attrs"]["data-doc"] == SEED_SOURCE
    assert page.sides["text-1"]["attrs"]["data-doc"] == SEED_REWRITE
    shown = "".join(page.text)
    assert "Likely original" in shown and pair.source_reason in shown
    assert "Denial of responsibility!" in page.side_text("text-1")  # dimmed, not hidden
    keyboard = [a for _, a in page.sides["text-0"]["segments"] if a and a.get("tabindex") == "0"]
    assert len(keyboard) >= len(pair.passages) - 2  # one stop per passage start
    assert any(t == "del" for t, _ in page.tags) and any(t == "ins" for t, _ in page.tags)


def test_build_segments_with_overlapping_kinds_and_boilerplate():
    text = "0123456789abcdefghij"
    spans = [(2, 12, "paraphrase", 0), (5, 8, "exact", 1), (10, 15, "exact", 2),
             (18, 99, "paraphrase", 3), (7, 7, "exact", 4)]
    segs = build_segments(text, spans, [(0, 3), (14, 19)])
    assert "".join(s.text for s in segs) == text
    for start, end, _, pid in spans:
        got = "".join(s.text for s in segs if pid in s.passages)
        assert got == text[max(0, start):min(end, len(text))]
    by_start = {s.start: s for s in segs}
    assert by_start[5].kinds == ("exact", "paraphrase") and by_start[5].css == "x p"
    assert by_start[0].boilerplate and not by_start[0].passages and by_start[0].css == "bp"
    assert by_start[2].opening == (0,) and by_start[5].opening == (1,) and not by_start[8].opening
    assert build_segments("", spans) == []


@pytest.mark.parametrize("compiled", [False, True], ids=["difflib", "compiled"])
def test_word_diff_marks_inserted_deleted_and_substituted_words(compiled):
    ops = word_diff("The minister said on Monday that taxes rise.",
                    "On Monday the finance minister said taxes would rise!", compiled)
    kinds = {op for op, _, _ in ops}
    assert {"equal", "insert"} <= kinds
    left = " ".join(x for op, x, _ in ops if op != "insert" and x)
    right = " ".join(y for op, _, y in ops if op != "delete" and y)
    assert left.split() == "The minister said on Monday that taxes rise.".split()
    assert right.split() == "On Monday the finance minister said taxes would rise!".split()
    assert ("replace", "won", "gained") in word_diff("Armenia won control", "Armenia gained control",
                                                     compiled)


@pytest.mark.parametrize("seed", range(8))
def test_compiled_word_diff_is_difflibs(seed):
    """The compiled kernel finds difflib's blocks, ties and repeats included (a small
    vocabulary makes many equal-length candidates), case and edge punctuation ignored."""
    rnd = random.Random(seed)
    vocabulary = ["the", "The", "said", "said,", "a", "(a)", "minister", "tax", "«tax»", "rise",
                  "on", "Monday", "ß", "SS", "é", "e\u0301"][:rnd.randint(2, 16)]
    for _ in range(400):
        left = " ".join(rnd.choice(vocabulary) for _ in range(rnd.randint(0, 40)))
        right = " ".join(rnd.choice(vocabulary) for _ in range(rnd.randint(0, 40)))
        assert word_diff(left, right, compiled=True) == word_diff(left, right), (left, right)


# ------------------------------------------------------------------------- handmade results

def _handmade(text_a: str, text_b: str, passages, boilerplate=None) -> ScanResult:
    docs = (Document("x/<a>.txt", "x/<a>.txt", text_a, title="<b>A</b>",
                     url="javascript:alert(1)"),
            Document("y/../b.txt", "y/../b.txt", text_b, title=None, url="https://ok.test/"))
    pair = Pair(docs[0].id, docs[1].id, "derivative", docs[1].id, "because <i>", "partially",
                {"coverage_a": 0.5, "coverage_b": 0.25, "jaccard": 0.1,
                 "exact_coverage_a": 0.1, "exact_coverage_b": 0.05,
                 "paraphrase_coverage_a": 0.4, "paraphrase_coverage_b": 0.2,
                 "longest_exact_words": 6, "exact_passages": 1, "paraphrase_passages": 1},
                tuple(passages), ("reason <u>",))
    return ScanResult("<root>", docs, (pair,), (), (), {"k": "<v>"}, "2024-01-01T00:00:00+00:00",
                      boilerplate or {})


def test_paraphrase_diff_of_hostile_words_is_escaped(tmp_path):
    a = "Intro. " + SCRIPT + " won the " + IMG + " vote today. Tail {{ x }}."
    b = "Lead. " + SCRIPT + " gained the </textarea> vote today. End."
    passages = [Passage("paraphrase", 7, a.index(" Tail"), 6, b.index(" End"), 0.7),
                Passage("exact", 7, 7 + len(SCRIPT), 6, 6 + len(SCRIPT), 1.0)]
    result = _handmade(a, b, passages, {"x/<a>.txt": ((0, 6),)})
    write_outputs(result, tmp_path)
    path = tmp_path / pair_href(pair_slug(result.pairs[0]))
    raw = path.read_text(encoding="utf-8")
    page = Page(raw)
    assert {t for t, _ in page.tags} <= ALLOWED_TAGS
    assert "<img" not in raw and "<script>window" not in raw and "</textarea>" not in raw
    assert page.sides["text-0"]["attrs"]["data-doc"] == "y/../b.txt"  # the source, left
    assert page.passage_text("text-1", 0) == a[7:a.index(" Tail")]
    assert page.passage_text("text-0", 1) == SCRIPT
    diff_text = "".join(page.text)
    assert "won" in diff_text and "gained" in diff_text
    assert "javascript:alert(1)" in diff_text and "javascript:" not in "".join(page.hrefs)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;A&lt;/b&gt;" in index and "&lt;root&gt;" in index


def test_rewriting_a_report_drops_stale_pair_pages_only(tmp_path):
    a, b = "one two three four five six seven. " * 3, "one two three four five six seven. " * 3
    result = _handmade(a, b, [Passage("exact", 0, 10, 0, 10, 1.0)])
    write_outputs(result, tmp_path)
    stale = tmp_path / "pairs" / (_slug("old.txt", "older.txt") + ".html")
    stale.write_text("old")
    mine = tmp_path / "pairs" / "notes.html"
    mine.write_text("keep")
    write_outputs(result, tmp_path)
    assert not stale.exists() and mine.exists()
    assert (tmp_path / pair_href(pair_slug(result.pairs[0]))).exists()


def test_index_without_pairs_says_so():
    result = ScanResult("corpus", (), (), (), (), {}, "2024-01-01T00:00:00+00:00")
    html = render_index(result)
    assert "No copies, light edits or rewrites were found" in html
    assert 'id="pairs-table"' not in html


def test_compiled_word_diffs_from_several_threads_match_difflib(monkeypatch):
    """The word codes a process keeps between diffs are emptied now and then; diffs running
    in other threads meanwhile still match difflib (a library caller may write reports from
    threads)."""
    import sys
    import threading

    from derivdetect.report import marks

    monkeypatch.setattr(marks, "_WORD_CODES_MAX", 20)   # empty it all the time
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    wrong: list = []

    def work(seed):
        rnd = random.Random(seed)
        vocabulary = [f"w{i}" for i in range(60)]
        for _ in range(400):
            left = " ".join(rnd.choice(vocabulary) for _ in range(15))
            right = " ".join(rnd.choice(vocabulary) for _ in range(15))
            try:
                if word_diff(left, right, True) != word_diff(left, right):
                    wrong.append((left, right))
            except KeyError as error:
                wrong.append(error)

    try:
        threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert wrong == []

"""Input stage: formats, decoding, skips with reasons, and a walk that never stops."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import sys
from pathlib import Path

import pytest
import xxhash
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from derivdetect.config import Config
from derivdetect.errors import ConfigError, InputError, MissingDependencyError
from derivdetect.ingest import (
    DecodeError,
    decode_bytes,
    iter_inputs,
    read_document,
    readers,
)
from derivdetect.ingest.common import Skip
from derivdetect.ingest.decode import binary_kind
from derivdetect.models import Document, Skipped

ARTICLE = ("Council approves river bridge\n\n"
           "The council voted on Tuesday to approve the new bridge, ending a decade of "
           "debate over the river crossing.\n")

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>Bridge vote ends decade of debate | Example News</title>
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2023-05-01T10:00:00Z">
<link rel="canonical" href="https://news.example.com/bridge-vote">
<style>body { color: red }</style><script>var tracking = "SCRIPTTEXT";</script></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Bridge vote ends decade of debate</h1>
<p>The council voted on Tuesday to approve the new bridge, ending a decade of debate
over the river crossing.</p>
<p>Officials said construction would begin next spring and take three years to complete,
at a cost of forty million pounds.</p>
<p>Residents who had campaigned against the plan said they would consider a legal challenge
to the decision.</p>
</article>
<footer><p>Copyright 2023 Example News. All rights reserved.</p>
<a href="/privacy">Privacy policy</a></footer>
</body></html>
"""

def noise(size: int = 300) -> bytes:
    """Random bytes without NUL: not text in any encoding (but Latin-1 decodes anything)."""
    rng = random.Random(7)
    return bytes(rng.randrange(1, 256) for _ in range(size))


needs_trafilatura = pytest.mark.skipif(importlib.util.find_spec("trafilatura") is None,
                                       reason="trafilatura is not installed (html extra)")

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


def scan(root: Path, config: Config | None = None) -> tuple[dict, dict]:
    """Documents by id and skip reasons by path."""
    docs, skipped = {}, {}
    for item in iter_inputs(root, config or Config()):
        if isinstance(item, Document):
            assert item.id not in docs, f"duplicate id {item.id}"
            docs[item.id] = item
        else:
            assert isinstance(item, Skipped)
            assert item.path not in skipped, f"skipped twice: {item.path}"
            skipped[item.path] = item.reason
    return docs, skipped


def only(root: Path, config: Config | None = None):
    """The single item the walk makes of a folder holding one file."""
    items = list(iter_inputs(root, config or Config()))
    assert len(items) == 1, items
    return items[0]


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# ----------------------------------------------------------------------------- formats

def test_txt_is_read_as_is_with_title_and_hash(tmp_path):
    write(tmp_path / "story.txt", ARTICLE)
    doc = only(tmp_path)
    assert isinstance(doc, Document)
    assert (doc.id, doc.path, doc.format, doc.encoding) == ("story.txt", "story.txt", "txt",
                                                            "utf-8")
    assert doc.text == ARTICLE
    assert doc.title == "Council approves river bridge"
    assert doc.date is None and doc.url is None and doc.byline is None
    assert doc.content_hash == xxhash.xxh3_64_hexdigest(ARTICLE.encode("utf-8"))


def test_txt_title_skips_rules_and_long_first_lines(tmp_path):
    write(tmp_path / "rule.txt", "  ------------\n\n  18:01 PA SHOWBIZ Cilla  \nBody text.")
    write(tmp_path / "long.txt", "x" * 250 + "\nsecond line")
    docs, _ = scan(tmp_path)
    assert docs["rule.txt"].title == "18:01 PA SHOWBIZ Cilla"
    assert docs["long.txt"].title is None


CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def test_seed_titles_and_bylines_from_the_real_corpus():
    docs, skipped = scan(CORPUS)
    assert list(skipped) == ["relations.csv"] and len(docs) == 5
    seen = {doc_id[:3]: (doc.title, doc.byline) for doc_id, doc in docs.items()}
    assert seen["000"] == ("Nagorno-Karabakh Conflict: Russia\u2019s Failed Peacekeeping "
                           "Efforts and Shift from Armenia", None)
    # "By Robyn DixonFrancesca Ebel", then the lead paragraph: a byline and no title
    assert seen["001"] == (None, "Robyn Dixon, Francesca Ebel")
    assert seen["002"] == ("Russia is becoming an increasingly unreliable partner", None)
    assert seen["003"][0] == (CORPUS / "003_4f924e5df3fd12e9.txt").read_text(
        encoding="utf-8").splitlines()[0]
    assert seen["004"][0].startswith('"There are no Armenians left in NK')
    for doc_id, doc in docs.items():  # metadata only: the text is the file as it is
        assert doc.text == (CORPUS / doc_id).read_bytes().decode("utf-8")


LEAD = ("The council voted on Tuesday to approve the new bridge, ending a decade of debate "
        "over the river crossing that has divided the town since the old one was closed in "
        "2013 after engineers found cracks in two of its piers.")


@pytest.mark.parametrize("text, title, byline", [
    # a byline first: the byline, and the title is looked for after it
    (f"By Jane Doe\n\nBridge approved\n\n{LEAD}", "Bridge approved", "Jane Doe"),
    (f"By: Jane Doe and John Roe\n{LEAD}", None, "Jane Doe and John Roe"),
    (f"Written by Mary McDonald\n\n{LEAD}", None, "Mary McDonald"),
    (f"BY ROBYN DIXON\nBridge approved\n{LEAD}", "Bridge approved", "ROBYN DIXON"),
    (f"By Tom DeMarcoAnn MacDonald\n{LEAD}", None, "Tom DeMarco, Ann MacDonald"),
    (f"By Ursula von der Leyen\nA speech\n{LEAD}", "A speech", "Ursula von der Leyen"),
    (f"By our correspondent\nBridge approved\n{LEAD}", "Bridge approved",
     "our correspondent"),
    # headlines that begin with "By" stay titles
    (f"By the numbers: the bridge vote\n\n{LEAD}", "By the numbers: the bridge vote", None),
    (f"By Tuesday, the council will have voted\n{LEAD}",
     "By Tuesday, the council will have voted", None),
    (f"By Any Means Necessary\n{LEAD}", "By Any Means Necessary", None),
    (f"By Design\n{LEAD}", "By Design", None),
    (f"By 2030 half the town will cross it\n{LEAD}",
     "By 2030 half the town will cross it", None),
    # a byline on the line after the title
    (f"Bridge approved\nBy Jane Doe | The Courier\n{LEAD}", "Bridge approved",
     "Jane Doe | The Courier"),
    # web furniture is no title
    (f"top of page\n\nBridge approved\n{LEAD}", "Bridge approved", None),
    (f"Skip to content\nMenu\nADVERTISEMENT\nShare:\nBridge approved\n{LEAD}",
     "Bridge approved", None),
    (f"share on twitter\nBy Jane Doe\n\n{LEAD}", None, "Jane Doe"),
    # a long first line is the lead paragraph: no title, and nothing later is taken for one
    (f"{LEAD}\n\nShort line later.", None, None),
    (f"By Jane Doe\n{LEAD}\nShort line later.", None, "Jane Doe"),
    ("top of page\nmenu\n", None, None),
    ("\u65b0\u95fb\u6807\u9898\n\u6b63\u6587\u3002", "\u65b0\u95fb\u6807\u9898", None),
])
def test_txt_title_and_byline(tmp_path, text, title, byline):
    write(tmp_path / "story.txt", text)
    doc = only(tmp_path)
    assert (doc.title, doc.byline) == (title, byline)
    assert doc.text == text


def test_markdown_title_and_byline(tmp_path):
    write(tmp_path / "a.md", "*By Jane Doe*\n\n# Bridge approved\n\nThe council voted.\n")
    write(tmp_path / "b.md", "# By the numbers\n\nBy Jane Doe\n\nThe council voted.\n")
    write(tmp_path / "c.md", "---\nauthor: Ann Roe\n---\nBy Jane Doe\n\n# Bridge\n")
    docs, _ = scan(tmp_path)
    assert (docs["a.md"].title, docs["a.md"].byline) == ("Bridge approved", "Jane Doe")
    assert (docs["b.md"].title, docs["b.md"].byline) == ("By the numbers", "Jane Doe")
    assert (docs["c.md"].title, docs["c.md"].byline) == ("Bridge", "Ann Roe")


@pytest.mark.parametrize("names, split", [
    ("Robyn DixonFrancesca Ebel", "Robyn Dixon, Francesca Ebel"),
    ("Mary McDonald", "Mary McDonald"),
    ("Tom DeMarco", "Tom DeMarco"),
    ("Ann MacDonald", "Ann MacDonald"),
    ("LaToya Jones", "LaToya Jones"),
    ("Ella FitzGerald", "Ella FitzGerald"),
    ("Zo\u00eb \u00c5ngstr\u00f6mJos\u00e9 Garc\u00eda", "Zo\u00eb \u00c5ngstr\u00f6m, Jos\u00e9 Garc\u00eda"),
])
def test_glued_names_are_split(names, split):
    from derivdetect.ingest.titles import split_glued_names

    assert split_glued_names(names) == split


def test_markdown_heading_and_front_matter(tmp_path):
    write(tmp_path / "a.md", "# Bridge approved #\n\nThe council voted on Tuesday.\n")
    front = ("---\ntitle: \"Bridge vote\"\ndate: 2023-05-01\nauthor: Jane Doe\n---\n"
             "# Other heading\n\nBody.\n")
    write(tmp_path / "b.markdown", front)
    docs, skipped = scan(tmp_path)
    assert not skipped
    assert docs["a.md"].format == "md" and docs["a.md"].title == "Bridge approved"
    b = docs["b.markdown"]
    assert (b.format, b.title, b.date, b.byline) == ("md", "Bridge vote", "2023-05-01",
                                                     "Jane Doe")
    assert b.text == front  # front matter stays: offsets point into the file as it is


@needs_trafilatura
def test_html_main_text_without_furniture(tmp_path):
    write(tmp_path / "page.html", PAGE)
    doc = only(tmp_path)
    assert doc.format == "html"
    assert "approve the new bridge" in doc.text
    assert "consider a legal challenge" in doc.text
    for furniture in ("Home", "Sport", "Copyright", "Privacy policy", "SCRIPTTEXT", "color"):
        assert furniture not in doc.text
    assert doc.title == "Bridge vote ends decade of debate"
    assert doc.date == "2023-05-01"
    assert doc.url == "https://news.example.com/bridge-vote"
    assert doc.byline == "Jane Doe"
    assert doc.content_hash == xxhash.xxh3_64_hexdigest(PAGE.encode("utf-8"))


def test_html_text_extractor_keeps_visible_text_but_no_scripts(tmp_path):
    write(tmp_path / "page.htm", PAGE)
    doc = only(tmp_path, Config(html_extractor="text"))
    assert doc.format == "html"
    assert "Home" in doc.text and "Copyright 2023" in doc.text  # all visible text
    assert "SCRIPTTEXT" not in doc.text and "color: red" not in doc.text
    assert "ending a decade of debate over the river crossing." in doc.text  # one line
    assert doc.title == "Bridge vote ends decade of debate | Example News"
    assert (doc.date, doc.byline) == ("2023-05-01", "Jane Doe")


@needs_trafilatura
def test_html_without_article_text_is_skipped(tmp_path):
    write(tmp_path / "empty.html", "<html><head><title>x</title></head><body></body></html>")
    assert only(tmp_path) == Skipped("empty.html", "no article text found in HTML")


def test_html_declared_charset_is_used(tmp_path):
    page = ('<html><head><meta charset="windows-1251"><title>Новости</title></head><body>'
            '<p>Москва сегодня объявила новые меры поддержки для жителей города.</p>'
            '</body></html>')
    write(tmp_path / "ru.html", page.encode("cp1251"))
    doc = only(tmp_path, Config(html_extractor="text"))
    assert doc.encoding == "cp1251"
    assert "Москва сегодня объявила" in doc.text and doc.title == "Новости"


def test_html_without_trafilatura_is_skipped_with_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # import now fails
    page = write(tmp_path / "page.html", PAGE)
    write(tmp_path / "note.txt", ARTICLE)
    docs, skipped = scan(tmp_path)
    assert skipped == {"page.html": "needs trafilatura: pip install 'derivdetect[html]'"}
    assert "note.txt" in docs  # the rest of the scan goes on
    with pytest.raises(MissingDependencyError, match=r"page\.html.*pip install"):
        read_document(page, Config())
    assert "Home" in read_document(page, Config(html_extractor="text")).text


def test_jsonl_documents_metadata_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": "a1", "text": "First story text.", "title": "First", "url": "u1",
                    "date": "2023-01-02", "byline": "Ann"}),
        json.dumps({"text": "Second story, no id.", "source": "Reuters"}),
        "{not json",
        "",
        json.dumps({"title": "no text here"}),
        json.dumps({"id": 7, "text": 42}),
        json.dumps(["text", "in a list"]),
        json.dumps({"id": "a1", "text": "Duplicate id."}),
        json.dumps({"id": 9, "text": "Numeric id.", "date": 2023}),
    ]
    write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    docs, skipped = scan(tmp_path)
    assert list(docs) == ["feed.jsonl#a1", "feed.jsonl#2", "feed.jsonl#a1#line8",
                          "feed.jsonl#9"]  # a duplicate id is kept under its line (see ids)
    first = docs["feed.jsonl#a1"]
    assert (first.path, first.format, first.text, first.title, first.url, first.date,
            first.byline) == ("feed.jsonl", "jsonl", "First story text.", "First", "u1",
                              "2023-01-02", "Ann")
    assert first.content_hash == xxhash.xxh3_64_hexdigest(b"First story text.")
    assert docs["feed.jsonl#2"].byline == "Reuters"
    assert docs["feed.jsonl#9"].date == "2023"
    assert docs["feed.jsonl#a1#line8"].text == "Duplicate id."
    assert set(skipped) == {"feed.jsonl:3", "feed.jsonl:5", "feed.jsonl:6",
                            "feed.jsonl:7"}  # blank line 4 is neither
    assert skipped["feed.jsonl:3"].startswith("not valid JSON")
    assert skipped["feed.jsonl:5"] == "no 'text' field"
    assert skipped["feed.jsonl:6"] == "'text' must be a string, not a JSON number"
    assert skipped["feed.jsonl:7"] == "not a JSON object but a JSON array"


@pytest.mark.parametrize("line, reason", [
    ('{"text": "abc', "Unterminated string starting at column 10"),
    ('{"text": "a\tb"}', "Invalid control character at column 12"),
    ('{"text": "a" "b"}', "Expecting ',' delimiter at column 14"),
    ('{"text": "a",}', "Expecting property name enclosed in double quotes at column 14"),
    ('{"text" "a"}', "Expecting ':' delimiter at column 9"),
])
def test_jsonl_json_errors_read_well(tmp_path, line, reason):
    write(tmp_path / "feed.jsonl", line + "\n")
    assert only(tmp_path) == Skipped("feed.jsonl:1", f"not valid JSON ({reason})")


def test_jsonl_edge_cases(tmp_path):
    write(tmp_path / "bom.jsonl", b"\xef\xbb\xbf" + b'{"text": "caf\xc3\xa9"}\r\n')
    write(tmp_path / "blank.jsonl", "\n\n")
    write(tmp_path / "empty.jsonl", "")
    write(tmp_path / "latin.jsonl", '{"text": "café £5"}\n'.encode("latin-1"))
    write(tmp_path / "ws.jsonl", '{"text": "  \\n "}\n')
    docs, skipped = scan(tmp_path)
    assert docs["bom.jsonl#1"].text == "café"
    assert skipped["blank.jsonl"] == "no JSON lines (blank lines only)"
    assert skipped["empty.jsonl"] == "empty file"
    assert "pass --encoding" in skipped["latin.jsonl:1"]
    assert skipped["ws.jsonl:1"] == "no text (whitespace only)"
    docs, _ = scan(tmp_path, Config(encoding="latin-1"))
    assert docs["latin.jsonl#1"].text == "café £5"


# ---------------------------------------------------------------------------- decoding

def test_latin1_text_is_detected(tmp_path):
    write(tmp_path / "price.txt", "Un café coûte £5 à Londres.\n".encode("latin-1"))
    doc = only(tmp_path)
    assert doc.text == "Un café coûte £5 à Londres.\n"
    assert doc.encoding == "cp1252"
    forced = only(tmp_path, Config(encoding="latin-1"))
    assert forced.text == doc.text and forced.encoding == "iso8859-1"


def test_short_latin1_and_windows_1252_are_not_misread():
    # charset-normalizer alone reads these as Urdu (cp1006) and Polish (cp1250: "Ł5").
    assert decode_bytes("café £5".encode("latin-1"), None) == ("café £5", "cp1252")
    quoted = "He said “hello” — it’s £5 and 3½ stone"
    assert decode_bytes(quoted.encode("cp1252"), None) == (quoted, "cp1252")


def test_other_scripts_fall_back_to_detection():
    russian = "Москва сегодня объявила новые меры поддержки для жителей города."
    assert decode_bytes(russian.encode("cp1251"), None) == (russian, "cp1251")


def test_utf8_with_a_stray_windows_1252_byte():
    data = "Zoë said “hello”".encode("utf-8") + b" caf\xe9"
    assert decode_bytes(data, None) == ("Zoë said “hello” café", "utf-8+cp1252")


@pytest.mark.parametrize("codec, bom, name", [
    ("utf-16-le", b"\xff\xfe", "utf-16-le"),
    ("utf-16-be", b"\xfe\xff", "utf-16-be"),
    ("utf-32-le", b"\xff\xfe\x00\x00", "utf-32-le"),
])
def test_utf16_and_utf32_with_bom(tmp_path, codec, bom, name):
    text = "Zoë paid £5.\r\nSecond line.\n"
    write(tmp_path / "wide.txt", bom + text.encode(codec))
    doc = only(tmp_path)
    assert (doc.text, doc.encoding) == (text, name)


def test_utf16_without_bom_is_explained_and_readable_when_forced(tmp_path):
    text = "Zoë paid £5 for the bridge tickets.\n"
    write(tmp_path / "wide.txt", text.encode("utf-16-le"))
    assert only(tmp_path).reason == ("binary file (contains NUL bytes; UTF-16 without a "
                                     "byte-order mark? pass --encoding utf-16-le), not text")
    doc = only(tmp_path, Config(encoding="utf-16-le"))
    assert (doc.text, doc.encoding) == (text, "utf-16-le")


def test_utf8_bom_is_removed_and_hash_is_of_raw_bytes(tmp_path):
    raw = b"\xef\xbb\xbf" + "Zoë\nbody".encode("utf-8")
    write(tmp_path / "bom.txt", raw)
    doc = only(tmp_path)
    assert doc.text == "Zoë\nbody" and doc.title == "Zoë"
    assert doc.content_hash == xxhash.xxh3_64_hexdigest(raw)


def test_crlf_and_spacing_are_kept(tmp_path):
    text = "Title\r\n\r\n  Indented\tline.\r\nLast   line\r\n"
    write(tmp_path / "crlf.txt", text)
    assert only(tmp_path).text == text


def test_undecodable_bytes_are_skipped_with_the_fix(tmp_path):
    write(tmp_path / "noise.txt", noise())
    write(tmp_path / "bad16.txt", b"\xff\xfe" + b"a\x00\x00\xd8")  # lone surrogate
    _, skipped = scan(tmp_path)
    assert skipped["noise.txt"] == "not UTF-8 and no charset found; pass --encoding"
    assert "UTF-16-LE byte-order mark" in skipped["bad16.txt"]
    docs, _ = scan(tmp_path, Config(encoding="latin-1"))
    assert docs["noise.txt"].text == noise().decode("latin-1")  # the suggested fix works
    assert docs["bad16.txt"].text == "ÿþa\x00\x00Ø"  # also for a false byte-order mark


def test_binary_files_are_skipped_whatever_their_extension(tmp_path):
    write(tmp_path / "photo.txt", PNG)
    write(tmp_path / "doc.md", b"%PDF-1.7\n...")
    write(tmp_path / "feed.jsonl", b"\x1f\x8b\x08\x00rest")
    write(tmp_path / "nul.txt", b"text with a \x00 NUL byte")
    _, skipped = scan(tmp_path)
    assert skipped == {
        "doc.md": "binary file (PDF document), not text",
        "feed.jsonl": "binary file (GZIP archive), not text",
        "nul.txt": "binary file (contains NUL bytes), not text",
        "photo.txt": "binary file (PNG image), not text",
    }


def test_decode_bytes_errors_are_value_errors():
    with pytest.raises(ValueError, match="PNG image"):
        decode_bytes(PNG, None)
    with pytest.raises(DecodeError, match="unknown encoding"):
        decode_bytes(b"caf\xe9", "no-such-codec")
    assert binary_kind(b"GIF89a....") == "GIF image"
    assert binary_kind("utf-16 text".encode("utf-16")) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                      blacklist_characters="\x00")))
def test_utf8_text_round_trips(text):
    data = text.encode("utf-8")
    assume(binary_kind(data) is None and not text.startswith("\ufeff"))
    assert decode_bytes(data, None) == (text, "utf-8")
    assert decode_bytes(data, "latin-1") == (text, "utf-8")  # UTF-8 wins over --encoding


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                      blacklist_characters="\x7f"), min_size=1))
def test_forced_latin1_round_trips(text):
    data = text.encode("latin-1")
    assume(not data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")))  # BOMs win
    decoded, encoding = decode_bytes(data, "latin-1")
    assert decoded == (text if encoding == "iso8859-1" else data.decode("utf-8"))


# ------------------------------------------------------------------------------- skips

def test_empty_and_whitespace_files(tmp_path):
    write(tmp_path / "empty.txt", b"")
    write(tmp_path / "blank.md", " \r\n\t\n")
    write(tmp_path / "bom-only.txt", b"\xef\xbb\xbf")
    write(tmp_path / "blank.html", "   \n")
    _, skipped = scan(tmp_path)
    assert skipped == {"empty.txt": "empty file", "blank.md": "no text (whitespace only)",
                       "bom-only.txt": "empty file", "blank.html": "no text (whitespace only)"}


def test_unsupported_hidden_and_dot_folders(tmp_path):
    write(tmp_path / "report.pdf.xyz", b"x")
    write(tmp_path / "README", b"read me")
    write(tmp_path / ".DS_Store", b"x")
    write(tmp_path / ".git" / "config.txt", "not an article")
    write(tmp_path / "sub" / ".hidden.txt", "hidden article")
    write(tmp_path / "sub" / "ok.TXT", ARTICLE)
    docs, skipped = scan(tmp_path)
    assert list(docs) == ["sub/ok.TXT"]
    assert skipped == {"report.pdf.xyz": "unsupported file type .xyz",
                       "README": "unsupported file type (no extension)",
                       ".DS_Store": "hidden file", "sub/.hidden.txt": "hidden file"}


def test_too_long_text_is_skipped(tmp_path):
    write(tmp_path / "long.txt", "word " * 30)
    write(tmp_path / "huge.txt", "w" * 500)
    write(tmp_path / "feed.jsonl", json.dumps({"text": "word " * 30}) + "\n")
    write(tmp_path / "ok.txt", "short text")
    docs, skipped = scan(tmp_path, Config(max_chars=100))
    assert list(docs) == ["ok.txt"]
    assert skipped["long.txt"] == "too long: 150 characters > max_chars 100; raise --max-chars"
    assert skipped["huge.txt"] == ("too long: 500 bytes > 4 x max_chars 100; "
                                   "raise --max-chars")
    assert skipped["feed.jsonl:1"].startswith("too long: 150 characters")


@pytest.mark.parametrize("grown", [10, 75, 99, 100, 101, 300])
def test_a_file_that_grew_after_it_was_listed_is_read_whole_or_skipped(tmp_path, grown):
    """Files are read for their listed size; one that grew since is still read whole up to
    the byte limit (4 x max_chars: here 100 four-byte characters), and skipped past it."""
    path = tmp_path / "story.txt"
    path.write_text("w" * 40, encoding="utf-8")
    listed = path.stat().st_size
    path.write_text("\U0001F600" * grown, encoding="utf-8")
    config = Config(max_chars=100)
    if grown <= 100:
        (doc,) = readers.read_items(str(path), "story.txt", "txt", listed, config)
        assert doc.text == "\U0001F600" * grown
    else:
        with pytest.raises(Skip, match="too long: more than 400 bytes"):
            list(readers.read_items(str(path), "story.txt", "txt", listed, config))


def test_oversized_file_is_not_read(tmp_path, monkeypatch):
    write(tmp_path / "huge.txt", "w" * 500)

    def no_open(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(readers, "open", no_open, raising=False)
    assert only(tmp_path, Config(max_chars=100)).reason.startswith("too long: 500 bytes")


# ------------------------------------------------------------------------------- walk

def test_every_file_ends_in_exactly_one_state_in_sorted_order(tmp_path):
    names = ["b.txt", "a/z.md", "a/b/c.html", "a.txt", "c.bin", "d.jsonl", "e.txt"]
    write(tmp_path / "b.txt", ARTICLE)
    write(tmp_path / "a" / "z.md", "# Z\n\nzed")
    write(tmp_path / "a" / "b" / "c.html", PAGE)
    write(tmp_path / "a.txt", "")
    write(tmp_path / "c.bin", PNG)
    write(tmp_path / "d.jsonl", '{"text": "one"}\n{"text": 2}\n')
    write(tmp_path / "e.txt", PNG)
    items = list(iter_inputs(tmp_path, Config()))
    seen = [item.path.split(":")[0] for item in items]
    assert sorted(set(seen)) == sorted(names)
    assert seen == ["a/b/c.html", "a/z.md", "a.txt", "b.txt", "c.bin", "d.jsonl", "d.jsonl",
                    "e.txt"]
    assert items == list(iter_inputs(tmp_path, Config()))  # deterministic


def test_odd_file_names_keep_their_names(tmp_path):
    names = ["with space.txt", "quote's \"double\".txt", "new\nline.txt", "café ☕.md",
             "日本語.txt"]
    for name in names:
        write(tmp_path / "dir with space" / name, f"Story {name}\n")
    docs, skipped = scan(tmp_path)
    assert not skipped
    assert sorted(docs) == sorted(f"dir with space/{name}" for name in names)
    assert docs["dir with space/new\nline.txt"].text == "Story new\nline.txt\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names")
def test_undecodable_file_name_is_still_read(tmp_path):
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")
    with open(raw, "wb") as handle:
        handle.write(b"Latin-1 named file")
    doc = only(tmp_path)
    assert doc.id == os.fsdecode(b"caf\xe9.txt") and doc.text == "Latin-1 named file"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks(tmp_path):
    root = tmp_path / "root"
    outside = write(tmp_path / "outside.txt", "secret outside text")
    write(root / "real" / "story.txt", ARTICLE)
    (root / "real" / "loop").symlink_to(root, target_is_directory=True)
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    (root / "link.txt").symlink_to(root / "real" / "story.txt")
    (root / "out.txt").symlink_to(outside)
    (root / "outdir").symlink_to(tmp_path, target_is_directory=True)
    (root / "broken.txt").symlink_to(root / "missing.txt")
    (root / "ping.txt").symlink_to(root / "pong.txt")
    (root / "pong.txt").symlink_to(root / "ping.txt")
    docs, skipped = scan(root)
    assert sorted(docs) == ["link.txt", "real/story.txt"]
    assert docs["link.txt"].text == ARTICLE
    assert skipped["real/loop"].startswith("symlink loop")
    assert skipped["alias"].startswith("symlink to a folder of the scan, not followed")
    assert skipped["out.txt"] == "symlink points outside the scanned folder"
    assert skipped["outdir"] == "symlink points outside the scanned folder"
    assert skipped["broken.txt"].startswith("broken symlink")
    assert skipped["ping.txt"] == skipped["pong.txt"] == "symlink loop"


def test_special_files_are_skipped(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs mkfifo")
    os.mkfifo(tmp_path / "pipe.txt")  # opening it would block the scan
    assert only(tmp_path) == Skipped("pipe.txt", "not a regular file")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can read anything")
def test_unreadable_file_and_folder(tmp_path):
    secret = write(tmp_path / "secret.txt", ARTICLE)
    locked = tmp_path / "locked"
    write(locked / "inside.txt", ARTICLE)
    write(tmp_path / "ok.txt", ARTICLE)
    secret.chmod(0)
    locked.chmod(0)
    try:
        docs, skipped = scan(tmp_path)
    finally:
        secret.chmod(0o644)
        locked.chmod(0o755)
    assert list(docs) == ["ok.txt"]
    assert skipped == {"secret.txt": "permission denied",
                       "locked": "permission denied: cannot list the folder"}


def test_permission_and_vanishing_errors_are_skips(tmp_path, monkeypatch):
    # The same paths as above, simulated so that they run as root too.
    for name in ("denied.txt", "gone.txt", "ok.txt"):
        write(tmp_path / name, ARTICLE)
    write(tmp_path / "locked" / "inside.txt", ARTICLE)
    real_open, real_scandir = open, os.scandir

    def fake_open(path, *args, **kwargs):
        name = os.path.basename(path)
        if name == "denied.txt":
            raise PermissionError(13, "Permission denied", path)
        if name == "gone.txt":
            raise FileNotFoundError(2, "No such file or directory", path)
        return real_open(path, *args, **kwargs)

    def fake_scandir(path):
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(readers, "open", fake_open, raising=False)
    monkeypatch.setattr(readers.os, "scandir", fake_scandir)
    docs, skipped = scan(tmp_path)
    assert list(docs) == ["ok.txt"]
    assert skipped == {"denied.txt": "permission denied", "gone.txt": "vanished during the scan",
                       "locked": "permission denied: cannot list the folder"}


def test_a_crashing_reader_does_not_stop_the_walk(tmp_path, monkeypatch):
    write(tmp_path / "a.html", PAGE)
    write(tmp_path / "b.txt", ARTICLE)

    def boom(page, extractor):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(readers, "extract_html", boom)
    docs, skipped = scan(tmp_path)
    assert list(docs) == ["b.txt"]
    assert skipped == {"a.html": "could not be read (RuntimeError: parser exploded)"}


def test_bad_root_and_bad_encoding_raise(tmp_path):
    with pytest.raises(InputError, match="folder not found"):
        list(iter_inputs(tmp_path / "nope", Config()))
    with pytest.raises(InputError, match="not a folder"):
        list(iter_inputs(write(tmp_path / "a.txt", "x"), Config()))
    with pytest.raises(ConfigError, match="no-such-codec"):
        list(iter_inputs(tmp_path, Config(encoding="no-such-codec")))


# ------------------------------------------------------------------------ read_document

def test_read_document_reads_one_file(tmp_path):
    path = write(tmp_path / "sub" / "story.txt", ARTICLE)
    doc = read_document(path, Config())
    assert doc.text == ARTICLE and doc.id == path.as_posix() and doc.format == "txt"
    feed = write(tmp_path / "feed.jsonl", 'oops\n{"id": "x", "text": "Good line."}\n')
    doc = read_document(feed, Config())
    assert (doc.id, doc.text) == (f"{feed.as_posix()}#x", "Good line.")


@pytest.mark.parametrize("name, data, message", [
    ("x.html", noise(),
     "x.html: not UTF-8 and no charset found; pass --encoding"),
    ("photo.txt", PNG, "photo.txt: binary file (PNG image), not text; convert it to text"),
    ("empty.txt", b"", "empty.txt: empty file; the file has no text to compare"),
    ("data.csv", b"a,b", "data.csv: unsupported file type .csv; use .txt"),
    ("feed.jsonl", b'{"text": 1}\n', "feed.jsonl: no usable line (line 1: 'text' must be"),
    pytest.param("nav.html", b"<html><body><nav></nav></body></html>",
                 "nav.html: no article text found in HTML; try --html-extractor text",
                 marks=needs_trafilatura),
])
def test_read_document_errors_name_the_file_and_the_fix(tmp_path, name, data, message):
    path = write(tmp_path / name, data)
    with pytest.raises(InputError) as info:
        read_document(path, Config())
    text = str(info.value)
    assert text.startswith(str(tmp_path)) and message in text
    assert "\n" not in text


def test_read_document_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match=r"nope\.txt: file not found; check the path"):
        read_document(tmp_path / "nope.txt", Config())
    with pytest.raises(InputError, match="is a folder; use 'derivdetect scan'"):
        read_document(tmp_path, Config())
    with pytest.raises(InputError, match=r"too long: 11 characters > max_chars 5"):
        read_document(write(tmp_path / "a.txt", "hello world"), Config(max_chars=5))


def test_a_nul_byte_in_a_later_jsonl_line_makes_that_line_bad_not_the_feed(tmp_path):
    """Found by the fuzz test: a feed whose second line is a stray NUL byte was skipped whole
    as "binary"; a file that is binary from its first line still is."""
    (tmp_path / "feed.jsonl").write_bytes(b'{"text": "hello there"}\n\x00\n'
                                          b'{"text": "tw\x00o"}\n{"text": "three"}\n')
    (tmp_path / "blob.jsonl").write_bytes(b'\x00\x01\x02{"text": "x"}\n')
    docs, skipped = scan(tmp_path)
    assert [d.text for d in docs.values()] == ["hello there", "three"]
    assert sorted(skipped) == ["blob.jsonl", "feed.jsonl:2", "feed.jsonl:3"]
    assert skipped["blob.jsonl"].startswith("binary file (contains NUL bytes)")


def _furniture_by_the_documented_rule(line: str) -> bool:
    """``is_furniture`` as first written: every word of the line compared, however long."""
    from derivdetect.ingest.titles import FURNITURE_PHRASES

    plain = " ".join(re.sub(r"[\W_]+", " ", line.lower()).split())
    if not plain:
        return False
    if plain in FURNITURE_PHRASES:
        return True
    return line == line.lower() and line != line.upper() and len(plain.split()) <= 4


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["share", "Share", "this", "top", "of", "page", "SKIP", "to",
                                 "content", "menu", "a_b", "-", "—", "...", "中文", "ß", "Ｓhare",
                                 "\u00a0", "\t", "x" * 30, "advertisement", "scroll", "continue"]),
                max_size=12).map(" ".join))
def test_furniture_lines_are_found_without_reading_a_paragraph_to_its_end(line):
    from derivdetect.ingest.titles import is_furniture

    assert is_furniture(line) == _furniture_by_the_documented_rule(line)

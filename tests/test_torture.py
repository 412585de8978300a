"""A folder of broken and hostile files scanned next to the seed articles."""

import gzip
import json
import os
import shutil
import zlib

import pytest
from typer.testing import CliRunner

from conftest import CORPUS, SEED_REWRITE, SEED_SOURCE
from derivdetect.cli import app

HOSTILE = ("<script>alert(1)</script> <img src=x onerror=alert(2)> {{ 7*7 }} {% raw %} "
           "</textarea></pre> \u202e javascript:alert(3)")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + zlib.compress(b"x" * 200)


def build_torture(root):
    for seed in CORPUS.glob("*.txt"):
        shutil.copy(seed, root / seed.name)
    files = {
        "empty.txt": b"",
        "blank.txt": b"   \n\t\n  ",
        "image.txt": PNG,
        "paper.md": PDF,
        "archive.txt": gzip.compress(b"hello world " * 50),
        "bad-utf8.txt": "Café au lait costs £5 in Zürich. ".encode("latin-1") * 5,
        "utf16.txt": "\ufeffUTF-16 text with a byte order mark, read as text.".encode("utf-16-le"),
        "bom.txt": "\ufeffA UTF-8 file with a BOM at its start.".encode("utf-8"),
        "crlf.txt": b"Windows line ends.\r\nSecond line.\r\n",
        "cr.txt": b"Old Mac line ends.\rSecond line.\r",
        "one-word.txt": b"Hello",
        "long-line.txt": b"x" * 1_000_000,
        "no-body.html": b"<html><head><title>t</title></head><body><nav>Home</nav></body></html>",
        "broken.html": b"<html><body><p>Unclosed <b>tags <div><p>Text in a broken page that goes on",
        "lines.jsonl": b'{"id": "1", "text": "A good line of text here."}\n'
                       b'{not json}\n'
                       b'{"id": "3", "title": "no text"}\n'
                       b'{"id": "4", "text": 42}\n'
                       b'{"id": "5", "text": "Another good line."}\n',
        "name with spaces 'quotes' \u00e9\u4e2d.txt": b"A file with an odd name.",
        "notes.csv": b"a,b\n1,2\n",
        "script.html": b"<html><body><article><p>Hello <script>alert(1)</script>"
                       b"<img src=x onerror=alert(2)> {{ 7*7 }} {% if %}</p></article></body></html>",
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    deep = root
    for level in range(30):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_bytes(b"A file thirty folders down.")
    shutil.copy(CORPUS / SEED_SOURCE, root / "d0" / "same-bytes-copy.txt")
    source = (CORPUS / SEED_SOURCE).read_text(encoding="utf-8")
    cut = source.index("\n\n", len(source) // 2)
    (root / "hostile-copy.txt").write_text(source[:cut] + "\n\n" + HOSTILE + source[cut:],
                                           encoding="utf-8")
    os.symlink(root, root / "loop")
    os.symlink("/etc/hostname", root / "outside.txt")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.txt")
    return root


@pytest.fixture(scope="module")
def torture(tmp_path_factory):
    return build_torture(tmp_path_factory.mktemp("torture"))


def test_scan_survives_and_accounts_for_every_file(torture, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["scan", str(torture), "--out", str(out), "-q", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    data = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    pairs = {(p["a"], p["b"]): p for p in data["pairs"]}
    assert pairs[(SEED_REWRITE, SEED_SOURCE)]["verdict"] == "derivative"
    copy = pairs[("001_3d3443b8b15dbcff.txt", "d0/same-bytes-copy.txt")]
    assert copy["verdict"] == "verbatim"
    # every file is read or skipped, exactly once (JSONL lines count on their own)
    seen = [d["path"] for d in data["documents"]] + [s["path"] for s in data["skipped"]]
    on_disk = []
    for dirpath, dirnames, filenames in os.walk(torture):
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
        on_disk += [os.path.relpath(os.path.join(dirpath, f), torture) for f in filenames]
    on_disk += ["loop"]
    for path in on_disk:
        assert any(s == path or s.startswith(path + ":") or s.startswith(path + "#") for s in seen), path
    reasons = {s["path"]: s["reason"] for s in data["skipped"]}
    assert "empty" in reasons["empty.txt"]
    assert "PNG" in reasons["image.txt"]
    assert "outside" in reasons["outside.txt"]
    assert any(p.startswith("lines.jsonl:") for p in reasons)
    assert sum(d["path"] == "lines.jsonl" for d in data["documents"]) == 2
    assert not [p for p in out.rglob("*.tmp")]


def test_strict_turns_skips_into_exit_1(torture, tmp_path):
    result = CliRunner().invoke(app, ["scan", str(torture), "--out", str(tmp_path / "o"), "-q",
                                      "--strict", "--workers", "1"])
    assert result.exit_code == 1


def test_hostile_text_is_escaped_in_the_report(torture, tmp_path):
    """A text file carrying markup is a near-copy of the source: its page shows the markup
    as text, escaped, and no page carries it raw."""
    out = tmp_path / "o"
    result = CliRunner().invoke(app, ["scan", str(torture), "--out", str(out), "-q",
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    pages = {page: page.read_text(encoding="utf-8") for page in out.rglob("*.html")}
    for page, html in pages.items():
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html, page
        assert "</textarea></pre>" not in html, page
    hostile_pages = [html for page, html in pages.items() if "hostile-copy" in page.name]
    assert hostile_pages, "the hostile copy must be reported and get a page"
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in html for html in hostile_pages)
    assert any("{{ 7*7 }}" in html for html in hostile_pages)

"""Document ids: unique in a scan, files keep their paths, and ``compare FILE.jsonl#ID`` reads
the article a scan calls by that id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from derivdetect.cli import app
from derivdetect.config import Config
from derivdetect.errors import InputError
from derivdetect.ingest import iter_inputs, read_document
from derivdetect.models import Document


def write(path: Path, data: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data, encoding="utf-8")
    return path


def jsonl(path: Path, *records) -> Path:
    return write(path, "".join((r if isinstance(r, str) else json.dumps(r)) + "\n"
                               for r in records))


def scan(root: Path) -> dict:
    """Documents by id; fails on a repeated id."""
    docs: dict = {}
    for item in iter_inputs(root, Config()):
        if isinstance(item, Document):
            assert item.id not in docs, f"duplicate id {item.id!r}"
            docs[item.id] = item
    return docs


# --------------------------------------------------------------------- ids in a scan

def test_a_file_named_like_a_jsonl_article_keeps_its_path_and_the_article_moves(tmp_path):
    jsonl(tmp_path / "feed.jsonl", {"id": "x.txt", "text": "The article in the feed."},
          {"id": "y.txt", "text": "No file is called feed.jsonl#y.txt."})
    write(tmp_path / "feed.jsonl#x.txt", "The file beside the feed.")
    docs = scan(tmp_path)
    assert sorted(docs) == ["feed.jsonl#x.txt", "feed.jsonl#x.txt#line1", "feed.jsonl#y.txt"]
    assert docs["feed.jsonl#x.txt"].text == "The file beside the feed."
    assert (docs["feed.jsonl#x.txt"].path, docs["feed.jsonl#x.txt"].format) == \
        ("feed.jsonl#x.txt", "txt")
    moved = docs["feed.jsonl#x.txt#line1"]
    assert (moved.path, moved.format, moved.text) == ("feed.jsonl", "jsonl",
                                                      "The article in the feed.")
    # an id that names no file is left alone
    assert docs["feed.jsonl#y.txt"].text == "No file is called feed.jsonl#y.txt."


def test_a_folder_named_like_a_jsonl_article(tmp_path):
    jsonl(tmp_path / "sub" / "feed.jsonl", {"id": "x/y.md", "text": "Line one."})
    write(tmp_path / "sub" / "feed.jsonl#x" / "y.md", "# Y\n\nThe file.")
    docs = scan(tmp_path)
    assert sorted(docs) == ["sub/feed.jsonl#x/y.md", "sub/feed.jsonl#x/y.md#line1"]
    assert docs["sub/feed.jsonl#x/y.md"].text.endswith("The file.")
    # the key is decided beside the file: scanning the folder below gives the same
    assert sorted(scan(tmp_path / "sub")) == ["feed.jsonl#x/y.md", "feed.jsonl#x/y.md#line1"]


def test_a_jsonl_file_inside_another_jsonl_files_ids(tmp_path):
    # a.jsonl's article "b.jsonl#c" and a.jsonl#b.jsonl's article "c" would both be
    # "a.jsonl#b.jsonl#c": the longer path keeps it, as compare reads it.
    jsonl(tmp_path / "a.jsonl", {"id": "b.jsonl#c", "text": "In a.jsonl."})
    jsonl(tmp_path / "a.jsonl#b.jsonl", {"id": "c", "text": "In a.jsonl#b.jsonl."})
    docs = scan(tmp_path)
    assert sorted(docs) == ["a.jsonl#b.jsonl#c", "a.jsonl#line1"]
    assert docs["a.jsonl#b.jsonl#c"].path == "a.jsonl#b.jsonl"
    assert docs["a.jsonl#line1"].path == "a.jsonl"
    for doc_id, doc in docs.items():
        assert read_document(tmp_path / doc_id, Config()).text == doc.text


def test_ids_taken_twice_inside_one_jsonl_file(tmp_path):
    jsonl(tmp_path / "feed.jsonl",
          {"id": "a", "text": "First a."},            # 1: a
          {"id": "a", "text": "Second a."},           # 2: a#line2
          {"text": "No id, line three."},             # 3: 3
          {"id": "3", "text": "Id 3 on line four."},  # 4: 3#line4
          {"id": "a#line2", "text": "Asks for a key already given."},  # 5: a#line2#line5
          {"id": 1, "text": "Id 1 on line six."},     # 6: 1
          {"id": "7", "text": "Id 7, on line seven."},  # 7: 7
          {"id": "9", "text": "Id 9 on line eight."},  # 8: 9
          {"text": "No id on line nine, whose number is taken."},  # 9: line9
          {"id": " a ", "text": "Spaces around a."})  # 10: a#line10
    docs = scan(tmp_path)
    keys = {doc.id.split("#", 1)[1]: doc.text for doc in docs.values()}
    assert keys == {
        "a": "First a.", "a#line2": "Second a.", "3": "No id, line three.",
        "3#line4": "Id 3 on line four.", "a#line2#line5": "Asks for a key already given.",
        "1": "Id 1 on line six.", "7": "Id 7, on line seven.", "9": "Id 9 on line eight.",
        "line9": "No id on line nine, whose number is taken.",
        "a#line10": "Spaces around a.",
    }
    assert list(docs) == [f"feed.jsonl#{key}" for key in keys]  # in file order
    for doc_id, doc in docs.items():  # compare reads each one by the id the scan gave it
        picked = read_document(Path(f"{tmp_path}/{doc_id}"), Config())
        assert (picked.id, picked.text) == (f"{tmp_path.as_posix()}/{doc_id}", doc.text)


def test_a_line_without_id_keeps_its_line_number(tmp_path):
    jsonl(tmp_path / "feed.jsonl", {"text": "One."}, "not json", {"text": "Three."})
    assert sorted(scan(tmp_path)) == ["feed.jsonl#1", "feed.jsonl#3"]


_NAME_PART = st.sampled_from(["a", "x.txt", "b.jsonl", "c.md", "#", ".jsonl#", "#x.txt",
                              "#d/", "#b.jsonl"])
_NAMES = st.lists(st.sampled_from(["feed.jsonl", "a.jsonl", "a.jsonl#b.jsonl"])
                  | st.lists(_NAME_PART, min_size=1, max_size=4).map(
                      lambda parts: "feed.jsonl" + "".join(parts)),
                  min_size=1, max_size=6, unique=True)
_IDS = st.lists(st.none() | st.integers(1, 4).map(str)
                | st.lists(_NAME_PART, min_size=1, max_size=3).map("".join),
                min_size=1, max_size=6)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(names=_NAMES, ids=_IDS)
def test_ids_are_unique_and_compare_reads_what_the_scan_names(tmp_path_factory, names, ids):
    root = tmp_path_factory.mktemp("ids")
    for name in names:
        path = root / name
        if path.exists() or any(p.is_file() for p in path.parents):
            continue
        if name.lower().endswith(".jsonl"):
            jsonl(path, *({"text": f"{name} line {n}", **({} if i is None else {"id": i})}
                          for n, i in enumerate(ids, 1)))
        elif name.lower().endswith((".txt", ".md")):
            write(path, f"The file {name}.")
    docs = scan(root)  # no id twice
    for doc_id, doc in docs.items():
        if doc.format != "jsonl":
            assert doc_id == doc.path  # files keep their paths
        else:
            assert doc_id.startswith(doc.path + "#")
        picked = read_document(f"{root}/{doc_id}", Config())  # a str: Path drops a final /
        assert (picked.text, picked.path) == (doc.text, f"{root.as_posix()}/{doc.path}")
        assert picked.id == f"{root.as_posix()}/{doc_id}"


# ------------------------------------------------------------ compare FILE.jsonl#ID

@pytest.fixture
def feed(tmp_path) -> Path:
    return jsonl(tmp_path / "feed.jsonl",
                 {"id": "a", "text": "Article a.", "title": "A"},
                 "{broken",
                 {"id": 2.5, "text": "Article 2.5."},
                 {"text": "Line four has no id."})


def test_read_document_picks_one_article_by_the_scans_id(feed):
    doc = read_document(Path(f"{feed}#2.5"), Config())
    assert (doc.id, doc.path, doc.text) == (f"{feed.as_posix()}#2.5", feed.as_posix(),
                                            "Article 2.5.")
    assert read_document(Path(f"{feed}#4"), Config()).text == "Line four has no id."
    assert read_document(Path(f"{feed}#a"), Config()).title == "A"
    # what the scan of the folder calls them
    assert sorted(scan(feed.parent)) == ["feed.jsonl#2.5", "feed.jsonl#4", "feed.jsonl#a"]


def test_read_document_relative_id_equals_the_scans(feed, monkeypatch):
    monkeypatch.chdir(feed.parent)
    assert read_document(Path("feed.jsonl#a"), Config()).id == "feed.jsonl#a"
    assert read_document(Path("./feed.jsonl#4"), Config()).id == "feed.jsonl#4"


def test_read_document_missing_id_lists_the_ids(feed):
    with pytest.raises(InputError) as info:
        read_document(Path(f"{feed}#zz"), Config())
    assert str(info.value) == (
        f"{feed}: no article with id 'zz' (ids: a, 2.5, 4); 1 unreadable line skipped, the "
        f"first: line 2: not valid JSON (Expecting property name enclosed in double quotes "
        f"at column 2)")


def test_read_document_missing_id_in_a_long_feed(tmp_path):
    feed = jsonl(tmp_path / "feed.jsonl", *({"id": f"s{n}", "text": f"Story {n}."}
                                            for n in range(12)))
    with pytest.raises(InputError) as info:
        read_document(Path(f"{feed}#s99"), Config())
    assert str(info.value) == f"{feed}: no article with id 's99' (ids: s0, s1, s2, s3, s4, …)"


def test_read_document_of_a_feed_without_id_says_how_to_pick(feed):
    with pytest.raises(InputError) as info:
        read_document(feed, Config())
    assert str(info.value) == (f"{feed}: holds 3 articles; pick one as {feed}#ID, "
                               f"e.g. {feed}#a")


def test_read_document_of_a_feed_with_one_article_takes_it(tmp_path):
    feed = jsonl(tmp_path / "one.jsonl", "oops", {"id": "only", "text": "The only one."})
    doc = read_document(feed, Config())
    assert (doc.id, doc.text) == (f"{feed.as_posix()}#only", "The only one.")


def test_a_file_with_the_whole_name_wins(tmp_path):
    jsonl(tmp_path / "feed.jsonl", {"id": "x.txt", "text": "In the feed."})
    write(tmp_path / "feed.jsonl#x.txt", "The file.")
    assert read_document(tmp_path / "feed.jsonl#x.txt", Config()).text == "The file."
    assert read_document(tmp_path / "feed.jsonl#x.txt#line1", Config()).text == "In the feed."


def test_read_document_hash_errors(tmp_path):
    with pytest.raises(InputError, match=r"nope\.jsonl: file not found; check the path$"):
        read_document(tmp_path / "nope.jsonl#a", Config())
    with pytest.raises(InputError, match=r"story\.txt#a: file not found"):
        read_document(tmp_path / "story.txt#a", Config())  # only a .jsonl has articles
    bad = jsonl(tmp_path / "bad.jsonl", {"text": 1})
    with pytest.raises(InputError, match=r"bad\.jsonl: no usable line \(line 1: 'text' must"):
        read_document(Path(f"{bad}#1"), Config())


def test_compare_command_takes_a_jsonl_article(tmp_path, monkeypatch):
    story = ("The council voted on Tuesday to approve the new bridge over the river, ending a "
             "decade of debate about the crossing. Officials said building would begin next "
             "spring and take three years, at a cost of forty million pounds.")
    jsonl(tmp_path / "feed.jsonl", {"id": "copy", "text": story},
          {"id": "other", "text": "Something else entirely, about the weather in May."})
    write(tmp_path / "story.txt", story)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["compare", "feed.jsonl#copy", "story.txt", "--json"])
    assert result.exit_code == 0, result.output
    pair = json.loads(result.output)
    assert {pair["a"], pair["b"]} == {"feed.jsonl#copy", "story.txt"}
    assert pair["verdict"] == "verbatim"
    result = CliRunner().invoke(app, ["compare", "feed.jsonl", "story.txt"])
    assert result.exit_code == 2
    assert "feed.jsonl: holds 2 articles; pick one as feed.jsonl#ID, e.g. feed.jsonl#copy" \
        in result.output

"""Verdicts, extents, families and output columns an editor acts on, each pinned by a case
whose right answer is known by construction."""

import csv
import io
import json
import random

from typer.testing import CliRunner

from conftest import own_words, random_article
from derivdetect import Config
from derivdetect.cli import app
from derivdetect.models import Document, Pair
from derivdetect.stages.cluster import clusters_of
from derivdetect.stages.judge import compare_documents

runner = CliRunner()
CONFIG = Config(workers=1)


def _doc(name: str, text: str, date=None) -> Document:
    return Document(name, name, text, date=date)


def _article(seed: int, sentences: int = 12) -> str:
    return random_article(random.Random(seed), sentences)


def _light_edit(text: str) -> str:
    words = text.split(" ")
    for k in range(7, len(words), 12):          # one word in twelve changed
        words[k] = "altered"
    return " ".join(words)


def test_a_light_edit_is_a_near_duplicate_and_the_same_text_is_verbatim():
    text = _article(1)
    edited = compare_documents(_doc("a.txt", text), _doc("b.txt", _light_edit(text)), CONFIG)
    assert edited.verdict == "near-duplicate" and edited.extent == "wholly"
    same = compare_documents(_doc("a.txt", text), _doc("b.txt", text), CONFIG)
    assert same.verdict == "verbatim" and same.extent == "wholly"


def test_a_lift_of_a_whole_brief_into_a_long_article_is_partial_reuse_of_it():
    """The long article took all of the earlier brief and is mostly its own: the copy (the
    long one, named by the dates) is partially derived, though the brief is wholly inside."""
    brief = own_words(2, 6)
    long = own_words(3, 30) + "\n\n" + brief + "\n\n" + own_words(4, 30)
    dated = compare_documents(_doc("a.txt", brief, "2024-01-01"),
                              _doc("b.txt", long, "2024-01-02"), CONFIG)
    assert dated.verdict == "derivative" and dated.source == "a.txt"
    assert dated.scores["coverage_a"] > 0.9
    assert dated.extent == "partially"
    undated = compare_documents(_doc("a.txt", brief), _doc("b.txt", long), CONFIG)
    # without dates the contained text is taken for the copy: the brief, wholly
    assert undated.source == "b.txt" and undated.extent == "wholly"


def test_some_shared_sentences_are_related_and_none_unrelated():
    mine = own_words(5, 12).split("\n\n")
    theirs = own_words(6, 12).split("\n\n")
    theirs[2] = mine[2]                          # one paragraph of two sentences in common
    related = compare_documents(_doc("a.txt", "\n\n".join(mine)),
                                _doc("b.txt", "\n\n".join(theirs)), CONFIG)
    assert related.verdict == "related", related.reasons
    unrelated = compare_documents(_doc("a.txt", own_words(7)), _doc("b.txt", own_words(8)),
                                  CONFIG)
    assert unrelated.verdict == "unrelated", unrelated.reasons


def _pair(a, b, source, verdict="derivative"):
    return Pair(a, b, verdict, source, "", "wholly", {})


def test_a_family_of_copies_names_the_earliest_dated_member_its_original():
    pairs = [_pair("a", "b", "a"), _pair("b", "c", "b"), _pair("c", "d", "c"),
             _pair("x", "y", "x")]
    dates = {"a": "2024-03-05", "b": "2024-03-06", "c": "6 March 2024 18:00",
             "d": "Thu, 7 Mar 2024 09:00:00 +0000", "x": None, "y": None}
    families = clusters_of(pairs, dates)
    assert [f.documents for f in families] == [("a", "b", "c", "d"), ("x", "y")]
    assert families[0].original == "a"
    assert families[1].original == "x"


def test_a_family_original_is_never_a_member_named_as_a_copy():
    pairs = [_pair("a", "b", "b"), _pair("b", "c", "b"), _pair("a", "c", "c"),
             _pair("c", "d", "c"), _pair("c", "e", "c")]
    (family,) = clusters_of(pairs, {})
    # c is named most often, but it is b's copy in (b, c): b, never a copy, is the original
    assert family.original == "b"
    unreported = [_pair("p", "q", "p", verdict="related")]
    assert clusters_of(unreported, {}) == ()


def test_pairs_csv_and_json_carry_the_scores_and_dates(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    text = _article(9)
    (folder / "first.md").write_text(f"---\ndate: 2024-05-01\n---\n{text}", encoding="utf-8")
    (folder / "second.md").write_text(f"---\ndate: 2024-05-03\n---\n{_light_edit(text)}",
                                      encoding="utf-8")
    out = tmp_path / "r"
    result = runner.invoke(app, ["scan", str(folder), "--out", str(out), "-q", "--workers", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    assert {d["id"]: d["date"] for d in data["documents"]} == {
        "first.md": "2024-05-01", "second.md": "2024-05-03"}
    (pair,) = data["pairs"]
    assert pair["verdict"] == "near-duplicate" and pair["source"] == "first.md"
    rows = list(csv.DictReader(io.StringIO((out / "pairs.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 1
    for column in ("coverage_a", "coverage_b", "exact_coverage_a", "exact_coverage_b",
                   "jaccard", "containment_a_in_b", "containment_b_in_a",
                   "longest_exact_words", "exact_passages", "paraphrase_passages"):
        assert float(rows[0][column]) == round(float(pair["scores"][column]), 4) or \
            abs(float(rows[0][column]) - pair["scores"][column]) < 1e-3, column
    assert float(rows[0]["coverage_a"]) > 0.6
    assert rows[0]["pair_id"] == pair["pair_id"]

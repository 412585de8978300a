"""Behaviour pinned after a mutation run (``benchmarks/mutation.sh``, results in
``benchmarks/MUTATION.md``): each test here kills mutants of the decision logic that the other
tests let live. They check what a user sees: a verdict, an extent, a source, a family's
original, a passage's kind and offsets, a reason, a field or column of pairs.json / pairs.csv.
"""

import csv
import io
import json
import random

import pytest
from typer.testing import CliRunner

from conftest import own_words, random_article
from derivdetect import Config
from derivdetect.cli import app
from derivdetect.models import Document, Pair, Passage
from derivdetect.stages.judge import compare_documents

runner = CliRunner()
CONFIG = Config(workers=1)

DOCUMENT_FIELDS = {"id", "path", "title", "date", "url", "byline", "chars", "encoding", "format"}


def _doc(name: str, text: str, date=None) -> Document:
    return Document(name, name, text, date=date)


def _article(seed: int, sentences: int = 12) -> str:
    return random_article(random.Random(seed), sentences)


def _light_edit(text: str) -> str:
    words = text.split(" ")
    for k in range(7, len(words), 12):
        words[k] = "altered"
    return " ".join(words)


# --- pairs.json and pairs.csv (report/tables.py) -------------------------------------------

@pytest.fixture
def scanned(tmp_path):
    """A scan through the CLI of a folder with a light edit (its copy named like a formula)
    and one file that is skipped (one scan per test: mutmut maps each test to the code it runs)."""
    tmp = tmp_path
    folder = tmp / "in"
    folder.mkdir()
    text = _article(21)
    (folder / "first.md").write_text(f"---\ndate: 2024-05-01\n---\n{text}", encoding="utf-8")
    (folder / "=copy.md").write_text(f"---\ndate: 2024-05-03\n---\n{_light_edit(text)}",
                                     encoding="utf-8")
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    out = tmp / "r"
    result = runner.invoke(app, ["scan", str(folder), "--out", str(out), "-q", "--workers", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    rows = list(csv.DictReader(io.StringIO((out / "pairs.csv").read_text(encoding="utf-8"))))
    return folder, data, rows


def test_pairs_json_keeps_its_contract(scanned):
    folder, data, _ = scanned
    assert set(data) == {"scan", "documents", "pairs", "clusters", "skipped"}
    assert {"root", "created", "settings", "stats"} <= set(data["scan"])
    assert data["scan"]["created"] and data["scan"]["settings"]
    assert str(folder.name) in data["scan"]["root"]
    docs = {d["id"]: d for d in data["documents"]}
    assert set(docs) == {"first.md", "=copy.md"}
    for record in docs.values():
        assert set(record) == DOCUMENT_FIELDS
        assert record["chars"] > 100 and record["format"] and record["encoding"]
    assert docs["first.md"]["path"].endswith("first.md")
    assert docs["first.md"]["date"] == "2024-05-01"
    assert data["skipped"] == [{"path": data["skipped"][0]["path"],
                                "reason": data["skipped"][0]["reason"]}]
    assert data["skipped"][0]["path"].endswith("picture.png") and data["skipped"][0]["reason"]
    (pair,) = data["pairs"]
    assert pair["rank"] == 1
    assert {pair["a"], pair["b"]} == {"first.md", "=copy.md"}      # JSON ids are not escaped
    assert pair["source"] == "first.md" and pair["verdict"] == "near-duplicate"
    assert data["clusters"] == [{"documents": sorted(["first.md", "=copy.md"]),
                                 "original": "first.md"}]


def test_pairs_csv_holds_each_column_and_escapes_formula_cells(scanned):
    _, data, rows = scanned
    (pair,) = data["pairs"]
    (row,) = rows
    assert list(row) == ["rank", "a", "b", "verdict", "source", "extent", "coverage_a",
                         "coverage_b", "exact_coverage_a", "exact_coverage_b", "jaccard",
                         "containment_a_in_b", "containment_b_in_a", "longest_exact_words",
                         "exact_passages", "paraphrase_passages", "source_reason", "pair_id"]
    assert row["rank"] == "1"
    named = {"a": pair["a"], "b": pair["b"]}
    for side in ("a", "b"):
        expected = named[side]
        assert row[side] == ("'" + expected if expected.startswith("=") else expected)
    assert row["verdict"] == "near-duplicate" and row["source"] == "first.md"
    assert row["extent"] == pair["extent"] == "wholly"
    assert row["source_reason"] == pair["source_reason"] and "earlier" in row["source_reason"]
    assert row["pair_id"] == pair["pair_id"]


def test_the_html_rows_show_ids_as_they_are():
    """The report's rows (pair_row without for_spreadsheet) are not formula-escaped."""
    from derivdetect.report.tables import pair_row, pairs_frame, spreadsheet_safe

    pair = Pair("=a.txt", "b.txt", "derivative", "=a.txt", "=a.txt is earlier", "partially",
                {"coverage_a": 0.5})
    assert pair_row(pair)["a"] == "=a.txt" and pair_row(pair)["source"] == "=a.txt"
    assert pair_row(pair, for_spreadsheet=True)["a"] == "'=a.txt"
    assert spreadsheet_safe("@x") == "'@x" and spreadsheet_safe("x=") == "x="
    frame = pairs_frame([pair])
    assert frame.loc[0, "rank"] == 1 and frame.loc[0, "source"] == "'=a.txt"
    assert frame.loc[0, "coverage_a"] == 0.5


# --- classify.py ------------------------------------------------------------------------------

QUOTES = [
    "we have looked at every option for the hospital in the valley and the money is simply "
    "not there this year",
    "the wards will close in the spring and the staff will move to the city site where the "
    "new building opens next winter",
]


def _quoted_report(quotes, rnd: random.Random, lead: str) -> str:
    said = "\n\n".join(f'{lead} "{q}."' for q in quotes)
    return random_article(rnd, 8) + "\n\n" + said + "\n\n" + random_article(rnd, 8)


@pytest.mark.parametrize("n, said", [(1, "1 passage quoted"), (2, "2 passages quoted")])
def test_the_reasons_count_the_shared_quotes(n, said):
    rnd = random.Random(11)
    a = _doc("a.txt", _quoted_report(QUOTES[:n], rnd, "The minister said:"))
    b = _doc("b.txt", _quoted_report(QUOTES[:n], rnd, "Reporters were told:"))
    pair = compare_documents(a, b, CONFIG)
    assert pair.scores["quote_passages"] == n
    assert any(r.startswith(said + " in both texts") for r in pair.reasons), pair.reasons


# --- judge.py ---------------------------------------------------------------------------------

def test_the_same_text_twice_is_one_exact_passage_per_stretch_at_the_same_offsets():
    text = _article(3)
    pair = compare_documents(_doc("a.txt", text), _doc("b.txt", text), CONFIG)
    assert pair.verdict == "verbatim"
    assert pair.passages and all(isinstance(p, Passage) for p in pair.passages)
    for p in pair.passages:
        assert p.kind == "exact" and p.similarity == 1.0
        assert (p.a_start, p.a_end) == (p.b_start, p.b_end)
    assert pair.scores["exact_passages"] == len(pair.passages)
    assert pair.scores["quote_passages"] == 0
    assert pair.passages[0].a_start < 5 and pair.passages[-1].a_end > len(text) - 5
    assert pair.to_dict()["passages"][0]["similarity"] == 1.0


def _scores(ca: float, cb: float, words_a: int = 200, words_b: int = 200) -> dict:
    return {"coverage_a": ca, "coverage_b": cb, "words_a": words_a, "words_b": words_b}


def test_the_copy_is_the_more_covered_text_and_on_a_tie_the_shorter():
    from derivdetect.stages.classify import derived_side

    assert derived_side(_scores(0.9, 0.3, words_a=900, words_b=100)) == "a"
    assert derived_side(_scores(0.3, 0.9, words_a=100, words_b=900)) == "b"
    assert derived_side(_scores(0.5, 0.5, words_a=100, words_b=300)) == "a"
    assert derived_side(_scores(0.5, 0.5, words_a=300, words_b=100)) == "b"


def test_the_derived_words_are_the_aligned_words_of_the_more_covered_text():
    """What the review queue counts for a flag (``engines.archive``): the aligned words a
    reviewer reads in the copy; none for scores without them."""
    from derivdetect.stages.classify import derived_words

    scores = {**_scores(0.3, 0.9), "aligned_words_a": 120, "aligned_words_b": 45}
    assert derived_words(scores) == 45
    assert derived_words({**scores, "coverage_a": 0.95}) == 120
    assert derived_words(_scores(0.3, 0.9)) == 0


def test_two_texts_covered_alike_and_as_long_name_text_a_the_derived_one():
    text = _article(7)
    pair = compare_documents(_doc("a.txt", text), _doc("b.txt", text), CONFIG)
    assert pair.scores["words_a"] == pair.scores["words_b"]
    assert pair.reasons[0].startswith("100% of the derived text (a)")


def _source(scores: dict, verdict: str = "derivative"):
    from derivdetect.stages.classify import source_for

    return source_for(scores, verdict, _doc("a.txt", "x"), _doc("b.txt", "y"), CONFIG)


def test_without_dates_the_text_contained_in_the_other_is_the_copy():
    source, why = _source(_scores(0.3, 0.95))
    assert source == "a.txt" and why.startswith("b.txt is 95% covered by a.txt")
    source, why = _source(_scores(0.95, 0.3))
    assert source == "b.txt" and why.startswith("a.txt is 95% covered by b.txt")


def test_without_dates_equal_or_partial_cover_names_no_source_and_says_why():
    source, why = _source(_scores(0.9, 0.88))
    assert source is None
    assert why == ("each text is about equally covered by the other (90% and 88%) and there "
                   "are no dates: the direction can't be told")
    # mostly contained: at half of the text, the bound counts
    source, why = _source(_scores(0.2, CONFIG.contained_share))
    assert source == "a.txt" and why.startswith("b.txt is 50% covered by a.txt")
    source, why = _source(_scores(0.2, 0.4))
    assert source is None
    assert why == ("neither text is mostly contained in the other (20% and 40%: a lift of some "
                   "passages) and there are no dates: the direction can't be told")


def test_the_same_text_undated_has_no_source_because_it_is_the_same():
    text = _article(4)
    pair = compare_documents(_doc("a.txt", text), _doc("b.txt", text), CONFIG)
    assert pair.verdict == "verbatim" and pair.source is None
    assert pair.source_reason == "the same text in both and no dates: the direction can't be told"


# --- cluster.py -------------------------------------------------------------------------------

def _pair(a: str, b: str, source=None, verdict: str = "derivative") -> Pair:
    return Pair(a, b, verdict, source, "", "wholly", {})


def test_a_family_holds_exactly_the_documents_of_its_pairs():
    from derivdetect.stages.cluster import clusters_of

    (family,) = clusters_of([_pair("a.txt", "b.txt", "a.txt")])
    assert family.documents == ("a.txt", "b.txt") and family.original == "a.txt"
    (family,) = clusters_of([_pair("story-two.txt", "story-one.txt", "story-one.txt"),
                             _pair("story-three.txt", "story-two.txt", "story-one.txt")])
    assert family.documents == ("story-one.txt", "story-three.txt", "story-two.txt")


def test_a_family_without_a_clear_source_has_no_original():
    from derivdetect.stages.cluster import clusters_of

    (family,) = clusters_of([_pair("a.txt", "b.txt"), _pair("b.txt", "c.txt")])
    assert family.documents == ("a.txt", "b.txt", "c.txt") and family.original is None
    # each is named a copy of another: none is the original
    (family,) = clusters_of([_pair("a.txt", "b.txt", "a.txt"), _pair("b.txt", "c.txt", "b.txt"),
                             _pair("a.txt", "c.txt", "c.txt")])
    assert family.original is None


# --- evidence.py ------------------------------------------------------------------------------

def _exact(start: int, end: int) -> Passage:
    return Passage("exact", start, end, start, end, 1.0)


def _kinds(passages, quotes) -> list:
    from derivdetect.stages.evidence import mark_quotes

    return [p.kind for p in mark_quotes(passages, quotes, quotes)]


def test_an_exact_passage_is_a_quote_only_when_mostly_inside_quotation_marks_in_both():
    assert _kinds([_exact(0, 10)], ((0, 8),)) == ["quote"]          # 80% inside
    assert _kinds([_exact(0, 10)], ((0, 7),)) == ["exact"]          # 70%
    assert _kinds([_exact(10, 20)], ((0, 15),)) == ["exact"]        # half of it
    # a quote broken by "he said": two spans that together cover it
    assert _kinds([_exact(0, 20)], ((0, 9), (10, 20))) == ["quote"]
    # quotes earlier in the text do not hide a later one
    assert _kinds([_exact(0, 5), _exact(100, 120)], ((0, 5), (30, 40), (100, 120))) == [
        "quote", "quote"]
    from derivdetect.stages.evidence import mark_quotes
    one_side = mark_quotes([_exact(0, 10)], ((0, 10),), ((50, 60),))
    assert [p.kind for p in one_side] == ["exact"]


# --- judge.py: the compiled path and the corpus's furniture -----------------------------------

def test_the_compiled_analysis_judges_a_pair_as_the_reference_one_does():
    from derivdetect.stages.judge import judge, prepare, small_matrix_mode

    text = _article(5)
    a, b = _doc("a.txt", text), _doc("b.txt", _light_edit(text))
    with small_matrix_mode():
        slow = judge(prepare(a, CONFIG), prepare(b, CONFIG), CONFIG)
        fast = judge(prepare(a, CONFIG, fast=True), prepare(b, CONFIG, fast=True), CONFIG)
    assert fast.verdict == slow.verdict == "near-duplicate"
    assert fast.passages == slow.passages and fast.extent == slow.extent
    assert prepare(a, CONFIG, fast=True).doc.id == "a.txt"


# --- classify.verdict_for: each threshold, at and just below it -------------------------------

def _evidence(**over) -> dict:
    """Scores of a pair whose text a is the more covered one: a paraphrase of some of b."""
    scores = {"coverage_a": 0.25, "coverage_b": 0.1, "exact_coverage_a": 0.05,
              "exact_coverage_b": 0.02, "paraphrase_coverage_a": 0.2, "paraphrase_coverage_b": 0.08,
              "longest_exact_words": 8, "longest_prose_run_words": 8, "aligned_sentences_a": 3,
              "aligned_sentences_b": 3, "aligned_words_a": 60, "aligned_words_b": 60,
              "words_a": 240, "words_b": 600, "topic_words": 5, "probability": 0.9,
              "quote_passages": 0, "identical_text": False}
    scores.update(over)
    return scores


def _verdict(**over):
    from derivdetect.stages.classify import verdict_for

    return verdict_for(_evidence(**over), CONFIG)


def test_verbatim_needs_the_same_words_on_both_sides():
    c = CONFIG
    assert _verdict(identical_text=True)[0] == "verbatim"
    verdict, reasons = _verdict(coverage_a=1.0, coverage_b=1.0, exact_coverage_a=c.verbatim_exact,
                                exact_coverage_b=c.verbatim_exact)
    assert verdict == "verbatim" and reasons[-1] == "the texts have the same words"
    assert reasons[0].startswith("100% of the derived text (a)")
    assert _verdict(coverage_a=1.0, coverage_b=1.0, exact_coverage_a=1.0,
                    exact_coverage_b=0.9)[0] == "near-duplicate"
    verdict, reasons = _verdict(coverage_a=0.9, coverage_b=0.9, exact_coverage_a=0.9,
                                exact_coverage_b=c.near_duplicate_exact)
    assert verdict == "near-duplicate" and reasons[-1] == "60% of each text is shared word for word"
    # the less covered side's exact share counts: b is the derived text here
    verdict, reasons = _verdict(coverage_a=0.7, coverage_b=0.9, exact_coverage_a=0.65,
                                exact_coverage_b=0.5)
    assert verdict == "derivative" and reasons[0].startswith("90% of the derived text (b)")
    # either side's exact share counts: the derived text b mostly word for word, a not
    verdict, reasons = _verdict(coverage_a=0.7, coverage_b=0.9, exact_coverage_a=0.5,
                                exact_coverage_b=0.85)
    assert verdict == "derivative" and reasons[0].startswith("90% of the derived text (b)")


def test_a_derivative_needs_coverage_words_spread_and_probability_each_at_its_threshold():
    c = CONFIG
    assert _verdict(coverage_a=c.derivative_coverage)[0] == "derivative"
    assert _verdict(coverage_a=c.derivative_coverage - 0.01)[0] == "related"
    # without topic words the bar is higher
    assert _verdict(coverage_a=c.derivative_coverage, topic_words=0)[0] == "related"
    assert _verdict(coverage_a=c.derivative_coverage_alone, topic_words=0)[0] == "derivative"
    assert _verdict(aligned_words_a=c.min_aligned_words)[0] == "derivative"
    assert _verdict(aligned_words_a=c.min_aligned_words - 1)[0] == "related"
    assert _verdict(aligned_sentences_a=c.min_aligned_sentences)[0] == "derivative"
    # one place only: derivative only when it is at least half of the text
    assert _verdict(aligned_sentences_a=1)[0] == "related"
    assert _verdict(aligned_sentences_a=1, coverage_a=c.single_place_coverage)[0] == "derivative"
    assert _verdict(probability=c.min_probability)[0] == "derivative"
    assert _verdict(probability=None)[0] == "derivative"


def test_the_reasons_say_why_a_likely_copy_was_turned_down():
    verdict, reasons = _verdict(probability=0.1)
    assert verdict == "related"
    assert "reuse probability 10%" in reasons
    assert ("below the reuse probability of 30% that a derivative needs: shared facts, not "
            "shared writing") in reasons
    assert reasons[-1] == "too little is shared to call it derived"
    verdict, reasons = _verdict(probability=None)
    assert not any("probability" in r for r in reasons)
    verdict, reasons = _verdict(quote_passages=3)
    assert "3 passages quoted in both texts (shared direct speech, not counted as copied prose)" \
        in reasons


def test_a_long_enough_run_of_copied_prose_is_derivative_alone():
    c = CONFIG
    low = dict(coverage_a=0.12, aligned_words_a=50, probability=0.05)
    assert _verdict(**low)[0] == "related"
    verdict, reasons = _verdict(**low, longest_prose_run_words=c.derivative_run_words)
    assert verdict == "derivative"
    assert reasons[-1] == (f"a passage of {c.derivative_run_words} words of prose is copied "
                           "word for word")
    assert _verdict(**low, longest_prose_run_words=c.derivative_run_words - 1)[0] == "related"
    # older scores without the prose run: the longest exact run stands in
    scores = _evidence(**low, longest_exact_words=c.derivative_run_words)
    del scores["longest_prose_run_words"]
    from derivdetect.stages.classify import verdict_for
    assert verdict_for(scores, CONFIG)[0] == "derivative"
    assert _verdict(coverage_a=c.related_coverage, aligned_words_a=5)[0] == "related"
    assert _verdict(coverage_a=c.related_coverage - 0.01, coverage_b=0.05,
                    aligned_words_a=5)[0] == "unrelated"


def test_extent_and_source_only_for_reported_verdicts():
    from derivdetect.stages.classify import extent_for

    c = CONFIG
    scores = _scores(c.wholly_coverage, 0.3)
    assert extent_for(scores, "derivative", c) == "wholly"
    assert extent_for(_scores(c.wholly_coverage - 0.01, 0.3), "derivative", c) == "partially"
    assert extent_for(scores, "verbatim", c) == "wholly"
    assert extent_for(scores, "related", c) is None
    assert _source(_scores(0.3, 0.95), "related") == (None, "not derived")
    assert _source(_scores(0.95, 0.95), "verbatim")[1].startswith("the same text in both")


def test_dates_that_cannot_be_told_apart_fall_back_to_cover_and_say_so():
    from derivdetect.stages.classify import source_for

    a = _doc("a.txt", "x", "2024-05-01")
    b = _doc("b.txt", "y", "2024-05")
    source, why = source_for(_scores(0.3, 0.95), "derivative", a, b, CONFIG)
    assert source == "a.txt" and why.startswith("b.txt is 95% covered by a.txt")
    assert why.endswith("; the dates (2024-05-01, 2024-05) don't tell which came first")
    source, why = source_for(_scores(0.3, 0.95), "derivative", a, _doc("b.txt", "y"), CONFIG)
    assert source == "a.txt" and "don't tell" not in why


# --- judge.pair_scores: the scores of pairs.json -----------------------------------------------

def test_the_same_text_is_one_run_as_long_as_the_text():
    text = _article(6)
    s = compare_documents(_doc("a.txt", text), _doc("b.txt", text), CONFIG).scores
    assert s["longest_exact_words"] == s["words_a"] == s["aligned_words_a"]
    assert s["aligned_sentences_a"] == s["sentences_a"]
    assert s["function_containment_a_in_b"] == s["function_containment_b_in_a"] == 1.0
    assert s["in_order_share"] == 1.0 and s["paraphrase_coverage_a"] == 0.0


def test_texts_with_nothing_in_common_score_zero_everywhere():
    s = compare_documents(_doc("a.txt", own_words(7)), _doc("b.txt", own_words(8)),
                          CONFIG).scores
    for key in ("coverage_a", "exact_coverage_a", "paraphrase_coverage_a", "aligned_words_a",
                "aligned_sentences_a", "longest_exact_words", "in_order_share",
                "link_similarity", "strong_links", "function_containment_a_in_b",
                "function_containment_b_in_a"):
        assert s[key] == 0, key
    assert s["words_a"] > 100


def test_a_lift_counts_the_words_and_sentences_it_covers_in_each_text():
    brief = _article(31, 4)
    long = _article(32, 20) + "\n\n" + brief + "\n\n" + _article(33, 20)
    pair = compare_documents(_doc("a.txt", brief), _doc("b.txt", long), CONFIG)
    s = pair.scores
    assert s["aligned_words_a"] <= s["words_a"] and s["aligned_words_b"] <= s["words_a"] + 5
    assert s["aligned_words_b"] < s["words_b"] / 4
    assert s["aligned_sentences_b"] <= 6 and s["aligned_sentences_a"] >= 3
    assert abs(s["coverage_b"] - s["exact_coverage_b"] - s["paraphrase_coverage_b"]) < 1e-9
    assert 0.3 < s["function_containment_a_in_b"] <= 1.0
    assert s["function_containment_b_in_a"] < 0.5


def test_a_shared_quote_is_word_for_word_but_not_copied_prose():
    rnd = random.Random(11)
    a = _doc("a.txt", _quoted_report(QUOTES[:1], rnd, "The minister said:"))
    b = _doc("b.txt", _quoted_report(QUOTES[:1], rnd, "Reporters were told:"))
    s = compare_documents(a, b, CONFIG).scores
    assert s["quote_coverage_a"] > 0.05 and s["exact_coverage_a"] >= s["quote_coverage_a"]
    assert s["prose_exact_coverage_a"] < s["exact_coverage_a"] - 0.05


def test_a_text_that_is_all_boilerplate_is_covered_by_nothing():
    template = "Subscribe to our newsletter for the latest updates today\n" \
               "Follow us on social media for breaking news alerts\n"
    shell = _doc("a.txt", template * 4)
    other = _doc("b.txt", template + _article(12))
    pair = compare_documents(shell, other, CONFIG)
    assert pair.scores["coverage_a"] == 0.0 and pair.scores["exact_coverage_a"] == 0.0
    assert pair.verdict == "unrelated"

"""The demo corpus: one aggregator rewrite among independent articles on the same story."""

import csv

from conftest import CORPUS, SEED_REWRITE, SEED_SOURCE


def test_scan_reports_exactly_the_rewrite(seed_scan):
    reported = {(p.a, p.b): p for p in seed_scan.pairs}
    assert list(reported) == [(SEED_REWRITE, SEED_SOURCE)]
    pair = reported[(SEED_REWRITE, SEED_SOURCE)]
    assert pair.verdict == "derivative"
    assert pair.source == SEED_SOURCE


def test_relations_file_matches_scan(seed_scan):
    with open(CORPUS / "relations.csv", newline="") as handle:
        derived = {(r["a"], r["b"]) for r in csv.DictReader(handle) if r["relation"] != "independent"}
    assert derived == {(p.a, p.b) for p in seed_scan.pairs}


def test_rewrite_found_although_shingle_jaccard_is_tiny(seed_scan):
    pair = seed_scan.pairs[0]
    assert pair.scores["jaccard"] < 0.05
    assert pair.scores["coverage_a"] > 0.5
    assert pair.scores["coverage_a"] > 1.5 * pair.scores["coverage_b"]


def test_family_has_the_post_story_as_original(seed_scan):
    assert len(seed_scan.clusters) == 1
    assert seed_scan.clusters[0].original == SEED_SOURCE
    assert set(seed_scan.clusters[0].documents) == {SEED_REWRITE, SEED_SOURCE}


def test_disclaimer_is_boilerplate_and_linked_to_nothing(seed_scan):
    doc = next(d for d in seed_scan.documents if d.id == SEED_REWRITE)
    start = doc.text.index("Denial of responsibility!")
    spans = seed_scan.boilerplate[SEED_REWRITE]
    assert any(s <= start < e for s, e in spans)
    for passage in seed_scan.pairs[0].passages:
        assert passage.a_end <= start


def test_passages_link_most_sentences_of_the_rewrite_to_the_source(seed_scan):
    from derivdetect.text.normalize import analyze

    pair = seed_scan.pairs[0]
    text = next(d for d in seed_scan.documents if d.id == SEED_REWRITE).text
    body_end = text.index("Reference")
    sentences = [s for s in analyze(text).sentence_spans()[1:] if s[1] <= body_end]
    linked = [s for s in sentences
              if any(p.a_start < s[1] and s[0] < p.a_end for p in pair.passages)]
    assert len(sentences) >= 30
    assert len(linked) / len(sentences) >= 0.7
    assert pair.scores["paraphrase_passages"] >= 12
    assert pair.scores["exact_passages"] >= 3

"""The reasons an editor reads: what drove the reuse probability, and why a scan and
``compare`` can give the same pair different coverage."""

from conftest import CORPUS, SEED_REWRITE, SEED_SOURCE
from derivdetect import Config
from derivdetect.ingest.readers import read_document
from derivdetect.stages.judge import ALONE_REASON, compare_documents


def _reason(pair, start: str) -> str:
    (found,) = [r for r in pair.reasons if r.startswith(start)]
    return found


def test_the_scan_names_the_corpus_context_and_compare_says_it_judged_alone(seed_scan):
    (pair,) = seed_scan.pairs
    context = _reason(pair, "judged in its corpus: ")
    assert f"{pair.scores['topic_words']} topic words" in context
    assert pair.scores["topic_words"] > 0
    config = Config(workers=1)
    alone = compare_documents(read_document(CORPUS / SEED_REWRITE, config),
                              read_document(CORPUS / SEED_SOURCE, config), config)
    assert ALONE_REASON in alone.reasons
    assert not any(r.startswith("judged in its corpus") for r in alone.reasons)
    assert alone.scores["coverage_a"] != pair.scores["coverage_a"]


def test_the_probability_reason_names_the_evidence_that_drove_it(seed_scan):
    (pair,) = seed_scan.pairs
    reason = _reason(pair, "reuse probability ")
    assert reason.startswith(f"reuse probability {pair.scores['probability']:.0%} (for: ")
    paraphrased = pair.scores["paraphrase_coverage_a"]
    assert f"{paraphrased:.0%} of it paraphrased" in reason


def test_a_pair_without_paraphrase_links_names_no_link_evidence():
    """A lifted paragraph, nothing else shared: the reasons cite the verbatim run, never
    "0 paraphrase links" or "links of similarity 0.00"."""
    from conftest import own_words
    from derivdetect.models import Document

    shared = own_words(99, 6)
    pair = compare_documents(Document("a", "a", own_words(1, 10) + "\n\n" + shared),
                             Document("b", "b", own_words(2, 10) + "\n\n" + shared),
                             Config(workers=1))
    assert pair.scores["paraphrase_passages"] == 0
    reason = _reason(pair, "reuse probability ")
    assert "verbatim run" in reason
    assert "link" not in reason


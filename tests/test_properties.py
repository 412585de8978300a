"""Properties of whole scans and comparisons on random text."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS
from derivdetect import Config
from derivdetect.engines.local import compare_documents, scan_documents
from derivdetect.models import Document
from derivdetect.text.normalize import TOKEN_RE


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=600).filter(lambda t: TOKEN_RE.search(t) is not None))
def test_a_document_compared_with_itself_is_verbatim(text):
    doc = Document("x", "x", text)
    pair = compare_documents(doc, doc, Config())
    assert pair.verdict == "verbatim"
    if pair.scores["words_a"]:
        assert pair.scores["coverage_a"] == 1.0
        assert pair.scores["coverage_b"] == 1.0
    for p in pair.passages:
        assert 0 <= p.a_start < p.a_end <= len(text)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(
    "Karabakh Lachin corridor peacekeepers 93,000 refugees Pashinyan Stepanakert convoy "
    "the a of in on and to was said that with for by at from Yerevan Baku ceasefire".split()),
    min_size=30, max_size=200), st.randoms(use_true_random=False))
def test_a_rewrapped_copy_is_aligned_word_for_word_end_to_end(words, rnd):
    """Not the identical-text shortcut: the aligner itself must tile the whole text."""
    text = " ".join(words) + "."
    spaced = "".join(w + rnd.choice([" ", "  ", "\t", " \t"]) for w in words).rstrip() + "."
    copy = spaced.upper() if rnd.random() < 0.5 else spaced
    pair = compare_documents(Document("a", "a", text), Document("b", "b", copy), Config())
    assert not pair.scores["identical_text"]
    assert pair.verdict == "verbatim", pair.reasons
    assert pair.scores["exact_coverage_a"] >= 0.95 and pair.scores["exact_coverage_b"] >= 0.95
    for p in pair.passages:
        assert " ".join(text[p.a_start:p.a_end].lower().split()) == \
            " ".join(copy[p.b_start:p.b_end].lower().split())


def _seed_docs():
    return [Document(p.name, p.name, p.read_text(encoding="utf-8"))
            for p in sorted(CORPUS.glob("*.txt"))]


def _extra_docs():
    base = _seed_docs()[1].text
    sentences = base.split(". ")
    rng = random.Random(5)
    shuffled = sentences[:]
    rng.shuffle(shuffled)
    return [Document("copy.txt", "copy.txt", base.replace("\n\n", "\n")),
            Document("shuffled.txt", "shuffled.txt", ". ".join(shuffled))]


@settings(max_examples=5, deadline=None)
@given(st.randoms(use_true_random=False))
def test_scanning_the_same_files_in_another_order_gives_the_same_pairs(rnd):
    docs = _seed_docs() + _extra_docs()
    expected = scan_documents(docs, Config(workers=1)).pairs
    shuffled = docs[:]
    rnd.shuffle(shuffled)
    got = scan_documents(shuffled, Config(workers=1)).pairs
    summary = lambda pairs: [(p.a, p.b, p.verdict, p.source, p.extent) for p in pairs]
    assert summary(got) == summary(expected)
    assert len(expected) >= 3


def test_texts_without_words_are_never_a_pair():
    doc = Document("x", "x", "!!! --- ¼")
    assert compare_documents(doc, doc, Config()).verdict == "unrelated"

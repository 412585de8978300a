"""Passage alignment: exact runs against a naive reference; paraphrases and reordering."""

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from derivdetect.stages.align import Side, align_passages, exact_runs
from derivdetect.text.normalize import analyze


def side(text):
    an = analyze(text)
    return Side(an, np.ones(len(an.forms), dtype=bool))


def naive_longest_common_run(a, b):
    best = 0
    for i in range(len(a)):
        for j in range(len(b)):
            k = 0
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                k += 1
            best = max(best, k)
    return best


words = st.lists(st.sampled_from("zxqv bzrt qwpl vvkx jjrm trqz gzzk".split()), max_size=40)


@settings(max_examples=150, deadline=None)
@given(words, words, st.integers(2, 5))
def test_exact_runs_are_real_and_find_the_longest(wa, wb, k):
    a, b = side(" ".join(wa)), side(" ".join(wb))
    runs = exact_runs(a, b, k)
    used_a, used_b = set(), set()
    for i, j, n in runs:
        assert n >= k
        assert a.analysis.forms[i:i + n] == b.analysis.forms[j:j + n]
        assert not used_a & set(range(i, i + n)) and not used_b & set(range(j, j + n))
        used_a |= set(range(i, i + n))
        used_b |= set(range(j, j + n))
    longest = naive_longest_common_run(wa, wb)
    if longest >= k:
        assert max(n for _, _, n in runs) == longest
    else:
        assert runs == []


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=300), st.text(max_size=300))
def test_passage_offsets_are_inside_both_texts_on_word_boundaries(ta, tb):
    text_a = ta + " " + tb
    text_b = tb + " " + ta
    a, b = side(text_a), side(text_b)
    starts_a, ends_a = set(a.analysis.starts.tolist()), set(a.analysis.ends.tolist())
    starts_b, ends_b = set(b.analysis.starts.tolist()), set(b.analysis.ends.tolist())
    for p in align_passages(a, b, 3, 0.5):
        assert 0 <= p.a_start < p.a_end <= len(text_a)
        assert 0 <= p.b_start < p.b_end <= len(text_b)
        assert p.a_start in starts_a and p.a_end in ends_a
        assert p.b_start in starts_b and p.b_end in ends_b


SOURCE = [
    "The city council approved a budget of 4.2 million dollars for the new library on Tuesday.",
    "Mayor Linda Okafor said construction would begin in March and take two years.",
    "Opponents argued that the money should have been spent on repairing roads instead.",
    "The library will hold 80,000 books and a digital media lab for teenagers.",
    "Residents can comment on the design at a public meeting on Thursday evening.",
]
REWRITE = [
    "Residents will get to comment on the library design at a Thursday evening public meeting.",
    "On Tuesday the council backed a 4.2 million dollar budget for a new library.",
    "Critics said the money would have been better spent repairing the roads.",
    "According to Mayor Linda Okafor, work begins in March and will last two years.",
    "It will house 80,000 books plus a digital media lab aimed at teenagers.",
]
EXPECTED = {0: 4, 1: 0, 2: 2, 3: 1, 4: 3}  # rewrite sentence -> source sentence


def test_synthetic_rewrite_recovers_the_sentence_mapping_in_any_order():
    text_a, text_b = "\n\n".join(REWRITE), "\n\n".join(SOURCE)
    a, b = side(text_a), side(text_b)
    found = {}
    for p in align_passages(a, b, 6, 0.5):
        if p.kind != "paraphrase":
            continue
        ia = next(i for i, s in enumerate(REWRITE) if s[:20] in text_a[p.a_start:p.a_end])
        ib = next(i for i, s in enumerate(SOURCE) if s[:20] in text_b[p.b_start:p.b_end])
        found[ia] = ib
    assert found == EXPECTED


def test_moved_paragraphs_are_found_as_exact_passages():
    paragraphs = [" ".join(random.Random(i).choices(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split(), k=30))
        for i in range(6)]
    text_a = "\n\n".join(paragraphs)
    text_b = "\n\n".join(paragraphs[3:] + paragraphs[:3])
    passages = align_passages(side(text_a), side(text_b), 8, 0.5)
    exact = [p for p in passages if p.kind == "exact"]
    covered = sum(p.a_end - p.a_start for p in exact)
    assert covered >= 0.95 * len(text_a.replace("\n\n", "")) - 10


def test_independent_article_on_the_same_story_has_few_paraphrases():
    other = [
        "A new public library is coming to the east side, officials confirmed.",
        "Some shop owners worry about parking during the works.",
        "The last library in the area closed in 1998 after a fire.",
        "Teenagers interviewed outside the school welcomed the plans.",
    ]
    passages = align_passages(side(" ".join(other)), side(" ".join(SOURCE)), 6, 0.5)
    assert len(passages) <= 1


def test_stock_phrases_are_not_copying_but_long_runs_are():
    a = side("Officials said in a statement on Monday that the bridge would close for repairs.")
    b = side("The mayor said in a statement on Monday that taxes will rise next year.")
    assert exact_runs(a, b, 6) == []
    long_a = side("He said in a statement on Monday that the old Kellerman bridge would close.")
    long_b = side("Police said in a statement on Monday that the old Kellerman bridge would close.")
    runs = exact_runs(long_a, long_b, 6)
    assert [n for _, _, n in runs] == [13]


def test_a_lift_of_three_paragraphs_into_a_longer_article_is_derivative():
    from derivdetect import Config
    from derivdetect.engines.local import compare_documents
    from derivdetect.models import Document

    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    vocabulary = ["".join(random.Random(k).choices(syllables, k=3)) for k in range(600)]

    def paragraph(seed):
        rng = random.Random(seed)
        return " ".join(rng.choice(vocabulary) + ("." if i % 12 == 11 else "")
                        for i in range(60)).capitalize()

    source = "\n\n".join(paragraph(i) for i in range(8))
    lifted = "\n\n".join(paragraph(100 + i) for i in range(6)) + "\n\n" + \
        "\n\n".join(paragraph(i) for i in (2, 3, 4)) + "\n\n" + paragraph(200)
    pair = compare_documents(Document("new", "new", lifted), Document("old", "old", source),
                             Config())
    assert pair.verdict == "derivative"
    assert pair.extent == "partially"
    assert pair.scores["longest_exact_words"] >= 150
    assert pair.source is None and "direction" in pair.source_reason


def test_shared_stock_phrases_alone_do_not_make_a_copy():
    from derivdetect import Config
    from derivdetect.engines.local import compare_documents
    from derivdetect.models import Document

    a = ("Armenia will freeze its part in the Collective Security Treaty Organization, the "
         "foreign ministry said in a statement on Monday. Officials in Yerevan blamed Moscow "
         "for ignoring three requests for help during the autumn offensive. The prime minister "
         "travelled to Paris to discuss new arms purchases and a training mission. Opposition "
         "deputies called the trip theatre and demanded a vote in parliament. Polls show most "
         "voters now distrust every foreign alliance the country has joined since 1991.")
    b = ("Kazakhstan remains a loyal member of the Collective Security Treaty Organization, its "
         "president said in a statement on Monday. Trade with China grew by a fifth last year, "
         "and new rail links opened across the steppe. Grain exports reached a record as the "
         "harvest beat forecasts in the north. The central bank kept its main rate unchanged. "
         "Engineers finished a pipeline that carries gas from the Caspian to the eastern cities.")
    pair = compare_documents(Document("a", "a", a), Document("b", "b", b), Config())
    assert pair.verdict in ("related", "unrelated")


stock_words = st.lists(st.sampled_from(
    "the said on monday zxqv bzrt qwpl in a statement karabakh lachin corridor".split()),
    max_size=60)


@settings(max_examples=200, deadline=None)
@given(stock_words, stock_words, st.integers(2, 6), st.data())
def test_compiled_exact_runs_equal_the_reference(wa, wb, k, data):
    from dataclasses import replace

    a, b = side(" ".join(wa)), side(" ".join(wb))
    # boilerplate tokens never match: mask some on each side
    keep_a = np.array(data.draw(st.lists(st.booleans(), min_size=len(wa), max_size=len(wa))),
                      dtype=bool) if wa and data.draw(st.booleans()) else a.keep
    a = replace(a, keep=keep_a)
    expected = exact_runs(a, b, k)
    assert exact_runs(replace(a, compiled=True), replace(b, compiled=True), k) == expected

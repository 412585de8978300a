"""Alignment behaviour pinned after a mutation run of ``stages/align.py`` (see
``benchmarks/MUTATION.md``): the passages a pair gets, their offsets, and the similarity of
each paraphrase link as documented in ``align.py`` and ``Config`` (rare-word-weighted overlap,
condensation at 0.8 when the lighter sentence keeps a third of the heavier one's weight and both
have 5 content words, a quarter of rapidfuzz's ratio where the overlap reaches 0.3, 0.01 per
extra sentence of a group, one link per sentence, sentences already aligned word for word left
out, the threshold inclusive).

The texts are built here from made-up words unknown to the lexicon (each weighs 8, so the
expected numbers can be worked out by hand) and English stopwords (which weigh nothing).
"""

import random

import numpy as np
import pytest
from rapidfuzz import fuzz

from derivdetect import Config
from derivdetect.models import Document
from derivdetect.stages.align import (
    Side,
    align_passages,
    exact_passages,
    exact_runs,
    form_weights,
    paraphrase_passages,
)
from derivdetect.stages.judge import compare_documents
from derivdetect.text.normalize import analyze
from derivdetect.text.shingle import stem_ids

# 40 made-up words, none in the lexicon: each weighs 8 (checked below)
RARE = [c + v + t for c in "zqxvk" for v in ("orb", "ilm") for t in ("ek", "ast", "un", "oth")]


def side(text: str, keep=None, topic=()) -> Side:
    an = analyze(text)
    keep = np.ones(len(an.forms), dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
    ids = stem_ids(tuple(st for f, st in zip(an.forms, an.stems) if f in topic))
    return Side(an, keep, ids)


def sentence(words, filler=("the", "of")) -> str:
    """The content ``words`` in order with a stopword between each two, as one sentence."""
    out = []
    for k, w in enumerate(words):
        out.append(w)
        if k < len(words) - 1:
            out.append(filler[k % len(filler)])
    return " ".join(out).capitalize() + "."


def documented(words_a, words_b, weight=None, condensation=True, penalty=0.0) -> float:
    """The similarity ``align.py`` documents for two units given as their content words."""
    weight = weight or {}
    wa = sum(weight.get(w, 8.0) for w in set(words_a))
    wb = sum(weight.get(w, 8.0) for w in set(words_b))
    inter = sum(weight.get(w, 8.0) for w in set(words_a) & set(words_b))
    score = 2 * inter / (wa + wb)
    lighter = min(wa, wb)
    if (condensation and min(len(set(words_a)), len(set(words_b))) >= 5
            and lighter >= 0.33 * max(wa, wb)):
        score = max(score, 0.8 * inter / lighter)
    if score >= 0.3:
        score = 0.75 * score + 0.25 * fuzz.token_sort_ratio(" ".join(words_a),
                                                           " ".join(words_b)) / 100
    return score - penalty


def test_made_up_words_weigh_eight_and_known_words_by_their_frequency():
    import wordfreq

    assert form_weights(RARE, "en").tolist() == [8.0] * len(RARE)
    words = ["the", "people", "minister", "ministers", "said", "pashinyan", "government"]
    expected = [1 + max(0.0, 7 - wordfreq.zipf_frequency(w, "en")) for w in words]
    assert form_weights(words, "en") == pytest.approx(expected, abs=0.011)
    assert form_weights(["the"], "en")[0] == 1.0  # the commonest words weigh 1, not more


# --- the similarity of one link -----------------------------------------------------------

CASES = {
    # 3 and 6 content words, 2 shared: too light for condensation, dice only
    "short sentences score their overlap": (RARE[0:3], RARE[0:2] + RARE[10:14]),
    # 5 and 10 words, 4 shared: the lighter keeps half the weight, condensation counts at 0.8
    "a condensed sentence scores its containment": (RARE[0:5], RARE[0:4] + RARE[10:16]),
    # 5 and 20 words, all 5 shared: the lighter keeps a quarter, too little for condensation
    "a sentence lost in a long one scores its overlap": (RARE[0:5], RARE[0:5] + RARE[20:35]),
    # 6 and 7 words, 5 shared, in another order
    "a restatement scores overlap and character ratio": (
        RARE[0:6], [RARE[k] for k in (4, 2, 0, 1, 3, 30, 31)]),
}


@pytest.mark.parametrize("name", CASES)
def test_the_similarity_of_a_link_is_the_documented_mix(name):
    words_a, words_b = CASES[name]
    a, b = side(sentence(words_a)), side(sentence(words_b, ("and", "in")))
    (p,) = paraphrase_passages(a, b, 0.1)
    assert (p.kind, p.a_start, p.a_end, p.b_start, p.b_end) == (
        "paraphrase", 0, len(a.analysis.forms) and int(a.analysis.ends[-1]), 0,
        int(b.analysis.ends[-1]))
    assert p.similarity == pytest.approx(documented(words_a, words_b), abs=2e-5)
    # the other way round: the same link, the same similarity
    (q,) = paraphrase_passages(b, a, 0.1)
    assert q.similarity == pytest.approx(p.similarity, abs=1e-6)


@pytest.mark.parametrize("light_first", [True, False])
def test_topic_words_weigh_a_quarter_and_still_count_as_words(light_first):
    # "minister" is a topic word: 2.96 / 4 = 0.74. The light sentence has exactly 5 content
    # words, one of them the topic word, so condensation applies only if it counts as a word.
    light = ["minister"] + RARE[0:4]
    heavy = ["minister"] + RARE[0:3] + RARE[10:16]
    m = float(form_weights(["minister"], "en")[0]) * 0.25
    words_a, words_b = (light, heavy) if light_first else (heavy, light)
    a = side(sentence(words_a), topic=["minister"])
    b = side(sentence(words_b, ("and", "in")), topic=["minister"])
    (p,) = paraphrase_passages(a, b, 0.1)
    assert p.similarity == pytest.approx(documented(words_a, words_b, {"minister": m}),
                                         abs=2e-5)
    # without damping the same link scores otherwise
    (q,) = paraphrase_passages(side(sentence(words_a)), side(sentence(words_b, ("and", "in"))),
                               0.1)
    assert q.similarity == pytest.approx(documented(words_a, words_b,
                                                    {"minister": m * 4}), abs=2e-5)
    assert abs(q.similarity - p.similarity) > 1e-3


def test_an_inflected_shared_word_counts_at_its_lighter_form():
    # "ministers" (3.66) and "minister" (2.96) share a stem; the overlap counts 2.96
    heavy, light = (float(w) for w in form_weights(["ministers", "minister"], "en"))
    words_a = ["ministers"] + RARE[0:4]
    words_b = ["minister"] + RARE[0:4] + RARE[10:12]
    # a second sentence in a holds one of the words of b's first sentence
    a = side(sentence(words_a) + " " + sentence(RARE[20:23] + RARE[10:11]))
    b = side(sentence(words_b) + " " + sentence(RARE[20:22] + RARE[30:33]))
    links = paraphrase_passages(a, b, 0.1, max_group=1)
    first = next(p for p in links if p.a_start == 0)
    wa, wb = heavy + 32, light + 48
    inter = light + 32
    score = max(2 * inter / (wa + wb), 0.8 * inter / wa)
    expected = 0.75 * score + 0.25 * fuzz.token_sort_ratio(
        " ".join(words_a), " ".join(words_b)) / 100
    assert first.b_start == 0
    assert first.similarity == pytest.approx(expected, abs=2e-5)
    # the other way round: the same link, the same similarity
    back = next(p for p in paraphrase_passages(b, a, 0.1, max_group=1) if p.a_start == 0)
    assert back.b_start == 0
    assert back.similarity == pytest.approx(expected, abs=2e-5)


# --- groups of sentences --------------------------------------------------------------------

def _split(parts, whole_first: bool):
    """One sentence of all the ``parts``' words, and the parts as sentences of their own."""
    whole = sentence([w for part in parts for w in part])
    pieces = " ".join(sentence(part, ("and", "in")) for part in parts)
    return (whole, pieces) if whole_first else (pieces, whole)


@pytest.mark.parametrize("whole_first", [True, False])
@pytest.mark.parametrize("n", [2, 3])
def test_a_sentence_split_in_two_or_three_is_one_group_link(n, whole_first):
    parts = [RARE[5 * k: 5 * k + 5] for k in range(n)]
    a, b = (side(t) for t in _split(parts, whole_first))
    (p,) = paraphrase_passages(a, b, 0.42)
    assert (p.a_start, p.a_end) == (0, int(a.analysis.ends[-1]))
    assert (p.b_start, p.b_end) == (0, int(b.analysis.ends[-1]))
    words = [w for part in parts for w in part]
    expected = documented(words, words, condensation=False, penalty=0.01 * (n - 1))
    assert p.similarity == pytest.approx(expected, abs=2e-5)
    assert p.similarity > 0.95  # the group beats each single sentence (a half or a third)


@pytest.mark.parametrize("whole_first", [True, False])
def test_groups_are_not_formed_beyond_paraphrase_max_group(whole_first):
    parts = [RARE[5 * k: 5 * k + 5] for k in range(3)]
    text_a, text_b = _split(parts, whole_first)
    a, b = side(text_a), side(text_b)
    pieces = b if whole_first else a
    for max_group in (1, 2):
        passages = paraphrase_passages(a, b, 0.42, max_group=max_group)
        spans = [(p.b_start, p.b_end) if whole_first else (p.a_start, p.a_end)
                 for p in passages]
        sizes = [sum(1 for s, e in pieces.analysis.sentence_spans() if lo <= s and e <= hi)
                 for lo, hi in spans]
        assert max(sizes) == max_group
        # the same through align_passages and through the Config of a comparison
        assert align_passages(a, b, 4, 0.42, max_group) == passages
        pair = compare_documents(Document("a", "a", text_a), Document("b", "b", text_b),
                                 Config(paraphrase_max_group=max_group))
        assert [(p.a_start, p.a_end, p.b_start, p.b_end) for p in pair.passages] == \
            [(p.a_start, p.a_end, p.b_start, p.b_end) for p in passages]


def test_each_sentence_takes_part_in_one_link_at_most():
    one = RARE[0:6]
    twice = [RARE[k] for k in (1, 0, 3, 2, 5, 4)]
    other = RARE[20:26]
    # a: the sentence once; b: two restatements of it, an unrelated sentence between them
    a = side(sentence(one))
    b = side(" ".join([sentence(twice), sentence(other), sentence(twice[::-1], ("in",))]))
    for x, y in ((a, b), (b, a)):
        passages = paraphrase_passages(x, y, 0.42, max_group=1)
        assert len(passages) == 1
        assert passages[0].similarity == pytest.approx(documented(one, twice), abs=2e-5)


def test_the_paraphrase_threshold_is_inclusive():
    words_a, words_b = CASES["a restatement scores overlap and character ratio"]
    a, b = side(sentence(words_a)), side(sentence(words_b))
    (p,) = paraphrase_passages(a, b, 0.1)
    assert len(paraphrase_passages(a, b, p.similarity)) == 1
    assert paraphrase_passages(a, b, p.similarity + 1e-4) == []


# --- sentences already aligned word for word --------------------------------------------------

COPIED = RARE[0:12]
RESTATED = [RARE[k] for k in (1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10)]  # no 4 words in a row


@pytest.mark.parametrize("lead", [False, True])
@pytest.mark.parametrize("swap", [False, True])
def test_a_sentence_copied_word_for_word_is_not_also_a_paraphrase(lead, swap):
    # a: the copied sentence (after an unrelated one, or first); b: the same sentence, an
    # unrelated one, then a restatement of it. The copy is one exact passage and nothing else:
    # the restatement has no unaligned partner left.
    text_a = (sentence(RARE[30:36]) + " " if lead else "") + sentence(COPIED)
    text_b = " ".join([sentence(COPIED), sentence(RARE[20:26]), sentence(RESTATED, ("in",))])
    a, b = side(text_a), side(text_b)
    if swap:
        a, b, text_a, text_b = b, a, text_b, text_a
    passages = align_passages(a, b, 4, 0.42)
    assert [p.kind for p in passages] == ["exact"]
    (p,) = passages
    start = text_a.index("Zorbek") if not swap else 0
    assert text_a[p.a_start:p.a_end].lower() == sentence(COPIED)[:-1].lower()
    assert p.a_start == start
    assert p.similarity == 1.0
    # without the exact aligner's help the restatement would be linked
    assert any(q.kind == "paraphrase" for q in paraphrase_passages(a, b, 0.42))


def _plain(words) -> str:
    return " ".join(words).capitalize() + "."


def test_a_paraphrase_mostly_exact_on_one_side_only_is_kept():
    # a's sentence is 19 copied words and one more; b's holds the 19 words and 10 others.
    copied = RARE[0:19]
    a = side(_plain(copied + [RARE[39]]))
    b = side(_plain(copied + RARE[20:30]))
    passages = align_passages(a, b, 4, 0.42)
    assert [p.kind for p in passages] == ["exact", "paraphrase"]
    exact, para = passages
    assert (exact.a_start, exact.a_end) == a.analysis.char_span(0, 19)
    assert (para.a_start, para.a_end) == a.analysis.char_span(0, 20)
    assert (para.b_start, para.b_end) == b.analysis.char_span(0, 29)


def test_a_paraphrase_nine_tenths_exact_on_both_sides_is_dropped_and_later_ones_kept():
    # the first sentences share 9 words in a row and differ in the tenth: 90% exact on both
    # sides, so their paraphrase link adds nothing; the second sentences restate each other,
    # less closely (their link comes after the dropped one).
    nine = RARE[0:9]
    second_a = RARE[20:28]
    second_b = [RARE[k] for k in (21, 20, 23, 22, 25, 24, 36, 37)]  # 6 of 8, weaker link
    a = side(_plain(nine + [RARE[38]]) + " " + _plain(second_a))
    b = side(_plain(nine + [RARE[39]]) + " " + _plain(second_b))
    passages = align_passages(a, b, 4, 0.42)
    assert [(p.kind, p.a_start) for p in passages] == [
        ("exact", 0), ("paraphrase", a.analysis.char_span(10, 18)[0])]
    assert (passages[0].a_end, passages[0].b_end) == (a.analysis.char_span(0, 9)[1],
                                                      b.analysis.char_span(0, 9)[1])


# --- exact runs -------------------------------------------------------------------------------

A, B, C, D, F = RARE[0:4], RARE[4:8], RARE[8:10], RARE[10:14], RARE[14:18]
STOCK = "said in a statement on monday".split()


def test_a_run_overlapping_an_accepted_one_keeps_its_free_end():
    # a: A B C D; b: A B C, then F, then C D. The run C D of b is trimmed to D where a's C is
    # already aligned: passages A B C and D, at the right places on both sides.
    a, b = side(" ".join(A + B + C + D)), side(" ".join(A + B + C + F + C + D))
    assert exact_runs(a, b, 3) == [(0, 0, 10), (10, 16, 4)]
    passages = exact_passages(a, b, 3)
    assert [(p.a_start, p.a_end, p.b_start, p.b_end) for p in passages] == [
        a.analysis.char_span(0, 10) + b.analysis.char_span(0, 10),
        a.analysis.char_span(10, 14) + b.analysis.char_span(16, 20)]


def test_a_trimmed_run_shorter_than_min_words_or_a_stock_phrase_is_dropped():
    short = D[:2]
    a, b = side(" ".join(A + B + C + short)), side(" ".join(A + B + C + F + C + short))
    assert exact_runs(a, b, 3) == [(0, 0, 10)]
    a, b = side(" ".join(A + B + C + STOCK)), side(" ".join(A + B + C + F + C + STOCK))
    assert exact_runs(a, b, 4) == [(0, 0, 10)]


def test_a_trimmed_run_is_marked_used_so_no_later_run_overlaps_it():
    # b also holds D alone at its end: a's D is aligned once, to the C D copy
    a = side(" ".join(A + B + C + D))
    b = side(" ".join(A + B + C + F + C + D + RARE[30:33] + D))
    runs = exact_runs(a, b, 3)
    assert runs == [(0, 0, 10), (10, 16, 4)]


def test_the_stock_phrase_weight_is_a_lower_bound_that_counts_at_equality():
    words = ["said", RARE[0], "in", "a", "statement"]
    a = side(" ".join(words + RARE[20:26]))
    b = side(" ".join(words + RARE[30:36]))
    weight = 0.0
    for w in a.rarity[:5].tolist():  # the run's content words, in order
        weight += w
    # "said", "in" and "a" are stopwords: they weigh nothing
    assert weight == pytest.approx(8 + float(form_weights(["statement"], "en")[0]))
    assert exact_runs(a, b, 4, weight) == [(0, 0, 5)]
    assert exact_runs(a, b, 4, weight + 0.01) == []


def test_stock_phrase_weight_of_the_config_decides_short_runs():
    text_a = "Officials said in a statement on Monday that the bridge would close for repairs."
    text_b = "The mayor said in a statement on Monday that taxes will rise next year."
    for weight, expected in ((12.0, 0), (0.0, 1)):
        config = Config(stock_phrase_weight=weight)
        pair = compare_documents(Document("a", "a", text_a), Document("b", "b", text_b), config)
        assert pair.scores["exact_passages"] == expected
        a, b = side(text_a), side(text_b)
        assert len(exact_passages(a, b, 4, weight)) == expected
        assert sum(p.kind == "exact" for p in align_passages(a, b, 4, 0.42, 3, weight)) == \
            expected


def test_boilerplate_is_never_an_exact_passage():
    # the same ten-word line opens both texts, marked boilerplate on both sides (and ten
    # other boilerplate words open a third text): it is no exact passage, though ten words
    # are more than twice min_words (no stock-phrase test could drop it)
    line = RARE[30:40]
    body_a, body_b = RARE[0:10], RARE[10:20]
    keep = [False] * 10 + [True] * 10
    a = side(" ".join(line + body_a), keep)
    b = side(" ".join(line + body_b), keep)
    c = side(" ".join(RARE[20:30] + body_b), keep)
    assert exact_runs(a, b, 4) == []
    assert exact_runs(a, c, 4) == []
    assert exact_passages(a, b, 4) == []
    kept = side(" ".join(line + body_a))
    assert exact_runs(kept, side(" ".join(line + body_b)), 4) == [(0, 0, 10)]


def test_a_trimmed_run_is_marked_used_on_the_other_side_too():
    # the same texts the other way round: b's D is aligned once
    a = side(" ".join(A + B + C + F + C + D + RARE[30:33] + D))
    b = side(" ".join(A + B + C + D))
    assert exact_runs(a, b, 3) == [(0, 0, 10), (16, 10, 4)]


def test_a_run_of_twice_min_words_counts_whatever_its_words():
    # eight common words shared in a row: twice min_words (4), so no stock-phrase test
    run = "said in a statement on monday that the".split()
    a = side(" ".join(RARE[0:6] + run + RARE[6:12]))
    b = side(" ".join(RARE[20:26] + run + RARE[26:32]))
    assert exact_runs(a, b, 4) == [(6, 6, 8)]
    assert exact_runs(a, b, 5) == []  # under twice 5, and too light


def test_a_sentence_copied_into_a_longer_one_is_one_exact_passage_only():
    # b holds a's sentence inside a longer one, and elsewhere a restatement of it: a's
    # sentence is all exact, so it takes no part in paraphrase links (else it would link to
    # the restatement, which matches it better than the longer sentence)
    for lead in (False, True):
        text_a = (sentence(RARE[30:36]) + " " if lead else "") + _plain(COPIED)
        text_b = " ".join([_plain(COPIED + RARE[20:28]), sentence(RARE[36:40]),
                           sentence(RESTATED, ("in",))])
        passages = align_passages(side(text_a), side(text_b), 4, 0.42)
        assert [p.kind for p in passages] == ["exact"], lead
        assert passages[0].a_start == (text_a.index(_plain(COPIED)[:6]))
        # and the same with the sides swapped
        back = align_passages(side(text_b), side(text_a), 4, 0.42)
        assert [p.kind for p in back] == ["exact"], lead


def test_sentences_on_both_sides_of_an_exact_one_are_no_group():
    # a: P1, a copied sentence, P2; b: the copy, then one sentence merging P1 and P2. P1 and
    # P2 are not consecutive once the copy is aligned: no group of them, one link P1 <-> merge
    p1, p2 = RARE[0:5], RARE[5:10]
    text_a = " ".join([sentence(p1), _plain(RARE[20:32]), sentence(p2)])
    text_b = " ".join([_plain(RARE[20:32]), sentence(p1 + p2, ("and", "in"))])
    a, b = side(text_a), side(text_b)
    passages = align_passages(a, b, 4, 0.42)
    assert sorted(p.kind for p in passages) == ["exact", "paraphrase"]
    (exact,) = [p for p in passages if p.kind == "exact"]
    (para,) = [p for p in passages if p.kind == "paraphrase"]
    assert text_a[para.a_start:para.a_end] in (sentence(p1)[:-1], sentence(p2)[:-1])
    assert para.a_end <= exact.a_start or para.a_start >= exact.a_end
    assert text_b[para.b_start:para.b_end] == sentence(p1 + p2, ("and", "in"))[:-1]


STOPWORDS = "the of said in a on and to".split()


@pytest.mark.parametrize("seed, rare, stop", [(3, 5, 3), (140, 2, 0), (480, 2, 0), (720, 2, 0),
                                              (1170, 4, 0), (720, 1, 1), (1908, 1, 1),
                                              (3210, 1, 1)])
def test_runs_trimmed_in_several_places_are_the_compiled_path_s_runs(seed, rare, stop):
    """A text of a few words (``rare`` made-up ones, ``stop`` stopwords) repeated at random, and
    one holding two overlapping stretches of it: runs overlap accepted ones on either side, in
    one or more places, and each free part is kept or dropped on its own (in these seeds a
    part too short, or a stock phrase, comes before one that is kept). The reference and the
    compiled kernel give the same runs, none overlapping another on either side, each a true
    match."""
    from dataclasses import replace

    rnd = random.Random(seed)
    vocab = RARE[:rare] + STOPWORDS[:stop]
    n = rnd.randint(20, 80)
    wa = [rnd.choice(vocab) for _ in range(n)]
    cut = sorted(rnd.sample(range(n), 4))
    wb = ([rnd.choice(vocab) for _ in range(rnd.randint(0, 30))] + wa[cut[0]:cut[2]]
          + wa[cut[1]:cut[3]] + [rnd.choice(vocab) for _ in range(10)])
    a, b = side(" ".join(wa)), side(" ".join(wb))
    for k in (2, 3, 4):
        runs = exact_runs(a, b, k)
        assert runs == exact_runs(replace(a, compiled=True), replace(b, compiled=True), k)
        for at, size in ((0, len(wa)), (1, len(wb))):
            covered = np.zeros(size, dtype=int)
            for run in runs:
                covered[run[at]:run[at] + run[2]] += 1
            assert covered.max(initial=0) <= 1
        assert all(wa[i:i + n] == wb[j:j + n] and n >= k for i, j, n in runs)

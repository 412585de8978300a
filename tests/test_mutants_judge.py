"""The score fields of pairs.json and the evidence of a pair, pinned after a mutation run of
``stages/judge.py`` and ``stages/evidence.py`` (see ``benchmarks/MUTATION.md``): containment
both ways, identical texts, prose and quote coverage, passage counts, function-word skeletons,
sentences touched, topic words and their damping, corpus furniture, link similarity.
Small texts built here; both analysis paths (reference and compiled) where they differ in code.
"""

import random

import numpy as np
import pytest

from conftest import own_words, random_article
from derivdetect import Config
from derivdetect.models import Document, Passage
from derivdetect.stages.evidence import link_strength, mark_quotes
from derivdetect.stages.judge import compare_documents, judge, prepare, small_matrix_mode
from derivdetect.text.boilerplate import line_keys
from derivdetect.text.normalize import analyze
from derivdetect.text.shingle import stem_ids, token_hashes

CONFIG = Config(workers=1)
RARE = [c + v + t for c in "zqxvk" for v in ("orb", "ilm") for t in ("ek", "ast", "un", "oth")]


def _doc(name: str, text: str) -> Document:
    return Document(name, name, text)


def _article(seed: int, sentences: int = 12) -> str:
    return random_article(random.Random(seed), sentences)


def _judged(text_a: str, text_b: str, config: Config = CONFIG, fast: bool = False,
            topic_a=None, topic_b=None, furniture=frozenset()):
    pa = prepare(_doc("a.txt", text_a), config, furniture, topic_a, fast=fast)
    pb = prepare(_doc("b.txt", text_b), config, furniture, topic_b, fast=fast)
    with small_matrix_mode():
        return judge(pa, pb, config)


def test_containment_of_content_keys_is_measured_both_ways():
    part = _article(41, 6)
    whole = _article(42, 6) + "\n\n" + part
    s = compare_documents(_doc("a.txt", whole), _doc("b.txt", part), CONFIG).scores
    assert s["content_containment_b_in_a"] == 1.0
    assert 0.3 < s["content_containment_a_in_b"] < 0.7
    t = compare_documents(_doc("a.txt", part), _doc("b.txt", whole), CONFIG).scores
    assert t["content_containment_a_in_b"] == 1.0
    assert t["content_containment_b_in_a"] == s["content_containment_a_in_b"]


@pytest.mark.parametrize("fast", [False, True])
def test_content_keys_ignore_stopwords_on_both_paths(fast):
    # the same content words with other stopwords between them: every content key is shared
    text = _article(43, 8)
    swapped = " ".join({"the": "a", "a": "the", "of": "in", "in": "of"}.get(w, w)
                       for w in text.split(" "))
    assert swapped != text
    s = _judged(text, swapped, fast=fast).scores
    assert s["content_containment_a_in_b"] == s["content_containment_b_in_a"] == 1.0


def test_identical_texts_are_flagged_identical_down_to_one_word():
    text = _article(44, 6)
    same = compare_documents(_doc("a.txt", text), _doc("b.txt", text), CONFIG)
    assert same.scores["identical_text"] is True
    other = compare_documents(_doc("a.txt", text), _doc("b.txt", _article(45, 6)), CONFIG)
    assert other.scores["identical_text"] is False
    one = compare_documents(_doc("a.txt", "Karabakh."), _doc("b.txt", "Karabakh."), CONFIG)
    assert one.scores["identical_text"] is True
    assert one.verdict == "verbatim"
    assert [(p.kind, p.a_start, p.a_end) for p in one.passages] == [("exact", 0, 8)]


def test_two_texts_without_words_are_not_identical_and_touch_no_sentence():
    pair = compare_documents(_doc("a.txt", "* * *"), _doc("b.txt", "* * *"), CONFIG)
    s = pair.scores
    assert s["identical_text"] is False
    assert pair.verdict == "unrelated" and pair.passages == ()
    assert s["aligned_sentences_a"] == s["aligned_sentences_b"] == 0
    assert s["sentences_a"] == 0 and s["words_a"] == 0


def test_copied_prose_without_quotes_is_all_prose_coverage():
    brief = _article(46, 4)
    long = _article(47, 10) + "\n\n" + brief + "\n\n" + _article(48, 10)
    s = compare_documents(_doc("a.txt", brief), _doc("b.txt", long), CONFIG).scores
    assert s["exact_coverage_a"] > 0.9
    assert s["prose_exact_coverage_a"] == s["exact_coverage_a"]
    assert s["prose_exact_coverage_b"] == s["exact_coverage_b"] > 0.1
    assert s["prose_coverage_a"] == s["coverage_a"]
    assert s["quote_coverage_a"] == 0.0 and s["quote_passages"] == 0


def test_the_passage_counts_count_each_kind():
    # one sentence copied word for word, two others restated (made-up words, other order)
    copied = " ".join(RARE[0:12]).capitalize() + "."
    said_a = [" ".join(RARE[k:k + 6]).capitalize() + "." for k in (14, 22)]
    said_b = [" ".join(RARE[k + 5:k - 1 if k else None:-1]).capitalize() + "." for k in (14, 22)]
    text_a = " ".join([copied] + said_a)
    text_b = " ".join(said_b[::-1] + [copied])
    pair = compare_documents(_doc("a.txt", text_a), _doc("b.txt", text_b), CONFIG)
    kinds = [p.kind for p in pair.passages]
    assert kinds.count("exact") == 1 and kinds.count("paraphrase") == 2
    s = pair.scores
    assert (s["exact_passages"], s["paraphrase_passages"], s["quote_passages"]) == (1, 2, 0)
    similarities = [p.similarity for p in pair.passages if p.kind == "paraphrase"]
    assert s["link_similarity"] == pytest.approx(sum(similarities) / 2)
    assert s["strong_links"] == sum(x >= 0.7 for x in similarities)


def test_a_copy_with_its_content_words_replaced_keeps_its_function_word_skeleton():
    text = _article(49, 10)
    an = analyze(text)
    replaced, last = [], 0
    for k in np.flatnonzero(an.content).tolist():  # every content word replaced by another
        replaced += [text[last:an.starts[k]], f"other{k}"]
        last = int(an.ends[k])
    replaced = "".join(replaced) + text[last:]
    s = compare_documents(_doc("a.txt", text), _doc("b.txt", replaced), CONFIG).scores
    assert s["function_containment_a_in_b"] == s["function_containment_b_in_a"] == 1.0
    assert s["content_containment_a_in_b"] == 0.0
    other = compare_documents(_doc("a.txt", text), _doc("b.txt", _article(50, 10)),
                              CONFIG).scores
    assert other["function_containment_a_in_b"] < 0.5
    none = compare_documents(_doc("a.txt", own_words(3)), _doc("b.txt", own_words(3)),
                             CONFIG).scores
    assert none["function_containment_a_in_b"] == 0.0  # no stopwords, no skeleton


def test_a_run_across_a_sentence_end_touches_both_sentences():
    # a: "w0 w1 w2 X1. X2 X3 X4 X5." b holds "X1 X2 X3 X4 X5" inside one long sentence
    x = RARE[20:25]
    text_a = " ".join(RARE[0:3] + x[:1]).capitalize() + ". " + " ".join(x[1:]).capitalize() + "."
    text_b = " ".join(RARE[30:33] + x + RARE[5:19]).capitalize() + "."
    s = compare_documents(_doc("a.txt", text_a), _doc("b.txt", text_b), CONFIG).scores
    assert s["exact_passages"] == 1 and s["paraphrase_passages"] == 0
    assert s["sentences_a"] == 2 and s["aligned_sentences_a"] == 2
    assert s["aligned_words_a"] == 5
    assert s["sentences_b"] == 1 and s["aligned_sentences_b"] == 1


# --- topic words and damping -------------------------------------------------------------------

TOPIC_A = "Minister zorbek of the vastrel said the qorbun and the xilmast met in the kilmoth."
TOPIC_B = "The minister and the vastrel met zorbek in the kilmoth with vilmun and korbek."


def _topic(text: str, words) -> np.ndarray:
    an = analyze(text)
    return np.unique(stem_ids(tuple(st for f, st in zip(an.forms, an.stems) if f in words)))


@pytest.mark.parametrize("fast", [False, True])
def test_topic_words_are_counted_and_weigh_by_the_topic_damping(fast):
    topic = ["minister", "vastrel"]
    ta, tb = _topic(TOPIC_A, topic), _topic(TOPIC_B, topic)
    plain = _judged(TOPIC_A, TOPIC_B, fast=fast)
    assert plain.scores["topic_words"] == 0
    damped = _judged(TOPIC_A, TOPIC_B, fast=fast, topic_a=ta, topic_b=tb)
    assert damped.scores["topic_words"] == 2
    (p,) = [p for p in plain.passages if p.kind == "paraphrase"]
    (q,) = [q for q in damped.passages if q.kind == "paraphrase"]
    assert q.similarity != pytest.approx(p.similarity, abs=1e-3)
    undamped = _judged(TOPIC_A, TOPIC_B, Config(workers=1, topic_damping=1.0), fast=fast,
                       topic_a=ta, topic_b=tb)
    assert undamped.scores["topic_words"] == 2
    (r,) = [r for r in undamped.passages if r.kind == "paraphrase"]
    assert r.similarity == pytest.approx(p.similarity, abs=1e-6)


def test_a_comparison_alone_has_no_topic_words():
    pair = compare_documents(_doc("a.txt", TOPIC_A), _doc("b.txt", TOPIC_B), CONFIG)
    assert pair.scores["topic_words"] == 0


@pytest.mark.parametrize("fast", [False, True])
def test_exact_passages_need_the_same_forms_on_the_compiled_path_too(fast):
    # an English copy that differs in one inflection in the middle ("ministers" for
    # "minister": the same stem): the exact runs stop at it
    words = ("the talks between the army and the minister of the region ended on the bridge "
             "after the convoy reached the harbour and the mayor said that the peace treaty "
             "would hold through the winter").split()
    k = words.index("minister")
    text_a = " ".join(words).capitalize() + "."
    text_b = " ".join(words[:k] + ["ministers"] + words[k + 1:]).capitalize() + "."
    pair = _judged(text_a, text_b, fast=fast)
    exact = [p for p in pair.passages if p.kind == "exact"]
    assert exact and exact[-1].b_start > text_b.index("ministers")
    assert all("minister" not in text_b[p.b_start:p.b_end] for p in exact)


# --- furniture lines of the corpus -------------------------------------------------------------

def _line_key(text: str, line: str) -> int:
    an = analyze(text)
    (found,) = [x for x in line_keys(text, an.starts, token_hashes(an.forms))
                if text[x.start:x.end] == line]
    return found.key


@pytest.mark.parametrize("fast", [False, True])
def test_corpus_furniture_is_masked_within_its_word_and_character_bounds(fast):
    config = Config(workers=1, boilerplate_max_words=6)  # furniture: <= 6 words, <= 180 chars
    short = "Zorbek vastrel qorbun news desk today"                 # 6 words: furniture
    wordy = "Zorbek vastrel qorbun news desk reports from kilmoth"  # 8 words: too many
    long = " ".join(w * 12 for w in ("zorbek", "vastrel", "qorbun", "kilmoth"))  # 4 words, 300 chars
    body = own_words(51, 6)
    text = f"{body}\n{short}\n\n{wordy}\n\n{long}\n"
    furniture = frozenset(_line_key(text, line) for line in (short, wordy, long))
    prepared = prepare(_doc("a.txt", text), config, furniture, fast=fast)
    at = text.index(short)
    assert at > 180
    assert prepared.boilerplate == ((at, at + len(short)),)
    assert prepared.corpus_furniture == 1
    masked = ~prepared.side.keep
    assert [prepared.analysis.starts[k] for k in np.flatnonzero(masked)][0] == at
    assert masked.sum() == 6
    # a second text with the same furniture line shares only that line: no passage there,
    # and no content key
    other = f"{own_words(52, 6)}\n{short}\n"
    pair = _judged(text, other, config, fast=fast, furniture=furniture)
    assert pair.passages == ()
    assert pair.scores["content_containment_a_in_b"] == 0.0
    assert pair.scores["words_a"] == len(prepared.analysis.forms) - 6
    # the same line, not furniture of the corpus, is shared text
    alone = _judged(text, other, config, fast=fast)
    assert alone.scores["content_containment_a_in_b"] > 0.0


# --- evidence: quotes and link strength --------------------------------------------------------

def test_a_quoted_exact_passage_keeps_its_similarity():
    p = Passage("exact", 10, 60, 20, 70, 1.0)
    (q,) = mark_quotes([p], ((5, 65),), ((15, 75),))
    assert (q.kind, q.a_start, q.a_end, q.b_start, q.b_end, q.similarity) == \
        ("quote", 10, 60, 20, 70, 1.0)
    # quotation marks in one text only: still prose
    assert mark_quotes([p], ((5, 65),), ()) == [p]
    assert mark_quotes([p], (), ((15, 75),)) == [p]


def test_link_strength_reads_the_paraphrase_links_only():
    passages = [Passage("exact", 0, 10, 0, 10, 1.0), Passage("quote", 20, 30, 20, 30, 1.0),
                Passage("paraphrase", 40, 50, 40, 50, 0.7),
                Passage("paraphrase", 60, 70, 60, 70, 0.5)]
    mean, strong = link_strength(passages)
    assert mean == pytest.approx(0.6) and strong == 1  # 0.7 is strong: the bound counts
    assert link_strength(passages[:2]) == (0.0, 0)


def test_the_same_text_with_repeated_lines_is_one_exact_passage_per_stretch_between_them():
    # a line repeated inside a text is boilerplate: identical texts get an exact passage for
    # each stretch between its copies, none over them
    line = "Zorbek vastrel qorbun kilmoth desk reports"
    parts = [_article(k, 2).strip() for k in (61, 62, 63)]
    text = f"{parts[0]}\n\n{line}\n\n{parts[1]}\n\n{line}\n\n{parts[2]}\n"
    pair = compare_documents(_doc("a.txt", text), _doc("b.txt", text), CONFIG)
    spans = [(p.kind, text[p.a_start:p.a_end], p.a_start == p.b_start, p.a_end == p.b_end)
             for p in pair.passages]
    assert spans == [("exact", part.rstrip("."), True, True) for part in parts]


# --- the reasons of a pair: corpus context, "judged alone" --------------------------------------

def _reasons_of_the_verdict(pair) -> tuple:
    from derivdetect.stages.classify import verdict_for
    from derivdetect.stages.reuse import probability_drivers

    return tuple(verdict_for(pair.scores, CONFIG, probability_drivers(pair.scores))[1])


def _furnished(lines, seed: int = 81) -> str:
    return own_words(seed, 4) + "\n" + "\n\n".join(lines) + "\n\n" + own_words(seed + 1, 4)


def test_the_corpus_context_reason_counts_the_furniture_lines_of_both_texts():
    config = Config(workers=1, boilerplate_max_words=6)
    first, second = "Zorbek vastrel qorbun news desk today", "Kilmoth orbast desk weekend edition"
    text_a, text_b = _furnished([first, second]), _furnished([first], 94)
    furniture = frozenset({_line_key(text_a, first), _line_key(text_a, second)})
    tail = "; derivdetect compare judges the two texts alone, so its coverage can differ"
    lines = "lines common in the corpus masked as furniture in the two texts"
    pair = _judged(text_a, own_words(83, 8), config, furniture=furniture)
    assert pair.reasons[-1] == "judged in its corpus: 2 " + lines + tail
    pair = _judged(text_a, text_b, config, furniture=furniture)       # 2 and 1: 3 in all
    assert pair.verdict != "verbatim"
    assert pair.reasons[-1] == "judged in its corpus: 3 " + lines + tail
    one = _judged(_furnished([first]), own_words(83, 8), config, furniture=furniture)
    assert one.reasons[-1] == ("judged in its corpus: 1 line common in the corpus masked as "
                               "furniture in the two texts" + tail)
    topic = np.arange(1, 4, dtype=np.uint32)
    both = _judged(text_a, text_b, config, furniture=furniture, topic_a=topic, topic_b=topic)
    assert both.reasons[-1] == (
        f"judged in its corpus: 3 topic words (in {config.topic_min_share:.0%} of the texts "
        f"around it: the story's names and facts) weigh {config.topic_damping:.0%} in "
        "paraphrase scoring; 3 " + lines + tail)
    # nothing from the corpus: the verdict's reasons alone
    alone = _judged(text_a, text_b, config)
    assert alone.reasons == _reasons_of_the_verdict(alone)


def test_a_verbatim_pair_gives_no_corpus_context_and_compare_says_judged_alone_when_it_matters():
    from derivdetect.stages.judge import ALONE_REASON

    text = _article(84, 8)
    topic = np.arange(1, 4, dtype=np.uint32)
    same = _judged(text, text, topic_a=topic, topic_b=topic)
    assert same.verdict == "verbatim" and same.reasons == _reasons_of_the_verdict(same)
    assert compare_documents(_doc("a.txt", text), _doc("b.txt", text), CONFIG).reasons == \
        same.reasons
    apart = compare_documents(_doc("a.txt", own_words(85)), _doc("b.txt", own_words(86)), CONFIG)
    assert apart.verdict == "unrelated" and apart.reasons == _reasons_of_the_verdict(apart)
    half = compare_documents(_doc("a.txt", text), _doc("b.txt", _article(84, 4)), CONFIG)
    assert half.verdict == "derivative"
    assert half.reasons == _reasons_of_the_verdict(half) + (ALONE_REASON,)


# --- credit: does the copy name its source? -----------------------------------------------------

CREDIT_LINE = "\n\nOriginally published by the Riga Herald."


def _credited(pair) -> bool:
    return pair.credit["credited"] and pair.credit["names"] == ["Riga Herald"]


def test_credit_is_read_in_the_copy_whichever_side_it_is_on():
    full = _article(87, 12)
    source = Document("src.txt", "src.txt", full, byline="Riga Herald")
    brief = Document("copy.txt", "copy.txt", _article(87, 6) + CREDIT_LINE, byline="Daily Copy")
    for a, b in ((source, brief), (brief, source)):
        pair = compare_documents(a, b, CONFIG)
        assert pair.source == "src.txt" and _credited(pair), pair.credit
        at = brief.text.index("Riga Herald")
        assert pair.credit["evidence"] == [(at, at + len("Riga Herald"))]
        assert pair.to_dict()["credit"] == pair.credit
    # the same copy without the credit line: a copy that does not name its source
    bare = Document("copy.txt", "copy.txt", _article(87, 6), byline="Daily Copy")
    pair = compare_documents(source, bare, CONFIG)
    assert pair.credit == {"credited": False, "names": [], "evidence": []}


def test_credit_is_read_in_the_later_text_when_the_dates_name_the_source():
    # an earlier brief taken whole into a longer, later article that credits it: the brief is
    # the more covered text, but the dates make it the source
    brief = Document("brief.txt", "brief.txt", _article(88, 6), date="2024-05-01",
                     byline="Riga Herald")
    later = Document("later.txt", "later.txt", _article(88, 12) + CREDIT_LINE,
                     date="2024-05-03")
    for a, b in ((brief, later), (later, brief)):
        pair = compare_documents(a, b, CONFIG)
        assert pair.source == "brief.txt" and _credited(pair), pair.credit


def test_credit_is_read_in_the_more_covered_text_when_no_source_is_named():
    # a lift of one long passage: neither text mostly inside the other, no dates
    shared = _article(89, 5)
    lifted = Document("lift.txt", "lift.txt", own_words(90, 8) + "\n\n" + shared + CREDIT_LINE)
    origin = Document("origin.txt", "origin.txt", own_words(91, 14) + "\n\n" + shared,
                      byline="Riga Herald")
    pair = compare_documents(origin, lifted, CONFIG)
    assert pair.verdict == "derivative" and pair.source is None
    assert pair.scores["coverage_b"] > pair.scores["coverage_a"]
    assert _credited(pair), pair.credit


def test_a_pair_that_is_not_derived_has_no_credit():
    pair = compare_documents(_doc("a.txt", own_words(92)), _doc("b.txt", own_words(93)), CONFIG)
    assert pair.verdict == "unrelated" and pair.credit is None
    assert pair.to_dict()["credit"] is None


def test_a_furniture_line_of_exactly_the_character_bound_is_counted_in_the_reason():
    config = Config(workers=1, boilerplate_max_words=6)               # furniture: <= 180 chars
    words = [(c * 30)[:29] for c in ("zorbek", "vastrel", "qorbun", "kilmoth", "orbast")]
    line = " ".join(words + ["zq" * 15])
    too_long = " ".join(words + ["zq" * 15 + "x"])
    assert (len(line), len(too_long)) == (180, 181)
    for furnished, counted in ((line, True), (too_long, False)):
        text = _furnished([furnished])
        pair = _judged(text, own_words(83, 8), config,
                       furniture=frozenset({_line_key(text, furnished)}))
        said = [r for r in pair.reasons if r.startswith("judged in its corpus: 1 line common")]
        assert bool(said) == counted, pair.reasons


def test_a_fresh_process_judges_a_pair_as_this_one_does():
    """Every CLI run is a fresh process: the BLAS controller of :func:`small_matrix_mode` is
    built there on the first call. (The child imports the package from where this test
    imported it, so it runs the same code.)"""
    import os
    import subprocess
    import sys

    import derivdetect

    text = "Zorbek vastrel qorbun kilmoth said the minister on Monday evening."
    here = compare_documents(_doc("a", text), _doc("b", text), CONFIG)
    root = os.path.dirname(os.path.dirname(derivdetect.__file__))
    code = ("import sys\n"
            "from derivdetect import Config\n"
            "from derivdetect.models import Document\n"
            "from derivdetect.stages.judge import compare_documents\n"
            "text = sys.argv[1]\n"
            "pair = compare_documents(Document('a', 'a', text), Document('b', 'b', text),\n"
            "                         Config(workers=1))\n"
            "print(pair.verdict, len(pair.passages))\n")
    paths = [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    done = subprocess.run([sys.executable, "-c", code, text], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [here.verdict, str(len(here.passages))] == ["verbatim", "1"]

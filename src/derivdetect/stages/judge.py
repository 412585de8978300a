"""Judging one pair: full analysis of both texts, exact scores, passages, verdict.

A text passes through three views here: ``normalize.Analysis`` (its tokens, stems and
sentences), ``align.Side`` (that analysis with its boilerplate mask and topic words: what the
aligner reads) and :class:`Prepared` (the document, its side, its boilerplate spans and exact
shingle sets: what judging reads). The compiled path builds the analysis as a
``vocabulary.HashedAnalysis``, which also carries the token hashes it computed.

Pure functions of the two documents and their corpus context (furniture lines, topic words).
An engine (``engines.local.judge_pairs``) runs them over many pairs in worker processes;
:func:`compare_documents` runs them on one pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np
from threadpoolctl import ThreadpoolController

from ..config import Config
from ..models import Document, Pair, Passage, pair_id
from ..text.boilerplate import boilerplate_spans, furniture_line_chars, line_keys, token_mask
from ..text.normalize import Analysis, analyze
from ..text.quotes import quote_spans
from ..text.shingle import content_shingles, ngram_hashes, token_hashes
from .align import (
    Side,
    align_passages,
    char_share,
    token_ranges,
    tokens_in_spans,
    true_runs,
)
from .classify import derived_side, extent_for, source_for, verdict_for
from .credit import credit_for
from .evidence import in_order_share, link_strength, mark_quotes
from .reuse import probability_drivers, reuse_probability
from .scores import overlap, set_scores


@dataclass(frozen=True)
class Judged:
    """What judging one candidate pair gives an engine: the reported pair (``None`` when
    nothing is reported) and the boilerplate spans of its two texts (for the report)."""

    pair: Optional[Pair]
    boilerplate_a: tuple = ()
    boilerplate_b: tuple = ()


@dataclass(frozen=True, eq=False)
class Prepared:
    """A document fully analysed for verification: tokens, boilerplate, exact shingle sets."""

    doc: Document
    side: Side
    boilerplate: tuple
    word_shingles: np.ndarray
    content_keys: np.ndarray
    quotes: tuple = ()
    function_ngrams: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    corpus_furniture: int = 0

    @property
    def analysis(self) -> Analysis:
        return self.side.analysis


def prepare(doc: Document, config: Config, furniture: frozenset = frozenset(),
            topic: Optional[np.ndarray] = None, fast: bool = False) -> Prepared:
    """Analyse one document for verification (pure): ``furniture`` are the corpus's common
    line keys, ``topic`` the stem ids of its topic words (see :func:`topic_words`); ``fast``
    analyses it on the compiled path (the same result; see :func:`prepare_many`)."""
    if fast:
        return prepare_many([doc], config, furniture, [topic])[0]
    analysis = analyze(doc.text)
    forms = token_hashes(analysis.forms)
    lines = line_keys(doc.text, analysis.starts, forms)
    return _prepared(doc, config, furniture, topic, analysis, forms, lines)


def prepare_many(docs: list, config: Config, furniture: frozenset, topics: list) -> list:
    """:func:`prepare` of several documents on the compiled path (``vocabulary.py``): one
    batch through the kernels, with the token hashes, word weights and boilerplate units it
    yields on the way."""
    from ..compiled.vocabulary import analyze_many

    found = analyze_many([d.text for d in docs])
    return [_prepared(doc, config, furniture, topic, a.analysis, a.form_hashes, a.lines,
                      a.stem_hashes, a.weights)
            for doc, topic, a in zip(docs, topics, found)]


def _prepared(doc: Document, config: Config, furniture: frozenset, topic, analysis, forms,
              lines, stems=None, weights=None) -> Prepared:
    max_chars = furniture_line_chars(config.boilerplate_max_words)
    spans = boilerplate_spans(doc.text, lines, furniture, config.boilerplate_max_words, max_chars)
    held = sum(1 for line in lines if line.key in furniture
               and line.words <= config.boilerplate_max_words and line.end - line.start <= max_chars)
    keep = token_mask(analysis.starts, spans)
    words = np.unique(ngram_hashes(forms[keep], config.shingle_words))
    if stems is None:
        keys = content_shingles(analysis.stems, analysis.content, keep, config.rewrite_key_words)
    else:
        keys = np.unique(ngram_hashes(stems[analysis.content & keep], config.rewrite_key_words))
    topic = np.empty(0, dtype=np.uint32) if topic is None else topic
    side = Side(analysis, keep, topic, forms, stems, compiled=stems is not None,
                token_weights=weights, topic_damping=config.topic_damping)
    return Prepared(doc, side, spans, words, keys, quote_spans(doc.text), _function_ngrams(side),
                    held)


def pair_scores(pa: Prepared, pb: Prepared, config: Config) -> tuple[dict, list]:
    """Exact set scores, aligned passages and coverage for one pair."""
    scores = set_scores(pa.word_shingles, pb.word_shingles)
    shared_keys = overlap(pa.content_keys, pb.content_keys)
    scores["content_containment_a_in_b"] = _share(shared_keys, len(pa.content_keys))
    scores["content_containment_b_in_a"] = _share(shared_keys, len(pb.content_keys))
    a, b = pa.side, pb.side
    identical = len(a.analysis.forms) > 0 and pa.doc.text == pb.doc.text
    if identical:
        passages = _whole_text_passages(a)
    else:
        passages = align_passages(a, b, config.min_exact_words, config.paraphrase_threshold,
                                  config.paraphrase_max_group, config.stock_phrase_weight)
        passages = mark_quotes(passages, pa.quotes, pb.quotes)
    word_for_word = [p for p in passages if p.kind in ("exact", "quote")]
    prose = [p for p in passages if p.kind != "quote"]
    exact = [p for p in prose if p.kind == "exact"]
    for name, side, pick in (("a", a, lambda p: (p.a_start, p.a_end)),
                             ("b", b, lambda p: (p.b_start, p.b_end))):
        def inside_of(chosen):
            return tokens_in_spans(side, [pick(p) for p in chosen])

        inside = inside_of(passages)
        quoted = inside_of([p for p in passages if p.kind == "quote"])
        cov = char_share(side, inside)
        cov_exact = char_share(side, inside_of(word_for_word))
        scores[f"coverage_{name}"] = cov
        scores[f"exact_coverage_{name}"] = cov_exact
        scores[f"paraphrase_coverage_{name}"] = max(0.0, cov - cov_exact)
        scores[f"prose_coverage_{name}"] = char_share(side, inside_of(prose) & ~quoted)
        scores[f"prose_exact_coverage_{name}"] = char_share(side, inside_of(exact) & ~quoted)
        scores[f"quote_coverage_{name}"] = char_share(side, quoted)
        scores[f"words_{name}"] = int(side.keep.sum())
        scores[f"sentences_{name}"] = len(side.analysis.sentences)
        scores[f"aligned_words_{name}"] = int((inside & side.keep).sum())
        scores[f"aligned_sentences_{name}"] = _sentences_touched(side, inside)
    scores["longest_exact_words"] = _most_kept_tokens(
        a, [(p.a_start, p.a_end) for p in word_for_word])
    scores["longest_prose_run_words"] = _most_kept_tokens(a, [(p.a_start, p.a_end) for p in exact])
    scores["topic_words"] = int(max(len(a.topic), len(b.topic)))
    scores["exact_passages"] = len(exact)
    scores["quote_passages"] = len(word_for_word) - len(exact)
    scores["paraphrase_passages"] = len(passages) - len(word_for_word)
    fa, fb = pa.function_ngrams, pb.function_ngrams
    shared_function = overlap(fa, fb)
    scores["function_containment_a_in_b"] = _share(shared_function, len(fa))
    scores["function_containment_b_in_a"] = _share(shared_function, len(fb))
    scores["link_similarity"], scores["strong_links"] = link_strength(passages)
    scores["in_order_share"] = in_order_share(passages)
    scores["identical_text"] = identical
    return scores, passages


FUNCTION_NGRAM = 5


def _function_ngrams(side: Side) -> np.ndarray:
    """Distinct n-grams of a text's function words (stopwords, boilerplate left out), in
    order: the skeleton of its sentences. A copy keeps it through word substitutions; two
    writers of the same facts rarely share it (Stamatatos 2011, stopword n-grams)."""
    chosen = side.keep & ~side.analysis.content
    return np.unique(ngram_hashes(side.hashes[chosen], FUNCTION_NGRAM))


def _whole_text_passages(side: Side) -> list:
    """Two identical texts: each stretch outside boilerplate is one exact passage."""
    out = []
    for first, end in true_runs(side.keep):
        start, stop = side.analysis.char_span(first, end)
        out.append(Passage("exact", start, stop, start, stop, 1.0))
    return out


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _most_kept_tokens(side: Side, spans) -> int:
    """The most non-boilerplate tokens inside any one of the character ``spans``."""
    if not spans:
        return 0
    lo, hi = token_ranges(side, spans)
    kept = np.concatenate(([0], np.cumsum(side.keep)))
    return int((kept[hi] - kept[lo]).max())


def _sentences_touched(side: Side, inside: np.ndarray) -> int:
    """How many sentences have at least one token marked ``inside``."""
    sentences = side.analysis.sentences
    if not sentences:
        return 0
    marked = np.concatenate(([0], np.cumsum(inside)))
    bounds = np.asarray(sentences, dtype=np.int64)
    return int(np.count_nonzero(marked[bounds[:, 1]] > marked[bounds[:, 0]]))


_blas = []


def small_matrix_mode():
    """Single-threaded BLAS: alignment multiplies many tiny matrices, and OpenBLAS threads
    make each product a hundred times slower than one core does (0.17 ms vs 16 ms measured).
    The loaded libraries are looked up once per process (``threadpool_limits`` looks them up
    on every call: 3.7 ms, a tenth of an archive check); each call limits and restores as
    ``threadpool_limits`` does."""
    if not _blas:
        _blas.append(ThreadpoolController())
    return _blas[0].limit(limits=1, user_api="blas")


def judge(pa: Prepared, pb: Prepared, config: Config) -> Pair:
    """The full judgement of one pair: scores, passages, verdict, source, extent.

    Call it inside :func:`small_matrix_mode` when judging many pairs."""
    scores, passages = pair_scores(pa, pb, config)
    scores["probability"] = reuse_probability(scores)
    verdict, reasons = verdict_for(scores, config, probability_drivers(scores))
    context = context_reason(scores, pa.corpus_furniture + pb.corpus_furniture, config)
    if context and verdict != "verbatim":
        reasons = reasons + [context]
    source, why = source_for(scores, verdict, pa.doc, pb.doc, config)
    copy_side = None if source is None else ("b" if source == pa.doc.id else "a")
    extent = extent_for(scores, verdict, config, copy_side)
    credit = None
    if extent is not None:
        copy = pa if (copy_side or derived_side(scores)) == "a" else pb
        credit = credit_for((pb if copy is pa else pa).doc, copy.doc)
    return Pair(pa.doc.id, pb.doc.id, verdict, source, why, extent, scores,
                tuple(passages), tuple(reasons), pair_id(pa.doc, pb.doc), credit)


def context_reason(scores: dict, furniture_lines: int, config: Config) -> str:
    """What the corpus around a pair changed in its judgement (empty when nothing): a scan
    weighs the story's topic words down and masks lines common in the corpus, ``compare``
    judges two texts alone, so their coverage can differ; the reason says so."""
    parts = []
    if scores.get("topic_words"):
        parts.append(f"{scores['topic_words']} topic words (in {config.topic_min_share:.0%} of "
                     f"the texts around it: the story's names and facts) weigh "
                     f"{config.topic_damping:.0%} in paraphrase scoring")
    if furniture_lines:
        parts.append(f"{furniture_lines} line{'' if furniture_lines == 1 else 's'} common in "
                     "the corpus masked as furniture in the two texts")
    if not parts:
        return ""
    return ("judged in its corpus: " + "; ".join(parts)
            + "; derivdetect compare judges the two texts alone, so its coverage can differ")


def compare_documents(doc_a: Document, doc_b: Document, config: Config) -> Pair:
    """Judge one pair on its own (boilerplate: furniture and repeated lines only)."""
    pa, pb = prepare(doc_a, config), prepare(doc_b, config)
    with small_matrix_mode():
        pair = judge(pa, pb, config)
    if pair.verdict in ("verbatim", "unrelated"):
        return pair
    return replace(pair, reasons=pair.reasons + (ALONE_REASON,))


#: Why ``compare`` and a scan can disagree on a pair (see :func:`context_reason`).
ALONE_REASON = ("judged alone: a scan of a corpus weighs the story's names and facts down "
                "(topic words shared by the texts around it) and masks lines common in the "
                "corpus, so its coverage of the same pair can differ")

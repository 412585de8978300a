"""Passage alignment: which stretches of two texts are the same words, and which restate each other.

Two aligners, both pure functions of two analysed texts:

* :func:`exact_passages` finds maximal shared runs of normalized words (case, punctuation,
  quotes and line wrapping ignored) of at least ``min_words`` words, by hashing word k-grams,
  extending matches along diagonals, and tiling greedily longest-first so that no two exact
  passages overlap on either side (greedy string tiling).
* :func:`paraphrase_passages` scores every sentence of one text against every sentence of the
  other (and groups of two or three consecutive sentences on either side, for merged and split
  sentences) by rare-word-weighted overlap of stemmed content words, mixed with rapidfuzz's
  character-level ``ratio`` (spelling and inflection variants); links above the threshold are
  taken greedily best-first, one link per sentence, in any order, so moved paragraphs are found.

Word weights come from wordfreq: a word's weight grows as it gets rarer in the language
(numbers and names, unknown to the lexicon, weigh most), so "Pashinyan" and "93,000" count far
more than "people" or "said". Words found in most of the texts around a text (``topic``: its
candidate partners; "Karabakh" among Karabakh stories) say what the story is about, not who
copied whom, and weigh a quarter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
from rapidfuzz import fuzz

from ..config import Config
from ..models import Passage
from ..text.normalize import Analysis
from ..text.shingle import ngram_hashes, stem_ids, token_hashes

# Part of the definition of sentence similarity (not thresholds; the thresholds are Config
# fields): a group must beat its best member, units under 5 content words are scored by
# overlap only, condensation counts at 0.8 when the lighter unit keeps a third of the heavier
# one's weight, and rapidfuzz's ratio is a quarter of the score where the overlap reaches 0.3.
GROUP_PENALTY = 0.01
_MIN_UNIT_WORDS = 5
_MIN_CONDENSED_RATIO = 0.33
_CONDENSED_DISCOUNT = 0.8
_FUZZ_WEIGHT = 0.25
_FUZZ_FLOOR = 0.3
EXACT_DONE_SHARE = 0.9
UNIT_DONE_SHARE = 1.0


@dataclass(frozen=True, eq=False)
class Side:
    """One text prepared for alignment: its analysis and which tokens are not boilerplate.

    The per-text parts of alignment (token hashes, word weights, sentence bags) are computed
    once per text and cached here, so a text aligned with many others pays for them once.
    """

    analysis: Analysis
    keep: np.ndarray
    topic: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint32))
    form_hashes: np.ndarray | None = None   # token_hashes(forms), when already known
    stem_hashes: np.ndarray | None = None   # token_hashes(stems), when already known
    compiled: bool = False                  # align with the compiled kernels (same result)
    token_weights: np.ndarray | None = None  # word_weights(analysis), when already known
    topic_damping: float = Config.topic_damping

    @cached_property
    def hashes(self) -> np.ndarray:
        if self.form_hashes is not None:
            return self.form_hashes
        return token_hashes(self.analysis.forms)

    @cached_property
    def rarity(self) -> np.ndarray:
        """Rarity weight of each token in its language, 0 for stopwords and boilerplate."""
        an = self.analysis
        weights = word_weights(an) if self.token_weights is None else self.token_weights
        return np.where(an.content & self.keep, weights, 0.0).astype(np.float32)

    @cached_property
    def weights(self) -> np.ndarray:
        """:attr:`rarity` with the story's topic words damped: the weights of paraphrase scoring."""
        weights = self.rarity
        if len(self.topic):
            ids = stem_ids(self.analysis.stems) if self.stem_hashes is None else \
                (self.stem_hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32)
            topic = np.isin(ids, self.topic)
            weights = np.where(topic, weights * self.topic_damping, weights).astype(np.float32)
        return weights

    @cached_property
    def units(self) -> "_Units":
        return _units(self)

    @property
    def char_weights(self) -> np.ndarray:
        """Characters of each token that count towards coverage (0 for boilerplate)."""
        lengths = self.analysis.ends - self.analysis.starts
        return np.where(self.keep, lengths, 0)


@lru_cache(maxsize=None)
def _frequency_dict(lang: str) -> dict:
    try:
        import wordfreq

        if lang in wordfreq.available_languages():
            return wordfreq.get_frequency_dict(lang)
    except ImportError:  # pragma: no cover - wordfreq is a dependency
        pass
    return {}


def word_weights(analysis: Analysis) -> np.ndarray:
    """Weight of each token: 1 for very common words up to 8 for words the lexicon lacks."""
    return form_weights(analysis.forms, analysis.language)


def form_weights(forms, language: str) -> np.ndarray:
    """:func:`word_weights` of a sequence of forms in ``language``."""
    freqs = _frequency_dict(language)
    frequency = np.fromiter((freqs.get(f, 0.0) for f in forms), np.float64, len(forms))
    with np.errstate(divide="ignore"):
        zipf = np.where(frequency > 0, np.log10(frequency * 1e9), 0.0)
    return (1.0 + np.maximum(0.0, 7.0 - zipf)).astype(np.float32)


# ---------------------------------------------------------------------------- exact


def exact_runs(a: Side, b: Side, min_words: int,
               stock_weight: float = Config.stock_phrase_weight) -> list:
    """Maximal shared word runs as ``(a_first_token, b_first_token, length)``, non-overlapping.

    A short run whose words are all common ("said in a statement on Monday", "the Collective
    Security Treaty Organization" in a pile about it) is a stock phrase, not copying: runs under
    twice ``min_words`` need content words of total weight ``stock_weight``
    (``Config.stock_phrase_weight``).
    """
    ha = _masked_hashes(a, salt=1)
    hb = _masked_hashes(b, salt=2)
    if len(ha) < min_words or len(hb) < min_words:
        return []
    ka = ngram_hashes(ha, min_words)
    kb = ngram_hashes(hb, min_words)
    rarity_sums = np.concatenate(([0.0], np.cumsum(a.rarity, dtype=np.float64)))
    if a.compiled:
        from ..compiled.chars import compiled

        runs = compiled().exact_runs(ka, kb, len(ha), len(hb), rarity_sums, min_words,
                                     float(stock_weight))
        return [tuple(run) for run in runs.tolist()]
    index: dict[int, list[int]] = {}
    for j, key in enumerate(kb.tolist()):
        index.setdefault(key, []).append(j)
    runs: dict[tuple[int, int], int] = {}  # (a_start, b_start) -> number of k-grams
    open_runs: dict[int, tuple[int, int]] = {}  # diagonal-end b position -> run start
    for i, key in enumerate(ka.tolist()):
        hits = index.get(key)
        if not hits:
            open_runs = {}
            continue
        next_open = {}
        for j in hits:
            start = open_runs.get(j - 1)
            if start is None:
                start = (i, j)
                runs[start] = 0
            runs[start] += 1
            next_open[j] = start
        open_runs = next_open
    candidates = sorted(
        ((count + min_words - 1, ai, bj) for (ai, bj), count in runs.items()), reverse=True)
    used_a = np.zeros(len(ha), dtype=bool)
    used_b = np.zeros(len(hb), dtype=bool)
    chosen = []
    for length, ai, bj in candidates:
        # Trim a run that overlaps an accepted one; keep what is left if still long enough.
        free = ~(used_a[ai: ai + length] | used_b[bj: bj + length])
        for start, stop in true_runs(free):
            if stop - start < min_words:
                continue
            if stop - start < 2 * min_words and \
                    rarity_sums[ai + stop] - rarity_sums[ai + start] < stock_weight:
                continue
            used_a[ai + start: ai + stop] = True
            used_b[bj + start: bj + stop] = True
            chosen.append((ai + start, bj + start, stop - start))
    return sorted(chosen)


def _masked_hashes(side: Side, salt: int) -> np.ndarray:
    """Token hashes where boilerplate tokens get values that can never match the other side."""
    hashes = side.hashes.copy()
    if not side.keep.all():
        idx = np.flatnonzero(~side.keep).astype(np.uint64)
        hashes[~side.keep] = (idx << np.uint64(8)) | np.uint64(salt) | np.uint64(1 << 63)
    return hashes


def true_runs(flags: np.ndarray) -> list:
    """``[start, stop)`` of each run of True values."""
    if not len(flags):
        return []
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def exact_passages(a: Side, b: Side, min_words: int,
                   stock_weight: float = Config.stock_phrase_weight) -> list:
    """:func:`exact_runs` as passages with character offsets."""
    out = []
    for ai, bj, length in exact_runs(a, b, min_words, stock_weight):
        a_start, a_end = a.analysis.char_span(ai, ai + length)
        b_start, b_end = b.analysis.char_span(bj, bj + length)
        out.append(Passage("exact", a_start, a_end, b_start, b_end, 1.0))
    return out


# ---------------------------------------------------------------------------- paraphrase


@dataclass(frozen=True)
class _Units:
    """The sentences of one side that have content: token ranges, and their weighted words
    as flat arrays (unit ``u`` owns ``tokens[ends[u-1]:ends[u]]``)."""

    ranges: list  # (first_token, end_token) trimmed to non-boilerplate tokens
    ends: np.ndarray  # end of each unit's slice of the arrays below
    stems: np.ndarray  # uint64 stem hash of each weighted token
    weights: np.ndarray  # float32 weight of each weighted token
    texts: list  # space-joined content forms, for rapidfuzz

    def __len__(self) -> int:
        return len(self.ranges)


def _units(side: Side) -> _Units:
    an = side.analysis
    n = len(an.forms)
    lengths = [end - first for first, end in an.sentences]
    sentence = np.repeat(np.arange(len(lengths)), lengths) if n else np.zeros(0, np.int64)
    kept = np.flatnonzero(side.keep[:n])
    weighted = kept[side.weights[kept] > 0]
    # sentences tile the tokens in order, so both are sorted: units and their bounds by search
    in_kept, in_weighted = sentence[kept], sentence[weighted]
    units = np.unique(in_weighted)
    first = kept[np.searchsorted(in_kept, units, side="left")]
    last = kept[np.searchsorted(in_kept, units, side="right") - 1]
    ranges = list(zip(first.tolist(), (last + 1).tolist()))
    ends = np.searchsorted(in_weighted, units, side="right")
    forms = an.forms
    words = [forms[t] for t in weighted.tolist()]
    bounds = ends.tolist()
    texts = [" ".join(words[begin:end]) for begin, end in zip([0, *bounds[:-1]], bounds)]
    stems = side.stem_hashes if side.stem_hashes is not None else token_hashes(an.stems)
    return _Units(ranges, ends, stems[weighted], side.weights[weighted], texts)


def _contiguous(rows: np.ndarray, size: int) -> np.ndarray:
    """For each group of ``size`` consecutive kept rows: are they consecutive units?"""
    if len(rows) < size:
        return np.zeros(0, dtype=bool)
    return rows[size - 1:] - rows[: len(rows) - size + 1] == size - 1


def _rows_of(units: _Units, rows: np.ndarray) -> tuple:
    """``(row of each word, stem hash, weight)`` of the chosen units' words."""
    begins = np.concatenate(([0], units.ends[:-1]))[rows]
    counts = units.ends[rows] - begins
    index = np.arange(counts.sum()) + np.repeat(begins - np.cumsum(counts) + counts, counts)
    return np.repeat(np.arange(len(rows)), counts), units.stems[index], units.weights[index]


def _presence_matrices(ua: _Units, rows_a: np.ndarray, ub: _Units, rows_b: np.ndarray):
    """Unit x word matrices of both sides over their common vocabulary; each cell the word's
    largest weight in the unit."""
    row_a, stem_a, weight_a = _rows_of(ua, rows_a)
    row_b, stem_b, weight_b = _rows_of(ub, rows_b)
    vocab, column = np.unique(np.concatenate((stem_a, stem_b)), return_inverse=True)
    out = []
    for rows, row, col, weight in ((rows_a, row_a, column[:len(stem_a)], weight_a),
                                   (rows_b, row_b, column[len(stem_a):], weight_b)):
        matrix = np.zeros((len(rows), len(vocab)), dtype=np.float32)
        np.maximum.at(matrix, (row, col), weight)
        out.append(matrix)
    return out


def _group(matrix: np.ndarray, size: int) -> np.ndarray:
    """Rows ``i .. i+size-1`` merged (max weight per word), for every start ``i``."""
    if len(matrix) < size:
        return np.zeros((0, matrix.shape[1]), dtype=matrix.dtype)
    merged = matrix[: len(matrix) - size + 1].copy()
    for offset in range(1, size):
        np.maximum(merged, matrix[offset: len(matrix) - size + 1 + offset], out=merged)
    return merged


def _similarity(ma: np.ndarray, mb: np.ndarray, texts_a, texts_b,
                condensation: bool = True) -> np.ndarray:
    """Sentence similarity in [0, 1]: weighted content-word overlap, condensation-aware.

    ``dice`` rewards a faithful restatement; ``containment`` of the lighter unit in the heavier
    one rewards condensation (a rewrite keeps half a long sentence). Units too light to judge
    (a few common words) score only their dice. Cells that could still reach a paraphrase are
    refined with rapidfuzz's ``token_sort_ratio`` over the content words, which credits
    spelling and inflection variants that stems miss.
    """
    if not len(ma) or not len(mb):
        return np.zeros((len(ma), len(mb)), dtype=np.float32)
    wa = ma.sum(axis=1)[:, None]
    wb = mb.sum(axis=1)[None, :]
    words_a = (ma > 0).sum(axis=1)[:, None]
    words_b = (mb > 0).sum(axis=1)[None, :]
    shared = (ma > 0).any(axis=0) & (mb > 0).any(axis=0)
    ma, mb = ma[:, shared], mb[:, shared]
    pa = (ma > 0).astype(np.float32)
    pb = (mb > 0).astype(np.float32)
    # shared weight: the smaller of the two sides' summed weights of their shared words
    # (per word the same but for its form; summed first, so not the sum of per-word minima)
    inter = np.minimum(ma @ pb.T, pa @ mb.T)
    score = 2 * inter / (wa + wb)
    if condensation:
        lighter = np.minimum(wa, wb)
        judgeable = (np.minimum(words_a, words_b) >= _MIN_UNIT_WORDS) & \
                    (lighter >= _MIN_CONDENSED_RATIO * np.maximum(wa, wb))
        containment = np.where(judgeable, inter / lighter, 0.0)
        score = np.maximum(score, _CONDENSED_DISCOUNT * containment)
    score = score.astype(np.float32)
    if _FUZZ_WEIGHT and texts_a is not None:
        rows, cols = np.nonzero(score >= _FUZZ_FLOOR)
        mixed = (1 - _FUZZ_WEIGHT) * score
        for i, j in zip(rows.tolist(), cols.tolist()):
            fuzzy = fuzz.token_sort_ratio(texts_a[i], texts_b[j]) / 100.0
            mixed[i, j] += _FUZZ_WEIGHT * fuzzy
        score = mixed
    return score


def _joined(texts: list, size: int) -> list:
    return [" ".join(texts[i: i + size]) for i in range(len(texts) - size + 1)]


def paraphrase_links(a: Side, b: Side, threshold: float, done_a: np.ndarray | None = None,
                     done_b: np.ndarray | None = None,
                     max_group: int = Config.paraphrase_max_group) -> list:
    """Aligned sentence groups as ``(similarity, (a_first, a_end), (b_first, b_end))`` unit
    ranges, best first, each sentence in at most one link per side. Units flagged in
    ``done_a``/``done_b`` (already aligned word for word) take no part: fuzzy scoring only
    where it can add something."""
    ua, ub = a.units, b.units
    rows_a = np.arange(len(ua)) if done_a is None else np.flatnonzero(~done_a)
    rows_b = np.arange(len(ub)) if done_b is None else np.flatnonzero(~done_b)
    if not len(rows_a) or not len(rows_b):
        return []
    texts_a = [ua.texts[i] for i in rows_a.tolist()]
    texts_b = [ub.texts[j] for j in rows_b.tolist()]
    ma, mb = _presence_matrices(ua, rows_a, ub, rows_b)
    candidates = []
    shapes = [(1, 1)] + [(1, k) for k in range(2, max_group + 1)] + \
             [(k, 1) for k in range(2, max_group + 1)]
    for size_a, size_b in shapes:
        ga, gb = _group(ma, size_a), _group(mb, size_b)
        if not len(ga) or not len(gb):
            continue
        sim = _similarity(ga, gb, _joined(texts_a, size_a), _joined(texts_b, size_b),
                          condensation=size_a == size_b == 1)
        if size_a > 1 or size_b > 1:
            sim = sim - GROUP_PENALTY * (size_a + size_b - 2)  # a group must beat its best member
        sim[~_contiguous(rows_a, size_a)] = -1.0
        sim[:, ~_contiguous(rows_b, size_b)] = -1.0
        rows, cols = np.nonzero(sim >= threshold)
        for i, j in zip(rows.tolist(), cols.tolist()):
            candidates.append((float(sim[i, j]), size_a + size_b, int(rows_a[i]), size_a,
                               int(rows_b[j]), size_b))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    used_a = np.zeros(len(ua), dtype=bool)
    used_b = np.zeros(len(ub), dtype=bool)
    links = []
    for score, _, i, size_a, j, size_b in candidates:
        if used_a[i: i + size_a].any() or used_b[j: j + size_b].any():
            continue
        used_a[i: i + size_a] = True
        used_b[j: j + size_b] = True
        a_range = (ua.ranges[i][0], ua.ranges[i + size_a - 1][1])
        b_range = (ub.ranges[j][0], ub.ranges[j + size_b - 1][1])
        links.append((min(score, 1.0), a_range, b_range))
    return links


def paraphrase_passages(a: Side, b: Side, threshold: float, done_a: np.ndarray | None = None,
                        done_b: np.ndarray | None = None,
                        max_group: int = Config.paraphrase_max_group) -> list:
    """:func:`paraphrase_links` as passages with character offsets."""
    out = []
    for score, (a0, a1), (b0, b1) in paraphrase_links(a, b, threshold, done_a, done_b,
                                                      max_group):
        a_start, a_end = a.analysis.char_span(a0, a1)
        b_start, b_end = b.analysis.char_span(b0, b1)
        out.append(Passage("paraphrase", a_start, a_end, b_start, b_end, score))
    return out


# ---------------------------------------------------------------------------- coverage


def tokens_in_spans(side: Side, spans) -> np.ndarray:
    """True for each token of the side that lies inside one of the character ``spans``."""
    starts = side.analysis.starts
    lo, hi = token_ranges(side, spans)
    size = len(starts) + 1
    depth = np.bincount(lo, minlength=size) - np.bincount(hi, minlength=size)
    return np.cumsum(depth[:-1]) > 0


def token_ranges(side: Side, spans) -> tuple:
    """``(first, end)`` token index arrays of the character ``spans``: token ``t`` lies in
    span ``k`` when ``first[k] <= t < end[k]``."""
    bounds = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    starts = side.analysis.starts
    return np.searchsorted(starts, bounds[:, 0]), np.searchsorted(starts, bounds[:, 1])


def char_share(side: Side, inside: np.ndarray) -> float:
    """Share of the side's countable characters (tokens outside boilerplate) in the tokens
    marked ``inside``."""
    weights = side.char_weights
    total = weights.sum()
    return float(weights[inside].sum() / total) if total else 0.0


def align_passages(a: Side, b: Side, min_words: int, threshold: float,
                   max_group: int = Config.paraphrase_max_group,
                   stock_weight: float = Config.stock_phrase_weight) -> list:
    """All passages of a pair: exact runs, then paraphrased sentences. A sentence whose words
    are (almost) all in exact runs is already aligned and is not scored again; a paraphrase
    passage (almost) wholly exact on both sides adds nothing and is dropped. The arguments
    are the ``Config`` fields ``min_exact_words``, ``paraphrase_threshold``,
    ``paraphrase_max_group`` and ``stock_phrase_weight``."""
    exact = exact_passages(a, b, min_words, stock_weight)
    mask_a = tokens_in_spans(a, [(p.a_start, p.a_end) for p in exact])
    mask_b = tokens_in_spans(b, [(p.b_start, p.b_end) for p in exact])
    out = list(exact)
    for p in paraphrase_passages(a, b, threshold, _done_units(a, mask_a),
                                 _done_units(b, mask_b), max_group):
        if (_span_share(a, (p.a_start, p.a_end), mask_a) >= EXACT_DONE_SHARE
                and _span_share(b, (p.b_start, p.b_end), mask_b) >= EXACT_DONE_SHARE):
            continue
        out.append(p)
    return sorted(out, key=lambda p: (p.a_start, p.kind))


def _done_units(side: Side, exact: np.ndarray) -> np.ndarray:
    """Units whose tokens lie (almost) all inside exact passages."""
    if not exact.any():
        return np.zeros(len(side.units.ranges), dtype=bool)
    totals = np.concatenate(([0], np.cumsum(exact)))
    ranges = np.asarray(side.units.ranges, dtype=np.int64).reshape(-1, 2)
    first, end = ranges[:, 0], ranges[:, 1]
    return (totals[end] - totals[first]) >= UNIT_DONE_SHARE * (end - first)


def _span_share(side: Side, span, exact: np.ndarray) -> float:
    """Share of the tokens in the character ``span`` marked in ``exact``."""
    lo, hi = np.searchsorted(side.analysis.starts, span)
    if hi <= lo:
        return 0.0
    return float(exact[lo:hi].mean())

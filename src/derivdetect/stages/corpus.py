"""The corpus stage: what judging needs from the sketches of the whole corpus.

From a sketched corpus (``sketch.Sketches``, one row per document) it makes the candidate pairs
(three routes: LSH bands, shared rare rewrite keys, the same bytes), the corpus's furniture
(line keys common to many documents) and each candidate's topic words (stems in most of the
texts around it), all pure functions of plain arrays. Judging uses only a :class:`Candidates`,
so the sketches can be dropped once it is made. An engine that keeps its own counts (an
archive, Spark) computes the same three things its own way and builds the same object.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..compiled import use_compiled
from ..config import Config
from .candidates import lsh_candidates, merge_candidates, shared_key_candidates
from .sketch import Sketches

Split = Optional[Callable[[str], None]]


@dataclass(frozen=True, eq=False)
class Candidates:
    """What judging needs from the sketches: the candidate ``pairs`` (``int64[n, 2]``
    document indexes, ``i < j``), the corpus ``furniture`` (common line keys), each
    candidate document's ``topics`` (its topic words' stem ids) and ``furniture_used`` (a
    digest of the common lines it holds: what its judgements depend on), and the size of
    the sketches they came from."""

    pairs: np.ndarray
    furniture: frozenset
    topics: dict
    furniture_used: dict
    sketch_bytes: int


#: How many of a document's MinHash values mark which story it is (:func:`story_marks`).
FURNITURE_MARKS = 8


def story_marks(signatures: np.ndarray) -> np.ndarray:
    """The first :data:`FURNITURE_MARKS` MinHash values of each document (``uint32[n, k]``):
    two texts agree on each with probability their Jaccard similarity, so copies of one
    story agree on most of them and unrelated texts sharing a footer on almost none.
    (Documents without shingles share one mark.)"""
    return np.ascontiguousarray(signatures[:, :FURNITURE_MARKS], dtype=np.uint32)


def distinct_marks(which: np.ndarray, marks: np.ndarray, n: int) -> np.ndarray:
    """``int64[n, k]``: for each of ``n`` line keys and each mark, the number of distinct
    values among the documents holding the key (``which[e]``: the key of holding ``e``,
    ``marks[e]``: its document's :func:`story_marks`)."""
    which = np.asarray(which, dtype=np.int64)
    if use_compiled(len(which)):
        from ..compiled.chars import compiled

        return compiled().distinct_counts(which, np.ascontiguousarray(marks), n)
    out = np.zeros((n, marks.shape[1]), np.int64)
    if len(which):
        for r in range(out.shape[1]):
            held = np.unique(which << np.int64(32) | marks[:, r].astype(np.int64))
            out[:, r] = np.bincount(held >> np.int64(32), minlength=n)
    return out


def independent(distinct: np.ndarray, min_docs: int) -> np.ndarray:
    """Which line keys recur in at least ``min_docs`` different stories: more than a
    quarter of the marks (3 of 8) show that many distinct values among their holders
    (:func:`distinct_marks`). Copies of one story agree on most marks, so few show them
    apart; texts that are mostly one site's menu agree on many marks too (about half of
    them when the menu is two thirds of each text), and a majority rule took them for
    copies; a quarter still tells copies (pairwise Jaccard 0.8 or more) from them."""
    return 4 * np.count_nonzero(distinct >= min_docs, axis=1) > distinct.shape[1]


#: Holders of a line looked at first (:func:`furniture_among`).
FIRST_HOLDERS = 64


def first_holdings(which: np.ndarray, n: int, first: int = FIRST_HOLDERS) -> np.ndarray:
    """``bool`` per entry: the first ``first`` entries of each key ``which[e]`` (``0..n-1``)
    in array order. The reference path sorts; the compiled one is one pass (12 million
    holdings at a million documents)."""
    which = np.asarray(which, dtype=np.int64)
    if use_compiled(len(which)):
        from ..compiled.chars import compiled

        return compiled().first_holdings(which, n, first)
    held = np.bincount(which, minlength=n)
    order = np.argsort(which, kind="stable")
    starts = np.concatenate(([0], np.cumsum(held)[:-1]))
    rank = np.empty(len(which), dtype=np.int64)
    rank[order] = np.arange(len(which)) - starts[which[order]]
    return rank < first


def furniture_among(which: np.ndarray, holders: np.ndarray, marks_of: Callable, n: int,
                    min_docs: int) -> np.ndarray:
    """``bool[n]``: which of ``n`` line keys are furniture (:func:`independent` over their
    holders' marks), ``which[e]`` being the key of holding ``e`` and ``holders[e]`` its
    document, whose marks ``marks_of(documents)`` gives. A site's footer is held by most of
    a corpus, so each key's first :data:`FIRST_HOLDERS` holdings are looked at first:
    distinct counts only grow with more holders, so a key that is furniture among them is
    furniture, and only the others are looked at whole (the same answer, read from 64
    holdings instead of 100,000)."""
    which = np.asarray(which, dtype=np.int64)
    held = np.bincount(which, minlength=n)
    out = np.zeros(n, dtype=bool)
    if not len(which):
        return out
    wanted = held >= min_docs
    for chosen in (wanted[which] & first_holdings(which, n), None):
        if chosen is None:
            rest = wanted & ~out & (held > FIRST_HOLDERS)
            if not rest.any():
                break
            chosen = rest[which]
        stories = distinct_marks(which[chosen], marks_of(holders[chosen]), n)
        out |= independent(stories, min_docs)
    return out


def common_lines(sketches: Sketches, min_docs: int) -> frozenset:
    """Line keys found in at least ``min_docs`` documents that are not copies of one
    another: the corpus's furniture (menus, share bars, sign-offs), masked as boilerplate
    when judging. A wire story republished in many files keeps its short paragraphs: they
    recur only among copies of it (:func:`independent`)."""
    if not len(sketches.lines):
        return frozenset()
    lines = sketches.lines
    if use_compiled(len(sketches)):
        keys, counts = np.unique(lines, return_counts=True)
        common = keys[counts >= min_docs]
        if not len(common):
            return frozenset()
        at = _index_in(common, lines)
    else:
        keys, inverse, counts = np.unique(lines, return_inverse=True, return_counts=True)
        is_common = counts >= min_docs
        common = keys[is_common]
        if not len(common):
            return frozenset()
        at = np.where(is_common, np.cumsum(is_common) - 1, -1)[inverse]
    held = at >= 0
    doc_of = np.repeat(np.arange(len(sketches), dtype=np.int64),
                       np.diff(sketches.line_ends, prepend=0))[held]
    marks = story_marks(sketches.signatures)
    found = furniture_among(at[held], doc_of, marks.__getitem__, len(common), min_docs)
    return frozenset(common[found].tolist())


def _index_in(common: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """The index of each of ``lines`` in ``common`` (distinct keys), -1 when absent: one
    hash table lookup each (a binary search each took 28 s at 30 million lines). The table
    cannot hold the key 0, which is looked up apart."""
    from ..compiled.chars import compiled

    k = compiled()
    size = 16
    while size < 2 * len(common):
        size *= 2
    slots, ids = np.zeros(size, np.uint64), np.zeros(size, np.int64)
    stored = np.flatnonzero(common != 0)
    k.table_insert(slots, ids, common[stored], 0)
    found = k.table_find(slots, ids, lines)
    if len(stored):
        found = np.where(found >= 0, stored[np.maximum(found, 0)], -1)
    if len(stored) < len(common):
        found[lines == 0] = int(np.flatnonzero(common == 0)[0])
    return found


def furniture_digests(sketches: Sketches, furniture: frozenset, documents) -> dict:
    """For each of ``documents``, a digest of the furniture lines it holds. A judgement of
    two documents depends on the corpus only through these lines and their topic words, so
    a line becoming common elsewhere changes no other judgement."""
    common = np.array(sorted(furniture), dtype=np.uint64)
    out = {}
    for i in documents:
        held = np.intersect1d(sketches.lines_of(i), common, assume_unique=True)
        out[i] = hashlib.sha1(held.tobytes()).hexdigest()[:16] if len(held) else ""
    return out


def topic_words(sketches: Sketches, candidates: np.ndarray, config: Config) -> dict:
    """Each document's topic words: stems in at least ``topic_min_share`` of the texts around
    it (itself and its candidate partners, when there are at least ``topic_min_partners``).
    They are what a story is about (names, places, the event), shared by copies and
    independent reports alike, so they weigh less in paraphrase scoring. Returns
    ``{document index: sorted uint32 stem ids}``."""
    partners: dict[int, list] = {}
    for i, j in candidates.tolist():
        partners.setdefault(i, []).append(j)
        partners.setdefault(j, []).append(i)
    out = {}
    for i, around in partners.items():
        topic = topic_of_group([sketches.stems_of(k) for k in topic_group(i, around, config)],
                               config)
        if topic is not None:
            out[i] = topic
    return out


def topic_group(i: int, partners, config: Config) -> list:
    """The texts whose stems make document ``i``'s topic words: itself and its first
    ``topic_max_group - 1`` candidate partners in corpus order."""
    return [i] + sorted(partners)[:config.topic_max_group - 1]


def topic_of_group(stem_lists: list, config: Config) -> Optional[np.ndarray]:
    """The topic words of a group of texts (:func:`topic_group`, their stems): stems in at
    least ``topic_min_share`` of them, when there are at least ``topic_min_partners``
    partners; None otherwise."""
    if len(stem_lists) < config.topic_min_partners + 1:
        return None
    ids, counts = np.unique(np.concatenate(stem_lists), return_counts=True)
    topic = ids[counts >= config.topic_min_share * len(stem_lists)]
    return topic if len(topic) else None


def same_bytes_pairs(content_hashes: list) -> np.ndarray:
    """Pairs of documents with the same bytes (each copy paired with the first), whatever
    their sketches say: an empty or unreadable-as-words file copied under two names is still
    a copy. An empty hash matches nothing."""
    n = len(content_hashes)
    hashes = np.array([h or f"\0{i}" for i, h in enumerate(content_hashes)])
    _, first, group = np.unique(hashes, return_index=True, return_inverse=True)
    copies = np.flatnonzero(first[group] != np.arange(n))
    return np.stack((first[group][copies], copies), axis=1).astype(np.int64)


def find_candidates(content_hashes: list, sketches: Sketches, config: Config,
                    consume: bool = False, split: Split = None) -> np.ndarray:
    """Candidate pairs (document indexes) from the three routes; never all pairs.
    ``consume`` lets the rewrite-key route sort ``sketches.keys`` in place (a scan that has
    saved its sketches needs them no more): 1.8 GB less at a million articles. ``split(step)``
    is told when each route is done (for the scan's timings)."""
    n = len(sketches)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)

    def by_lsh():
        return lsh_candidates(sketches.signatures, config.lsh_threshold, config.lsh_max_bucket)

    def by_keys():
        return shared_key_candidates(sketches.keys, sketches.key_counts(),
                                     config.rewrite_max_df, config.rewrite_min_shared,
                                     in_place=consume, workers=config.workers,
                                     short_share=config.rewrite_short_share)

    if use_compiled(n) and config.cores() > 1:
        # numpy's sorts and ufuncs and the kernels release the GIL: the LSH route runs on a
        # thread beside the rewrite-key route, filling its serial steps (the sort of all keys)
        with ThreadPoolExecutor(max_workers=1) as pool:
            lsh = pool.submit(by_lsh)
            keys = by_keys()
            lsh = lsh.result()
        if split:
            split("candidates: LSH and rewrite keys, side by side")
    else:
        lsh = by_lsh()
        if split:
            split("candidates: LSH")
        keys = by_keys()
        if split:
            split("candidates: rewrite keys")
    return merge_candidates(n, lsh, keys, same_bytes_pairs(content_hashes))


def candidate_stage(content_hashes: list, sketches: Sketches, config: Config,
                    consume: bool = False, split: Split = None) -> Candidates:
    """Furniture, candidate pairs and topic words of a sketched corpus (``content_hashes``:
    each document's, for the same-bytes route; ``consume``, ``split``: see
    :func:`find_candidates`)."""
    furniture = common_lines(sketches, config.boilerplate_min_docs)
    nbytes = int(sketches.nbytes)
    pairs = find_candidates(content_hashes, sketches, config, consume, split)
    topics = topic_words(sketches, pairs, config)
    used = furniture_digests(sketches, furniture, np.unique(pairs).tolist())
    if split:
        split("candidates: topic words")
    return Candidates(pairs, furniture, topics, used, nbytes)

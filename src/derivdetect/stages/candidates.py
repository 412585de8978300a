"""Candidate pairs without comparing all pairs: two routes, both over flat arrays, each in two
halves: the keys one document emits (:func:`document_keys`: a pure function of its sketch,
what an archive stores and looks up) and the grouping of keys across documents into pairs
(:func:`lsh_candidates`, :func:`shared_key_candidates`: here a sort; on Spark a groupBy).

1. **LSH banding** of MinHash signatures (word shingles): copies and light edits. Signatures
   are cut into ``b`` bands of ``r`` rows (chosen like datasketch's ``MinHashLSH`` for the
   threshold); documents sharing a band are candidates. Bands are sorted with numpy instead
   of kept in a dict of buckets: same result, a fraction of the memory.
2. **Shared rare content keys**: rewrites share few word 5-grams (seed 000 and its source:
   Jaccard 0.022), but they keep pairs of content words in order ("Lachin Corridor",
   "peacekeep soon", "93000 karabakh"). Every document's stemmed content-word n-grams are
   posted in one sorted array; keys in more than ``max_df`` documents (stock phrases, the
   week's names) are dropped, so the work per key is bounded and the route scales with the
   corpus, not its square. Pairs sharing at least ``min_shared`` keys are candidates.

Each route returns pairs ``(i, j)`` with ``i < j`` as an ``int64[n, 2]`` array of document
indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import numpy as np

from ..compiled import use_compiled
from ..config import Config
from .signature import EMPTY

BLOCK_DOCS = 5_000
_BAND_SEED = np.uint64(0x9E3779B97F4A7C15)
_BAND_PRIME = np.uint64(0x100000001B3)


@dataclass(frozen=True, eq=False)
class DocumentKeys:
    """The keys one document emits for candidate generation: its LSH band keys
    (``uint64[bands]``, none for a text without word shingles), its rewrite keys and its
    line keys (both distinct ``uint64``). Two documents are candidates when they share a band
    key, or enough rewrite keys that few other documents hold."""

    bands: np.ndarray
    rewrite: np.ndarray
    lines: np.ndarray


def document_keys(sketches, i: int, config: Config) -> DocumentKeys:
    """The keys of document ``i`` of a sketch table (pure: from its sketch alone)."""
    signature = sketches.signatures[i]
    bands, rows = lsh_params(config.lsh_threshold, config.num_perm)
    if (signature == EMPTY).all():
        band_values = np.empty(0, dtype=np.uint64)
    else:
        band_values = band_keys(sketches.signatures, bands, rows, np.array([i]))[:, 0]
    return DocumentKeys(band_values, sketches.keys_of(i).copy(), sketches.lines_of(i).copy())


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` minimizing false positives + false negatives around ``threshold``,
    as datasketch's ``MinHashLSH`` chooses them (its ``_optimal_param`` with weights 0.5,
    0.5; a test checks they agree). Both error integrals are of polynomials of degree at most
    ``num_perm`` in the Jaccard similarity, so Gauss-Legendre quadrature of ``num_perm // 2 +
    1`` points is exact: the same minimum as datasketch's ``scipy.integrate.quad``, without
    the second it takes to import scipy."""
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    bands, rows = zip(*[(b, r) for b in range(1, num_perm + 1)
                        for r in range(1, num_perm // b + 1)])
    bands, rows = np.array(bands, dtype=float)[:, None], np.array(rows, dtype=float)[:, None]

    def integral(lo: float, hi: float, false_negative: bool) -> np.ndarray:
        s = (hi - lo) / 2 * nodes + (hi + lo) / 2
        collide = 1 - (1 - s ** rows) ** bands
        return (hi - lo) / 2 * ((1 - collide if false_negative else collide) @ weights)

    error = 0.5 * integral(0.0, threshold, False) + 0.5 * integral(threshold, 1.0, True)
    best = int(np.argmin(error))            # the first minimum, in datasketch's loop order
    return int(bands[best, 0]), int(rows[best, 0])


def _pairs_in_sorted_groups(keys: np.ndarray, docs: np.ndarray, max_group: int,
                            star_above: bool) -> np.ndarray:
    """All pairs of documents that share a key. ``keys`` sorted; each (key, doc) unique.

    Groups larger than ``max_group`` are dropped, or (``star_above``) linked to their first
    member only, which keeps a cluster of thousands of identical copies linear in size.
    """
    if len(keys) < 2:
        return np.empty((0, 2), dtype=np.int64)
    boundaries = np.flatnonzero(np.diff(keys)) + 1
    starts = np.concatenate(([0], boundaries))
    sizes = np.diff(np.concatenate((starts, [len(keys)])))
    group_size = np.repeat(sizes, sizes)
    group_start = np.repeat(starts, sizes)
    out = []
    small = (group_size >= 2) & (group_size <= max_group)
    k, d = keys[small], docs[small]
    for offset in range(1, max_group):
        if offset >= len(k):
            break
        same = k[:-offset] == k[offset:]
        if not same.any():
            break
        out.append(np.stack((d[:-offset][same], d[offset:][same]), axis=1))
    if star_above:
        big = group_size > max_group
        if big.any():
            firsts = docs[group_start[big]]
            members = docs[big]
            keep = members != firsts
            out.append(np.stack((firsts[keep], members[keep]), axis=1))
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(out).astype(np.int64)
    return np.sort(pairs, axis=1)


def _unique_pairs(pairs: np.ndarray, n_docs: int, min_count: int = 1) -> np.ndarray:
    if not len(pairs):
        return pairs
    codes = pairs[:, 0] * n_docs + pairs[:, 1]
    codes, counts = np.unique(codes, return_counts=True)
    codes = codes[counts >= min_count]
    return np.stack((codes // n_docs, codes % n_docs), axis=1)


def band_keys(signatures: np.ndarray, bands: int, rows: int, docs: np.ndarray,
              first_band: int = 0) -> np.ndarray:
    """The 64-bit keys of bands ``first_band`` .. ``first_band + bands - 1`` (``rows``
    signature columns each) of the documents ``docs``, ``uint64[bands, len(docs)]``: a hash
    of each band's values, salted by the band's number, so that keys of different bands
    never meet. All bands in ``rows`` vector steps (a check's one document: 3 ms of numpy
    calls band by band, 0.1 ms at once)."""
    columns = signatures[docs, first_band * rows:(first_band + bands) * rows] \
        .astype(np.uint64).reshape(len(docs), bands, rows)
    with np.errstate(over="ignore"):
        seeds = np.arange(first_band + 1, first_band + bands + 1, dtype=np.uint64) * _BAND_SEED
        key = np.repeat(seeds[:, None], len(docs), axis=1)
        for col in range(rows):
            key ^= columns[:, :, col].T
            key *= _BAND_PRIME
            key ^= key >> np.uint64(31)
    return key


def band_key_column(signatures: np.ndarray, band: int, rows: int,
                    docs: np.ndarray) -> np.ndarray:
    """The keys of band ``band`` alone (:func:`band_keys`), for the documents ``docs``."""
    return band_keys(signatures, 1, rows, docs, band)[0]


def lsh_candidates(signatures: np.ndarray, threshold: float,
                   max_bucket: int = Config.lsh_max_bucket) -> np.ndarray:
    """Pairs whose signatures (``uint32[n_docs, num_perm]``) collide in at least one band
    (documents without shingles take no part): the band keys of :func:`band_key_column`,
    band by band, grouped by :func:`pairs_in_bands`."""
    n_docs, num_perm = signatures.shape
    if n_docs < 2:
        return np.empty((0, 2), dtype=np.int64)
    bands, rows = lsh_params(threshold, num_perm)
    docs = np.flatnonzero(~(signatures == EMPTY).all(axis=1))
    columns = ((docs, band_key_column(signatures, band, rows, docs)) for band in range(bands))
    return pairs_in_bands(columns, n_docs, max_bucket)


def pairs_in_bands(columns: Iterable, n_docs: int,
                   max_bucket: int = Config.lsh_max_bucket) -> np.ndarray:
    """The grouping half of the LSH route: pairs of documents sharing a key in any of the
    ``(documents, keys)`` columns (one per band). A bucket of more than ``max_bucket``
    documents links them to its first member only.

    Each key keeps its high bits and takes the document's index in the low ones, and the
    column is sorted as plain ``uint64`` values (numpy's radix sort: several times faster
    than an argsort). Truncating a 64-bit key to ``64 - log2(n_docs)`` bits lets a few
    unrelated documents collide (at a million documents, about one pair per 30 bands),
    which verification rejects."""
    doc_bits = max(1, int(n_docs - 1).bit_length())
    low = np.uint64((1 << doc_bits) - 1)
    found = []
    for docs, key in columns:
        key = key & ~low
        key |= np.asarray(docs).astype(np.uint64)
        key.sort()
        found.append(_pairs_in_sorted_groups(key >> np.uint64(doc_bits),
                                             (key & low).astype(np.int64), max_bucket, True))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    return _unique_pairs(np.concatenate(found), n_docs)


def required_shared(len_a, len_b, min_shared: int,
                    short_share: float = Config.rewrite_short_share):
    """Keys a pair must share: ``min_shared``, or fewer for short texts: ``short_share`` of the
    shorter text's keys (at least one), so that a one-paragraph brief lifted from a wire
    story, which has only a handful of keys, can still become a candidate."""
    short = np.minimum(len_a, len_b)
    return np.minimum(min_shared, np.maximum(1, np.ceil(short_share * short)))


def shared_key_candidates(keys: np.ndarray, lengths: np.ndarray, max_df: int,
                          min_shared: int, fast: bool | None = None,
                          in_place: bool = False, workers: int = 0,
                          short_share: float = Config.rewrite_short_share) -> np.ndarray:
    """Pairs sharing enough keys (:func:`required_shared`) among those in at most ``max_df``
    documents. ``keys`` holds each document's distinct ``uint64`` keys one after the
    other, ``lengths[i]`` how many are document ``i``'s. ``fast`` (default: from
    :func:`compiled.use_compiled`) counts pairs in a compiled kernel, one document's
    partners at a time; otherwise block by block with numpy. Both give the same pairs.
    ``in_place`` sorts ``keys`` itself instead of a copy (it is then no longer usable).
    The compiled path runs on ``workers`` threads (0: one per core).
    """
    n_docs = len(lengths)
    lengths = np.asarray(lengths, dtype=np.int64)
    if n_docs < 2 or lengths.sum() == 0:
        return np.empty((0, 2), dtype=np.int64)
    # One uint64 per (key, document): the key's high bits and the document's index in the low
    # bits, sorted in place; no index arrays. Truncating keys to 64 - doc_bits bits merges a
    # few unrelated keys, which only adds a rare spurious shared key.
    doc_bits = max(1, int(n_docs - 1).bit_length())
    low = np.uint64((1 << doc_bits) - 1)
    if in_place and isinstance(keys, np.ndarray) and keys.dtype == np.uint64:
        entries = keys
        entries &= ~low
    else:
        entries = np.asarray(keys, dtype=np.uint64) & ~low
    if fast is None:
        fast = use_compiled(n_docs)
    if fast:
        from ..compiled.chars import compiled, threads

        k = compiled()
        k.mark_documents(entries, np.cumsum(lengths))
        entries.sort()
        with threads(workers) as parts:
            group_docs, group_ends = k.rare_key_groups(entries, doc_bits, max_df, parts)
            del entries
            if len(group_docs) >= 2**31:  # pragma: no cover - some 15 million articles
                raise MemoryError("too many shared rewrite keys for one scan; scan in parts")
            by_length = required_shared(np.arange(lengths.max() + 1), np.inf, min_shared,
                                        short_share)
            return k.count_shared_keys(group_docs, group_ends, n_docs, lengths,
                                       by_length.astype(np.int64), parts)
    entries |= np.repeat(np.arange(n_docs, dtype=np.uint64), lengths)
    entries.sort()
    return _shared_key_pairs_by_block(entries, doc_bits, lengths, max_df, min_shared, short_share)


def _shared_key_pairs_by_block(entries, doc_bits, lengths, max_df, min_shared,
                               short_share) -> np.ndarray:
    n_docs = len(lengths)
    low = np.uint64((1 << doc_bits) - 1)
    keys = entries >> np.uint64(doc_bits)
    # Keep only keys found in 2..max_df documents (most keys are in one document only).
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sizes = np.diff(np.concatenate((starts, [len(keys)])))
    useful = np.repeat((sizes >= 2) & (sizes <= max_df), sizes)
    keys = keys[useful]
    docs = (entries[useful] & low).astype(np.int64)
    del entries, useful, starts, sizes
    # Count pairs block by block of documents, so that only one block's pair list is in
    # memory at a time; a pair's keys all meet in its block, so it is judged there, whole.
    blocks = max(1, -(-n_docs // BLOCK_DOCS))
    block_size = -(-n_docs // blocks)
    block_of = docs // block_size
    found = []
    for first in range(blocks):
        for second in range(first, blocks):
            chosen = (block_of == first) | (block_of == second)
            pairs = _pairs_in_sorted_groups(keys[chosen], docs[chosen], max_df, False)
            if not len(pairs):
                continue
            if first != second:
                pairs = pairs[(pairs[:, 0] // block_size) != (pairs[:, 1] // block_size)]
            codes, counts = np.unique(pairs[:, 0] * n_docs + pairs[:, 1], return_counts=True)
            a, b = codes // n_docs, codes % n_docs
            keep = counts >= required_shared(lengths[a], lengths[b], min_shared, short_share)
            found.append(np.stack((a[keep], b[keep]), axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    return np.concatenate(found)


def merge_candidates(n_docs: int, *routes: np.ndarray) -> np.ndarray:
    """The union of several routes' pairs, sorted."""
    routes = [r for r in routes if len(r)]
    if not routes:
        return np.empty((0, 2), dtype=np.int64)
    return _unique_pairs(np.concatenate(routes), n_docs)

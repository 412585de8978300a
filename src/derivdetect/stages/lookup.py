"""The corpus stage by lookup: candidates, furniture and topic words of a few new articles
against an indexed corpus, without grouping the whole corpus's keys again.

A scan groups every document's keys at once (``candidates``); an archive that checks one new
article against 100,000 stored ones keeps each kind of key's postings sorted instead
(:class:`KeySegment`, built once and then one small segment per batch of additions) and
looks the new article's keys up. The rules are the scan's, key by key, so the pairs,
furniture and topic words are those a scan of the whole corpus would give:

- band keys (:func:`candidates.document_keys`): documents sharing one are candidates; a
  bucket of more than ``lsh_max_bucket`` documents links its members to its first only;
- rewrite keys held by 2 to ``rewrite_max_df`` documents count toward
  :func:`candidates.required_shared`;
- the same bytes: each copy is paired with the first document with that content hash;
- furniture: line keys of at least ``boilerplate_min_docs`` documents that are not copies
  of one another (``corpus.common_lines``);
- topic words: :func:`corpus.topic_of_group` over a document's partners in the whole corpus.

Positions are corpus order (an archive's row numbers; new articles after them), and
``alive`` (a boolean array by position) says which documents take part: current versions,
without the archived versions of the articles being checked. One difference from a scan:
a scan cuts keys to make room for the document's index in 64 bits (at a million documents a
few spurious collisions, which verification rejects); lookups compare whole keys.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..config import Config
from .candidates import band_keys as band_key_matrix
from .candidates import document_keys, lsh_params, required_shared
from .corpus import furniture_among, story_marks
from .signature import EMPTY

_EMPTY_KEYS = np.empty(0, dtype=np.uint64)
_EMPTY_DOCS = np.empty(0, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class KeySegment:
    """The keys of a set of documents, each kind sorted with the position of the document
    holding it (``*_keys`` sorted ``uint64``, ``*_docs`` ``int64`` positions), and each
    document's number of distinct rewrite keys and story marks (``positions`` sorted,
    ``key_counts``, ``marks``: ``corpus.story_marks``)."""

    positions: np.ndarray
    key_counts: np.ndarray
    marks: np.ndarray
    band_keys: np.ndarray
    band_docs: np.ndarray
    rewrite_keys: np.ndarray
    rewrite_docs: np.ndarray
    line_keys: np.ndarray
    line_docs: np.ndarray
    hash_keys: np.ndarray
    hash_docs: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self.__dataclass_fields__)


_POSTINGS = (("band_keys", "band_docs"), ("rewrite_keys", "rewrite_docs"),
             ("line_keys", "line_docs"), ("hash_keys", "hash_docs"))


def hash_key(content_hash: str) -> Optional[int]:
    """The 64-bit key of a content hash, or None for no hash (an empty hash matches nothing,
    as in ``corpus.same_bytes_pairs``)."""
    if not content_hash:
        return None
    digest = hashlib.blake2b(content_hash.encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(digest.digest(), "little")


def _sorted_postings(keys: list, docs: list) -> tuple:
    keys = np.concatenate(keys).astype(np.uint64) if keys else _EMPTY_KEYS
    docs = np.concatenate(docs).astype(np.int64) if docs else _EMPTY_DOCS
    order = np.lexsort((docs, keys))
    return keys[order], docs[order]


def segment_of(sketches, positions, content_hashes: list, config: Config) -> KeySegment:
    """The key segment of the documents of a sketch table, at ``positions`` (increasing).
    Band keys are those of :func:`candidates.document_keys`, made a band at a time."""
    positions = np.asarray(positions, dtype=np.int64)
    bands, rows = lsh_params(config.lsh_threshold, config.num_perm)
    shingled = np.flatnonzero(~(sketches.signatures == EMPTY).all(axis=1))
    band_keys = list(band_key_matrix(sketches.signatures, bands, rows, shingled))
    band_docs = [positions[shingled]] * bands
    fields = {}
    fields["band_keys"], fields["band_docs"] = _sorted_postings(band_keys, band_docs)
    for name in ("rewrite", "line"):
        values, ends = (sketches.keys, sketches.key_ends) if name == "rewrite" else \
            (sketches.lines, sketches.line_ends)
        docs = np.repeat(positions, np.diff(ends, prepend=0))
        fields[f"{name}_keys"], fields[f"{name}_docs"] = _sorted_postings([values], [docs])
    coded = [(hash_key(h), p) for h, p in zip(content_hashes, positions.tolist()) if h]
    fields["hash_keys"], fields["hash_docs"] = _sorted_postings(
        [np.array([c for c, _ in coded], dtype=np.uint64)],
        [np.array([p for _, p in coded], dtype=np.int64)])
    return KeySegment(positions, sketches.key_counts().astype(np.int64),
                      story_marks(sketches.signatures), **fields)


def merge_segments(segments: list) -> KeySegment:
    """One segment holding the documents of several, given in position order (each after
    the one before: an index's segments are). Each posting list is the segments' sorted
    lists one after the other, sorted stably by key: a merge of sorted runs, and within a
    key the documents stay in position order."""
    if len(segments) == 1:
        return segments[0]
    fields = {}
    for key_name, doc_name in _POSTINGS:
        keys = np.concatenate([getattr(s, key_name) for s in segments])
        order = np.argsort(keys, kind="stable")
        fields[key_name] = keys[order]
        fields[doc_name] = np.concatenate([getattr(s, doc_name) for s in segments])[order]
        del keys, order
    return KeySegment(np.concatenate([s.positions for s in segments]),
                      np.concatenate([s.key_counts for s in segments]),
                      np.concatenate([s.marks for s in segments]), **fields)


def postings(segments: list, kind: str, queries: np.ndarray, alive: np.ndarray,
             cap: Optional[int] = None) -> tuple:
    """``(query index, position)`` of every alive document holding each of ``queries``
    (``kind``: ``band``, ``rewrite``, ``line`` or ``hash``). With ``cap``, keys held by more
    than ``cap`` alive documents are left out (their postings are not even read when there
    are more than ``cap`` plus the dead documents' number)."""
    queries = np.asarray(queries, dtype=np.uint64)
    spans = []
    totals = np.zeros(len(queries), dtype=np.int64)
    for segment in segments:
        keys = getattr(segment, f"{kind}_keys")
        lo = np.searchsorted(keys, queries, "left")
        hi = np.searchsorted(keys, queries, "right")
        spans.append((segment, lo, hi))
        totals += hi - lo
    if cap is not None:
        keep = totals <= cap + int(len(alive) - np.count_nonzero(alive))
        spans = [(s, np.where(keep, lo, 0), np.where(keep, hi, 0)) for s, lo, hi in spans]
    which_parts, doc_parts = [], []
    for segment, lo, hi in spans:
        counts = hi - lo
        if not counts.any():
            continue
        which = np.repeat(np.arange(len(queries)), counts)
        starts = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        docs = getattr(segment, f"{kind}_docs")[np.arange(int(counts.sum())) + starts]
        which_parts.append(which)
        doc_parts.append(docs)
    if not doc_parts:
        return _EMPTY_DOCS, _EMPTY_DOCS
    which, docs = np.concatenate(which_parts), np.concatenate(doc_parts)
    live = alive[docs]
    which, docs = which[live], docs[live]
    if cap is not None and len(which):
        held = np.bincount(which, minlength=len(queries))
        ok = held[which] <= cap
        which, docs = which[ok], docs[ok]
    return which, docs


def _per_document(segments: list, positions: np.ndarray, name: str) -> np.ndarray:
    """A per-document array of the segments (``key_counts`` or ``marks``) at ``positions``."""
    shape = (len(positions),) + getattr(segments[0], name).shape[1:] if segments else \
        (len(positions),)
    out = np.zeros(shape, dtype=getattr(segments[0], name).dtype if segments else np.int64)
    for segment in segments:
        at = np.searchsorted(segment.positions, positions)
        at = np.minimum(at, max(len(segment.positions) - 1, 0))
        found = (segment.positions[at] == positions) if len(segment.positions) else \
            np.zeros(len(positions), dtype=bool)
        out[found] = getattr(segment, name)[at[found]]
    return out


def key_counts_at(segments: list, positions: np.ndarray) -> np.ndarray:
    """The number of distinct rewrite keys of the documents at ``positions``."""
    return _per_document(segments, positions, "key_counts").astype(np.int64)


@dataclass(frozen=True)
class Probe:
    """One document to look up: its position, keys (``candidates.DocumentKeys``), number of
    distinct rewrite keys and content hash."""

    position: int
    keys: object
    key_count: int
    content_hash: str


def probe_of(sketches, i: int, position: int, content_hash: str, config: Config) -> Probe:
    """The probe of row ``i`` of a sketch table, for the document at ``position``."""
    return Probe(int(position), document_keys(sketches, i, config),
                 int(sketches.key_counts()[i]), content_hash)


def _grouped(which: np.ndarray, docs: np.ndarray, n: int) -> list:
    order = np.lexsort((docs, which))
    which, docs = which[order], docs[order]
    ends = np.searchsorted(which, np.arange(n), "right")
    starts = np.concatenate(([0], ends[:-1]))
    return [docs[s:e] for s, e in zip(starts, ends)]


def partners(probe: Probe, segments: list, alive: np.ndarray, config: Config) -> np.ndarray:
    """Every candidate partner of the probed document in the corpus (sorted positions), by
    the scan's three routes (see the module's docstring)."""
    me = probe.position
    found = []
    bands = probe.keys.bands
    if len(bands):
        which, docs = postings(segments, "band", bands, alive)
        for members in _grouped(which, docs, len(bands)):
            if len(members) <= config.lsh_max_bucket or members[0] == me:
                found.append(members[members != me])
            else:
                found.append(members[:1])
    rewrite = probe.keys.rewrite
    if len(rewrite):
        which, docs = postings(segments, "rewrite", rewrite, alive, cap=config.rewrite_max_df)
        held = np.bincount(which, minlength=len(rewrite))
        useful = held[which] >= 2
        others = docs[useful & (docs != me)]
        if len(others):
            partner, shared = np.unique(others, return_counts=True)
            need = required_shared(probe.key_count, key_counts_at(segments, partner),
                                   config.rewrite_min_shared, config.rewrite_short_share)
            found.append(partner[shared >= need])
    code = hash_key(probe.content_hash)
    if code is not None:
        _, docs = postings(segments, "hash", np.array([code], dtype=np.uint64), alive)
        docs = np.sort(docs)
        if len(docs) > 1:
            found.append(docs[1:] if docs[0] == me else docs[:1])
    if not found:
        return _EMPTY_DOCS
    out = np.unique(np.concatenate(found))
    return out[out != me]


def common_lines_among(segments: list, alive: np.ndarray, lines: np.ndarray,
                       config: Config) -> frozenset:
    """Which of ``lines`` (line keys) are furniture: held by at least
    ``boilerplate_min_docs`` alive documents that are not copies of one another
    (``corpus.independent``, as a scan's ``corpus.common_lines``)."""
    lines = np.unique(np.asarray(lines, dtype=np.uint64))
    if not len(lines):
        return frozenset()
    which, docs = postings(segments, "line", lines, alive)
    found = furniture_among(which, docs, lambda at: _per_document(segments, at, "marks"),
                            len(lines), config.boilerplate_min_docs)
    return frozenset(lines[found].tolist())

"""Compiled kernels of the candidate stage: rare shared keys grouped by document and the
pairs that share enough of them counted, on all cores."""

import numba
import numpy as np

from .jit import (
    njit,
    parallel,
    u64,
)


@njit
def mark_documents(entries, doc_ends):
    """``entries[k] |= d`` for each entry ``k`` of document ``d`` (``doc_ends``: cumulative
    entry counts): the document's index in the low bits, in place."""
    begin = 0
    for d in range(len(doc_ends)):
        value = u64(d)
        for k in range(begin, doc_ends[d]):
            entries[k] |= value
        begin = doc_ends[d]


@njit
def _same_key_end(entries, start, shift):
    """End of the run of entries from ``start`` that share its key (the bits above ``shift``)."""
    key = entries[start] >> shift
    stop = start + 1
    while stop < len(entries) and (entries[stop] >> shift) == key:
        stop += 1
    return stop


@njit
def _part_bounds(entries, parts, shift):
    """``parts + 1`` cut points of sorted ``entries``, none inside a run of equal keys."""
    bounds = np.empty(parts + 1, np.int64)
    bounds[0] = 0
    for p in range(1, parts):
        cut = max(bounds[p - 1], len(entries) * p // parts)
        if 0 < cut < len(entries):
            cut = _same_key_end(entries, cut - 1, shift)
        bounds[p] = cut
    bounds[parts] = len(entries)
    return bounds


@njit
def _rare_groups_in(entries, lo, hi, shift, low, max_df, docs, ends, kept, groups, fill):
    """Count (``fill`` False) or write the groups of ``entries[lo:hi]`` from output
    positions ``kept`` (documents) and ``groups``; returns the positions after them."""
    start = lo
    while start < hi:
        stop = _same_key_end(entries, start, shift)
        if 2 <= stop - start <= max_df:
            if fill:
                for e in range(start, stop):
                    docs[kept + e - start] = np.int32(entries[e] & low)
                ends[groups] = kept + stop - start
            kept += stop - start
            groups += 1
        start = stop
    return kept, groups


@parallel
def rare_key_groups(entries, doc_bits, max_df, threads):
    """``entries``: sorted ``key << doc_bits | doc`` values. Returns the documents of each
    key found in 2..``max_df`` documents, grouped (``int32`` documents, group ends): parts of
    the entries on all cores, in two passes (count, then fill) so that only the output is
    allocated."""
    low = u64((1 << doc_bits) - 1)
    shift = u64(doc_bits)
    parts = 4 * threads
    bounds = _part_bounds(entries, parts, shift)
    sizes = np.zeros((parts, 2), np.int64)
    none_docs = np.empty(0, np.int32)
    none_ends = np.empty(0, np.int64)
    for p in numba.prange(parts):
        sizes[p, 0], sizes[p, 1] = _rare_groups_in(entries, bounds[p], bounds[p + 1], shift,
                                                   low, max_df, none_docs, none_ends, 0, 0,
                                                   False)
    at = np.zeros((parts + 1, 2), np.int64)
    for p in range(parts):
        at[p + 1] = at[p] + sizes[p]
    docs = np.empty(at[parts, 0], np.int32)
    ends = np.empty(at[parts, 1], np.int64)
    for p in numba.prange(parts):
        _rare_groups_in(entries, bounds[p], bounds[p + 1], shift, low, max_df, docs, ends,
                        at[p, 0], at[p, 1], True)
    return docs, ends


@parallel
def _documents_entries(group_docs, group_ends, n_docs, threads):
    """Each document's entries (CSR, by counting sort): where each entry is in its group's
    slice of ``group_docs``, and where that group ends. Parts of the groups are counted and
    scattered on all cores; a document's entries stay in group order."""
    parts = min(8, threads)
    first_group = np.empty(parts + 1, np.int64)
    for p in range(parts + 1):
        first_group[p] = np.searchsorted(group_ends, len(group_docs) * p // parts, "right")
    first_group[parts] = len(group_ends)
    cursor = np.zeros((parts, n_docs), np.int64)
    for p in numba.prange(parts):
        for e in range(_group_start(group_ends, first_group[p]),
                       _group_start(group_ends, first_group[p + 1])):
            cursor[p, group_docs[e]] += 1
    doc_ptr = np.zeros(n_docs + 1, np.int64)
    for d in range(n_docs):
        at = doc_ptr[d]
        for p in range(parts):
            count = cursor[p, d]
            cursor[p, d] = at
            at += count
        doc_ptr[d + 1] = at
    entry_at = np.empty(len(group_docs), np.int32)       # fewer than 2**31 entries
    group_end_at = np.empty(len(group_docs), np.int32)
    for p in numba.prange(parts):
        for g in range(first_group[p], first_group[p + 1]):
            for e in range(_group_start(group_ends, g), group_ends[g]):
                d = group_docs[e]
                entry_at[cursor[p, d]] = e
                group_end_at[cursor[p, d]] = group_ends[g]
                cursor[p, d] += 1
    return doc_ptr, entry_at, group_end_at


@njit
def _group_start(group_ends, g):
    return group_ends[g - 1] if g > 0 else 0


@njit
def _count_range(first, stop, doc_ptr, entry_at, group_end_at, group_docs, lengths,
                 required_by_length, counts, touched, out, limit):
    """Qualifying pairs of documents ``first .. stop-1`` (as the smaller one) into ``out``;
    returns how many there were (only the first ``limit`` are stored)."""
    found = 0
    for i in range(first, stop):
        nt = 0
        for k in range(doc_ptr[i], doc_ptr[i + 1]):
            # a group's documents are sorted: the ones after i's entry are the larger ones
            for m in range(entry_at[k] + 1, group_end_at[k]):
                j = group_docs[m]
                if counts[j] == 0:
                    touched[nt] = j
                    nt += 1
                counts[j] += 1
        length_i = lengths[i]
        for t in range(nt):
            j = touched[t]
            if counts[j] >= required_by_length[min(length_i, lengths[j])]:
                if found < limit:
                    out[found, 0] = i
                    out[found, 1] = j
                found += 1
            counts[j] = 0
    return found


@parallel
def count_shared_keys(group_docs, group_ends, n_docs, lengths, required_by_length, threads):
    """Pairs ``(i, j)``, ``i < j``, of documents in at least ``required_by_length[shorter]``
    common groups (``shorter``: the smaller of their ``lengths``). Each document's partners
    are counted in a dense array, so no pair list is materialized; chunks of documents are
    counted on all cores, and a chunk with more pairs than its buffer is counted again."""
    doc_ptr, entry_at, group_end_at = _documents_entries(group_docs, group_ends, n_docs, threads)
    chunk = 2048
    n_chunks = (n_docs + chunk - 1) // chunk
    cap = 4096
    buffers = np.empty((n_chunks, cap, 2), np.int64)
    found = np.zeros(n_chunks, np.int64)
    for it in numba.prange(n_chunks):
        # a document counts only its partners after it, so early chunks weigh more: the
        # threads' contiguous shares of iterations alternate heavy and light chunks
        c = it // 2 if it % 2 == 0 else n_chunks - 1 - it // 2
        counts = np.zeros(n_docs, np.int32)
        touched = np.empty(n_docs, np.int32)
        found[c] = _count_range(c * chunk, min(n_docs, (c + 1) * chunk), doc_ptr, entry_at,
                                group_end_at, group_docs, lengths, required_by_length,
                                counts, touched, buffers[c], cap)
    out = np.empty((found.sum(), 2), np.int64)
    at = 0
    counts = np.zeros(n_docs, np.int32)
    touched = np.empty(n_docs, np.int32)
    for c in range(n_chunks):
        if found[c] <= cap:
            out[at: at + found[c]] = buffers[c, :found[c]]
        else:
            _count_range(c * chunk, min(n_docs, (c + 1) * chunk), doc_ptr, entry_at,
                         group_end_at, group_docs, lengths, required_by_length, counts,
                         touched, out[at: at + found[c]], found[c])
        at += found[c]
    return out


@njit
def first_holdings(which, n, first):
    """``True`` for the first ``first`` entries of each key ``which[e]`` (keys ``0..n-1``),
    in array order: one pass (``corpus.furniture_among``)."""
    seen = np.zeros(n, np.int64)
    out = np.zeros(len(which), np.bool_)
    for e in range(len(which)):
        k = which[e]
        if seen[k] < first:
            out[e] = True
            seen[k] += 1
    return out


@njit
def distinct_counts(which, marks, n):
    """``int64[n, k]``: for each key ``0..n-1`` and each column of ``marks`` (one row per
    entry), the number of distinct values among the key's entries; one hash set a column
    (``corpus.distinct_marks``)."""
    k = marks.shape[1]
    out = np.zeros((n, k), np.int64)
    size = 16
    while size < 2 * len(which) + 2:
        size *= 2
    mask = u64(size - 1)
    for r in range(k):
        slots = np.zeros(size, np.uint64)
        for e in range(len(which)):
            key = ((u64(which[e]) << u64(32)) | u64(marks[e, r])) + u64(1)
            at = (key * u64(0x9E3779B97F4A7C15)) >> u64(20) & mask
            while slots[at] != 0 and slots[at] != key:
                at = (at + u64(1)) & mask
            if slots[at] == 0:
                slots[at] = key
                out[which[e], r] += 1
    return out

"""The compiled kernels of ``kernels.py`` (imports numba: load through ``kernels.compiled``).

Module-level functions, so that numba's on-disk cache can reuse them between processes.
"""

import numba
import numpy as np

from .chars import DIGIT, LINE_BREAK, SPACE, UNSPACED, WORD

njit = numba.njit(cache=True, nogil=True)
parallel = numba.njit(cache=True, nogil=True, parallel=True)
"""Kernels with ``prange`` loops. They take the number of ``threads`` as an argument
(``numba.get_num_threads()`` inside would make them uncacheable) and are only run in the
main process: a process forked from one that has used GNU OpenMP must not use it."""
u64 = np.uint64
FNV = u64(0x100000001B3)
FNV_BASIS = u64(0xCBF29CE484222325)
MIX1 = u64(0xBF58476D1CE4E5B9)
MIX2 = u64(0x94D049BB133111EB)
NGRAM_MULT = u64(0x9E3779B97F4A7C15)
LINE_MULT = u64(0xC6A4A7935BD1E995)
LOW32 = u64(0xFFFFFFFF)
S16, S13, S29, S30, S27, S31 = u64(16), u64(13), u64(29), u64(30), u64(27), u64(31)
FM1, FM2 = u64(0x85EBCA6B), u64(0xC2B2AE35)
APOSTROPHE, RIGHT_QUOTE, COMMA, PERIOD, NEWLINE = 0x27, 0x2019, 0x2C, 0x2E, 0x0A
CR = 0x0D


@njit
def _token_hash(h, length):
    """The raw token hash: FNV-1a state ``h`` of its code points, with its length, mixed."""
    h ^= u64(length)
    h ^= h >> S30
    h *= MIX1
    h ^= h >> S27
    h *= MIX2
    h ^= h >> S31
    return h if h != 0 else u64(1)


@njit
def tokenize(cps, doc_ends, table):
    """Tokens of every document: ``(starts, ends, raw hashes, token ends per doc)``.
    Offsets are into ``cps``; a token never crosses a document end.

    The outputs are first sized for a token per four characters, and only when that is too
    few for the worst case, a token per character: that is tens of MB per batch, which the
    system must map and zero on every call. (Growing the arrays as they fill would be
    simpler, but reassigning an array inside the loop makes it four times slower.)"""
    found = _tokenize_into(cps, doc_ends, table, len(cps) // 4 + 16)
    if found[4] < 0:
        found = _tokenize_into(cps, doc_ends, table, len(cps))
    starts, ends, hashes, doc_tokens, count = found
    return starts[:count], ends[:count], hashes[:count], doc_tokens


@njit
def _tokenize_into(cps, doc_ends, table, room):
    """:func:`tokenize` with room for ``room`` tokens; a count of -1 if that was too few."""
    starts = np.empty(room, np.int64)
    ends = np.empty(room, np.int64)
    hashes = np.empty(room, np.uint64)
    doc_tokens = np.empty(len(doc_ends), np.int64)
    count = 0
    begin = 0
    for d in range(len(doc_ends)):
        n = doc_ends[d]
        i = begin
        while i < n:
            cls = table[cps[i]]
            if not (cls & (UNSPACED | DIGIT | WORD)):
                i += 1
                continue
            stop = -1
            h = FNV_BASIS
            if cls & UNSPACED:
                stop = i + 1
            else:
                if cls & DIGIT:
                    j = i
                    while j < n and table[cps[j]] & DIGIT:
                        j += 1
                    k = j
                    best = -1
                    while k + 3 < n and (cps[k] == COMMA or cps[k] == PERIOD) \
                            and table[cps[k + 1]] & DIGIT and table[cps[k + 2]] & DIGIT \
                            and table[cps[k + 3]] & DIGIT:
                        k += 4
                        if k >= n or not (table[cps[k]] & DIGIT):
                            best = k
                    stop = best
                if stop < 0 and cls & WORD:
                    j = i               # hashed as it is scanned
                    while j < n and table[cps[j]] & WORD:
                        h = (h ^ u64(cps[j])) * FNV
                        j += 1
                    while j + 1 < n and (cps[j] == APOSTROPHE or cps[j] == RIGHT_QUOTE) \
                            and table[cps[j + 1]] & WORD:
                        h = (h ^ u64(cps[j])) * FNV
                        j += 1
                        while j < n and table[cps[j]] & WORD:
                            h = (h ^ u64(cps[j])) * FNV
                            j += 1
                    stop = j
                elif stop < 0:
                    i += 1
                    continue
            if h == FNV_BASIS:
                for p in range(i, stop):
                    h = (h ^ u64(cps[p])) * FNV
            if count == room:
                return starts, ends, hashes, doc_tokens, -1
            starts[count] = i
            ends[count] = stop
            hashes[count] = _token_hash(h, stop - i)
            count += 1
            i = stop
        doc_tokens[d] = count
        begin = n
    return starts, ends, hashes, doc_tokens, count


@njit
def _stripped_lines(cps, begin, n, table):
    """``str.splitlines`` + ``str.strip`` of ``cps[begin:n]``: non-blank line spans."""
    out_s = np.empty(n - begin + 1, np.int64)
    out_e = np.empty(n - begin + 1, np.int64)
    count = 0
    i = begin
    while i < n:
        j = i
        while j < n and not (table[cps[j]] & LINE_BREAK):
            j += 1
        s, e = i, j
        while s < e and table[cps[s]] & SPACE:
            s += 1
        while e > s and table[cps[e - 1]] & SPACE:
            e -= 1
        if e > s:
            out_s[count] = s
            out_e[count] = e
            count += 1
        if j < n and cps[j] == CR and j + 1 < n and cps[j + 1] == NEWLINE:
            j += 1
        i = j + 1
    return out_s[:count], out_e[:count]


@njit
def line_blocks(cps, doc_ends, table, wrapped_chars):
    """Boilerplate units (``boilerplate._blocks``) of every document: ``(starts, ends,
    units per doc)``: a paragraph of long lines is one unit, short lines are units. Sized
    first for a unit per 32 characters (see :func:`tokenize`)."""
    found = _line_blocks_into(cps, doc_ends, table, wrapped_chars,
                              len(cps) // 32 + len(doc_ends) + 16)
    if found[3] < 0:
        found = _line_blocks_into(cps, doc_ends, table, wrapped_chars,
                                  len(cps) + len(doc_ends))
    starts, ends, per_doc, count = found
    return starts[:count], ends[:count], per_doc


@njit
def _line_blocks_into(cps, doc_ends, table, wrapped_chars, room):
    starts = np.empty(room, np.int64)
    ends = np.empty(room, np.int64)
    per_doc = np.empty(len(doc_ends), np.int64)
    count = 0
    begin = 0
    for d in range(len(doc_ends)):
        n = doc_ends[d]
        ls, le = _stripped_lines(cps, begin, n, table)
        first = 0
        for k in range(len(ls) + 1):
            flush = k == len(ls)
            if not flush and k > first:
                newlines = 0
                for p in range(le[k - 1], ls[k]):
                    if cps[p] == NEWLINE:
                        newlines += 1
                flush = newlines > 1
            if flush and k > first:
                short = True
                for m in range(first, k):
                    if le[m] - ls[m] >= wrapped_chars:
                        short = False
                if k - first == 1 or short:
                    for m in range(first, k):
                        if count == room:
                            return starts, ends, per_doc, -1
                        starts[count] = ls[m]
                        ends[count] = le[m]
                        count += 1
                else:
                    if count == room:
                        return starts, ends, per_doc, -1
                    starts[count] = ls[first]
                    ends[count] = le[k - 1]
                    count += 1
                first = k
        per_doc[d] = count
        begin = n
    return starts, ends, per_doc, count


@njit
def line_key(form_hashes, lo, hi):
    """Order-sensitive hash of the forms of tokens ``lo .. hi-1`` (``boilerplate.line_key``)."""
    h = LINE_MULT
    for t in range(lo, hi):
        h = (h ^ form_hashes[t]) * LINE_MULT
        h ^= h >> S29
    return h


@njit
def line_keys(block_starts, block_ends, block_docs, token_starts, doc_tokens,
              form_hashes, max_chars, min_words, max_words):
    """Keys of the units of ``min_words..max_words`` tokens and at most ``max_chars``
    characters; returns ``(keys, document of each key)``."""
    keys = np.empty(len(block_starts), np.uint64)
    docs = np.empty(len(block_starts), np.int64)
    count = 0
    for b in range(len(block_starts)):
        if block_ends[b] - block_starts[b] > max_chars:
            continue
        d = block_docs[b]
        lo_doc = doc_tokens[d - 1] if d > 0 else 0
        hi_doc = doc_tokens[d]
        lo = lo_doc + np.searchsorted(token_starts[lo_doc:hi_doc], block_starts[b])
        hi = lo_doc + np.searchsorted(token_starts[lo_doc:hi_doc], block_ends[b])
        if hi - lo < min_words or hi - lo > max_words:
            continue
        keys[count] = line_key(form_hashes, lo, hi)
        docs[count] = d
        count += 1
    return keys[:count], docs[:count]


@njit
def _ngrams(hashes, n):
    """Hashes of the n-grams of ``hashes`` (``shingle.ngram_hashes``)."""
    count = len(hashes)
    if count == 0:
        return np.empty(0, np.uint64)
    if count < n:
        n = count
    out = hashes[: count - n + 1].copy()
    for offset in range(1, n):
        for i in range(count - n + 1):
            v = out[i] * NGRAM_MULT + hashes[offset + i]
            out[i] = v ^ (v >> S29)
    return out


@njit
def _set_size(count):
    """Slots of an open-addressing set for ``count`` values: a power of two, at most half
    full."""
    size = 64
    while size < 2 * count:
        size *= 2
    return size


@njit
def _distinct(values, lo, hi, scratch):
    """Keep the distinct values of ``values[lo:hi]`` at its front, in order of first
    appearance (an open-addressing set in ``scratch``, of at least ``_set_size(hi - lo)``
    slots, cleared here); returns how many."""
    size = _set_size(hi - lo)
    mask = u64(size - 1)
    scratch[:size] = 0
    m = lo
    seen_zero = False
    for i in range(lo, hi):
        v = values[i]
        if v == 0:              # 0 marks an empty slot: tracked apart
            if not seen_zero:
                seen_zero = True
                values[m] = v
                m += 1
            continue
        at = (v ^ (v >> u64(32))) & mask
        while True:
            slot = scratch[at]
            if slot == 0:
                scratch[at] = v
                values[m] = v
                m += 1
                break
            if slot == v:
                break
            at = (at + u64(1)) & mask
    return m - lo


@njit
def _shingle32(v):
    """datasketch's 32-bit view of a shingle hash: its low 32 bits, finalized (murmur3 fmix32)."""
    v = v & LOW32
    v ^= v >> S16
    v = (v * FM1) & LOW32
    v ^= v >> S13
    v = (v * FM2) & LOW32
    v ^= v >> S16
    return np.uint32(v)


@njit
def signatures(form_hashes, doc_tokens, n, perm_a, perm_b):
    """MinHash signature (datasketch affine32 scheme) of each document's word n-grams.

    Four shingles are taken against each permutation at once, so a document's running
    minimums are loaded and stored a quarter as often; the low 32 bits of ``a*v + b`` are
    computed in 32-bit SIMD lanes. Repeated shingles cannot change a minimum: no need to
    deduplicate."""
    num_perm = len(perm_a)
    out = np.empty((len(doc_tokens), num_perm), np.uint32)
    a = perm_a.astype(np.uint32)
    b = perm_b.astype(np.uint32)
    row = np.empty(num_perm, np.uint32)
    begin = 0
    for d in range(len(doc_tokens)):
        shingles = _ngrams(form_hashes[begin: doc_tokens[d]], n)
        begin = doc_tokens[d]
        row[:] = np.uint32(0xFFFFFFFF)
        count = len(shingles)
        s = 0
        while s + 4 <= count:
            v0, v1 = _shingle32(shingles[s]), _shingle32(shingles[s + 1])
            v2, v3 = _shingle32(shingles[s + 2]), _shingle32(shingles[s + 3])
            for p in range(num_perm):
                h0 = np.uint32(v0 * a[p] + b[p])
                h1 = np.uint32(v1 * a[p] + b[p])
                h2 = np.uint32(v2 * a[p] + b[p])
                h3 = np.uint32(v3 * a[p] + b[p])
                row[p] = min(row[p], min(min(h0, h1), min(h2, h3)))
            s += 4
        while s < count:
            v0 = _shingle32(shingles[s])
            for p in range(num_perm):
                row[p] = min(row[p], np.uint32(v0 * a[p] + b[p]))
            s += 1
        out[d, :] = row
    return out


@njit
def language_counts(masks, doc_tokens, sample, languages):
    """Per document, how many of its first ``sample`` tokens are stopwords of each
    language (bit ``l`` of a token's mask); and the sample size."""
    counts = np.zeros((len(doc_tokens), languages), np.int64)
    sizes = np.zeros(len(doc_tokens), np.int64)
    begin = 0
    for d in range(len(doc_tokens)):
        stop = min(doc_tokens[d], begin + sample)
        sizes[d] = stop - begin
        for t in range(begin, stop):
            m = masks[t]
            if m != 0:
                for bit in range(languages):
                    if (m >> bit) & 1:
                        counts[d, bit] += 1
        begin = doc_tokens[d]
    return counts, sizes


@njit
def content_keys(stem_hashes, is_content, doc_tokens, n):
    """Per document, the distinct n-grams of its content stems (``(values, ends)``) and the
    distinct low 32 bits of those stems, each in order of first appearance."""
    keys_out = np.empty(len(stem_hashes) + len(doc_tokens), np.uint64)
    keys_end = np.empty(len(doc_tokens), np.int64)
    stems_out = np.empty(len(stem_hashes), np.uint64)
    stems_end = np.empty(len(doc_tokens), np.int64)
    most = 0
    begin = 0
    for d in range(len(doc_tokens)):
        most = max(most, doc_tokens[d] - begin)
        begin = doc_tokens[d]
    scratch = np.empty(_set_size(most), np.uint64)
    nk = 0
    ns = 0
    begin = 0
    for d in range(len(doc_tokens)):
        stop = doc_tokens[d]
        m = 0
        for t in range(begin, stop):
            if is_content[t]:
                stems_out[ns + m] = stem_hashes[t]
                m += 1
        begin = stop
        grams = _ngrams(stems_out[ns: ns + m], n)
        count = len(grams)
        keys_out[nk: nk + count] = grams
        nk += _distinct(keys_out, nk, nk + count, scratch)
        keys_end[d] = nk
        for i in range(m):
            stems_out[ns + i] &= LOW32
        ns += _distinct(stems_out, ns, ns + m, scratch)
        stems_end[d] = ns
    return keys_out[:nk].copy(), keys_end, stems_out[:ns].astype(np.uint32), stems_end


@njit
def table_find(slots, ids, queries):
    """Open-addressing hash table lookup: the id of each query, -1 if absent. ``slots``
    has a power-of-two size; 0 marks an empty slot (a zero query is never stored)."""
    mask = u64(len(slots) - 1)
    out = np.empty(len(queries), np.int64)
    for q in range(len(queries)):
        key = queries[q]
        at = key & mask
        out[q] = -1
        while slots[at] != 0:
            if slots[at] == key:
                out[q] = ids[at]
                break
            at = (at + u64(1)) & mask
    return out


@njit
def table_insert(slots, ids, keys, first_id):
    """Insert ``keys`` (absent, distinct, non-zero) with ids ``first_id, first_id+1, ...``."""
    mask = u64(len(slots) - 1)
    for k in range(len(keys)):
        at = keys[k] & mask
        while slots[at] != 0:
            at = (at + u64(1)) & mask
        slots[at] = keys[k]
        ids[at] = first_id + k


@njit
def table_add(slots, ids, queries, found, first_id, limit):
    """Give the queries ``found`` as -1 (absent) new ids ``first_id, first_id+1, ...`` in
    order of first appearance, inserting each distinct one, while the table holds fewer than
    ``limit`` keys. Returns ``(positions of the queries that were new, the query to resume
    from)``: ``len(queries)`` when all are in, otherwise the table must grow first."""
    mask = u64(len(slots) - 1)
    firsts = np.empty(len(queries), np.int64)
    added = 0
    for q in range(len(queries)):
        if found[q] >= 0:
            continue
        key = queries[q]
        at = key & mask
        while slots[at] != 0 and slots[at] != key:
            at = (at + u64(1)) & mask
        if slots[at] == key:
            found[q] = ids[at]
            continue
        if first_id + added >= limit:
            return firsts[:added], q
        slots[at] = key
        ids[at] = first_id + added
        found[q] = first_id + added
        firsts[added] = q
        added += 1
    return firsts[:added], len(queries)


@njit
def newly_known(known, ids):
    """The distinct ``ids`` not yet ``known``, in order of first appearance; they are marked
    known here (the caller fills in what they stand for)."""
    out = np.empty(len(ids), np.int64)
    count = 0
    for i in ids:
        if not known[i]:
            known[i] = True
            out[count] = i
            count += 1
    return out[:count]


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
def exact_runs(ka, kb, n_a, n_b, rarity_sums, min_words, stock_weight):
    """``align.exact_runs`` over the k-gram hashes of both sides: every maximal diagonal run
    of equal k-grams, longest first, tiled without overlap; runs shorter than
    ``2 * min_words`` words need rare words of total weight ``stock_weight`` (``rarity_sums``
    are prefix sums of side a's token weights). Returns ``int64[runs, 3]`` of
    ``(a_first, b_first, length)`` sorted."""
    order = np.argsort(kb)
    sorted_kb = kb[order]
    cap = 64
    found = np.empty((cap, 3), np.int64)
    count = 0
    for i in range(len(ka)):
        lo = np.searchsorted(sorted_kb, ka[i], side="left")
        hi = np.searchsorted(sorted_kb, ka[i], side="right")
        for p in range(lo, hi):
            j = order[p]
            if i > 0 and j > 0 and ka[i - 1] == kb[j - 1]:
                continue
            c = 1
            while i + c < len(ka) and j + c < len(kb) and ka[i + c] == kb[j + c]:
                c += 1
            if count == cap:
                grown = np.empty((2 * cap, 3), np.int64)
                grown[:count] = found[:count]
                found = grown
                cap *= 2
            found[count, 0] = c + min_words - 1
            found[count, 1] = i
            found[count, 2] = j
            count += 1
    found = found[:count]
    ranked = np.argsort(-(found[:, 0] * (n_a + 1) + found[:, 1]) * (n_b + 1) - found[:, 2])
    used_a = np.zeros(n_a, np.bool_)
    used_b = np.zeros(n_b, np.bool_)
    chosen = np.empty((count, 3), np.int64)
    picked = 0
    for r in ranked:
        length, ai, bj = found[r, 0], found[r, 1], found[r, 2]
        s = 0
        while s < length:
            if used_a[ai + s] or used_b[bj + s]:
                s += 1
                continue
            e = s
            while e < length and not used_a[ai + e] and not used_b[bj + e]:
                e += 1
            keep = e - s >= min_words
            if keep and e - s < 2 * min_words:
                keep = rarity_sums[ai + e] - rarity_sums[ai + s] >= stock_weight
            if keep:
                used_a[ai + s: ai + e] = True
                used_b[bj + s: bj + e] = True
                chosen[picked, 0] = ai + s
                chosen[picked, 1] = bj + s
                chosen[picked, 2] = e - s
                picked += 1
            s = e
    chosen = chosen[:picked]
    return chosen[np.argsort(chosen[:, 0] * (n_b + 1) + chosen[:, 1])]


@njit
def block_keys(block_starts, block_ends, block_docs, token_starts, doc_tokens, form_hashes):
    """Every unit's key (``boilerplate.line_key`` of its tokens' forms) and token count."""
    keys = np.zeros(len(block_starts), np.uint64)
    words = np.zeros(len(block_starts), np.int64)
    for b in range(len(block_starts)):
        d = block_docs[b]
        lo_doc = doc_tokens[d - 1] if d > 0 else 0
        hi_doc = doc_tokens[d]
        lo = lo_doc + np.searchsorted(token_starts[lo_doc:hi_doc], block_starts[b])
        hi = lo_doc + np.searchsorted(token_starts[lo_doc:hi_doc], block_ends[b])
        words[b] = hi - lo
        if hi > lo:
            keys[b] = line_key(form_hashes, lo, hi)
    return keys, words

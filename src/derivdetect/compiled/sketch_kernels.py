"""Compiled kernels of the sketch stage: tokens and their hashes, boilerplate units and line
keys, word n-grams, MinHash signatures, rewrite keys, language counts, and the vocabulary's
hash table. Each is checked against its plain reference by the property tests."""

import numpy as np

from .chars import DIGIT, LINE_BREAK, SPACE, UNSPACED, WORD
from .jit import (
    APOSTROPHE,
    COMMA,
    CR,
    FM1,
    FM2,
    FNV,
    FNV_BASIS,
    LINE_MULT,
    LOW32,
    MIX1,
    MIX2,
    NEWLINE,
    NGRAM_MULT,
    PERIOD,
    RIGHT_QUOTE,
    S13,
    S16,
    S27,
    S29,
    S30,
    S31,
    njit,
    u64,
)


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

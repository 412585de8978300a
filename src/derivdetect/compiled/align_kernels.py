"""Compiled kernels of verification: exact runs between two texts and the keys of a batch's
boilerplate units."""

import numpy as np

from .jit import njit
from .sketch_kernels import line_key


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

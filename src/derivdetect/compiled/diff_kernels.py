"""Compiled word diff of the report: the matching blocks of ``difflib.SequenceMatcher`` (no junk,
``autojunk=False``) over two sequences of word codes, found by the same rule, so the same
blocks. difflib in Python was a quarter of a pair page's rendering time."""

import numpy as np

from .jit import njit


@njit
def _longest_match(a, b, alo, ahi, blo, bhi, prev, row):
    """``SequenceMatcher.find_longest_match(alo, ahi, blo, bhi)``: the longest block of equal
    codes, the first one met scanning ``a`` then ``b`` (ties go to the earliest end in ``a``,
    then in ``b``, as difflib's strict ``>`` does)."""
    besti, bestj, bestsize = alo, blo, 0
    for j in range(blo, bhi):
        prev[j] = 0
    for i in range(alo, ahi):
        for j in range(blo, bhi):
            if a[i] == b[j]:
                k = (prev[j - 1] if j > blo else 0) + 1
                row[j] = k
                if k > bestsize:
                    besti, bestj, bestsize = i - k + 1, j - k + 1, k
            else:
                row[j] = 0
        for j in range(blo, bhi):
            prev[j] = row[j]
    while besti > alo and bestj > blo and a[besti - 1] == b[bestj - 1]:
        besti, bestj, bestsize = besti - 1, bestj - 1, bestsize + 1
    while besti + bestsize < ahi and bestj + bestsize < bhi and \
            a[besti + bestsize] == b[bestj + bestsize]:
        bestsize += 1
    return besti, bestj, bestsize


@njit
def matching_blocks(a, b):
    """``SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()`` for ``int64``
    code arrays: ``int64[m, 3]`` rows ``(i, j, size)``, adjacent blocks merged, ending with
    ``(len(a), len(b), 0)``."""
    la, lb = len(a), len(b)
    prev = np.zeros(lb + 1, np.int64)
    row = np.zeros(lb + 1, np.int64)
    cap = min(la, lb) + 1
    stack = np.empty((cap + 1, 4), np.int64)
    found = np.empty((cap, 3), np.int64)
    top, count = 0, 0
    stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3] = 0, la, 0, lb
    top = 1
    while top:
        top -= 1
        alo, ahi, blo, bhi = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        i, j, k = _longest_match(a, b, alo, ahi, blo, bhi, prev, row)
        if k:
            found[count, 0], found[count, 1], found[count, 2] = i, j, k
            count += 1
            if alo < i and blo < j:
                stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = alo, i, blo, j
                top += 1
            if i + k < ahi and j + k < bhi:
                stack[top, 0], stack[top, 1] = i + k, ahi
                stack[top, 2], stack[top, 3] = j + k, bhi
                top += 1
    blocks = found[:count][np.argsort(found[:count, 0])]
    out = np.empty((count + 1, 3), np.int64)
    n = 0
    i1, j1, k1 = 0, 0, 0
    for r in range(count):
        i2, j2, k2 = blocks[r, 0], blocks[r, 1], blocks[r, 2]
        if i1 + k1 == i2 and j1 + k1 == j2:
            k1 += k2
        else:
            if k1:
                out[n, 0], out[n, 1], out[n, 2] = i1, j1, k1
                n += 1
            i1, j1, k1 = i2, j2, k2
    if k1:
        out[n, 0], out[n, 1], out[n, 2] = i1, j1, k1
        n += 1
    out[n, 0], out[n, 1], out[n, 2] = la, lb, 0
    return out[:n + 1]

"""Shingles as 64-bit hashes: word n-grams and stemmed content-word n-grams.

Each token is hashed once (xxh3, memoized per distinct form); n-gram hashes are then combined
with numpy, so no shingle string is ever built. Two shingle sets per document:

* ``word_shingles``: n-grams of all normalized tokens: what verbatim copies and light edits
  share. MinHash/LSH and the exact Jaccard use these.
* ``content_shingles``: n-grams of stems of content words (stopwords dropped): what survives
  a rewrite, because a paraphrase keeps "refugees ... arrived ... Armenia" in order while
  changing the little words between them.

Tokens inside boilerplate (``mask`` False) never make a shingle.
"""

from __future__ import annotations

import numpy as np
import xxhash

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_hash_memo: dict[str, int] = {}


def token_hashes(tokens) -> np.ndarray:
    """64-bit xxh3 hash of each token string."""
    memo = _hash_memo
    out = np.empty(len(tokens), dtype=np.uint64)
    for i, token in enumerate(tokens):
        value = memo.get(token)
        if value is None:
            value = xxhash.xxh3_64_intdigest(token.encode("utf-8"))
            if len(memo) < 1_000_000:
                memo[token] = value
        out[i] = value
    return out


def ngram_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    """Hashes of all n-grams of consecutive items (order-sensitive), in text order.

    A text shorter than ``n`` items yields one shingle of all of them, so that short texts
    still have a signature.
    """
    count = len(hashes)
    if count == 0:
        return np.empty(0, dtype=np.uint64)
    if count < n:
        n = count
    with np.errstate(over="ignore"):
        combined = hashes[: count - n + 1].copy()
        for offset in range(1, n):
            combined = combined * _MULTIPLIER + hashes[offset: count - n + 1 + offset]
            combined ^= combined >> np.uint64(29)
    return combined


def word_shingles(forms, mask: np.ndarray | None, n: int) -> np.ndarray:
    """Sorted unique hashes of word n-grams of the tokens where ``mask`` is True."""
    hashes = token_hashes(forms)
    if mask is not None:
        hashes = hashes[mask]
    return np.unique(ngram_hashes(hashes, n))


def content_shingles(stems, content: np.ndarray, mask: np.ndarray | None, n: int) -> np.ndarray:
    """Sorted unique hashes of n-grams of content-word stems (stopwords removed)."""
    keep = content if mask is None else content & mask
    hashes = token_hashes([s for s, k in zip(stems, keep) if k])
    return np.unique(ngram_hashes(hashes, n))

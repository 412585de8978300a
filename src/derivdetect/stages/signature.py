"""MinHash signatures over arrays of shingle hashes.

The scheme is datasketch's default ``affine32`` (datasketch >= 2.0): each 32-bit shingle hash
is pre-mixed with the MurmurHash3 finalizer, then permuted by ``a*h + b mod 2**32`` with the
same ``a, b`` that ``datasketch.MinHash(num_perm, seed)`` draws. Given the same 32-bit input
hashes, :func:`minhash` returns exactly datasketch's ``hashvalues`` (a property test checks
this), but for a whole array at once and without Python objects per shingle.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

EMPTY = np.uint32(0xFFFFFFFF)
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
_CHUNK = 4096


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` parameters datasketch's affine32 scheme draws for ``(num_perm, seed)``."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (a bijection that spreads structured inputs)."""
    s1, m1, s2, m2 = _FMIX
    with np.errstate(over="ignore"):
        values = values ^ (values >> s1)
        values = values * m1
        values = values ^ (values >> s2)
        values = values * m2
        return values ^ (values >> s1)


def minhash(shingles: np.ndarray, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """MinHash signature (``uint32[num_perm]``) of a set of 64-bit shingle hashes.

    Uses the low 32 bits of each hash, as datasketch does with a 32-bit hash function.
    An empty set gives all ``0xFFFFFFFF`` (datasketch's empty signature).
    """
    a, b = permutations(num_perm, seed)
    signature = np.full(num_perm, EMPTY, dtype=np.uint32)
    if len(shingles) == 0:
        return signature
    mixed = fmix32(np.asarray(shingles, dtype=np.uint64).astype(np.uint32))
    with np.errstate(over="ignore"):
        for start in range(0, len(mixed), _CHUNK):
            chunk = mixed[start: start + _CHUNK, None]
            np.minimum(signature, (chunk * a + b).min(axis=0), out=signature)
    return signature


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Share of equal signature positions: an unbiased estimate of the Jaccard index."""
    return float(np.mean(sig_a == sig_b))

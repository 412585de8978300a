"""What every kernel module shares: numba's decorators (cached on disk, GIL released) and the
hashing constants (the same numbers the reference code uses)."""

import numba
import numpy as np

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

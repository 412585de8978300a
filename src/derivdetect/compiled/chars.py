"""Compiled inner loops of the sketch stage (numba), over flat arrays of code points.

A batch of texts becomes one ``uint32`` array of code points (``str.encode("utf-32-le")``,
so indexes are Python string offsets) and each kernel walks it once:

* :func:`tokenize` finds exactly the tokens of ``normalize.TOKEN_RE`` (a property test compares
  them) and gives each a 64-bit hash of its raw code points, so that each distinct raw token is
  normalized, stemmed and hashed once per process, in Python, and looked up by hash after that;
* :func:`line_blocks` cuts each text into the boilerplate units of ``boilerplate._blocks``;
* :func:`sketch_arrays` builds word n-gram hashes and the MinHash signature of every document,
  the same numbers as ``shingle.ngram_hashes`` and ``signature.minhash``.

numba is imported on first use: small scans never pay for it (see ``compiled.use_compiled``).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

import numpy as np

WORD = np.uint8(1)        # [\w--_] outside unspaced scripts: a token's letters and digits
UNSPACED = np.uint8(2)    # Han, Hiragana, Katakana, Thai: one token per character
DIGIT = np.uint8(4)       # \d: starts a digit group such as 93,000
SPACE = np.uint8(8)       # str.isspace: what str.strip removes
LINE_BREAK = np.uint8(16) # what str.splitlines splits on

_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@lru_cache(maxsize=1)
def char_classes() -> np.ndarray:
    """``uint8[0x110000]``: the class bits of every code point, read off the very patterns
    and string methods the reference code uses (so both agree on every character)."""
    import regex

    from ..text.normalize import UNSPACED_SCRIPTS, WORD_CHAR

    table = np.zeros(0x110000, dtype=np.uint8)
    every = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    for pattern, bit in ((WORD_CHAR, WORD), (rf"[{UNSPACED_SCRIPTS}]", UNSPACED), (r"\d", DIGIT)):
        for match in regex.finditer(f"{pattern}+", every, flags=regex.V1):
            table[match.start(): match.end()] |= bit
    for match in re.finditer(r"\s+", every):     # re's \s on str is exactly str.isspace
        table[match.start(): match.end()] |= SPACE
    for char in _LINE_BREAKS:
        table[ord(char)] |= LINE_BREAK
    table.setflags(write=False)
    return table


def code_points(text: str) -> np.ndarray:
    """The text as ``uint32`` code points; index ``i`` is ``text[i]`` (lone surrogates kept)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@lru_cache(maxsize=1)
def compiled():
    """The kernels, compiled (cached on disk by numba after the first run)."""
    try:
        from . import kernels as _compiled
    except ImportError as exc:  # pragma: no cover - numba is a dependency
        raise ImportError("derivdetect's fast sketch needs numba: pip install numba") from exc
    return _compiled


@contextmanager
def threads(workers: int = 0) -> Iterator[int]:
    """Parallel kernels run inside use ``workers`` threads (0: numba's setting, one per core);
    yields that number, which the kernels take to cut their work into parts."""
    import numba

    before = numba.get_num_threads()
    if workers:
        numba.set_num_threads(max(1, min(workers, numba.config.NUMBA_NUM_THREADS)))
    try:
        yield numba.get_num_threads()
    finally:
        numba.set_num_threads(before)

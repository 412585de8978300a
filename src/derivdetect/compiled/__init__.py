"""Compiled inner loops (numba) and the plain references they are tested against, and the one
switch that chooses between them: :func:`use_compiled`.

``DERIVDETECT_IMPL`` (read here and nowhere else): ``auto`` (default) takes the compiled kernels
for work of :data:`FAST_MIN_DOCS` documents or more and the plain reference below it (the same
results, without the one-off compilation, about 15 s, that numba then caches on disk);
``python`` always the reference; ``compiled`` always the kernels. Tests run the same cases
through both.

numba caches compiled kernels beside their source. Where that folder is read-only (a system
install, a read-only container) and ``NUMBA_CACHE_DIR`` is not set, the cache goes to the
user's cache folder, else to the temporary folder, instead of failing ("cannot cache function
... no locator available").
"""

import os
import tempfile
from pathlib import Path

if "NUMBA_CACHE_DIR" not in os.environ and not os.access(Path(__file__).parent, os.W_OK):
    for _base in (os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                  tempfile.gettempdir()):
        _folder = Path(_base) / "derivdetect" / "numba"
        try:
            _folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(_folder, os.W_OK):
            os.environ["NUMBA_CACHE_DIR"] = str(_folder)
            break


FAST_MIN_DOCS = 1000
"""From this many documents on, ``auto`` takes the compiled paths."""

IMPLEMENTATIONS = ("auto", "python", "compiled")


def implementation() -> str:
    """The implementation ``DERIVDETECT_IMPL`` asks for; an unknown value is a config error."""
    value = os.environ.get("DERIVDETECT_IMPL", "auto").strip().lower() or "auto"
    if value not in IMPLEMENTATIONS:
        from ..errors import ConfigError

        raise ConfigError(f"DERIVDETECT_IMPL={value!r}: use one of {', '.join(IMPLEMENTATIONS)}")
    return value


def use_compiled(n_docs: int) -> bool:
    """Whether work over ``n_docs`` documents takes the compiled kernels."""
    chosen = implementation()
    return chosen == "compiled" or (chosen == "auto" and n_docs >= FAST_MIN_DOCS)

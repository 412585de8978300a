"""derivdetect: find the copies, light edits and rewrites in a pile of articles.

    >>> from derivdetect import scan, compare, Config
    >>> result = scan("corpus/", Config())
    >>> pair, doc_a, doc_b = compare("a.txt", "b.txt", Config())

The engine (numpy, rapidfuzz, numba) is imported on first use of ``scan`` or ``compare``, so
``import derivdetect`` and ``derivdetect --help`` stay quick.
"""

__version__ = "0.1.0"

from .config import Config  # noqa: E402
from .errors import ConfigError, DerivDetectError, InputError  # noqa: E402

__all__ = ["Config", "scan", "compare", "scan_documents", "compare_documents",
           "DerivDetectError", "InputError", "ConfigError", "__version__"]

_ENGINE = ("scan", "compare", "scan_documents", "compare_documents")


def __getattr__(name: str):
    if name in _ENGINE:
        from .engines import local

        return getattr(local, name)
    raise AttributeError(f"module 'derivdetect' has no attribute {name!r}")

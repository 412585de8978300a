"""derivdetect: find the copies, light edits and rewrites in a pile of articles.

    >>> from derivdetect import scan, compare, Config
    >>> result = scan("corpus/", Config())
    >>> pair, doc_a, doc_b = compare("a.txt", "b.txt", Config())
"""

__version__ = "0.1.0"

from .config import Config  # noqa: E402
from .engines.local import compare, compare_documents, scan, scan_documents  # noqa: E402
from .errors import ConfigError, DerivDetectError, InputError  # noqa: E402

__all__ = ["Config", "scan", "compare", "scan_documents", "compare_documents",
           "DerivDetectError", "InputError", "ConfigError", "__version__"]

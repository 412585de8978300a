"""Compiled inner loops (numba) and the plain references they are tested against.

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

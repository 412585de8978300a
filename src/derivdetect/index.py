"""Index storage: sketches kept between scans, keyed by content hash and settings.

A second scan of an unchanged folder reads each file (to hash it) but sketches nothing again.
The file is a plain ``.npz`` of arrays, loaded with ``allow_pickle=False``: a cache file,
even a tampered one, can hold only numbers, never code. It is written to a temporary name and
renamed, so an interrupted scan leaves the previous cache whole. This is also the seam for the
persistent archive: the same arrays, kept for everything already published.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from . import __version__
from .config import Config
from .sketch import Sketches, SketchStore

CACHE_NAME = "sketches.npz"
SKETCH_FORMAT = 2
_PARTS = ("signatures", "keys", "key_ends", "lines", "line_ends", "stems", "stem_ends")
_SKETCH_SETTINGS = ("shingle_words", "num_perm", "seed", "rewrite_key_words",
                    "boilerplate_max_words", "encoding", "html_extractor")


def fingerprint(config: Config) -> str:
    """What a sketch depends on: the settings that shape it and the code version."""
    settings = {name: getattr(config, name) for name in _SKETCH_SETTINGS}
    settings["version"] = __version__
    settings["format"] = SKETCH_FORMAT
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:32]


def load_sketches(folder: Path, config: Config) -> SketchStore:
    """The sketches saved in ``folder``, or an empty store if absent, stale or unreadable."""
    store = SketchStore(config.num_perm)
    path = Path(folder) / CACHE_NAME
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["fingerprint"]) != fingerprint(config):
                return store
            keys = data["documents"].astype(str).tolist()
            table = Sketches(**{name: data[name] for name in _PARTS})
            consistent = (len(table) == len(keys)
                          and table.signatures.shape[1:] == (config.num_perm,)
                          and all(len(getattr(table, f"{part}_ends")) == len(keys)
                                  for part in ("key", "line", "stem")))
    except (OSError, KeyError, ValueError, EOFError, TypeError, zipfile.BadZipFile):
        return store
    if consistent:
        store.add(keys, table)
    return store


def save_sketches(folder: Path, config: Config, keys: list, table: Sketches) -> None:
    """Write ``table`` (one row per key; rows with an empty key are left out) atomically."""
    rows = [i for i, key in enumerate(keys) if key]
    if not rows:
        return
    if len(rows) < len(keys):
        table = table.take(rows)
        keys = [keys[i] for i in rows]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"fingerprint": np.array(fingerprint(config)), "documents": np.array(keys),
              **{name: getattr(table, name) for name in _PARTS}}
    fd, tmp = tempfile.mkstemp(prefix=f".{CACHE_NAME}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, folder / CACHE_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class TextSpill:
    """Texts of a scan kept in a temporary file instead of memory: a large scan holds only
    sketches and metadata per document, and reads back the texts of candidate pairs.

    Texts are stored as UTF-8 (lone surrogates kept), so a text read back is the one stored,
    character for character. The file is deleted on :meth:`close` (or when the process ends).
    """

    def __init__(self, folder: Path | None = None):
        self._file = tempfile.TemporaryFile(prefix="derivdetect-texts-", dir=folder)
        self._where: list = []            # (offset, bytes) per stored text
        self._end = 0

    def put(self, text: str) -> int:
        """Store ``text``; returns its number, to :meth:`get` it back."""
        data = text.encode("utf-8", "surrogatepass")
        self._file.seek(self._end)
        self._file.write(data)
        self._where.append((self._end, len(data)))
        self._end += len(data)
        return len(self._where) - 1

    def get(self, number: int) -> str:
        offset, size = self._where[number]
        self._file.seek(offset)
        return self._file.read(size).decode("utf-8", "surrogatepass")

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "TextSpill":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

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

CACHE_NAME = "sketches.npz"
_SKETCH_SETTINGS = ("shingle_words", "num_perm", "seed", "rewrite_key_words",
                    "boilerplate_max_words", "encoding", "html_extractor")


def fingerprint(config: Config) -> str:
    """What a sketch depends on: the settings that shape it and the code version."""
    settings = {name: getattr(config, name) for name in _SKETCH_SETTINGS}
    settings["version"] = __version__
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:32]


def load_sketches(folder: Path, config: Config) -> dict:
    """``{content hash: Sketch}`` from ``folder``, or ``{}`` if absent, stale or unreadable."""
    from .engine import Sketch

    path = Path(folder) / CACHE_NAME
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["fingerprint"]) != fingerprint(config):
                return {}
            hashes = data["hashes"].astype(str)
            signatures = data["signatures"]
            parts = {name: np.split(data[name], data[f"{name}_offsets"][1:-1])
                     for name in ("content_keys", "line_keys", "stems")}
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return {}
    return {h: Sketch(signatures[i], parts["content_keys"][i], parts["line_keys"][i],
                      parts["stems"][i])
            for i, h in enumerate(hashes)}


def save_sketches(folder: Path, config: Config, sketches: dict) -> None:
    """Write ``{content hash: Sketch}`` atomically; sketches without a hash are not kept."""
    items = [(h, s) for h, s in sketches.items() if h]
    if not items:
        return
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"fingerprint": np.array(fingerprint(config)),
              "hashes": np.array([h for h, _ in items]),
              "signatures": np.stack([s.signature for _, s in items])}
    for name in ("content_keys", "line_keys", "stems"):
        values = [getattr(s, name) for _, s in items]
        arrays[name] = np.concatenate(values)
        arrays[f"{name}_offsets"] = np.concatenate(([0], np.cumsum([len(v) for v in values])))
    fd, tmp = tempfile.mkstemp(prefix=f".{CACHE_NAME}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, folder / CACHE_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

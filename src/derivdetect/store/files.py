"""Writing files: whole or not at all, with the permissions the user's umask gives."""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

#: The file that marks a folder as a derivdetect report: derivdetect may write into it, and a
#: scan never reads it (its pages quote the articles and would match them).
REPORT_MARKER = ".derivdetect-report"


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)   # the only way to read it; read once, before any worker starts
    os.umask(mask)
    return mask


def creation_mode(directory: bool = False) -> int:
    """The permissions a new file (or folder) gets from the process's umask, as ``open`` and
    ``mkdir`` give them: temporary files are made ``0600`` and must be widened to this."""
    return (0o777 if directory else 0o666) & ~_umask()


def atomic_write(path: Path, data: str) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, creation_mode())
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise

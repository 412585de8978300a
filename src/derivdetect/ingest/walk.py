"""The folder walk: :func:`iter_inputs`, which yields every file's Document(s) or its reason.

Every file met by :func:`iter_inputs` ends in exactly one state: read (one Document, or one
per good line of a JSONL file) or skipped with a reason a user can act on. Nothing about a
single file ever stops the walk. The files themselves are read by :mod:`.readers`.
"""

from __future__ import annotations

import os
import stat
from bisect import bisect_left
from operator import attrgetter
from pathlib import Path
from typing import Iterator, Optional

from ..config import Config
from ..errors import InputError
from ..models import Skipped
from ..store.files import REPORT_MARKER
from .common import FORMATS, Item, Skip, check_encoding, os_reason, unsupported
from .html import NeedsTrafilatura
from .readers import read_items

__all__ = ["iter_inputs", "file_items"]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


_name_of = attrgetter("name")


def _crowded_at(entries: list, index: int) -> bool:
    """Whether a name ``NAME#...`` follows ``entries[index]`` (``NAME``) in its sorted
    folder listing, for a JSONL file; see :class:`.jsonl.JsonlKeys`."""
    name = entries[index].name
    if not name.lower().endswith(".jsonl"):
        return False
    prefix = name + "#"
    after = bisect_left(entries, prefix, lo=index + 1, key=_name_of)
    return after < len(entries) and entries[after].name.startswith(prefix)


def _listing(path: str) -> list:
    with os.scandir(path) as entries:
        return sorted(entries, key=lambda entry: entry.name)


def file_items(path: str, rel: str, name: str, size: Optional[int], config: Config,
               crowded: Optional[bool]) -> Iterator[Item]:
    """The Document(s) of one file named ``name`` (``rel``: its id), or one
    :class:`Skipped` with the reason; never raises for a bad file. ``crowded``: see
    :class:`.jsonl.JsonlKeys` (None: look beside the file). The walk reads every file with
    it; the Spark engine reads the ``.jsonl`` files it is given with it."""
    fmt = FORMATS.get(os.path.splitext(name)[1].lower())
    if fmt is None:
        yield Skipped(rel, unsupported(name).reason)
        return
    try:
        yield from read_items(path, rel, fmt, size, config, crowded)
    except Skip as skip:
        yield Skipped(rel, skip.reason)
    except NeedsTrafilatura as exc:
        yield Skipped(rel, str(exc))
    except OSError as exc:
        yield Skipped(rel, os_reason(exc)[0])
    except Exception as exc:  # last resort: one odd file must not stop a scan
        yield Skipped(rel, f"could not be read ({type(exc).__name__}: {exc})")


def _entry_items(entry: os.DirEntry, rel: str, root_real: str, config: Config,
                 stack: list, crowded: bool) -> Iterator[Item]:
    name = entry.name
    try:
        is_link = entry.is_symlink()
        if name.startswith("."):
            if not entry.is_dir():
                yield Skipped(rel, "hidden file")
            return  # dot-folders (.git, .cache) are ignored silently
        if is_link:
            try:
                st = entry.stat()
            except FileNotFoundError:
                yield Skipped(rel, "broken symlink (its target does not exist)")
                return
            real = os.path.realpath(entry.path)
            if not _inside(real, root_real):
                yield Skipped(rel, "symlink points outside the scanned folder")
                return
            if stat.S_ISDIR(st.st_mode):
                if _inside(os.path.realpath(os.path.dirname(entry.path)), real):
                    yield Skipped(rel, "symlink loop (links to a folder that contains it)")
                else:
                    yield Skipped(rel, "symlink to a folder of the scan, not followed "
                                       "(its files are read under their own path)")
                return
        else:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                if not os.path.lexists(os.path.join(entry.path, REPORT_MARKER)):
                    stack.append((entry.path, rel + "/"))
                return  # a report folder of derivdetect: its pages quote the articles
        if not stat.S_ISREG(st.st_mode):
            yield Skipped(rel, "not a regular file")
            return
    except OSError as exc:
        yield Skipped(rel, os_reason(exc)[0])
        return
    yield from file_items(entry.path, rel, name, st.st_size, config, crowded)


def iter_inputs(root: Path, config: Config) -> Iterator[Item]:
    """Walk ``root`` (sorted, depth first) and yield, for every file, its Document(s) or one
    :class:`Skipped`. JSONL files yield one Document per good line and one Skipped per bad line
    (``file.jsonl:LINE``). Paths are POSIX and relative to ``root``.

    Ids are unique in the walk: a file's id is its path; a JSONL article's is
    ``path#KEY``, ``KEY`` its ``id`` or else its line number, unless that is taken by an
    earlier line of the file or names another path (``feed.jsonl#x.txt`` beside
    ``feed.jsonl``): then line N gets ``KEY#lineN`` (``lineN`` without ``id``). See
    :class:`.jsonl.JsonlKeys`; :func:`.readers.read_document` reads ``path#KEY`` back.

    Raises :class:`InputError` only when ``root`` itself is not a readable folder, and
    :class:`ConfigError` for an unknown ``config.encoding``; never for a bad file.
    """
    check_encoding(config)
    root_str = os.fspath(root)
    try:
        if not stat.S_ISDIR(os.stat(root_str).st_mode):
            raise InputError(f"{root_str}: not a folder; use 'derivdetect compare' for files")
    except FileNotFoundError:
        raise InputError(f"{root_str}: folder not found; check the path") from None
    except OSError as exc:
        raise InputError(f"{root_str}: {os_reason(exc)[0]}; check the path") from None
    root_real = os.path.realpath(root_str)
    try:
        top = _listing(root_str)
    except OSError as exc:
        raise InputError(f"{root_str}: {os_reason(exc)[0]}; cannot list the folder") \
            from None
    # A stack of (sorted entries, index, relative prefix): depth first in name order,
    # without recursion (folders can nest deeper than Python's recursion limit).
    walk = [(top, 0, "")]
    while walk:
        entries, index, prefix = walk.pop()
        if index >= len(entries):
            continue
        walk.append((entries, index + 1, prefix))
        entry = entries[index]
        found: list = []
        yield from _entry_items(entry, prefix + entry.name, root_real, config, found,
                                _crowded_at(entries, index))
        for folder, rel in found:
            try:
                walk.append((_listing(folder), 0, rel))
            except OSError as exc:
                reason, _ = os_reason(exc)
                yield Skipped(rel[:-1], f"{reason}: cannot list the folder")

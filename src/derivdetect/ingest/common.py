"""What the readers and the folder walk share: the skip, the formats, and small checks.

- :class:`Skip`: a file (or JSONL line) that cannot be used, with a reason and a hint;
  ``Item``: what a walk yields, a :class:`Document` or a :class:`Skipped`.
- :data:`FORMATS` (suffix -> format) and :data:`BYTES_PER_CHAR` (how many bytes a file may
  have per allowed character before it is skipped unread).
- :func:`content_hash`, :func:`too_long`, :func:`check_text`, :func:`decode_text` (decoding
  that raises :class:`Skip`), :func:`os_reason` (an ``OSError`` as a reason and a hint),
  :func:`check_encoding` (``--encoding``) and :func:`unsupported` (a file type we do not read).
"""

from __future__ import annotations

import errno
import os
from typing import Union

import xxhash

from ..config import Config
from ..errors import ConfigError
from ..models import Document, Skipped
from .decode import DecodeError, decode_bytes, normalize_encoding

__all__ = ["Skip", "Item", "FORMATS", "BYTES_PER_CHAR", "content_hash", "too_long",
           "check_text", "decode_text", "os_reason", "check_encoding", "unsupported"]

Item = Union[Document, Skipped]

#: File suffix (lower case) -> ``Document.format``.
FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
           ".jsonl": "jsonl"}

#: Bytes a file may have per allowed character before it is skipped unread: UTF-8 needs at
#: most 4 per character; HTML carries markup around its text; JSON may escape a character as
#: \uXXXX.
BYTES_PER_CHAR = {"txt": 4, "md": 4, "html": 10, "jsonl": 6}


class Skip(Exception):
    """A file (or line) that cannot be used: ``reason`` for the report, ``hint`` for compare."""

    def __init__(self, reason: str, hint: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


# ---------------------------------------------------------------------------------- helpers

def content_hash(data: bytes) -> str:
    return xxhash.xxh3_64_hexdigest(data)


def too_long(chars: int, config: Config) -> Skip:
    return Skip(f"too long: {chars} characters > max_chars {config.max_chars}; "
                f"raise --max-chars")


def check_text(text: str, config: Config, empty: str = "empty file") -> None:
    if not text:
        raise Skip(empty, "the file has no text to compare")
    if text.isspace():
        raise Skip("no text (whitespace only)", "the file has no text to compare")
    if len(text) > config.max_chars:
        raise too_long(len(text), config)


def decode_text(data: bytes, config: Config, html: bool = False) -> tuple[str, str]:
    try:
        return decode_bytes(data, config.encoding, html=html)
    except DecodeError as exc:
        reason = str(exc)
        hint = "" if "--encoding" in reason else "convert it to text first"
        raise Skip(reason, hint) from None


def os_reason(exc: OSError, during_scan: bool = True) -> tuple[str, str]:
    if isinstance(exc, PermissionError):
        return "permission denied", "check the file's permissions"
    if isinstance(exc, FileNotFoundError):
        if during_scan:
            return "vanished during the scan", ""
        return "file not found", "check the path"
    if isinstance(exc, IsADirectoryError):
        return "is a folder", "use 'derivdetect scan' for folders"
    if exc.errno == errno.ELOOP:
        return "symlink loop", "point the link at a file"
    return f"cannot be read ({exc.strerror or exc})", ""


def check_encoding(config: Config) -> None:
    if config.encoding:
        try:
            normalize_encoding(config.encoding)
        except DecodeError as exc:
            raise ConfigError(f"encoding={config.encoding!r}: {exc}") from None


def unsupported(name: str) -> Skip:
    suffix = os.path.splitext(name)[1].lower()
    what = suffix if suffix else "(no extension)"
    return Skip(f"unsupported file type {what}",
                "use .txt, .md, .markdown, .html, .htm or .jsonl")

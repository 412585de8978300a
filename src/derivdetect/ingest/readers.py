"""Files to :class:`Document` s: the folder walk, one reader per format, and their reasons.

Every file met by :func:`iter_inputs` ends in exactly one state: read (one Document, or one
per good line of a JSONL file) or skipped with a reason a user can act on. Nothing about a
single file ever stops the walk.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from pathlib import Path
from typing import Iterator, Optional, Union

import xxhash

from ..config import Config
from ..errors import ConfigError, InputError, MissingDependencyError
from ..models import Document, Skipped
from .decode import DecodeError, binary_kind, decode_bytes, normalize_encoding
from .html import HtmlError, NeedsTrafilatura, extract_html

__all__ = ["iter_inputs", "read_document", "FORMATS"]

Item = Union[Document, Skipped]

#: File suffix (lower case) -> ``Document.format``.
FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
           ".jsonl": "jsonl"}

# Bytes a file may have per allowed character before it is skipped unread: UTF-8 needs at most
# 4 per character; HTML carries markup around its text; JSON may escape a character as \uXXXX.
_BYTES_PER_CHAR = {"txt": 4, "md": 4, "html": 10, "jsonl": 6}
_JSONL_LINE_SLACK = 64 * 1024  # room for the metadata fields of a line
_TITLE_MAX = 200
# How a user switches to the plain-text HTML extractor (the CLI has no option for it yet).
_TEXT_EXTRACTOR = "--html-extractor text"

_TITLE_LINE = re.compile(r"^[^\n]*\w[^\n]*", re.MULTILINE)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*|\s+#+\s*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Skip(Exception):
    """A file (or line) that cannot be used: ``reason`` for the report, ``hint`` for compare."""

    def __init__(self, reason: str, hint: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


# ---------------------------------------------------------------------------------- helpers

def _hash(data: bytes) -> str:
    return xxhash.xxh3_64_hexdigest(data)


def _too_long(chars: int, config: Config) -> _Skip:
    return _Skip(f"too long: {chars} characters > max_chars {config.max_chars}; "
                 f"raise --max-chars")


def _check_text(text: str, config: Config, empty: str = "empty file") -> None:
    if not text:
        raise _Skip(empty, "the file has no text to compare")
    if text.isspace():
        raise _Skip("no text (whitespace only)", "the file has no text to compare")
    if len(text) > config.max_chars:
        raise _too_long(len(text), config)


def _decode(data: bytes, config: Config, html: bool = False) -> tuple[str, str]:
    try:
        return decode_bytes(data, config.encoding, html=html)
    except DecodeError as exc:
        reason = str(exc)
        hint = "" if "--encoding" in reason else "convert it to text first"
        raise _Skip(reason, hint) from None


def _os_reason(exc: OSError, during_scan: bool = True) -> tuple[str, str]:
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


def _title_of(text: str, start: int = 0, markdown: bool = False) -> Optional[str]:
    """The first line with a letter or digit, if short; a Markdown heading without its #."""
    match = _TITLE_LINE.search(text, start)
    if not match:
        return None
    line = match.group(0)
    if markdown:
        line = _MD_HEADING.sub("", line)
    line = line.strip()
    return line if 0 < len(line) <= _TITLE_MAX else None


def _front_matter(text: str) -> tuple[dict, int]:
    """``title``/``date``/``author``/``url`` of a YAML front-matter block, and where it ends."""
    if not text.startswith("---"):
        return {}, 0
    match = _FRONT_MATTER.match(text[:8192])
    if not match:
        return {}, 0
    fields = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        key, value = key.strip().lower(), value.strip().strip("'\"").strip()
        if sep and value and key in ("title", "date", "author", "byline", "url") \
                and key not in fields:
            fields[key] = value
    return fields, match.end()


def _meta(value: object) -> Optional[str]:
    """A JSONL metadata field as a string (numbers allowed), or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        value = _SURROGATE.sub("\ufffd", value.strip())
        return value or None
    return None


_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number",
               bool: "boolean", type(None): "null"}


# ---------------------------------------------------------------------------------- formats

def _read_limited(path: str, fmt: str, size: Optional[int], config: Config) -> bytes:
    """The file's bytes, read once; too big a file is skipped before it is read."""
    per_char = _BYTES_PER_CHAR[fmt]
    limit = per_char * config.max_chars

    def too_long(what: str) -> _Skip:
        return _Skip(f"too long: {what} bytes > {per_char} x max_chars {config.max_chars}; "
                     f"raise --max-chars")

    if size is not None and size > limit:
        raise too_long(str(size))
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew after it was listed
        raise too_long(f"more than {limit}")
    return data


def _text_document(path: str, rel: str, fmt: str, size: Optional[int],
                   config: Config) -> Document:
    data = _read_limited(path, fmt, size, config)
    if not data:
        raise _Skip("empty file", "the file has no text to compare")
    text, encoding = _decode(data, config)
    _check_text(text, config)
    title = date = url = byline = None
    if fmt == "md":
        fields, body = _front_matter(text)
        title, date, url = fields.get("title"), fields.get("date"), fields.get("url")
        byline = fields.get("byline") or fields.get("author")
        title = title or _title_of(text, body, markdown=True)
    else:
        title = _title_of(text)
    return Document(id=rel, path=rel, text=text, title=title, date=date, url=url,
                    byline=byline, encoding=encoding, format=fmt, content_hash=_hash(data))


def _html_document(path: str, rel: str, size: Optional[int], config: Config) -> Document:
    data = _read_limited(path, "html", size, config)
    if not data:
        raise _Skip("empty file", "the file has no text to compare")
    page, encoding = _decode(data, config, html=True)
    if not page or page.isspace():
        raise _Skip("no text (whitespace only)", "the file has no text to compare")
    try:
        found = extract_html(page, config.html_extractor)
    except NeedsTrafilatura:
        raise
    except HtmlError as exc:
        raise _Skip(str(exc), f"try {_TEXT_EXTRACTOR}, which keeps all visible text") from None
    if len(found.text) > config.max_chars:
        raise _too_long(len(found.text), config)
    return Document(id=rel, path=rel, text=found.text, title=found.title, date=found.date,
                    url=found.url, byline=found.byline, encoding=encoding, format="html",
                    content_hash=_hash(data))


def _jsonl_record(line: str, rel: str, lineno: int, encoding: str, config: Config,
                  seen: dict) -> Document:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _Skip(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        raise _Skip(f"not valid JSON ({type(exc).__name__})") from None
    if not isinstance(record, dict):
        raise _Skip(f"not a JSON object but a JSON {_JSON_TYPES.get(type(record), 'value')}")
    if "text" not in record:
        raise _Skip("no 'text' field")
    text = record["text"]
    if not isinstance(text, str):
        raise _Skip(f"'text' must be a string, not a JSON "
                    f"{_JSON_TYPES.get(type(text), 'value')}")
    # JSON may escape lone surrogates ("\ud800"); they cannot be written out again. U+FFFD
    # has the same length, so offsets into the text are unchanged.
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    _check_text(text, config, empty="empty 'text'")
    raw_id = record.get("id")
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int,
                                                                                  float))):
        raise _Skip("'id' must be a string or a number")
    key = _meta(raw_id) or str(lineno)
    if key in seen:
        raise _Skip(f"duplicate id {key!r} (first on line {seen[key]})")
    seen[key] = lineno
    byline = _meta(record.get("byline")) or _meta(record.get("source")) \
        or _meta(record.get("author"))
    return Document(id=f"{rel}#{key}", path=rel, text=text, title=_meta(record.get("title")),
                    date=_meta(record.get("date")), url=_meta(record.get("url")),
                    byline=byline, encoding=encoding, format="jsonl",
                    content_hash=_hash(text.encode("utf-8")))


def _jsonl_raw_lines(handle, limit: int) -> Iterator[tuple[int, Optional[bytes], int]]:
    """``(line number, bytes or None when longer than limit, length)``, streaming."""
    lineno = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            length = len(raw)
            while True:  # drop the rest of the over-long line without keeping it
                chunk = handle.readline(1 << 20)
                length += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield lineno, None, length
        else:
            yield lineno, raw, len(raw)


def _jsonl_items(path: str, rel: str, size: Optional[int], config: Config) -> Iterator[Item]:
    limit = _BYTES_PER_CHAR["jsonl"] * config.max_chars + _JSONL_LINE_SLACK
    codec = normalize_encoding(config.encoding) if config.encoding else None
    seen: dict = {}
    produced = False
    with open(path, "rb") as handle:
        head = handle.read(8192)
        kind = binary_kind(head)
        if kind:
            raise _Skip(f"binary file ({kind}), not text", "convert it to text first")
        if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
            # UTF-16/32 JSON Lines (rare): decode the whole file at once.
            handle.seek(0)
            text, encoding = _decode(handle.read(), config)
            lines = ((n, line, encoding) for n, line in enumerate(text.split("\n"), 1))
        else:
            handle.seek(0)
            lines = _jsonl_decoded(_jsonl_raw_lines(handle, limit), codec)
        for lineno, line, encoding in lines:
            where = f"{rel}:{lineno}"
            if isinstance(line, _Skip):
                produced = True
                yield Skipped(where, line.reason)
                continue
            if not line or line.isspace():
                continue
            try:
                yield _jsonl_record(line, rel, lineno, encoding, config, seen)
            except _Skip as skip:
                yield Skipped(where, skip.reason)
            produced = True
    if not produced:
        raise _Skip("empty file" if not head else "no JSON lines (blank lines only)",
                    "the file has no text to compare")


def _jsonl_decoded(raw_lines, codec: Optional[str]):
    for lineno, raw, length in raw_lines:
        if raw is None:
            yield lineno, _Skip(f"too long: line of {length} bytes; raise --max-chars"), ""
            continue
        if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield lineno, raw.decode("utf-8"), "utf-8"
            continue
        except UnicodeDecodeError:
            pass
        if codec:
            try:
                yield lineno, raw.decode(codec), codec
                continue
            except UnicodeDecodeError:
                pass
        yield lineno, _Skip("not UTF-8; JSON Lines should be UTF-8, or pass --encoding"), ""


def _read_items(path: str, rel: str, fmt: str, size: Optional[int],
                config: Config) -> Iterator[Item]:
    """The Documents of one file; raises _Skip, OSError or NeedsTrafilatura."""
    if fmt == "jsonl":
        yield from _jsonl_items(path, rel, size, config)
    elif fmt == "html":
        yield _html_document(path, rel, size, config)
    else:
        yield _text_document(path, rel, fmt, size, config)


def _check_encoding(config: Config) -> None:
    if config.encoding:
        try:
            normalize_encoding(config.encoding)
        except DecodeError as exc:
            raise ConfigError(f"encoding={config.encoding!r}: {exc}") from None


def _unsupported(name: str) -> _Skip:
    suffix = os.path.splitext(name)[1].lower()
    what = suffix if suffix else "(no extension)"
    return _Skip(f"unsupported file type {what}",
                 "use .txt, .md, .markdown, .html, .htm or .jsonl")


# ------------------------------------------------------------------------------------- walk

def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _listing(path: str) -> list:
    with os.scandir(path) as entries:
        return sorted(entries, key=lambda entry: entry.name)


def _file_items(path: str, rel: str, name: str, size: Optional[int],
                config: Config) -> Iterator[Item]:
    fmt = FORMATS.get(os.path.splitext(name)[1].lower())
    if fmt is None:
        yield Skipped(rel, _unsupported(name).reason)
        return
    try:
        yield from _read_items(path, rel, fmt, size, config)
    except _Skip as skip:
        yield Skipped(rel, skip.reason)
    except NeedsTrafilatura as exc:
        yield Skipped(rel, str(exc))
    except OSError as exc:
        yield Skipped(rel, _os_reason(exc)[0])
    except Exception as exc:  # last resort: one odd file must not stop a scan
        yield Skipped(rel, f"could not be read ({type(exc).__name__}: {exc})")


def _entry_items(entry: os.DirEntry, rel: str, root_real: str, config: Config,
                 stack: list) -> Iterator[Item]:
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
                stack.append((entry.path, rel + "/"))
                return
        if not stat.S_ISREG(st.st_mode):
            yield Skipped(rel, "not a regular file")
            return
    except OSError as exc:
        yield Skipped(rel, _os_reason(exc)[0])
        return
    yield from _file_items(entry.path, rel, name, st.st_size, config)


def iter_inputs(root: Path, config: Config) -> Iterator[Item]:
    """Walk ``root`` (sorted, depth first) and yield, for every file, its Document(s) or one
    :class:`Skipped`. JSONL files yield one Document per good line and one Skipped per bad line
    (``file.jsonl:LINE``). Paths are POSIX and relative to ``root``.

    Raises :class:`InputError` only when ``root`` itself is not a readable folder, and
    :class:`ConfigError` for an unknown ``config.encoding``; never for a bad file.
    """
    _check_encoding(config)
    root_str = os.fspath(root)
    try:
        if not stat.S_ISDIR(os.stat(root_str).st_mode):
            raise InputError(f"{root_str}: not a folder; use 'derivdetect compare' for files")
    except FileNotFoundError:
        raise InputError(f"{root_str}: folder not found; check the path") from None
    except OSError as exc:
        raise InputError(f"{root_str}: {_os_reason(exc)[0]}; check the path") from None
    root_real = os.path.realpath(root_str)
    try:
        top = _listing(root_str)
    except OSError as exc:
        raise InputError(f"{root_str}: {_os_reason(exc)[0]}; cannot list the folder") \
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
        yield from _entry_items(entry, prefix + entry.name, root_real, config, found)
        for folder, rel in found:
            try:
                walk.append((_listing(folder), 0, rel))
            except OSError as exc:
                reason, _ = _os_reason(exc)
                yield Skipped(rel[:-1], f"{reason}: cannot list the folder")


# --------------------------------------------------------------------------- one document

def read_document(path: Path, config: Config) -> Document:
    """Read one file (``derivdetect compare A B``); for a JSONL file, its first good line.

    Raises :class:`InputError` with a one-line message naming the file, the problem and what
    to do, or :class:`MissingDependencyError` for HTML without trafilatura.
    """
    _check_encoding(config)
    name = os.fspath(path)
    rel = Path(path).as_posix()
    try:
        st = os.stat(name)
    except OSError as exc:
        reason, hint = _os_reason(exc, during_scan=False)
        raise InputError(f"{name}: {reason}" + (f"; {hint}" if hint else "")) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{name}: is a folder; use 'derivdetect scan' for folders")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{name}: not a regular file; give a text, Markdown, HTML or JSONL "
                         f"file")
    fmt = FORMATS.get(os.path.splitext(name)[1].lower())
    try:
        if fmt is None:
            raise _unsupported(name)
        first_bad = None
        for item in _read_items(name, rel, fmt, st.st_size, config):
            if isinstance(item, Document):
                return item
            first_bad = first_bad or item
        raise _Skip(f"no usable line (line {first_bad.path.rsplit(':', 1)[1]}: "
                    f"{first_bad.reason})", "each line needs a JSON object with a 'text' string")
    except _Skip as skip:
        hint = f"; {skip.hint}" if skip.hint else ""
        raise InputError(f"{name}: {skip.reason}{hint}") from None
    except NeedsTrafilatura as exc:
        raise MissingDependencyError(
            f"{name}: reading HTML {exc}, or set {_TEXT_EXTRACTOR}") from None
    except OSError as exc:
        reason, hint = _os_reason(exc, during_scan=False)
        raise InputError(f"{name}: {reason}" + (f"; {hint}" if hint else "")) from None

"""Files to :class:`Document` s: one reader per format, and :func:`read_document` for one file.

- :func:`read_items`: the Document(s) of one file of a known format (text, Markdown with its
  front matter, HTML; JSONL through :mod:`.jsonl`); raises :class:`~.common.Skip`,
  ``OSError`` or ``NeedsTrafilatura``. The folder walk (:mod:`.walk`) turns those into
  :class:`Skipped` reasons.
- :func:`read_document`: one file, or one article ``FILE.jsonl#ID``, for ``compare``; raises
  :class:`InputError`.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Iterator, Optional

from ..config import Config
from ..errors import InputError, MissingDependencyError
from ..models import Document
from .common import (
    BYTES_PER_CHAR,
    FORMATS,
    Item,
    Skip,
    check_encoding,
    check_text,
    content_hash,
    decode_text,
    os_reason,
    too_long,
    unsupported,
)
from .html import HtmlError, NeedsTrafilatura, extract_html
from .jsonl import jsonl_items, pick_article, split_article_path
from .titles import title_and_byline

__all__ = ["read_items", "read_document", "FORMATS"]

# How a user switches to the plain-text HTML extractor (the CLI has no option for it yet).
_TEXT_EXTRACTOR = "--html-extractor text"

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


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


# ---------------------------------------------------------------------------------- formats

def _read_limited(path: str, fmt: str, size: Optional[int], config: Config) -> bytes:
    """The file's bytes, read once; too big a file is skipped before it is read."""
    per_char = BYTES_PER_CHAR[fmt]
    limit = per_char * config.max_chars

    def too_big(what: str) -> Skip:
        return Skip(f"too long: {what} bytes > {per_char} x max_chars {config.max_chars}; "
                    f"raise --max-chars")

    if size is not None and size > limit:
        raise too_big(str(size))
    # Asked for its listed size (plus one byte, to see growth), not for the limit: a read of
    # ``limit`` bytes allocates them first, which made reading a corpus of small files 3.5x
    # slower (72 vs 20 us a file here).
    want = limit + 1 if size is None else size + 1
    with open(path, "rb") as handle:
        data = handle.read(want)
        if len(data) == want and want <= limit:  # more than listed: read on to the limit
            data += handle.read(limit + 1 - want)
    if len(data) > limit:  # it grew after it was listed
        raise too_big(f"more than {limit}")
    return data


def _text_document(path: str, rel: str, fmt: str, size: Optional[int],
                   config: Config) -> Document:
    data = _read_limited(path, fmt, size, config)
    if not data:
        raise Skip("empty file", "the file has no text to compare")
    text, encoding = decode_text(data, config)
    check_text(text, config)
    date = url = None
    if fmt == "md":
        fields, body = _front_matter(text)
        date, url = fields.get("date"), fields.get("url")
        title, byline = title_and_byline(text, body, markdown=True)
        title = fields.get("title") or title
        byline = fields.get("byline") or fields.get("author") or byline
    else:
        title, byline = title_and_byline(text)
    return Document(id=rel, path=rel, text=text, title=title, date=date, url=url,
                    byline=byline, encoding=encoding, format=fmt,
                    content_hash=content_hash(data))


def _html_document(path: str, rel: str, size: Optional[int], config: Config) -> Document:
    data = _read_limited(path, "html", size, config)
    if not data:
        raise Skip("empty file", "the file has no text to compare")
    page, encoding = decode_text(data, config, html=True)
    if not page or page.isspace():
        raise Skip("no text (whitespace only)", "the file has no text to compare")
    try:
        found = extract_html(page, config.html_extractor)
    except NeedsTrafilatura:
        raise
    except HtmlError as exc:
        raise Skip(str(exc), f"try {_TEXT_EXTRACTOR}, which keeps all visible text") from None
    if len(found.text) > config.max_chars:
        raise too_long(len(found.text), config)
    return Document(id=rel, path=rel, text=found.text, title=found.title, date=found.date,
                    url=found.url, byline=found.byline, encoding=encoding, format="html",
                    content_hash=content_hash(data))


def read_items(path: str, rel: str, fmt: str, size: Optional[int], config: Config,
               crowded: Optional[bool] = None) -> Iterator[Item]:
    """The Documents of one file; raises Skip, OSError or NeedsTrafilatura. ``crowded``:
    whether paths named ``NAME#...`` lie beside it (None: look)."""
    if fmt == "jsonl":
        yield from jsonl_items(path, rel, size, config, crowded)
    elif fmt == "html":
        yield _html_document(path, rel, size, config)
    else:
        yield _text_document(path, rel, fmt, size, config)


# --------------------------------------------------------------------------- one document

def read_document(path: Path, config: Config) -> Document:
    """Read one article (``derivdetect compare A B``).

    ``path`` is a file, or ``FILE.jsonl#ID`` for one article of a JSONL file (when no file
    has that whole name): the line whose id key is ``ID``, the same key a scan gives it after
    the ``#`` (its ``id``, else its line number; see :class:`.jsonl.JsonlKeys` for ids taken
    twice). A JSONL file without ``#ID`` must hold exactly one article. The Document's id is
    ``path`` as given, POSIX (``FILE.jsonl#ID`` for a JSONL article): run from the scanned
    folder, the id a scan gives it.

    Raises :class:`InputError` with a one-line message naming the file, the problem and what
    to do (``feed.jsonl: holds 12 articles; pick one as feed.jsonl#ID, e.g. feed.jsonl#a``,
    ``feed.jsonl: no article with id 'x' (ids: a, b, c, …)``), or
    :class:`MissingDependencyError` for HTML without trafilatura.
    """
    check_encoding(config)
    name = os.fspath(path)
    pick = None

    def fail(exc: OSError) -> InputError:
        reason, hint = os_reason(exc, during_scan=False)
        return InputError(f"{name}: {reason}" + (f"; {hint}" if hint else ""))

    try:
        st = os.stat(name)
    except FileNotFoundError as exc:
        split = split_article_path(name)
        if split is None:
            raise fail(exc) from None
        name, pick = split
        try:
            st = os.stat(name)
        except OSError as exc:
            raise fail(exc) from None
    except OSError as exc:
        raise fail(exc) from None
    rel = Path(name).as_posix()
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{name}: is a folder; use 'derivdetect scan' for folders")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{name}: not a regular file; give a text, Markdown, HTML or JSONL "
                         f"file")
    fmt = FORMATS.get(os.path.splitext(name)[1].lower())
    try:
        if fmt is None:
            raise unsupported(name)
        items = read_items(name, rel, fmt, st.st_size, config)
        try:
            if fmt == "jsonl":
                return pick_article(items, name, rel, pick)
            return next(items)
        finally:
            items.close()  # the file, at once (an article picked before the end)
    except Skip as skip:
        hint = f"; {skip.hint}" if skip.hint else ""
        raise InputError(f"{name}: {skip.reason}{hint}") from None
    except NeedsTrafilatura as exc:
        raise MissingDependencyError(
            f"{name}: reading HTML {exc}, or set {_TEXT_EXTRACTOR}") from None
    except OSError as exc:
        raise fail(exc) from None

"""JSON Lines files: one :class:`Document` per good line, one :class:`Skipped` per bad one.

- :class:`JsonlKeys`: the id keys of one file's articles (``path#KEY``), unique in a scan.
- :func:`jsonl_items`: streams a file's lines (raw lines, decoded, parsed into records) and
  yields the Documents and Skipped lines.
- :func:`split_article_path` and :func:`pick_article`: ``FILE.jsonl#ID`` for ``compare``.
"""

from __future__ import annotations

import json
import os
import re
from itertools import chain, count
from typing import Iterator, Optional

from ..config import Config
from ..models import Document, Skipped
from .common import BYTES_PER_CHAR, Item, Skip, check_text, content_hash, decode_text
from .decode import binary_kind, normalize_encoding

__all__ = ["JsonlKeys", "jsonl_items", "split_article_path", "pick_article"]

_JSONL_LINE_SLACK = 64 * 1024  # room for the metadata fields of a line
_SURROGATE = re.compile("[\ud800-\udfff]")


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


_JSONL_NAMESPACE = ".jsonl#"


def _crowded(path: str) -> bool:
    """Whether the folder of ``path`` holds something named ``NAME#...`` beside it (``NAME``
    its file name): only then can an article id ``NAME#KEY`` clash with another's."""
    folder, name = os.path.split(path)
    prefix = name + "#"
    try:
        with os.scandir(folder or ".") as entries:
            return any(entry.name.startswith(prefix) for entry in entries)
    except OSError:
        return False


class JsonlKeys:
    """The id keys of one JSONL file's articles: what follows ``path#`` in their ids.

    A line's key is its ``id`` (a number as written: ``7``, ``2.5``), or its line number
    when it has none. Ids are unique in a scan: a key goes to the first line that asks for
    it, and a key that is already taken, or that would give an id some other path of the
    folder has, is replaced:

    - taken by an earlier line of the file (a duplicate ``id``, or an ``id`` equal to the
      line number of an earlier line without one): line N gets ``KEY#lineN``
      (``feed.jsonl#a1#line8``), a line without ``id`` gets ``lineN``;
    - ``feed.jsonl#KEY`` names a file or folder beside it (``feed.jsonl#x.txt``), or lies
      in the ids of a JSONL file beside it (key ``b.jsonl#c`` when ``feed.jsonl#b.jsonl``
      exists): the same. Files keep their paths as ids and the longest path wins, so that
      ``compare feed.jsonl#x.txt`` reads the file a scan calls by that id;
    - should that be taken too: ``lineN``, then ``lineN#2``, ``lineN#3``...

    Paths are looked up beside the file, and only when something named ``NAME#...`` lies
    there (``crowded``; found from the folder's listing by the walk): the keys do not depend
    on which folder above the file is scanned, and an ordinary folder costs no look-ups.
    """

    def __init__(self, path: str, crowded: Optional[bool] = None) -> None:
        self.path = path
        self.crowded = _crowded(path) if crowded is None else crowded
        self.first: dict = {}  # key -> the line that has it

    def _clashes(self, key: str) -> bool:
        if not self.crowded:
            return False
        cuts = [len(key)]
        lower = key.lower()
        at = lower.find(_JSONL_NAMESPACE)
        while at != -1:
            cuts.append(at + len(".jsonl"))
            at = lower.find(_JSONL_NAMESPACE, at + 1)
        return any(os.path.lexists(f"{self.path}#{key[:cut]}") for cut in cuts)

    def _free(self, key: str) -> bool:
        return key not in self.first and not self._clashes(key)

    def take(self, wanted: Optional[str], lineno: int) -> str:
        """The key of line ``lineno``, whose ``id`` is ``wanted`` (None: it has none)."""
        key = wanted if wanted is not None else str(lineno)
        if not self._free(key):
            tries = chain([f"{key}#line{lineno}"] if wanted is not None else [],
                          [f"line{lineno}"], (f"line{lineno}#{n}" for n in count(2)))
            key = next(k for k in tries if self._free(k))
        self.first[key] = lineno
        return key


def _jsonl_record(line: str, rel: str, lineno: int, encoding: str, config: Config,
                  keys: JsonlKeys) -> Document:
    try:
        record = json.loads(line.rstrip("\r\n"))  # "Unterminated string", not the newline
    except json.JSONDecodeError as exc:
        # "Unterminated string starting at" and "Invalid control character at" end in "at".
        where = "column" if exc.msg.endswith(" at") else "at column"
        raise Skip(f"not valid JSON ({exc.msg} {where} {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        raise Skip(f"not valid JSON ({type(exc).__name__})") from None
    if not isinstance(record, dict):
        raise Skip(f"not a JSON object but a JSON {_JSON_TYPES.get(type(record), 'value')}")
    if "text" not in record:
        raise Skip("no 'text' field")
    text = record["text"]
    if not isinstance(text, str):
        raise Skip(f"'text' must be a string, not a JSON "
                   f"{_JSON_TYPES.get(type(text), 'value')}")
    # JSON may escape lone surrogates ("\ud800"); they cannot be written out again. U+FFFD
    # has the same length, so offsets into the text are unchanged.
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    check_text(text, config, empty="empty 'text'")
    raw_id = record.get("id")
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int,
                                                                                  float))):
        raise Skip("'id' must be a string or a number")
    key = keys.take(_meta(raw_id), lineno)
    byline = _meta(record.get("byline")) or _meta(record.get("source")) \
        or _meta(record.get("author"))
    return Document(id=f"{rel}#{key}", path=rel, text=text, title=_meta(record.get("title")),
                    date=_meta(record.get("date")), url=_meta(record.get("url")),
                    byline=byline, encoding=encoding, format="jsonl",
                    content_hash=content_hash(text.encode("utf-8")))


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


def jsonl_items(path: str, rel: str, size: Optional[int], config: Config,
                crowded: Optional[bool] = None) -> Iterator[Item]:
    """The Documents of one JSONL file, and a Skipped per bad line (``rel:LINE``); raises
    :class:`~.common.Skip` for a file that is binary or has no line. ``crowded``: see
    :class:`JsonlKeys`."""
    limit = BYTES_PER_CHAR["jsonl"] * config.max_chars + _JSONL_LINE_SLACK
    codec = normalize_encoding(config.encoding) if config.encoding else None
    keys = JsonlKeys(path, crowded)
    produced = False
    with open(path, "rb") as handle:
        head = handle.read(8192)
        kind = binary_kind(head)
        if kind == "contains NUL bytes" and b"\x00" not in head.split(b"\n", 1)[0]:
            kind = None   # NUL bytes after a clean first line make their lines bad (JSON
            #               holds no raw NUL), not a feed of thousands of articles
        if kind:
            raise Skip(f"binary file ({kind}), not text", "convert it to text first")
        if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
            # UTF-16/32 JSON Lines (rare): decode the whole file at once.
            handle.seek(0)
            text, encoding = decode_text(handle.read(), config)
            lines = ((n, line, encoding) for n, line in enumerate(text.split("\n"), 1))
        else:
            handle.seek(0)
            lines = _jsonl_decoded(_jsonl_raw_lines(handle, limit), codec)
        for lineno, line, encoding in lines:
            where = f"{rel}:{lineno}"
            if isinstance(line, Skip):
                produced = True
                yield Skipped(where, line.reason)
                continue
            if not line or line.isspace():
                continue
            try:
                yield _jsonl_record(line, rel, lineno, encoding, config, keys)
            except Skip as skip:
                yield Skipped(where, skip.reason)
            produced = True
    if not produced:
        raise Skip("empty file" if not head else "no JSON lines (blank lines only)",
                   "the file has no text to compare")


def _jsonl_decoded(raw_lines, codec: Optional[str]):
    for lineno, raw, length in raw_lines:
        if raw is None:
            yield lineno, Skip(f"too long: line of {length} bytes; raise --max-chars"), ""
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
        yield lineno, Skip("not UTF-8; JSON Lines should be UTF-8, or pass --encoding"), ""


# --------------------------------------------------------------------------- one article

def split_article_path(name: str) -> Optional[tuple[str, str]]:
    """``"feed.jsonl#ID"`` -> ``("feed.jsonl", "ID")``: split at the last ``#`` that follows
    a ``.jsonl`` name naming an existing path (the longest, as the scan's ids are given), or
    else at the last such ``#``; None when ``name`` has none."""
    cuts = [i for i, char in enumerate(name)
            if char == "#" and name[:i].lower().endswith(".jsonl")]
    if not cuts:
        return None
    cut = next((i for i in reversed(cuts) if os.path.lexists(name[:i])), cuts[-1])
    return name[:cut], name[cut + 1:]


def _show_id(key: str) -> str:
    """An id key for a one-line message: as it is, or quoted when it has odd characters."""
    plain = key and key.isprintable() and key.strip() == key and "," not in key
    return key if plain else repr(key)


def _no_usable_line(first_bad: Optional[Skipped]) -> Skip:
    if first_bad is None:
        return Skip("no usable line", "each line needs a JSON object with a 'text' string")
    return Skip(f"no usable line (line {first_bad.path.rsplit(':', 1)[1]}: "
                f"{first_bad.reason})", "each line needs a JSON object with a 'text' string")


_IDS_SHOWN = 5


def pick_article(items: Iterator[Item], name: str, rel: str, pick: Optional[str]) -> Document:
    """The article of a JSONL file for ``compare``: the one whose id key is ``pick``, or the
    only one; raises Skip naming the ids (or how to pick one) otherwise."""
    first_bad: Optional[Skipped] = None
    bad = 0
    first: Optional[Document] = None
    shown: list = []
    found = 0
    for item in items:
        if not isinstance(item, Document):
            bad += 1
            first_bad = first_bad or item
            continue
        key = item.id[len(rel) + 1:]
        if key == pick:
            return item
        found += 1
        first = first or item
        if len(shown) < _IDS_SHOWN:
            shown.append(key)
    if first is None:
        raise _no_usable_line(first_bad)
    if pick is None:
        if found == 1:
            return first
        raise Skip(f"holds {found} articles",
                   f"pick one as {name}#ID, e.g. {name}#{shown[0]}")
    ids = ", ".join(_show_id(key) for key in shown) + (", …" if found > len(shown) else "")
    skipped = (f"{bad} unreadable line{'s' if bad > 1 else ''} skipped, the first: line "
               f"{first_bad.path.rsplit(':', 1)[1]}: {first_bad.reason}") if first_bad else ""
    raise Skip(f"no article with id {pick!r} (ids: {ids})", skipped)

"""Bytes to text: binary sniffing and encoding detection.

Order: byte-order mark, strict UTF-8, the forced ``--encoding``, a charset declared in an HTML
or XML file (only when asked), "UTF-8 with a few stray Windows-1252 bytes", Windows-1252 when
it reads as Western text, and finally charset-normalizer (other scripts). The decoded text is returned exactly as decoded (line ends and spacing
untouched, so later offsets point into it); only a leading byte-order mark is removed.
"""

from __future__ import annotations

import codecs
import re
from typing import Optional

__all__ = ["DecodeError", "decode_bytes", "binary_kind", "normalize_encoding"]

# Longest BOMs first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"%PDF-", "PDF document"),
    (b"\x1f\x8b", "GZIP archive"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"PK\x07\x08", "ZIP archive"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
)

_SNIFF_BYTES = 8192

# <meta charset="x">, <meta http-equiv=... content="...; charset=x">, <?xml encoding="x"?>
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)

# Bytes that are not valid UTF-8, as decoded with errors="surrogateescape" (one per byte).
_ESCAPED = re.compile("[\udc80-\udcff]")


def _cp1252_or_latin1(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined in cp1252
        return chr(byte)


_HIGH_BYTES = bytes(range(0x80, 0x100))
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\r\f") + b"\x7f"
_NON_ASCII_WORD = re.compile(r"\w*(?:(?![\x00-\x7f])\w)\w*")
_ASCII_LETTER = re.compile(r"[A-Za-z]")

_STRAY_TABLE = {0xDC00 + b: _cp1252_or_latin1(b) for b in range(0x80, 0x100)}


class DecodeError(ValueError):
    """The bytes are binary or cannot be decoded; ``str(error)`` is the reason, for a user."""


def normalize_encoding(name: str) -> str:
    """The canonical Python codec name for ``name``; ``DecodeError`` if there is no such codec."""
    try:
        return codecs.lookup(name).name
    except (LookupError, TypeError, ValueError):
        raise DecodeError(f"unknown encoding {name!r}; use a name such as utf-8, latin-1 "
                          f"or cp1252") from None


def binary_kind(data: bytes) -> Optional[str]:
    """What kind of binary file ``data`` starts like (``"PNG image"``...), or None for text."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):
        return None  # UTF-16/32 text is full of NUL bytes
    if data.find(b"\x00", 0, _SNIFF_BYTES) != -1:
        return "contains NUL bytes"
    return None


def _declared_charset(data: bytes) -> Optional[str]:
    match = _DECLARED.search(data, 0, 4096)
    if not match:
        return None
    name = (match.group(1) or match.group(2)).decode("ascii", "replace")
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # As browsers do (WHATWG): a byte-oriented page that says UTF-16 is really ASCII-based,
    # and one that says latin-1 or ASCII is really Windows-1252.
    if codec.startswith(("utf-16", "utf-32")):
        return None
    if codec in ("iso8859-1", "ascii"):
        return "cp1252"
    return codec


def _try(data: bytes, encoding: str) -> Optional[str]:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_utf8(data: bytes) -> Optional[str]:
    """UTF-8 with a few stray single-byte characters (a Windows-1252 ``é`` pasted into a UTF-8
    file: common in scraped news). Accepted only when the valid multi-byte sequences at least
    match the stray bytes in number, which plain Latin-1/Windows-1252 text almost never has."""
    text = data.decode("utf-8", "surrogateescape")
    stray = len(_ESCAPED.findall(text))
    multibyte_extra = len(data) - len(text)  # continuation bytes of valid sequences
    if stray == 0 or multibyte_extra < stray:
        return None
    return text.translate(_STRAY_TABLE)


def _western(data: bytes) -> Optional[str]:
    """Windows-1252 (a superset of printable Latin-1), if the result looks like Western text.

    charset-normalizer judges by language statistics, which come from the ASCII words when a
    text has only a few accented letters or pound signs (most English news): it then picks
    cp1250 (``£`` read as ``Ł``), cp775 or even cp932. Windows-1252 is accepted first when its
    non-ASCII letters sit inside words that also have ASCII letters ("café", "Anaïs") or there
    are none (only ``£``, curly quotes, dashes). Cyrillic, Greek or CJK bytes read as
    Windows-1252 give words made only of accented letters ("Ïðèâåò") and fail the test; so
    does noise (more than 20% bytes above 0x7F or 5% control characters).
    """
    size = len(data)
    high = size - len(data.translate(None, _HIGH_BYTES))
    controls = size - len(data.translate(None, _CONTROL_BYTES))
    if high > max(8, size // 5) or controls > max(2, size // 20):  # noise, or not Western
        return None
    text = _try(data, "cp1252")
    if text is None:
        return None
    words = [word for word in _NON_ASCII_WORD.findall(text)
             if any(char > "\x7f" and char.isalpha() for char in word)]  # not "3½"
    if not words:
        return text
    mixed = sum(1 for word in words if _ASCII_LETTER.search(word))
    return text if mixed * 2 >= len(words) else None


def _charset_normalizer(data: bytes) -> Optional[tuple[str, str]]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    text = _try(data, best.encoding)
    if text is None:
        return None
    return text, normalize_encoding(best.encoding)


def decode_bytes(data: bytes, encoding: Optional[str] = None, *,
                 html: bool = False) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding name)``.

    ``encoding`` is used for files that are not valid UTF-8 (``--encoding``); with ``html``
    a ``<meta charset>`` or XML declaration is honoured next. Raises :class:`DecodeError`
    (a ``ValueError``) with a reason such as ``binary file (PNG image), not text`` or
    ``not UTF-8 and no charset found; pass --encoding``.
    """
    kind = binary_kind(data)
    if kind:
        raise DecodeError(f"binary file ({kind}), not text")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), codec
            except UnicodeDecodeError as exc:
                raise DecodeError(f"starts with a {codec.upper()} byte-order mark but is not "
                                  f"valid {codec.upper()} (byte {exc.start + len(bom)}); "
                                  f"pass --encoding") from None
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    if encoding:
        codec = normalize_encoding(encoding)
        text = _try(data, codec)
        if text is not None:
            return text, codec
    if html:
        codec = _declared_charset(data)
        if codec:
            for candidate in ((codec, "iso8859-1") if codec == "cp1252" else (codec,)):
                text = _try(data, candidate)
                if text is not None:
                    return text, candidate
    text = _mostly_utf8(data)
    if text is not None:
        return text, "utf-8+cp1252"
    text = _western(data)
    if text is not None:
        return text, "cp1252"
    found = _charset_normalizer(data)
    if found is not None:
        return found
    if encoding:
        raise DecodeError(f"not valid {encoding} nor UTF-8 and no charset found; "
                          f"pass the right --encoding")
    raise DecodeError("not UTF-8 and no charset found; pass --encoding")

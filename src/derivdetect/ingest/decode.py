"""Bytes to text: binary sniffing and encoding detection.

Order: byte-order mark, strict UTF-8, the forced ``--encoding``, a charset declared in an HTML
or XML file (only when asked), "UTF-8 with a few stray Windows-1252 bytes", Windows-1252 when
it reads as Western text, and finally charset-normalizer (other scripts). The text is returned
exactly as decoded (line ends and spacing untouched, so later offsets point into it); only a
leading byte-order mark is removed.
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

_MAGIC_PREFIXES = tuple(magic for magic, _ in _MAGIC)
_SNIFF_BYTES = 8192
_WIDE = ("utf-16", "utf-32")

# <meta charset="x">, <meta http-equiv=... content="...; charset=x">, <?xml encoding="x"?>
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)


def _cp1252_or_latin1(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined in cp1252
        return chr(byte)


_HIGH_BYTES = bytes(range(0x80, 0x100))
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\r\f") + b"\x7f"


def _letter_classes() -> bytes:
    """A bytes.translate table: ASCII letters -> b"L", Windows-1252 letters above 0x7F -> b"H"
    ("é", "ï"; not "£", "½" or curly quotes), anything else -> b" "."""
    table = bytearray(b" " * 256)
    for byte in range(256):
        char = bytes([byte]).decode("cp1252", "ignore")
        if char.isalpha():
            table[byte] = ord("L") if byte < 0x80 else ord("H")
    return bytes(table)


_LETTER_CLASSES = _letter_classes()

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


def binary_kind(data: bytes, nul_ok: bool = False) -> Optional[str]:
    """What kind of binary file ``data`` starts like (``"PNG image"``...), or None for text.

    NUL bytes in the first 8 KB mean binary, unless a UTF-16/32 byte-order mark (or
    ``nul_ok``: a forced UTF-16/32 encoding) explains them.
    """
    if data.startswith(_MAGIC_PREFIXES):
        for magic, kind in _MAGIC:
            if data.startswith(magic):
                return kind
    if nul_ok or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE,
                                  codecs.BOM_UTF32_BE)):
        return None
    if data.find(b"\x00", 0, _SNIFF_BYTES) == -1:
        return None
    head = data[:_SNIFF_BYTES]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2 or 1
    if max(even, odd) > half * 0.3 and min(even, odd) < half * 0.05:
        return ("contains NUL bytes; UTF-16 without a byte-order mark? pass --encoding "
                + ("utf-16-be" if even > odd else "utf-16-le"))
    return "contains NUL bytes"


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
    if codec.startswith(_WIDE):
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
    replaced = data.decode("utf-8", "replace")  # one U+FFFD per invalid sequence
    stray = replaced.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    multibyte_extra = len(data) - len(replaced)  # about the continuation bytes
    if stray <= 0 or multibyte_extra < stray:
        return None
    # Now exactly: each invalid byte becomes U+DC80..U+DCFF, then its Windows-1252 character.
    return data.decode("utf-8", "surrogateescape").translate(_STRAY_TABLE)


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
    classes = data.translate(_LETTER_CLASSES)
    runs = mixed = 0
    size = len(classes)
    start = classes.find(b"H")
    while start != -1:  # one turn per run of accented letters: few in Western text
        stop = start + 1
        while stop < size and classes[stop] == 0x48:  # "H"
            stop += 1
        runs += 1
        if (start and classes[start - 1] == 0x4C) or (stop < size and classes[stop] == 0x4C):
            mixed += 1  # touches an ASCII letter "L"
        start = classes.find(b"H", stop)
    return text if 2 * mixed >= runs else None


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
    forced = normalize_encoding(encoding) if encoding else None
    kind = binary_kind(data, nul_ok=bool(forced and forced.startswith(_WIDE)))
    if kind:
        raise DecodeError(f"binary file ({kind}), not text")
    for bom, wide in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(wide), wide
            except UnicodeDecodeError as exc:
                if forced:  # not a BOM after all ("ÿþ" in Latin-1): as --encoding says
                    break
                raise DecodeError(f"starts with a {wide.upper()} byte-order mark but is not "
                                  f"valid {wide.upper()} (byte {exc.start + len(bom)}); "
                                  f"pass --encoding") from None
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    if forced:
        text = _try(data, forced)
        if text is not None:
            return text, forced
    if html:
        declared = _declared_charset(data)
        if declared:
            for candidate in ((declared, "iso8859-1") if declared == "cp1252" else (declared,)):
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

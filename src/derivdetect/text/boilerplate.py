"""Boilerplate: site furniture that must not create or inflate a match.

Words used throughout the code: a *line* is a unit that can be boilerplate (a paragraph, or
one line of a stack of short lines) with its *line key* (a hash of its words); the corpus's
*furniture* is the set of line keys common to many documents; a document's *boilerplate* is the
character spans masked before scoring (its furniture lines, lines it repeats, lines that look
like furniture). Three signals, all cheap:

* lines that recur in several documents of the corpus (disclaimers, "Share: Facebook Twitter",
  newsletter promos), as long as they are short: a long paragraph found in many documents is
  more likely a wire story republished than furniture;
* lines found twice inside one document (an aggregator pasting its disclaimer twice), as
  units and as physical lines, adjacent or not;
* lines that look like furniture anywhere ("Also read:", "Get the ... in your inbox",
  "Leave a Comment"), so that a single pair compared on its own is judged fairly too.

``line_keys`` is per document (pure, parallel); ``boilerplate_spans`` needs the set of line keys
common in the corpus (``stages.corpus.common_lines``; a persistent archive keeps the same counts).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import regex

FURNITURE_RE = regex.compile(
    r"^\W*(?:(?:also read|read more|read also|related(?: articles?| stories)?|see also|"
    r"share(?: this(?: article)?)?|follow us(?: on \w+)?|advertisement|sponsored|photo|image|"
    r"video|source|tags)\s*(?:[:|]|$)|get the .{1,40} in your inbox|sign up for|subscribe to|"
    r"leave a (?:comment|reply)|denial of responsibility|all rights reserved|dmca\b|click here|"
    r"copyright\s*(?:©|\(c\)|\d{4})|©|your email address will not be published|this site uses akismet|"
    r"required fields are marked|(?:facebook|twitter|x|pinterest|linkedin|whatsapp|telegram|"
    r"reddit|email|print|tumblr|vk)\s*$|#\w+(?:\s+#\w+)+\s*$)",
    regex.IGNORECASE,
)


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    key: int
    words: int


WRAPPED_LINE_CHARS = 60
MAX_CHARS_PER_WORD = 30


def furniture_line_chars(max_words: int) -> int:
    """Longest unit (in characters) that can be furniture: ``max_words`` words of up to 30
    characters. Sketching counts only such lines across documents, and judging masks a
    common line only within the same bound, so a judgement depends on exactly the common
    lines its documents' sketches hold."""
    return MAX_CHARS_PER_WORD * max_words


def _physical_lines(text: str):
    """``(start, end)`` of each non-blank line, stripped of surrounding white space."""
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.strip()
        if body:
            start = pos + (len(raw) - len(raw.lstrip()))
            yield start, start + len(body)
        pos += len(raw)


def _blocks(text: str):
    """Units that can be boilerplate: paragraphs, or the lines of a paragraph of short lines.

    Hard-wrapped prose (wire copy wrapped at 70-80 columns) stays one unit per paragraph, so a
    wrapped fragment like "said." never counts as a line of its own; a stack of short lines
    (a share bar, a menu) is split into its lines.
    """
    paragraph: list = []
    previous_end = None
    for start, end in _physical_lines(text):
        if paragraph and text.count("\n", previous_end, start) > 1:
            yield from _flush(text, paragraph)
            paragraph = []
        paragraph.append((start, end))
        previous_end = end
    yield from _flush(text, paragraph)


def _flush(text: str, lines: list):
    if not lines:
        return
    if len(lines) == 1 or all(end - start < WRAPPED_LINE_CHARS for start, end in lines):
        yield from lines
    else:
        yield lines[0][0], lines[-1][1]


_MASK64 = (1 << 64) - 1
_LINE_MULT = 0xC6A4A7935BD1E995


def line_key(form_hashes) -> int:
    """Order-sensitive 64-bit hash of a unit's token forms (``kernels.line_key`` computes the
    same): two lines with the same words in the same order match whatever their case,
    punctuation and spacing."""
    h = _LINE_MULT
    for f in form_hashes:
        h = ((h ^ int(f)) * _LINE_MULT) & _MASK64
        h ^= h >> 29
    return h


def line_keys(text: str, token_starts: np.ndarray, form_hashes: np.ndarray,
              max_chars: int | None = None) -> tuple:
    """Each boilerplate unit (see :func:`_blocks`) with its span, the hash of its tokens'
    forms (``token_starts``/``form_hashes``: the text's tokens, as ``shingle.token_hashes``
    hashes them) and its number of tokens; units longer than ``max_chars`` (too long to be
    furniture) are left out when it is given."""
    lines = []
    for start, end in _blocks(text):
        if max_chars is not None and end - start > max_chars:
            continue
        lo, hi = np.searchsorted(token_starts, [start, end])
        if hi > lo:
            lines.append(Line(start, end, line_key(form_hashes[lo:hi]), int(hi - lo)))
    return tuple(lines)


def boilerplate_spans(text: str, lines: tuple, furniture: frozenset, max_words: int,
                      max_chars: int | None = None) -> tuple:
    """Character spans of this document's boilerplate, in text order and merged.

    ``furniture`` holds the keys of lines common in the corpus (see
    ``stages.corpus.common_lines``), which count up to ``max_words`` words and ``max_chars``
    characters; lines repeated inside this document and lines matching
    :data:`FURNITURE_RE` count too.
    """
    within = Counter(line.key for line in lines)
    physical = list(_physical_lines(text))
    spans = list(_repeated_lines(text, physical))
    for line in lines:
        common = (line.key in furniture and line.words <= max_words
                  and (max_chars is None or line.end - line.start <= max_chars))
        if common or within[line.key] > 1:
            spans.append((line.start, line.end))
    for start, end in physical:
        if FURNITURE_RE.match(text[start:end]):
            spans.append((start, end))
    return merge_spans(spans)


def _repeated_lines(text: str, physical: list):
    """Physical lines of three words or more found twice or more in the text, wherever
    they are (a disclaimer pasted at the top and the bottom, or twice in one paragraph):
    a text does not repeat its own sentences, its template does. Judged within the text
    alone, so the corpus's counts are untouched. ``physical``: its :func:`_physical_lines`."""
    seen: dict = {}
    for start, end in physical:
        words = text[start:end].casefold().split()
        if len(words) >= 3:
            seen.setdefault(" ".join(words), []).append((start, end))
    for spans in seen.values():
        if len(spans) > 1:
            yield from spans


def merge_spans(spans) -> tuple:
    """``(start, end)`` spans sorted, with overlapping and touching ones merged."""
    merged: list = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def token_mask(starts: np.ndarray, spans: tuple) -> np.ndarray:
    """True for tokens outside every boilerplate span."""
    keep = np.ones(len(starts), dtype=bool)
    for start, end in spans:
        lo, hi = np.searchsorted(starts, [start, end])
        keep[lo:hi] = False
    return keep

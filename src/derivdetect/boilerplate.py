"""Boilerplate: site furniture that must not create or inflate a match.

Two signals, both cheap and corpus-level:

* lines that recur in several documents of the corpus (disclaimers, "Share: Facebook Twitter",
  newsletter promos), as long as they are short: a long paragraph found in many documents is
  more likely a wire story republished than furniture;
* lines found twice inside one document (an aggregator pasting its disclaimer twice);
* lines that look like furniture anywhere ("Also read:", "Get the ... in your inbox",
  "Leave a Comment"), so that a single pair compared on its own is judged fairly too.

``line_keys`` is per document (pure, parallel); ``boilerplate_spans`` needs the counts over the
corpus, which ``count_lines`` accumulates (a persistent archive keeps the same counts).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import regex
import xxhash

from .normalize import TOKEN_RE, normalize_token

FURNITURE_RE = regex.compile(
    r"^\W*(?:(?:also read|read more|read also|related(?: articles?| stories)?|see also|"
    r"share(?: this(?: article)?)?|follow us(?: on \w+)?|advertisement|sponsored|photo|image|"
    r"video|source|tags)\s*(?:[:|]|$)|get the .{1,40} in your inbox|sign up for|subscribe to|"
    r"leave a (?:comment|reply)|denial of responsibility|all rights reserved|dmca\b|click here|"
    r"copyright\b|©|your email address will not be published|this site uses akismet|"
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


def line_keys(text: str) -> tuple:
    """Each non-empty line with its character span and a hash of its normalized words."""
    lines = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        words = [normalize_token(m.group()) for m in TOKEN_RE.finditer(raw)]
        if words:
            stripped_start = pos + (len(raw) - len(raw.lstrip()))
            stripped_end = pos + len(raw.rstrip())
            key = xxhash.xxh3_64_intdigest(" ".join(words).encode("utf-8"))
            lines.append(Line(stripped_start, stripped_end, key, len(words)))
        pos += len(raw)
    return tuple(lines)


def count_lines(per_document_keys) -> Counter:
    """In how many documents each line key occurs (a document counts once per key)."""
    counts: Counter = Counter()
    for lines in per_document_keys:
        counts.update({line.key for line in lines})
    return counts


def boilerplate_spans(text: str, lines: tuple, doc_counts: Counter,
                      min_docs: int, max_words: int) -> tuple:
    """Character spans of this document's boilerplate lines, in text order."""
    within = Counter(line.key for line in lines)
    spans = []
    for line in lines:
        common = doc_counts.get(line.key, 0) >= min_docs and line.words <= max_words
        if common or within[line.key] > 1 or FURNITURE_RE.match(text[line.start:line.end]):
            spans.append((line.start, line.end))
    return tuple(spans)


def token_mask(starts: np.ndarray, spans: tuple) -> np.ndarray:
    """True for tokens outside every boilerplate span."""
    keep = np.ones(len(starts), dtype=bool)
    for start, end in spans:
        lo, hi = np.searchsorted(starts, [start, end])
        keep[lo:hi] = False
    return keep

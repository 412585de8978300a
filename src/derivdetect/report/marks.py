"""The marked-up pieces of a pair page: its texts cut into segments at every passage,
boilerplate and credit boundary, the word diff of each paraphrase and the inspector's list of
passages. Each is rendered to markup here, with every piece of article text escaped, rather
than in the template: the same markup in a fraction of the time (a page has hundreds of
segments)."""

from __future__ import annotations

import difflib
import re
import threading
from typing import Iterable, NamedTuple

from markupsafe import Markup, escape

__all__ = ["Segment", "build_segments", "segments_html", "diff_html", "inspector_html",
           "word_diff", "diff_counts", "word_count"]


class Segment(NamedTuple):
    """A stretch of one side's text covered by the same passages and boilerplate state (a
    named tuple: a page makes hundreds, and a frozen dataclass was a sixth of the cost)."""

    start: int
    end: int
    text: str
    passages: tuple  # passage indexes covering it
    kinds: tuple  # subset of ("exact", "quote", "paraphrase")
    boilerplate: bool
    opening: tuple  # passage indexes starting here (a keyboard stop when not empty)
    credit: bool = False  # names the source (``pair.credit`` evidence)

    @property
    def opens(self) -> bool:
        return bool(self.opening)

    @property
    def css(self) -> str:
        names = []
        if "exact" in self.kinds:
            names.append("x")
        if "quote" in self.kinds:
            names.append("q")
        if "paraphrase" in self.kinds:
            names.append("p")
        if self.boilerplate:
            names.append("bp")
        if self.credit:
            names.append("cr")
        return " ".join(names)

    @property
    def data_p(self) -> str:
        return " ".join(str(i) for i in self.passages)


_SEGMENT_KINDS = ("exact", "quote", "paraphrase")


def build_segments(text: str, spans: Iterable[tuple], boilerplate: Iterable[tuple] = (),
                   credit: Iterable[tuple] = ()) -> list:
    """Split ``text`` at every passage, boilerplate and credit boundary.

    ``spans`` holds ``(start, end, kind, index)``; passages may overlap (an exact run inside a
    paraphrased sentence). Each returned :class:`Segment` knows every passage covering it, so
    the concatenated segments are ``text`` and the segments of passage ``i`` are exactly
    ``text[start:end]``. ``credit`` holds ``(start, end)`` spans that name the source.
    Offsets are clamped to the text; empty spans are ignored.
    """
    n = len(text)
    starts: dict[int, list] = {}
    ends: dict[int, list] = {}
    bounds = {0, n}
    kinds: dict[int, str] = {}
    for start, end, kind, index in spans:
        start, end = max(0, min(int(start), n)), max(0, min(int(end), n))
        if end <= start:
            continue
        starts.setdefault(start, []).append(("p", index))
        ends.setdefault(end, []).append(("p", index))
        kinds[index] = kind
        bounds.update((start, end))
    for what, extra in (("b", boilerplate), ("c", credit)):
        for k, (start, end) in enumerate(extra):
            start, end = max(0, min(int(start), n)), max(0, min(int(end), n))
            if end <= start:
                continue
            starts.setdefault(start, []).append((what, k))
            ends.setdefault(end, []).append((what, k))
            bounds.update((start, end))
    active = {"p": set(), "b": set(), "c": set()}
    out = []
    ordered = sorted(bounds)
    for pos, nxt in zip(ordered, ordered[1:]):
        for what, key in ends.get(pos, ()):
            active[what].discard(key)
        opened = []
        for what, key in starts.get(pos, ()):
            active[what].add(key)
            if what == "p":
                opened.append(key)
        ids = tuple(sorted(active["p"]))
        present = {kinds[i] for i in ids}
        out.append(Segment(pos, nxt, text[pos:nxt], ids,
                           tuple(k for k in _SEGMENT_KINDS if k in present),
                           bool(active["b"]), tuple(sorted(opened)), bool(active["c"])))
    return out


def segments_html(segments: list, numbers) -> Markup:
    """The marked-up text of one side of a pair page: each :class:`Segment` escaped, inside
    a ``<span>`` (its CSS classes, passages and, where passages open, the keyboard stop
    with their numbers: ``numbers(indexes)``) when anything covers it. Rendered here rather
    than in the template: the same markup in a tenth of the time."""
    if not segments:
        return Markup('<span class="no-text">(text not available)</span>')
    parts = []
    for s in segments:
        if s.passages or s.boilerplate or s.credit:
            # class names and passage numbers are ours (letters, digits): nothing to escape
            attrs = f' data-p="{s.data_p}"' if s.passages else ""
            if s.opening:
                attrs += f' tabindex="0" data-n="{numbers(s.opening)}"'
            parts.append(f'<span class="{s.css}"{attrs}>{escape(s.text)}</span>')
        else:
            parts.append(escape(s.text))
    return Markup("".join(parts))


def diff_html(ops: list) -> Markup:
    """The word diff of a paraphrase (:func:`word_diff`) as markup: kept words as they are,
    dropped ones ``<del>``, added ones ``<ins>``, substitutions both in a ``span.sub``."""
    parts = []
    for op, left, right in ops:
        if op == "equal":
            parts.append(escape(left))
        elif op == "delete":
            parts.append(f"<del>{escape(left)}</del>")
        elif op == "insert":
            parts.append(f"<ins>{escape(right)}</ins>")
        else:
            parts.append(f'<span class="sub"><del>{escape(left)}</del><ins>{escape(right)}</ins></span>')
    return Markup(" ".join(parts))


_PASSAGE_NAME = {"exact": "word for word", "paraphrase": "paraphrase", "quote": "quoted in both texts"}


def inspector_html(infos: list, nouns: tuple) -> Markup:
    """The inspector's hidden articles, one per passage (``infos`` of :func:`_pair_context`):
    its kind, place and, for a paraphrase, the word diff; for other kinds, the passage quoted.
    ``nouns``: what the left and right texts are called. Rendered here rather than in the
    template, for the reason :func:`segments_html` gives."""
    left, right = escape(nouns[0]), escape(nouns[1])
    parts = []
    for info in infos:
        p = info["passage"]
        kind = p.kind
        i = info["index"]
        (ls, le), (rs, re_) = info["left_span"], info["right_span"]
        similarity = f"similarity {float(p.similarity):.2f} · " if kind == "paraphrase" else ""
        parts.append(
            f'<article class="pi" id="pi-{i}" data-p="{i}" hidden>\n'
            f'<div class="pi-head"><span class="what">Passage {info["n"]} · '
            f'{escape(_PASSAGE_NAME.get(kind, kind))}</span>\n'
            f'<span class="meta">{similarity}{info["words"]} words · characters {ls}–{le} left, '
            f'{rs}–{re_} right</span></div>\n')
        if kind == "paraphrase":
            c = info["counts"]
            parts.append(
                f'<p class="diff" dir="auto">{info["diff_html"]}</p>\n'
                f'<div class="diff-key"><span><del>struck</del> only in {left} (left)</span>'
                f'<span><ins>marked</ins> only in {right} (right)</span>\n'
                f'<span>{c["equal"]} words kept, {c["replace"]} replaced, {c["insert"]} added, '
                f'{c["delete"]} dropped</span></div>\n')
        else:
            parts.append(f'<p class="quote" dir="auto">{escape(info["quote"])}</p>\n')
        parts.append("</article>\n")
    return Markup("".join(parts))


_WORD = re.compile(r"\S+")
_EDGE_PUNCT = re.compile(r"^\W+|\W+$")


def _norm_word(word: str) -> str:
    return _EDGE_PUNCT.sub("", word.casefold()) or word


# A word's code is that of its normalized form: equal codes, equal words for the diff. Kept
# across the pages of a process (words recur), emptied when it grows past the limit; one
# thread at a time codes its words (a clear between another's coding and its use mixed codes).
_WORD_CODES: dict = {}
_NORM_CODES: dict = {}
_WORD_CODES_MAX = 500_000
_WORD_CODES_LOCK = threading.Lock()


def word_diff(left: str, right: str, compiled: bool = False) -> list:
    """Word-level diff from ``left`` to ``right``: ``[(op, left_words, right_words)]``.

    ``op`` is ``equal``, ``delete`` (only left), ``insert`` (only right) or ``replace``
    (substituted). Words match ignoring case and surrounding punctuation (difflib's
    ``SequenceMatcher`` on word lists; ``compiled``: the same blocks from
    :func:`derivdetect.compiled.diff_kernels.matching_blocks`); the words shown are the
    original ones.
    """
    lw, rw = _WORD.findall(left), _WORD.findall(right)
    if compiled:
        import numpy as np

        from ..compiled.diff_kernels import matching_blocks

        with _WORD_CODES_LOCK:
            if len(_WORD_CODES) > _WORD_CODES_MAX:
                _WORD_CODES.clear()
                _NORM_CODES.clear()
            codes = _WORD_CODES
            for word in {*lw, *rw}.difference(codes):
                codes[word] = _NORM_CODES.setdefault(_norm_word(word), len(_NORM_CODES))
            a = np.array([codes[w] for w in lw], np.int64)
            b = np.array([codes[w] for w in rw], np.int64)
        opcodes = _opcodes(matching_blocks(a, b).tolist())
    else:
        norm = {w: _norm_word(w) for w in {*lw, *rw}}
        opcodes = difflib.SequenceMatcher(None, [norm[w] for w in lw], [norm[w] for w in rw],
                                          autojunk=False).get_opcodes()
    return [(op, " ".join(lw[i1:i2]), " ".join(rw[j1:j2])) for op, i1, i2, j1, j2 in opcodes]


def _opcodes(blocks: list) -> list:
    """``SequenceMatcher.get_opcodes()`` from its matching blocks."""
    i = j = 0
    out = []
    for ai, bj, size in blocks:
        tag = ("replace" if i < ai and j < bj else "delete" if i < ai
               else "insert" if j < bj else "")
        if tag:
            out.append((tag, i, ai, j, bj))
        i, j = ai + size, bj + size
        if size:
            out.append(("equal", ai, i, bj, j))
    return out


def diff_counts(ops: list) -> dict:
    """Words kept, replaced, added and dropped by the word diff ``ops``."""
    counts = {"equal": 0, "delete": 0, "insert": 0, "replace": 0}
    for op, left, right in ops:
        counts[op] += len(right.split()) if op == "insert" else len(left.split())
    return counts


def word_count(text: str) -> int:
    """Words (runs of non-space characters) in ``text``."""
    return len(_WORD.findall(text))


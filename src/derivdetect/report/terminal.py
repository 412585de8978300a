"""A short human summary of one pair, readable in a terminal."""

from __future__ import annotations

import re
import textwrap

from ..models import Document, Pair

_COLUMN = 38
# Control characters (C0, DEL, C1: terminal escape sequences, forged line breaks), the Unicode
# line and paragraph separators and the bidirectional overrides (text shown in another order).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def for_terminal(text: str) -> str:
    """``text`` safe to print on one terminal line: file names and article text are
    untrusted, and a newline or an escape sequence in them must show as ``\\n`` or
    ``\\x1b``, not forge lines or drive the terminal."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _snippet(text: str, start: int, end: int, limit: int = 160) -> str:
    piece = for_terminal(" ".join(text[start:end].split()))
    return piece if len(piece) <= limit else piece[: limit - 1] + "…"


def explain_pair(pair: Pair, doc_a: Document, doc_b: Document, top: int = 6) -> str:
    s = pair.scores
    lines = [
        f"A: {for_terminal(doc_a.id)}" + (f"  ({for_terminal(doc_a.title)})" if doc_a.title else ""),
        f"B: {for_terminal(doc_b.id)}" + (f"  ({for_terminal(doc_b.title)})" if doc_b.title else ""),
        f"verdict:  {pair.verdict}" + (f", {pair.extent}" if pair.extent else "")
        + (f" (reuse probability {s['probability']:.0%})" if "probability" in s else ""),
        f"source:   {for_terminal(pair.source or 'unknown')} ({for_terminal(pair.source_reason)})",
        *([f"credit:   the copy names its source ({for_terminal(', '.join(pair.credit['names']))})"
           if pair.credit["credited"] else "credit:   the copy does not name its source"]
          if pair.credit else []),
        f"coverage: A {s['coverage_a']:.0%} (exact {s['exact_coverage_a']:.0%}), "
        f"B {s['coverage_b']:.0%} (exact {s['exact_coverage_b']:.0%}); "
        f"longest verbatim run {s['longest_exact_words']} words"
        + (f"; {s['quote_passages']} passages quoted in both (not counted as copying)"
           if s.get("quote_passages") else ""),
        f"shingles: Jaccard {s['jaccard']:.3f}, containment A in B {s['containment_a_in_b']:.3f}, "
        f"B in A {s['containment_b_in_a']:.3f}",
    ]
    lines += [f"why:      {for_terminal(r)}" if k == 0 else f"          {for_terminal(r)}"
              for k, r in enumerate(pair.reasons[2:])]
    ranked = sorted(pair.passages, key=lambda p: -(p.a_end - p.a_start))[:top]
    if ranked:
        lines.append(f"top passages ({len(pair.passages)} in all):")
    for p in sorted(ranked, key=lambda p: p.a_start):
        left = textwrap.wrap(_snippet(doc_a.text, p.a_start, p.a_end), _COLUMN) or [""]
        right = textwrap.wrap(_snippet(doc_b.text, p.b_start, p.b_end), _COLUMN) or [""]
        lines.append(f"  [{p.kind} {p.similarity:.2f}] A {p.a_start}-{p.a_end} | B {p.b_start}-{p.b_end}")
        for i in range(max(len(left), len(right))):
            l = left[i] if i < len(left) else ""
            r = right[i] if i < len(right) else ""
            lines.append(f"    {l:<{_COLUMN}} | {r}")
    return "\n".join(lines)

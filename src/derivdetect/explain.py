"""A short human summary of one pair, readable in a terminal."""

from __future__ import annotations

import textwrap

from .models import Document, Pair

_COLUMN = 38


def _snippet(text: str, start: int, end: int, limit: int = 160) -> str:
    piece = " ".join(text[start:end].split())
    return piece if len(piece) <= limit else piece[: limit - 1] + "…"


def explain_pair(pair: Pair, doc_a: Document, doc_b: Document, top: int = 6) -> str:
    s = pair.scores
    lines = [
        f"A: {doc_a.path}" + (f"  ({doc_a.title})" if doc_a.title else ""),
        f"B: {doc_b.path}" + (f"  ({doc_b.title})" if doc_b.title else ""),
        f"verdict:  {pair.verdict}" + (f", {pair.extent}" if pair.extent else ""),
        f"source:   {pair.source or 'unknown'} ({pair.source_reason})",
        f"coverage: A {s['coverage_a']:.0%} (exact {s['exact_coverage_a']:.0%}), "
        f"B {s['coverage_b']:.0%} (exact {s['exact_coverage_b']:.0%}); "
        f"longest verbatim run {s['longest_exact_words']} words",
        f"shingles: Jaccard {s['jaccard']:.3f}, containment A in B {s['containment_a_in_b']:.3f}, "
        f"B in A {s['containment_b_in_a']:.3f}",
    ]
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

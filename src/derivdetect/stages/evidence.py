"""What the aligned passages of a pair say about reuse, beyond how much they cover.

Independent reports of one event share quotes (from the same press conference), names and
facts; a copy shares the writing: prose word for word, sentences restated in the source's
order, many links of high similarity. These functions turn a pair's passages into such
evidence (pure, over plain passages and spans); ``reuse.py`` weighs it.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np

from ..models import Passage

QUOTED_SHARE = 0.8
STRONG_LINK = 0.7


def mark_quotes(passages: list, quotes_a: tuple, quotes_b: tuple) -> list:
    """``passages`` with each exact passage that lies (at least 80% of its characters) inside
    quotation marks in both texts turned into kind ``quote``: shared direct speech."""
    if not quotes_a or not quotes_b:
        return passages
    out = []
    for p in passages:
        if (p.kind == "exact" and _inside(quotes_a, p.a_start, p.a_end) >= QUOTED_SHARE
                and _inside(quotes_b, p.b_start, p.b_end) >= QUOTED_SHARE):
            p = Passage("quote", p.a_start, p.a_end, p.b_start, p.b_end, p.similarity)
        out.append(p)
    return out


def _inside(spans: tuple, start: int, end: int) -> float:
    """Share of ``[start, end)`` covered by the sorted, disjoint ``spans``."""
    if end <= start:
        return 0.0
    covered = 0
    for s, e in spans:
        if e <= start:
            continue
        if s >= end:
            break
        covered += min(e, end) - max(s, start)
    return covered / (end - start)


def in_order_share(passages: list) -> float:
    """Share of the passages that keep the same order in both texts (the longest run of
    passages increasing in both, over all passages): a rewrite follows its source's order,
    independent reports order the facts their own way. 0 without passages."""
    if not passages:
        return 0.0
    ordered = sorted(passages, key=lambda p: (p.a_start, p.b_start))
    tails: list = []
    for p in ordered:
        k = bisect_left(tails, p.b_start)
        if k == len(tails):
            tails.append(p.b_start)
        else:
            tails[k] = p.b_start
    return len(tails) / len(passages)


def link_strength(passages: list) -> tuple:
    """``(mean similarity, links of similarity >= 0.7)`` of the paraphrase passages."""
    links = np.array([p.similarity for p in passages if p.kind == "paraphrase"], dtype=float)
    if not len(links):
        return 0.0, 0
    return float(links.mean()), int((links >= STRONG_LINK).sum())

"""Which flags an editor sees first: pairs and families ordered by strength, strongest first.

Pure functions of the pairs (no I/O, no state), shared by every page of the HTML report.

Strength, most important first:

1. a calibrated probability that the pair is a real copy, ``scores["probability"]``, when the
   scan provides one (a later version will): pairs that have it come before pairs that don't,
   higher probability first;
2. the verdict: ``verbatim`` > ``near-duplicate`` > ``derivative`` (> anything else);
3. the derived side's coverage: ``max(coverage_a, coverage_b)``, the share of the more
   covered text inside aligned passages;
4. ``longest_exact_words``, the longest word-for-word run;
5. the two ids, so that the order is total and the same on every run.

A missing, non-numeric or NaN score counts as the lowest value.
"""

from __future__ import annotations

import math
from typing import Iterable, Optional

__all__ = ["VERDICT_RANK", "pair_strength", "order_pairs", "order_families"]

VERDICT_RANK = {"verbatim": 3, "near-duplicate": 2, "derivative": 1}


def _number(value) -> Optional[float]:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def pair_strength(pair) -> tuple:
    """The sort key of ``pair``: sorting keys in ascending order puts the strongest first.

    The key is ``(no_probability, -probability, -verdict_rank, -coverage, -longest_run, a, b)``
    with the rules of the module docstring. Keys of any two pairs compare (no ``None`` inside),
    so ``sorted(pairs, key=pair_strength)`` needs no other step: without any probability the
    first two parts are equal for every pair and the verdict decides; once
    ``scores["probability"]`` arrives, it takes precedence over everything else.
    """
    scores = pair.scores or {}
    probability = _number(scores.get("probability"))
    coverages = [c for c in (_number(scores.get("coverage_a")), _number(scores.get("coverage_b")))
                 if c is not None]
    longest = _number(scores.get("longest_exact_words"))
    return (probability is None,
            -(probability if probability is not None else 0.0),
            -VERDICT_RANK.get(pair.verdict, 0),
            -(max(coverages) if coverages else -math.inf),
            -(longest if longest is not None else -math.inf),
            str(pair.a), str(pair.b))


def order_pairs(pairs: Iterable) -> list:
    """``pairs`` as a new list, strongest first (see :func:`pair_strength`)."""
    return sorted(pairs, key=pair_strength)


def order_families(clusters: Iterable, pairs: Iterable) -> list:
    """Each family with its pairs, families ordered by their strongest pair.

    Returns ``[(cluster, [pair, ...])]``: a family's pairs are the pairs with both documents in
    it, strongest first; families follow the key of their strongest pair (a family without
    any pair comes last, larger first), then their documents.
    """
    clusters = list(clusters)
    family_of: dict = {}
    for k, cluster in enumerate(clusters):
        for doc in cluster.documents:
            family_of.setdefault(doc, k)
    grouped: list = [[] for _ in clusters]
    for pair in pairs:
        k = family_of.get(pair.a)
        if k is not None and family_of.get(pair.b) == k:
            grouped[k].append(pair)
    keyed = []
    for k, cluster in enumerate(clusters):
        members = sorted(grouped[k], key=pair_strength)
        strongest = pair_strength(members[0]) if members else None
        keyed.append(((strongest is None, strongest or (), -len(cluster.documents),
                       tuple(cluster.documents)), k, cluster, members))
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [(cluster, members) for _, _, cluster, members in keyed]

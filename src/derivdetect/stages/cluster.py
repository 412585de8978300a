"""Families: connected components of reported pairs, each with its likely original."""

from __future__ import annotations

from collections import Counter

from ..models import Cluster
from ..text.dates import before, parse_date


def clusters_of(pairs, dates: dict | None = None) -> tuple:
    """Connected components (two or more documents) of the reported pairs, largest first.

    The original of a family: when every member has a date and one is surely earlier than all
    the others (dates compared as dates, see ``dates.py``), that member; else the member most
    often named as a pair's source and never as a copy of another member; else ``None``.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    reported = [p for p in pairs if p.reported]
    for pair in reported:
        ra, rb = find(pair.a), find(pair.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list] = {}
    for doc in parent:
        members.setdefault(find(doc), []).append(doc)
    families: dict[str, list] = {}
    for pair in reported:
        families.setdefault(find(pair.a), []).append(pair)
    out = []
    for root, docs in members.items():
        docs = sorted(docs)
        out.append(Cluster(tuple(docs), _original(docs, families.get(root, []), dates or {})))
    return tuple(sorted(out, key=lambda c: (-len(c.documents), c.documents)))


def _original(docs: list, pairs: list, dates: dict):
    ranges = {d: parse_date(dates.get(d)) for d in docs}
    if all(ranges.values()):
        first = min(docs, key=lambda d: ranges[d].start)
        if all(before(ranges[first], ranges[d]) for d in docs if d != first):
            return first
    sources = Counter(p.source for p in pairs if p.source)
    copies = {(p.b if p.source == p.a else p.a) for p in pairs if p.source}
    ranked = [d for d, _ in sources.most_common() if d not in copies]
    return ranked[0] if ranked else None

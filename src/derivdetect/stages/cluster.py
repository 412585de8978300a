"""Families: texts that share writing, grouped from the reported pairs, each with its likely
original.

Connected components of every reported pair chain unrelated stories: two reports of
different games consoles end up in one family of nine through a single weak rewrite link.
So a family grows through *binding* pairs only (copies, light edits, a long verbatim run, or
a rewrite with a reuse probability of at least ``Config.family_min_probability``); a weaker
pair joins two groups only when at least half of all the pairs between them are reported
(average linkage), so one loose link never merges two stories. A pair that links two
families without joining them is still reported and listed among the pairs.
"""

from __future__ import annotations

from collections import Counter
from typing import Optional

from ..config import Config
from ..models import Cluster
from ..text.dates import before, parse_date

BINDING_VERDICTS = ("verbatim", "near-duplicate")


def binds(pair, config: Config) -> bool:
    """Whether ``pair`` alone is evidence enough to put its two texts in one family."""
    scores = pair.scores or {}
    probability = scores.get("probability")
    return (pair.verdict in BINDING_VERDICTS or probability is None
            or probability >= config.family_min_probability
            or scores.get("longest_prose_run_words", 0) >= config.derivative_run_words)


def clusters_of(pairs, dates: dict | None = None, config: Optional[Config] = None) -> tuple:
    """Families (two or more documents) of the reported pairs, largest first.

    Binding pairs (:func:`binds`) join their groups; then the other pairs, strongest first,
    join two groups when at least half of the possible pairs between them are reported.

    The original of a family: when every member has a date and one is surely earlier than all
    the others (dates compared as dates, see ``dates.py``), that member; else the member most
    often named as a pair's source (in the family's own pairs; ties: the first id) and never
    as a copy of another member; else ``None``. The families do not depend on the order of
    ``pairs``.
    """
    config = config or Config()
    parent: dict[str, str] = {}
    members: dict[str, set] = {}

    def find(x: str) -> str:
        if x not in parent:
            parent[x] = x
            members[x] = {x}
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(ra: str, rb: str) -> None:
        keep, gone = (ra, rb) if len(members[ra]) >= len(members[rb]) else (rb, ra)
        parent[gone] = keep                  # the smaller group into the larger: linear
        members[keep] |= members.pop(gone)

    reported = [p for p in pairs if p.reported]
    linked: dict[str, set] = {}
    weak = []
    for pair in reported:
        linked.setdefault(pair.a, set()).add(pair.b)
        linked.setdefault(pair.b, set()).add(pair.a)
        ra, rb = find(pair.a), find(pair.b)
        if binds(pair, config):
            if ra != rb:
                join(ra, rb)
        else:
            weak.append(pair)
    weak.sort(key=lambda p: (-(p.scores or {}).get("probability", 0.0), min(p.a, p.b),
                             max(p.a, p.b)))
    for pair in weak:
        ra, rb = find(pair.a), find(pair.b)
        if ra == rb:
            continue
        small, large = sorted((members[ra], members[rb]), key=len)
        links = sum(len(linked[d] & large) for d in small)
        if 2 * links >= len(small) * len(large):
            join(ra, rb)
    own_pairs: dict[str, list] = {}
    for pair in reported:
        root = find(pair.a)
        if root == find(pair.b):
            own_pairs.setdefault(root, []).append(pair)
    out = []
    for root, docs in members.items():
        if len(docs) < 2:
            continue
        docs = sorted(docs)
        out.append(Cluster(tuple(docs), _original(docs, own_pairs[root], dates or {})))
    return tuple(sorted(out, key=lambda c: (-len(c.documents), c.documents)))


def _original(docs: list, pairs: list, dates: dict):
    ranges = {d: parse_date(dates.get(d)) for d in docs}
    if all(ranges.values()):
        first = min(docs, key=lambda d: ranges[d].start)
        if all(before(ranges[first], ranges[d]) for d in docs if d != first):
            return first
    sources = Counter(p.source for p in pairs if p.source)
    copies = {(p.b if p.source == p.a else p.a) for p in pairs if p.source}
    ranked = sorted((d for d in sources if d not in copies), key=lambda d: (-sources[d], d))
    return ranked[0] if ranked else None

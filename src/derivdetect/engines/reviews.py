"""Review states for a report, from the editorial archive: ``scan --archive`` and ``check
--report``.

A scan that honours the archive gives each reported pair the state of the archive's
decision on its two articles (by id, whatever their versions: ``engines.archive.review_state``,
so a decision is re-opened when a later version shares materially more text), or
``licensed`` when its source goes by a name in ``licensed_sources``, else ``unreviewed``;
its pairs are remembered as the archive's flags, so ``queue`` lists them and ``review
ARCHIVE PAIR_ID`` decides on them. The report takes the states as plain data
(``report.review.ReviewView``, with each pair's decision history).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace
from typing import Iterable, Optional

from .. import __version__
from ..config import Config
from ..models import Pair, ScanResult
from ..report.review import ReviewView
from ..stages.classify import derived_side
from ..stages.cluster import clusters_of
from ..stages.credit import licensed_name
from ..store.archive import Archive
from .archive import Match, aligned_words, remember, review_state

__all__ = ["licensed_name", "scan_reviews", "match_reviews", "pair_history", "check_result"]


def _copy_id(pair: Pair) -> str:
    """The derived article of the pair (the one that is not the source)."""
    if pair.source == pair.a:
        return pair.b
    if pair.source == pair.b:
        return pair.a
    return pair.a if derived_side(pair.scores) == "a" else pair.b


def scan_reviews(archive: Archive, result: ScanResult, config: Config) -> dict:
    """``pair_id`` -> :class:`ReviewView` for every pair of ``result``, from the archive's
    decisions (see the module docstring). The pairs are remembered as the archive's flags
    (a change to the archive, in one transaction)."""
    docs = {d.id: d for d in result.documents}
    matches = []
    for pair in result.pairs:
        decision = archive.decision(pair.a, pair.b)
        name = None
        if decision is None and pair.source in docs and config.licensed_sources:
            name = licensed_name(docs[pair.source], config.licensed_sources)
        if name:
            state, reason = "licensed", (f"the source {pair.source} is {name}, in "
                                         "licensed_sources")
        else:
            state, reason = review_state(decision, aligned_words(pair.scores))
        matches.append(Match(pair, state, reason, _copy_id(pair)))
    remember(archive, matches, result.documents)
    return match_reviews(archive, matches)


def match_reviews(archive: Archive, matches: Iterable[Match]) -> dict:
    """``pair_id`` -> :class:`ReviewView` of each match of ``check`` (or of
    :func:`scan_reviews`), with the pair's decision history. Call after
    ``engines.archive.remember``: the history of a pair is found through its flag."""
    return {m.pair.pair_id: ReviewView.of(m.state, m.state_reason,
                                          pair_history(archive, m.pair))
            for m in matches}


def pair_history(archive: Archive, pair: Pair) -> list:
    """Every change of state of the pair's two articles, oldest first: those recorded
    under its ``pair_id`` and under the ``pair_id`` its decision was taken on (an earlier
    version of either article has another ``pair_id``)."""
    changes = list(archive.history(pair.pair_id))
    decision = archive.decision(pair.a, pair.b)
    if decision is not None and decision.pair_id != pair.pair_id:
        changes += archive.history(decision.pair_id)
    seen, out = set(), []
    for change in changes:
        key = tuple(change.get(k) for k in ("at", "by", "old", "new", "note", "pair_id"))
        if key not in seen:
            seen.add(key)
            out.append(change)
    return sorted(out, key=lambda c: str(c["at"]))   # stable: same second, recorded order


def check_result(archive: Archive, checked: list, matches: list, skipped: Iterable = (),
                 config: Optional[Config] = None) -> ScanResult:
    """A :class:`ScanResult` of a ``check`` for the report writer: the matches' pairs, the
    checked articles and the archived articles they match (texts read from the archive);
    ``root`` is the archive file."""
    pairs = tuple(m.pair for m in matches)
    skipped = tuple(skipped)
    wanted = {p.a for p in pairs} | {p.b for p in pairs}
    docs = {d.id: d for d in checked}
    rows = archive.current_rows(sorted(wanted - set(docs)))
    for row, doc in zip(rows, archive.documents_at(rows)):
        docs[doc.id] = replace(doc, text=archive.text_at(row))
    documents = tuple(docs.values())
    return ScanResult(
        root=str(archive.path.resolve()), documents=documents, pairs=pairs,
        clusters=clusters_of(pairs, {d.id: d.date for d in documents}, config),
        skipped=skipped, settings=config.to_dict() if config else {},
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        stats={"checked": len(checked), "archived": archive.count(), "reported": len(pairs),
               "skipped": len(skipped), "version": __version__})

"""The review side of a pair page: an editor's decision on the pair and its history, and the
passages where the copy names its source (its *credit*).

The page takes the review as plain data (:class:`ReviewView`), whoever found it: a scan with
``--archive``, ``check --report`` (``engines.reviews`` reads the archive) or a web service
rendering one pair (:func:`render_pair_page`). Every string in it (a note, a name) is
untrusted and goes through the templates' autoescape like article text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Union

from ..models import Pair, Passage, ScanResult
from ..stages.classify import derived_side

__all__ = ["Change", "ReviewView", "credit_side", "credit_spans", "state_class",
           "pair_from_record", "render_pair_page"]

#: CSS class of each review state's badge (anything else: ``s-other``)
_STATE_CLASSES = {"unreviewed": "s-open", "violation": "s-bad", "licensed": "s-ok",
                  "credited": "s-ok", "own-work": "s-done", "false-alarm": "s-done"}


@dataclass(frozen=True)
class Change:
    """One change of a pair's review state (a row of ``derivdetect history``)."""

    at: str
    by: Optional[str]
    old: str
    new: str
    note: Optional[str]


@dataclass(frozen=True)
class ReviewView:
    """A pair's review state now, why (``"licensed by ana on 2026-...: syndication deal"``),
    and every change of its state, oldest first."""

    state: str
    reason: str
    history: tuple = ()

    @classmethod
    def of(cls, state: str, reason: str,
           history: Iterable[Union[Change, Mapping]] = ()) -> "ReviewView":
        """From the records of ``Archive.history`` (dicts with ``at, by, old, new, note``)
        or :class:`Change` objects."""
        changes = tuple(c if isinstance(c, Change) else
                        Change(str(c["at"]), c.get("by"), str(c["old"]), str(c["new"]),
                               c.get("note")) for c in history)
        return cls(str(state), str(reason), changes)

    @property
    def flagged(self) -> bool:
        """Still awaiting a decision (counted as a flag by ``--fail-on-match``)."""
        return self.state == "unreviewed"


def state_class(state: str) -> str:
    """The CSS class of a review state's badge."""
    return _STATE_CLASSES.get(state, "s-other")


def credit_side(pair: Pair) -> Optional[str]:
    """``"a"`` or ``"b"``: the side whose text the credit evidence points into (the copy:
    the side that is not the source, or the derived side when the source is unknown), or
    ``None`` when the pair has no credit."""
    if not pair.credit:
        return None
    if pair.source == pair.a:
        return "b"
    if pair.source == pair.b:
        return "a"
    if "coverage_a" not in pair.scores or "coverage_b" not in pair.scores:
        return None
    return derived_side(pair.scores)


def credit_spans(pair: Pair, side: str) -> list:
    """The ``(start, end)`` spans of ``side``'s text that name the source (empty for the
    other side, or when nothing is credited)."""
    if side != credit_side(pair) or not pair.credit.get("credited"):
        return []
    spans = []
    for span in pair.credit.get("evidence") or ():
        try:
            start, end = int(span[0]), int(span[1])
        except (TypeError, ValueError, IndexError):
            continue
        if end > start:
            spans.append((start, end))
    return spans


def pair_from_record(record: Mapping) -> Pair:
    """A :class:`Pair` from its ``pairs.json`` object (``Pair.to_dict``; also what the
    archive keeps of a flag, ``Archive.flag``); extra keys (``rank``, ``state``) ignored."""
    return Pair(record["a"], record["b"], record["verdict"], record.get("source"),
                record.get("source_reason", ""), record.get("extent"),
                dict(record.get("scores") or {}),
                tuple(Passage(p["kind"], p["a_start"], p["a_end"], p["b_start"], p["b_end"],
                              p.get("similarity", 1.0)) for p in record.get("passages") or ()),
                tuple(record.get("reasons") or ()), record.get("pair_id", ""),
                record.get("credit"))


def render_pair_page(result: ScanResult, pair_id: str,
                     review: Optional[ReviewView] = None) -> str:
    """The HTML page of the pair ``pair_id`` of ``result`` (its two documents with their
    texts in ``result.documents``), with ``review`` shown when given: the same page as a
    report's ``pairs/<slug>.html`` (links to the previous and next pair and to the index as
    in a report folder). Raises ``KeyError`` when ``result`` holds no such pair."""
    from .html import render_pair

    for index, pair in enumerate(result.pairs):
        if pair.pair_id == pair_id:
            return render_pair(result, index, review=review)
    raise KeyError(pair_id)

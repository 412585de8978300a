"""The review queue: one page of an archive's flags in a review state, strongest first.

One indexed query (``flags_strength``) with the engine's review rule run inside it as an SQL
function, so that paging, the state filter and the count agree with ``review`` and ``check``
whatever the number of flags. The remembered state of a flag (``licensed`` when it was
judged) is read from its own columns, never from its JSON record: the first page of 10,000
flags took 510 ms when every record was parsed for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

from ..errors import InputError
from .archive import Archive, Decision


@dataclass(frozen=True)
class QueuePage:
    """One page of the review queue: the flags (records with ``state``, ``state_reason``),
    the cursor of the next page (None at the end) and how many flags match in all."""

    items: list
    next_cursor: Optional[str]
    total: int


def queue_page(archive: "Archive", state_of, state: Optional[str] = "unreviewed",
               limit: int = 50, cursor: Optional[str] = None,
               source: Optional[str] = None, weakest_first: bool = False) -> QueuePage:
    """The flags in ``state`` (None: all), strongest first (or weakest), ``limit`` at a time
    after ``cursor``; ``source``: only pairs with an article whose id, byline or URL holds it.
    ``state_of(decision or None, aligned words now, remembered state, remembered reason)
    -> (state, reason)`` is the engine's review rule, run inside the query (one rule, in one
    place); the remembered state is the flag's when it was judged (``licensed`` by
    ``licensed_sources``, say)."""
    db = archive.db

    def decided(*row):
        return state_of(Decision(*row[:8]) if row[2] is not None else None, row[8],
                        row[9], row[10])

    db.create_function("review_state", 11, lambda *row: decided(*row)[0], deterministic=True)
    db.create_function("review_reason", 11, lambda *row: decided(*row)[1], deterministic=True)
    db.create_function("fold", 1, lambda text: (text or "").casefold(), deterministic=True)
    rule = ("(d.a, d.b, d.state, d.note, d.by, d.at, d.pair_id, d.seen_words, f.words, "
            "f.remembered, f.remembered_reason)")
    where, params = ["1"], []
    if state is not None:
        where.append(f"review_state{rule} = ?")
        params.append(state)
    if source:
        named = "instr(fold(x.id || ' ' || coalesce(x.byline, '') || ' ' || coalesce(x.url, " \
                "'')), ?)"
        where.append(f"(EXISTS (SELECT 1 FROM articles x WHERE x.current AND x.id IN "
                     f"(f.a, f.b) AND {named}) OR EXISTS (SELECT 1 FROM checked x WHERE "
                     f"x.id IN (f.a, f.b) AND {named}))")
        params += [source.casefold(), source.casefold()]
    base = ("FROM flags f LEFT JOIN decisions d ON d.a = min(f.a, f.b) AND d.b = max(f.a, f.b) "
            "WHERE " + " AND ".join(where))
    total = db.execute(f"SELECT count(*) {base}", params).fetchone()[0]
    page = list(params)
    if cursor:
        try:
            strength, after = cursor.split(":", 1)
            strength = float(strength)
        except ValueError:
            raise InputError(f"{cursor!r}: not a queue cursor (pass the next_cursor of the "
                             "page before)") from None
        beyond = ">" if weakest_first else "<"
        base += f" AND (f.strength {beyond} ? OR (f.strength = ? AND f.pair_id > ?))"
        page += [strength, strength, after]
    order = "ASC" if weakest_first else "DESC"
    rows = db.execute(
        f"SELECT f.record, f.strength, f.pair_id, review_state{rule}, review_reason{rule} "
        f"{base} "
        f"ORDER BY f.strength {order}, f.pair_id LIMIT ?", page + [int(limit) + 1]).fetchall()
    items = [{**json.loads(r[0]), "state": r[3], "state_reason": r[4]} for r in rows[:limit]]
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    return QueuePage(items, f"{last[1]!r}:{last[2]}" if last else None, total)

"""Publication dates as time ranges, so that "which was published first" is answered by dates,
not by comparing strings ("June 1, 2023" sorts before "May 1, 2023"; "2023-05-10" before
"2023-5-9").

A date is read by ``dateutil`` (ISO 8601, RFC 2822 as in feeds and e-mail, "June 1, 2023",
"1 June 2023", trafilatura's ``YYYY-MM-DD``) into the range of instants it may mean: a day
without a time is the whole day, "May 2023" the whole month. A date with a time zone is an
exact range in UTC; one without is read in an unknown zone, so against a zoned date it is
widened by 14 hours each way (the widest UTC offsets), while two unzoned dates are compared as
they are (one newsroom, one zone). A value without a year, or that is no date at all, is no
date: the caller treats it as absent and says so.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from typing import Optional

_LOW = dt.datetime(1900, 1, 1, 0, 0, 0, 0)
_HIGH = dt.datetime(1901, 12, 31, 23, 59, 59, 999999)
_ZONE_SLACK = dt.timedelta(hours=14)
_MAX_CHARS = 100


@dataclass(frozen=True)
class DateRange:
    """The instants a written date may mean, ``start <= t <= end`` (naive when ``zoned`` is
    false, else in UTC)."""

    start: dt.datetime
    end: dt.datetime
    zoned: bool


def parse_date(value: Optional[str]) -> Optional[DateRange]:
    """The range a date string stands for, or ``None`` if it is empty or not a full date."""
    if not value or not isinstance(value, str) or len(value) > _MAX_CHARS:
        return None
    from dateutil import parser

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # unknown zone names: read as no zone
            low = parser.parse(value, default=_LOW)
            high = parser.parse(value, default=_HIGH)
    except (ValueError, OverflowError, TypeError):
        return None
    if low.year != high.year:                  # no year given: "June 1"
        return None
    if low.tzinfo is not None and low.utcoffset() is not None:
        low = low.astimezone(dt.timezone.utc).replace(tzinfo=None)
        high = high.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return DateRange(low, high, True)
    return DateRange(low.replace(tzinfo=None), high.replace(tzinfo=None), False)


def _bounds(of: DateRange, against: DateRange) -> tuple:
    if of.zoned or not against.zoned:
        return of.start, of.end
    return of.start - _ZONE_SLACK, of.end + _ZONE_SLACK   # an unzoned day against a zoned one


def before(a: DateRange, b: DateRange) -> bool:
    """``a`` surely ends before ``b`` begins (``2023-05-09`` before ``2023-05-10``; a day is
    not before a time on that same day)."""
    return _bounds(a, b)[1] < _bounds(b, a)[0]


def unread_date_note(dated) -> str:
    """A note naming the documents whose date could not be read (empty if none), from
    ``(document, its parse_date)`` pairs."""
    bad = [f"{doc.id} ({doc.date!r})" for doc, parsed in dated if doc.date and parsed is None]
    return f"; date not understood, ignored: {', '.join(bad)}" if bad else ""

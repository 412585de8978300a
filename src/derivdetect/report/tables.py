"""ScanResult -> plain tables: one source for pairs.json, pairs.csv and the HTML report.

The JSON layout is a contract other tools parse (see the README, "Output contract"):
``{"scan", "documents", "pairs", "clusters", "skipped"}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np

from ..models import Document, Pair, ScanResult
from .order import order_pairs

if TYPE_CHECKING:
    import pandas as pd

PAIR_COLUMNS = [
    "rank", "a", "b", "verdict", "source", "extent", "coverage_a", "coverage_b",
    "exact_coverage_a", "exact_coverage_b", "jaccard", "containment_a_in_b",
    "containment_b_in_a", "longest_exact_words", "exact_passages", "paraphrase_passages",
    "source_reason", "pair_id",
]
#: Columns of ``pairs.csv`` after ``PAIR_COLUMNS`` when the scan had an archive.
REVIEW_COLUMNS = ["state", "state_reason"]


def document_record(doc: Document) -> dict:
    return {"id": doc.id, "path": doc.path, "title": doc.title, "date": doc.date,
            "url": doc.url, "byline": doc.byline, "chars": doc.chars,
            "encoding": doc.encoding, "format": doc.format}


def ranked(pairs) -> list:
    """``(rank, pair)`` strongest first, as the report lists them (rank 1 is the strongest),
    so a spreadsheet, a script reading ``pairs.json`` and the report agree."""
    return list(enumerate(order_pairs(pairs), start=1))


def review_fields(pair: Pair, reviews: dict) -> dict:
    """``{"state", "state_reason"}`` of ``pair`` from ``reviews`` (``pair_id`` -> a
    ``report.review.ReviewView``), or nothing when ``reviews`` is empty (a scan without an
    archive knows no review states)."""
    if not reviews:
        return {}
    review = reviews.get(pair.pair_id)
    return {"state": review.state if review else None,
            "state_reason": review.reason if review else None}


def scan_payload(result: ScanResult, reviews: Optional[dict] = None) -> dict:
    """The whole result as JSON-ready data (the ``pairs.json`` contract); with ``reviews``,
    each pair also carries ``state`` and ``state_reason``."""
    return {
        "scan": {"root": result.root, "created": result.created, "settings": result.settings,
                 "stats": result.stats},
        "documents": [document_record(d) for d in result.documents],
        "pairs": [{"rank": rank, **p.to_dict(), **review_fields(p, reviews)}
                  for rank, p in ranked(result.pairs)],
        "clusters": [c.to_dict() for c in result.clusters],
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
    }


#: A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")



def comparable_payload(result: ScanResult) -> dict:
    """``pairs.json`` of a result as plain JSON values, without what differs between runs
    and engines of the same scan (the creation time, the timings, the Spark engine's own
    stats): two engines' scans of one input must give equal ones."""
    import json

    data = json.loads(json.dumps(scan_payload(result)))
    del data["scan"]["created"]
    stats = data["scan"]["stats"]
    for key in list(stats):
        if key.startswith("seconds") or key == "spark":
            del stats[key]
    return data

def spreadsheet_safe(value):
    """A text cell that no spreadsheet runs as a formula: one starting with ``= + - @``, a tab
    or a line break (document ids come from file names, which can be ``=HYPERLINK(…).txt``)
    gets a leading apostrophe, as OWASP advises; other values are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def pair_row(pair: Pair, for_spreadsheet: bool = False) -> dict:
    """One pair as a flat row; ``for_spreadsheet``: text cells made safe to open in a
    spreadsheet (:func:`spreadsheet_safe`), as in ``pairs.csv``."""
    row = {"pair_id": pair.pair_id, "a": pair.a, "b": pair.b, "verdict": pair.verdict, "source": pair.source,
           "extent": pair.extent, "source_reason": pair.source_reason}
    if for_spreadsheet:
        row = {key: spreadsheet_safe(value) for key, value in row.items()}
    for column in PAIR_COLUMNS:
        if column not in row and column != "rank":
            row[column] = pair.scores.get(column)
    return row


def _rows(pairs, reviews: Optional[dict]) -> list:
    return [{**pair_row(p, for_spreadsheet=True), "rank": rank,
             **{k: spreadsheet_safe(v) for k, v in review_fields(p, reviews).items()}}
            for rank, p in ranked(pairs)]


def pairs_frame(pairs, reviews: Optional[dict] = None) -> "pd.DataFrame":
    """One row per reported pair, strongest first, in the column order of ``PAIR_COLUMNS``,
    as ``pairs.csv`` holds them (text cells spreadsheet-safe); with ``reviews``, then the
    columns ``REVIEW_COLUMNS``."""
    import pandas as pd

    columns = PAIR_COLUMNS + (REVIEW_COLUMNS if reviews else [])
    return pd.DataFrame(_rows(pairs, reviews), columns=columns)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def _column_cells(values: list) -> list:
    """The cells of one column as pandas writes them to CSV (``pairs_frame(...).to_csv``):
    a column of numbers with a float or a missing value among them is a float column
    (``3`` is written ``3.0``, a missing value empty), one of whole numbers alone an integer
    column; any other column holds objects, each written as ``str`` (missing: empty)."""
    present = [v for v in values if v is not None and not (isinstance(v, float) and v != v)]
    if present and all(_is_number(v) for v in present):
        if len(present) < len(values) or any(isinstance(v, (float, np.floating))
                                              for v in present):
            return ["" if v is None or v != v else repr(float(v)) for v in values]
        return [str(int(v)) for v in values]
    return ["" if v is None or (isinstance(v, float) and v != v) else
            repr(float(v)) if isinstance(v, (float, np.floating)) else str(v) for v in values]


def pairs_csv(pairs, reviews: Optional[dict] = None) -> str:
    """``pairs.csv``: :func:`pairs_frame` as CSV (CRLF line ends, RFC 4180; a cell with a
    line break or a quote is quoted), byte for byte what ``pandas.DataFrame.to_csv(
    index=False, lineterminator="\\r\\n")`` writes, without loading pandas (a second of
    start-up)."""
    import csv
    import io

    columns = PAIR_COLUMNS + (REVIEW_COLUMNS if reviews else [])
    rows = _rows(pairs, reviews)
    cells = [_column_cells([row.get(c) for row in rows]) for c in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(zip(*cells))
    return out.getvalue()

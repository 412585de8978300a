"""Report stage: writes pairs.json, pairs.csv and the HTML report, replaced as a whole.

Where and how files are written is decided in one place, :mod:`.output` (the output folder's
rule, its lock, the staging folder and the swap). The templates load on first use.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Optional

from ..models import ScanResult
from .output import OutputFolder, atomic_write

__all__ = ["write_outputs", "write_report_files", "atomic_write", "OutputFolder",
           "payload_json", "payload_text", "payload_parts", "join_payload", "Laps"]


def payload_json(result: ScanResult, reviews: Optional[dict] = None) -> str:
    """``pairs.json`` as text (the contract in the README); with ``reviews``, each pair's
    ``state`` and ``state_reason``."""
    from .tables import scan_payload

    return payload_text(scan_payload(result, reviews))


def payload_text(data: dict) -> str:
    """The text of ``pairs.json`` for its data: the ``scan`` block indented, then one line per
    document, pair, family and skipped file (ASCII, as ``json.dumps(..., ensure_ascii=True)``).
    One record a line reads and greps well, and is written by json's C encoder: indenting all
    of it took json's pure-Python one, 4.5 s at 100,000 articles."""
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            items = ",\n  ".join(json.dumps(item, ensure_ascii=True) for item in value)
            parts.append(f" {json.dumps(key)}: [\n  {items}\n ]")
        else:
            block = json.dumps(value, ensure_ascii=True, indent=1).replace("\n", "\n ")
            parts.append(f" {json.dumps(key)}: {block}")
    return "{\n" + ",\n".join(parts) + "\n}" if parts else "{}"


def payload_parts(result: ScanResult, reviews: Optional[dict] = None) -> tuple:
    """``pairs.json`` as text cut around the value of ``scan.stats``: ``(before, after)``,
    so that the stats can be made last (with the time the rest took) and joined in with
    :func:`join_payload`, giving exactly :func:`payload_json`'s text."""
    import secrets

    from .tables import scan_payload

    mark = f"derivdetect-stats-{secrets.token_hex(16)}"
    text = payload_text(scan_payload(replace(result, stats=mark), reviews))
    before, found, after = text.partition(json.dumps(mark))
    if not found:
        raise ValueError("the stats mark is missing from pairs.json")
    return before, after


def join_payload(parts: tuple, stats: dict) -> str:
    """The text of ``pairs.json`` from :func:`payload_parts` and the stats (nested two levels
    deep: ``{"scan": {"stats": ...}}``)."""
    before, after = parts
    return before + json.dumps(stats, ensure_ascii=True, indent=1).replace("\n", "\n  ") + after


class Laps:
    """Wall time of each step of writing a report, added to the scan's ``stats.seconds``
    (``lap(name)`` ends a step begun at the last lap)."""

    def __init__(self, seconds: Optional[dict] = None, start: Optional[float] = None):
        import time

        self._now = time.perf_counter
        self.seconds = dict(seconds or {})
        self.last = self._now() if start is None else start

    def __call__(self, step: str) -> None:
        now = self._now()
        self.seconds[step] = round(self.seconds.get(step, 0.0) + now - self.last, 3)
        self.last = now


def write_report_files(result: ScanResult, folder: Path,
                       process_start: Optional[float] = None,
                       reviews: Optional[dict] = None, workers: Optional[int] = None,
                       since: Optional[float] = None) -> list[Path]:
    """Write the three outputs of a scan into ``folder`` (a fresh staging folder); returns
    the paths written, the main page last. ``pairs.json`` is written last, with the time
    each step took in ``stats.seconds`` (``since``, a ``time.perf_counter`` time: when the
    scan's own clock stopped; the time from then to this call is "report: staging folder"):
    loading the report's modules, ``pairs.csv``, the pair pages, the listing pages and
    ``index.html``, and making ``pairs.json`` itself (all but writing its bytes to the file,
    which happens after its stats are made). With ``process_start`` (the process's start on
    the ``time.perf_counter`` clock) also the wall time since then (``seconds_total``) and
    the share of it the steps account for (``seconds_accounted``). ``workers``: processes
    for the HTML pages (default: the scan's ``workers`` setting; see
    :mod:`.writer`). ``reviews`` maps a ``pair_id`` to its ``report.review.ReviewView`` (a
    scan with an archive, ``check --report``): each pair's review state goes into the three
    outputs."""
    lap = Laps(result.stats.get("seconds", {}), since)
    if since is not None:
        lap("report: staging folder")
    from .html import write_html
    from .tables import pairs_csv

    lap("report: loading its modules")
    if workers is None:
        from ..config import Config

        workers = Config(workers=int(result.settings.get("workers", 1) or 0)).cores()
    folder = Path(folder)
    atomic_write(folder / "pairs.csv", pairs_csv(result.pairs, reviews))
    lap("write pairs.csv")
    pages = write_html(result, folder, reviews, workers, lap)
    parts = payload_parts(result, reviews)
    lap("write pairs.json (all but its final write)")
    stats = {**result.stats, "seconds": lap.seconds}
    if process_start is not None:   # up to now: writing pairs.json's bytes is left out
        total = lap.last - process_start
        stats["seconds_total"] = round(total, 3)
        stats["seconds_accounted"] = round(sum(lap.seconds.values()) / total, 3) if total else 1.0
    atomic_write(folder / "pairs.json", join_payload(parts, stats))
    return [folder / "pairs.json", folder / "pairs.csv", *pages]


def write_outputs(result: ScanResult, out_dir: Path,
                  scanned: Optional[Path] = None) -> list[Path]:
    """Write the report of ``result`` into ``out_dir`` under the output folder's rule (see
    :mod:`.output`): checked, locked, built aside and swapped in whole. Returns the paths
    written, the main page last."""
    with OutputFolder(out_dir, scanned) as target:
        return target.publish(lambda staging: write_report_files(result, staging))

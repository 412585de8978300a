"""Report stage: writes pairs.json, pairs.csv and the HTML report, replaced as a whole.

Where and how files are written is decided in one place, :mod:`.output` (the output folder's
rule, its lock, the staging folder and the swap). pandas and the templates load on first use.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Optional

from ..models import ScanResult
from .output import OutputFolder, atomic_write

__all__ = ["write_outputs", "write_report_files", "atomic_write", "OutputFolder",
           "payload_json"]


def payload_json(result: ScanResult, reviews: Optional[dict] = None) -> str:
    """``pairs.json`` as text (the contract in the README); with ``reviews``, each pair's
    ``state`` and ``state_reason``."""
    from .tables import scan_payload

    return json.dumps(scan_payload(result, reviews), ensure_ascii=True, indent=1)


def write_report_files(result: ScanResult, folder: Path,
                       process_start: Optional[float] = None,
                       reviews: Optional[dict] = None) -> list[Path]:
    """Write the three outputs of a scan into ``folder`` (a fresh staging folder); returns
    the paths written, the main page last. ``pairs.json`` is written last, with the time
    the other two took in ``stats.seconds``; with ``process_start`` (the process's start on
    the ``time.perf_counter`` clock) also the wall time since then (``seconds_total``) and
    the share of it the stages account for (``seconds_accounted``). ``reviews`` maps a
    ``pair_id`` to its ``report.review.ReviewView`` (a scan with an archive, ``check
    --report``): each pair's review state goes into the three outputs."""
    import time

    started = time.perf_counter()
    from .html import write_html
    from .tables import pairs_frame

    folder = Path(folder)
    atomic_write(folder / "pairs.csv",   # CRLF (RFC 4180): a cell with a lone CR is quoted
                 pairs_frame(result.pairs, reviews).to_csv(index=False, lineterminator="\r\n"))
    wrote_csv = time.perf_counter()
    pages = write_html(result, folder, reviews)
    wrote_pages = time.perf_counter()
    seconds = {**result.stats.get("seconds", {}),
               "write pairs.csv": round(wrote_csv - started, 3),
               "write report pages": round(wrote_pages - wrote_csv, 3)}
    stats = {**result.stats, "seconds": seconds}
    if process_start is not None:   # up to now: writing pairs.json is the one step left out
        total = wrote_pages - process_start
        stats["seconds_total"] = round(total, 3)
        stats["seconds_accounted"] = round(sum(seconds.values()) / total, 3) if total else 1.0
    atomic_write(folder / "pairs.json", payload_json(replace(result, stats=stats), reviews))
    return [folder / "pairs.json", folder / "pairs.csv", *pages]


def write_outputs(result: ScanResult, out_dir: Path,
                  scanned: Optional[Path] = None) -> list[Path]:
    """Write the report of ``result`` into ``out_dir`` under the output folder's rule (see
    :mod:`.output`): checked, locked, built aside and swapped in whole. Returns the paths
    written, the main page last."""
    with OutputFolder(out_dir, scanned) as target:
        return target.publish(lambda staging: write_report_files(result, staging))

"""Report stage: writes pairs.json, pairs.csv and the HTML report, replaced as a whole.

Where and how files are written is decided in one place, :mod:`.output` (the output folder's
rule, its lock, the staging folder and the swap). pandas and the templates load on first use.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from ..models import ScanResult
from .output import OutputFolder, atomic_write

__all__ = ["write_outputs", "write_report_files", "atomic_write", "OutputFolder",
           "payload_json"]


def payload_json(result: ScanResult) -> str:
    """``pairs.json`` as text (the contract in the README)."""
    from .tables import scan_payload

    return json.dumps(scan_payload(result), ensure_ascii=True, indent=1)


def write_report_files(result: ScanResult, folder: Path) -> list[Path]:
    """Write the three outputs of a scan into ``folder`` (a fresh staging folder); returns
    the paths written, the main page last."""
    from .html import write_html
    from .tables import pairs_frame

    folder = Path(folder)
    written = []
    atomic_write(folder / "pairs.json", payload_json(result))
    written.append(folder / "pairs.json")
    atomic_write(folder / "pairs.csv",   # CRLF (RFC 4180): a cell with a lone CR is quoted
                 pairs_frame(result.pairs).to_csv(index=False, lineterminator="\r\n"))
    written.append(folder / "pairs.csv")
    written.extend(write_html(result, folder))
    return written


def write_outputs(result: ScanResult, out_dir: Path,
                  scanned: Optional[Path] = None) -> list[Path]:
    """Write the report of ``result`` into ``out_dir`` under the output folder's rule (see
    :mod:`.output`): checked, locked, built aside and swapped in whole. Returns the paths
    written, the main page last."""
    with OutputFolder(out_dir, scanned) as target:
        return target.publish(lambda staging: write_report_files(result, staging))

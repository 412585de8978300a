"""Report stage: writes pairs.json, pairs.csv and the HTML report; nothing is half-written."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..errors import InputError
from ..models import ScanResult
from .tables import pairs_frame, scan_payload


def atomic_write(path: Path, data: str) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_outputs(result: ScanResult, out_dir: Path) -> list[Path]:
    """Write the three outputs of a scan into ``out_dir``; returns the paths written."""
    from .html import write_html

    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the output folder ({exc.strerror})") from None
    written = []
    payload = scan_payload(result)
    atomic_write(out_dir / "pairs.json", json.dumps(payload, ensure_ascii=True, indent=1))
    written.append(out_dir / "pairs.json")
    atomic_write(out_dir / "pairs.csv", pairs_frame(result.pairs).to_csv(index=False))
    written.append(out_dir / "pairs.csv")
    written.extend(write_html(result, out_dir))
    return written

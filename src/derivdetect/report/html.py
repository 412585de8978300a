"""HTML report: Jinja2 with autoescape; every byte of article text is escaped."""

from __future__ import annotations

from pathlib import Path

import jinja2

from ..models import ScanResult
from . import atomic_write
from .tables import pair_row

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("derivdetect.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def write_html(result: ScanResult, out_dir: Path) -> list[Path]:
    titles = {d.id: (d.title or d.id) for d in result.documents}
    rows = [pair_row(p) for p in result.pairs]
    html = _ENV.get_template("index.html").render(result=result, rows=rows, titles=titles)
    path = Path(out_dir) / "index.html"
    atomic_write(path, html)
    return [path]

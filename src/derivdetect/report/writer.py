"""Writing the HTML report's files: one page per pair, the further listing pages, then
``index.html``, in worker processes when there are many pairs.

A pair page costs 3-10 ms to render (its two texts with every passage marked, the word diff
of each paraphrase); at thousands of pairs that is most of a scan's writing. From
:data:`PARALLEL_MIN_PAGES` pairs on, with more than one worker, the pages are rendered and
written by forked worker processes (:func:`~derivdetect.engines.pool.run_batches`: they
never outlive the scan, Ctrl-C stops them), each taking :data:`PAGE_BATCH` pairs at a time.
The workers read the scan result from the memory they share with this process (fork), so
nothing is copied to them but two numbers a batch, and every page is written to a
temporary name and renamed, exactly as a serial write does: the same bytes in the same
files either way. ``index.html`` is written last, by this process.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Optional

from ..compiled import use_compiled
from ..models import ScanResult
from ..store.files import atomic_write
from .html import PAIRS_DIR, SLUG_RE, TEMPLATES, page_assets, pair_slugs, render_pair
from .listing import (
    build_layout,
    families_name,
    index_name,
    remove_stale_listings,
    render_families,
    render_listing,
)
from .marks import word_diff

__all__ = ["write_pages", "PARALLEL_MIN_PAGES", "PAGE_BATCH"]

#: Pair pages from which they are written by worker processes (below, starting them costs
#: about as much as it saves).
PARALLEL_MIN_PAGES = 200
#: Pair pages per batch of a worker.
PAGE_BATCH = 32

Lap = Optional[Callable[[str], None]]

# What forked workers render from: set (under the lock) before their pool starts.
_shared: dict = {}
_shared_lock = threading.Lock()


def _write_batch(job) -> tuple:
    """Render and write one batch: ``("pairs", start, stop)`` pair pages by index,
    ``("listing", page)`` or ``("families", page)`` a listing page. Returns the paths
    written (as strings) and the seconds taken."""
    started = time.perf_counter()
    state = _shared["state"] if isinstance(job[-1], int) else job[-1]
    result, layout, docs, out_dir, compiled = state
    kind = job[0]
    written = []
    if kind == "pairs":
        folder = out_dir / PAIRS_DIR
        folder_real = folder.resolve()
        for i in range(job[1], job[2]):
            slug = layout.slugs[i]
            if not SLUG_RE.match(slug):  # cannot happen; never write outside ``pairs/``
                raise ValueError(f"unsafe page name {slug!r}")
            path = folder / f"{slug}.html"
            if path.resolve().parent != folder_real:
                raise ValueError(f"unsafe page name {slug!r}")
            atomic_write(path, render_pair(result, i, layout.slugs, docs, layout,
                                           compiled=compiled))
            written.append(str(path))
    else:
        page = job[1]
        path = out_dir / (index_name(page) if kind == "listing" else families_name(page))
        render = render_listing if kind == "listing" else render_families
        atomic_write(path, render(result, layout, page))
        written.append(str(path))
    return written, time.perf_counter() - started


def _remove_stale_pairs(folder: Path, keep: set) -> None:
    """Pair pages of an earlier scan into the same folder (only files we would have named)."""
    if not folder.is_dir():
        return
    for path in folder.glob("*.html"):
        if path.name not in keep and SLUG_RE.match(path.stem) and path.is_file() \
                and not path.is_symlink():
            try:
                path.unlink()
            except OSError:
                pass


def write_pages(result: ScanResult, out_dir: Path, reviews: Optional[dict] = None,
                workers: int = 1, lap: Lap = None) -> list[Path]:
    """Write ``pairs/<slug>.html`` for every pair, the further pages of the index
    (``pages/pairs-<n>.html``, ``pages/families-<n>.html``), then ``index.html`` (last in
    the list). ``reviews`` maps a ``pair_id`` to its ``ReviewView`` (a scan with an
    archive): shown on its page and in the index. ``workers``: processes for the pages
    (see the module's notes; 1: this process only). ``lap(name)`` is called when the pair
    pages are written (``"write pair pages"``) and when the listing pages and the index are
    (``"write listing pages and index.html"``), for the scan's timings.

    Pages of an earlier scan into the same folder that this one does not write are removed:
    pair pages (by their names) and index pages (by their names and derivdetect's generator
    tag); no other file is touched."""
    out_dir = Path(out_dir)
    slugs = pair_slugs(result.pairs)
    layout = build_layout(result, slugs, reviews=reviews)
    count = len(result.pairs)
    compiled = use_compiled(count)
    if compiled:  # compiled (or loaded from numba's cache) once here, not once per worker
        word_diff("a", "a", compiled=True)
    state = (result, layout, layout.docs, out_dir, compiled)
    pair_jobs = [("pairs", k, min(k + PAGE_BATCH, count)) for k in range(0, count, PAGE_BATCH)]
    listing_jobs = ([("listing", page) for page in range(2, layout.pair_pages + 1)]
                    + [("families", page) for page in range(2, layout.family_pages + 1)])
    parallel = workers > 1 and count >= PARALLEL_MIN_PAGES
    written: list = []
    if parallel:
        from ..config import Config
        from ..engines.pool import run_batches

        # compiled once here, not once per worker
        TEMPLATES.get_template("pair.html")
        TEMPLATES.get_template("index.html")
        page_assets("pair.js")
        page_assets("index.js")
        with _shared_lock:
            _shared["state"] = state
            try:
                results = run_batches(_write_batch, iter(pair_jobs + listing_jobs),
                                      Config(workers=workers), True)
                for n, (paths, _) in enumerate(results, start=1):
                    written.extend(paths)
                    if n == len(pair_jobs) and lap:
                        lap("write pair pages")
            finally:
                _shared.clear()
        if not pair_jobs and lap:
            lap("write pair pages")
    else:
        for job in pair_jobs:
            written.extend(_write_batch((*job, state))[0])
        if lap:
            lap("write pair pages")
        for job in listing_jobs:
            written.extend(_write_batch((*job, state))[0])
    _remove_stale_pairs(out_dir / PAIRS_DIR, {f"{s}.html" for s in slugs})
    remove_stale_listings(out_dir, set(layout.file_names()))
    path = out_dir / "index.html"
    atomic_write(path, render_listing(result, layout, 1))
    if lap:
        lap("write listing pages and index.html")
    return [*map(Path, written), path]

"""The index of the HTML report, paged so that no page grows with the corpus.

Everything is listed strongest first (:mod:`.order`):

* ``index.html``: the summary, the first page of families (each with its documents and its
  pairs, families ordered by their strongest pair), the strongest ``PAIRS_PER_PAGE`` pairs
  and the scan details;
* ``pages/pairs-2.html``, ``pages/pairs-3.html``, ...: the next pairs, ``PAIRS_PER_PAGE`` a
  page;
* ``pages/families-2.html``, ...: the next families, ``FAMILIES_PER_PAGE`` a page.

The further pages live in ``pages/`` (as pair pages live in ``pairs/``), so the top of the
report folder keeps the same few names however large the scan.

Each series has a pager (previous, next, the first and last page and the pages around the
current one, so the pager itself stays small). A family card shows at most
``FAMILY_MEMBERS_SHOWN`` documents and ``FAMILY_PAIRS_SHOWN`` pairs (each of its pairs is on a
pair page anyway), and the index lists at most ``SKIPPED_SHOWN`` skipped files (all are in
``pairs.json``): a page holds a bounded number of rows whatever the size of the scan.
Sorting and filtering in the browser work on the pairs of the page shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..models import ScanResult
from .order import order_families, pair_strength
from .tables import pair_row

__all__ = ["PAIRS_PER_PAGE", "FAMILIES_PER_PAGE", "PAGES_DIR", "Layout", "build_layout",
           "index_name", "families_name", "render_listing", "render_families",
           "remove_stale_listings"]

PAIRS_PER_PAGE = 200
FAMILIES_PER_PAGE = 12
FAMILY_MEMBERS_SHOWN = 25
FAMILY_PAIRS_SHOWN = 12
SKIPPED_SHOWN = 200
_PAGER_AROUND = 2  # pages linked on each side of the current one
PAGES_DIR = "pages"
_LISTING_RE = re.compile(r"^(pairs|families)-([1-9][0-9]{0,8})\.html$")
_GENERATOR = b'<meta name="generator" content="derivdetect">'


def index_name(page: int) -> str:
    """Path (from the report folder) of page ``page`` (1-based) of the pairs list."""
    return "index.html" if page <= 1 else f"{PAGES_DIR}/pairs-{page}.html"


def families_name(page: int) -> str:
    """Link (from the report folder) to page ``page`` of the families (the first is on the
    index)."""
    return "index.html#families" if page <= 1 else f"{PAGES_DIR}/families-{page}.html"


@dataclass(frozen=True)
class Layout:
    """Where everything goes: computed once per report, shared by all its pages.

    ``order`` holds indexes into ``result.pairs``, strongest first; ``rank[i]`` is the
    0-based position of ``result.pairs[i]`` in it; ``families`` holds ``(cluster, [pair
    indexes])``, strongest family first. ``reviews`` maps a ``pair_id`` to its review
    (``report.review.ReviewView``) when the report has them (a scan with an archive,
    ``check --report``): the index shows a review column, each pair page its review.
    """

    slugs: list
    order: list
    rank: list
    families: list
    per_page: int
    families_per_page: int
    reviews: dict = field(default_factory=dict)
    #: document id -> document (made once, not once per page)
    docs: dict = field(default_factory=dict, compare=False, repr=False)
    #: pairs per verdict, and pairs whose review is settled (counted once, not once per
    #: page: at 100,000 articles, per page they were most of the listing's time)
    verdicts: dict = field(default_factory=dict, compare=False, repr=False)
    already_reviewed: int = field(default=0, compare=False, repr=False)

    @property
    def pair_pages(self) -> int:
        return max(1, -(-len(self.order) // self.per_page))

    @property
    def family_pages(self) -> int:
        return max(1, -(-len(self.families) // self.families_per_page))

    def page_of(self, index: int) -> int:
        """The page (1-based) of the pairs list that shows ``result.pairs[index]``."""
        return self.rank[index] // self.per_page + 1

    def listed_at(self, index: int) -> str:
        """The link (from the report folder) to the row of ``result.pairs[index]``."""
        return f"{index_name(self.page_of(index))}#r{self.rank[index] + 1}"

    def file_names(self) -> list:
        """Every listing page but ``index.html`` (paths from the report folder): pairs
        pages first, then family pages."""
        return ([index_name(k) for k in range(2, self.pair_pages + 1)]
                + [families_name(k) for k in range(2, self.family_pages + 1)])


def build_layout(result: ScanResult, slugs: list, per_page: int = PAIRS_PER_PAGE,
                 families_per_page: int = FAMILIES_PER_PAGE,
                 reviews: Optional[dict] = None) -> Layout:
    if per_page < 1 or families_per_page < 1:
        raise ValueError("page sizes must be positive")
    pairs = result.pairs
    order = sorted(range(len(pairs)), key=lambda i: pair_strength(pairs[i]))
    rank = [0] * len(pairs)
    for r, i in enumerate(order):
        rank[i] = r
    where = {id(p): i for i, p in enumerate(pairs)}
    families = [(cluster, [where[id(p)] for p in members])
                for cluster, members in order_families(result.clusters, pairs)]
    reviews = dict(reviews or {})
    return Layout(slugs, order, rank, families, per_page, families_per_page,
                  reviews, {d.id: d for d in result.documents}, _verdict_counts(pairs),
                  sum(1 for r in reviews.values() if not r.flagged))


# ------------------------------------------------------------------------------- contexts

def _pager(current: int, total: int, name, up: str) -> Optional[dict]:
    """Previous/next and a window of page numbers, ``None`` when there is one page."""
    if total <= 1:
        return None
    shown = sorted({1, total} | set(range(max(1, current - _PAGER_AROUND),
                                          min(total, current + _PAGER_AROUND) + 1)))
    items, last = [], 0
    for n in shown:
        if n > last + 1:
            items.append({"gap": True})
        items.append({"gap": False, "n": n, "href": up + name(n), "current": n == current})
        last = n
    return {"current": current, "total": total, "items": items,
            "prev": up + name(current - 1) if current > 1 else None,
            "next": up + name(current + 1) if current < total else None}


def _row(result: ScanResult, layout: Layout, docs: dict, index: int, up: str) -> dict:
    from .html import doc_view, pair_href
    from .review import state_class

    pair = result.pairs[index]
    review = layout.reviews.get(pair.pair_id)
    return {"row": pair_row(pair), "pair": pair, "href": up + pair_href(layout.slugs[index]),
            "review": review, "review_class": state_class(review.state) if review else "",
            "rank": layout.rank[index] + 1,
            "a": doc_view(pair.a, docs), "b": doc_view(pair.b, docs),
            "source_side": "A" if pair.source == pair.a
            else "B" if pair.source == pair.b else None}


def _family_cards(result: ScanResult, layout: Layout, docs: dict, page: int, up: str) -> list:
    from .html import doc_view

    start = (page - 1) * layout.families_per_page
    cards = []
    for number, (cluster, members) in enumerate(
            layout.families[start:start + layout.families_per_page], start + 1):
        best: dict = {}  # document -> rank of its strongest pair in the family
        for i in members:
            pair = result.pairs[i]
            for doc in (pair.a, pair.b):
                best.setdefault(doc, layout.rank[i])
        docs_in = sorted(cluster.documents,
                         key=lambda d: (d != cluster.original, best.get(d, len(layout.order)), d))
        cards.append({
            "number": number, "cluster": cluster,
            "original": doc_view(cluster.original, docs) if cluster.original else None,
            "size": len(cluster.documents), "pair_count": len(members),
            "members": [doc_view(d, docs) for d in docs_in[:FAMILY_MEMBERS_SHOWN]],
            "more_members": max(0, len(docs_in) - FAMILY_MEMBERS_SHOWN),
            "rows": [_row(result, layout, docs, i, up) for i in members[:FAMILY_PAIRS_SHOWN]],
            "more_pairs": max(0, len(members) - FAMILY_PAIRS_SHOWN),
        })
    return cards


def _verdict_counts(pairs) -> dict:
    counts: dict = {}
    for pair in pairs:
        counts[pair.verdict] = counts.get(pair.verdict, 0) + 1
    return counts


def _context(result: ScanResult, layout: Layout, kind: str, page: int) -> dict:
    """``kind``: ``index`` (page 1: everything), ``pairs`` (page >= 2 of the pairs) or
    ``families`` (page >= 2 of the families)."""
    docs = layout.docs or {d.id: d for d in result.documents}
    up = "" if kind == "index" else "../"  # further pages live in pages/
    pair_page = page if kind != "families" else 0
    family_page = page if kind == "families" else (1 if kind == "index" else 0)
    rows = []
    if pair_page:
        start = (pair_page - 1) * layout.per_page
        rows = [_row(result, layout, docs, i, up)
                for i in layout.order[start:start + layout.per_page]]
    return {
        "result": result, "kind": kind, "rows": rows, "up": up,
        "reviewed": bool(layout.reviews),
        "already_reviewed": layout.already_reviewed,
        "first_rank": rows[0]["rank"] if rows else 0,
        "last_rank": rows[-1]["rank"] if rows else 0,
        "families": _family_cards(result, layout, docs, family_page, up) if family_page else [],
        "family_count": len(layout.families),
        "pairs_pager": _pager(pair_page, layout.pair_pages, index_name, up)
        if pair_page else None,
        "families_pager": _pager(family_page, layout.family_pages, families_name, up)
        if family_page else None,
        "pair_pages": layout.pair_pages, "family_pages": layout.family_pages,
        "first_family": (family_page - 1) * layout.families_per_page + 1 if family_page else 0,
        "verdicts": layout.verdicts,
        "page_verdicts": _verdict_counts(r["pair"] for r in rows),
        "skipped_shown": list(result.skipped[:SKIPPED_SHOWN]) if kind == "index" else [],
        "settings": sorted((result.settings or {}).items()),
        "stats": sorted((result.stats or {}).items()),
        "page": page,
    }


def render_listing(result: ScanResult, layout: Layout, page: int = 1) -> str:
    """Page ``page`` of the pairs list: ``index.html`` (with the summary and the first
    families) for page 1, else ``pages/pairs-<page>.html``."""
    from .html import TEMPLATES, page_assets

    if not 1 <= page <= layout.pair_pages:
        raise ValueError(f"no page {page} (1 to {layout.pair_pages})")
    return TEMPLATES.get_template("index.html").render(
        **_context(result, layout, "index" if page == 1 else "pairs", page),
        **page_assets("index.js"))


def render_families(result: ScanResult, layout: Layout, page: int) -> str:
    """``pages/families-<page>.html`` (page >= 2; the first page of families is on the
    index)."""
    from .html import TEMPLATES, page_assets

    if not 2 <= page <= layout.family_pages:
        raise ValueError(f"no families page {page} (2 to {layout.family_pages})")
    return TEMPLATES.get_template("index.html").render(
        **_context(result, layout, "families", page), **page_assets("index.js"))


def remove_stale_listings(out_dir: Path, keep: set) -> None:
    """Listing pages of an earlier, larger scan: ``pages/pairs-<n>.html`` and
    ``pages/families-<n>.html`` not in ``keep`` (paths from ``out_dir``), and only regular
    files that derivdetect wrote (its generator tag in the head). ``pages/`` goes too once
    empty."""
    folder = out_dir / PAGES_DIR
    if folder.is_symlink() or not folder.is_dir():
        return
    for path in folder.glob("*-*.html"):
        match = _LISTING_RE.match(path.name)
        if f"{PAGES_DIR}/{path.name}" in keep or not match or int(match.group(2)) < 2:
            continue
        if path.is_symlink() or not path.is_file():
            continue
        try:
            with path.open("rb") as handle:
                head = handle.read(4096)
            if _GENERATOR in head:
                path.unlink()
        except OSError:
            pass
    try:
        folder.rmdir()  # only if empty
    except OSError:
        pass

"""The service's browser pages: the login, the review queue and a flagged pair's page (the
report's pair page in a sandboxed frame, beside the decision form). Jinja2 with autoescape:
article text, titles, notes and names are untrusted. No page loads anything from elsewhere;
the queue and the decision form work without scripts (the login page needs one)."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Optional
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape

from ..report.review import state_class
from ..store.archive import STATES

TEMPLATES = Environment(loader=PackageLoader("derivdetect.serve", "templates"),
                        autoescape=select_autoescape(default=True, default_for_string=True))
TEMPLATES.filters["state_class"] = state_class

#: The decisions an editor can take on the pair page (``unreviewed`` re-opens a pair).
DECISIONS = (("violation", "Violation"), ("licensed", "Licensed"), ("credited", "Credited"),
             ("own-work", "Own work"), ("false-alarm", "False alarm"),
             ("unreviewed", "Re-open"))
STATIC = {"serve.css": "text/css; charset=utf-8", "login.js": "text/javascript; charset=utf-8"}
#: The Content-Security-Policy of the service's own pages (the framed report page keeps
#: its own, stricter one).
PAGE_CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src data:; "
            "frame-src 'self'; connect-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")


@functools.lru_cache(maxsize=None)
def static_file(name: str) -> Optional[tuple]:
    """``(bytes, media type)`` of one of the service's static files, or None."""
    if name not in STATIC:
        return None
    data = resources.files("derivdetect.serve").joinpath("templates", name).read_bytes()
    return data, STATIC[name]


def login_page(next_path: str) -> str:
    return TEMPLATES.get_template("login.html").render(next_path=next_path)


def _percent(value) -> str:
    try:
        return f"{float(value):.0%}"
    except (TypeError, ValueError):
        return "–"


def queue_page_html(data: dict, state: str, source: str, limit: int, csrf: str,
                    titles: dict, weakest_first: bool = False, paged: bool = False) -> str:
    """The review queue: one page of flags (the checked or scanned article first, the one
    it matches second), filters by state and source, and paging (``paged``: not the first
    page)."""
    rows = []
    for item in data["items"]:
        scores = item.get("scores") or {}
        credit = item.get("credit") or {}
        new = item.get("checked") if item.get("checked") in (item["a"], item["b"]) else item["a"]
        old = item["b"] if new == item["a"] else item["a"]
        rows.append({
            "pair_id": item["pair_id"], "a": new, "b": old,
            "a_title": titles.get(new), "b_title": titles.get(old),
            "verdict": item.get("verdict"), "source": item.get("source"),
            "extent": item.get("extent"), "probability": _percent(scores.get("probability")),
            "coverage": _percent(max(scores.get("coverage_a", 0), scores.get("coverage_b", 0))),
            "credited": bool(credit.get("credited")), "state": item["state"],
            "state_reason": item.get("state_reason", ""), "checked": item.get("checked")})
    here = {"state": state, "source": source, "limit": limit,
            "order": "weakest" if weakest_first else "strongest"}
    next_href = None
    if data.get("next_cursor"):
        next_href = "/?" + urlencode({**here, "cursor": data["next_cursor"]})
    return TEMPLATES.get_template("queue.html").render(
        rows=rows, total=data["total"], state=state, source=source, limit=limit, paged=paged,
        states=("all",) + STATES, next_href=next_href, first_href="/?" + urlencode(here),
        order=here["order"], flip_href="/?" + urlencode(
            {**here, "order": "strongest" if weakest_first else "weakest"}))


def pair_frame_page(record: dict, history: list, csrf: str, back: str = "/") -> str:
    """A flagged pair: its state, the decision form and history, and the report's page of
    the pair in a frame (sandboxed: its scripts run without this origin's rights)."""
    return TEMPLATES.get_template("pair.html").render(
        pair=record, history=history, csrf=csrf, decisions=DECISIONS, back=back,
        credit=record.get("credit") or {})

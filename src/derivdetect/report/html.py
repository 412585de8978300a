"""HTML report: an index (paged, strongest first: see :mod:`.listing`) and one page per
reported pair, self-contained and offline.

Every byte of article text, title, id and metadata goes through Jinja2's autoescape; data for
the scripts goes through ``|tojson`` (which escapes ``<``, ``>``, ``&``, ``'`` and, being ASCII
JSON, U+2028/U+2029). The only markup not escaped is our own CSS and JS, read from the package
templates; each page's Content-Security-Policy allows exactly that script (by its SHA-256), so
even a markup injection could not run anything.

Pair pages live at ``pairs/<slug>.html``; :func:`pair_slug` turns the two (untrusted) ids into a
short, filesystem-safe, collision-free file name.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import jinja2
from markupsafe import Markup

from ..models import Document, Pair, ScanResult
from .listing import (
    PAIRS_PER_PAGE,
    Layout,
    build_layout,
    render_listing,
)
from .marks import (
    build_segments,
    diff_counts,
    diff_html,
    inspector_html,
    segments_html,
    word_count,
    word_diff,
)
from .review import ReviewView, credit_spans, state_class
from .tables import pair_row

__all__ = ["write_html", "render_index", "render_pair", "pair_slug", "pair_slugs", "pair_href",
           "build_segments", "word_diff", "safe_url", "split_ids", "PAIRS_DIR"]

PAIRS_DIR = "pairs"
_NAME_MAX = 40  # characters of each id kept in a slug
_HASH_HEX = 16  # the pair_id: 64 bits
_QUOTE_MAX = 600  # characters of a word-for-word passage quoted in the inspector
SLUG_RE = re.compile(r"^[a-z0-9_-]{1,%d}--[a-z0-9_-]{1,%d}--[0-9a-f]{%d,64}$"
                      % (_NAME_MAX, _NAME_MAX, _HASH_HEX))
_KNOWN_EXT = re.compile(r"\.(?:txt|md|markdown|html?|jsonl)(?=$|#)", re.I)
_UNSAFE = re.compile(r"[^a-z0-9_]+")

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("derivdetect.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


# ------------------------------------------------------------------------------- file names

def _name_part(doc_id: str) -> str:
    """A readable, safe fragment of an id: its last path part, ASCII, ``[a-z0-9_-]``."""
    parts = [p for p in re.split(r"[/\\]", doc_id) if p]
    name = parts[-1] if parts else ""
    name = _KNOWN_EXT.sub("", name)
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE.sub("-", name.lower()).strip("-_")
    name = re.sub(r"-{2,}", "-", name)[:_NAME_MAX].strip("-_")
    return name or "doc"


def pair_slug(pair: Pair, long: bool = False) -> str:
    """The file name (without ``.html``) of the page of ``pair``.

    Made of ``[a-z0-9_-]`` only (no ``/``, ``.``, NUL, control or non-ASCII characters), at
    most ``2 * 40 + 4 + 64`` characters: both documents' names for people, then the pair's
    ``pair_id``, so the same pair always gets the same URL, in every scan and engine.
    ``long`` replaces the id by a 64-digit hash of it and both full ids, for the rare
    report in which two pairs' 64-bit ids collide.
    """
    tail = pair.pair_id
    if long:
        tail = hashlib.sha256(json.dumps([pair.pair_id, pair.a, pair.b],
                                         ensure_ascii=True).encode("ascii")).hexdigest()
    return f"{_name_part(pair.a)}--{_name_part(pair.b)}--{tail}"


def pair_href(slug: str) -> str:
    return f"{PAIRS_DIR}/{slug}.html"


def pair_slugs(pairs: Iterable[Pair]) -> list:
    """One slug per pair, unique within the report (a longer hash if 64 bits ever collide)."""
    pairs = list(pairs)
    slugs = [pair_slug(p) for p in pairs]
    if len(set(slugs)) != len(slugs):
        slugs = [pair_slug(p, long=True) for p in pairs]
    if len(set(slugs)) != len(slugs):  # the same (a, b) twice
        raise ValueError("the scan result holds the same pair twice")
    return slugs


# ------------------------------------------------------------------------------- text pieces

def safe_url(url: Optional[str]) -> Optional[str]:
    """``url`` if it is a plain http(s) URL (then it may be a link), else None."""
    if not url or len(url) > 2048:
        return None
    if not re.match(r"https?://[^\s/?#]", url, re.I):
        return None
    if any(ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F or unicodedata.category(c) in ("Cf", "Zl", "Zp")
           for c in url):
        return None
    return url


# ------------------------------------------------------------------------------- assets

def _asset(name: str) -> str:
    source, _, _ = TEMPLATES.loader.get_source(TEMPLATES, name)
    return source


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")


def page_assets(script_name: str) -> dict:
    return dict(_assets(script_name))


@functools.lru_cache(maxsize=None)
def _assets(script_name: str) -> tuple:
    css = _asset("report.css")
    js = _asset(script_name)
    if "</" in css or "</" in js:  # never true for our files; keeps the raw blocks raw
        raise ValueError("an asset contains '</'")
    # Our own static files, not data: marked safe so autoescape leaves the code intact.
    return (("css", Markup(css)), ("js", Markup(js)), ("csp", _csp(js)))


# ------------------------------------------------------------------------------- views

def _percent(value) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "–"


def _number(value, digits: int = 3) -> str:
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return "–"


def _sort_value(value) -> str:
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return ""


def _when(value) -> str:
    """An ISO timestamp as ``2024-05-01 14:03 UTC`` (other strings unchanged)."""
    try:
        moment = _dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    offset = moment.utcoffset()
    zone = "UTC" if not offset else moment.strftime("UTC%z")
    return f"{moment.strftime('%Y-%m-%d %H:%M')} {zone}"


def _plain(value) -> str:
    """A stats or settings value for people: mappings and lists flattened."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {_plain(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return "none" if value is None else str(value)


def split_ids(text: str, ids) -> list:
    """``text`` cut into ``(is_id, piece)``: ids quoted in a reason are shown isolated
    (``<bdi>``), so a right-to-left mark in a file name cannot reorder the sentence."""
    ids = sorted({i for i in ids if i}, key=len, reverse=True)
    if not ids or not text:
        return [(False, text or "")]
    pattern = re.compile("|".join(re.escape(i) for i in ids))
    out, pos = [], 0
    for match in pattern.finditer(text):
        if match.start() > pos:
            out.append((False, text[pos:match.start()]))
        out.append((True, match.group(0)))
        pos = match.end()
    if pos < len(text):
        out.append((False, text[pos:]))
    return out


def _short(text, limit: int = 60) -> str:
    """Long ids cut in the middle for lists (the full id is in the title attribute)."""
    text = str(text)
    if len(text) <= limit:
        return text
    head = (limit - 1) * 3 // 5
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


_BIDI_CONTROL = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(text) -> str:
    """An id or path with its control characters (newline, NUL, escape) shown as symbols
    (U+2400 block), so a file name cannot hide or fake a line break, and its bidirectional
    controls as ``⟨U+202E⟩``, so ``report\u202efdp.txt`` cannot pass for ``reporttxt.pdf``."""
    text = _CONTROL.sub(lambda m: "\u2421" if m.group(0) == "\x7f" else chr(0x2400 + ord(m.group(0))),
                        str(text))
    return _BIDI_CONTROL.sub(lambda m: f"\u27e8U+{ord(m.group(0)):04X}\u27e9", text)


TEMPLATES.filters["visible"] = _visible
TEMPLATES.filters["short"] = _short
TEMPLATES.globals["split_ids"] = split_ids
TEMPLATES.filters["plain"] = _plain
TEMPLATES.filters["when"] = _when
TEMPLATES.filters["percent"] = _percent
TEMPLATES.filters["number"] = _number
TEMPLATES.filters["sortnum"] = _sort_value
TEMPLATES.filters["thousands"] = lambda n: f"{int(n):,}"


@dataclass(frozen=True)
class _DocView:
    id: str
    title: str
    has_title: bool
    doc: Optional[Document]
    url_link: Optional[str]


def doc_view(doc_id: str, docs: dict) -> _DocView:
    doc = docs.get(doc_id)
    title = (doc.title or "").strip() if doc else ""
    return _DocView(doc_id, title or _visible(doc_id), bool(title), doc,
                    safe_url(doc.url) if doc else None)


def _roles(pair: Pair) -> tuple:
    """``(left key, right key, ((label, noun), (label, noun)))``: the source on the left when
    known."""
    if pair.source == pair.b:
        left, right = "b", "a"
    else:
        left, right = "a", "b"
    if pair.source in (pair.a, pair.b):
        copy = "Derived text" if pair.verdict == "derivative" else "Copy"
        return left, right, (("Likely original", "the original"), (copy, f"the {copy.lower()}"))
    return left, right, (("Text A", "text A"), ("Text B", "text B"))


def _pair_context(result: ScanResult, pair: Pair, docs: dict, index: int, layout: Layout,
                  review: Optional[ReviewView] = None, compiled: bool = False) -> dict:
    left, right, labels = _roles(pair)
    ids = {"a": pair.a, "b": pair.b}
    views = {k: doc_view(v, docs) for k, v in ids.items()}
    sides = []
    for key, (label, noun) in zip((left, right), labels):
        view = views[key]
        text = view.doc.text if view.doc else ""
        spans = [(getattr(p, f"{key}_start"), getattr(p, f"{key}_end"), p.kind, i)
                 for i, p in enumerate(pair.passages)]
        sides.append({"key": key, "label": label, "noun": noun, "view": view,
                      "segments": build_segments(text, spans,
                                                 result.boilerplate.get(view.id, ()),
                                                 credit_spans(pair, key))})
    ltext = views[left].doc.text if views[left].doc else ""
    rtext = views[right].doc.text if views[right].doc else ""
    order = sorted(range(len(pair.passages)),
                   key=lambda i: (getattr(pair.passages[i], f"{left}_start"),
                                  getattr(pair.passages[i], f"{right}_start"), i))
    number = {i: n for n, i in enumerate(order, 1)}
    infos = []
    for i in order:
        p = pair.passages[i]
        ls, le = getattr(p, f"{left}_start"), getattr(p, f"{left}_end")
        rs, re_ = getattr(p, f"{right}_start"), getattr(p, f"{right}_end")
        ops = (word_diff(ltext[ls:le], rtext[rs:re_], compiled) if p.kind == "paraphrase"
               else [])
        quote = ltext[ls:le]
        if len(quote) > _QUOTE_MAX:
            quote = quote[:_QUOTE_MAX] + " …"
        infos.append({"index": i, "n": number[i], "passage": p, "quote": quote,
                      "diff_html": diff_html(ops),
                      "counts": diff_counts(ops),
                      "words": word_count(ltext[ls:le]),
                      "left_span": (ls, le), "right_span": (rs, re_)})
    data = {"order": order,
            "passages": {str(i): {"n": number[i], "kind": p.kind,
                                  "similarity": round(float(p.similarity), 3)}
                         for i, p in enumerate(pair.passages)}}
    derived_key = right if pair.source in (pair.a, pair.b) else None
    slugs, ranked, rank = layout.slugs, layout.order, layout.rank[index]

    def numbers(indexes) -> str:
        return ",".join(str(number[i]) for i in sorted(indexes, key=number.get))

    for side in sides:
        side["html"] = segments_html(side["segments"], numbers)
    inspector = inspector_html(infos, (sides[0]["noun"], sides[1]["noun"]))

    return {
        "pair": pair, "row": pair_row(pair), "views": views, "sides": sides,
        "left": left, "right": right, "infos": infos, "inspector_html": inspector, "data": data,
        "source_view": views["a" if pair.source == pair.a else "b"]
        if pair.source in (pair.a, pair.b) else None,
        "derived_key": derived_key,
        "index": rank, "total": len(ranked),
        "prev_href": f"{slugs[ranked[rank - 1]]}.html" if rank > 0 else None,
        "next_href": f"{slugs[ranked[rank + 1]]}.html" if rank + 1 < len(ranked) else None,
        "listed_at": f"../{layout.listed_at(index)}",
        "root": result.root, "created": result.created,
        "credit_marked": any(s.credit for side in sides for s in side["segments"]),
        "review": review, "review_class": state_class(review.state) if review else "",
    }


def render_index(result: ScanResult, slugs: Optional[list] = None, page: int = 1,
                 per_page: int = PAIRS_PER_PAGE, reviews: Optional[dict] = None) -> str:
    """Page ``page`` of the index of ``result`` as a string (``index.html`` for page 1, with
    the summary and the first families; ``pages/pairs-<page>.html`` after it), ``per_page`` pairs
    a page, strongest first; with ``reviews`` (``pair_id`` -> :class:`ReviewView`), a
    review column."""
    slugs = slugs if slugs is not None else pair_slugs(result.pairs)
    return render_listing(result, build_layout(result, slugs, per_page, reviews=reviews), page)


def render_pair(result: ScanResult, index: int, slugs: Optional[list] = None,
                docs: Optional[dict] = None, layout: Optional[Layout] = None,
                review: Optional[ReviewView] = None, compiled: bool = False) -> str:
    """The page of ``result.pairs[index]`` as a string: "Pair k of n", previous and next in
    the order of the index (strongest first), and a link back to its row there; with the
    pair's ``review`` (else the one in ``layout.reviews``, if any): its review state and
    decision history. ``compiled``: word diffs by the compiled kernel (the same page)."""
    slugs = slugs if slugs is not None else pair_slugs(result.pairs)
    docs = docs if docs is not None else {d.id: d for d in result.documents}
    layout = layout if layout is not None else build_layout(result, slugs)
    pair = result.pairs[index]
    review = review if review is not None else layout.reviews.get(pair.pair_id)
    return TEMPLATES.get_template("pair.html").render(
        **_pair_context(result, pair, docs, index, layout, review, compiled),
        **page_assets("pair.js"))


def write_html(result: ScanResult, out_dir: Path, reviews: Optional[dict] = None,
               workers: int = 1, lap=None) -> list[Path]:
    """Write the HTML report of ``result`` into ``out_dir``: see
    :func:`.writer.write_pages` (pair pages and listing pages, in ``workers`` processes)."""
    from .writer import write_pages

    return write_pages(result, out_dir, reviews, workers, lap)

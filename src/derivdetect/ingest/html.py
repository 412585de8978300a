"""HTML to article text: trafilatura (main text, optional dependency) or plain visible text."""

from __future__ import annotations

import html as htmllib
import importlib
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Optional

__all__ = ["HtmlText", "HtmlError", "NeedsTrafilatura", "extract_html", "visible_text"]

TRAFILATURA_MISSING = "needs trafilatura: pip install 'derivdetect[html]'"


class HtmlError(ValueError):
    """No article text could be taken from the page; ``str(error)`` is the reason."""


class NeedsTrafilatura(HtmlError):
    """trafilatura is not installed (the ``html`` extra)."""


@dataclass(frozen=True)
class HtmlText:
    text: str
    title: Optional[str] = None
    date: Optional[str] = None
    url: Optional[str] = None
    byline: Optional[str] = None


_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def _clean(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value if v)
    value = _SPACES.sub(" ", str(value)).strip()
    return value or None


def _title_tag(page: str) -> Optional[str]:
    match = _TITLE.search(page, 0, 200_000)
    return _clean(htmllib.unescape(match.group(1))) if match else None


def _field(result: Any, name: str) -> Any:
    """trafilatura 2.x returns a Document object, 1.x a dict."""
    if isinstance(result, dict):
        return result.get(name)
    return getattr(result, name, None)


def _quiet_logs() -> None:
    """trafilatura logs an ERROR for every page it cannot use; without a handler Python
    prints those on stderr. A NullHandler keeps them out of the CLI's output while an
    application that configures logging still receives them."""
    for name in ("trafilatura", "htmldate", "courlan", "justext", "readability"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


def _trafilatura(page: str) -> HtmlText:
    try:
        trafilatura = importlib.import_module("trafilatura")
    except ImportError:
        raise NeedsTrafilatura(TRAFILATURA_MISSING) from None
    _quiet_logs()
    # lxml refuses a str that still carries an XML encoding declaration.
    source = _XML_DECL.sub("", page, count=1)
    try:
        result = trafilatura.bare_extraction(
            source,
            include_comments=False,
            favor_recall=True,
            with_metadata=True,
            # Dates only from markup (meta tags, <time>, JSON-LD), never guessed from the
            # text: the extensive search dates a page by its "© 2023" footer.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as exc:  # a bad page must never stop the scan
        raise HtmlError(f"HTML could not be parsed ({type(exc).__name__}: {exc})") from None
    text = _field(result, "text") if result is not None else None
    if not text or text.isspace():
        raise HtmlError("no article text found in HTML")
    return HtmlText(
        text=text,
        title=_clean(_field(result, "title")) or _title_tag(page),
        date=_clean(_field(result, "date")),
        url=_clean(_field(result, "url")),
        byline=_clean(_field(result, "author")),
    )


_INVISIBLE = frozenset({"script", "style", "noscript", "template", "svg", "math", "iframe",
                        "object", "canvas", "head"})
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
    "td", "th", "tr", "ul",
})


_META_FIELDS = {
    "author": "byline", "article:author": "byline", "byl": "byline",
    "article:published_time": "date", "datepublished": "date", "date": "date",
    "pubdate": "date", "og:url": "url",
}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.hidden = 0
        self.pre = 0
        self.in_title = False
        self.meta: dict = {}

    def _head_metadata(self, tag: str, attrs: list) -> None:
        values = {key: (value or "") for key, value in attrs}
        if tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self.meta.setdefault("url", values.get("href"))
            return
        key = (values.get("property") or values.get("name") or values.get("itemprop")
               or "").lower()
        field = _META_FIELDS.get(key)
        if field and values.get("content"):
            self.meta.setdefault(field, values["content"])

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("meta", "link"):
            self._head_metadata(tag, attrs)
        elif tag == "title":
            self.in_title = True
        elif tag in _INVISIBLE:
            self.hidden += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
            if tag == "pre":
                self.pre += 1

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in ("meta", "link"):
            self._head_metadata(tag, attrs)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _INVISIBLE:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.hidden:
            # Source line breaks are spaces in HTML; only blocks (and <pre>) break lines.
            self.parts.append(data if self.pre else _SPACES.sub(" ", data))


def visible_text(page: str) -> HtmlText:
    """All visible text of a page (no scripts, styles or head), one block per line; title,
    date, url and byline from ``<title>``, ``<meta>`` and ``<link rel=canonical>``."""
    parser = _VisibleText()
    try:
        parser.feed(page)
        parser.close()
    except Exception as exc:  # html.parser is lenient; be safe anyway
        raise HtmlError(f"HTML could not be parsed ({type(exc).__name__}: {exc})") from None
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    text = "\n".join(line for line in lines if line)
    if not text:
        raise HtmlError("no article text found in HTML")
    meta = parser.meta
    date = _clean(meta.get("date"))
    if date and _ISO_DAY.match(date):
        date = date[:10]  # as trafilatura gives it: YYYY-MM-DD
    return HtmlText(text=text, title=_clean("".join(parser.title)), date=date,
                    url=_clean(meta.get("url")), byline=_clean(meta.get("byline")))


def extract_html(page: str, extractor: str = "trafilatura") -> HtmlText:
    """The article text and metadata of a decoded HTML page.

    ``extractor`` is ``"trafilatura"`` (main text, drops menus and footers; raises
    :class:`NeedsTrafilatura` if it is not installed) or ``"text"`` (all visible text).
    Raises :class:`HtmlError` when the page has no text.
    """
    if extractor == "text":
        return visible_text(page)
    return _trafilatura(page)

"""Credit: does the copy name its source?

A credited copy ("via The Washington Post", "(AFP)", "originally published in ...") and an
uncredited rewrite are different situations for an editor. The names a text goes by are its
*outlet names*: the agency or paper it credits itself with in its dateline or sign-off
("RIGA, Latvia (Washington Post) —", "(AFP/Z-3)"), its byline, and its URL's site name
("washingtonpost.com" -> "washingtonpost", "Washington Post"). The copy credits the source
when it mentions one of them, or links to the source's site. Pure functions of two texts.
"""

from __future__ import annotations

from typing import Optional
from urllib.parse import urlsplit

import regex

from ..models import Document

# "(Washington Post)", "(AFP)", "(AFP/Z-3)", "(Reuters) -": a parenthesised name of one to
# four capitalised words or an acronym, in the first or last lines of a text
_PAREN_NAME = regex.compile(r"\((\p{Lu}[\p{L}&.'-]*(?:\s+\p{Lu}[\p{L}&.'-]*){0,3})(?:/[^)]{0,20})?\)")
_SIGNED = regex.compile(
    r"\b(?:via|originally published (?:in|by|on)|first published (?:in|by|on)|source:|"
    r"courtesy of|reprinted from|republished from)\s+(?:the\s+)?"
    r"(\p{Lu}[\p{L}&.'-]*(?:\s+\p{Lu}[\p{L}&.'-]*){0,3})", regex.IGNORECASE)
_EDGE_CHARS = 600
_NOT_OUTLETS = frozenset({"photo", "illustration", "file", "video", "update", "updated"})


def outlet_names(doc: Document) -> list:
    """The names ``doc`` goes by (see the module docstring), longest first, distinct."""
    text = doc.text
    edges = text[:_EDGE_CHARS] + "\n" + text[-_EDGE_CHARS:]
    names = [m.group(1) for m in _PAREN_NAME.finditer(edges)]
    names += [m.group(1) for m in _SIGNED.finditer(edges)]
    if doc.byline:
        names.append(doc.byline)
    site = _site(doc.url)
    if site:
        names.append(site)
    out = []
    for name in sorted({" ".join(n.split()) for n in names}, key=lambda n: (-len(n), n)):
        if len(name) >= 2 and name.casefold() not in _NOT_OUTLETS:
            out.append(name)
    return out


def licensed_name(source: Document, licensed_sources) -> Optional[str]:
    """The first name ``source`` goes by (:func:`outlet_names`) that is among
    ``licensed_sources`` (case-insensitive), or ``None``."""
    licensed = {name.casefold() for name in licensed_sources}
    if not licensed:
        return None
    names = [n for n in outlet_names(source) if n.casefold() in licensed]
    return names[0] if names else None


def _site(url) -> str:
    """The site part of a URL's host: ``www.washingtonpost.com`` -> ``washingtonpost``."""
    if not url:
        return ""
    host = (urlsplit(url if "//" in url else "//" + url).hostname or "").lower()
    parts = [p for p in host.split(".") if p not in ("www", "m", "amp")]
    return parts[-2] if len(parts) >= 2 else (parts[0] if parts else "")


def credit_for(source: Document, copy: Document) -> dict:
    """Whether ``copy`` names ``source``: ``{"credited", "names", "evidence"}``, evidence
    the character spans in ``copy.text`` where a name of the source (or a link to its
    site) appears."""
    names = outlet_names(source)
    evidence = []
    found = []
    for name in names:
        squashed = name.replace(" ", "")
        pattern = regex.compile(
            rf"(?<![\p{{L}}\p{{N}}])(?:{regex.escape(name)}|{regex.escape(squashed)})"
            rf"(?![\p{{L}}\p{{N}}])", regex.IGNORECASE)
        spans = [m.span() for m in pattern.finditer(copy.text)]
        if spans:
            found.append(name)
            evidence.extend(spans)
    return {"credited": bool(found), "names": found, "evidence": sorted(set(evidence))}

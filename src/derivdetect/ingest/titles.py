"""Title and byline of a plain-text or Markdown article, from its first lines.

Scraped and pasted articles often begin with something other than their headline: the byline
("By Robyn Dixon", sometimes with two names glued together when the page's markup is dropped:
"By Robyn DixonFrancesca Ebel") or web furniture ("top of page", "Skip to content"). The title
is the first line that is neither, if it is short (a long first line is the lead paragraph:
no title). A byline found before the title, or on the first line after it, is the byline.

Only metadata comes from here: the text itself and every offset into it stay as read.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Optional

__all__ = ["title_and_byline", "byline_of", "split_glued_names", "is_furniture"]

TITLE_MAX = 200  # characters; a longer first line is a paragraph, not a headline
_LOOK_LINES = 12  # lines of bylines and furniture looked past before giving up on a title

_LINE = re.compile(r"^[^\n]*\w[^\n]*", re.MULTILINE)  # a line with a letter or digit
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*|\s+#+\s*$")
_MD_HEADING_START = re.compile(r"\s{0,3}#{1,6}")
_MD_EMPHASIS = re.compile(r"^[*_]+\s*|\s*[*_]+$")

# "By", "By:", "Written by", ... then the names.
_BYLINE_PREFIX = re.compile(
    r"(?:(?:written|words|story|text|reporting|report)\s+)?by\b\s*:?\s*", re.IGNORECASE)
# Between the names of a byline: commas, "and", "&", "|", "/", a spaced dash.
_NAME_SEPARATORS = re.compile(r"\s*(?:[,;&|/]|\s[-\u2013\u2014]\s|\s+and\s+)\s*", re.IGNORECASE)
# "By our correspondent", "By the Editorial Board", "By a staff reporter".
_STAFF_BYLINE = re.compile(
    r"(?:our|an?|the)\s+(?:[^\W\d_]+\s+){0,2}?"
    r"(?:correspondents?|reporters?|staff|writers?|editors?|editorial\s+board|team)\.?",
    re.IGNORECASE)
_NAME_WORD = re.compile(r"(?:[^\W\d_]\.)+|[^\W\d_]+(?:['\u2019.\-][^\W\d_]+)*\.?")
_NAME_PREFIXES = frozenset({"Fitz", "Vander", "Vanden"})
_MAX_NAMES = 4
_MAX_NAME_WORDS = 4
_BYLINE_MAX = 100  # characters after "By"

# Lower-case words that may sit inside a name ("Ursula von der Leyen", "Abu al-Hassan").
_PARTICLES = frozenset("von van der den de del della di da dos das du la le bin ibn al el "
                       "y ter ten st.".split())
# Capitalised words that make "By ..." a headline, not a byline ("By Any Means Necessary",
# "By The Numbers"): function words anywhere, and a few nouns heading such phrases when they
# stand alone ("By Design", "By Night").
_NOT_NAMES = frozenset("""
    the a an any all this that these those my our your his her its their no not every some
    one how what why when where who which whose in on of at to for with from into over under
    about after before is are was were be been would could might must shall should does did
    it we you they she
    """.split())
_NOT_ALONE = frozenset("""
    design default far night day chance accident hand heart land sea air numbers request
    demand force law choice proxy contrast comparison mistake nature definition now then
    way degrees halves inches stealth moonlight candlelight
    """.split())

#: Navigation and page furniture, compared lower-cased with punctuation removed.
FURNITURE_PHRASES = frozenset(" ".join(item.split()) for item in """
    top of page|back to top|skip to content|skip to main content|jump to content
    skip navigation|menu|main menu|open menu|close menu|toggle navigation|navigation|search
    home|close|advertisement|advertising|ad|sponsored|sponsored content|scroll to continue
    advertisement scroll to continue|story continues below advertisement
    share|share this|share this article|share this story|share on facebook|share on twitter
    tweet|email|print|comments|comment|sign in|log in|login|register|subscribe|sign up
    newsletter|listen|listen to this article|read more|continue reading|show more|cookies
    accept cookies|cookie settings|accept all cookies|you are here|breadcrumb
    """.replace("\n", "|").split("|") if item.strip())
_WORD_RUN = re.compile(r"[^\W_]+")  # a word, punctuation and underscores left out
_LOWERCASE_FURNITURE_WORDS = 4  # an all-lower-case line of at most this many words
_FURNITURE_MAX_WORDS = max(_LOWERCASE_FURNITURE_WORDS, *(len(f.split()) for f in FURNITURE_PHRASES))


def split_glued_names(names: str) -> str:
    """``"Robyn DixonFrancesca Ebel"`` -> ``"Robyn Dixon, Francesca Ebel"``.

    A page that lays out its authors as separate elements loses the space between them when
    its text is copied. A name is split where a run of at least three lower-case letters is
    directly followed by an upper-case and a lower-case letter; shorter runs keep McDonald,
    DeMarco, MacDonald and LaToya whole (and "Fitz", "Vander" and "Vanden" keep FitzGerald
    and VanderMeer).
    """
    out: list[str] = []
    run = 0  # lower-case letters just before position i
    word = 0  # where the current word starts
    for i, char in enumerate(names):
        if (run >= 3 and char.isupper() and i + 1 < len(names) and names[i + 1].islower()
                and names[word:i] not in _NAME_PREFIXES):
            out.append(", ")
            word = i
        out.append(char)
        run = run + 1 if char.islower() else 0
        if char.isspace():
            word = i + 1
    return "".join(out)


def _is_name(words: list[str], first: bool) -> bool:
    if not 1 <= len(words) <= _MAX_NAME_WORDS:
        return False
    for index, word in enumerate(words):
        if not _NAME_WORD.fullmatch(word):
            return False
        lower = word.lower()
        if lower in _NOT_NAMES and not (word == "The" and index == 0 and not first):
            return False  # ... but "Jane Doe | The Washington Post"
        if not word[0].isupper() and not (index and lower.split("-")[0] in _PARTICLES):
            return False
    return True


def byline_of(line: str) -> Optional[str]:
    """The names of a byline line (``"By Jane Doe and John Roe"`` -> ``"Jane Doe and John
    Roe"``, glued names split), or None if the line is not a byline.

    A byline is "By", "By:" or "Written by" followed by 1 to 4 names of 1 to 4 capitalised
    words each (lower-case particles such as "von" inside a name), joined by commas, "and",
    "&" or "|"; or by a staff credit such as "our correspondent". "By the numbers: ...",
    "By Tuesday, the council ..." or "By Any Means Necessary" are headlines: lower-case or
    function words, digits or other punctuation among the words.
    """
    line = line.strip()
    prefix = _BYLINE_PREFIX.match(line)
    if not prefix:
        return None
    rest = line[prefix.end():].strip()
    if not rest or len(rest) > _BYLINE_MAX:
        return None
    if _STAFF_BYLINE.fullmatch(rest):
        return rest
    names = split_glued_names(rest)
    parts = _NAME_SEPARATORS.split(names.rstrip("."))
    if any(not part for part in parts) or len(parts) > _MAX_NAMES:
        return None
    words = [part.split() for part in parts]
    if not all(_is_name(name, first=not index) for index, name in enumerate(words)):
        return None
    if len(words) == 1 and len(words[0]) == 1 and words[0][0].lower() in _NOT_ALONE:
        return None
    return names


def is_furniture(line: str) -> bool:
    """A navigation or page-furniture line ("top of page", "Skip to content", "Share"):
    one of a small list of known phrases, or a short line written all in lower case."""
    lower = line.lower()
    # the words of the line with punctuation removed, up to one more than any rule allows
    # (a paragraph is not scanned to its end)
    words = [m.group() for m in islice(_WORD_RUN.finditer(lower), _FURNITURE_MAX_WORDS + 1)]
    if not words or len(words) > _FURNITURE_MAX_WORDS:
        return False
    if " ".join(words) in FURNITURE_PHRASES:
        return True
    # All cased letters lower case (scripts without case, such as Chinese, never are).
    return (line == lower and line != line.upper()
            and len(words) <= _LOWERCASE_FURNITURE_WORDS)


def title_and_byline(text: str, start: int = 0,
                     markdown: bool = False) -> tuple[Optional[str], Optional[str]]:
    """``(title, byline)`` of an article from its first lines after ``start``.

    Lines without a letter or digit (rules, blank lines) are passed over, and so are a byline
    (kept as the byline) and furniture lines; the next line is the title if it is at most 200
    characters long, else there is no title (it is the lead paragraph). A byline on the line
    right after the title is taken too. In Markdown a heading is always the title (without
    its ``#``), and ``*By Jane Doe*`` is a byline.
    """
    title = byline = None
    for looked, match in enumerate(_LINE.finditer(text, start)):
        raw = match.group(0)
        heading = markdown and bool(_MD_HEADING_START.match(raw))
        line = (_MD_HEADING.sub("", raw) if markdown else raw).strip()
        plain = _MD_EMPHASIS.sub("", line) if markdown else line
        if title is not None:  # the line after the title: a byline there counts too
            if byline is None:
                byline = byline_of(plain)
            break
        if looked >= _LOOK_LINES:
            break
        if not heading:
            names = byline_of(plain)
            if names is not None:
                byline = byline or names
                continue
            if is_furniture(plain):
                continue
        if not 0 < len(line) <= TITLE_MAX:
            break  # a paragraph: no title
        title = line
    return title, byline

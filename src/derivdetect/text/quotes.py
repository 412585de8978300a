"""Direct speech: the spans of a text inside quotation marks.

Two independent reports of one press conference share its quotes word for word; that is
evidence of a shared event, not of copying. Judging marks an aligned passage that is quoted
in both texts as kind ``quote`` and weighs it apart from copied prose.

Recognised: curly double and single quotes (“…”, ‘…’), low-high quotes („…“, ‚…‘),
guillemets either way («…», »…«, ‹…›), CJK corner brackets (「…」, 『…』), the wire's ``…'' and
`…' (also across the line breaks of hard-wrapped copy, never across a blank line), straight
double quotes paired within a line, straight single quotes that open after a space or the start of a
line and close before a space or punctuation (not apostrophes), and dialogue lines opened
by a dash (— or –, the style of French, Spanish, Russian and Italian prose). A quote left
open at the end of a paragraph ends there (the press style that reopens each quoted
paragraph).
"""

from __future__ import annotations

import regex

from .boilerplate import merge_spans

_PAIRED = (("“", "”"), ("„", "“"), ("„", "”"), ("«", "»"), ("»", "«"), ("‹", "›"),
           ("「", "」"), ("『", "』"), ("``", "''"))
_MAX_QUOTE = 2000
# a quote may run over the line breaks of hard-wrapped copy, never over a blank line
_BODY = r"(?:[^\n]|\n(?![ \t\r]*\n))"
_END = r"(?=\n[ \t\r]*\n|\Z)"
_PAIRED_RE = regex.compile("|".join(
    f"{regex.escape(o)}(?:(?!{regex.escape(c)}){_BODY}){{2,{_MAX_QUOTE}}}?"
    f"(?:{regex.escape(c)}|{_END})" for o, c in _PAIRED))
_CURLY_SINGLE_RE = regex.compile(
    rf"[‘‚`](?=[\p{{L}}\p{{N}}]){_BODY}{{2,{_MAX_QUOTE}}}?"
    rf"(?<=[\p{{L}}\p{{N}}.,!?;:])[’‘'](?![\p{{L}}\p{{N}}])")
_STRAIGHT_DOUBLE_RE = regex.compile(r'"[^"\n]{2,}?(?:"|(?=\n\s*\n|\Z))')
_STRAIGHT_SINGLE_RE = regex.compile(
    r"(?<![\p{L}\p{N}])'(?=\p{L}|\p{N})[^\n]{2,}?(?<=[\p{L}\p{N}.,!?;:])'(?![\p{L}\p{N}])")
_DIALOGUE_RE = regex.compile(r"(?m)^[ \t]*[—–][ \t]*\S[^\n]*")


def quote_spans(text: str) -> tuple:
    """Character spans ``(start, end)`` of the quoted stretches of ``text``, in order and
    merged (quotation marks included)."""
    spans = []
    for pattern in (_PAIRED_RE, _CURLY_SINGLE_RE, _STRAIGHT_DOUBLE_RE, _STRAIGHT_SINGLE_RE,
                    _DIALOGUE_RE):
        spans.extend(m.span() for m in pattern.finditer(text))
    return merge_spans(spans)

"""Verdict, direction and extent of a pair, each with the evidence that decided it.

The evidence is the alignment (see ``align``): how much of each text lies inside aligned
passages (``coverage``), how much of that is word-for-word (``exact``), and the exact set
scores. The *derived* side is the text more contained in the other: a copy, a condensed rewrite
or a lift of a few paragraphs is covered by its source far more than the source by it.

* ``verbatim``: both texts are (almost) wholly the same words (re-wrapped or re-formatted).
* ``near-duplicate``: most of both texts is shared word for word (light edits).
* ``derivative``: a large share of the derived text restates or reuses the other.
* ``related`` / ``unrelated`` (``compare`` only): some or no shared passages.
"""

from __future__ import annotations

from typing import Optional

from ..config import Config
from ..models import Document
from ..text.dates import before, parse_date, unread_date_note


def derived_side(scores: dict) -> str:
    """``"a"`` or ``"b"``: the text more covered by aligned passages (ties: the shorter)."""
    ca, cb = scores["coverage_a"], scores["coverage_b"]
    if abs(ca - cb) < 1e-9:
        return "a" if scores.get("words_a", 0) <= scores.get("words_b", 0) else "b"
    return "a" if ca > cb else "b"


def derived_words(scores: dict) -> int:
    """The aligned words of the derived text (:func:`derived_side`): what a reviewer saw."""
    return int(scores.get(f"aligned_words_{derived_side(scores)}", 0))


def verdict_for(scores: dict, config: Config, drivers: str = "") -> tuple[str, list]:
    """The verdict and the reasons for it, from the scores of :func:`judge.pair_scores`
    (``drivers``: what drove the reuse probability, ``reuse.probability_drivers``)."""
    side = derived_side(scores)
    other = "b" if side == "a" else "a"
    coverage = scores[f"coverage_{side}"]
    exact = scores[f"exact_coverage_{side}"]
    exact_other = scores[f"exact_coverage_{other}"]
    reasons = [
        f"{coverage:.0%} of the derived text ({side}) lies in aligned passages "
        f"({exact:.0%} word for word, {scores[f'paraphrase_coverage_{side}']:.0%} paraphrased)",
        f"longest verbatim run: {scores['longest_exact_words']} words",
    ]
    if scores.get("identical_text") or min(exact, exact_other) >= config.verbatim_exact:
        return "verbatim", reasons + ["the texts have the same words"]
    if min(exact, exact_other) >= config.near_duplicate_exact:
        return "near-duplicate", reasons + [
            f"{min(exact, exact_other):.0%} of each text is shared word for word"]
    threshold = (config.derivative_coverage if scores.get("topic_words")
                 else config.derivative_coverage_alone)
    spread = (scores[f"aligned_sentences_{side}"] >= config.min_aligned_sentences
              or coverage >= config.single_place_coverage)
    probability = scores.get("probability")
    likely = probability is None or probability >= config.min_probability
    if probability is not None:
        reasons.append(f"reuse probability {probability:.0%}"
                       + (f" ({drivers})" if drivers else ""))
    if scores.get("quote_passages"):
        reasons.append(f"{_count(scores['quote_passages'], 'passage')} quoted in both texts "
                       "(shared direct speech, not counted as copied prose)")
    if (coverage >= threshold and scores[f"aligned_words_{side}"] >= config.min_aligned_words
            and spread):
        if likely:
            return "derivative", reasons
        reasons.append(f"below the reuse probability of {config.min_probability:.0%} that a "
                       "derivative needs: shared facts, not shared writing")
    run = scores.get("longest_prose_run_words", scores["longest_exact_words"])
    if run >= config.derivative_run_words:
        return "derivative", reasons + [
            f"a passage of {run} words of prose is copied word for word"]
    if coverage >= config.related_coverage:
        return "related", reasons + ["too little is shared to call it derived"]
    return "unrelated", reasons


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def extent_for(scores: dict, verdict: str, config: Config,
               copy_side: Optional[str] = None) -> Optional[str]:
    """How much of the copy comes from the source: ``wholly`` when at least
    ``wholly_coverage`` of it is aligned. The copy is ``copy_side`` (``"a"``/``"b"``: the
    side that is not the source, when the source is known, e.g. from dates), else the more
    covered text."""
    if verdict not in ("verbatim", "near-duplicate", "derivative"):
        return None
    side = copy_side or derived_side(scores)
    return "wholly" if scores[f"coverage_{side}"] >= config.wholly_coverage else "partially"


def source_for(scores: dict, verdict: str, doc_a: Document, doc_b: Document,
               config: Config) -> tuple[Optional[str], str]:
    """The likely original (a document id) and why, or ``None`` and why not: the earlier of
    two dates that can be told apart (compared as dates, see ``dates.py``), else the text that
    contains the other."""
    if verdict not in ("verbatim", "near-duplicate", "derivative"):
        return None, "not derived"
    date_a, date_b = parse_date(doc_a.date), parse_date(doc_b.date)
    if date_a and date_b and (before(date_a, date_b) or before(date_b, date_a)):
        earlier, later = (doc_a, doc_b) if before(date_a, date_b) else (doc_b, doc_a)
        return earlier.id, f"published earlier ({earlier.date} before {later.date})"
    source, reason = _source_by_coverage(scores, verdict, doc_a, doc_b, config.contained_share)
    if date_a and date_b:
        reason += f"; the dates ({doc_a.date}, {doc_b.date}) don't tell which came first"
    return source, reason + unread_date_note(((doc_a, date_a), (doc_b, date_b)))


def _source_by_coverage(scores: dict, verdict: str, doc_a: Document, doc_b: Document,
                        contained_share: float) -> tuple[Optional[str], str]:
    ca, cb = scores["coverage_a"], scores["coverage_b"]
    if verdict == "verbatim":
        return None, "the same text in both and no dates: the direction can't be told"
    if abs(ca - cb) < 0.05:
        return None, (f"each text is about equally covered by the other ({ca:.0%} and {cb:.0%}) "
                      "and there are no dates: the direction can't be told")
    if max(ca, cb) < contained_share:
        return None, (f"neither text is mostly contained in the other ({ca:.0%} and {cb:.0%}: "
                      "a lift of some passages) and there are no dates: the direction can't "
                      "be told")
    side = derived_side(scores)
    source, derived = (doc_b, doc_a) if side == "a" else (doc_a, doc_b)
    return source.id, (
        f"{derived.id} is {max(ca, cb):.0%} covered by {source.id}, which is only "
        f"{min(ca, cb):.0%} covered by it: the contained text is the copy")

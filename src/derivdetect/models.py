"""The data that flows between stages: small frozen dataclasses, plain values only.

Every stage takes and returns these, so that a later engine (an archive index, Spark)
can run any stage on its own. Offsets are always character offsets into
``Document.text`` exactly as decoded (end exclusive).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional

VERDICTS = ("verbatim", "near-duplicate", "derivative")


@dataclass(frozen=True, slots=True)
class Document:
    """One article as read from disk.

    ``id`` is the path relative to the scanned folder (``path#ID`` for a JSONL article, ID
    its ``id`` or line number; unique in a scan, see ``ingest.jsonl``);
    ``text`` is the decoded original text: every reported offset points into it. ``chars`` is
    its length; a large scan keeps texts on disk and returns documents outside reported pairs
    with ``text=""`` (see ``engines.local.scan``), where ``chars`` still gives the length.
    ``key`` is the stable content key (archives and caches use it).
    """

    id: str
    path: str
    text: str
    title: Optional[str] = None
    date: Optional[str] = None
    url: Optional[str] = None
    byline: Optional[str] = None
    encoding: str = "utf-8"
    format: str = "txt"
    content_hash: str = ""
    chars: int = -1

    def __post_init__(self):
        if self.chars < 0:
            object.__setattr__(self, "chars", len(self.text))

    @property
    def key(self) -> str:
        """A stable key from the document's content (16 hex digits): its bytes' hash and how
        they were read (the same bytes read as text and as HTML are two texts), or the
        text's own hash when it came without bytes. It stays put when the file moves;
        ``id`` is the label people see."""
        if self.content_hash:
            basis = f"{self.format}:{self.content_hash}"
        else:
            basis = "text:" + hashlib.sha256(
                self.text.encode("utf-8", "surrogatepass")).hexdigest()
        return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def pair_id(doc_a: Document, doc_b: Document, digits: int = 16) -> str:
    """The one id of a pair (16 hex digits; ``digits`` up to 64 where 64 bits might
    collide): a hash of both documents' content keys and labels, in either order. It is the
    same in every engine, every partitioning and every later scan of the same two
    articles; the labels are part of it because two files with the same text are two
    articles, and a third article paired with each must give two ids."""
    return _pair_digest((doc_a.key, doc_a.id), (doc_b.key, doc_b.id), digits)


def _pair_digest(end_a: tuple, end_b: tuple, digits: int = 16) -> str:
    basis = "\x1f".join(part for end in sorted((end_a, end_b)) for part in end)
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:digits]


@dataclass(frozen=True)
class Skipped:
    """A file (or JSONL line) that was not read, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Passage:
    """A stretch of text in ``a`` and its counterpart in ``b``.

    ``kind`` is ``exact`` (the same words, allowing case, punctuation and wrapping) or
    ``paraphrase`` (a restatement). ``similarity`` is in [0, 1].
    """

    kind: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    similarity: float

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "a_start": self.a_start,
            "a_end": self.a_end,
            "b_start": self.b_start,
            "b_end": self.b_end,
            "similarity": round(float(self.similarity), 4),
        }


@dataclass(frozen=True)
class Pair:
    """The judgement on two documents, with its evidence.

    ``verdict`` is one of ``verbatim``, ``near-duplicate``, ``derivative`` (reported by scan)
    or ``related`` / ``unrelated`` (only from ``compare``). ``source`` is the id of the likely
    original or None; ``source_reason`` says why. ``extent`` is ``wholly`` or ``partially``
    (how much of the derived text comes from the source) or None when not derived.
    ``pair_id`` is :func:`pair_id` of the two documents (the judge sets it; a pair made
    without it gets one from the two ids). ``credit`` says whether the copy names its source
    (``stages.credit.credit_for``; ``None`` when not derived).
    """

    a: str
    b: str
    verdict: str
    source: Optional[str]
    source_reason: str
    extent: Optional[str]
    scores: dict
    passages: tuple = ()
    reasons: tuple = ()
    pair_id: str = ""
    credit: Optional[dict] = None

    def __post_init__(self):
        if not self.pair_id:   # a pair made by hand, its texts unknown: from the ids alone
            object.__setattr__(self, "pair_id", _pair_digest(("", self.a), ("", self.b)))

    @property
    def reported(self) -> bool:
        return self.verdict in VERDICTS

    def to_dict(self) -> dict:
        return {
            "pair_id": self.pair_id,
            "a": self.a,
            "b": self.b,
            "verdict": self.verdict,
            "source": self.source,
            "source_reason": self.source_reason,
            "extent": self.extent,
            "scores": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.scores.items()},
            "reasons": list(self.reasons),
            "credit": self.credit,
            "passages": [p.to_dict() for p in self.passages],
        }


@dataclass(frozen=True)
class Cluster:
    """A family of documents linked by reported pairs, with its likely original."""

    documents: tuple
    original: Optional[str]

    def to_dict(self) -> dict:
        return {"documents": list(self.documents), "original": self.original}


@dataclass(frozen=True)
class ScanResult:
    """Everything a scan found: what the report stage turns into files."""

    root: str
    documents: tuple
    pairs: tuple
    clusters: tuple
    skipped: tuple
    settings: dict
    created: str
    boilerplate: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)


@dataclass(frozen=True)
class JudgedCorpus:
    """What judging a corpus's candidate pairs gives (``scan_documents``): the reported pairs
    (sorted by ids), their families, the scan's stats, and the boilerplate spans of each
    document in a reported pair (by id, for the report)."""

    pairs: tuple
    clusters: tuple
    stats: dict
    boilerplate: dict

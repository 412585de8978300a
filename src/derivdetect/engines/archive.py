"""The archive engine: the scan's stages run against everything published.

``add`` sketches new articles (the sketch stage, batch by batch) and stores them with their
sketches (``store.archive``). ``check`` judges new articles against the whole archive exactly
as a scan of a folder holding the archive's current articles and the new ones would: the
same corpus stage over the stored sketches and the new ones (furniture, candidates, topic
words from the whole corpus), then the judge stage on the pairs that involve a new article,
with archived texts read from the file. A decision recorded on a pair keeps it out of the
flags until a later version of either article shares materially more text than was seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Iterable, Optional

from ..config import Config
from ..models import Document, Pair
from ..stages.classify import derived_words
from ..stages.credit import licensed_name
from ..stages.sketch import sketch_texts
from ..store.archive import STATES, Archive, ArchiveError
from ..store.cache import fingerprint
from ..store.queue import QueuePage
from ..store.queue import queue_page as store_queue_page
from .archive_index import ArchiveIndex, lookup_corpus
from .local import judge_pairs

#: A reviewed pair is flagged again when a later version's derived text has more aligned
#: words than were seen at the decision: a quarter more, and at least 20 more.
MATERIAL_GROWTH = 1.25
MATERIAL_WORDS = 20
ADD_BATCH = 1000


@dataclass(frozen=True)
class Added:
    """What an ``add`` did: articles added, updated (new versions) and unchanged."""

    added: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class Match:
    """One flag of ``check``: the pair, its review state and why."""

    pair: Pair
    state: str
    state_reason: str
    checked: str

    @property
    def flagged(self) -> bool:
        return self.state == "unreviewed"

    def to_dict(self) -> dict:
        return {**self.pair.to_dict(), "state": self.state, "state_reason": self.state_reason,
                "checked": self.checked}


def open_archive(path, config: Config, create: bool = True) -> Archive:
    """The archive at ``path``, its sketches made current for ``config`` (re-sketched from
    the stored texts if the settings or the code that shape a sketch changed)."""
    archive = Archive(path, create=create)
    wanted = fingerprint(config)
    stored = archive.meta("sketch_fingerprint")
    if stored != wanted:
        if stored is not None:
            archive.resketch(lambda texts: sketch_texts(texts, config))
        with archive.transaction():
            archive.set_meta("sketch_fingerprint", wanted)
    return archive


def add_articles(archive: Archive, docs: Iterable[Document], config: Config) -> Added:
    """Add articles in batches; each batch is one transaction (wholly in or out)."""
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    batch: list = []

    def flush():
        if not batch:
            return
        table = sketch_texts([d.text for d in batch], config)
        with archive.transaction():
            for i, doc in enumerate(batch):
                counts[archive.put(doc, table, i)] += 1
        batch.clear()

    for doc in docs:
        batch.append(doc)
        if len(batch) == ADD_BATCH:
            flush()
    flush()
    return Added(**counts)


def check_articles(archive: Archive, docs: list, config: Config,
                   index: Optional[ArchiveIndex] = None, fast: Optional[bool] = None) -> list:
    """Judge each of ``docs`` against the archive: one :class:`Match` per reported pair that
    involves one of them, strongest first. An archived article with the id of a checked one
    is left out (the checked text is its new version). ``index``: the archive's key index,
    kept between checks by a long-running process (when not given: from the archive's side
    file, ``ArchiveIndex.for_archive``). ``fast``: sketch and judge on the compiled path
    whatever the number of articles (a service, whose kernels are loaded once; the same
    results)."""
    if not docs:
        return []
    if index is None:
        index = ArchiveIndex.for_archive(archive, config)
    index.refresh(archive)
    checked_ids = {d.id for d in docs}
    new = sketch_texts([d.text for d in docs], config, fast)
    looked = lookup_corpus(index, archive, docs, new, config)
    corpus, rows = looked.docs, looked.rows

    def text_of(i: int) -> str:
        return archive.text_at(rows[i]) if rows[i] >= 0 else corpus[i].text

    judged = judge_pairs(corpus, looked.found, config, text_of=text_of, fast=fast)
    by_id = {d.id: i for i, d in enumerate(corpus)}

    def licence(pair: Pair) -> Optional[str]:
        """The licensed name the source goes by (the archived article when the direction
        can't be told: a checked text is the newcomer)."""
        if not config.licensed_sources:
            return None
        source = pair.source or (pair.b if pair.a in checked_ids else pair.a)
        i = by_id[source]
        return licensed_name(replace(corpus[i], text=text_of(i)), config.licensed_sources)

    matches = [_match(archive, j.pair, checked_ids, licence(j.pair)) for j in judged]
    from ..report.order import order_pairs

    order = {id(p): k for k, p in enumerate(order_pairs([m.pair for m in matches]))}
    return sorted(matches, key=lambda m: order[id(m.pair)])


def _match(archive: Archive, pair: Pair, checked: set, licensed: Optional[str]) -> Match:
    which = pair.a if pair.a in checked else pair.b
    decision = archive.decision(pair.a, pair.b)
    if licensed and decision is None:
        source = pair.source or (pair.b if which == pair.a else pair.a)
        return Match(pair, "licensed", f"the source {source} is {licensed}, in "
                     "licensed_sources", which)
    state, reason = review_state(decision, aligned_words(pair.scores))
    return Match(pair, state, reason, which)


def review_state(decision, words: int) -> tuple:
    """The review state of a pair now, and why: its decision, unless the derived text now
    shares materially more words than when the decision was taken."""
    if decision is None or decision.state == "unreviewed":
        return "unreviewed", "not reviewed yet"
    if words > max(decision.seen_words * MATERIAL_GROWTH, decision.seen_words + MATERIAL_WORDS):
        return "unreviewed", (f"was {decision.state} ({decision.at}) with "
                              f"{decision.seen_words:,} aligned words; now {words:,}: more "
                              "text is shared than was reviewed")
    by = f" by {decision.by}" if decision.by else ""
    return decision.state, (f"{decision.state}{by} on {decision.at}"
                            + (f": {decision.note}" if decision.note else ""))


def flag_state(decision, words: int, remembered: Optional[str] = None,
               remembered_reason: Optional[str] = None) -> tuple:
    """The review state of a remembered flag now: :func:`review_state`, except that a flag
    judged ``licensed`` (its source in ``licensed_sources``) stays so until someone decides
    otherwise."""
    if decision is None and remembered == "licensed":
        return "licensed", remembered_reason or "licensed_sources"
    return review_state(decision, words)


def aligned_words(scores: dict) -> int:
    return derived_words(scores)


def remember(archive: Archive, matches: list, checked: Iterable[Document] = ()) -> None:
    """Keep the flags of a check or scan for the queue and for ``review``, and the texts of
    the ``checked`` (or scanned) articles they involve that the archive does not hold as
    they are (what was judged, for the reviewer to read)."""
    if not matches:
        return
    checked = list(checked)
    involved = {i for m in matches for i in (m.pair.a, m.pair.b)}
    hashes = {d.id: d.content_hash for d in checked if d.id in involved}

    def hash_of(article_id: str) -> str:
        if article_id not in hashes:
            found = archive.current_version(article_id)
            hashes[article_id] = found[1] if found else ""
        return hashes[article_id]

    with archive.transaction():
        archive.remember_flags({**m.to_dict(), "content_hashes": {
            m.pair.a: hash_of(m.pair.a), m.pair.b: hash_of(m.pair.b)}} for m in matches)
        archive.keep_checked(d for d in checked if d.id in involved and (d.text or not d.chars))


def review(archive: Archive, pair_id: str, state: str, note: Optional[str] = None,
           by: Optional[str] = None) -> dict:
    """Record a decision on a pair that ``check`` reported (by its ``pair_id``)."""
    if state not in STATES:
        raise ArchiveError(f"{state!r}: not a review state; use one of {', '.join(STATES)}")
    flag = archive.flag(pair_id)
    if flag is None:
        raise ArchiveError(f"{archive.path}: no flagged pair {pair_id!r}; "
                           "'derivdetect queue ARCHIVE' lists them")
    archive.decide(flag["a"], flag["b"], pair_id, state, aligned_words(flag["scores"]),
                   note, by)
    return {**flag, "state": state}


def queue_page(archive: Archive, state: Optional[str] = "unreviewed", limit: int = 50,
               cursor: Optional[str] = None, source: Optional[str] = None,
               weakest_first: bool = False) -> QueuePage:
    """One page of the remembered flags in ``state`` (``None``: all), strongest first, each
    with its current state (see ``store.archive.queue_page``)."""
    return store_queue_page(archive, flag_state, state, limit, cursor, source,
                            weakest_first)


def queue(archive: Archive, state: Optional[str] = "unreviewed") -> list:
    """Every remembered flag in ``state`` (``None``: all), strongest first, each with its
    current state."""
    return queue_page(archive, state, limit=2**62).items


def dumps(matches: list) -> str:
    return json.dumps([m.to_dict() for m in matches], ensure_ascii=True, indent=1)


def export_archive(archive: Archive, path) -> int:
    """Write every article version, decision and change of ``archive`` to the JSON Lines
    file ``path`` (atomically: a temporary name, then renamed). Returns the records written."""
    from ..store.archive import export_records
    from ..store.files import atomic_write

    lines = [json.dumps(r, ensure_ascii=True) for r in export_records(archive)]
    atomic_write(path, "\n".join(lines) + ("\n" if lines else ""))
    return len(lines)


def import_archive(archive: Archive, path, config: Config) -> int:
    """Load a file of :func:`export_archive` into an empty ``archive``, sketching the texts
    with ``config`` (an archive rebuilt with new settings), in one transaction."""
    if archive.count():
        raise ArchiveError(f"{archive.path}: not empty; import into a new archive file")
    records = []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    records.append(json.loads(line))
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise ArchiveError(f"{path}:{number}: not a JSON line ({exc})") from None
    texts = [r["text"] for r in records if r.get("kind") == "article"]
    sketches = sketch_texts(texts, config)
    row = 0
    try:
        with archive.transaction():
            for record in records:
                if record.get("kind") == "article":
                    archive.restore(record, sketches.take([row]))
                    row += 1
                else:
                    archive.restore(record, None)
    except (KeyError, TypeError) as exc:
        raise ArchiveError(f"{path}: not a derivdetect archive export ({exc!r} missing)") \
            from None
    return len(records)

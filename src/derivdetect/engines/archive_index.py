"""The archive's candidate keys in memory: what makes a check of one article against 100,000
archived ones take milliseconds instead of a corpus stage over every stored sketch.

An :class:`ArchiveIndex` is built from the stored sketches on first use (about 2.5 KB of
sorted keys per article) and kept in step with the archive before each check: articles added
since, by this process or any other, become a new small segment; small segments are merged
as they accumulate (each article is re-sorted about log2(segments) times); superseded
versions are masked out. :func:`lookup_corpus` then runs ``stages.lookup`` for the checked
articles and builds the :class:`~derivdetect.stages.corpus.Candidates` a scan of the
archive and the checked articles would give, over just the documents that judging needs.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from ..config import Config
from ..stages.corpus import Candidates, furniture_digests, topic_group, topic_of_group
from ..stages.lookup import (
    KeySegment,
    common_lines_among,
    merge_segments,
    partners,
    probe_of,
    segment_of,
)
from ..stages.sketch import Sketches
from ..store.archive import Archive
from ..store.cache import fingerprint

#: Segments are merged while the newest holds at least this share of the one before it.
MERGE_SHARE = 0.25
#: Articles read from the archive at a time when the index is built (bounds the memory of a
#: build: the sketches of this many articles beside the segments made so far).
LOAD_ROWS = 100_000
#: The side file of an archive's key index: ``ARCHIVE`` + this suffix (numpy ``.npz``).
KEYS_SUFFIX = ".keys"


@dataclass(frozen=True, eq=False)
class LookupCorpus:
    """What judging needs for one check: the documents involved (``rows``: archive rows, or
    -1 for a checked article; ``docs`` in corpus order, archived ones without their text)
    and the :class:`Candidates` over them (local indexes)."""

    rows: list
    docs: list
    found: Candidates


class ArchiveIndex:
    """The sorted candidate keys of an archive's current articles (see the module's
    docstring). One per process; safe to share between threads."""

    def __init__(self, config: Config):
        self.config = config
        self.segments: list = []
        self.last_row = 0
        self.dead = np.empty(0, dtype=np.int64)
        self.token = None
        self.lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.segments)

    @property
    def articles(self) -> int:
        """Current articles in the index (superseded versions it holds left out)."""
        held = sum(len(s) for s in self.segments)
        dead = sum(int(np.isin(self.dead, s.positions).sum()) for s in self.segments)
        return held - dead

    def refresh(self, archive: Archive) -> None:
        """Bring the index up to date with ``archive``: new articles in, superseded out."""
        with self.lock:
            token = archive.change_token()
            if token == self.token:
                return
            if self.token is not None and token[2:] != self.token[2:]:
                self.segments, self.last_row = [], 0    # sketched again: every key changed
            fresh = []
            while True:
                rows, hashes, table = archive.sketches_after(self.last_row,
                                                             self.config.num_perm, LOAD_ROWS)
                if not len(rows):
                    break
                fresh.append(segment_of(table, rows, hashes, self.config))
                del table
                self.last_row = int(rows[-1])
            if fresh:
                self.segments.append(merge_segments(fresh))
                del fresh
                while (len(self.segments) > 1 and len(self.segments[-1])
                       >= MERGE_SHARE * len(self.segments[-2])):
                    last = self.segments.pop()
                    self.segments[-1] = merge_segments([self.segments[-1], last])
            self.dead = archive.superseded_rows()
            self.last_row = max(self.last_row, int(token[0]))
            self.token = token

    def settings_key(self, archive: Archive) -> str:
        """What the keys depend on: the sketch settings and code, the LSH settings, and
        which archive file (its id, made on first use)."""
        return json.dumps([fingerprint(self.config), self.config.lsh_threshold,
                           self.config.num_perm, archive.identity()])

    @classmethod
    def for_archive(cls, archive: Archive, config: Config) -> "ArchiveIndex":
        """The archive's index, from its side file when that is current for these settings
        (a CLI ``check`` at 100,000 articles then starts in a second instead of building it
        for 15-30 s), brought up to date, and the side file rewritten when it changed."""
        index = cls(config)
        path = index.side_file(archive)
        loaded = index._load(path, archive)
        index.refresh(archive)
        if not loaded or index.token != loaded:
            index.save(path, archive)
        return index

    @staticmethod
    def side_file(archive: Archive) -> Path:
        return archive.path.with_name(archive.path.name + KEYS_SUFFIX)

    def _load(self, path: Path, archive: Archive):
        """Take the keys of ``path`` if it is this archive's with these settings; returns
        the archive's state it was saved at, or None."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if meta["settings"] != self.settings_key(archive):
                    return None
                if meta["last_row"] > archive.change_token()[0]:
                    return None
                segment = KeySegment(**{f.name: data[f.name] for f in fields(KeySegment)})
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            return None
        self.segments = [segment] if len(segment) else []
        self.last_row = int(meta["last_row"])
        self.token = tuple(meta["token"])
        self.dead = archive.superseded_rows()
        return self.token

    def save(self, path: Path, archive: Archive) -> None:
        """Write the index to ``path`` (a temporary name, then renamed), merged into one
        segment."""
        with self.lock:
            if len(self.segments) > 1:
                self.segments = [merge_segments(self.segments)]
            segment = self.segments[0] if self.segments else None
            meta = {"settings": self.settings_key(archive), "last_row": self.last_row,
                    "token": list(self.token or ())}
        if segment is None:
            return
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, meta=np.array(json.dumps(meta)),
                         **{f.name: getattr(segment, f.name) for f in fields(KeySegment)})
            os.replace(tmp, path)
        except OSError:              # a read-only folder: the next check builds it again
            if tmp:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def snapshot(self) -> tuple:
        """``(segments, superseded rows, last row)`` as of now, for one lookup."""
        with self.lock:
            return list(self.segments), self.dead, self.last_row


def lookup_corpus(index: ArchiveIndex, archive: Archive, docs: list, new: Sketches,
                  config: Config) -> LookupCorpus:
    """The candidates of ``docs`` (sketched in ``new``) against the archive, with the
    furniture and topic words a scan of the archive's current articles and ``docs`` gives.
    An archived article with the id of a checked one is left out (the checked text is its
    new version)."""
    segments, dead, last_row = index.snapshot()
    first_new = last_row + 1
    positions = np.arange(first_new, first_new + len(docs), dtype=np.int64)
    segments = segments + [segment_of(new, positions, [d.content_hash for d in docs], config)]
    alive = np.ones(first_new + len(docs), dtype=bool)
    alive[0] = False
    alive[dead[dead < first_new]] = False
    replaced = [r for r in archive.current_rows({d.id for d in docs}) if r < first_new]
    alive[replaced] = False                  # (rows added since the snapshot are not in it)

    found = {int(p): partners(probe_of(new, k, p, docs[k].content_hash, config), segments,
                              alive, config) for k, p in enumerate(positions.tolist())}
    pairs = sorted({tuple(sorted((me, int(o)))) for me, around in found.items()
                    for o in around.tolist()})
    archived = sorted({p for pair in pairs for p in pair if p < first_new})
    table = archive.sketches_at(archived, config.num_perm)
    archived_docs = archive.documents_at(archived)
    stored_index = {row: i for i, row in enumerate(archived)}
    for i, position in enumerate(archived):
        probe = probe_of(table, i, position, archived_docs[i].content_hash, config)
        found[position] = partners(probe, segments, alive, config)
    group_rows = sorted({g for p, around in found.items()
                         for g in topic_group(p, around.tolist(), config) if g < first_new}
                        - set(archived))
    extra = archive.sketches_at(group_rows, config.num_perm)      # their stems only
    extra_index = {row: i for i, row in enumerate(group_rows)}

    def stems(position: int) -> np.ndarray:
        if position >= first_new:
            return new.stems_of(position - first_new)
        if position in stored_index:
            return table.stems_of(stored_index[position])
        return extra.stems_of(extra_index[position])

    involved = archived + [p for p in positions.tolist() if any(p in pair for pair in pairs)]
    local = {p: i for i, p in enumerate(involved)}
    sketches = Sketches.concat([table, new.take([p - first_new for p in involved
                                                 if p >= first_new])], config.num_perm)
    furniture = common_lines_among(segments, alive, sketches.lines, config)
    topics = {}
    for p in involved:
        topic = topic_of_group([stems(g) for g in topic_group(p, found[p].tolist(), config)],
                               config)
        if topic is not None:
            topics[local[p]] = topic
    local_pairs = np.array([(local[a], local[b]) for a, b in pairs],
                           dtype=np.int64).reshape(-1, 2)
    used = furniture_digests(sketches, furniture, range(len(involved)))
    rows = archived + [-1] * (len(involved) - len(archived))
    corpus = archived_docs + [docs[p - first_new] for p in involved if p >= first_new]
    return LookupCorpus(rows, corpus, Candidates(local_pairs, furniture, topics, used,
                                                 int(sketches.nbytes)))


"""The editorial archive: every published article with its sketch, and every decision an editor
took on a flagged pair, in one SQLite file.

One file, made on first use, in WAL mode so that ``check`` reads while ``add`` writes, with a
busy timeout so that two writers wait for each other instead of failing. Every article goes
in inside one transaction with its sketch: it is in the archive wholly or not at all, also
after ``kill -9``. The schema has a version (:data:`SCHEMA_VERSION`); an archive of a newer
version, a foreign file or a damaged one gives :class:`ArchiveError` (exit 2) with one line.

Articles are kept by their id (a CMS id, a URL, a path) in versions: the same text under the
same id adds nothing; a new text under it becomes the current version. Decisions are kept
per pair of article ids, so they outlive new versions, with the aligned words seen when
they were taken; every change of state is kept in a history.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from ..errors import InputError
from ..models import Document
from ..stages.classify import derived_words
from ..stages.sketch import SKETCH_FIELDS, Sketches, empty_sketches
from .transaction import Transaction, writer_lock

SCHEMA_VERSION = 3
APPLICATION_ID = 0x64647461   # "ddta": marks the file as a derivdetect archive
STATES = ("unreviewed", "violation", "licensed", "credited", "own-work", "false-alarm")
BUSY_MS = 60_000

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    row INTEGER PRIMARY KEY,
    id TEXT NOT NULL, version INTEGER NOT NULL, current INTEGER NOT NULL,
    content_hash TEXT NOT NULL, format TEXT NOT NULL, path TEXT NOT NULL,
    title TEXT, date TEXT, url TEXT, byline TEXT, encoding TEXT NOT NULL,
    body BLOB NOT NULL, chars INTEGER NOT NULL, added TEXT NOT NULL,
    UNIQUE (id, version));
CREATE INDEX articles_current ON articles (current, row);
CREATE TABLE sketches (
    row INTEGER PRIMARY KEY REFERENCES articles (row),
    signature BLOB NOT NULL, keys BLOB NOT NULL, lines BLOB NOT NULL, stems BLOB NOT NULL);
CREATE TABLE decisions (
    a TEXT NOT NULL, b TEXT NOT NULL, state TEXT NOT NULL, note TEXT, by TEXT, at TEXT NOT NULL,
    pair_id TEXT NOT NULL, seen_words INTEGER NOT NULL,
    PRIMARY KEY (a, b));
CREATE TABLE history (
    n INTEGER PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL, pair_id TEXT NOT NULL,
    at TEXT NOT NULL, by TEXT, old TEXT NOT NULL, new TEXT NOT NULL, note TEXT);
CREATE INDEX history_pair ON history (pair_id);
CREATE TABLE flags (
    pair_id TEXT PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL, strength REAL NOT NULL,
    record TEXT NOT NULL, at TEXT NOT NULL, words INTEGER NOT NULL DEFAULT 0,
    remembered TEXT, remembered_reason TEXT);
CREATE INDEX flags_strength ON flags (strength DESC, pair_id);
CREATE TABLE checked (
    id TEXT NOT NULL, content_hash TEXT NOT NULL, title TEXT, date TEXT, url TEXT,
    byline TEXT, text TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (id, content_hash));
"""

_CHECKED = """CREATE TABLE checked (
    id TEXT NOT NULL, content_hash TEXT NOT NULL, title TEXT, date TEXT, url TEXT,
    byline TEXT, text TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (id, content_hash))"""
#: ALTER TABLE ... DROP COLUMN, which the migration to schema 2 uses, came with SQLite 3.35.
MIGRATION_SQLITE = (3, 35, 0)


def pack_text(text: str) -> bytes:
    """An article's text as stored: UTF-8 (lone surrogates kept), zlib level 6. News text
    takes 40-45% of its size (3.4 KB of generated articles: 1.5 KB), what brings an archived
    article with its sketch under 8 KB."""
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 6)


def unpack_text(body: bytes) -> str:
    return zlib.decompress(body).decode("utf-8", "surrogatepass")


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    """Schema 2: each flag keeps the derived text's aligned words, and flags are indexed by
    strength, so that the review queue is one indexed query at 10,000 flags; checked
    articles that were not added are kept with their flags (a reviewer reads them); texts
    are kept compressed (:func:`pack_text`)."""
    db.execute(_CHECKED)
    db.execute("ALTER TABLE articles ADD COLUMN body BLOB NOT NULL DEFAULT x''")
    db.execute("ALTER TABLE articles ADD COLUMN chars INTEGER NOT NULL DEFAULT 0")
    last = 0
    while True:                   # a thousand texts at a time: not all of them in memory
        batch = db.execute("SELECT row, text FROM articles WHERE row > ? ORDER BY row "
                           "LIMIT 1000", (last,)).fetchall()
        if not batch:
            break
        for row, text in batch:
            db.execute("UPDATE articles SET body = ?, chars = ? WHERE row = ?",
                       (pack_text(text), len(text), row))
        last = batch[-1][0]
    db.execute("ALTER TABLE articles DROP COLUMN text")
    db.execute("ALTER TABLE flags ADD COLUMN words INTEGER NOT NULL DEFAULT 0")
    for pair_id, record in db.execute("SELECT pair_id, record FROM flags").fetchall():
        db.execute("UPDATE flags SET words = ? WHERE pair_id = ?",
                   (derived_words(json.loads(record)["scores"]), pair_id))
    db.execute("CREATE INDEX flags_strength ON flags (strength DESC, pair_id)")


def _migrate_2_to_3(db: sqlite3.Connection) -> None:
    """Schema 3: each flag keeps the state it was judged with (``licensed``, say) in columns
    of its own, so the queue's state rule no longer parses every flag's JSON record (the
    queue's first page at 10,000 flags: 510 ms -> see ``queue.py``)."""
    db.execute("ALTER TABLE flags ADD COLUMN remembered TEXT")
    db.execute("ALTER TABLE flags ADD COLUMN remembered_reason TEXT")
    db.execute("UPDATE flags SET remembered = json_extract(record, '$.state'), "
               "remembered_reason = json_extract(record, '$.state_reason')")


#: ``{from version: step}``: each step brings an archive one schema version up, inside the
#: transaction that also sets the new version.
MIGRATIONS = {1: _migrate_1_to_2, 2: _migrate_2_to_3}


class ArchiveError(InputError):
    """The archive file cannot be used: not an archive, damaged, or from a newer version."""


@dataclass(frozen=True)
class Decision:
    """An editor's decision on a pair of articles (by id, whatever their versions)."""

    a: str
    b: str
    state: str
    note: Optional[str]
    by: Optional[str]
    at: str
    pair_id: str
    seen_words: int


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Archive:
    """An open archive file. Use as a context manager; one per thread."""

    def __init__(self, path: Path, create: bool = True):
        self.path = Path(path)
        if not self.path.exists() and not create:
            raise ArchiveError(f"{self.path}: no such archive; make it with "
                               "'derivdetect archive add ARCHIVE PATH...'")
        if self.path.is_dir():
            raise ArchiveError(f"{self.path}: is a folder; an archive is one file")
        try:
            self.db = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            self._open()
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{self.path}: not a derivdetect archive, or damaged ({exc})") \
                from None

    def _open(self) -> None:
        app = self.db.execute("PRAGMA application_id").fetchone()[0]
        tables = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app == 0 and tables == 0:
            self.db.execute("PRAGMA journal_mode = WAL")
            with self.transaction():
                if self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            self.db.execute(statement)
                    self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        if app != APPLICATION_ID:
            raise ArchiveError(f"{self.path}: not a derivdetect archive (an SQLite file of "
                               "something else); name a new file for the archive")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ArchiveError(f"{self.path}: made by a newer derivdetect (archive schema "
                               f"{version}, this one reads up to {SCHEMA_VERSION}); upgrade "
                               "derivdetect")
        self.db.execute("PRAGMA journal_mode = WAL")
        if version < SCHEMA_VERSION:
            if sqlite3.sqlite_version_info < MIGRATION_SQLITE:
                raise ArchiveError(
                    f"{self.path}: archive schema {version} needs converting, which needs "
                    f"SQLite {'.'.join(map(str, MIGRATION_SQLITE))} or newer (this Python "
                    f"has {sqlite3.sqlite_version}); open it once with a newer Python")
            with self.transaction():
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                while version < SCHEMA_VERSION:
                    MIGRATIONS[version](self.db)
                    version += 1
                    self.db.execute(f"PRAGMA user_version = {version}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def transaction(self):
        return Transaction(self.db, BUSY_MS, writer_lock(self.path.resolve()))

    # ------------------------------------------------------------------ settings

    def meta(self, name: str) -> Optional[str]:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                        (name, value))

    # ------------------------------------------------------------------ articles

    def current_version(self, article_id: str):
        """``(row, content hash, format, version)`` of the article's current version."""
        return self.db.execute(
            "SELECT row, content_hash, format, version FROM articles WHERE id = ? AND current",
            (article_id,)).fetchone()

    def put(self, doc: Document, sketch: Sketches, i: int = 0) -> str:
        """Add ``doc`` (row ``i`` of ``sketch``): ``"added"``, ``"updated"`` (a new version of
        its id) or ``"unchanged"`` (the same text under the same id). Call inside a
        transaction."""
        found = self.current_version(doc.id)
        if found and found[1] == doc.content_hash and found[2] == doc.format:
            return "unchanged"
        version = 1
        if found:
            self.db.execute("UPDATE articles SET current = 0 WHERE row = ?", (found[0],))
            version = found[3] + 1
        row = self.db.execute(
            "INSERT INTO articles (id, version, current, content_hash, format, path, title, "
            "date, url, byline, encoding, body, chars, added) VALUES "
            "(?,?,1,?,?,?,?,?,?,?,?,?,?,?)",
            (doc.id, version, doc.content_hash, doc.format, doc.path, doc.title, doc.date,
             doc.url, doc.byline, doc.encoding, pack_text(doc.text), len(doc.text),
             _now())).lastrowid
        self._insert_sketch(row, sketch, i)
        self.db.execute("DELETE FROM checked WHERE id = ? AND content_hash = ?",
                        (doc.id, doc.content_hash))        # now archived: one copy is enough
        return "updated" if found else "added"

    def _insert_sketch(self, row: int, sketch: Sketches, i: int = 0) -> None:
        self.db.execute("INSERT INTO sketches (row, signature, keys, lines, stems) "
                        "VALUES (?,?,?,?,?)", (row, *_blobs(sketch, i)))

    def documents(self) -> list:
        """The current version of every article, in archive order, without its text
        (``text_of`` reads it)."""
        rows = self.db.execute(
            "SELECT row, id, path, title, date, url, byline, encoding, format, content_hash, "
            "chars FROM articles WHERE current ORDER BY row").fetchall()
        self._rows = [r[0] for r in rows]
        return [Document(r[1], r[2], "", r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10])
                for r in rows]

    def text_of(self, index: int) -> str:
        """The text of the ``index``-th document of the last :meth:`documents`."""
        return unpack_text(self.db.execute("SELECT body FROM articles WHERE row = ?",
                                           (self._rows[index],)).fetchone()[0])

    def sketches(self, num_perm: int) -> Sketches:
        """The sketches of the last :meth:`documents`, in that order."""
        if not self._rows:
            return empty_sketches(num_perm)
        return _sketch_table(self.db.execute(
            "SELECT s.signature, s.keys, s.lines, s.stems FROM sketches s JOIN articles a "
            "ON a.row = s.row WHERE a.current ORDER BY a.row"), num_perm)

    def identity(self) -> str:
        """A random id of this archive file, made on first use (side files name it)."""
        found = self.meta("archive_id")
        if found is None:
            import secrets

            with self.transaction():
                found = self.meta("archive_id")
                if found is None:
                    found = secrets.token_hex(16)
                    self.set_meta("archive_id", found)
        return found

    # ------------------------------------------------------------------ lookups by row

    def change_token(self) -> tuple:
        """Changes whenever an article is added or superseded, or the sketches are made
        again with other settings, by any process: the last row, the number of superseded
        versions (both read from indexes) and the sketches' fingerprint."""
        last = self.db.execute("SELECT max(row) FROM articles").fetchone()[0] or 0
        dead = self.db.execute("SELECT count(*) FROM articles WHERE current = 0").fetchone()[0]
        return last, dead, self.meta("sketch_fingerprint") or ""

    def sketches_after(self, row: int, num_perm: int, limit: int = -1) -> tuple:
        """``(rows, content hashes, Sketches)`` of the current articles after ``row`` (the
        first ``limit`` of them; all when negative)."""
        found = self.db.execute(
            "SELECT a.row, a.content_hash, s.signature, s.keys, s.lines, s.stems FROM "
            "articles a JOIN sketches s ON s.row = a.row WHERE a.row > ? AND a.current "
            "ORDER BY a.row LIMIT ?", (row, limit)).fetchall()
        rows = np.array([r[0] for r in found], dtype=np.int64)
        table = _sketch_table((r[2:] for r in found), num_perm) if found else \
            empty_sketches(num_perm)
        return rows, [r[1] for r in found], table

    def superseded_rows(self) -> np.ndarray:
        """The rows of versions that are no longer current."""
        return np.array([r[0] for r in self.db.execute(
            "SELECT row FROM articles WHERE current = 0")], dtype=np.int64)

    def article(self, article_id: str) -> Optional[dict]:
        """The current version of an article with its text and number of versions, or
        None when the archive has no article of that id."""
        row = self.db.execute(
            "SELECT id, version, title, date, url, byline, format, encoding, added, body, "
            "(SELECT count(*) FROM articles v WHERE v.id = a.id) FROM articles a "
            "WHERE id = ? AND current", (article_id,)).fetchone()
        if row is None:
            return None
        found = dict(zip(("id", "version", "title", "date", "url", "byline", "format",
                          "encoding", "added", "text", "versions"), row))
        found["text"] = unpack_text(found["text"])
        return found

    def current_rows(self, ids: Iterable[str]) -> list:
        """The rows of the current versions of the articles ``ids`` that are archived."""
        out = []
        for article_id in ids:
            found = self.current_version(article_id)
            if found:
                out.append(found[0])
        return out

    def documents_at(self, rows: list) -> list:
        """The articles at ``rows``, in that order, without their text (``text_at``)."""
        out = []
        for row in rows:
            r = self.db.execute(
                "SELECT id, path, title, date, url, byline, encoding, format, content_hash, "
                "chars FROM articles WHERE row = ?", (int(row),)).fetchone()
            out.append(Document(r[0], r[1], "", *r[2:]))
        return out

    def text_at(self, row: int) -> str:
        return unpack_text(self.db.execute("SELECT body FROM articles WHERE row = ?",
                                           (int(row),)).fetchone()[0])

    def sketches_at(self, rows: list, num_perm: int) -> Sketches:
        """The sketches of the articles at ``rows``, in that order."""
        if not len(rows):
            return empty_sketches(num_perm)
        blobs = []
        for row in rows:
            blobs.append(self.db.execute(
                "SELECT signature, keys, lines, stems FROM sketches WHERE row = ?",
                (int(row),)).fetchone())
        return _sketch_table(blobs, num_perm)

    def resketch(self, sketch_texts) -> int:
        """Sketch every stored version again (``sketch_texts(list of texts)``: one row per
        text), after a change of the settings or code that shape a sketch. Returns how many."""
        rows = [(row, unpack_text(body)) for row, body in
                self.db.execute("SELECT row, body FROM articles ORDER BY row").fetchall()]
        with self.transaction():
            for k in range(0, len(rows), 1000):
                batch = rows[k: k + 1000]
                table = sketch_texts([text for _, text in batch])
                for i, (row, _) in enumerate(batch):
                    self.db.execute(
                        "UPDATE sketches SET signature = ?, keys = ?, lines = ?, stems = ? "
                        "WHERE row = ?", (*_blobs(table, i), row))
        return len(rows)

    def restore(self, record: dict, sketch: Optional[Sketches]) -> None:
        """Put back one record of :func:`export_records` (an article with its ``sketch``,
        a decision or a change), as it was. Call inside a transaction."""
        kind = record["kind"]
        if kind == "article":
            row = self.db.execute(
                "INSERT INTO articles (id, version, current, content_hash, format, path, "
                "title, date, url, byline, encoding, body, chars, added) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                tuple(record[k] for k in ("id", "version", "current", "content_hash",
                                          "format", "path", "title", "date", "url", "byline",
                                          "encoding")) +
                (pack_text(record["text"]), len(record["text"]), record["added"])).lastrowid
            self._insert_sketch(row, sketch)
        elif kind == "decision":
            self.db.execute("INSERT OR REPLACE INTO decisions (a, b, state, note, by, at, "
                            "pair_id, seen_words) VALUES (?,?,?,?,?,?,?,?)",
                            tuple(record[k] for k in ("a", "b", "state", "note", "by", "at",
                                                      "pair_id", "seen_words")))
        elif kind == "change":
            self.db.execute("INSERT INTO history (a, b, pair_id, at, by, old, new, note) "
                            "VALUES (?,?,?,?,?,?,?,?)",
                            tuple(record[k] for k in ("a", "b", "pair_id", "at", "by", "old",
                                                      "new", "note")))
        else:
            raise ArchiveError(f"unknown record kind {kind!r}")

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles WHERE current").fetchone()[0]

    # ------------------------------------------------------------------ decisions

    def decision(self, a: str, b: str) -> Optional[Decision]:
        a, b = sorted((a, b))
        row = self.db.execute("SELECT a, b, state, note, by, at, pair_id, seen_words FROM "
                              "decisions WHERE a = ? AND b = ?", (a, b)).fetchone()
        return Decision(*row) if row else None

    def decide(self, a: str, b: str, pair_id: str, state: str, seen_words: int,
               note: Optional[str] = None, by: Optional[str] = None) -> Decision:
        """Record ``state`` for the pair ``(a, b)``, taken on ``seen_words`` aligned words of
        the derived text, and keep the change in its history."""
        if state not in STATES:
            raise InputError(f"{state!r}: not a review state; use one of {', '.join(STATES)}")
        a, b = sorted((a, b))
        at = _now()
        with self.transaction():
            old = self.decision(a, b)
            self.db.execute("INSERT OR REPLACE INTO decisions (a, b, state, note, by, at, "
                            "pair_id, seen_words) VALUES (?,?,?,?,?,?,?,?)",
                            (a, b, state, note, by, at, pair_id, seen_words))
            self.db.execute("INSERT INTO history (a, b, pair_id, at, by, old, new, note) "
                            "VALUES (?,?,?,?,?,?,?,?)",
                            (a, b, pair_id, at, by, old.state if old else "unreviewed", state,
                             note))
        return Decision(a, b, state, note, by, at, pair_id, seen_words)

    def history(self, pair_id: str) -> list:
        """Every change of state of the pair (by its ``pair_id`` or its articles' ids)."""
        flag = self.flag(pair_id)
        a, b = sorted((flag["a"], flag["b"])) if flag else (None, None)
        return [dict(zip(("at", "by", "old", "new", "note", "pair_id"), row))
                for row in self.db.execute(
                    "SELECT at, by, old, new, note, pair_id FROM history WHERE pair_id = ? "
                    "OR (a = ? AND b = ?) ORDER BY n", (pair_id, a, b))]

    # ------------------------------------------------------------------ flags

    def remember_flags(self, records: Iterable[dict]) -> None:
        """Keep the latest judgement of each flagged pair (the review queue reads them)."""
        with self.transaction():
            for record in records:   # the latest judgement of these two articles only
                self.db.execute("DELETE FROM flags WHERE ((a = ? AND b = ?) OR (a = ? AND "
                                "b = ?)) AND pair_id != ?",
                                (record["a"], record["b"], record["b"], record["a"],
                                 record["pair_id"]))
                self.db.execute(
                    "INSERT OR REPLACE INTO flags (pair_id, a, b, strength, record, at, words, "
                    "remembered, remembered_reason) VALUES (?,?,?,?,?,?,?,?,?)",
                    (record["pair_id"], record["a"], record["b"],
                     float(record["scores"].get("probability") or 0.0),
                     json.dumps(record, ensure_ascii=True), _now(),
                     derived_words(record["scores"]), record.get("state"),
                     record.get("state_reason")))

    def title_of(self, article_id: str) -> Optional[str]:
        """The title of the article's current version, or of its latest checked text."""
        row = self.db.execute("SELECT title FROM articles WHERE id = ? AND current",
                              (article_id,)).fetchone() or self.db.execute(
            "SELECT title FROM checked WHERE id = ? ORDER BY at DESC", (article_id,)).fetchone()
        return row[0] if row else None

    def keep_checked(self, docs: Iterable[Document]) -> None:
        """Keep the text of checked articles that are flagged but not archived under their
        id with that text, so that the review shows the text that was judged."""
        with self.transaction():
            for doc in docs:
                found = self.current_version(doc.id)
                if found and found[1] == doc.content_hash:
                    continue
                self.db.execute(
                    "INSERT OR REPLACE INTO checked (id, content_hash, title, date, url, "
                    "byline, text, at) VALUES (?,?,?,?,?,?,?,?)",
                    (doc.id, doc.content_hash, doc.title, doc.date, doc.url, doc.byline,
                     doc.text, _now()))

    def judged_document(self, article_id: str,
                        content_hash: Optional[str] = None) -> Optional[Document]:
        """The text of ``article_id`` that a check judged: the version with ``content_hash``
        (a kept checked text, or any archived version), else the latest kept checked text,
        else the current archived version; None when there is none."""
        checked = "SELECT id, title, date, url, byline, content_hash, text FROM checked " \
                  "WHERE id = ?"
        archived = ("SELECT id, version, title, date, url, byline, format, encoding, added, "
                    "body, content_hash FROM articles WHERE id = ?")
        queries = []
        if content_hash:
            queries += [(checked + " AND content_hash = ?", (article_id, content_hash), True),
                        (archived + " AND content_hash = ? ORDER BY version DESC",
                         (article_id, content_hash), False)]
        queries += [(archived + " AND current", (article_id,), False),
                    (checked + " ORDER BY at DESC", (article_id,), True)]
        for query, params, is_checked in queries:
            row = self.db.execute(query, params).fetchone()
            if row and is_checked:
                return Document(row[0], row[0], row[6], row[1], row[2], row[3], row[4],
                                "utf-8", "txt", row[5])
            if row:
                return Document(row[0], row[0], unpack_text(row[9]), row[2], row[3], row[4],
                                row[5], row[7], row[6], row[10])
        return None

    def flag(self, pair_id: str) -> Optional[dict]:
        row = self.db.execute("SELECT record FROM flags WHERE pair_id = ?",
                              (pair_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def flags(self) -> list:
        """Every remembered flag, strongest first."""
        return [json.loads(r[0]) for r in self.db.execute(
            "SELECT record FROM flags ORDER BY strength DESC, pair_id")]


def _sketch_table(blob_rows, num_perm: int) -> Sketches:
    """A sketch table from rows of the four blobs of the ``sketches`` table."""
    parts = {name: [] for name in ("signatures", "keys", "lines", "stems")}
    for blobs in blob_rows:
        for name, blob in zip(parts, blobs):
            parts[name].append(np.frombuffer(blob, SKETCH_FIELDS[name]))
    if not parts["signatures"]:
        return empty_sketches(num_perm)
    table = {"signatures": np.stack(parts["signatures"])}
    for name, ends in (("keys", "key_ends"), ("lines", "line_ends"), ("stems", "stem_ends")):
        table[name] = np.concatenate(parts[name]).astype(SKETCH_FIELDS[name])
        table[ends] = np.cumsum([len(v) for v in parts[name]]).astype(np.int64)
    return Sketches(**table)


def _blobs(table: Sketches, i: int) -> tuple:
    """Row ``i`` of a sketch table as the four blobs of the ``sketches`` table."""
    return (table.signatures[i].tobytes(), table.keys_of(i).tobytes(),
            table.lines_of(i).tobytes(), table.stems_of(i).tobytes())


def export_records(archive: Archive):
    """Every stored version of every article, then every decision and every change of the
    history, as JSON-ready records (``{"kind": "article" | "decision" | "change", ...}``):
    what ``derivdetect archive export`` writes, one per line. Sketches are left out: they
    are rebuilt from the texts with the settings of the archive that imports them."""
    for row in archive.db.execute(
            "SELECT id, version, current, content_hash, format, path, title, date, url, "
            "byline, encoding, body, added FROM articles ORDER BY row"):
        record = {"kind": "article", **dict(zip(
            ("id", "version", "current", "content_hash", "format", "path", "title", "date",
             "url", "byline", "encoding", "text", "added"), row))}
        record["text"] = unpack_text(record["text"])
        yield record
    for row in archive.db.execute("SELECT a, b, state, note, by, at, pair_id, seen_words "
                                  "FROM decisions ORDER BY a, b"):
        yield {"kind": "decision", **dict(zip(
            ("a", "b", "state", "note", "by", "at", "pair_id", "seen_words"), row))}
    for row in archive.db.execute("SELECT a, b, pair_id, at, by, old, new, note FROM history "
                                  "ORDER BY n"):
        yield {"kind": "change", **dict(zip(
            ("a", "b", "pair_id", "at", "by", "old", "new", "note"), row))}

"""What the web service does, without HTTP: one :class:`Service` per server process, holding
the archive's key index and one archive connection per thread, calling ``engines.archive``.

The HTTP layer (``serve.app``) only parses requests into these calls and their results and
errors into responses, so that the CLI and the service share the engine and the archive
file: a ``derivdetect review`` from a shell while the service runs is seen by its next
request (every request reads the file; the index catches up with additions by any process).
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..compiled import implementation
from ..config import Config
from ..engines.archive import (
    add_articles,
    aligned_words,
    check_articles,
    flag_state,
    open_archive,
    queue_page,
    remember,
    review,
)
from ..engines.archive_index import ArchiveIndex
from ..engines.reviews import check_result
from ..errors import InputError
from ..models import Document
from ..report.review import ReviewView, pair_from_record, render_pair_page
from ..store.archive import STATES, Archive

#: Default limit of a request body: an article is rarely over 100 KB; a batch of 1,000 fits.
MAX_BODY_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class ServeSettings:
    """How a service runs. ``token``: required from every client (but ``/healthz``) when
    set, and it must be set to listen on anything but the loopback address.
    ``max_body_bytes``: a larger request body is refused with 413 before it is read.
    ``max_batch``: articles per ``POST /v1/articles``. ``workers``: with more than one,
    checks and additions are judged in that many processes behind the one that speaks HTTP,
    each taking the next request (``serve.judges``), each with its own index of the archive
    (about 4.2 KB of memory per archived article). ``concurrent_checks``: with one worker,
    checks judged at once in its process; the rest wait their turn. Judging is mostly
    CPU-bound Python, but its kernels and SQLite reads release the core: measured at 100,000
    articles, 20 clients (``benchmarks/serve.py``), 1 gave 30 checks/s (p95 870 ms), 2 gave
    49/s (p95 760 ms), no limit 45/s (p95 970 ms)."""

    archive: Path
    config: Config
    host: str = "127.0.0.1"
    port: int = 8000
    token: Optional[str] = None
    max_body_bytes: int = MAX_BODY_BYTES
    max_batch: int = 1000
    workers: int = 1
    concurrent_checks: int = 2

    def check(self) -> "ServeSettings":
        """These settings, or :class:`InputError` saying what to change."""
        if not is_loopback(self.host) and not self.token:
            raise InputError(f"--host {self.host}: listening beyond this machine needs a "
                             "token; set DERIVDETECT_TOKEN or pass --token-file")
        if self.token is not None and len(self.token) < 16:
            raise InputError("the token is shorter than 16 characters; make a longer one "
                             "(for example: python -c 'import secrets; "
                             "print(secrets.token_urlsafe(32))')")
        if not Path(self.archive).is_file():
            raise InputError(f"{self.archive}: no such archive; make it with "
                             "'derivdetect archive add ARCHIVE PATH...'")
        if self.workers < 1 or self.max_body_bytes < 1024 or self.max_batch < 1:
            raise InputError("--workers, --max-body and --max-batch must be positive "
                             "(--max-body at least 1024)")
        return self


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NotFound(InputError):
    """No such pair or article (HTTP 404)."""


class TooLarge(InputError):
    """An article over ``max_chars`` (HTTP 413)."""


class Service:
    """The archive behind the HTTP API (see the module's docstring)."""

    def __init__(self, settings: ServeSettings, index: bool = True):
        """``index``: hold the archive's key index in memory (a service that checks);
        without it (the HTTP process of ``--workers N``, whose judges do the checking) a
        check would read the index's side file each time, as the CLI's ``check`` does."""
        self.settings = settings
        self.config = settings.config
        self.local = threading.local()
        self.judging = threading.BoundedSemaphore(max(1, settings.concurrent_checks))
        with open_archive(settings.archive, self.config, create=False) as archive:
            self.index = ArchiveIndex.for_archive(archive, self.config) if index else None

    def archive(self) -> Archive:
        """This thread's connection to the archive (opened on first use)."""
        archive = getattr(self.local, "archive", None)
        if archive is None:
            archive = self.local.archive = open_archive(self.settings.archive, self.config,
                                                        create=False)
        return archive

    # ------------------------------------------------------------------ articles

    def document(self, fields: dict) -> Document:
        """An article of a request (``text`` and optional metadata) as a :class:`Document`;
        without an ``id``, one from its text's hash. ``source`` (an outlet's name) stands
        for the byline when there is none, as in JSON Lines input."""
        text = fields["text"]
        if len(text) > self.config.max_chars:
            raise TooLarge(f"text: {len(text):,} characters, over the limit of "
                             f"{self.config.max_chars:,} (max_chars)")
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        article_id = fields.get("id") or f"api:{digest[:16]}"
        return Document(article_id, article_id, text, fields.get("title"), fields.get("date"),
                        fields.get("url"), fields.get("byline") or fields.get("source"),
                        "utf-8", "txt", digest)

    def check(self, fields: dict) -> dict:
        """Judge one article against the archive; remember its flags for the queue; add it
        afterwards when ``add`` is set."""
        doc = self.document(fields)
        archive = self.archive()
        with self.judging:
            matches = check_articles(archive, [doc], self.config, index=self.index,
                                     fast=implementation() != "python")
        remember(archive, matches, [doc])
        added = None
        if fields.get("add"):
            added = add_articles(archive, [doc], self.config).__dict__
        return {"id": doc.id, "flagged": any(m.flagged for m in matches),
                "matches": [m.to_dict() for m in matches], "added": added}

    def add(self, articles: list) -> dict:
        docs = [self.document(a) for a in articles]
        ids = [d.id for d in docs]
        if len(set(ids)) < len(ids):
            raise InputError("articles: the same id twice in one batch; send versions one "
                             "after the other")
        added = add_articles(self.archive(), docs, self.config)
        return {**added.__dict__, "ids": ids}

    def article(self, article_id: str) -> dict:
        found = self.archive().article(article_id)
        if found is None:
            raise NotFound(f"no article {article_id!r} in the archive")
        return found

    # ------------------------------------------------------------------ flags

    def queue(self, state: Optional[str], limit: int, cursor: Optional[str],
              source: Optional[str], weakest_first: bool = False) -> dict:
        if state is not None and state not in STATES:
            raise InputError(f"state {state!r}: use one of {', '.join(STATES)}, or all")
        page = queue_page(self.archive(), state, limit, cursor, source, weakest_first)
        return {"items": page.items, "next_cursor": page.next_cursor, "total": page.total}

    def titles(self, items: list) -> dict:
        """The titles of the articles of queue items, by id (archived or checked)."""
        out = {}
        for article_id in {i for item in items for i in (item["a"], item["b"])}:
            title = self.archive().title_of(article_id)
            if title:
                out[article_id] = title
        return out

    def flag(self, pair_id: str) -> dict:
        archive = self.archive()
        record = archive.flag(pair_id)
        if record is None:
            raise NotFound(f"no flagged pair {pair_id!r}")
        state, reason = flag_state(archive.decision(record["a"], record["b"]),
                                   aligned_words(record["scores"]), record.get("state"),
                                   record.get("state_reason"))
        return {**record, "state": state, "state_reason": reason}

    def history(self, pair_id: str) -> list:
        self.flag(pair_id)
        return self.archive().history(pair_id)

    def review(self, pair_id: str, state: str, note: Optional[str], by: Optional[str]) -> dict:
        if state not in STATES:
            raise InputError(f"state {state!r}: use one of {', '.join(STATES)}")
        self.flag(pair_id)
        review(self.archive(), pair_id, state, note, by)
        return self.flag(pair_id)

    def pair_page(self, pair_id: str) -> str:
        """The report's page of a flagged pair, with its review state and history, from the
        texts that were judged (``Archive.judged_document``)."""
        record = self.flag(pair_id)
        archive = self.archive()
        pair = pair_from_record(record)
        docs = []
        hashes = record.get("content_hashes") or {}
        for article_id in (pair.a, pair.b):
            found = archive.judged_document(article_id, hashes.get(article_id))
            if found is None:
                raise NotFound(f"pair {pair_id}: article {article_id!r} is no longer archived")
            docs.append(found)
        result = check_result(archive, docs, [_Matched(pair)], config=self.config)
        view = ReviewView.of(record["state"], record["state_reason"], self.history(pair_id))
        return render_pair_page(result, pair_id, view)


@dataclass(frozen=True)
class _Matched:
    """What ``engines.reviews.check_result`` reads of a match: its pair."""

    pair: object

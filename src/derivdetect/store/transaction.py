"""One write transaction on an SQLite connection in autocommit mode (``isolation_level=None``).

Shared by every writer of an archive file: the CLI, the service's threads and processes.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time

_writers: dict = {}
_writers_lock = threading.Lock()


def writer_lock(path) -> threading.Lock:
    """The lock the threads of this process take before writing to the file at ``path``."""
    key = str(path)
    with _writers_lock:
        return _writers.setdefault(key, threading.Lock())


class Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any exception); nests as a no-op.

    The threads of one process queue for the file on ``lock`` (:func:`writer_lock`), so
    that only one of them at a time waits for SQLite's write lock, which another process
    may hold; that one waits a millisecond or two at a time, not by SQLite's busy handler,
    which sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between tries: under a service's load
    (checks remembering flags, adds, reviews from two processes) writers slept on after the
    lock was free (10% of a worker's samples), and with every waiting thread polling, the
    polls took the interpreter from the judging threads."""

    def __init__(self, db: sqlite3.Connection, busy_ms: int,
                 lock: threading.Lock | None = None):
        self.db = db
        self.busy_ms = busy_ms
        self.lock = lock
        self.outer = False
        self.locked = False

    def __enter__(self):
        if self.db.in_transaction:
            return self
        deadline = time.monotonic() + self.busy_ms / 1000
        if self.lock is not None:
            if not self.lock.acquire(timeout=self.busy_ms / 1000):
                raise sqlite3.OperationalError("database is locked (by this process)")
            self.locked = True
        try:
            self.db.execute("PRAGMA busy_timeout = 0")
            try:
                while True:
                    try:
                        self.db.execute("BEGIN IMMEDIATE")
                        break
                    except sqlite3.OperationalError as exc:
                        if "locked" not in str(exc) or time.monotonic() > deadline:
                            raise
                        time.sleep(random.uniform(0.0005, 0.002))
            finally:
                self.db.execute(f"PRAGMA busy_timeout = {self.busy_ms}")
        except BaseException:
            self._release()
            raise
        self.outer = True
        return self

    def __exit__(self, kind, value, tb) -> None:
        if not self.outer:
            return
        try:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        finally:
            self.outer = False
            self._release()

    def _release(self) -> None:
        if self.locked:
            self.locked = False
            self.lock.release()

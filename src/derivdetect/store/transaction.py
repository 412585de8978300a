"""One write transaction on an SQLite connection in autocommit mode (``isolation_level=None``).

Shared by every writer of an archive file: the CLI, the service's threads and processes.
"""

from __future__ import annotations

import random
import sqlite3
import time


class Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any exception); nests as a no-op.

    Waiting for the write lock is done here, a millisecond or two at a time, not by SQLite's
    busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between tries: under a
    service's load (checks remembering flags, adds, reviews from two processes) a writer
    slept on after the lock was free, and that was most of a check's time in ``remember``."""

    def __init__(self, db: sqlite3.Connection, busy_ms: int):
        self.db = db
        self.busy_ms = busy_ms
        self.outer = False

    def __enter__(self):
        if not self.db.in_transaction:
            deadline = time.monotonic() + self.busy_ms / 1000
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
            self.outer = True
        return self

    def __exit__(self, kind, value, tb) -> None:
        if not self.outer:
            return
        if kind is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")

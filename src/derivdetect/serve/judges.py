"""Checks and additions of a service with ``--workers N``: judged in N processes that take
requests from one queue, behind the one process that speaks HTTP.

Why not uvicorn's own worker processes: each keeps the connections it accepted, and a
client's pool of keep-alive connections, opened at once, lands on one of them. Measured with
``benchmarks/serve.py`` (2 workers, 20 clients): all 20 connections on one worker, the other
idle, so one core judged everything. Here each check goes to whichever judge process is
free, so the load is shared request by request whatever the connections do. Each judge
holds its own key index of the archive (a :class:`~.service.Service`), which catches up with
additions made by any process, as every index does.

The judges ignore SIGINT and SIGTERM (a Ctrl-C or a stop sent to the whole process group
must not end a check in flight): the HTTP process lets requests in flight finish, then
closes the pool, and the kernel ends a judge whose parent is gone (``die_with_parent``).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ..engines.pool import die_with_parent
from ..errors import DerivDetectError
from .service import ServeSettings, Service

_service = None   # in a judge process: its Service


class JudgeUnavailable(DerivDetectError):
    """A judge process ended before it answered (HTTP 503: the request was not done), or
    the judges could not start (exit code 3: no fault of the input)."""

    exit_code = 3


def _start(settings: ServeSettings, parent: int) -> None:
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    global _service
    _service = Service(settings)


def _ready(pause: float) -> int:
    """Which judge answered, after keeping it busy a moment (so that the others answer the
    other warm-up calls)."""
    time.sleep(pause)
    return os.getpid()


def _check(fields: dict) -> dict:
    return _service.check(fields)


def _add(articles: list) -> dict:
    return _service.add(articles)


class JudgePool:
    """``settings.workers`` judge processes, started (and the archive indexed in each)
    before the service answers; :meth:`check` and :meth:`add` as :class:`Service` has them.
    A judge that dies (killed, out of memory) costs the requests in flight a 503 (the pool
    stops them all); a new pool is then started, and requests wait for it."""

    def __init__(self, settings: ServeSettings):
        self.settings = settings
        self._lock = threading.Lock()
        # Every pool is started from this one thread, which lives as long as the pool: the
        # kernel ends a judge when the thread that started it ends (PR_SET_PDEATHSIG), and
        # the request threads that see a broken pool end when they are idle.
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="judge-starter")
        self._pool, self._processes = self._starter.submit(self._started).result()

    def _started(self) -> tuple:
        processes = max(1, self.settings.workers)
        before = set(multiprocessing.active_children())
        pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start, initargs=(self.settings, os.getpid()))
        try:
            # one call each starts them all (a pool starts a process per call while none is
            # free); calls go on until every judge has answered one, so each has indexed
            pending = {pool.submit(_ready, 0.05) for _ in range(processes)}
            answered: set = set()
            while len(answered) < processes:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for call in done:
                    answered.add(call.result())
                    if len(answered) < processes:
                        pending.add(pool.submit(_ready, 0.05))
            wait(pending)
        except BrokenProcessPool:
            _end(pool, set(multiprocessing.active_children()) - before)
            raise JudgeUnavailable("the judge processes could not start: one ended while it "
                                   "indexed the archive; if it was killed for lack of "
                                   "memory, use fewer --workers") from None
        return pool, set(multiprocessing.active_children()) - before

    def _call(self, function, argument):
        pool = self._pool
        try:
            return pool.submit(function, argument).result()
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:   # the first to see it starts a new pool
                    _end(pool, self._processes)
                    self._pool, self._processes = self._starter.submit(self._started).result()
            raise JudgeUnavailable("a judge process ended before it answered (out of "
                                   "memory?); it was restarted: send the request again") \
                from None

    def check(self, fields: dict) -> dict:
        return self._call(_check, fields)

    def add(self, articles: list) -> dict:
        return self._call(_add, articles)

    def close(self, grace: float = 30.0) -> None:
        """Let the judges finish what they were given (up to ``grace`` seconds), then end
        them; at once when one of them has died (the rest would wait for nothing)."""
        self._pool.shutdown(wait=False)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(p.is_alive() for p in self._processes):
            if any(p.exitcode not in (None, 0) for p in self._processes):
                break
            for process in self._processes:
                process.join(0.05)
        _end(self._pool, self._processes)
        self._starter.shutdown(wait=False)


def _end(pool: ProcessPoolExecutor, processes: set) -> None:
    """Stop a pool now. Its own way (SIGTERM, then waiting) would wait forever: judges
    ignore SIGTERM."""
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)
    pool.shutdown(wait=False, cancel_futures=True)

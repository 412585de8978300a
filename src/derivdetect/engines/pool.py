"""Running batches of work on threads or worker processes that never outlive the scan.

Workers ask the kernel to kill them when the scan's process ends for any reason (SIGKILL
included), so none is left holding memory and the scan's deleted temporary files; an error,
Ctrl-C or SIGTERM in the scan stops them at once.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Iterable, Iterator

from ..config import Config

_PR_SET_PDEATHSIG = 1


def process_age() -> float | None:
    """Seconds since this process started (Linux: from ``/proc``), the interpreter's own
    start-up and the imports included; ``None`` where that can't be read."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        return max(0.0, uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None


def return_free_memory() -> None:
    """Hand freed heap memory back to the system (glibc; elsewhere nothing to do), so that
    the memory of the candidate stage is not carried through verification and into the
    forked workers."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def _glibc():
    try:
        libc = ctypes.CDLL(None)
        libc.malloc_trim  # noqa: B018 - glibc only
        return libc
    except (OSError, AttributeError, TypeError):
        return None


def run_batches(function, jobs: Iterable, config: Config, parallel: bool,
                 threads: bool = False) -> Iterator:
    """``function`` over ``jobs``, in order, in worker processes (``threads``: threads of
    this process, for functions that spend their time in code that releases the GIL) when
    ``parallel`` and more than one worker is configured; the pool never outlives the loop
    (Ctrl-C included). At most ``2 * workers + 1`` jobs are in flight, so a generator of jobs
    is consumed as results are used (a streaming scan never holds more than a few batches of
    texts)."""
    if not parallel or config.cores() == 1:
        yield from map(function, jobs)
        return
    workers = config.cores()
    if threads:
        pool = ThreadPoolExecutor(max_workers=workers)
    else:
        before = set(multiprocessing.active_children())
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_start,
                                   initargs=(os.getpid(),))
    pending: deque = deque()
    finished = False
    try:
        for job in jobs:
            pending.append(pool.submit(function, job))
            if len(pending) > 2 * workers:  # bounded: jobs are made as results are used
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
        finished = True
    finally:
        for future in pending:
            future.cancel()
        if finished or threads or not pending:   # done, or nothing in flight to wait for
            pool.shutdown(cancel_futures=True)
        else:   # an error, Ctrl-C or SIGTERM: don't wait for the batches in flight
            workers_left = set(multiprocessing.active_children()) - before
            for process in workers_left:
                process.terminate()
            for process in workers_left:   # one that was still starting may not heed it
                process.join(timeout=2)
                if process.is_alive():
                    process.kill()
                    process.join(timeout=2)
            # A job still being fed to the dead workers would block the queue's feeder
            # thread, and the process's exit with it (the executor keeps no public handle).
            call_queue = getattr(pool, "_call_queue", None)
            if call_queue is not None:
                call_queue.cancel_join_thread()
            pool.shutdown(wait=False, cancel_futures=True)


def _worker_start(parent: int) -> None:
    """In each worker process: die with the scan (:func:`die_with_parent`). Ctrl-C is the
    parent's to handle (it stops the pool); SIGTERM, which the pool sends its workers when it
    is stopped early, ends a worker without a word."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # not the CLI's handler, inherited by fork
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent (pid ``parent``) ends for any
    reason, SIGKILL included (``PR_SET_PDEATHSIG``; Linux), so that no worker outlives its
    scan or service holding memory and deleted temporary files open."""
    libc = _glibc()
    if libc is not None:
        try:
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except AttributeError:   # not Linux
            pass
    if os.getppid() != parent:   # the parent died before the request took effect
        os._exit(1)

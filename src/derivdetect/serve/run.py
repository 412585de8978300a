"""Running the service: uvicorn on the settings' host and port, in one process that speaks
HTTP (with ``workers`` > 1, checks and additions are judged in that many processes behind
it: ``serve.judges``), stopping gracefully on SIGTERM or Ctrl-C (requests in flight finish,
up to :data:`GRACE_SECONDS`; every write is one SQLite transaction, so nothing is
half-written even when a process is killed)."""

from __future__ import annotations

import signal

from .service import ServeSettings

GRACE_SECONDS = 30


def run(settings: ServeSettings) -> None:
    """Serve until stopped (see the module's docstring)."""
    import uvicorn

    from .app import create_app

    settings.check()
    # the judge processes of --workers get the settings (token included) through their
    # start-up pipe, not in the environment that /proc/*/environ shows
    app = create_app(settings)
    # uvicorn stops on these and then raises them again with the handlers found at start:
    # with these, a stop it has finished cleanly ends the process with 0 (set only now: a
    # stop while the archive is indexed ends the process at once)
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stopped)
    uvicorn.run(app, host=settings.host, port=settings.port,
                log_level="info", timeout_graceful_shutdown=GRACE_SECONDS,
                proxy_headers=False, server_header=False, date_header=True)


def _stopped(signum, frame) -> None:
    """A stop signal after uvicorn's own graceful stop: nothing more to do."""

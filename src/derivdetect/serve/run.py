"""Running the service: uvicorn on the settings' host and port, in one process or
``workers`` processes, stopping gracefully on SIGTERM or Ctrl-C (requests in flight finish,
up to :data:`GRACE_SECONDS`; every write is one SQLite transaction, so nothing is half-written
even when a worker is killed)."""

from __future__ import annotations

import json
import os
import signal
import tempfile
from dataclasses import asdict
from pathlib import Path

from ..config import Config
from .service import ServeSettings

GRACE_SECONDS = 30
_SETTINGS_ENV = "DERIVDETECT_SERVE_SETTINGS"


def run(settings: ServeSettings) -> None:
    """Serve until stopped (see the module's docstring)."""
    import uvicorn

    settings.check()
    # uvicorn stops on these and then raises them again with the handlers found at start:
    # with these, a stop it has finished cleanly ends the process with 0
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stopped)
    common = dict(host=settings.host, port=settings.port, log_level="info",
                  timeout_graceful_shutdown=GRACE_SECONDS, proxy_headers=False,
                  server_header=False, date_header=True)
    if settings.workers == 1:
        from .app import create_app

        uvicorn.run(create_app(settings), **common)
        return
    fields = asdict(settings)
    fields["archive"] = str(settings.archive)
    fields["config"] = settings.config.to_dict()
    # the settings (token included) go to the workers in a file only this user can read,
    # not in the environment that every child process and /proc/*/environ shows
    fd, path = tempfile.mkstemp(prefix="derivdetect-serve-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(fields, handle)
        os.environ[_SETTINGS_ENV] = path
        uvicorn.run("derivdetect.serve.run:app_from_environment", factory=True,
                    workers=settings.workers, **common)
    finally:
        os.unlink(path)


def _stopped(signum, frame) -> None:
    """A stop signal after uvicorn's own graceful stop: nothing more to do."""


def app_from_environment():
    """The application of a worker process, from the settings file its parent names in
    the environment (uvicorn starts workers by import path)."""
    from .app import create_app

    with open(os.environ[_SETTINGS_ENV], encoding="utf-8") as handle:
        fields = json.load(handle)
    fields["archive"] = Path(fields["archive"])
    settings = fields["config"]
    settings["licensed_sources"] = tuple(settings.get("licensed_sources") or ())
    fields["config"] = Config(**settings)
    return create_app(ServeSettings(**fields))

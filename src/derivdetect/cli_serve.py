"""Command line of the service: ``derivdetect serve ARCHIVE``. Thin: read the token, check
the settings, hand them to ``serve.run``; a missing ``[serve]`` extra is a one-line hint."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from .errors import DerivDetectError, InputError

SERVE_HINT = ("derivdetect serve needs the [serve] extra: pip install 'derivdetect[serve]' "
              "(FastAPI and uvicorn)")


def _token(token_file: Optional[Path]) -> Optional[str]:
    """The access token: the file's first line, else ``DERIVDETECT_TOKEN``, else none."""
    if token_file is not None:
        try:
            lines = token_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(f"{token_file}: cannot read the token file ({exc.strerror})") \
                from None
        except UnicodeDecodeError:
            raise InputError(f"{token_file}: the token file is not UTF-8 text") from None
        token = lines[0].strip() if lines else ""
        if not token:
            raise InputError(f"{token_file}: the token file is empty")
        return token
    return os.environ.get("DERIVDETECT_TOKEN") or None


def register(app: typer.Typer, config_of, fail) -> None:
    """Add ``serve`` to ``app`` (``config_of``, ``fail``: as for ``cli_archive.register``)."""

    @app.command(epilog="Exit codes: 0 stopped cleanly (SIGTERM, Ctrl-C); 2 usage error "
                        "(no archive, no token for a non-loopback address, missing extra); "
                        "3 the judge processes of --workers could not start.")
    def serve(archive: Path = typer.Argument(..., help="Archive file (made by 'archive add')."),
              host: str = typer.Option("127.0.0.1", help="Address to listen on; anything "
                                       "but loopback needs a token."),
              port: int = typer.Option(8000, help="Port."),
              workers: int = typer.Option(1, help="Processes that judge checks and "
                                          "additions, each taking the next request (each "
                                          "indexes the archive in memory)."),
              token_file: Optional[Path] = typer.Option(
                  None, "--token-file", help="File whose first line is the access token "
                  "(else DERIVDETECT_TOKEN)."),
              max_body: int = typer.Option(10 * 1024 * 1024, "--max-body",
                                           help="Largest request body, in bytes."),
              max_batch: int = typer.Option(1000, "--max-batch",
                                            help="Most articles per POST /v1/articles."),
              concurrent_checks: int = typer.Option(
                  2, "--concurrent-checks", min=1,
                  help="With one worker: checks judged at once; more wait their "
                  "turn."),
              config_file: Optional[Path] = typer.Option(None, "--config",
                                                         help="TOML settings.")) -> None:
        """Serve the archive over HTTP: a JSON API under /v1 for a CMS, and the review
        queue at / for editors."""
        try:
            import fastapi  # noqa: F401
            import uvicorn  # noqa: F401
        except ImportError:
            fail(InputError(SERVE_HINT))
        from .serve.run import run
        from .serve.service import ServeSettings

        try:
            settings = ServeSettings(archive, config_of(config_file), host, port,
                                     _token(token_file), max_body, max_batch, workers,
                                     concurrent_checks).check()
            run(settings)
        except DerivDetectError as exc:
            fail(exc)

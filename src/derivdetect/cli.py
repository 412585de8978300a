"""Command line: parse options, call the library, map domain errors to messages and exit codes.

Exit codes (also in ``--help``): 0 success; 1 ``--fail-on-match`` and a pair was found, or
``--strict`` and a file was skipped; 2 usage, input or output error (bad option, missing folder,
unreadable file, an output folder that is not derivdetect's), with a one-line message; 3 the
scan failed (a worker process died, a disk is full, an internal error); 75 the output folder is
busy with another scan (try again later); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM).
"""

from __future__ import annotations

import shutil
import signal
import sys
from pathlib import Path
from typing import Optional

import typer

from . import __version__
from .config import Config
from .errors import ConfigError, DerivDetectError
from .report.terminal import for_terminal

EXIT_FOUND = 1
EXIT_FAILED = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

EXIT_CODES = ("Exit codes: 0 success; 1 a pair was found with --fail-on-match (or a file was "
              "skipped with --strict); 2 usage, input or output error; 3 the scan failed (a "
              "worker died, a disk is full); 75 the output folder is busy with another scan; "
              "130 interrupted; 143 terminated.")

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Find copies, light edits and rewrites among articles.",
                  epilog=EXIT_CODES)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"derivdetect {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_show_version,
                                       is_eager=True, help="Print the version and exit.")) -> None:
    """Find copies, light edits and rewrites among articles."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, systemd, ``docker stop``), raised in the main thread so that the
    scan unwinds like on Ctrl-C: workers stopped, staging folder removed, lock released."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def _catch_sigterm():
    """Turn SIGTERM into :class:`Terminated`; returns the previous handler (``None`` where
    handlers can't be set: not the main thread). Also keeps Ctrl-C and SIGTERM from being
    lost: Python runs signal handlers between any two bytecodes, also inside callbacks whose
    exceptions it only prints ("Exception ignored in ..."; the at-fork callbacks, when the
    signal comes as a worker is started), so such an interrupt is raised again outside."""
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:
        return None
    if sys.unraisablehook is not _unraisable:
        _unraisable.previous = sys.unraisablehook
        sys.unraisablehook = _unraisable
    return previous


def _unraisable(info) -> None:
    if isinstance(info.exc_value, KeyboardInterrupt):   # once out of the callback, again
        import os
        import threading

        again = signal.SIGTERM if isinstance(info.exc_value, Terminated) else signal.SIGINT
        _unraisable.pending = info.exc_value   # if the process ends before the timer fires
        threading.Timer(0.05, os.kill, (os.getpid(), again)).start()
        return
    _unraisable.previous(info)


_unraisable.previous = sys.unraisablehook
_unraisable.pending = None


def _config(config_file: Optional[Path], **overrides) -> Config:
    base = Config.from_toml(config_file) if config_file else Config()
    return base.replace(**overrides)


def _plural(count: int, noun: str, plural: Optional[str] = None) -> str:
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


class _Progress:
    """Progress bars on stderr (rich, which typer ships); silent unless stderr is a terminal."""

    def __init__(self, enabled: bool):
        self._bars = None
        self._tasks: dict = {}
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
            )

            self._bars = Progress(TextColumn("{task.description:<10}"), BarColumn(),
                                  MofNCompleteColumn(), console=Console(stderr=True),
                                  transient=True)
            self._bars.start()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._bars is None:
            return
        if stage not in self._tasks:
            self._tasks[stage] = self._bars.add_task(stage, total=total or None)
        self._bars.update(self._tasks[stage], completed=done, total=total or None)

    def close(self) -> None:
        if self._bars is not None:
            self._bars.stop()
            self._bars = None


def _fail(exc: DerivDetectError) -> None:
    typer.echo(f"derivdetect: {for_terminal(str(exc))}", err=True)
    raise typer.Exit(exc.exit_code)


def _failed(exc: BaseException) -> None:
    """An error that is no fault of the input (a worker killed by the system, a full disk, a
    bug): one line, exit code 3, so that automation never reads it as "copies found"; the
    traceback with ``DERIVDETECT_DEBUG=1``."""
    import os
    from concurrent.futures.process import BrokenProcessPool

    if os.environ.get("DERIVDETECT_DEBUG"):
        import traceback

        traceback.print_exception(exc)
    if isinstance(exc, BrokenProcessPool):
        what = ("a worker process died (killed by the system, perhaps out of memory); "
                "try fewer --workers")
    elif isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        what = f"{exc.strerror or exc}{where}"
        if exc.errno == 28:
            what += "; free some space (temporary files go to $TMPDIR)"
    else:
        what = f"internal error: {type(exc).__name__}: {exc}; DERIVDETECT_DEBUG=1 shows where"
    typer.echo(f"derivdetect: the scan failed: {for_terminal(what)}", err=True)
    raise typer.Exit(EXIT_FAILED)


def _interrupted(exc: KeyboardInterrupt, where: str) -> None:
    how = "terminated" if isinstance(exc, Terminated) else "interrupted"
    typer.echo(f"derivdetect: {how}; {where}", err=True)
    raise typer.Exit(EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED)


@app.command(epilog=EXIT_CODES)
def scan(
    inputs: list[Path] = typer.Argument(..., metavar="INPUT...", help="Folder of articles (.txt .md .html .jsonl), read recursively; with --engine spark also .jsonl files or Parquet (columns id, text; optional title, url, date, byline, source)."),
    out: Path = typer.Option(Path("reports"), "--out", "-o", help="Output folder for pairs.json, pairs.csv, index.html: new, empty, or one derivdetect wrote before (never the scanned folder)."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="TOML file of settings (see Config)."),
    encoding: Optional[str] = typer.Option(None, help="Encoding for files that are not UTF-8 (default: detect)."),
    max_chars: Optional[int] = typer.Option(None, help="Skip articles longer than this many characters."),
    html_extractor: Optional[str] = typer.Option(None, help="'trafilatura' (main text only) or 'text' (all visible text)."),
    derivative_coverage: Optional[float] = typer.Option(None, help="Share of the derived text that must be aligned to call a pair derivative."),
    min_probability: Optional[float] = typer.Option(None, help="Reuse probability a derivative needs (0-1; higher: fewer, surer flags)."),
    paraphrase_threshold: Optional[float] = typer.Option(None, help="Sentence similarity needed for a paraphrase passage."),
    min_exact_words: Optional[int] = typer.Option(None, help="Shortest exact passage, in words."),
    workers: Optional[int] = typer.Option(None, help="Processes to use (0 = one per core)."),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse the sketches and judged pairs of unchanged files from the last scan (kept in OUT/.cache)."),
    strict: bool = typer.Option(False, "--strict", help="Exit with code 1 if any file was skipped."),
    fail_on_match: bool = typer.Option(False, "--fail-on-match", help="Exit with code 1 if any pair is reported (for CI and cron jobs); with --archive, any pair not yet reviewed."),
    archive: Optional[Path] = typer.Option(None, "--archive", help="Archive file (derivdetect archive add): each pair gets the review state of the archive's decision, and the pairs are kept there for queue and review."),
    json_out: Optional[str] = typer.Option(None, "--json", metavar="-", help="'-': also print pairs.json to standard output."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    engine: str = typer.Option("local", "--engine", help="'local' (this machine) or 'spark' (pyspark; the same results)."),
    master: str = typer.Option("local[*]", "--master", help="Spark master (--engine spark): local[*], spark://HOST:7077, yarn."),
    partitions: Optional[int] = typer.Option(None, "--partitions", min=1, help="Spark partitions of the documents and of each shuffle (default: twice the cores for the documents; for each shuffle, that or one per 6,250 documents, whichever is more)."),
    out_format: str = typer.Option("report", "--format", help="'report' (pairs.json, pairs.csv, HTML) or, with --engine spark, 'parquet' (also documents.parquet and pairs.parquet; pairs.json then lists only the documents of reported pairs)."),
    spark_conf: Optional[list[str]] = typer.Option(None, "--conf", metavar="KEY=VALUE", help="A Spark setting (repeatable), e.g. spark.executor.memory=8g."),
) -> None:
    """Scan INPUT and write the pairs that are copies or rewrites of each other."""
    import dataclasses
    import time

    from .engines.local import check_folder
    from .engines.local import scan as run_scan
    from .engines.pool import process_age
    from .report import OutputFolder, write_report_files

    age = process_age()
    process_start = time.perf_counter() - age if age is not None else None

    folder = _spark_checks(inputs, engine, master, partitions, out_format, spark_conf, archive)
    if json_out is not None and json_out != "-":
        _fail(ConfigError(
            f"--json {json_out}: only '-' (standard output) is accepted; pairs.json is always "
            "written to the --out folder"))
    previous = _catch_sigterm()
    progress = _Progress(not quiet)
    target = OutputFolder(out, scanned=folder)
    store = None
    spark_run = None
    reviews: dict = {}
    try:
        config = _config(config_file, encoding=encoding, max_chars=max_chars,
                         html_extractor=html_extractor,
                         derivative_coverage=derivative_coverage,
                         min_probability=min_probability,
                         paraphrase_threshold=paraphrase_threshold,
                         min_exact_words=min_exact_words, workers=workers)
        if engine == "local":
            check_folder(folder)
        if archive is not None:
            from .store.archive import Archive

            store = Archive(archive, create=False)   # a missing file is an error, not made
        target.open()
        before_scan = time.perf_counter()
        if engine == "spark":
            from .engines.spark import SparkScan, parse_conf

            spark_run = SparkScan(inputs, config, master, partitions,
                                  conf=parse_conf(spark_conf or []),
                                  all_documents=out_format == "report").open()
            result = spark_run.scan()
        else:
            result = run_scan(folder, config, progress,
                              cache_dir=target.cache_dir if cache else None)
        scanned = time.perf_counter()
        seconds = dict(result.stats.get("seconds", {}))
        if process_start is not None:
            seconds = {"start-up and output folder": round(before_scan - process_start, 3),
                       **seconds}
        result = dataclasses.replace(result, stats={**result.stats, "seconds": seconds})
        if store is not None:
            from .engines.reviews import scan_reviews

            reviews = scan_reviews(store, result, config)
            result = dataclasses.replace(result, stats={
                **result.stats, "archive": str(archive),
                "already_reviewed": sum(1 for r in reviews.values() if not r.flagged),
                "seconds": {**seconds, "archive: review states":
                            round(time.perf_counter() - scanned, 3)}})
            store.close()
            store = None
            scanned = time.perf_counter()
        progress("writing", 0, 0)

        def write(staging):
            tables = spark_run.write_tables(staging) if out_format == "parquet" else []
            return [*tables, *write_report_files(result, staging, process_start, reviews,
                                                 workers=config.cores(), since=scanned)]

        written = target.publish(write)
        progress.close()
        if json_out == "-":   # the file just written, not a second serialization
            with open(out / "pairs.json", encoding="utf-8") as handle:
                shutil.copyfileobj(handle, sys.stdout)
            sys.stdout.write("\n")
            sys.stdout.flush()
    except DerivDetectError as exc:
        progress.close()
        _fail(exc)
    except KeyboardInterrupt as exc:
        progress.close()
        _interrupted(exc, f"the new report is in {out}" if target.replaced
                     else f"the report in {out} is unchanged")
    except Exception as exc:   # not the input's fault: see _failed
        progress.close()
        _failed(exc)
    finally:
        if spark_run is not None:
            spark_run.close()
        target.close()
        if store is not None:
            store.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if not result.documents and not result.skipped:
        typer.echo(f"derivdetect: {for_terminal(str(folder))}: no articles found "
                   "(.txt .md .markdown .html .htm .jsonl)", err=True)
    reviewed = sum(1 for r in reviews.values() if not r.flagged)
    flags = len(result.pairs) - reviewed
    if not quiet:
        verdicts: dict = {}
        for pair in result.pairs:
            verdicts[pair.verdict] = verdicts.get(pair.verdict, 0) + 1
        summary = ", ".join(f"{n:,} {v}" for v, n in sorted(verdicts.items())) \
            or "no copies or rewrites"
        typer.echo(f"{_plural(result.stats.get('documents', len(result.documents)), 'document')} read, "
                   f"{len(result.skipped):,} skipped; "
                   f"{_plural(len(result.pairs), 'pair')} reported ({summary}); "
                   f"{_plural(len(result.clusters), 'family', 'families')}"
                   + (f"; {reviewed:,} already reviewed in {for_terminal(str(archive))}"
                      if archive is not None else "") + ".", err=True)
        for skipped in result.skipped[:20]:
            typer.echo(f"  skipped {for_terminal(skipped.path)}: {for_terminal(skipped.reason)}",
                       err=True)
        if len(result.skipped) > 20:
            typer.echo(f"  … and {len(result.skipped) - 20:,} more (see pairs.json)", err=True)
        typer.echo(f"Report: {for_terminal(str(written[-1] if written else out))}", err=True)
    if fail_on_match and flags:
        raise typer.Exit(EXIT_FOUND)
    if strict and result.skipped:
        raise typer.Exit(EXIT_FOUND)


def _spark_checks(inputs: list, engine: str, master: str, partitions: Optional[int],
                  out_format: str, spark_conf: Optional[list], archive) -> Path:
    """The scan's engine options checked (one line, exit 2, when wrong; with ``--engine
    spark`` and no pyspark or Java, what to install); returns the folder or first input."""
    if engine not in ("local", "spark"):
        _fail(ConfigError(f"--engine {engine}: use 'local' or 'spark'"))
    if out_format not in ("report", "parquet"):
        _fail(ConfigError(f"--format {out_format}: use 'report' or 'parquet'"))
    if engine == "local":
        if out_format != "report" or spark_conf or partitions or master != "local[*]":
            _fail(ConfigError("--format parquet, --master, --partitions and --conf need "
                              "--engine spark"))
        if len(inputs) > 1:
            _fail(ConfigError(f"{inputs[1]}: the local engine scans one folder; several "
                              ".jsonl files or Parquet need --engine spark"))
    else:
        from .engines.spark import require_spark

        if archive is not None:
            _fail(ConfigError("--archive works with the local engine only"))
        try:
            require_spark()
        except DerivDetectError as exc:
            _fail(exc)
    return inputs[0]


@app.command(epilog="Exit codes: 0 success (1 with --fail-on-match when the pair is verbatim, "
                    "near-duplicate or derivative); 2 usage or input error.")
def compare(
    a: str = typer.Argument(..., help="First article (one article of a .jsonl file: FILE.jsonl#ID)."),
    b: str = typer.Argument(..., help="Second article."),
    as_json: bool = typer.Option(False, "--json", help="Print the pair as JSON (same shape as in pairs.json)."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="TOML file of settings."),
    encoding: Optional[str] = typer.Option(None, help="Encoding for files that are not UTF-8."),
    max_chars: Optional[int] = typer.Option(None, help="Refuse articles longer than this many characters."),
    html_extractor: Optional[str] = typer.Option(None, help="'trafilatura' (main text only) or 'text' (all visible text)."),
    min_probability: Optional[float] = typer.Option(None, help="Reuse probability a derivative needs (0-1)."),
    fail_on_match: bool = typer.Option(False, "--fail-on-match", help="Exit with code 1 if the pair is a copy or rewrite (verbatim, near-duplicate or derivative)."),
) -> None:
    """Judge one pair: verdict, source, extent and the passages they share."""
    import json

    from .engines.local import compare as run_compare
    from .models import VERDICTS
    from .report.terminal import explain_pair

    try:
        config = _config(config_file, encoding=encoding, max_chars=max_chars,
                         html_extractor=html_extractor, min_probability=min_probability)
        pair, doc_a, doc_b = run_compare(a, b, config)
    except DerivDetectError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(pair.to_dict(), ensure_ascii=True, indent=1))
    else:
        typer.echo(explain_pair(pair, doc_a, doc_b))
    if fail_on_match and pair.verdict in VERDICTS:
        raise typer.Exit(EXIT_FOUND)


def _register_archive() -> None:
    from .cli_archive import register
    from .cli_serve import register as register_serve

    register(app, _config, _fail)
    register_serve(app, _config, _fail)


_register_archive()


def main() -> None:
    """The ``derivdetect`` command. When a command is done (its files written and closed,
    its workers gone), the process ends without tearing down the interpreter: the exit
    handlers run (temporary files, logging, multiprocessing), the output is flushed, and the
    freeing of every object and module that a normal exit does one by one (1-2 s after a
    scan) is left to the system, which takes the whole process back at once."""
    try:
        app()
    except SystemExit as exc:
        code = exc.code
        if code is None or isinstance(code, int):
            _end_process(code or 0)
        raise


def _end_process(code: int) -> None:
    import atexit
    import os

    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)   # CPython
    if run_exit_handlers is None:
        return   # another interpreter: a normal exit
    late = None
    try:
        try:
            run_exit_handlers()
        except KeyboardInterrupt as exc:   # Ctrl-C or SIGTERM as the process ends
            late = exc
        late = late or _unraisable.pending
        if late is not None and code == 0:   # an interrupt is never reported as success
            terminated = isinstance(late, Terminated)
            code = EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
            print(f"derivdetect: {'terminated' if terminated else 'interrupted'} as it ended; "
                  "its work was done", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:   # a closed stdout (a pipe's reader gone): as usual
        return
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()

"""Command line of the editorial archive: ``archive add``, ``check``, ``queue``, ``review``,
``history``. Thin: parse options, call ``engines.archive``, print, map errors to exit codes.

``check`` exits like ``diff``: 0 nothing to flag, 1 at least one unreviewed match, 2 usage or
input error; a CMS hook can use the exit code alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator, List, Optional

import typer

from .errors import DerivDetectError
from .report.terminal import for_terminal

CHECK_EXIT = "Exit codes: 0 nothing to flag; 1 at least one unreviewed match; 2 usage or input error."


def _articles(paths: list, config, skipped: list) -> Iterator:
    """The articles of each PATH: a folder's (ids relative to it, as a scan gives them), a
    JSONL file's, or one file (id as given)."""
    from .ingest import iter_inputs, read_document
    from .ingest.readers import read_items
    from .models import Document

    for path in paths:
        path = Path(path)
        if path.is_dir():
            items = iter_inputs(path, config)
        elif path.suffix.lower() == ".jsonl" and path.is_file():
            items = read_items(str(path), path.as_posix(), "jsonl", None, config, False)
        else:
            items = iter([read_document(path, config)])
        for item in items:
            if isinstance(item, Document):
                yield item
            else:
                skipped.append(item)


def _credit_note(credit) -> str:
    if not credit:
        return ""
    if credit["credited"]:
        return f", credited ({for_terminal(', '.join(credit['names']))})"
    return ", uncredited"


def _write_check_report(store, target, docs: list, matches: list, skipped: list,
                        config) -> list:
    """The report of a check (its matches' pair pages with their review state, credit and
    history, and the index), published through ``target`` (an open ``OutputFolder``)."""
    from .engines.reviews import check_result, match_reviews
    from .report import write_report_files

    result = check_result(store, docs, matches, skipped, config)
    reviews = match_reviews(store, matches)
    return target.publish(lambda staging: write_report_files(result, staging,
                                                             reviews=reviews))


def register(app: typer.Typer, config_of, fail) -> None:
    """Add the archive commands to ``app``; ``config_of(config_file, **overrides)`` makes the
    Config, ``fail(error)`` prints a domain error and exits with its code."""
    archive_app = typer.Typer(no_args_is_help=True, help="Build and maintain an archive.")
    app.add_typer(archive_app, name="archive")

    @archive_app.command("add")
    def add(archive: Path = typer.Argument(..., help="Archive file (SQLite; made on first use)."),
            paths: List[Path] = typer.Argument(..., help="Folders, files or .jsonl files."),
            config_file: Optional[Path] = typer.Option(None, "--config", help="TOML settings."),
            encoding: Optional[str] = typer.Option(None, help="Encoding of non-UTF-8 files."),
            quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary.")) -> None:
        """Add articles to ARCHIVE: the same text under the same id adds nothing, a new text
        under it becomes a new version (decisions are kept)."""
        from .engines.archive import add_articles, open_archive

        skipped: list = []
        try:
            config = config_of(config_file, encoding=encoding)
            with open_archive(archive, config) as store:
                done = add_articles(store, _articles(paths, config, skipped), config)
                total = store.count()
        except DerivDetectError as exc:
            fail(exc)
        if not quiet:
            typer.echo(f"{done.added:,} added, {done.updated:,} updated, {done.unchanged:,} "
                       f"unchanged, {len(skipped):,} skipped; {total:,} articles in "
                       f"{for_terminal(str(archive))}", err=True)
            for item in skipped[:20]:
                typer.echo(f"  skipped {for_terminal(item.path)}: {for_terminal(item.reason)}",
                           err=True)

    @archive_app.command("export")
    def export(archive: Path = typer.Argument(..., help="Archive file."),
               target: Path = typer.Argument(..., help="JSON Lines file to write.")) -> None:
        """Write every article version, decision and change to a JSON Lines file (to move,
        back up or rebuild the archive with new settings)."""
        from .engines.archive import export_archive
        from .store.archive import Archive

        try:
            with Archive(archive, create=False) as store:
                count = export_archive(store, target)
        except DerivDetectError as exc:
            fail(exc)
        typer.echo(f"{count:,} records written to {for_terminal(str(target))}", err=True)

    @archive_app.command("import")
    def import_(archive: Path = typer.Argument(..., help="New archive file."),
                source: Path = typer.Argument(..., help="JSON Lines file of 'archive export'."),
                config_file: Optional[Path] = typer.Option(None, "--config", help="TOML settings.")
                ) -> None:
        """Rebuild an archive from an export (texts sketched again with these settings)."""
        from .engines.archive import import_archive, open_archive

        try:
            config = config_of(config_file)
            with open_archive(archive, config) as store:
                count = import_archive(store, source, config)
        except DerivDetectError as exc:
            fail(exc)
        typer.echo(f"{count:,} records read into {for_terminal(str(archive))}", err=True)

    @app.command(epilog=CHECK_EXIT)
    def check(archive: Path = typer.Argument(..., help="Archive file."),
              articles: List[Path] = typer.Argument(..., help="Articles to check (files, "
                                                    "folders or .jsonl)."),
              as_json: bool = typer.Option(False, "--json", help="Print the matches as JSON."),
              add_after: bool = typer.Option(False, "--add", help="Add the checked articles "
                                             "to the archive afterwards."),
              report: Optional[Path] = typer.Option(
                  None, "--report", help="Also write the report of the matches (pairs.json, "
                  "pairs.csv, index.html, a page per pair) into this folder: new, empty, or "
                  "one derivdetect wrote before."),
              config_file: Optional[Path] = typer.Option(None, "--config", help="TOML settings."),
              encoding: Optional[str] = typer.Option(None, help="Encoding of non-UTF-8 files."),
              min_probability: Optional[float] = typer.Option(
                  None, help="Reuse probability a derivative needs (0-1)."),
              licensed: Optional[List[str]] = typer.Option(
                  None, "--licensed", help="A source you may republish (agency, outlet, site); "
                  "repeatable; adds to licensed_sources.")) -> None:
        """Judge each ARTICLE against everything in ARCHIVE."""
        from .engines.archive import add_articles, check_articles, open_archive, remember
        from .report import OutputFolder

        skipped: list = []
        target = OutputFolder(report) if report is not None else None
        written: list = []
        try:
            config = config_of(config_file, encoding=encoding, min_probability=min_probability)
            if licensed:
                config = config.replace(
                    licensed_sources=tuple(config.licensed_sources) + tuple(licensed))
            with open_archive(archive, config, create=False) as store:
                if target is not None:   # refused before anything is read, as for a scan
                    target.open()
                docs = list(_articles(articles, config, skipped))
                matches = check_articles(store, docs, config)
                remember(store, matches, docs)
                if target is not None:
                    written = _write_check_report(store, target, docs, matches, skipped,
                                                  config)
                if add_after:
                    add_articles(store, docs, config)
        except DerivDetectError as exc:
            fail(exc)
        finally:
            if target is not None:
                target.close()
        if as_json:
            typer.echo(json.dumps([m.to_dict() for m in matches], ensure_ascii=True, indent=1))
        else:
            for m in matches:
                p = m.pair
                other = p.b if m.checked == p.a else p.a
                coverage = max(p.scores.get("coverage_a", 0), p.scores.get("coverage_b", 0))
                typer.echo(f"{for_terminal(m.checked)} ~ {for_terminal(other)}: {p.verdict}"
                           + (f", {p.extent}" if p.extent else "")
                           + f", {coverage:.0%} covered"
                           + (f", reuse probability {p.scores['probability']:.0%}"
                              if "probability" in p.scores else "")
                           + f"; source {for_terminal(p.source or 'unknown')}"
                           + _credit_note(p.credit) + "; "
                           f"{m.state} ({for_terminal(m.state_reason)}); pair {p.pair_id}")
            if not matches:
                typer.echo(f"{len(docs):,} article(s) checked: no copies or rewrites in the "
                           "archive.", err=True)
        for item in skipped[:20]:
            typer.echo(f"  skipped {for_terminal(item.path)}: {for_terminal(item.reason)}",
                       err=True)
        if written:
            typer.echo(f"Report: {for_terminal(str(written[-1]))}", err=True)
        if any(m.flagged for m in matches):
            raise typer.Exit(1)

    @app.command()
    def queue(archive: Path = typer.Argument(..., help="Archive file."),
              state: str = typer.Option("unreviewed", help="A review state, or 'all'."),
              as_json: bool = typer.Option(False, "--json", help="Print the flags as JSON.")
              ) -> None:
        """The flags awaiting a decision (or in another STATE), strongest first."""
        from .engines.archive import queue as run_queue
        from .store.archive import Archive

        try:
            with Archive(archive, create=False) as store:
                flags = run_queue(store, None if state == "all" else state)
        except DerivDetectError as exc:
            fail(exc)
        if as_json:
            typer.echo(json.dumps(flags, ensure_ascii=True, indent=1))
            return
        for f in flags:
            typer.echo(f"{f['pair_id']}  {f['state']:<11} {f['verdict']:<14} "
                       f"{for_terminal(f['a'])} ~ {for_terminal(f['b'])}")

    @app.command()
    def review(archive: Path = typer.Argument(..., help="Archive file."),
               pair_id: str = typer.Argument(..., help="The pair's id (from check or queue)."),
               state: str = typer.Argument(..., help="violation, licensed, credited, own-work, "
                                           "false-alarm or unreviewed."),
               note: Optional[str] = typer.Option(None, help="Why."),
               by: Optional[str] = typer.Option(None, help="Who decided.")) -> None:
        """Record a decision on a flagged pair (kept with time, who and note)."""
        from .engines.archive import review as run_review
        from .store.archive import Archive

        try:
            with Archive(archive, create=False) as store:
                run_review(store, pair_id, state, note, by)
        except DerivDetectError as exc:
            fail(exc)
        typer.echo(f"{pair_id}: {state}", err=True)

    @app.command()
    def history(archive: Path = typer.Argument(..., help="Archive file."),
                pair_id: str = typer.Argument(..., help="The pair's id."),
                as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
        """Every decision taken on a pair: when, who, from which state to which, and why."""
        from .store.archive import Archive

        try:
            with Archive(archive, create=False) as store:
                changes = store.history(pair_id)
        except DerivDetectError as exc:
            fail(exc)
        if as_json:
            typer.echo(json.dumps(changes, ensure_ascii=True, indent=1))
            return
        for c in changes:
            typer.echo(f"{c['at']}  {c['old']} -> {c['new']}"
                       + (f"  by {for_terminal(c['by'])}" if c["by"] else "")
                       + (f"  ({for_terminal(c['note'])})" if c["note"] else ""))

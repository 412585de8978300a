"""Command line: parse options, call the library, map domain errors to messages and exit codes.

Exit codes: 0 success; 1 ``--strict`` and some files were skipped; 2 usage or input error
(bad option, missing folder, unreadable file); 130 interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from .config import Config
from .errors import DerivDetectError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Find copies, light edits and rewrites among articles.")

EXIT_STRICT = 1


def _config(config_file: Optional[Path], **overrides) -> Config:
    base = Config.from_toml(config_file) if config_file else Config()
    return base.replace(**overrides)


class _Progress:
    """A one-line progress display on stderr; silent when stderr is not a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.stage = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if total:
            width = 30
            filled = int(width * done / total)
            bar = "#" * filled + "-" * (width - filled)
            sys.stderr.write(f"\r{stage:<10} [{bar}] {done}/{total}")
        else:
            sys.stderr.write(f"\r{stage:<10} {done}")
        self.stage = stage
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.stage is not None:
            sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()


def _fail(exc: DerivDetectError) -> None:
    typer.echo(f"derivdetect: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


@app.command()
def scan(
    folder: Path = typer.Argument(..., help="Folder of articles (.txt .md .html .jsonl), read recursively."),
    out: Path = typer.Option(Path("reports"), "--out", "-o", help="Output folder for pairs.json, pairs.csv, index.html."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="TOML file of settings (see Config)."),
    encoding: Optional[str] = typer.Option(None, help="Encoding for files that are not UTF-8 (default: detect)."),
    max_chars: Optional[int] = typer.Option(None, help="Skip articles longer than this many characters."),
    html_extractor: Optional[str] = typer.Option(None, help="'trafilatura' (main text only) or 'text' (all visible text)."),
    derivative_coverage: Optional[float] = typer.Option(None, help="Share of the derived text that must be aligned to call a pair derivative."),
    paraphrase_threshold: Optional[float] = typer.Option(None, help="Sentence similarity needed for a paraphrase passage."),
    min_exact_words: Optional[int] = typer.Option(None, help="Shortest exact passage, in words."),
    workers: Optional[int] = typer.Option(None, help="Processes to use (0 = one per core)."),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse the sketches and judged pairs of unchanged files from the last scan (kept in OUT/.cache)."),
    strict: bool = typer.Option(False, "--strict", help="Exit with code 1 if any file was skipped."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Scan FOLDER and write the pairs that are copies or rewrites of each other."""
    from .engine import scan as run_scan
    from .report import write_outputs

    progress = _Progress(not quiet)
    try:
        config = _config(config_file, encoding=encoding, max_chars=max_chars,
                         html_extractor=html_extractor,
                         derivative_coverage=derivative_coverage,
                         paraphrase_threshold=paraphrase_threshold,
                         min_exact_words=min_exact_words, workers=workers)
        result = run_scan(folder, config, progress, cache_dir=out / ".cache" if cache else None,
                          exclude=out)
        written = write_outputs(result, out)
    except DerivDetectError as exc:
        progress.close()
        _fail(exc)
    except KeyboardInterrupt:
        progress.close()
        typer.echo("derivdetect: interrupted; every output file is whole (old or new)", err=True)
        raise typer.Exit(130)
    progress.close()
    if not quiet:
        verdicts = {}
        for pair in result.pairs:
            verdicts[pair.verdict] = verdicts.get(pair.verdict, 0) + 1
        summary = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())) or "no copies or rewrites"
        typer.echo(f"{len(result.documents)} documents read, {len(result.skipped)} skipped; "
                   f"{len(result.pairs)} pairs reported ({summary}); "
                   f"{len(result.clusters)} families.", err=True)
        for skipped in result.skipped[:20]:
            typer.echo(f"  skipped {skipped.path}: {skipped.reason}", err=True)
        if len(result.skipped) > 20:
            typer.echo(f"  … and {len(result.skipped) - 20} more (see pairs.json)", err=True)
        typer.echo(f"Report: {written[-1] if written else out}", err=True)
    if strict and result.skipped:
        raise typer.Exit(EXIT_STRICT)


@app.command()
def compare(
    a: Path = typer.Argument(..., help="First article."),
    b: Path = typer.Argument(..., help="Second article."),
    as_json: bool = typer.Option(False, "--json", help="Print the pair as JSON (same shape as in pairs.json)."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="TOML file of settings."),
    encoding: Optional[str] = typer.Option(None, help="Encoding for files that are not UTF-8."),
    max_chars: Optional[int] = typer.Option(None, help="Refuse articles longer than this many characters."),
    html_extractor: Optional[str] = typer.Option(None, help="'trafilatura' (main text only) or 'text' (all visible text)."),
) -> None:
    """Judge one pair: verdict, source, extent and the passages they share."""
    from .engine import compare as run_compare
    from .explain import explain_pair

    try:
        config = _config(config_file, encoding=encoding, max_chars=max_chars,
                         html_extractor=html_extractor)
        pair, doc_a, doc_b = run_compare(a, b, config)
    except DerivDetectError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(pair.to_dict(), ensure_ascii=True, indent=1))
    else:
        typer.echo(explain_pair(pair, doc_a, doc_b))


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

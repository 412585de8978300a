"""The editorial archive at scale: bulk add rate, check latency, recall and size per article.

Generates ``--docs`` synthetic articles plus the articles to check (``_synth.py``: injected
exact copies, light edits, rewrites and partial lifts, and independent articles, some on the
same stories as archived ones). The checked set is ``--checks`` articles: an equal share of
each injected kind whose source is archived, and unrelated originals (no injected relation to
anything). Then:

1. **add**: every other article is added to a new archive file (``engines.archive.add_articles``,
   as ``derivdetect archive add`` runs it), from memory or, with ``--from-files``, from a
   folder of files written first (the ``archive add`` command itself, in a subprocess);
2. **index**: the key index a long-running process (``derivdetect serve``) builds once;
3. **check**: each checked article alone against the archive (``check_articles`` with that
   index, as the service runs it): latency p50/p95/max, and recall of each kind (the
   injected pair reported, any verdict) and flags on unrelated articles;
4. with ``--scan`` (default up to 20,000 articles): a folder scan of the same corpus, for
   the recall a scan gives on the same pairs, as the reference.

    .venv/bin/python benchmarks/archive.py [--docs 100000] [--checks 1000] [--seed 0]
                                           [--from-files] [--scan | --no-scan] [--keep DIR]

Writes nothing into the repository (the archive goes to a temporary folder, or ``--keep``).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

try:
    from . import _synth
except ImportError:  # run as a script
    import _synth

from derivdetect.config import Config
from derivdetect.engines.archive import add_articles, check_articles, open_archive
from derivdetect.engines.archive_index import ArchiveIndex
from derivdetect.models import Document

KINDS = _synth.KINDS
REPO = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def split_corpus(corpus, checks: int, seed: int) -> tuple:
    """``(archived docs, checked docs, truth of the checked: {copy id: (source id, kind)})``:
    ``checks`` articles, an equal share per injected kind (copies whose source is archived)
    and unrelated originals."""
    rng = random.Random(seed)
    related = {i for source, copy, _ in corpus.truth for i in (source, copy)}
    per = checks // (len(KINDS) + 1)
    chosen, truth, sources = [], {}, set()
    for kind in KINDS:
        pool = [t for t in corpus.truth if t[2] == kind]
        rng.shuffle(pool)
        for source, copy, _ in pool:
            if len([c for c in chosen if truth.get(c, (None, None))[1] == kind]) >= per:
                break
            if copy in sources or source in truth or copy in truth:
                continue
            chosen.append(copy)
            truth[copy] = (source, kind)
            sources.add(source)
    unrelated = [d for d, _ in corpus.docs if d not in related]
    rng.shuffle(unrelated)
    chosen += unrelated[: checks - len(chosen)]
    picked = set(chosen)
    docs = {d: t for d, t in corpus.docs}
    archived = [Document(d, d, t) for d, t in corpus.docs if d not in picked]
    checked = [Document(f"new/{d}", f"new/{d}", docs[d]) for d in chosen]
    return archived, checked, {f"new/{c}": v for c, v in truth.items()}


def _rates(label: str, seconds: list) -> str:
    ms = np.array(seconds) * 1000
    return (f"{label}: p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms, "
            f"p99 {np.percentile(ms, 99):.1f} ms, max {ms.max():.1f} ms ({len(ms):,} checks)")


def _recall(found: dict, truth: dict, checked: list) -> dict:
    """Recall per kind and flags on unrelated articles."""
    out = {}
    for kind in KINDS:
        copies = [c for c, (_, k) in truth.items() if k == kind]
        hit = sum(1 for c in copies if truth[c][0] in found.get(c, set()))
        out[kind] = (hit, len(copies))
    unrelated = [d.id for d in checked if d.id not in truth]
    out["unrelated flagged"] = (sum(1 for d in unrelated if found.get(d)), len(unrelated))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--from-files", action="store_true",
                        help="write the archived articles as files and add them with the CLI")
    parser.add_argument("--scan", action=argparse.BooleanOptionalAction, default=None,
                        help="also scan the whole corpus for the reference recall "
                             "(default: up to 20,000 articles)")
    parser.add_argument("--keep", type=Path, help="keep the archive in this folder")
    args = parser.parse_args(argv)
    config = Config(workers=0)
    scan = args.scan if args.scan is not None else args.docs <= 20_000

    t0 = time.perf_counter()
    corpus = _synth.generate(args.docs + args.checks, args.seed)
    archived, checked, truth = split_corpus(corpus, args.checks, args.seed)
    print(f"corpus: {len(corpus.docs):,} generated articles in {time.perf_counter() - t0:.1f} s; "
          f"{len(archived):,} archived, {len(checked):,} checked "
          f"({len(truth):,} injected copies of archived ones, "
          f"{len(checked) - len(truth):,} unrelated)")

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="archive-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "archive.db"
    for stale in folder.glob("archive.db*"):
        stale.unlink()

    t0 = time.perf_counter()
    if args.from_files:
        files = folder / "articles"
        files.mkdir(exist_ok=True)
        for doc in archived:
            (files / doc.id).write_text(doc.text, encoding="utf-8")
        written = time.perf_counter() - t0
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "derivdetect.cli", "archive", "add",
                               str(path), str(files)], capture_output=True, text=True)
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return 1
        print(f"files: {len(archived):,} written in {written:.1f} s")
    else:
        with open_archive(path, config) as archive:
            add_articles(archive, archived, config)
    add_seconds = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in folder.glob("archive.db*")
               if not p.name.endswith(".keys"))
    text_bytes = sum(len(d.text.encode("utf-8")) for d in archived)
    print(f"add: {len(archived):,} articles in {add_seconds:.1f} s = "
          f"{len(archived) / add_seconds:,.0f} articles/s"
          f"{' (CLI, from files, with start-up)' if args.from_files else ''}; "
          f"archive {size / 2**20:,.0f} MB = {size / len(archived) / 1024:.2f} KB per article "
          f"(texts alone {text_bytes / len(archived) / 1024:.2f} KB)")

    with open_archive(path, config, create=False) as archive:
        t0 = time.perf_counter()
        index = ArchiveIndex(config)
        index.refresh(archive)
        print(f"index: built in {time.perf_counter() - t0:.1f} s, "
              f"{index.nbytes / 2**20:,.0f} MB ({index.nbytes / index.articles:,.0f} B per "
              f"article) in {len(index.segments)} segment(s)")
        check_articles(archive, checked[:3], config, index=index)      # warm: compiled paths
        found, seconds = {}, []
        for doc in checked:
            t0 = time.perf_counter()
            matches = check_articles(archive, [doc], config, index=index)
            seconds.append(time.perf_counter() - t0)
            found[doc.id] = {m.pair.a if m.pair.b == doc.id else m.pair.b for m in matches}
        print(_rates("check, one article at a time", seconds))
        t0 = time.perf_counter()
        cold = check_articles(archive, checked[:1], config)
        print(f"check without an index in memory or beside the archive (built, then saved "
              f"as {path.name}.keys): {time.perf_counter() - t0:.2f} s ({len(cold)} match(es))")
    article = folder / "checked.txt"
    article.write_text(checked[1].text, encoding="utf-8")
    for run in (1, 2):
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "derivdetect.cli", "check", str(path),
                               str(article)], capture_output=True, text=True)
        print(f"derivdetect check of one article from a shell, run {run} (process start, "
              f"index from {path.name}.keys): {time.perf_counter() - t0:.2f} s, exit "
              f"{done.returncode}")
    recall = _recall(found, truth, checked)
    print("recall of injected copies, checked against the archive:")
    for kind, (hit, total) in recall.items():
        print(f"  {kind:18s} {hit:5,} / {total:5,} = {hit / max(total, 1):.1%}")

    if scan:
        from derivdetect.engines.local import scan_documents

        docs = archived + checked
        t0 = time.perf_counter()
        result = scan_documents(docs, config)
        pairs = {}
        for pair in result.pairs:
            pairs.setdefault(pair.a, set()).add(pair.b)
            pairs.setdefault(pair.b, set()).add(pair.a)
        scanned = {d.id: {p for p in pairs.get(d.id, ()) if not p.startswith("new/")}
                   for d in checked}
        print(f"reference: folder scan of all {len(docs):,} articles in "
              f"{time.perf_counter() - t0:.1f} s; recall on the same pairs:")
        for kind, (hit, total) in _recall(scanned, truth, checked).items():
            mine = recall[kind][0]
            print(f"  {kind:18s} {hit:5,} / {total:5,} = {hit / max(total, 1):.1%}   "
                  f"(check: {mine:,}{'' if mine == hit else ', DIFFERENT'})")
    print(f"peak memory: {_peak_mb():,.0f} MB; machine: {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())

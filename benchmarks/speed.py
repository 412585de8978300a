"""Speed, memory and recall on a synthetic corpus, against datasketch MinHash LSH.

Generates ``--docs`` synthetic news articles with injected exact copies, light edits, rewrites
and partial lifts (``_synth.py``), then runs, each in a fresh Python process of this script
(``--only ours|best|baseline``) so that peak RSS is per system:

* **ours**: ``derivdetect.engines.local.scan_documents`` with ``Config(workers=0)`` (every core:
  sketching threads, judging processes) on the texts in memory; with ``--files``
  ``engine.scan`` of the files; with ``--cli`` the command line ``derivdetect scan FOLDER
  --out OUT -q`` (fresh output folder: the full report and the cache) as a process of its
  own, timed from outside it, with the stage table from its ``pairs.json``;
* **best**: datasketch at its best (``_baselines.run_best``): word hashes cached, 5-gram
  hashes in bulk, ``MinHash.generator`` + ``update_batch``, ``MinHashLSH`` insertion session
  and ``query`` with every document; with ``--files``/``--cli`` reading the same files;
* **baseline**: datasketch the plain way (``_baselines.run_baseline``): ``MinHash(num_perm=128)``
  per document, ``update_batch`` over its word 5-gram strings (lower-cased ``\\w+`` tokens),
  ``MinHashLSH(threshold=0.3, num_perm=128)``, ``query`` with every document (with
  ``--files``/``--cli`` only with ``--plain-baseline``).

Neither baseline verifies: their pairs are candidates. Up to 100,000 documents.

Prints the corpus, each system's stage times, rates, peak RSS and recall of the injected pairs
per kind, a comparison table and the machine.

    .venv/bin/python benchmarks/speed.py [--docs 20000] [--seed 0] [--workers 0]
                                         [--no-baseline] [--set KEY=VALUE ...]
    .venv/bin/python benchmarks/speed.py --docs 100000 --cli        # the CLI, end to end
    .venv/bin/python benchmarks/speed.py --cli --from DIR           # files of --write-corpus
    .venv/bin/python benchmarks/speed.py --only ours --workers 1      # one system, in-process
    .venv/bin/python benchmarks/speed.py --write-corpus DIR           # files for derivdetect scan

Writes nothing into the repository (the corpus goes to a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

try:
    from . import _synth  # imported as benchmarks.speed
    from ._baselines import print_baseline, run_baseline, run_best
    from ._measure import (
        KINDS,
        Descendants,
        cpu_seconds,
        current_mb,
        machine_busy,
        pct,
        peak_mb,
        print_load,
        rate,
        score,
    )
except ImportError:  # run as a script
    import _synth
    from _baselines import print_baseline, run_baseline, run_best
    from _measure import (
        KINDS,
        Descendants,
        cpu_seconds,
        current_mb,
        machine_busy,
        pct,
        peak_mb,
        print_load,
        rate,
        score,
    )

BASELINE_MAX_DOCS = 100_000
SYSTEMS = ("ours", "baseline", "best")


# ---------------------------------------------------------------------------- helpers


def _git_state() -> str:
    """The derivdetect checkout measured: commit and uncommitted files (read-only git)."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "src"],
                               cwd=root, capture_output=True, text=True,
                               timeout=10).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    files = [line[3:] for line in dirty if line.strip()]
    return head + (f" + uncommitted changes in {', '.join(files)}" if files else "")


def _config(args):
    from derivdetect import Config, ConfigError

    changes = {}
    for item in args.set or ():
        key, sep, value = item.partition("=")
        if not sep:
            sys.exit(f"--set {item}: use KEY=VALUE")
        try:
            changes[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            changes[key.strip()] = value
    try:
        return Config(workers=args.workers).replace(**changes)
    except (ConfigError, TypeError) as exc:
        print(f"speed.py: {exc}", file=sys.stderr)
        sys.exit(2)


# ---------------------------------------------------------------------------- the systems


def run_ours(docs, truth, config, folder: Path | None = None) -> dict:
    """``scan_documents`` on the corpus in memory, or with ``folder`` ``scan`` on its files
    (reading, streaming and spilling texts as ``derivdetect scan`` does); recall of reported
    pairs and of candidate pairs."""
    import numpy as np
    import xxhash

    from derivdetect.engines import local as engine
    from derivdetect.models import Document

    if folder is None:
        documents = [Document(id=i, path=i, text=t, content_hash=xxhash.xxh3_64_hexdigest(
            t.encode("utf-8"))) for i, t in docs]
    rss_loaded = current_mb()
    # Observe (never change) three engine stages: keep the candidate pairs (scan_documents
    # holds them until verification anyway) to tell candidate misses from verification
    # misses, and measure CPU time (this process + reaped worker processes) per stage: wall
    # times suffer when other jobs share the machine, CPU times much less.
    captured: dict = {}
    stage_cpu: dict = {}
    stage_rss: dict = {}   # main process peak RSS so far, after each stage
    originals = {}

    def observe(name, stage):
        inner = getattr(engine, name)
        originals[name] = inner

        def wrapper(*a, **kw):
            before = cpu_seconds(resource.RUSAGE_SELF) + workers.cpu()
            out = inner(*a, **kw)
            stage_cpu[stage] = stage_cpu.get(stage, 0.0) + (
                cpu_seconds(resource.RUSAGE_SELF) + workers.cpu() - before)
            stage_rss[stage] = peak_mb(resource.RUSAGE_SELF)
            if name == "candidate_stage":
                captured["pairs"] = out.pairs
            return out

        setattr(engine, name, wrapper)

    for name, stage in (("sketch_stream", "sketch"), ("candidate_stage", "candidates"),
                        ("judge_pairs", "judge")):
        if hasattr(engine, name):
            observe(name, stage)
    workers = Descendants()
    try:
        with workers:
            cpu0 = cpu_seconds(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            if folder is None:
                judged = engine.scan_documents(documents, config)
                pairs, clusters, stats = judged.pairs, judged.clusters, judged.stats
            else:
                result = engine.scan(folder, config)
                pairs, clusters, stats = result.pairs, result.clusters, result.stats
                documents = result.documents
                del result
            wall = time.perf_counter() - t0
            cpu_self = cpu_seconds(resource.RUSAGE_SELF) - cpu0
            cpu_workers = workers.cpu()
    finally:
        for name, inner in originals.items():
            setattr(engine, name, inner)
    cpu_total = cpu_self + cpu_workers
    stage_cpu.pop("candidates", None)
    if "sketch" in stage_cpu and "judge" in stage_cpu:
        # the candidates stage (sketch -> judge) and the tail (clusters) in the main process
        stage_cpu["candidates+rest"] = cpu_total - stage_cpu["sketch"] - stage_cpu["judge"]
    ids = [d.id for d in documents]
    candidates = {tuple(sorted((ids[i], ids[j]))) for i, j in captured.get("pairs", np.empty(
        (0, 2), dtype=np.int64)).tolist()}
    reported = {tuple(sorted((p.a, p.b))): p for p in pairs}
    result = score(set(reported), truth)
    kind_of = {tuple(sorted((s, c))): k for s, c, k in truth}
    verdicts: dict = {k: Counter() for k in KINDS}
    for key, pair in reported.items():
        if key in kind_of:
            verdicts[kind_of[key]][pair.verdict] += 1
    extra_verdicts = Counter(reported[p].verdict for p in reported if p not in kind_of)
    seconds = stats["seconds"]
    return {
        "system": "ours", "docs": len(documents), "seconds": seconds, "wall": wall,
        "entry": "scan_documents, texts in memory" if folder is None else
                 "scan of the files (read, streamed, texts spilled to disk)",
        "sketch_seconds": seconds.get("sketch", 0.0) + seconds.get("candidates", 0.0),
        "candidates": stats["candidates"], "reported": stats["reported"],
        "clusters": len(clusters), "stats": {k: v for k, v in stats.items() if k not in (
            "seconds", "candidates", "reported", "documents")},
        "cpu_self": cpu_self, "cpu_children": cpu_workers,
        "cpu_total": cpu_total, "stage_cpu": stage_cpu, "stage_rss": stage_rss,
        "cpu_sketch_stages": (stage_cpu["sketch"] + stage_cpu["candidates+rest"]
                              if "candidates+rest" in stage_cpu else float("nan")),
        "workers": _workers(config), "rss_loaded_mb": rss_loaded,
        "rss_self_mb": peak_mb(resource.RUSAGE_SELF),
        "rss_children_mb": workers.peak_mb(),
        "candidate_recall": score(candidates, truth)["recall"],
        "verdicts": {k: dict(v) for k, v in verdicts.items()},
        "extra_verdicts": dict(extra_verdicts), **result,
    }


def run_cli(folder: Path, truth, args) -> dict:
    """``derivdetect scan FOLDER --out OUT -q`` (a fresh output folder, the cache on, the full
    report) as a process of its own, timed from outside it: wall time, CPU time and peak RSS
    of it and its workers; the stage table from its ``pairs.json``; recall of its pairs."""
    import shlex

    out = Path(tempfile.mkdtemp(prefix="derivdetect-speed-report-"))
    report = out / "report"
    cmd = [sys.executable, "-m", "derivdetect", "scan", str(folder), "--out", str(report), "-q",
           "--workers", str(args.workers)]
    if args.set:
        settings = out / "settings.toml"
        settings.write_text("".join(f"{k.strip()} = {v}\n" for k, _, v in
                                    (item.partition("=") for item in args.set)))
        cmd += ["--config", str(settings)]
    with Descendants() as processes:
        t0 = time.perf_counter()
        child = subprocess.Popen(cmd)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t0
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"speed.py: {shlex.join(cmd)} failed (exit {child.returncode})")
    data = json.loads((report / "pairs.json").read_text(encoding="utf-8"))
    stats = data["scan"]["stats"]
    seconds = stats["seconds"]
    main_cpu, main_peak = processes.seen.get(child.pid, (0.0, 0.0))
    workers = {pid: v for pid, v in processes.seen.items() if pid != child.pid}
    cpu_total = usage.ru_utime + usage.ru_stime
    reported = {tuple(sorted((p["a"], p["b"]))): p for p in data["pairs"]}
    kind_of = {tuple(sorted((s, c))): k for s, c, k in truth}
    verdicts: dict = {k: Counter() for k in KINDS}
    for key, pair in reported.items():
        if key in kind_of:
            verdicts[kind_of[key]][pair["verdict"]] += 1
    report_bytes = sum(f.stat().st_size for f in report.rglob("*") if f.is_file())
    shutil.rmtree(out, ignore_errors=True)
    return {
        "system": "ours", "docs": stats["documents"], "seconds": seconds, "wall": wall,
        "outside": wall - sum(seconds.values()), "command": shlex.join(cmd),
        "entry": "scan, the command line, end to end (fresh output folder: full report, cache)",
        "sketch_seconds": seconds.get("sketch", 0.0) + seconds.get("candidates", 0.0),
        "candidates": stats["candidates"], "reported": stats["reported"],
        "clusters": len(data["clusters"]),
        "stats": {"report_mb": round(report_bytes / 1e6, 1), **{k: v for k, v in stats.items() if k in (
            "sketch_bytes", "furniture_lines", "skipped", "sketches_reused")}},
        "cpu_self": main_cpu, "cpu_children": max(0.0, cpu_total - main_cpu),
        "cpu_total": cpu_total, "stage_cpu": {}, "stage_rss": {},
        "cpu_sketch_stages": float("nan"), "workers": args.workers or os.cpu_count() or 1,
        "rss_loaded_mb": float("nan"), "rss_self_mb": main_peak,
        "rss_children_mb": max((mb for _, mb in workers.values()), default=0.0),
        "rss_whole_mb": usage.ru_maxrss / 1024,
        "candidate_recall": {k: [0, 0] for k in KINDS},
        "verdicts": {k: dict(v) for k, v in verdicts.items()},
        "extra_verdicts": dict(Counter(p["verdict"] for key, p in reported.items()
                                       if key not in kind_of)),
        **score(set(reported), truth),
    }


def _workers(config) -> int:
    return config.workers or os.cpu_count() or 1


# ---------------------------------------------------------------------------- printing


def print_corpus(meta: dict) -> None:
    counts = meta["counts"]
    print(f"corpus: {meta['docs']:,} docs, {meta['mb']:.1f} MB of text (UTF-8, 10^6 bytes), "
          f"{meta['words'] / meta['docs']:.0f} words/doc, seed {meta['seed']}, "
          f"generated in {meta['seconds']:.1f} s")
    print("  injected: " + ", ".join(f"{counts[k]} {k}" for k in KINDS)
          + f"; {counts['original']:,} originals")


def print_ours(r: dict, mb: float) -> None:
    s = r["seconds"]
    print(f"\n== derivdetect {r.get('entry', 'scan_documents')} (Config(workers={r['config_workers']}): "
          f"{r['workers']} cores: sketching threads, judging processes)")
    if r.get("command"):
        print(f"  command: {r['command']}")
    print(f"  {'stage (stats.seconds)':<52} {'seconds':>8} {'share':>6}")
    for k, v in s.items():
        print(f"  {k:<52} {v:8.2f} {v / r['wall']:6.1%}")
    print(f"  {'sum of the stages':<52} {sum(s.values()):8.2f} {sum(s.values()) / r['wall']:6.1%}"
          f"   (end to end {r['wall']:.2f} s)")
    if "outside" in r:
        print(f"  {'not in pairs.json: its bytes written, the swap, exit':<52} "
              f"{r['outside']:8.2f} {r['outside'] / r['wall']:6.1%}   (whole process, timed "
              "from outside it)")
    print(f"  sketch stages (sketch+candidates): {rate(r['docs'], r['sketch_seconds']):,.0f} "
          f"articles/s, {rate(mb, r['sketch_seconds']):.2f} MB/s")
    print(f"  end to end:                        {rate(r['docs'], r['wall']):,.0f} "
          f"articles/s, {rate(mb, r['wall']):.2f} MB/s")
    if r.get("page_processes"):
        print(f"  report pages written by {r['page_processes']} processes")
    print(f"  CPU time (s): main process (with its threads) {r['cpu_self']:.1f}, worker processes "
          f"{r['cpu_children']:.1f}; per stage (both): "
          + ", ".join(f"{k} {v:.1f}" for k, v in r["stage_cpu"].items()))
    print(f"  CPU ms per article: sketch stages {1000 * r['cpu_sketch_stages'] / r['docs']:.2f},"
          f" end to end {1000 * r['cpu_total'] / r['docs']:.2f}")
    extra = dict(r["stats"])
    if "sketch_bytes" in extra:
        extra["sketch_bytes"] = f"{extra['sketch_bytes'] / 2**20:.1f} MiB"
    print(f"  candidates {r['candidates']:,}, reported pairs {r['reported']:,}, "
          f"clusters {r['clusters']:,}; " + ", ".join(f"{k} {v}" for k, v in extra.items()))
    print(f"  peak RSS: main process {r['rss_self_mb']:.0f} MB (corpus loaded: "
          f"{r['rss_loaded_mb']:.0f} MB), largest worker {r['rss_children_mb']:.0f} MB "
          f"(forked workers count pages shared with the main process)")
    if r.get("stage_rss"):
        print("  main process peak RSS so far, after: " + ", ".join(
            f"{k} {v:.0f} MB" for k, v in r["stage_rss"].items()))
    print("  recall of injected pairs (reported pair, either order) / as candidates:")
    for kind in KINDS:
        verdicts = ", ".join(f"{v} {n}" for v, n in sorted(r["verdicts"][kind].items()))
        print(f"    {kind:8s} {pct(r['recall'][kind])}  / {pct(r['candidate_recall'][kind])}"
              f"   [{verdicts}]")
    print(f"  reported pairs not in the truth: {r['extra_same_family'] + r['extra_other']} "
          f"({r['extra_same_family']} between copies of one source, {r['extra_other']} other"
          + (f": {r['extra_verdicts']}" if r["extra_verdicts"] else "") + ")")
    for kind in KINDS:
        if r["missed"][kind]:
            print(f"    missed {kind}: " + ", ".join(f"{a}~{b}" for a, b in r["missed"][kind]))
    if r["extra_other_pairs"]:
        print("    other pairs: " + ", ".join(f"{a}~{b}" for a, b in r["extra_other_pairs"][:10]))
    print_load(r)


def print_comparison(ours: dict, bases: list) -> None:
    print("\n== comparison (docs/s: wall clock; CPU ms/doc: all processes, robust to other load)")
    head = (f"{'system':40s} {'docs/s':>7s} {'docs/s':>7s} {'CPU ms/doc':>10s} {'CPU ms/doc':>10s}"
            f" {'peak RSS MB':>12s}  " + "  ".join(f"{k:>7s}" for k in KINDS))
    sub = (f"{'':40s} {'sketch':>7s} {'e2e':>7s} {'sketch':>10s} {'e2e':>10s} {'':>12s}  "
           + "  ".join(f"{'recall':>7s}" for _ in KINDS))
    print(head)
    print(sub)
    print("-" * len(head))

    def row(name, cells, recall):
        rec = "  ".join(f"{h / t:7.1%}" if t else f"{'n/a':>7s}" for h, t in
                        (recall[k] for k in KINDS))
        widths = (7, 7, 10, 10, 12)
        print(f"{name:40s} " + " ".join(f"{c:>{w}s}" for c, w in zip(cells, widths)) + f"  {rec}")

    n = ours["docs"]
    row(f"derivdetect ({ours['workers']} cores), reported",
        (f"{rate(n, ours['sketch_seconds']):,.0f}", f"{rate(n, ours['wall']):,.0f}",
         f"{1000 * ours['cpu_sketch_stages'] / n:.2f}", f"{1000 * ours['cpu_total'] / n:.2f}",
         f"{ours['rss_self_mb']:.0f}+{ours['rss_children_mb']:.0f}w"), ours["recall"])
    row("derivdetect, its candidates", ("",) * 5, ours["candidate_recall"])
    names = {"baseline": "datasketch plain (1 proc), candidates",
             "best": "datasketch at its best (1 proc), cand."}
    for base in bases:
        base_rate = rate(base["docs"], base["wall"])
        cpu = 1000 * base["cpu_total"] / base["docs"]
        row(names[base["system"]],
            (f"{base_rate:,.0f}", f"{base_rate:,.0f}*", f"{cpu:.2f}", f"{cpu:.2f}*",
             f"{base['rss_self_mb']:.0f}"), base["recall"])
    if bases:
        print("  * a baseline has no verification stage: end to end = its sketch stages, and its"
              " recall counts candidate pairs")
    print("  peak RSS 'M+Nw': main process + largest worker process (forked: shares pages)")
    for base in bases:
        base_rate = rate(base["docs"], base["wall"])
        cpu = 1000 * base["cpu_total"] / base["docs"]
        ratio = rate(n, ours["sketch_seconds"]) / base_rate
        print(f"speed ratio ours / datasketch {base['system']}, sketch stages (sketch+candidates):"
              f" {ratio:.2f}x in docs/s ({ours['workers']} cores vs 1), "
              f"{cpu / (1000 * ours['cpu_sketch_stages'] / n):.2f}x in CPU time per doc")
        print(f"speed ratio ours end to end / datasketch {base['system']}: "
              f"{rate(n, ours['wall']) / base_rate:.2f}x in docs/s, "
              f"{cpu / (1000 * ours['cpu_total'] / n):.2f}x in CPU time per doc")
    loads = [r.get("other_load") for r in (ours, *bases) if r.get("other_load") is not None]
    if loads and max(loads) > 0.05:
        print(f"  WARNING: other processes used up to {max(loads):.0%} of the CPUs during these "
              "runs; wall-clock rates are pessimistic, CPU ms/doc are the figures to compare")


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    def _version(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"cpus": os.cpu_count(), "usable_cpus": affinity,
            "processor": platform.processor() or "", "model": model, "memory": mem,
            "python": platform.python_version(), "platform": platform.platform(),
            "numpy": _version("numpy"), "datasketch": _version("datasketch"),
            "derivdetect": _version("derivdetect"), "checkout": _git_state()}


def print_machine(m: dict) -> None:
    print(f"\n== machine: {m['cpus']} CPUs ({m['usable_cpus']} usable), "
          f"{m['model'] or m['processor'] or 'unknown CPU'}"
          + (f" [platform.processor(): {m['processor']}]" if m["processor"] else "")
          + f", {m['memory']} RAM")
    print(f"   Python {m['python']} on {m['platform']}; numpy {m['numpy']}, datasketch "
          f"{m['datasketch']}, derivdetect {m['derivdetect']}")
    print(f"   checkout measured: {m['checkout']}")


# ---------------------------------------------------------------------------- driver


def _corpus_meta(corpus) -> dict:
    texts = [t for _, t in corpus.docs]
    return {"docs": len(texts), "mb": sum(len(t.encode("utf-8")) for t in texts) / 1e6,
            "words": sum(len(t.split()) for t in texts), "seed": corpus.seed,
            "seconds": corpus.seconds, "counts": corpus.counts}


def _run_one(system: str, corpus, meta: dict, args) -> dict:
    folder = Path(args.files) if args.files else None   # internal: the folder
    if system == "ours" and args.cli:
        result = run_cli(folder, corpus.truth, args)
        result["config_workers"] = args.workers
    elif system == "ours":
        result = run_ours(corpus.docs, corpus.truth, _config(args), folder)
        result["config_workers"] = args.workers
    elif system == "best":
        result = run_best(corpus.docs, corpus.truth, folder=folder)
    else:
        result = run_baseline(corpus.docs, corpus.truth, folder=folder)
    result["mb"] = meta["mb"]
    return result


def _read_corpus(folder: Path):
    """A corpus written by ``--write-corpus``: its texts and DIR-truth.csv."""
    docs = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.iterdir())
            if p.is_file()]
    lines = (folder.parent / f"{folder.name}-truth.csv").read_text(encoding="utf-8").split()
    truth = [tuple(line.split(",")) for line in lines[1:]]
    counts = Counter(k for _, _, k in truth)
    counts["original"] = len(docs) - len(truth)
    return _synth.Corpus(docs, truth, None, 0.0, dict(counts))


def _write_files(corpus, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, text in corpus.docs:
        (folder / doc_id).write_text(text, encoding="utf-8")


def _write_corpus(corpus, folder: Path) -> None:
    _write_files(corpus, folder)
    with open(folder.parent / f"{folder.name}-truth.csv", "w", encoding="utf-8") as f:
        f.write("source,copy,kind\n")
        f.writelines(f"{s},{c},{k}\n" for s, c, k in corpus.truth)
    print(f"wrote {len(corpus.docs):,} files to {folder} and the truth to "
          f"{folder.parent / (folder.name + '-truth.csv')}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20_000, help="articles (default 20000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--workers", type=int, default=0,
                        help="derivdetect Config.workers (default 0: one per core)")
    parser.add_argument("--no-baseline", action="store_true", help="skip datasketch")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="override a derivdetect Config field (repeatable)")
    parser.add_argument("--only", choices=SYSTEMS + ("generate",),
                        help="run one system in this process (the corpus is generated here "
                             "unless --corpus is given); 'generate' only writes --corpus")
    parser.add_argument("--files", nargs="?", const="", default=None, metavar="",
                        help="write the corpus as files and run derivdetect's scan on the "
                             "folder (reading and streaming included); baseline: datasketch "
                             "at its best on the same files")
    parser.add_argument("--cli", action="store_true",
                        help="as --files, but run the command line 'derivdetect scan FOLDER "
                             "--out OUT' end to end (the full report, the cache), timed as a "
                             "whole process; baseline: datasketch at its best on the files")
    parser.add_argument("--from", dest="source", metavar="DIR",
                        help="with --files or --cli: scan the files of DIR (written by "
                             "--write-corpus, its truth in DIR-truth.csv) instead of "
                             "generating a corpus")
    parser.add_argument("--plain-baseline", action="store_true",
                        help="with --files or --cli: also run datasketch the plain way")
    parser.add_argument("--corpus", help=argparse.SUPPRESS)   # pickled corpus (internal)
    parser.add_argument("--result", help=argparse.SUPPRESS)   # JSON result file (internal)
    parser.add_argument("--write-corpus", metavar="DIR",
                        help="write the corpus as .txt files (and DIR-truth.csv), then exit")
    args = parser.parse_args(argv)
    if args.cli and args.files is None:
        args.files = ""
    if args.docs < 10:
        parser.error("--docs must be at least 10")

    if args.only == "generate" and args.source:   # internal: an existing corpus folder
        corpus = _read_corpus(Path(args.source))
        meta = _corpus_meta(corpus)
        with open(args.corpus, "wb") as f:
            pickle.dump(([], corpus.truth, meta), f, protocol=pickle.HIGHEST_PROTOCOL)
        Path(args.result).write_text(json.dumps(meta))
        return 0
    if args.only == "generate":                   # internal: the corpus, in its own process
        corpus = _synth.generate(args.docs, args.seed)
        meta = _corpus_meta(corpus)
        docs = corpus.docs
        if args.files:
            _write_files(corpus, Path(args.files))
            docs = []
        with open(args.corpus, "wb") as f:
            pickle.dump((docs, corpus.truth, meta), f, protocol=pickle.HIGHEST_PROTOCOL)
        Path(args.result).write_text(json.dumps(meta))
        return 0
    if args.only:
        if args.corpus:
            with open(args.corpus, "rb") as f:
                docs, truth, meta = pickle.load(f)
            corpus = _synth.Corpus(docs, truth, meta["seed"], meta["seconds"], meta["counts"])
        else:
            corpus = _synth.generate(args.docs, args.seed)
            meta = _corpus_meta(corpus)
            print_corpus(meta)
        result = _run_one(args.only, corpus, meta, args)
        if args.result:
            Path(args.result).write_text(json.dumps(result))
        else:
            (print_ours if args.only == "ours" else print_baseline)(result, meta["mb"])
        return 0
    if args.source:
        args.only = None

    if args.write_corpus:
        corpus = _synth.generate(args.docs, args.seed)
        print_corpus(_corpus_meta(corpus))
        _write_corpus(corpus, Path(args.write_corpus))
        return 0
    # This process only launches the others and stays small: Linux carries a process's peak
    # RSS across fork and exec into the child's ru_maxrss, so a parent holding the corpus
    # would set a floor under every system's peak.
    info = machine()
    systems = ["ours"]
    if args.no_baseline:
        pass
    elif args.docs > BASELINE_MAX_DOCS and not args.source:
        print(f"(baselines skipped: more than {BASELINE_MAX_DOCS:,} docs)")
    elif args.files is not None:
        systems += ["best"] + (["baseline"] if args.plain_baseline else [])
    else:
        systems += ["best", "baseline"]
    results = {}
    script = str(Path(__file__).resolve())
    with tempfile.TemporaryDirectory(prefix="derivdetect-speed-") as tmp:
        path = Path(tmp) / "corpus.pickle"
        meta_path = Path(tmp) / "corpus.json"
        files = Path(tmp) / "corpus"
        extra = ["--files", str(files)] if args.files is not None else []
        if args.source:
            files = Path(args.source).resolve()
            extra = ["--files", str(files), "--from", str(files)]
        done = subprocess.run([sys.executable, script, "--only", "generate", "--docs",
                               str(args.docs), "--seed", str(args.seed), "--corpus", str(path),
                               "--result", str(meta_path)] + extra)
        if done.returncode != 0:
            print("speed.py: generating the corpus failed", file=sys.stderr)
            return 1
        meta = json.loads(meta_path.read_text())
        print_corpus(meta)
        for system in systems:
            out = Path(tmp) / f"{system}.json"
            cmd = [sys.executable, script, "--only", system,
                   "--corpus", str(path), "--result", str(out), "--workers", str(args.workers)]
            if args.files is not None:
                cmd += ["--files", str(files)] + (["--cli"] if args.cli else [])
            for item in args.set or ():
                cmd += ["--set", item]
            busy0, total0 = machine_busy()
            ours0 = cpu_seconds(resource.RUSAGE_CHILDREN)
            done = subprocess.run(cmd)
            busy1, total1 = machine_busy()
            ours_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - ours0
            if done.returncode != 0:
                print(f"speed.py: the {system} run failed (exit {done.returncode})",
                      file=sys.stderr)
                return 1
            results[system] = json.loads(out.read_text())
            results[system]["other_load"] = max(0.0, (busy1 - busy0) - ours_cpu) / max(
                total1 - total0, 1e-9)
            (print_ours if system == "ours" else print_baseline)(results[system], meta["mb"])
    print_comparison(results["ours"], [results[s] for s in ("best", "baseline") if s in results])
    print(f"  (this launcher's own peak RSS, a floor under both: "
          f"{peak_mb(resource.RUSAGE_SELF):.0f} MB)")
    print_machine(info)
    return 0


if __name__ == "__main__":
    sys.exit(main())

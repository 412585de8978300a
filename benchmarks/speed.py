"""Speed, memory and recall on a synthetic corpus, against plain datasketch MinHash LSH.

Generates ``--docs`` synthetic news articles with injected exact copies, light edits, rewrites
and partial lifts (``_synth.py``), then runs, each in a fresh Python process of this script
(``--only ours|baseline``) so that peak RSS is per system:

* **ours**: ``derivdetect.engines.local.scan_documents`` with ``Config(workers=0)`` (every core:
  sketching threads, judging processes), as ``derivdetect scan`` runs it on these files;
* **baseline**: datasketch the plain way: ``MinHash(num_perm=128)`` per document,
  ``update_batch`` over its word 5-gram strings (lower-cased ``\\w+`` tokens), inserted into
  ``MinHashLSH(threshold=0.3, num_perm=128)``, then ``query`` with every document. One process;
  no verification stage: its pairs are candidates. Up to 100,000 documents.

Prints the corpus, each system's stage times, rates, peak RSS and recall of the injected pairs
per kind, a comparison table and the machine.

    .venv/bin/python benchmarks/speed.py [--docs 20000] [--seed 0] [--workers 0]
                                         [--no-baseline] [--set KEY=VALUE ...]
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
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

try:
    from . import _synth  # imported as benchmarks.speed
except ImportError:  # run as a script
    import _synth

BASELINE_MAX_DOCS = 100_000
KINDS = _synth.KINDS
SYSTEMS = ("ours", "baseline")


# ---------------------------------------------------------------------------- helpers


def _peak_mb(who) -> float:
    """Peak resident set size (Linux reports KB)."""
    return resource.getrusage(who).ru_maxrss / 1024


def _current_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return float("nan")


def _cpu_seconds(who) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class _Descendants:
    """CPU time and peak RSS of every process descended from this one, sampled from ``/proc``
    every 50 ms by a thread, whatever starts them (``RUSAGE_CHILDREN`` sees only the children
    this process has reaped). A worker's CPU time is its last sample (at most 50 ms short),
    its peak RSS its kernel high-water mark (``VmHWM``; a forked worker counts the pages it
    shares with this process)."""

    def __init__(self, interval: float = 0.05):
        import threading

        self.seen: dict = {}              # pid -> (cpu seconds, peak MB)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self):
        parents = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    with open(f"/proc/{name}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    parents[int(name)] = (int(fields[1]), fields)
                except (OSError, IndexError, ValueError):
                    continue
        me = os.getpid()
        for pid, (ppid, fields) in parents.items():
            ancestor, hops = ppid, 0
            while ancestor not in (me, 0, 1) and ancestor in parents and hops < 20:
                ancestor, hops = parents[ancestor][0], hops + 1
            if ancestor != me:
                continue
            cpu = (int(fields[11]) + int(fields[12])) / self._tick
            try:
                with open(f"/proc/{pid}/status") as f:
                    hwm = next((int(line.split()[1]) / 1024 for line in f
                                if line.startswith("VmHWM:")), 0.0)
            except OSError:
                hwm = self.seen.get(pid, (0.0, 0.0))[1]
            self.seen[pid] = (cpu, max(hwm, self.seen.get(pid, (0.0, 0.0))[1]))

    def cpu(self) -> float:
        self.sample()
        return sum(cpu for cpu, _ in self.seen.values())

    def peak_mb(self) -> float:
        return max((mb for _, mb in self.seen.values()), default=0.0)


def _machine_busy() -> tuple:
    """(busy, total) CPU seconds of the whole machine since boot (``/proc/stat``)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return (float("nan"), float("nan"))
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    tick = os.sysconf("SC_CLK_TCK")
    busy = user + nice + system + irq + softirq + steal
    return busy / tick, (busy + idle + iowait) / tick


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


def _families(truth) -> dict:
    """Document id -> family root: a source and all its injected copies."""
    parent: dict = {}

    def root(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for src, copy, _ in truth:
        parent[root(src)] = root(copy)
    return {x: root(x) for x in list(parent)}


def score(found: set, truth) -> dict:
    """Recall of the truth pairs per kind (``found`` holds sorted id pairs), and the found
    pairs outside the truth: within one family (two copies of one source) or not."""
    out = {"recall": {}, "missed": {}}
    truth_pairs = set()
    for kind in KINDS:
        pairs = [tuple(sorted((s, c))) for s, c, k in truth if k == kind]
        truth_pairs.update(pairs)
        hits = sum(p in found for p in pairs)
        out["recall"][kind] = [hits, len(pairs)]
        out["missed"][kind] = [p for p in pairs if p not in found][:5]
    family = _families(truth)
    extra = [p for p in found if p not in truth_pairs]
    same = sum(1 for a, b in extra if a in family and family.get(a) == family.get(b))
    out["extra_same_family"] = same
    out["extra_other"] = len(extra) - same
    out["extra_other_pairs"] = sorted(p for p in extra if not (
        p[0] in family and family.get(p[0]) == family.get(p[1])))[:20]
    return out


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
    rss_loaded = _current_mb()
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
            before = _cpu_seconds(resource.RUSAGE_SELF) + workers.cpu()
            out = inner(*a, **kw)
            stage_cpu[stage] = stage_cpu.get(stage, 0.0) + (
                _cpu_seconds(resource.RUSAGE_SELF) + workers.cpu() - before)
            stage_rss[stage] = _peak_mb(resource.RUSAGE_SELF)
            if name == "candidate_stage":
                captured["pairs"] = out.pairs
            return out

        setattr(engine, name, wrapper)

    for name, stage in (("sketch_stream", "sketch"), ("candidate_stage", "candidates"),
                        ("judge_pairs", "judge")):
        if hasattr(engine, name):
            observe(name, stage)
    workers = _Descendants()
    try:
        with workers:
            cpu0 = _cpu_seconds(resource.RUSAGE_SELF)
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
            cpu_self = _cpu_seconds(resource.RUSAGE_SELF) - cpu0
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
        "rss_self_mb": _peak_mb(resource.RUSAGE_SELF),
        "rss_children_mb": workers.peak_mb(),
        "candidate_recall": score(candidates, truth)["recall"],
        "verdicts": {k: dict(v) for k, v in verdicts.items()},
        "extra_verdicts": dict(extra_verdicts), **result,
    }


def _cpu_totals(cpu: float) -> dict:
    return {"cpu_total": cpu, "cpu_sketch_stages": cpu}


def _workers(config) -> int:
    return config.workers or os.cpu_count() or 1


_TOKEN = re.compile(r"\w+")


def run_baseline(docs, truth, num_perm: int = 128, threshold: float = 0.3) -> dict:
    """datasketch the plain way; its pairs are LSH candidates (no verification)."""
    from datasketch import MinHash, MinHashLSH

    rss_loaded = _current_mb()
    cpu0 = _cpu_seconds(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    sketches = []
    for _, text in docs:
        words = _TOKEN.findall(text.lower())
        shingles = [" ".join(words[i: i + 5]).encode("utf-8") for i in range(len(words) - 4)]
        m = MinHash(num_perm=num_perm)
        m.update_batch(shingles)
        sketches.append(m)
    t1 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for (doc_id, _), m in zip(docs, sketches):
        lsh.insert(doc_id, m)
    t2 = time.perf_counter()
    found = set()
    for (doc_id, _), m in zip(docs, sketches):
        for other in lsh.query(m):
            if other != doc_id:
                found.add((doc_id, other) if doc_id < other else (other, doc_id))
    t3 = time.perf_counter()
    return {
        "system": "baseline", "docs": len(docs), "wall": t3 - t0, "sketch_seconds": t3 - t0,
        "seconds": {"minhash": round(t1 - t0, 3), "insert": round(t2 - t1, 3),
                    "query": round(t3 - t2, 3)},
        "candidates": len(found), "workers": 1, "rss_loaded_mb": rss_loaded,
        "cpu_self": _cpu_seconds(resource.RUSAGE_SELF) - cpu0, "cpu_children": 0.0,
        "stage_cpu": {}, **_cpu_totals(_cpu_seconds(resource.RUSAGE_SELF) - cpu0),
        "rss_self_mb": _peak_mb(resource.RUSAGE_SELF),
        "rss_children_mb": _peak_mb(resource.RUSAGE_CHILDREN),
        "b_r": [lsh.b, lsh.r], **score(found, truth),
    }


# ---------------------------------------------------------------------------- printing


def _pct(hits_total) -> str:
    hits, total = hits_total
    return f"{hits / total:6.1%} ({hits}/{total})" if total else "   n/a"


def _rate(n: float, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def print_corpus(meta: dict) -> None:
    counts = meta["counts"]
    print(f"corpus: {meta['docs']:,} docs, {meta['mb']:.1f} MB of text (UTF-8, 10^6 bytes), "
          f"{meta['words'] / meta['docs']:.0f} words/doc, seed {meta['seed']}, "
          f"generated in {meta['seconds']:.1f} s")
    print("  injected: " + ", ".join(f"{counts[k]} {k}" for k in KINDS)
          + f"; {counts['original']:,} originals")


def _print_load(r: dict) -> None:
    share = r.get("other_load")
    if share is None:
        return
    note = ("  WARNING: the machine was shared, wall times are inflated; compare CPU times"
            if share > 0.05 else "")
    print(f"  other processes used {share:.0%} of the machine's CPU time during this run{note}")


def print_ours(r: dict, mb: float) -> None:
    s = r["seconds"]
    print(f"\n== derivdetect {r.get('entry', 'scan_documents')} (Config(workers={r['config_workers']}): "
          f"{r['workers']} cores: sketching threads, judging processes)")
    print(f"  {'stage (stats.seconds)':<44} {'seconds':>8} {'share':>6}")
    for k, v in s.items():
        print(f"  {k:<44} {v:8.2f} {v / r['wall']:6.1%}")
    print(f"  {'sum of the stages':<44} {sum(s.values()):8.2f} {sum(s.values()) / r['wall']:6.1%}"
          f"   (end to end {r['wall']:.2f} s)")
    print(f"  sketch stages (sketch+candidates): {_rate(r['docs'], r['sketch_seconds']):,.0f} "
          f"articles/s, {_rate(mb, r['sketch_seconds']):.2f} MB/s")
    print(f"  end to end:                        {_rate(r['docs'], r['wall']):,.0f} "
          f"articles/s, {_rate(mb, r['wall']):.2f} MB/s")
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
        print(f"    {kind:8s} {_pct(r['recall'][kind])}  / {_pct(r['candidate_recall'][kind])}"
              f"   [{verdicts}]")
    print(f"  reported pairs not in the truth: {r['extra_same_family'] + r['extra_other']} "
          f"({r['extra_same_family']} between copies of one source, {r['extra_other']} other"
          + (f": {r['extra_verdicts']}" if r["extra_verdicts"] else "") + ")")
    for kind in KINDS:
        if r["missed"][kind]:
            print(f"    missed {kind}: " + ", ".join(f"{a}~{b}" for a, b in r["missed"][kind]))
    if r["extra_other_pairs"]:
        print("    other pairs: " + ", ".join(f"{a}~{b}" for a, b in r["extra_other_pairs"][:10]))
    _print_load(r)


def print_baseline(r: dict, mb: float) -> None:
    s = r["seconds"]
    print(f"\n== datasketch baseline: MinHash(num_perm=128).update_batch(word 5-gram strings), "
          f"MinHashLSH(threshold=0.3), query each (1 process; bands x rows = "
          f"{r['b_r'][0]} x {r['b_r'][1]})")
    print("  NO verification stage: its pairs are LSH candidates, recall counts candidates")
    print(f"  stages (s): minhash {s['minhash']:.2f}, insert {s['insert']:.2f}, "
          f"query {s['query']:.2f}; total {r['wall']:.2f}")
    print(f"  {_rate(r['docs'], r['wall']):,.0f} articles/s, {_rate(mb, r['wall']):.2f} MB/s; "
          f"CPU time {r['cpu_self']:.1f} s ({1000 * r['cpu_self'] / r['docs']:.2f} ms per article)")
    print(f"  candidate pairs {r['candidates']:,}")
    print(f"  peak RSS: {r['rss_self_mb']:.0f} MB (corpus loaded: {r['rss_loaded_mb']:.0f} MB)")
    print("  recall of injected pairs (candidate pair, either order):")
    for kind in KINDS:
        print(f"    {kind:8s} {_pct(r['recall'][kind])}")
    print(f"  candidate pairs not in the truth: {r['extra_same_family'] + r['extra_other']} "
          f"({r['extra_same_family']} between copies of one source, {r['extra_other']} other)")
    _print_load(r)


def print_comparison(ours: dict, base: dict | None) -> None:
    print("\n== comparison (docs/s: wall clock; CPU ms/doc: all processes, robust to other load)")
    head = (f"{'system':34s} {'docs/s':>7s} {'docs/s':>7s} {'CPU ms/doc':>10s} {'CPU ms/doc':>10s}"
            f" {'peak RSS MB':>12s}  " + "  ".join(f"{k:>7s}" for k in KINDS))
    sub = (f"{'':34s} {'sketch':>7s} {'e2e':>7s} {'sketch':>10s} {'e2e':>10s} {'':>12s}  "
           + "  ".join(f"{'recall':>7s}" for _ in KINDS))
    print(head)
    print(sub)
    print("-" * len(head))

    def row(name, cells, recall):
        rec = "  ".join(f"{h / t:7.1%}" if t else f"{'n/a':>7s}" for h, t in
                        (recall[k] for k in KINDS))
        widths = (7, 7, 10, 10, 12)
        print(f"{name:34s} " + " ".join(f"{c:>{w}s}" for c, w in zip(cells, widths)) + f"  {rec}")

    n = ours["docs"]
    row(f"derivdetect ({ours['workers']} cores), reported",
        (f"{_rate(n, ours['sketch_seconds']):,.0f}", f"{_rate(n, ours['wall']):,.0f}",
         f"{1000 * ours['cpu_sketch_stages'] / n:.2f}", f"{1000 * ours['cpu_total'] / n:.2f}",
         f"{ours['rss_self_mb']:.0f}+{ours['rss_children_mb']:.0f}w"), ours["recall"])
    row("derivdetect, its candidates", ("",) * 5, ours["candidate_recall"])
    if base:
        rate = _rate(base["docs"], base["wall"])
        cpu = 1000 * base["cpu_total"] / base["docs"]
        row("datasketch (1 proc), candidates",
            (f"{rate:,.0f}", f"{rate:,.0f}*", f"{cpu:.2f}", f"{cpu:.2f}*",
             f"{base['rss_self_mb']:.0f}"), base["recall"])
        print("  * the baseline has no verification stage: end to end = its sketch stages, and its"
              " recall counts candidate pairs")
        print("  peak RSS 'M+Nw': main process + largest worker process (forked: shares pages)")
        ratio = _rate(n, ours["sketch_seconds"]) / rate
        print(f"speed ratio ours/baseline, sketch stages: {ratio:.2f}x in docs/s "
              f"({ours['workers']} cores vs 1), "
              f"{cpu / (1000 * ours['cpu_sketch_stages'] / n):.2f}x in CPU time per doc")
        print(f"speed ratio ours end to end / baseline: {_rate(n, ours['wall']) / rate:.2f}x in "
              f"docs/s, {cpu / (1000 * ours['cpu_total'] / n):.2f}x in CPU time per doc")
    loads = [r.get("other_load") for r in (ours, base) if r and r.get("other_load") is not None]
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
    if system == "ours":
        folder = Path(args.files) if args.files else None   # internal: the folder
        result = run_ours(corpus.docs, corpus.truth, _config(args), folder)
        result["config_workers"] = args.workers
    else:
        result = run_baseline(corpus.docs, corpus.truth)
    result["mb"] = meta["mb"]
    return result


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
                             "folder (reading and streaming included; no baseline)")
    parser.add_argument("--corpus", help=argparse.SUPPRESS)   # pickled corpus (internal)
    parser.add_argument("--result", help=argparse.SUPPRESS)   # JSON result file (internal)
    parser.add_argument("--write-corpus", metavar="DIR",
                        help="write the corpus as .txt files (and DIR-truth.csv), then exit")
    args = parser.parse_args(argv)
    if args.docs < 10:
        parser.error("--docs must be at least 10")

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
    if args.no_baseline or args.files is not None:
        pass
    elif args.docs > BASELINE_MAX_DOCS:
        print(f"(baseline skipped: more than {BASELINE_MAX_DOCS:,} docs)")
    else:
        systems.append("baseline")
    results = {}
    script = str(Path(__file__).resolve())
    with tempfile.TemporaryDirectory(prefix="derivdetect-speed-") as tmp:
        path = Path(tmp) / "corpus.pickle"
        meta_path = Path(tmp) / "corpus.json"
        files = Path(tmp) / "corpus"
        extra = ["--files", str(files)] if args.files is not None else []
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
            if args.files is not None and system == "ours":
                cmd += ["--files", str(files)]
            for item in args.set or ():
                cmd += ["--set", item]
            busy0, total0 = _machine_busy()
            ours0 = _cpu_seconds(resource.RUSAGE_CHILDREN)
            done = subprocess.run(cmd)
            busy1, total1 = _machine_busy()
            ours_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN) - ours0
            if done.returncode != 0:
                print(f"speed.py: the {system} run failed (exit {done.returncode})",
                      file=sys.stderr)
                return 1
            results[system] = json.loads(out.read_text())
            results[system]["other_load"] = max(0.0, (busy1 - busy0) - ours_cpu) / max(
                total1 - total0, 1e-9)
            (print_ours if system == "ours" else print_baseline)(results[system], meta["mb"])
    print_comparison(results["ours"], results.get("baseline"))
    print(f"  (this launcher's own peak RSS, a floor under both: "
          f"{_peak_mb(resource.RUSAGE_SELF):.0f} MB)")
    print_machine(info)
    return 0


if __name__ == "__main__":
    sys.exit(main())

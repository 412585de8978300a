"""The Spark engine against the local engine on generated corpora: time, per-stage time,
shuffle bytes per article, peak memory, and whether the two give the same pairs.json.

    .venv/bin/python benchmarks/spark.py                       # 20,000 and 100,000 articles
    .venv/bin/python benchmarks/spark.py --docs 20000 --master 'local[2]' --partitions 4

Each corpus is generated (``_synth.generate``, the corpus of ``speed.py``) and written as
``.txt`` files; each engine then scans the folder in a process of its own (``--engine``
internal), which writes its pairs.json payload (timings and engine stats aside) and its
figures; this process samples the memory of that process and all its descendants (the
JVM, Spark's Python workers, the local engine's workers) every 0.2 s from ``/proc`` and
keeps the peak of their sum. Shuffle bytes are the sum of every stage's shuffle writes, read
from Spark's REST API (``/api/v1/applications/ID/stages``; the UI is on for this benchmark
only). Prints IDENTICAL or DIFFERENT per corpus. Timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _tree_rss_mb(root: int) -> float:
    children: dict = {}
    rss: dict = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{name}/statm") as f:
                rss[int(name)] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total / 2**20


def _run_engine(engine: str, folder: Path, out: Path, args) -> dict:
    cmd = [sys.executable, __file__, "--engine", engine, "--folder", str(folder),
           "--result", str(out), "--master", args.master, "--partitions", str(args.partitions)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd)
    peak = [0.0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            done.wait(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    code = proc.wait()
    done.set()
    thread.join()
    if code:
        raise SystemExit(f"{engine} engine failed (exit {code})")
    result = json.loads(out.read_text())
    result["process_seconds"] = time.perf_counter() - started
    result["peak_mb"] = peak[0]
    return result


def _engine_main(args) -> int:
    """One scan in this process: writes ``{"seconds", "stats", "payload", "shuffle"}``."""
    from derivdetect import Config
    from derivdetect.report.tables import comparable_payload

    folder = Path(args.folder)
    config = Config()
    figures: dict = {}
    started = time.perf_counter()
    if args.engine == "local":
        from derivdetect.engines.local import scan

        result = scan(folder, config)
        figures["seconds"] = time.perf_counter() - started
    else:
        from derivdetect.engines import spark as engine

        partitions = args.partitions or None
        session = engine.spark_session(args.master, partitions, ui=True)
        figures["session_seconds"] = time.perf_counter() - started
        scan_started = time.perf_counter()
        result = engine.scan([folder], config, partitions=partitions, spark=session)
        figures["seconds"] = time.perf_counter() - started
        figures["scan_seconds"] = time.perf_counter() - scan_started
        figures["shuffle"] = _shuffle_bytes(session)
        figures["partitions"] = {k: result.stats["spark"][k]
                                 for k in ("partitions", "shuffle_partitions")}
        session.stop()
    figures["stats"] = {k: v for k, v in result.stats.items()
                        if k in ("seconds", "seconds_detail", "documents", "candidates",
                                 "reported")}
    figures["payload"] = comparable_payload(result)
    Path(args.result).write_text(json.dumps(figures))
    return 0


def _shuffle_bytes(session) -> dict:
    """Shuffle written and read, summed over every stage, from Spark's REST API."""
    from urllib.request import urlopen

    sc = session.sparkContext
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/stages"
    with urlopen(url, timeout=30) as response:
        stages = json.load(response)
    return {"write": sum(s.get("shuffleWriteBytes", 0) for s in stages),
            "read": sum(s.get("shuffleReadBytes", 0) for s in stages),
            "input": sum(s.get("inputBytes", 0) for s in stages),
            "stages": len(stages)}


def _print(n: int, local: dict, spark: dict) -> None:
    same = local["payload"] == spark["payload"]
    print(f"\n{n:,} articles: {'IDENTICAL' if same else 'DIFFERENT'} pairs.json "
          f"({len(local['payload']['pairs']):,} pairs, "
          f"{local['stats'].get('candidates', 0):,} candidates)")
    print(f"  local engine: {local['seconds']:.1f} s in the scan "
          f"({local['process_seconds']:.1f} s with start-up), peak {local['peak_mb']:,.0f} MB")
    for k, v in local["stats"]["seconds"].items():
        print(f"    {k:<40} {v:8.2f} s")
    sh = spark["shuffle"]
    print(f"  spark engine: {spark['scan_seconds']:.1f} s in the scan + "
          f"{spark['session_seconds']:.1f} s session start "
          f"({spark['process_seconds']:.1f} s with start-up), peak {spark['peak_mb']:,.0f} MB; "
          f"{spark['scan_seconds'] / local['seconds']:.2f}x the local scan; "
          f"{spark['partitions']['partitions']} partitions of documents, "
          f"{spark['partitions']['shuffle_partitions']} of each shuffle")
    for k, v in {**spark["stats"]["seconds"], **spark["stats"]["seconds_detail"]}.items():
        print(f"    {k:<40} {v:8.2f} s")
    print(f"    shuffle written {sh['write'] / 2**20:,.1f} MB ({sh['write'] / n:,.0f} B/article), "
          f"read {sh['read'] / 2**20:,.1f} MB, input {sh['input'] / 2**20:,.1f} MB, "
          f"{sh['stages']} stages")
    if not same:
        for part in ("documents", "pairs", "clusters", "skipped"):
            if local["payload"][part] != spark["payload"][part]:
                print(f"    differs: {part} ({len(local['payload'][part])} local, "
                      f"{len(spark['payload'][part])} spark)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--partitions", type=int, default=0,
                        help="documents' and shuffles' partitions (default: the engine's own)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engine", choices=("local", "spark"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine:
        return _engine_main(args)
    sys.path.insert(0, str(HERE))
    import _synth

    print(f"master {args.master}, {args.partitions or 'default'} partitions, "
          f"{os.cpu_count()} cores; "
          "other work may share the machine: timings are noisy")
    for n in args.docs:
        with tempfile.TemporaryDirectory(prefix="derivdetect-spark-bench-") as tmp:
            folder = Path(tmp) / "corpus"
            folder.mkdir()
            for doc_id, text in _synth.generate(n, args.seed).docs:
                (folder / doc_id).write_text(text, encoding="utf-8")
            local = _run_engine("local", folder, Path(tmp) / "local.json", args)
            spark = _run_engine("spark", folder, Path(tmp) / "spark.json", args)
            _print(n, local, spark)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The web service under load: 20 clients for 60 s against an archive of generated articles.

Builds (or reuses, ``--archive``) an archive of ``--docs`` synthetic articles (``_synth.py``),
starts ``derivdetect serve`` on 127.0.0.1 in its own process (``--workers``), then runs
``--clients`` concurrent clients (asyncio + httpx, one process) for ``--seconds``, each
request drawn from the mix: 80% ``POST /v1/check`` (an injected copy, edit, rewrite or lift
of an archived article, or an unrelated one), 15% ``POST /v1/articles`` (one new article), 5%
``POST /v1/pairs/{id}/review`` (a flag some check returned). Prints throughput, latency
p50/p95/p99 per kind and overall, and errors by status; then stops the service with SIGTERM
and checks the archive file: every acknowledged add and review must be in it.

    .venv/bin/python benchmarks/serve.py [--docs 100000] [--clients 20] [--seconds 60]
                                         [--workers 2] [--archive PATH] [--seed 0]

Loopback only; bounded by ``--seconds``. Writes nothing into the repository.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

try:
    from . import _synth
    from .archive import split_corpus
except ImportError:  # run as a script
    import _synth
    from archive import split_corpus

TOKEN = "benchmark-token-" + "x" * 24
MIX = (("check", 0.80), ("add", 0.15), ("review", 0.05))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _process_cpu(pid: int) -> dict:
    """CPU seconds so far of process ``pid`` and each of its children (Linux ``/proc``)."""
    out = {}
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                              text=True).stdout.split()
    for each in [pid] + [int(c) for c in children]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            out[each] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return out


def _build(path: Path, archived: list) -> float:
    from derivdetect.config import Config
    from derivdetect.engines.archive import add_articles, open_archive

    config = Config(workers=0)
    t0 = time.perf_counter()
    with open_archive(path, config) as archive:
        add_articles(archive, archived, config)
    return time.perf_counter() - t0


async def _load(url: str, clients: int, seconds: float, checks: list, seed: int) -> dict:
    import httpx

    rng = random.Random(seed)
    flags: list = []
    added: list = []
    reviewed: Counter = Counter()
    latency = defaultdict(list)
    statuses = Counter()
    errors = Counter()
    deadline = time.perf_counter() + seconds
    counter = 0

    async def client(n: int):
        nonlocal counter
        own = random.Random(seed * 1000 + n)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            while time.perf_counter() < deadline:
                roll, kind = own.random(), "check"
                for name, share in MIX:
                    if roll < share:
                        kind = name
                        break
                    roll -= share
                if kind == "review" and not flags:
                    kind = "check"
                counter += 1
                if kind == "check":
                    doc = own.choice(checks)
                    request = http.post("/v1/check", json={"id": doc.id, "text": doc.text})
                elif kind == "add":
                    base = own.choice(checks)
                    article_id = f"load/{n}/{counter}"
                    text = f"Update {counter}. " + base.text[: len(base.text) // 3] + \
                        f" Reported by desk {n} at {counter}."
                    request = http.post("/v1/articles", json={"articles": [
                        {"id": article_id, "text": text}]})
                else:
                    pair_id = own.choice(flags)
                    state = own.choice(("violation", "licensed", "credited", "false-alarm"))
                    request = http.post(f"/v1/pairs/{pair_id}/review",
                                        json={"state": state, "by": f"editor{n}",
                                              "note": f"load {counter}"})
                t0 = time.perf_counter()
                try:
                    response = await request
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                latency[kind].append(time.perf_counter() - t0)
                statuses[(kind, response.status_code)] += 1
                if response.status_code != 200:
                    continue
                body = response.json()
                if kind == "check":
                    flags.extend(m["pair_id"] for m in body["matches"] if m["state"] ==
                                 "unreviewed")
                    del flags[:-500]
                elif kind == "add":
                    added.append(article_id)
                else:
                    reviewed[pair_id] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return {"latency": latency, "statuses": statuses, "errors": errors, "added": added,
            "reviewed": reviewed, "seconds": time.perf_counter() - started, "rng": rng}


def _percentiles(values: list) -> str:
    ms = np.array(values) * 1000
    return (f"p50 {np.percentile(ms, 50):6.1f} ms  p95 {np.percentile(ms, 95):6.1f} ms  "
            f"p99 {np.percentile(ms, 99):6.1f} ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--concurrent-checks", type=int, default=2)
    parser.add_argument("--archive", type=Path,
                        help="an archive of the same --docs and --seed (benchmarks/archive.py "
                             "--keep DIR makes DIR/archive.db); built here when absent")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    corpus = _synth.generate(args.docs + 1000, args.seed)
    archived, checks, _ = split_corpus(corpus, 1000, args.seed)
    print(f"corpus: {len(archived):,} archived, {len(checks):,} to check "
          f"({time.perf_counter() - t0:.1f} s)")
    folder = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    path = folder / "archive.db"
    if args.archive and args.archive.exists():
        path.write_bytes(args.archive.read_bytes())
        keys = args.archive.with_name(args.archive.name + ".keys")
        if keys.exists():
            path.with_name(path.name + ".keys").write_bytes(keys.read_bytes())
        print(f"archive: a copy of {args.archive}")
    else:
        print(f"archive: {len(archived):,} articles added in {_build(path, archived):.1f} s")

    port = _free_port()
    log = open(folder / "serve.log", "w")
    t0 = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "derivdetect.cli", "serve", str(path), "--port", str(port),
         "--workers", str(args.workers), "--concurrent-checks", str(args.concurrent_checks)],
        stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "DERIVDETECT_TOKEN": TOKEN})
    url = f"http://127.0.0.1:{port}"
    import httpx

    while True:
        if server.poll() is not None:
            print((folder / "serve.log").read_text(), file=sys.stderr)
            return 1
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    # a worker indexes the archive on start; wait until checks are fast in every worker
    for _ in range(4 * args.workers):
        httpx.post(url + "/v1/check", json={"text": checks[0].text},
                   headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300)
    print(f"service: {args.workers} worker(s) ready in {time.perf_counter() - t0:.1f} s")

    cpu_before = _process_cpu(server.pid)
    result = asyncio.run(_load(url, args.clients, args.seconds, checks, args.seed))
    cpu_used = {pid: cpu - cpu_before.get(pid, 0.0)
                for pid, cpu in _process_cpu(server.pid).items()}
    server.send_signal(signal.SIGTERM)
    code = server.wait(timeout=120)
    log.close()

    total = sum(len(v) for v in result["latency"].values())
    seconds = result["seconds"]
    print(f"load: {args.clients} clients for {seconds:.1f} s: {total:,} requests = "
          f"{total / seconds:.1f}/s")
    for kind, _ in MIX:
        values = result["latency"].get(kind, [])
        if values:
            print(f"  {kind:7s} {len(values):6,} = {len(values) / seconds:6.1f}/s  "
                  f"{_percentiles(values)}")
    print(f"  all     {total:6,} = {total / seconds:6.1f}/s  "
          f"{_percentiles([x for v in result['latency'].values() for x in v])}")
    by_status = Counter()
    for (kind, status), n in result["statuses"].items():
        by_status[status] += n
    print(f"statuses: {dict(sorted(by_status.items()))}; 5xx: "
          f"{sum(n for s, n in by_status.items() if s >= 500)}; transport errors: "
          f"{dict(result['errors']) or 0}")
    print("CPU seconds during the load, per process of the service (the HTTP process first, "
          "then its judges): " + ", ".join(f"{v:.1f}" for v in cpu_used.values()))
    print(f"service stopped by SIGTERM: exit {code}")

    db = sqlite3.connect(path)
    present = {r[0] for r in db.execute("SELECT id FROM articles WHERE id LIKE 'load/%'")}
    lost_adds = [a for a in result["added"] if a not in present]
    lost_reviews = [p for p, acked in result["reviewed"].items()
                    if db.execute("SELECT count(*) FROM history WHERE pair_id = ?",
                                  (p,)).fetchone()[0] < acked]
    print(f"verified: {len(result['added']):,} acknowledged adds, {len(lost_adds)} missing; "
          f"{sum(result['reviewed'].values()):,} acknowledged reviews of "
          f"{len(result['reviewed']):,} pairs, {len(lost_reviews)} pairs with fewer changes "
          "in their history")
    print(f"machine: {os.cpu_count()} cores; clients run in this process beside the service")
    return 0 if not lost_adds and not lost_reviews else 1


if __name__ == "__main__":
    sys.exit(main())

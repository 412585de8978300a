"""Measuring helpers shared by ``speed.py`` and its baselines (``_baselines.py``): peak and
current RSS, CPU time of this process and of every process descended from it, recall of the
injected pairs, and a few printing helpers."""

from __future__ import annotations

import os
import resource

try:
    from . import _synth  # imported as benchmarks._measure
except ImportError:  # run from the benchmarks folder
    import _synth

KINDS = _synth.KINDS


def peak_mb(who) -> float:
    """Peak resident set size (Linux reports KB)."""
    return resource.getrusage(who).ru_maxrss / 1024


def current_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return float("nan")


def cpu_seconds(who) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class Descendants:
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


def machine_busy() -> tuple:
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


def families(truth) -> dict:
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
    family = families(truth)
    extra = [p for p in found if p not in truth_pairs]
    same = sum(1 for a, b in extra if a in family and family.get(a) == family.get(b))
    out["extra_same_family"] = same
    out["extra_other"] = len(extra) - same
    out["extra_other_pairs"] = sorted(p for p in extra if not (
        p[0] in family and family.get(p[0]) == family.get(p[1])))[:20]
    return out


def pct(hits_total) -> str:
    hits, total = hits_total
    return f"{hits / total:6.1%} ({hits}/{total})" if total else "   n/a"


def rate(n: float, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def print_load(r: dict) -> None:
    share = r.get("other_load")
    if share is None:
        return
    note = ("  WARNING: the machine was shared, wall times are inflated; compare CPU times"
            if share > 0.05 else "")
    print(f"  other processes used {share:.0%} of the machine's CPU time during this run{note}")


def cpu_totals(cpu: float) -> dict:
    return {"cpu_total": cpu, "cpu_sketch_stages": cpu}

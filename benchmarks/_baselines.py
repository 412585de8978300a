"""The datasketch baselines of ``speed.py``, each on the corpus ``speed.py`` scans:

* **plain** (``run_baseline``): datasketch as its README shows it: one ``MinHash(num_perm=128)``
  per article, ``update_batch`` over its word 5-grams as byte strings (hashed one by one with
  SHA-1 inside datasketch), ``MinHashLSH(threshold=0.3)``, ``insert`` and ``query`` each.
* **best** (``run_best``): datasketch at its best on the same shingles: the articles read from
  the same files as ``derivdetect scan`` reads (with ``--files``/``--cli``), each distinct word
  hashed once (xxhash, a dictionary), every article's 5-gram hashes made in bulk with numpy
  from its word hashes, ``MinHash.generator`` (one set of permutations for all, no per-article
  set-up) with ``update_batch`` of those 32-bit hashes (``hashfunc=int``: no hashing left in
  datasketch but its own permutations), ``MinHashLSH`` filled in an ``insertion_session`` and
  queried with every article.

Neither has a verification stage: their pairs are LSH candidates.
"""

from __future__ import annotations

import re
import resource
import time
from pathlib import Path

try:
    from ._measure import KINDS, cpu_seconds, cpu_totals, current_mb, pct, peak_mb, print_load, rate, score
except ImportError:  # run from the benchmarks folder
    from _measure import KINDS, cpu_seconds, cpu_totals, current_mb, pct, peak_mb, print_load, rate, score

PLAIN = ("plain: MinHash(num_perm=128).update_batch(word 5-gram strings), MinHashLSH("
         "threshold=0.3), query each")
BEST = ("at its best: word hashes cached, 5-gram hashes in bulk (numpy), MinHash.generator + "
        "update_batch(hashfunc=int), MinHashLSH insertion_session, query each")


_TOKEN = re.compile(r"\w+")


def run_baseline(docs, truth, num_perm: int = 128, threshold: float = 0.3,
                 folder: Path | None = None) -> dict:
    """datasketch the plain way; its pairs are LSH candidates (no verification). With
    ``folder``, its files are read first, before the clock starts (texts in memory)."""
    from datasketch import MinHash, MinHashLSH

    if folder is not None:
        docs = list(_texts(docs, folder))

    rss_loaded = current_mb()
    cpu0 = cpu_seconds(resource.RUSAGE_SELF)
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
        "system": "baseline", "how": PLAIN, "docs": len(docs), "wall": t3 - t0, "sketch_seconds": t3 - t0,
        "seconds": {"minhash": round(t1 - t0, 3), "insert": round(t2 - t1, 3),
                    "query": round(t3 - t2, 3)},
        "candidates": len(found), "workers": 1, "rss_loaded_mb": rss_loaded,
        "cpu_self": cpu_seconds(resource.RUSAGE_SELF) - cpu0, "cpu_children": 0.0,
        "stage_cpu": {}, **cpu_totals(cpu_seconds(resource.RUSAGE_SELF) - cpu0),
        "rss_self_mb": peak_mb(resource.RUSAGE_SELF),
        "rss_children_mb": peak_mb(resource.RUSAGE_CHILDREN),
        "b_r": [lsh.b, lsh.r], **score(found, truth),
    }

def _texts(docs, folder):
    """``(id, text)`` of each article: from ``docs``, or read from the files of ``folder``
    (sorted by name, as their ids)."""
    if folder is None:
        yield from docs
        return
    for path in sorted(Path(folder).iterdir()):
        if path.is_file():
            yield path.name, path.read_text(encoding="utf-8")


def run_best(docs, truth, num_perm: int = 128, threshold: float = 0.3,
             folder: Path | None = None) -> dict:
    """datasketch at its best (see the module's notes); with ``folder``, reading its files
    is timed as part of the run (as derivdetect's sketch stage includes reading them)."""
    import numpy as np
    import xxhash
    from datasketch import MinHash, MinHashLSH

    rss_loaded = current_mb()
    cpu0 = cpu_seconds(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    word_hash: dict = {}
    lookup = word_hash.get

    def add(word: str) -> int:
        return word_hash.setdefault(word, xxhash.xxh3_64_intdigest(word.encode("utf-8")))

    mix = np.uint64(0x9E3779B97F4A7C15)

    def shingle_hashes(text: str) -> list:
        words = _TOKEN.findall(text.lower())
        if len(words) < 5:
            return []
        ids = np.array([lookup(w) or add(w) for w in words], dtype=np.uint64)
        h = ids[:-4].copy()
        for k in range(1, 5):
            h *= mix
            h ^= ids[k: len(ids) - 4 + k]
        return ((h ^ (h >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).tolist()

    ids, shingles = [], []
    for doc_id, text in _texts(docs, folder):
        ids.append(doc_id)
        shingles.append(text)
    read = time.perf_counter() - t0
    shingles = [shingle_hashes(text) for text in shingles]
    t1 = time.perf_counter()
    sketches = list(MinHash.generator(shingles, num_perm=num_perm, hashfunc=int))
    del shingles
    t2 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for doc_id, m in zip(ids, sketches):
            session.insert(doc_id, m)
    t3 = time.perf_counter()
    found = set()
    for doc_id, m in zip(ids, sketches):
        for other in lsh.query(m):
            if other != doc_id:
                found.add((doc_id, other) if doc_id < other else (other, doc_id))
    t4 = time.perf_counter()
    cpu = cpu_seconds(resource.RUSAGE_SELF) - cpu0
    seconds = {"read files": round(read, 3)} if folder is not None else {}
    seconds.update({"5-gram hashes": round(t1 - t0 - read, 3), "minhash": round(t2 - t1, 3),
                    "insert": round(t3 - t2, 3), "query": round(t4 - t3, 3)})
    return {
        "system": "best", "how": BEST + (" (read from the files)" if folder else ""),
        "docs": len(ids), "wall": t4 - t0, "sketch_seconds": t4 - t0, "seconds": seconds,
        "candidates": len(found), "workers": 1, "rss_loaded_mb": rss_loaded,
        "cpu_self": cpu, "cpu_children": 0.0, "stage_cpu": {}, **cpu_totals(cpu),
        "rss_self_mb": peak_mb(resource.RUSAGE_SELF),
        "rss_children_mb": peak_mb(resource.RUSAGE_CHILDREN),
        "b_r": [lsh.b, lsh.r], **score(found, truth),
    }


def print_baseline(r: dict, mb: float) -> None:
    s = r["seconds"]
    print(f"\n== datasketch {r['how']} (1 process; bands x rows = "
          f"{r['b_r'][0]} x {r['b_r'][1]})")
    print("  NO verification stage: its pairs are LSH candidates, recall counts candidates")
    print("  stages (s): " + ", ".join(f"{k} {v:.2f}" for k, v in s.items())
          + f"; total {r['wall']:.2f}")
    print(f"  {rate(r['docs'], r['wall']):,.0f} articles/s, {rate(mb, r['wall']):.2f} MB/s; "
          f"CPU time {r['cpu_self']:.1f} s ({1000 * r['cpu_self'] / r['docs']:.2f} ms per article)")
    print(f"  candidate pairs {r['candidates']:,}")
    print(f"  peak RSS: {r['rss_self_mb']:.0f} MB (corpus loaded: {r['rss_loaded_mb']:.0f} MB)")
    print("  recall of injected pairs (candidate pair, either order):")
    for kind in KINDS:
        print(f"    {kind:8s} {pct(r['recall'][kind])}")
    print(f"  candidate pairs not in the truth: {r['extra_same_family'] + r['extra_other']} "
          f"({r['extra_same_family']} between copies of one source, {r['extra_other']} other)")
    print_load(r)

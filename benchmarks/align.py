"""Alignment cost per pair on METER show-business: ``judge.pair_scores`` (exact runs,
paraphrased sentences, coverage) on prepared documents, over every newspaper story x PA text of
the same date+catchline, and for comparison, in the same run, one plain
``rapidfuzz.process.cdist(..., scorer=fuzz.token_set_ratio)`` over the same two sentence lists.

Documents are prepared once (``judge.prepare`` through ``engine.prepare_corpus``, as scan does);
only the per-pair work is timed, one pair at a time, single-threaded (BLAS limited to one
thread as scan does, ``cdist`` with ``workers=1``). One untimed pair first loads the word-
frequency table and stemmers.

    .venv/bin/python benchmarks/align.py [--data PATH] [--config FILE.toml]
                                         [--set KEY=VALUE ...] [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np
from rapidfuzz import fuzz, process

from derivdetect import Config
from derivdetect.stages import judge

try:
    from . import _meter as M  # imported as benchmarks.align
except ImportError:  # run as a script, or benchmarks/ on sys.path
    import _meter as M


def _sentences(prepared) -> list:
    text = prepared.doc.text
    return [text[start:end] for start, end in prepared.analysis.sentence_spans()]


def _summary(ms: np.ndarray) -> dict:
    return {"mean": float(ms.mean()), "median": float(np.median(ms)),
            "p95": float(np.percentile(ms, 95)), "max": float(ms.max()),
            "total_s": float(ms.sum() / 1000)}


def evaluate(config: Optional[Config] = None, data: Path = M.DEFAULT_DATA,
             repeat: int = 1) -> dict:
    """Milliseconds per pair for ``pair_scores`` and for the plain ``cdist`` baseline (the
    best of ``repeat`` runs of each pair), plus words and sentences per pair."""
    config = config or M.base_config()
    meter = M.load(data)
    started = time.perf_counter()
    prepared = M.prepare_meter(meter, config)
    prepare_s = time.perf_counter() - started
    pairs = []
    for story in meter.stories:
        for pa_id in meter.pa_by_catchline.get(story.catchline, []):
            pa, pb = sorted((prepared[pa_id], prepared[story.id]), key=lambda p: p.doc.id)
            pairs.append((pa, pb))
    if not pairs:
        raise ValueError("no story x same-catchline PA pairs")
    sentences = {pid: _sentences(p) for pid, p in prepared.items()}

    ours, plain, words, kept, cells = [], [], [], [], []
    with M.quiet_blas():
        judge.pair_scores(*pairs[0], config)  # warm-up: wordfreq, stemmers
        for pa, pb in pairs:
            best = float("inf")
            for _ in range(repeat):
                t0 = time.perf_counter()
                scores, _passages = judge.pair_scores(pa, pb, config)
                best = min(best, time.perf_counter() - t0)
            ours.append(best * 1000)
            sa, sb = sentences[pa.doc.id], sentences[pb.doc.id]
            best = float("inf")
            for _ in range(repeat):
                t0 = time.perf_counter()
                process.cdist(sa, sb, scorer=fuzz.token_set_ratio, workers=1)
                best = min(best, time.perf_counter() - t0)
            plain.append(best * 1000)
            words.append(len(pa.analysis) + len(pb.analysis))
            kept.append(scores["words_a"] + scores["words_b"])
            cells.append(len(sa) * len(sb))
    return {
        "pairs": len(pairs), "documents": len(prepared), "prepare_s": prepare_s,
        "repeat": repeat,
        "pair_scores_ms": _summary(np.array(ours)),
        "cdist_ms": _summary(np.array(plain)),
        "words_per_pair": float(np.mean(words)), "kept_words_per_pair": float(np.mean(kept)),
        "max_words_per_pair": int(np.max(words)),
        "sentence_cells_per_pair": float(np.mean(cells)),
        "describe": meter.describe(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    M.add_common_options(parser)
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="time each pair N times and keep the fastest (default 1)")
    args = parser.parse_args(argv)
    M.require_data(args.data)
    config = M.config_from_args(args)
    result = evaluate(config, args.data, max(1, args.repeat))

    print(result["describe"])
    print(M.settings_line(config))
    print(f"prepared {result['documents']} documents in {result['prepare_s']:.1f} s; "
          f"{result['pairs']} pairs (story x same-catchline PA text)"
          + (f", best of {result['repeat']} runs per pair" if result["repeat"] > 1 else ""))
    print(f"words per pair: {result['words_per_pair']:.0f} tokens (both texts; "
          f"{result['kept_words_per_pair']:.0f} outside boilerplate, max "
          f"{result['max_words_per_pair']}); sentence pairs per pair: "
          f"{result['sentence_cells_per_pair']:.0f}")
    print(f"  {'ms per pair':<44} {'mean':>7} {'median':>7} {'p95':>7} {'max':>7} {'total s':>8}")
    for label, key in (("derivdetect pair_scores", "pair_scores_ms"),
                       ("rapidfuzz cdist token_set_ratio (sentences)", "cdist_ms")):
        s = result[key]
        print(f"  {label:<44} {s['mean']:>7.2f} {s['median']:>7.2f} {s['p95']:>7.2f} "
              f"{s['max']:>7.2f} {s['total_s']:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

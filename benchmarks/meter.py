"""Document-level accuracy on METER show-business: does a scan link each newspaper story to
the Press Association copy it was (or was not) derived from?

The PA copy and the newspaper stories are scanned as ONE corpus with the library
(``engine.scan_documents``), exactly as ``derivdetect scan --encoding latin-1`` would scan the
data folder. A story counts as predicted derived when some reported pair links it with a PA text
(any verdict, any catchline); its predicted extent is the ``extent`` of its best PA pair (the
one covering most of the story), ``non`` when there is none. Gold labels: ``file_index``.

    .venv/bin/python benchmarks/meter.py [--data PATH] [--config FILE.toml]
                                         [--set KEY=VALUE ...] [--dump stories.csv]

Importable: ``evaluate(config) -> dict``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Optional

from derivdetect import Config
from derivdetect.engines.local import scan_documents

try:
    from . import _meter as M  # imported as benchmarks.meter
except ImportError:  # run as a script, or benchmarks/ on sys.path
    import _meter as M

BINARY = ("derived", "non-derived")


def _binary(label: str) -> str:
    return "non-derived" if label == "non" else "derived"


def evaluate(config: Optional[Config] = None, data: Path = M.DEFAULT_DATA,
             judge_unlinked: bool = False) -> dict:
    """Scan METER and score the story-to-PA links.

    Returns ``binary`` and ``three_way`` (per-class precision/recall/F1, macro-F1, accuracy,
    confusion ``[true][predicted]``), ``seconds`` (the scan), ``stats`` (documents, candidates,
    reported pairs), and ``rows`` (one dict per story, as ``--dump`` writes them).
    With ``judge_unlinked``, stories without a reported PA pair are also judged against each PA
    text of their catchline, so their row shows how close they came (not used in the scores).
    """
    config = config or M.base_config()
    meter = M.load(data)
    started = time.perf_counter()
    judged = scan_documents(meter.documents, config)
    pairs, stats = judged.pairs, judged.stats
    seconds = time.perf_counter() - started

    pa_ids = {d.id for d in meter.pa}
    story_ids = {s.id for s in meter.stories}
    with_pa: dict = {}
    for pair in pairs:
        for story_id, other in ((pair.a, pair.b), (pair.b, pair.a)):
            if story_id in story_ids and other in pa_ids:
                with_pa.setdefault(story_id, []).append(pair)

    unlinked = [s for s in meter.stories if s.id not in with_pa]
    direct = M.judge_catchline_pairs(meter, config, unlinked) if judge_unlinked and unlinked else {}

    rows, gold3, pred3 = [], [], []
    for story in meter.stories:
        best = M.best_pair(with_pa.get(story.id, []), story.id)
        predicted = M.predicted_extent(best)
        gold3.append(story.label)
        pred3.append(predicted)
        row = {
            "story": story.id, "label": story.label, "predicted": predicted,
            "pa_pairs": len(with_pa.get(story.id, [])),
            "best_coverage": round(M.story_coverage(best, story.id), 4) if best else 0.0,
            "best_pa": M.other_id(best, story.id) if best else "",
            "same_catchline": (M.catchline_of(M.other_id(best, story.id)) == story.catchline)
            if best else "",
            "verdict": best.verdict if best else "",
            "scores_of": "reported pair" if best else "",
        }
        shown = best
        if shown is None and direct.get(story.id):
            shown = M.best_pair(direct[story.id], story.id, reported_only=False)
            row.update(best_pa=M.other_id(shown, story.id), verdict=shown.verdict,
                       same_catchline=True, scores_of="unreported same-catchline pair")
        if shown is not None:
            row.update({k: round(v, 4) if isinstance(v, float) else v
                        for k, v in M.oriented_scores(shown, story.id).items()})
        rows.append(row)

    binary = M.classification_scores([_binary(g) for g in gold3],
                                     [_binary(p) for p in pred3], BINARY)
    three_way = M.classification_scores(gold3, pred3, M.LABELS)
    other_catchline = sum(1 for r in rows if r["scores_of"] == "reported pair"
                          and r["same_catchline"] is False)
    return {
        "documents": len(meter.documents), "pa": len(meter.pa), "stories": len(meter.stories),
        "binary": binary, "three_way": three_way, "seconds": seconds, "stats": stats,
        "pa_pairs": sum(len(v) for v in with_pa.values()),
        "best_pa_other_catchline": other_catchline,
        "notes": meter.notes, "rows": rows, "describe": meter.describe(),
    }


def write_dump(rows: list, path: Path) -> None:
    columns: list = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    M.add_common_options(parser)
    parser.add_argument("--dump", type=Path, metavar="FILE.csv",
                        help="write one row per story (label, prediction, best PA pair and "
                             "its scores) for threshold tuning")
    args = parser.parse_args(argv)
    M.require_data(args.data)
    config = M.config_from_args(args)
    result = evaluate(config, args.data, judge_unlinked=bool(args.dump))

    print(result["describe"])
    print(M.settings_line(config))
    for note in result["notes"]:
        print(f"note: {note}")
    stats = result["stats"]
    print(f"scan: {result['seconds']:.1f} s, {stats['candidates']} candidates, "
          f"{stats['reported']} reported pairs ({result['pa_pairs']} newspaper-PA)")
    print()
    print("derived (wholly+partially) vs non-derived; predicted derived = a reported pair "
          "with a PA text")
    print(M.format_classes(result["binary"]))
    print()
    print("three-way: predicted = extent of the best PA pair (most of the story covered), "
          "non if none")
    print(M.format_confusion(result["three_way"]))
    print(M.format_classes(result["three_way"]))
    print(f"  best PA pair from another catchline: {result['best_pa_other_catchline']} stories")
    if args.dump:
        write_dump(result["rows"], args.dump)
        print(f"\nwrote {len(result['rows'])} rows to {args.dump}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Clough & Stevenson short answers: verdicts against the cut / light / heavy / non labels.

Each answer is judged against the original of its task, alone (``compare_documents``) and
inside a scan of the whole folder (``scan_documents``: answers to the same task give each
other context). Prints the verdict and extent per category and the derived (cut, light,
heavy) vs non-derived macro-F1.

    .venv/bin/python benchmarks/clough.py [--data ../shared/data/clough-stevenson]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

from derivdetect import Config
from derivdetect.engines.local import compare_documents, scan_documents
from derivdetect.ingest import decode_bytes
from derivdetect.models import VERDICTS, Document

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "clough-stevenson"
CATEGORIES = ("cut", "light", "heavy", "non")


def load(data: Path):
    docs = {}
    for path in sorted((data / "texts").glob("*.txt")):
        text, encoding = decode_bytes(path.read_bytes(), None)
        docs[path.name] = Document(path.name, path.name, text, encoding=encoding)
    with open(data / "labels.csv", newline="", encoding="utf-8-sig") as handle:
        labels = {r["File"]: (r["Task"], r["Category"]) for r in csv.DictReader(handle)
                  if r["Category"] in CATEGORIES}
    return docs, labels


def macro_f1(truth: list, predicted: list) -> float:
    scores = []
    for cls in (True, False):
        tp = sum(t == cls and p == cls for t, p in zip(truth, predicted))
        fp = sum(t != cls and p == cls for t, p in zip(truth, predicted))
        fn = sum(t == cls and p != cls for t, p in zip(truth, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / 2


def report(title: str, verdicts: dict, labels: dict) -> float:
    print(f"\n{title}")
    table = {c: Counter() for c in CATEGORIES}
    for name, (_, category) in labels.items():
        table[category][verdicts.get(name, "unrelated")] += 1
    columns = ["verbatim", "near-duplicate", "derivative", "related", "unrelated"]
    print(f"  {'label':<8}" + "".join(f"{c:>16}" for c in columns))
    for category in CATEGORIES:
        print(f"  {category:<8}" + "".join(f"{table[category][c]:>16}" for c in columns))
    truth = [labels[n][1] != "non" for n in labels]
    predicted = [verdicts.get(n, "unrelated") in VERDICTS for n in labels]
    score = macro_f1(truth, predicted)
    print(f"  derived (cut+light+heavy) vs non: macro-F1 {score:.3f}")
    return score


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if not (args.data / "labels.csv").exists():
        print(f"Clough & Stevenson data not found at {args.data}; nothing to measure.")
        return 0
    docs, labels = load(args.data)
    config = Config(workers=1)
    alone = {}
    for name, (task, _) in labels.items():
        pair = compare_documents(docs[name], docs[f"orig_task{task}.txt"], config)
        alone[name] = pair.verdict
    report("each answer judged alone against its task's original (compare)", alone, labels)
    pairs = scan_documents(list(docs.values()), config).pairs
    in_scan = {}
    for pair in pairs:
        for this, other in ((pair.a, pair.b), (pair.b, pair.a)):
            if this in labels and other == f"orig_task{labels[this][0]}.txt":
                in_scan[this] = pair.verdict
    report("answers and originals scanned as one folder (scan)", in_scan, labels)
    return 0


if __name__ == "__main__":
    sys.exit(main())

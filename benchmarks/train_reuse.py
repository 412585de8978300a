"""Train the reuse model (``src/derivdetect/stages/reuse_model.json``) on ../shared data only,
and print its cross-validated accuracy, grouped by story.

Rows: every METER show-business newspaper story against the PA text of its catchline that
covers most of it (label: wholly or partially derived = reuse, non-derived = independent, an
independent report of the same event: the hard negatives), and every Clough-Stevenson answer
against its task's original (cut, light, heavy = reuse; non = independent). Each text is
prepared as a scan prepares it (furniture and topic words from its whole corpus), and the
pair's scores come from ``judge.pair_scores``: the same evidence a scan computes.

Folds are grouped by story (a METER catchline, a Clough task), so no story is in the
training and the test part of one fold; 5 folds, repeated with 5 shuffles: mean +- sd.

    .venv/bin/python benchmarks/train_reuse.py [--write] [--out PATH]
        [--meter PATH] [--clough PATH]

Without ``--write`` nothing is written. Needs scikit-learn (``pip install scikit-learn``;
only training needs it: the product evaluates the model with plain arithmetic).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from derivdetect import Config
from derivdetect.engines import local as engine
from derivdetect.models import VERDICTS
from derivdetect.stages.classify import verdict_for
from derivdetect.stages.judge import pair_scores, small_matrix_mode
from derivdetect.stages.reuse import MODEL_FILE, ReuseModel, reuse_features

try:
    from . import _meter as M
    from . import clough as C
except ImportError:
    import _meter as M
    import clough as C

C_VALUES = (0.03, 0.1, 0.3, 1.0, 3.0)


def _oriented(pa, pb, config):
    pa, pb = sorted((pa, pb), key=lambda p: p.doc.id)
    return pair_scores(pa, pb, config)[0]


def meter_rows(data: Path, config: Config) -> list:
    """``(features, label, group, corpus)`` per METER story: its best same-catchline PA pair."""
    meter = M.load(data)
    prepared = M.prepare_meter(meter, config)
    rows = []
    with small_matrix_mode():
        for story in meter.stories:
            best = None
            for pa_id in meter.pa_by_catchline.get(story.catchline, []):
                scores = _oriented(prepared[pa_id], prepared[story.id], config)
                side = "a" if story.id < pa_id else "b"
                if best is None or scores[f"coverage_{side}"] > best[0]:
                    best = (scores[f"coverage_{side}"], scores)
            if best is None:
                continue
            rows.append((reuse_features(best[1]), int(story.label != "non"),
                         "meter:" + "/".join(story.catchline), "meter", story.label, best[1]))
    return rows


def clough_rows(data: Path, config: Config) -> list:
    docs, labels = C.load(data)
    prepared = {p.doc.id: p for p in engine.prepare_corpus(list(docs.values()), config)}
    rows = []
    with small_matrix_mode():
        for name, (task, category) in sorted(labels.items()):
            scores = _oriented(prepared[name], prepared[f"orig_task{task}.txt"], config)
            rows.append((reuse_features(scores), int(category != "non"), f"clough:{task}",
                         "clough", category, scores))
    return rows


def _macro_f1(y, predicted) -> float:
    out = []
    for cls in (1, 0):
        tp = np.sum((y == cls) & (predicted == cls))
        fp = np.sum((y != cls) & (predicted == cls))
        fn = np.sum((y == cls) & (predicted != cls))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        out.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(out))


def _precision_recall(y, predicted) -> tuple:
    tp = np.sum((y == 1) & (predicted == 1))
    return (tp / max(1, np.sum(predicted == 1)), tp / max(1, np.sum(y == 1)))


def _fit(x, y, c):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=5000).fit(scaler.transform(x), y)
    return scaler, model


def out_of_fold(x, y, groups, c, seed) -> np.ndarray:
    from sklearn.model_selection import StratifiedGroupKFold

    folds = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed)
    p = np.zeros(len(y))
    for train, test in folds.split(x, y, groups):
        scaler, model = _fit(x[train], y[train], c)
        p[test] = model.predict_proba(scaler.transform(x[test]))[:, 1]
    return p


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meter", type=Path, default=M.DEFAULT_DATA)
    parser.add_argument("--clough", type=Path, default=C.DEFAULT_DATA)
    parser.add_argument("--write", action="store_true", help="write the model file")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    if not M.data_present(args.meter) or not (args.clough / "labels.csv").exists():
        print(f"training data not found ({args.meter}, {args.clough}); nothing to train.")
        return 0
    config = Config(workers=1)
    rows = meter_rows(args.meter, config) + clough_rows(args.clough, config)
    names = list(rows[0][0])
    x = np.array([[r[0][n] for n in names] for r in rows])
    y = np.array([r[1] for r in rows])
    groups = np.array([r[2] for r in rows])
    corpus = np.array([r[3] for r in rows])
    print(f"{len(rows)} pairs: {np.sum(corpus == 'meter')} METER stories "
          f"({np.sum(y[corpus == 'meter'])} derived), {np.sum(corpus == 'clough')} Clough "
          f"answers ({np.sum(y[corpus == 'clough'])} derived); {len(set(groups))} stories")

    from sklearn.metrics import log_loss

    print("\nregularization (5 folds grouped by story x 5 shuffles; out-of-fold log-loss):")
    losses = {}
    for c in C_VALUES:
        runs = [log_loss(y, out_of_fold(x, y, groups, c, seed)) for seed in range(5)]
        losses[c] = float(np.mean(runs))
        print(f"  C={c:<5} log-loss {np.mean(runs):.3f} +- {np.std(runs):.3f}")
    c = min(losses, key=losses.get)

    oof = [out_of_fold(x, y, groups, c, seed) for seed in range(5)]
    print(f"\nC={c}: out of fold, derived-vs-independent macro-F1 (mean +- sd over 5 "
          "shuffles) of the verdicts, each pair's rules gated by its out-of-fold probability "
          "(derivative needs probability >= min_probability):")
    table = {}
    for t in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        gated = Config(workers=1, min_probability=t)
        line = {}
        for part in ("meter", "clough", "all"):
            chosen = np.ones(len(y), bool) if part == "all" else corpus == part
            f1s, precisions, recalls = [], [], []
            for p in oof:
                predicted = np.array([
                    verdict_for({**r[5], "probability": float(pi)}, gated)[0] in VERDICTS
                    for r, pi in zip(rows, p)]).astype(int)[chosen]
                f1s.append(_macro_f1(y[chosen], predicted))
                precision, recall = _precision_recall(y[chosen], predicted)
                precisions.append(precision)
                recalls.append(recall)
            line[part] = {"macro_f1": [round(float(np.mean(f1s)), 3),
                                       round(float(np.std(f1s)), 3)],
                          "precision": round(float(np.mean(precisions)), 3),
                          "recall": round(float(np.mean(recalls)), 3)}
        table[t] = line
        print(f"  min_probability {t:.1f}: " + "; ".join(
            f"{part} {v['macro_f1'][0]:.3f} +- {v['macro_f1'][1]:.3f} (P {v['precision']:.2f} "
            f"R {v['recall']:.2f})" for part, v in line.items()))
    ungated = table[0.0]["all"]["macro_f1"][0]
    threshold = max(t for t, line in table.items() if line["all"]["macro_f1"][0] >= ungated)
    print(f"  highest min_probability that loses nothing out of fold: {threshold}")
    bins = np.digitize(np.mean(oof, axis=0), [0.2, 0.4, 0.6, 0.8])
    print("calibration (out of fold): " + ", ".join(
        f"p~{np.mean(oof, axis=0)[bins == b].mean():.2f}: {y[bins == b].mean():.2f} reuse "
        f"(n={int((bins == b).sum())})" for b in range(5) if (bins == b).any()))
    table = {str(t): line for t, line in table.items()}

    scaler, model = _fit(x, y, c)
    fitted = ReuseModel(tuple(names), tuple(map(float, scaler.mean_)),
                        tuple(float(s) if s > 0 else 1.0 for s in scaler.scale_),
                        tuple(map(float, model.coef_[0])), float(model.intercept_[0]),
                        {"trained_on": "METER show-business (best same-catchline PA pair per "
                                       "story) and Clough-Stevenson (answer vs original)",
                         "rows": len(rows), "C": c, "min_probability": threshold,
                         "cross_validated_by_min_probability": table,
                         "command": "benchmarks/train_reuse.py --write"})
    print("\nweights (standardized features):")
    for name, w in sorted(zip(names, fitted.weights), key=lambda t: -abs(t[1])):
        print(f"  {name:<26} {w:+.3f}")
    if args.write:
        args.out.write_text(json.dumps(fitted.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

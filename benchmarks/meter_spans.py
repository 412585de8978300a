"""Passage-level accuracy on METER show-business: do derivdetect's passages cover the
characters the annotators marked as taken from PA?

For every newspaper story whose SGML body is span-annotated (Verbatim / Rewrite / New tags,
not one ``<unclassified>`` block: 90 stories), the story is judged against each PA text of the
same date+catchline (``engine.judge`` on the corpus prepared as ``scan`` prepares it; with
``--pairwise``, ``engine.compare_documents`` on each pair alone). The predicted characters are
the union of the passages' story-side spans over those PA texts. Scores are micro-averaged over
all non-whitespace characters of the raw texts, against Verbatim+Rewrite and against Verbatim
alone. The annotation is mapped onto the raw text first (see ``_meter.py``; the share of
annotated characters mapped is printed).

Document classification: the extent of the best reported pair (most of the story covered),
``non`` when no pair is verbatim / near-duplicate / derivative, against the SGML
``classification`` attribute.

    .venv/bin/python benchmarks/meter_spans.py [--data PATH] [--config FILE.toml]
                                               [--set KEY=VALUE ...] [--pairwise]

Importable: ``evaluate(config) -> dict``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np

from derivdetect import Config

try:
    from . import _meter as M  # imported as benchmarks.meter_spans
except ImportError:  # run as a script, or benchmarks/ on sys.path
    import _meter as M


def _count(pred: np.ndarray, gold: np.ndarray, counted: np.ndarray) -> np.ndarray:
    return np.array([(pred & gold & counted).sum(), (pred & ~gold & counted).sum(),
                     (~pred & gold & counted).sum()], dtype=np.int64)


def evaluate(config: Optional[Config] = None, data: Path = M.DEFAULT_DATA,
             pairwise: bool = False) -> dict:
    """Character-level and document-level scores of the same-catchline judgements.

    ``spans`` maps each measurement to precision/recall/F1 (with tp/fp/fn character counts):
    ``all_vs_derived`` (all passages vs Verbatim+Rewrite), ``all_vs_verbatim``,
    ``reported_vs_derived`` / ``reported_vs_verbatim`` (passages of reported pairs only),
    ``exact_vs_verbatim`` (word-for-word passages only: exact and quote). ``classes`` is the three-way document
    classification on the span-annotated stories, ``classes_all`` on every story.
    ``mapping`` holds the annotation-to-raw-text character counts.
    """
    config = config or M.base_config()
    meter = M.load(data)
    docs = meter.by_id
    started = time.perf_counter()
    judged = M.judge_catchline_pairs(meter, config, pairwise=pairwise)
    seconds = time.perf_counter() - started
    pair_count = sum(len(v) for v in judged.values())

    measures = {
        "all_vs_derived": ("all", (M.VERBATIM, M.REWRITE)),
        "all_vs_verbatim": ("all", (M.VERBATIM,)),
        "reported_vs_derived": ("reported", (M.VERBATIM, M.REWRITE)),
        "reported_vs_verbatim": ("reported", (M.VERBATIM,)),
        "exact_vs_verbatim": ("exact", (M.VERBATIM,)),
    }
    counts = {name: np.zeros(3, dtype=np.int64) for name in measures}
    mapping: dict = {}
    gold_sp, pred_sp, gold_all, pred_all = [], [], [], []
    annotated = new_only = 0
    for story in meter.stories:
        pairs = judged[story.id]
        predicted = M.predicted_extent(M.best_pair(pairs, story.id))
        gold_all.append(story.label)
        pred_all.append(predicted)
        if not story.sgml.exists():
            continue
        text = docs[story.id].text
        ann = M.read_annotation(story.sgml, text)
        if ann.unclassified:
            continue
        annotated += 1
        new_only += not (ann.codes == M.VERBATIM).any() and not (ann.codes == M.REWRITE).any()
        for key, value in ann.counts.items():
            mapping[key] = mapping.get(key, 0) + value
        gold_sp.append(ann.classification or story.label)
        pred_sp.append(predicted)
        counted = M.nonspace_mask(text)
        spans = {
            "all": [s for p in pairs for s in M.story_spans(p, story.id)],
            "reported": [s for p in pairs if p.reported for s in M.story_spans(p, story.id)],
            "exact": [s for p in pairs for s in M.story_spans(p, story.id, ("exact", "quote"))],
        }
        masks = {k: M.span_mask(len(text), v) for k, v in spans.items()}
        for name, (which, codes) in measures.items():
            counts[name] += _count(masks[which], np.isin(ann.codes, codes), counted)

    derived_chars = mapping.get("sgml_verbatim", 0) + mapping.get("sgml_rewrite", 0)
    derived_mapped = mapping.get("mapped_verbatim", 0) + mapping.get("mapped_rewrite", 0)
    return {
        "stories": len(meter.stories), "annotated": annotated, "new_only": new_only,
        "pairs": pair_count, "seconds": seconds, "pairwise": pairwise,
        "spans": {name: M.prf(*map(int, c)) for name, c in counts.items()},
        "mapping": {**mapping, "derived_share_mapped":
                    derived_mapped / derived_chars if derived_chars else 0.0},
        "classes": M.classification_scores(gold_sp, pred_sp, M.LABELS),
        "classes_all": M.classification_scores(gold_all, pred_all, M.LABELS),
        "notes": meter.notes, "describe": meter.describe(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    M.add_common_options(parser)
    parser.add_argument("--pairwise", action="store_true",
                        help="judge each pair alone with engine.compare_documents (no corpus "
                             "boilerplate or stock phrases) instead of the prepared corpus")
    args = parser.parse_args(argv)
    M.require_data(args.data)
    config = M.config_from_args(args)
    result = evaluate(config, args.data, pairwise=args.pairwise)

    m = result["mapping"]
    print(result["describe"])
    print(M.settings_line(config))
    for note in result["notes"]:
        print(f"note: {note}")
    how = "compare_documents, pair by pair" if result["pairwise"] else "prepared corpus, as scan"
    print(f"judged {result['pairs']} story x same-catchline PA pairs in "
          f"{result['seconds']:.1f} s ({how})")
    print(f"span-annotated stories: {result['annotated']} ({result['new_only']} with New tags "
          f"only); annotation mapped onto raw text: {result['mapping']['derived_share_mapped']:.2%} "
          f"of Verbatim+Rewrite chars ({m['mapped_verbatim'] + m['mapped_rewrite']}/"
          f"{m['sgml_verbatim'] + m['sgml_rewrite']}); all SGML chars {m['sgml_mapped']}/{m['sgml']}, "
          f"raw-text chars {m['raw_matched']}/{m['raw']} matched")
    print()
    print("characters (non-whitespace, micro-averaged), predicted = union of story-side "
          "passage spans")
    labels = {
        "all_vs_derived": "all passages vs Verbatim+Rewrite",
        "all_vs_verbatim": "all passages vs Verbatim",
        "reported_vs_derived": "reported pairs vs Verbatim+Rewrite",
        "reported_vs_verbatim": "reported pairs vs Verbatim",
        "exact_vs_verbatim": "exact passages vs Verbatim",
    }
    for name, label in labels.items():
        print(M.format_prf(label, result["spans"][name]))
    print()
    print("document classification (extent of the best reported pair, non if none) vs SGML "
          "classification, span-annotated stories")
    print(M.format_confusion(result["classes"]))
    print(M.format_classes(result["classes"]))
    c = result["classes_all"]
    print(f"  all {c['n']} stories (same judgement): macro-F1 {c['macro_f1']:.3f}, "
          f"accuracy {c['accuracy']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

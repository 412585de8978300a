"""Build ``tests/golden/{demo,clough,meter}.json`` for ``tests/test_golden.py``.

The expected outcomes come from the labels only (``corpus/relations.csv``, Clough-Stevenson's
``labels.csv``, METER's ``file_index``), never from derivdetect's output. The output is used for
one thing: where it disagrees with a label, the case gets an ``xfail`` reason for that aspect
(a strict expected failure in the test). A reason already in the golden file is kept while the
disagreement lasts (so hand-written reasons survive a rebuild); one that no longer disagrees is
dropped; new ones are written from the pair's scores. Files hold ids, paths and labels only,
never texts.

METER sample: for each label (wholly, partially, non), ``random.Random(SEED).sample`` of
``PER_LABEL`` stories from that label's sorted story ids (``SEED`` = 12, the issue number).

    .venv/bin/python benchmarks/golden_build.py [--check] [--fresh]

``--check`` writes nothing and exits 1 if a file would change; ``--fresh`` ignores the reasons
already in the golden files (hand-written ones in ``HAND`` below still win).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import test_golden as G  # noqa: E402
from derivdetect import Config  # noqa: E402
from derivdetect.engines import local as engine  # noqa: E402

SEED = 12
PER_LABEL = 14
CLOUGH_TASKS = ("a", "b", "c")
CATEGORY = {"cut": "a cut-and-paste answer", "light": "a light revision",
            "heavy": "a heavy revision", "non": "a non-derived answer"}
METER_LABEL = {"wholly": "wholly derived", "partially": "partially derived",
               "non": "non-derived"}


# ---------------------------------------------------------------------------- cases


def demo_cases() -> list:
    with open(G.CORPUS / "relations.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cases = []
    for row in rows:
        if row["relation"] == "independent":
            expected = {"verdict": None, "source": None, "extent": None}
        else:
            # relations.csv gives no extent: not checked.
            expected = {"verdict": row["relation"], "source": row["source"] or None}
        cases.append({"id": f"{row['a'][:3]}-{row['b'][:3]}", "a": row["a"], "b": row["b"],
                      "relation": row["relation"], "note": row["note"], "expected": expected})
    return cases


def clough_cases() -> list:
    with open(G.CLOUGH / "labels.csv", newline="", encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle)
                if r["Task"] in CLOUGH_TASKS and r["Category"] in CATEGORY]
    order = {c: i for i, c in enumerate(CATEGORY)}
    rows.sort(key=lambda r: (r["Task"], order[r["Category"]], r["File"]))
    cases = []
    for row in rows:
        original = f"orig_task{row['Task']}.txt"
        expected = ({"derived": False} if row["Category"] == "non"
                    else {"derived": True, "source": original})
        cases.append({"id": row["File"].removesuffix(".txt"), "answer": row["File"],
                      "task": row["Task"], "category": row["Category"], "original": original,
                      "expected": expected})
    return cases


def meter_cases() -> tuple[list, dict]:
    import _meter as M

    meter = M.load(G.METER)
    cases = []
    for label in M.LABELS:
        pool = sorted(s.id for s in meter.stories if s.label == label)
        chosen = sorted(random.Random(SEED).sample(pool, PER_LABEL))
        for story_id in chosen:
            story = next(s for s in meter.stories if s.id == story_id)
            pa = meter.pa_by_catchline.get(story.catchline, [])
            expected = ({"derived": False} if label == "non"
                        else {"derived": True, "source": pa, "extent": label})
            cases.append({"id": Path(story_id).stem, "story": story_id, "label": label,
                          "catchline": list(story.catchline), "pa": pa, "expected": expected})
    sample = {"seed": SEED, "per_label": PER_LABEL,
              "rule": "for each label (wholly, partially, non): "
                      "sorted(random.Random(seed).sample(sorted ids of that label's stories, "
                      "per_label))",
              "population": {label: sum(1 for s in meter.stories if s.label == label)
                             for label in M.LABELS}}
    return cases, sample


# ---------------------------------------------------------------------------- reasons

# Reasons written by hand after reading the pair (used while the disagreement lasts; they win
# over reasons in the golden file and the generated ones). No text of the data is quoted.
HAND = {
    ("clough", "g4pD_taskb", "derived"):
        "label noise: Clough-Stevenson labels it a cut-and-paste answer of orig_taskb.txt, but "
        "it copies other sections of Wikipedia's PageRank article (PageRank as a probability, "
        "the simplified algorithm on four pages), none of which is in orig_taskb.txt: nothing "
        "aligns with the original (0% covered, no shared run of 4+ words; verdict unrelated)",
    ("clough", "g2pE_taskc", "derived"):
        "label noise: Clough-Stevenson labels it a cut-and-paste answer of orig_taskc.txt (the "
        "vector space model), but it copies the opening of Wikipedia's Information retrieval "
        "article instead: nothing aligns with the original (0% covered, no shared run of 4+ "
        "words; verdict unrelated)",
    ("clough", "g1pD_taskc", "derived"):
        "Clough-Stevenson labels it non-derived (written without the original), but the scan "
        "reports it derivative of orig_taskc.txt on two loose paraphrase links (similarity "
        "0.53 and 0.44) between sentences that share only the topic's words (document, vector "
        "space, information retrieval) and say different things: 48% of the answer covered, "
        "no shared run of 4+ words",
    ("meter", "holden111_mirror", "derived"):
        "METER labels it partially derived, but the story is two sentences (26 words) that "
        "restate the gist of the PA lead (Amanda Holden criticising sex on TV) in other words "
        "and add a jibe: no sentence aligns with holden1.txt (0% covered, no shared run of 4+ "
        "words; verdict unrelated)",
    ("meter", "bbcstreet51_express", "derived"):
        "METER labels it non-derived, but it reuses the PA's BBC1 autumn-schedule copy "
        "(bbc1com.txt and bbc1nl.txt, filed both under its own catchline bbcstreet and under "
        "bbc): 8 exact passages of up to 12 words and 8 close paraphrases of bbc1com.txt, 25% "
        "of the story covered; the label looks wrong",
    ("meter", "oasis37_sun", "derived"):
        "METER labels it non-derived, but it carries Noel Gallagher's statement on Bonehead's "
        "departure word for word as oasis1sub.txt does (4 exact passages, longest run 27 "
        "words; 24% of the story covered); the quote may have reached the paper by another "
        "route, which would explain the label",
}


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def side(pair, doc_id: str) -> str:
    return "a" if pair.a == doc_id else "b"


def evidence(pair, doc_id: str) -> str:
    """What the pair shares, seen from ``doc_id`` (the derived side by the label)."""
    s = pair.scores
    k = side(pair, doc_id)
    n_exact, n_para = int(s.get("exact_passages", 0)), int(s.get("paraphrase_passages", 0))
    longest = int(s.get("longest_exact_words", 0))
    return (f"{pct(s[f'coverage_{k}'])} of it covered ({pct(s[f'exact_coverage_{k}'])} word for "
            f"word in {n_exact} exact passage{'s' * (n_exact != 1)}, longest run {longest} "
            f"words; {pct(s[f'paraphrase_coverage_{k}'])} in {n_para} paraphrased "
            f"passage{'s' * (n_para != 1)})")


def other_of(pair, doc_id: str) -> str:
    return pair.b if pair.a == doc_id else pair.a


def short(doc_id: str) -> str:
    return doc_id.rsplit("/", 1)[-1]


class Judge:
    """Pairs judged as in the scan but regardless of the candidate routes, to explain why a
    labelled pair was not reported (internal API; the tests use only the public one)."""

    def __init__(self, docs: list, config: Config):
        self.config = config
        self.prepared = {p.doc.id: p for p in engine.prepare_corpus(docs, config)}

    def __call__(self, x: str, y: str):
        pa, pb = sorted((self.prepared[x], self.prepared[y]), key=lambda p: p.doc.id)
        return engine.judge(pa, pb, self.config)


def not_reported(label: str, derived_id: str, other: str, judged) -> str:
    tail = [r for r in judged.reasons if "lies in aligned passages" not in r
            and not r.startswith("longest verbatim run")]
    return (f"{label}, but no pair with {short(other)} is reported: judged against it, the "
            f"text has {evidence(judged, derived_id)}"
            + (f"; {'; '.join(tail)}" if tail else "") + f" (verdict {judged.verdict})")


def source_reason(label: str, outcome_source, pair, derived_id: str, want: list) -> str:
    if pair is None:
        return f"{label}, but no pair is reported, so no source is named"
    if outcome_source is None:
        return f"{label} (source {short(want[0])}), but the scan names no source: {pair.source_reason}"
    if outcome_source == derived_id:
        return (f"{label} (source {short(want[0])}), but the scan names the derived text itself "
                f"the source: {pair.source_reason}")
    return (f"{label} (source {' or '.join(short(w) for w in want)}), but the scan names "
            f"{outcome_source}: {pair.source_reason}")


def extent_reason(label: str, pair, story: str, extent: str, wholly: float, own: list) -> str:
    pa = other_of(pair, story)
    name = short(pa) if pa in own else "/".join(pa.split("/")[-3:]) + ", another catchline"
    k, o = side(pair, story), side(pair, pa)
    cov_story, cov_pa = float(pair.scores[f"coverage_{k}"]), float(pair.scores[f"coverage_{o}"])
    if cov_pa > cov_story:
        return (f"{label}, but its best PA pair is judged the other way round: {name} is "
                f"{pct(cov_pa)} covered by the story and the story only {pct(cov_story)}, so "
                f"the extent ({extent}) is that of the PA text, taken as the derived side")
    need = (f"wholly needs {pct(wholly)}" if extent == "partially"
            else f"at least {pct(wholly)}: wholly")
    return (f"{label}, but its best PA pair ({name}) covers {pct(cov_story)} of it "
            f"({need}): {evidence(pair, story)}")


def reasons_for(corpus: str, case: dict, outcome: dict, pair, judge) -> dict:
    out = {}
    expected = case["expected"]
    for aspect, want in expected.items():
        if G.agrees(aspect, want, outcome[aspect]):
            continue
        if corpus == "demo":
            label = f"relations.csv calls it {case['relation']}"
            derived_id = case["a"]
            if aspect == "verdict" and want and pair is None:
                out[aspect] = not_reported(label, derived_id, case["b"],
                                           judge(case["a"], case["b"]))
            elif aspect == "verdict":
                out[aspect] = (f"{label}, but the scan reports {outcome['verdict']}: "
                               f"{evidence(pair, case['a'])} and {case['b'][:3]} "
                               f"{evidence(pair, case['b'])}")
            elif aspect == "source":
                out[aspect] = source_reason(label, outcome["source"], pair, derived_id, [want])
            else:
                out[aspect] = f"{label}, but the scan's extent is {outcome['extent']}"
        elif corpus == "clough":
            label = f"Clough-Stevenson labels it {CATEGORY[case['category']]} of {case['original']}"
            answer, original = case["answer"], case["original"]
            if aspect == "derived" and want:
                out[aspect] = not_reported(label, answer, original, judge(answer, original))
            elif aspect == "derived":
                out[aspect] = (f"{label}, but the scan reports it {pair.verdict} of it: "
                               f"{evidence(pair, answer)}")
            else:
                out[aspect] = source_reason(label, outcome["source"], pair, answer, [want])
        else:
            label = f"METER labels it {METER_LABEL[case['label']]}"
            story = case["story"]
            if aspect == "derived" and want:
                closest = max((judge(story, p) for p in case["pa"]),
                              key=lambda q: float(q.scores[f"coverage_{side(q, story)}"]))
                out[aspect] = not_reported(label, story, other_of(closest, story),
                                           closest)
            elif aspect == "derived":
                # the reported PA pair covering most of the story, its own catchline first
                pair = max(G._meter_pa_pairs()[story],
                           key=lambda q: (round(float(q.scores[f"coverage_{side(q, story)}"]), 6),
                                          other_of(q, story) in case["pa"]))
                other = other_of(pair, story)
                where = ("its own catchline" if other in case["pa"]
                         else "another catchline, " + "/".join(other.split("/")[-3:-1]))
                out[aspect] = (f"{label}, but the scan reports it {pair.verdict} of {short(other)} "
                               f"({where}): {evidence(pair, story)}")
            elif aspect == "source":
                other = other_of(pair, story) if pair else None
                if pair is not None and other not in case["pa"]:
                    own = max((judge(story, p) for p in case["pa"]),
                              key=lambda q: float(q.scores[f"coverage_{side(q, story)}"]))
                    out[aspect] = (f"{label} from its catchline's PA copy, but its best PA pair "
                                   f"is with {other} of another catchline ("
                                   f"{' on '.join(reversed(other.split('/')[-3:-1]))}), which covers "
                                   f"{pct(pair.scores[f'coverage_{side(pair, story)}'])} of it; "
                                   f"its own {short(other_of(own, story))} covers "
                                   f"{pct(own.scores[f'coverage_{side(own, story)}'])} "
                                   f"({own.verdict})")
                else:
                    out[aspect] = source_reason(label, outcome["source"], pair, story, want)
            elif pair is None:
                out[aspect] = f"{label}, but no PA pair is reported (extent non)"
            else:
                out[aspect] = extent_reason(label, pair, story, outcome["extent"],
                                            judge.config.wholly_coverage, case["pa"])
    return out


# ---------------------------------------------------------------------------- main


def build(corpus: str, fresh: bool = False):
    if corpus == "demo":
        from derivdetect.ingest import read_document

        config = Config(workers=1)
        docs = [read_document(p, config) for p in sorted(G.CORPUS.glob("*.txt"))]
        docs = [dataclasses.replace(d, id=Path(d.id).name, path=Path(d.path).name)
                for d in docs]
        cases, extra = demo_cases(), {}
        header = {"corpus": "demo corpus corpus/ (relations.csv)",
                  "judged_by": "derivdetect.scan(corpus/, Config(workers=1)): the reported pair "
                               "of a and b, if any",
                  "notes": ["relations.csv does not label extent: not checked."]}
    elif corpus == "clough":
        config = Config(workers=1)
        docs = G.clough_documents()
        cases, extra = clough_cases(), {}
        header = {"corpus": "Clough & Stevenson short answers, tasks a-c "
                            "(../shared/data/clough-stevenson)",
                  "judged_by": "derivdetect.scan_documents over all texts (answers and "
                               "originals), Config(workers=1): the reported pair of the answer "
                               "and orig_task<task>.txt, if any",
                  "notes": ["The labels do not say how much of an answer comes from the "
                            "original: extent is not checked."]}
    else:
        config = Config(encoding="latin-1", workers=1)
        docs = G.meter_documents()
        cases, sample = meter_cases()
        extra = {"sample": sample}
        header = {"corpus": "METER show-business (../shared/data/meter-showbiz)",
                  "judged_by": "derivdetect.scan_documents over every PA text and newspaper "
                               "story (Latin-1), Config(encoding='latin-1', workers=1), as "
                               "benchmarks/meter.py: derived = some reported pair links the "
                               "story with a PA text; source and extent = those of its best PA "
                               "pair (most of the story covered)",
                  "notes": ["expected source: any PA text of the story's catchline (the "
                            "labels don't say which)."]}
    judge = Judge(docs, config)
    old_path = G.GOLDEN / f"{corpus}.json"
    old = {}
    if old_path.exists() and not fresh:
        old = {c["id"]: c.get("xfail", {}) for c in json.loads(old_path.read_text())["cases"]}
    for case in cases:
        outcome, pair = G.OUTCOME[corpus](case)
        fresh = reasons_for(corpus, case, outcome, pair, judge)
        kept = {a: HAND.get((corpus, case["id"], a)) or old.get(case["id"], {}).get(a) or r
                for a, r in fresh.items()}
        if kept:
            case["xfail"] = kept
    return {**header, **extra, "cases": cases}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args(argv)
    changed = False
    for corpus in G.CORPORA:
        if (corpus == "clough" and not G.clough_present()) or (
                corpus == "meter" and not G.meter_present()):
            print(f"{corpus}: data not found, left as it is")
            continue
        golden = build(corpus, args.fresh)
        text = json.dumps(golden, indent=1, ensure_ascii=False) + "\n"
        path = G.GOLDEN / f"{corpus}.json"
        if not path.exists() or path.read_text() != text:
            changed = True
            if not args.check:
                path.parent.mkdir(exist_ok=True)
                path.write_text(text)
        n = len(golden["cases"])
        xf = sum(len(c.get("xfail", {})) for c in golden["cases"])
        aspects = sum(len(c["expected"]) for c in golden["cases"])
        print(f"{corpus}: {n} cases, {aspects} checks, {xf} strict xfails")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())

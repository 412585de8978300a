"""Shared code of the METER show-business benchmarks (``meter.py``, ``meter_spans.py``,
``align.py``): reading the corpus, the gold labels and annotations, judging the
same-catchline pairs, settings from the command line, and the metrics.

The data (read only, never copied) is ``../shared/data/meter-showbiz`` next to the
repository; ``--data PATH`` points elsewhere. Layout::

    PA/showbiz/<date>/<catchline>/*.txt                      Press Association wire copy
    newspapers/rawtexts/showbiz/<date>/<catchline>/*.txt     newspaper stories
    newspapers/annotated/showbiz/<date>/<catchline>/*.sgml   the same stories, annotated
    file_index/{wholly,partially,non}_derived.txt            label of each story

A document's id is its path relative to the data folder (``PA/showbiz/...`` or
``newspapers/rawtexts/showbiz/...``), so ids match what ``derivdetect scan`` of that folder
would report. Texts are decoded as Latin-1 (what ``--encoding latin-1`` gives).

Annotation spans are mapped onto the raw text by aligning the non-whitespace characters of the
SGML body (tags removed, entities decoded) to those of the raw text with difflib: equal runs map
one to one, and so do same-length substitutions (the raw texts of a few stories have Windows-1252
curly quotes and dashes where the SGML has ``"`` and ``-``). On the 90 annotated stories 99.9%
of the Verbatim+Rewrite characters map (the benchmark prints the exact share); the misses are a
sentence of coogan95_telegraph that is in the SGML but not in the raw text, and a few single
characters (``R`` / ``Fl``, ``...`` / one ellipsis byte).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import hashlib
import html
import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Optional

import numpy as np

from derivdetect import Config, ConfigError
from derivdetect.engines import local as engine
from derivdetect.models import VERDICTS, Document, Pair

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "meter-showbiz"
LABELS = ("wholly", "partially", "non")
ENCODING = "latin-1"

# Character classes of the annotation, per character of the raw text.
NONE, VERBATIM, REWRITE, NEW = 0, 1, 2, 3
_TAG_CODES = {"verbatim": VERBATIM, "rewrite": REWRITE, "new": NEW}
_CLASSIFICATION = {"wholly-derived": "wholly", "partially-derived": "partially",
                   "non-derived": "non"}

# Single-threaded BLAS around pair loops, as scan does (older engines lack the helper).
quiet_blas = getattr(engine, "small_matrix_mode", contextlib.nullcontext)


# ---------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class Story:
    """One newspaper story: its document id, catchline ``(date, name)``, gold label and the
    path of its annotated SGML version."""

    id: str
    catchline: tuple
    label: str
    sgml: Path


@dataclass
class Meter:
    root: Path
    pa: list  # Documents
    news: list  # Documents
    stories: list  # Stories, one per newspaper story in file_index
    pa_by_catchline: dict  # (date, name) -> [PA document ids]
    notes: list  # oddities found while loading

    @property
    def documents(self) -> list:
        return self.pa + self.news

    @property
    def by_id(self) -> dict:
        return {d.id: d for d in self.documents}

    def describe(self) -> str:
        counts = Counter(s.label for s in self.stories)
        return (f"METER show-business at {self.root}: {len(self.documents)} documents "
                f"({len(self.pa)} PA, {len(self.news)} newspaper stories: "
                f"{counts['wholly']} wholly, {counts['partially']} partially, "
                f"{counts['non']} non-derived)")


def data_present(root: Path) -> bool:
    root = Path(root)
    return (root / "PA" / "showbiz").is_dir() and (root / "file_index").is_dir()


def require_data(root: Path) -> None:
    """Exit quietly (status 0) with a plain message when the data is not there."""
    if not data_present(root):
        print(f"METER show-business data not found at {root} (expected PA/showbiz/ and "
              f"file_index/ there); pass --data PATH. Nothing to measure.")
        sys.exit(0)


def read_text(path: Path) -> str:
    return Path(path).read_bytes().decode(ENCODING)


def _document(root: Path, path: Path) -> Document:
    data = path.read_bytes()
    rel = path.relative_to(root).as_posix()
    return Document(id=rel, path=rel, text=data.decode(ENCODING), encoding=ENCODING,
                    format="txt", content_hash=hashlib.sha1(data).hexdigest())


def catchline_of(doc_id: str) -> tuple:
    parts = doc_id.split("/")
    return parts[-3], parts[-2]


def load(root: Path = DEFAULT_DATA) -> Meter:
    """Read the PA copy, the newspaper stories and their labels."""
    root = Path(root)
    if not data_present(root):
        raise FileNotFoundError(f"METER show-business data not found at {root}")
    # <date>/<catchline>/<file>: the readme.txt files one level up are not articles.
    pa = [_document(root, p) for p in sorted((root / "PA" / "showbiz").glob("*/*/*.txt"))]
    news_dir = root / "newspapers" / "rawtexts" / "showbiz"
    news = [_document(root, p) for p in sorted(news_dir.glob("*/*/*.txt"))]
    labels, notes = {}, []
    for label in LABELS:
        for line in (root / "file_index" / f"{label}_derived.txt").read_text("latin-1").splitlines():
            line = line.strip()
            if not line:
                continue
            doc_id = line.removeprefix("meter_corpus/")
            if doc_id in labels and labels[doc_id] != label:
                notes.append(f"{doc_id} is listed as both {labels[doc_id]} and {label}")
            labels[doc_id] = label
    news_ids = {d.id for d in news}
    for doc_id in sorted(set(labels) - news_ids):
        notes.append(f"file_index lists {doc_id}, which is not in rawtexts")
    for doc_id in sorted(news_ids - set(labels)):
        notes.append(f"{doc_id} has no label in file_index (left out of the scores)")
    stories = []
    for doc in news:
        if doc.id not in labels:
            continue
        sgml = (root / doc.id.replace("/rawtexts/", "/annotated/", 1)).with_suffix(".sgml")
        stories.append(Story(doc.id, catchline_of(doc.id), labels[doc.id], sgml))
    pa_by_catchline: dict = {}
    for doc in pa:
        pa_by_catchline.setdefault(catchline_of(doc.id), []).append(doc.id)
    for story in stories:
        if story.catchline not in pa_by_catchline:
            notes.append(f"{story.id}: no PA copy for catchline {'/'.join(story.catchline)}")
    return Meter(root, pa, news, stories, pa_by_catchline, notes)


# ---------------------------------------------------------------------------- settings


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help=f"METER show-business folder (default: {DEFAULT_DATA})")
    parser.add_argument("--config", type=Path, metavar="FILE.toml",
                        help="settings file, as for 'derivdetect scan --config'")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        dest="overrides",
                        help="override one Config field (repeatable), e.g. --set "
                             "derivative_coverage=0.25")


def base_config() -> Config:
    return Config(encoding=ENCODING)


def _value(text: str):
    """A TOML scalar (``0.25``, ``6``, ``true``, ``"x"``), else the text itself."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def config_from_args(args: argparse.Namespace) -> Config:
    """``Config(encoding="latin-1")``, then ``--config``, then each ``--set``; a bad setting
    ends the program with a one-line message and status 2."""
    try:
        config = base_config()
        if args.config:
            config = Config.from_toml(args.config, config)
        changes = {}
        for item in args.overrides:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ConfigError(f"--set {item!r}: use KEY=VALUE")
            key, value = key.strip(), _value(value.strip())
            default = getattr(Config(), key, None)
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if isinstance(default, (int, float)) and not number:
                raise ConfigError(f"--set {key}={value}: expected a number")
            if isinstance(default, int) and isinstance(value, float):
                raise ConfigError(f"--set {key}={value}: expected a whole number")
            changes[key] = value
        return config.replace(**changes)
    except (ConfigError, TypeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


def settings_line(config: Config) -> str:
    default = Config()
    changed = [f"{f.name}={getattr(config, f.name)}" for f in fields(Config)
               if getattr(config, f.name) != getattr(default, f.name)]
    return "settings: " + (", ".join(changed) + " (others default)" if changed else "defaults")


# ---------------------------------------------------------------------------- pairs


def story_side(pair: Pair, story_id: str) -> str:
    return "a" if pair.a == story_id else "b"


def story_coverage(pair: Pair, story_id: str) -> float:
    return float(pair.scores[f"coverage_{story_side(pair, story_id)}"])


def other_id(pair: Pair, story_id: str) -> str:
    return pair.b if pair.a == story_id else pair.a


def story_spans(pair: Pair, story_id: str, kinds: Optional[tuple] = None) -> list:
    """Character spans of the pair's passages on the story's side (of the ``kinds`` given)."""
    on_a = story_side(pair, story_id) == "a"
    return [(q.a_start, q.a_end) if on_a else (q.b_start, q.b_end)
            for q in pair.passages if kinds is None or q.kind in kinds]


def best_pair(pairs, story_id: str, reported_only: bool = True) -> Optional[Pair]:
    """The pair covering most of the story (among reported pairs unless told otherwise)."""
    pool = [p for p in pairs if p.reported or not reported_only]
    return max(pool, key=lambda p: story_coverage(p, story_id), default=None)


def predicted_extent(pair: Optional[Pair]) -> str:
    """``wholly`` / ``partially`` from a reported pair's extent; ``non`` otherwise."""
    if pair is None or pair.verdict not in VERDICTS:
        return "non"
    return pair.extent or "partially"


def oriented_scores(pair: Pair, story_id: str) -> dict:
    """The pair's scores with ``a``/``b`` in key names replaced by ``story``/``pa``."""
    names = {"a": "story", "b": "pa"} if pair.a == story_id else {"a": "pa", "b": "story"}
    return {"_".join(names.get(part, part) for part in key.split("_")): value
            for key, value in pair.scores.items()}


def prepare_meter(meter: Meter, config: Config):
    """Every document prepared as ``scan`` prepares it (boilerplate counted over the whole
    corpus, topic words damped)."""
    prepared = engine.prepare_corpus(meter.documents, config)
    return {p.doc.id: p for p in prepared}


def judge_catchline_pairs(meter: Meter, config: Config, stories=None,
                          pairwise: bool = False, prepared=None) -> dict:
    """Every story judged against each PA text of its date+catchline, regardless of the
    candidate routes: ``{story id: [Pair, ...]}``. Pairs are oriented as ``scan`` orients
    them (``a`` is the smaller id, so the PA text). ``pairwise`` uses
    ``engine.compare_documents`` (each pair on its own, no corpus boilerplate) instead of the
    prepared corpus."""
    stories = meter.stories if stories is None else stories
    out = {}
    if pairwise:
        docs = meter.by_id
        for story in stories:
            out[story.id] = [
                engine.compare_documents(*sorted((docs[pa_id], docs[story.id]),
                                                 key=lambda d: d.id), config)
                for pa_id in meter.pa_by_catchline.get(story.catchline, [])]
        return out
    prepared = prepared or prepare_meter(meter, config)
    with quiet_blas():
        for story in stories:
            pairs = []
            for pa_id in meter.pa_by_catchline.get(story.catchline, []):
                pa, pb = sorted((prepared[pa_id], prepared[story.id]), key=lambda p: p.doc.id)
                pairs.append(engine.judge(pa, pb, config))
            out[story.id] = pairs
    return out


# ---------------------------------------------------------------------------- annotation


@dataclass(frozen=True)
class Annotation:
    """A story's SGML annotation mapped onto its raw text.

    ``codes[i]`` is the annotation class of raw-text character ``i`` (NONE, VERBATIM,
    REWRITE, NEW; NONE also for characters the mapping could not place). ``counts`` are
    non-whitespace character counts: ``sgml`` / ``sgml_<class>`` in the SGML body,
    ``sgml_mapped`` / ``mapped_<class>`` of those that found their raw-text character, ``raw`` /
    ``raw_matched`` in the raw text and of those given an SGML character.
    """

    classification: str  # wholly / partially / non
    unclassified: bool  # body is one <unclassified> block (no span annotation)
    codes: np.ndarray
    counts: dict


_TAG_RE = re.compile(r"<(/?)([A-Za-z]+)[^>]*>")
_BODY_RE = re.compile(r"<body\b[^>]*>(.*)</body\s*>", re.IGNORECASE | re.DOTALL)
_CLASS_RE = re.compile(r"classification\s*=\s*\"([^\"]*)\"", re.IGNORECASE)


def _sgml_chars(body: str) -> tuple[str, list]:
    """The body's text (tags removed, entities decoded) and the class of each character."""
    chars, codes = [], []
    current = NONE
    pos = 0
    for match in _TAG_RE.finditer(body):
        piece = html.unescape(body[pos: match.start()])
        chars.append(piece)
        codes.extend([current] * len(piece))
        name = match.group(2).lower()
        if name in _TAG_CODES:
            current = NONE if match.group(1) else _TAG_CODES[name]
        pos = match.end()
    piece = html.unescape(body[pos:])
    chars.append(piece)
    codes.extend([current] * len(piece))
    return "".join(chars), codes


def read_annotation(sgml: Path, raw: str) -> Annotation:
    text = read_text(sgml)
    match = _CLASS_RE.search(text)
    classification = _CLASSIFICATION.get(match.group(1).strip().lower(), "") if match else ""
    body = _BODY_RE.search(text)
    body = body.group(1) if body else ""
    unclassified = re.search(r"<unclassified\b", body, re.IGNORECASE) is not None
    sgml_text, sgml_codes = _sgml_chars(body)
    s_idx = [i for i, c in enumerate(sgml_text) if not c.isspace()]
    r_idx = [i for i, c in enumerate(raw) if not c.isspace()]
    s_seq = "".join(sgml_text[i] for i in s_idx)
    r_seq = "".join(raw[i] for i in r_idx)
    codes = np.zeros(len(raw), dtype=np.int8)
    mapped = np.zeros(len(s_idx), dtype=bool)
    matched = np.zeros(len(r_idx), dtype=bool)
    matcher = difflib.SequenceMatcher(None, s_seq, r_seq, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for i, j in zip(range(i1, i2), range(j1, j2)):
                codes[r_idx[j]] = sgml_codes[s_idx[i]]
                mapped[i] = matched[j] = True
    s_codes = np.array([sgml_codes[i] for i in s_idx], dtype=np.int8)
    counts = {"sgml": len(s_idx), "sgml_mapped": int(mapped.sum()),
              "raw": len(r_idx), "raw_matched": int(matched.sum())}
    for name, code in (("verbatim", VERBATIM), ("rewrite", REWRITE), ("new", NEW)):
        counts[f"sgml_{name}"] = int((s_codes == code).sum())
        counts[f"mapped_{name}"] = int(((s_codes == code) & mapped).sum())
    return Annotation(classification, unclassified, codes, counts)


def nonspace_mask(text: str) -> np.ndarray:
    return np.fromiter((not c.isspace() for c in text), bool, len(text))


def span_mask(length: int, spans) -> np.ndarray:
    mask = np.zeros(length, dtype=bool)
    for start, end in spans:
        mask[start:end] = True
    return mask


# ---------------------------------------------------------------------------- metrics


def prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def classification_scores(gold: list, predicted: list, classes) -> dict:
    """Per-class precision/recall/F1, their macro-average F1, accuracy and the confusion
    table ``confusion[true][predicted]``."""
    confusion = {g: {p: 0 for p in classes} for g in classes}
    for g, p in zip(gold, predicted):
        confusion[g][p] += 1
    per_class = {}
    for c in classes:
        tp = confusion[c][c]
        fp = sum(confusion[g][c] for g in classes if g != c)
        fn = sum(confusion[c][p] for p in classes if p != c)
        per_class[c] = {**prf(tp, fp, fn), "support": tp + fn}
    total = len(gold)
    return {
        "per_class": per_class,
        "macro_f1": sum(v["f1"] for v in per_class.values()) / len(classes),
        "accuracy": sum(confusion[c][c] for c in classes) / total if total else 0.0,
        "confusion": confusion,
        "n": total,
    }


def format_classes(result: dict, names: Optional[dict] = None) -> str:
    names = names or {}
    lines = [f"  {'class':<12} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}"]
    for c, v in result["per_class"].items():
        lines.append(f"  {names.get(c, c):<12} {v['precision']:>9.3f} {v['recall']:>7.3f} "
                     f"{v['f1']:>6.3f} {v['support']:>8}")
    lines.append(f"  macro-F1 {result['macro_f1']:.3f}   accuracy {result['accuracy']:.3f}   "
                 f"(n={result['n']})")
    return "\n".join(lines)


def format_confusion(result: dict) -> str:
    classes = list(result["confusion"])
    header = "true \\ predicted"
    lines = [f"  {header:<17}" + "".join(f"{c:>10}" for c in classes)]
    for g in classes:
        lines.append(f"  {g:<17}" + "".join(f"{result['confusion'][g][p]:>10}" for p in classes))
    return "\n".join(lines)


def format_prf(name: str, scores: dict) -> str:
    return (f"  {name:<34} P {scores['precision']:.3f}  R {scores['recall']:.3f}  "
            f"F1 {scores['f1']:.3f}")

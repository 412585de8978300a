"""The local engine: runs the pure stages over a folder or a pair of files.

ingest -> boilerplate counts -> prepare (normalize, shingle, signature) -> candidates
(LSH + shared rare keys) -> verify and align each candidate -> classify -> cluster.

Only :func:`scan` and :func:`compare` touch the filesystem (through ``ingest``); everything
they call takes and returns plain data, so an archive index or a Spark engine can run the same
stages on other storage.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from threadpoolctl import threadpool_limits

from . import __version__
from .align import Side, align_passages, covered_share
from .boilerplate import boilerplate_spans, count_lines, line_keys, token_mask
from .candidates import lsh_candidates, merge_candidates, shared_key_candidates
from .classify import extent_for, source_for, verdict_for
from .cluster import clusters_of
from .config import Config
from .errors import InputError
from .models import Document, Pair, ScanResult
from .normalize import Analysis, analyze
from .shingle import content_shingles, word_shingles
from .signature import minhash
from .verify import overlap, set_scores

Progress = Callable[[str, int, int], None]
_PARALLEL_MIN_DOCS = 400
TOPIC_MIN_DOCS = 3
TOPIC_MIN_SHARE = 0.5


@dataclass(frozen=True, eq=False)
class Prepared:
    """A document with everything the pair stages need: tokens, boilerplate, sketches."""

    doc: Document
    side: Side
    boilerplate: tuple
    word_shingles: np.ndarray
    content_keys: np.ndarray
    signature: np.ndarray

    @property
    def analysis(self) -> Analysis:
        return self.side.analysis


def prepare(doc: Document, boilerplate: tuple, config: Config) -> Prepared:
    """Analyse one document given its boilerplate spans (pure)."""
    analysis = analyze(doc.text)
    keep = token_mask(analysis.starts, boilerplate)
    words = word_shingles(analysis.forms, keep, config.shingle_words)
    keys = content_shingles(analysis.stems, analysis.content, keep, config.rewrite_key_words)
    signature = minhash(words, config.num_perm, config.seed)
    return Prepared(doc, Side(analysis, keep), boilerplate, words, keys, signature)


def _prepare_many(args) -> list:
    docs, spans, config = args
    return [prepare(d, s, config) for d, s in zip(docs, spans)]


def prepare_corpus(docs: list, config: Config, progress: Optional[Progress] = None) -> list:
    """Boilerplate over the whole corpus, then :func:`prepare` each document (in parallel)."""
    keys = [line_keys(d.text) for d in docs]
    counts = count_lines(keys)
    spans = [boilerplate_spans(d.text, k, counts, config.boilerplate_min_docs,
                               config.boilerplate_max_words) for d, k in zip(docs, keys)]
    workers = config.workers or os.cpu_count() or 1
    total = len(docs)
    if workers == 1 or total < _PARALLEL_MIN_DOCS:
        out = []
        for i, (doc, span) in enumerate(zip(docs, spans)):
            out.append(prepare(doc, span, config))
            if progress and (i % 50 == 0 or i == total - 1):
                progress("sketching", i + 1, total)
    else:
        chunk = max(50, min(500, total // (workers * 8) + 1))
        jobs = [(docs[i: i + chunk], spans[i: i + chunk], config) for i in range(0, total, chunk)]
        out = []
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for batch in pool.map(_prepare_many, jobs):
                out.extend(batch)
                if progress:
                    progress("sketching", len(out), total)
    topic = topic_words(out)
    if topic:
        out = [dataclasses.replace(p, side=Side(p.analysis, p.side.keep, topic)) for p in out]
    return out


def topic_words(prepared: list) -> frozenset:
    """Stems in at least half of the documents (and in three or more): the pile's topic."""
    if len(prepared) < TOPIC_MIN_DOCS:
        return frozenset()
    counts: Counter = Counter()
    for p in prepared:
        an, keep = p.analysis, p.side.keep
        counts.update({s for s, c, k in zip(an.stems, an.content, keep) if c and k})
    floor = max(TOPIC_MIN_DOCS, TOPIC_MIN_SHARE * len(prepared))
    return frozenset(s for s, n in counts.items() if n >= floor)


def common_shingles(prepared: list, min_docs: int) -> frozenset:
    """Word shingles found in at least ``min_docs`` documents: stock phrases of this corpus."""
    if len(prepared) < min_docs:
        return frozenset()
    counts: Counter = Counter()
    for p in prepared:
        counts.update(p.word_shingles.tolist())
    return frozenset(k for k, c in counts.items() if c >= min_docs)


def find_candidates(prepared: list, config: Config) -> np.ndarray:
    """Candidate pairs (document indexes) from both routes; never all pairs."""
    n = len(prepared)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    signatures = np.stack([p.signature for p in prepared])
    by_lsh = lsh_candidates(signatures, config.lsh_threshold)
    by_keys = shared_key_candidates([p.content_keys for p in prepared], config.rewrite_max_df,
                                    config.rewrite_min_shared)
    by_hash: dict[str, list[int]] = {}
    for i, p in enumerate(prepared):
        if p.doc.content_hash:
            by_hash.setdefault(p.doc.content_hash, []).append(i)
    same = [(g[0], j) for g in by_hash.values() for j in g[1:]]
    by_bytes = np.array(same, dtype=np.int64).reshape(-1, 2)
    return merge_candidates(n, by_lsh, by_keys, by_bytes)


def pair_scores(pa: Prepared, pb: Prepared, config: Config,
                common: frozenset = frozenset()) -> tuple[dict, list]:
    """Exact set scores, aligned passages and coverage for one pair."""
    scores = set_scores(pa.word_shingles, pb.word_shingles)
    shared_keys = overlap(pa.content_keys, pb.content_keys)
    scores["content_containment_a_in_b"] = shared_keys / len(pa.content_keys) if len(pa.content_keys) else 0.0
    scores["content_containment_b_in_a"] = shared_keys / len(pb.content_keys) if len(pb.content_keys) else 0.0
    a, b = pa.side, pb.side
    passages = align_passages(a, b, config.min_exact_words, config.paraphrase_threshold, common)
    exact = [p for p in passages if p.kind == "exact"]
    for name, side, pick in (("a", a, lambda p: (p.a_start, p.a_end)),
                             ("b", b, lambda p: (p.b_start, p.b_end))):
        cov = covered_share(side, [pick(p) for p in passages])
        cov_exact = covered_share(side, [pick(p) for p in exact])
        scores[f"coverage_{name}"] = cov
        scores[f"exact_coverage_{name}"] = cov_exact
        scores[f"paraphrase_coverage_{name}"] = max(0.0, cov - cov_exact)
        scores[f"words_{name}"] = int(side.keep.sum())
        scores[f"aligned_words_{name}"] = _tokens_inside(side, [pick(p) for p in passages])
    scores["longest_exact_words"] = max(
        (_tokens_inside(a, [(p.a_start, p.a_end)]) for p in exact), default=0)
    scores["exact_passages"] = len(exact)
    scores["paraphrase_passages"] = len(passages) - len(exact)
    scores["identical_text"] = bool(
        pa.doc.content_hash and pa.doc.content_hash == pb.doc.content_hash) or (
        scores["words_a"] > 0 and scores["words_a"] == scores["words_b"]
        and _kept_forms(a) == _kept_forms(b))
    return scores, passages


def _kept_forms(side: Side) -> list:
    return [f for f, k in zip(side.analysis.forms, side.keep) if k]


def _tokens_inside(side: Side, spans) -> int:
    starts = side.analysis.starts
    inside = np.zeros(len(starts), dtype=bool)
    for start, end in spans:
        lo, hi = np.searchsorted(starts, [start, end])
        inside[lo:hi] = True
    return int((inside & side.keep).sum())


def small_matrix_mode():
    """Single-threaded BLAS: alignment multiplies many tiny matrices, and OpenBLAS threads
    make each product a hundred times slower than one core does (0.17 ms vs 16 ms measured)."""
    return threadpool_limits(limits=1, user_api="blas")


def judge(pa: Prepared, pb: Prepared, config: Config, common: frozenset = frozenset()) -> Pair:
    """The full judgement of one pair: scores, passages, verdict, source, extent.

    Call it inside :func:`small_matrix_mode` when judging many pairs."""
    scores, passages = pair_scores(pa, pb, config, common)
    verdict, reasons = verdict_for(scores, config)
    source, why = source_for(scores, verdict, pa.doc, pb.doc)
    extent = extent_for(scores, verdict, config)
    return Pair(pa.doc.id, pb.doc.id, verdict, source, why, extent, scores,
                tuple(passages), tuple(reasons))


def scan_documents(docs: list, config: Config, progress: Optional[Progress] = None):
    """Pairs and families in a list of documents (pure: no filesystem)."""
    prepared = prepare_corpus(docs, config, progress)
    candidates = find_candidates(prepared, config)
    common = common_shingles(prepared, max(4, len(prepared) // 100))
    pairs = []
    total = len(candidates)
    with small_matrix_mode():
        for k, (i, j) in enumerate(candidates.tolist()):
            pa, pb = prepared[i], prepared[j]
            if pa.doc.id > pb.doc.id:
                pa, pb = pb, pa
            pair = judge(pa, pb, config, common)
            if pair.reported:
                pairs.append(pair)
            if progress and (k % 20 == 0 or k == total - 1):
                progress("aligning", k + 1, total)
    pairs.sort(key=lambda p: (p.a, p.b))
    clusters = clusters_of(pairs, {d.id: d.date for d in docs})
    stats = {"documents": len(docs), "candidates": int(total), "reported": len(pairs)}
    boilerplate = {p.doc.id: p.boilerplate for p in prepared if p.boilerplate}
    return tuple(pairs), clusters, stats, boilerplate


def scan(root: Path, config: Config, progress: Optional[Progress] = None) -> ScanResult:
    """Read every article under ``root`` and find its copies and rewrites."""
    from .ingest import iter_inputs

    root = Path(root)
    if not root.exists():
        raise InputError(f"{root}: no such folder")
    if not root.is_dir():
        raise InputError(f"{root}: not a folder; to judge two files use 'derivdetect compare A B'")
    docs, skipped = [], []
    for item in iter_inputs(root, config):
        (docs if isinstance(item, Document) else skipped).append(item)
        if progress and len(docs) % 200 == 0:
            progress("reading", len(docs), 0)
    pairs, clusters, stats, boilerplate = scan_documents(docs, config, progress)
    return ScanResult(
        root=str(root), documents=tuple(docs), pairs=pairs, clusters=clusters,
        skipped=tuple(skipped), settings=config.to_dict(),
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        boilerplate=boilerplate, stats={**stats, "skipped": len(skipped), "version": __version__})


def compare_documents(doc_a: Document, doc_b: Document, config: Config) -> Pair:
    """Judge one pair on its own (boilerplate: furniture and repeated lines only)."""
    prepared = [prepare(d, boilerplate_spans(d.text, line_keys(d.text), Counter(),
                                             config.boilerplate_min_docs,
                                             config.boilerplate_max_words), config)
                for d in (doc_a, doc_b)]
    with small_matrix_mode():
        return judge(prepared[0], prepared[1], config)


def compare(path_a: Path, path_b: Path, config: Config) -> tuple[Pair, Document, Document]:
    """Read two files and judge them."""
    from .ingest import read_document

    doc_a = read_document(Path(path_a), config)
    doc_b = read_document(Path(path_b), config)
    return compare_documents(doc_a, doc_b, config), doc_a, doc_b

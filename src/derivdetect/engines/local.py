"""The local engine: runs the pure stages over a folder or a pair of files.

ingest -> sketch (every document: signature, rewrite keys, line keys; a few KB each)
-> boilerplate counts -> candidates (LSH + shared rare keys + same bytes) -> topic words
-> verify and align each candidate (full analysis only for documents in candidate pairs)
-> classify -> cluster.

Sketching runs on threads of this process (compiled kernels that release the GIL) and
verification in worker processes. Only :func:`scan` and :func:`compare`
touch the filesystem (through ``ingest``); everything they call takes and returns plain data,
so an archive index or a Spark engine can run the same stages on other storage.
"""

from __future__ import annotations

import datetime as _dt
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import numpy as np

from .. import __version__
from ..compiled import use_compiled
from ..config import Config
from ..errors import InputError
from ..models import Document, JudgedCorpus, Pair, ScanResult
from ..stages.candidates import lsh_candidates, merge_candidates, shared_key_candidates
from ..stages.cluster import clusters_of
from ..stages.judge import (
    Prepared,
    compare_documents,
    judge,
    prepare,
    prepare_many,
    small_matrix_mode,
)
from ..stages.sketch import Sketches, SketchStore, sketch_texts
from ..store.cache import Judgements, SketchSpill, judgement_context, pair_key
from .pool import return_free_memory, run_batches, worker_count

Progress = Callable[[str, int, int], None]
PARALLEL_MIN_PAIRS = 300
SKETCH_BATCH = 1000
VERIFY_BATCH = 128
TOPIC_MIN_DOCS = 3
TOPIC_MIN_SHARE = 0.9
TOPIC_MAX_GROUP = 64


# ---------------------------------------------------------------------------- sketches


def _sketch_batch(args) -> Sketches:
    texts, config, fast = args
    return sketch_texts(texts, config, fast)


def sketch_corpus(docs: list, config: Config, progress: Optional[Progress] = None,
                  known: Optional[SketchStore] = None) -> Sketches:
    """Sketch every document of a list; see :func:`sketch_stream`."""
    batches = (docs[k: k + SKETCH_BATCH] for k in range(0, len(docs), SKETCH_BATCH))
    return sketch_stream(batches, config, progress, known, total=len(docs))


def sketch_stream(batches: Iterable, config: Config, progress: Optional[Progress] = None,
                  known: Optional[SketchStore] = None, total: int = 0) -> Sketches:
    """Sketch documents arriving in batches (lists of :class:`Document`), on ``workers``
    threads when there is more than one batch (the compiled kernels release the GIL: no
    texts or sketches are copied between processes, and the vocabulary is built once), with
    a bounded number of batches in flight: the texts of a batch are dropped once it is
    sketched. Documents whose sketch is in ``known`` (an
    earlier scan with the same settings) are not sketched again. Returns the sketches in
    document order (see ``sketch.py``); the compiled path is used from the first full batch
    on (:func:`compiled.use_compiled`)."""
    batches = iter(batches)
    head = [b for b in (next(batches, None), next(batches, None)) if b is not None]
    if not head:
        return Sketches.concat([], config.num_perm)
    parallel = len(head) > 1
    fast = use_compiled(len(head[0]))
    in_flight: deque = deque()

    def jobs():
        for batch in chain(head, batches):
            keys = [_sketch_key(d) for d in batch]
            todo = [i for i, key in enumerate(keys)
                    if not key or known is None or key not in known]
            in_flight.append((keys, todo))
            yield [batch[i].text for i in todo], config, fast

    # closing: an exception here (Ctrl-C, SIGTERM) stops the pool at once, not when the
    # traceback that keeps the generator alive is freed
    with closing(run_batches(_sketch_batch, jobs(), config, parallel, threads=fast)) as results:
        return _join_sketches(results, in_flight, known, config, progress, total)


def _join_sketches(results: Iterator, in_flight: deque, known: Optional[SketchStore],
                   config: Config, progress: Optional[Progress], total: int) -> Sketches:
    """The sketched batches in order, each joined with its documents' cached sketches."""
    parts = SketchSpill(config.num_perm)
    done = 0
    for new in results:
        keys, todo = in_flight.popleft()
        if len(todo) == len(keys):
            parts.append(new)
        else:
            fresh = set(todo)
            reused = [i for i in range(len(keys)) if i not in fresh]
            position = np.empty(len(keys), dtype=np.int64)
            position[todo] = np.arange(len(todo))
            position[reused] = len(todo) + np.arange(len(reused))
            cached = known.select([keys[i] for i in reused])
            parts.append(Sketches.concat([new, cached], config.num_perm).take(position))
        done += len(keys)
        if progress:
            progress("sketching", done, total)
    return parts.table()


def _sketch_key(doc: Document) -> str:
    """Cache key of a document's sketch: its bytes' hash and how they were read (the same
    bytes read as text and as HTML give different texts); empty (never cached) for a document
    without a hash."""
    return f"{doc.format}:{doc.content_hash}" if doc.content_hash else ""


def common_lines(sketches: Sketches, min_docs: int) -> frozenset:
    """Line keys found in at least ``min_docs`` documents: the corpus's furniture."""
    if not len(sketches.lines):
        return frozenset()
    keys, counts = np.unique(sketches.lines, return_counts=True)
    return frozenset(keys[counts >= min_docs].tolist())


def topic_words(sketches: Sketches, candidates: np.ndarray) -> dict:
    """Each document's topic words: stems in at least 90% of the texts around it (itself and
    its candidate partners, when there are at least three). They are what a story is about
    (names, places, the event), shared by copies and independent reports alike, so they weigh
    less in paraphrase scoring. Returns ``{document index: sorted uint32 stem ids}``."""
    partners: dict[int, list] = {}
    for i, j in candidates.tolist():
        partners.setdefault(i, []).append(j)
        partners.setdefault(j, []).append(i)
    out = {}
    for i, around in partners.items():
        group = [i] + sorted(around)[:TOPIC_MAX_GROUP - 1]
        if len(group) < TOPIC_MIN_DOCS + 1:
            continue
        ids, counts = np.unique(np.concatenate([sketches.stems_of(k) for k in group]),
                                return_counts=True)
        topic = ids[counts >= TOPIC_MIN_SHARE * len(group)]
        if len(topic):
            out[i] = topic
    return out


def find_candidates(docs: list, sketches: Sketches, config: Config, consume: bool = False,
                    clock: Optional["_Stopwatch"] = None) -> np.ndarray:
    """Candidate pairs (document indexes) from three routes; never all pairs. ``consume``
    lets the rewrite-key route sort ``sketches.keys`` in place (a scan that has saved its
    sketches needs them no more): 1.8 GB less at a million articles."""
    n = len(sketches)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)

    def by_lsh():
        return lsh_candidates(sketches.signatures, config.lsh_threshold)

    def by_keys():
        return shared_key_candidates(sketches.keys, sketches.key_counts(),
                                     config.rewrite_max_df, config.rewrite_min_shared,
                                     in_place=consume, workers=config.workers)

    if use_compiled(n) and worker_count(config) > 1:
        # numpy's sorts and ufuncs and the kernels release the GIL: the LSH route runs on a
        # thread beside the rewrite-key route, filling its serial steps (the sort of all keys)
        with ThreadPoolExecutor(max_workers=1) as pool:
            lsh = pool.submit(by_lsh)
            keys = by_keys()
            lsh = lsh.result()
        if clock:
            clock.split("candidates: LSH and rewrite keys, side by side")
    else:
        lsh = by_lsh()
        if clock:
            clock.split("candidates: LSH")
        keys = by_keys()
        if clock:
            clock.split("candidates: rewrite keys")
    hashes = np.array([d.content_hash or f"\0{i}" for i, d in enumerate(docs)])
    _, first, group = np.unique(hashes, return_index=True, return_inverse=True)
    copies = np.flatnonzero(first[group] != np.arange(n))
    by_bytes = np.stack((first[group][copies], copies), axis=1).astype(np.int64)
    return merge_candidates(n, lsh, keys, by_bytes)


# ---------------------------------------------------------------------------- verification


_prepared_cache: "OrderedDict[tuple, Prepared]" = OrderedDict()
PREPARED_CACHE_SIZE = 2000


def _verify_batch(args) -> list:
    """Judge a batch of candidate pairs; returns ``(pair, boilerplate of a, of b)`` for each,
    ``(None, (), ())`` where nothing is reported. Analyses are kept per worker process across batches (bounded LRU), since
    one document's pairs spread over several batches."""
    docs, pairs, config, furniture, topics, fast = args
    cache = _prepared_cache
    context = (repr(config), hash(furniture))

    def key_of(i: int) -> tuple:
        topic = topics.get(i)
        return (docs[i].id, docs[i].content_hash, context,
                None if topic is None else topic.tobytes())

    def cached(i: int):
        found = cache.get(key_of(i))
        return found if found is not None and found.doc.text == docs[i].text else None

    missing = []
    for i in sorted({i for pair in pairs for i in pair}):
        if cached(i) is None:
            missing.append(i)
        else:
            cache.move_to_end(key_of(i))
    if fast:
        fresh = prepare_many([docs[i] for i in missing], config, furniture,
                             [topics.get(i) for i in missing])
    else:
        fresh = [prepare(docs[i], config, furniture, topics.get(i)) for i in missing]
    for i, prepared in zip(missing, fresh):
        cache[key_of(i)] = prepared
    while len(cache) > max(PREPARED_CACHE_SIZE, len(docs)):
        cache.popitem(last=False)   # the least recently used; this batch's are the newest

    def get(i: int) -> Prepared:
        return cache[key_of(i)]

    out = []
    with small_matrix_mode():
        for i, j in pairs:
            pa, pb = get(i), get(j)
            if pa.doc.id > pb.doc.id:
                pa, pb = pb, pa
            pair = judge(pa, pb, config)
            if pair.reported:
                out.append((pair, pa.boilerplate, pb.boilerplate))
            else:
                out.append((None, (), ()))
    return out


def verify_candidates(docs: list, candidates: np.ndarray, config: Config,
                      furniture: frozenset, topics: dict,
                      progress: Optional[Progress] = None,
                      text_of: Optional[Callable[[int], str]] = None,
                      judgements: Optional[Judgements] = None) -> list:
    """Judge every candidate pair, in parallel batches grouped by document (on the compiled
    text path as :func:`compiled.use_compiled` decides). Returns ``(pair,
    boilerplate of a, of b)`` for the reported pairs. Pairs found in ``judgements`` (same
    texts, ids, dates and topic words; see ``index.Judgements``) are not judged again; the
    store is left holding exactly this corpus's candidate pairs."""
    fast = use_compiled(len(docs))
    known = judgements.items if judgements is not None else {}
    keys = {}
    reused = []
    pairs = []
    for i, j in sorted(map(tuple, candidates.tolist())):
        key = pair_key(docs[i], docs[j], topics.get(i), topics.get(j)) \
            if judgements is not None else ""
        keys[(i, j)] = key
        if key and key in known:
            reused.append(known[key])
        else:
            pairs.append((i, j))
    batches = [pairs[i: i + VERIFY_BATCH] for i in range(0, len(pairs), VERIFY_BATCH)]

    def with_text(i: int) -> Document:
        return docs[i] if text_of is None else replace(docs[i], text=text_of(i))

    def jobs():
        for batch in batches:
            needed = {i for pair in batch for i in pair}
            yield ({i: with_text(i) for i in needed}, batch, config, furniture,
                   {i: topics[i] for i in needed if i in topics}, fast)

    judged = {}
    done = len(reused)
    results = run_batches(_verify_batch, jobs(), config, len(pairs) >= PARALLEL_MIN_PAIRS)
    with closing(results):
        for batch, result in zip(batches, results):
            judged.update(zip(batch, result))
            done += len(batch)
            if progress:
                progress("aligning", done, len(keys))
    if judgements is not None:
        judgements.items = {key: judged.get(ij) or known[key]
                            for ij, key in keys.items() if key}
    out = [found for found in reused if found[0] is not None]
    out += [found for found in judged.values() if found[0] is not None]
    return out


# ---------------------------------------------------------------------------- drivers


def prepare_corpus(docs: list, config: Config) -> list:
    """Every document prepared for verification exactly as :func:`scan_documents` prepares
    the documents of candidate pairs (corpus furniture and topic words included). For
    benchmarks and tools that judge chosen pairs of a corpus."""
    sketches = sketch_corpus(docs, config)
    furniture = common_lines(sketches, config.boilerplate_min_docs)
    topics = topic_words(sketches, find_candidates(docs, sketches, config))
    return [prepare(d, config, furniture, topics.get(i)) for i, d in enumerate(docs)]


def scan_documents(docs: list, config: Config, progress: Optional[Progress] = None,
                   known_sketches: Optional[SketchStore] = None) -> JudgedCorpus:
    """Pairs and families in a list of documents (pure: no filesystem), as a
    :class:`~derivdetect.models.JudgedCorpus`. Sketches in ``known_sketches`` are reused (see
    :func:`sketch_stream`) and the new ones are added to it.
    """
    clock = _Stopwatch()
    keys = [_sketch_key(d) for d in docs]
    reused = sum(1 for k in keys if k and known_sketches is not None and k in known_sketches)
    sketches = sketch_corpus(docs, config, progress, known_sketches)
    clock.lap("sketch")
    if known_sketches is not None:
        known_sketches.add(keys, sketches)
    found = candidate_stage(docs, sketches, config, clock=clock)
    del sketches
    return_free_memory()
    clock.lap("candidates")
    return judge_candidates(docs, found, config, progress, clock, reused=reused)


@dataclass(frozen=True, eq=False)
class Candidates:
    """What verification needs from the sketches: the candidate pairs, the corpus furniture
    (common line keys) and each document's topic words. The sketches can go once it is made."""

    pairs: np.ndarray
    furniture: frozenset
    topics: dict
    sketch_bytes: int


def candidate_stage(docs: list, sketches: Sketches, config: Config, consume: bool = False,
                    clock: Optional["_Stopwatch"] = None) -> Candidates:
    """Furniture, candidate pairs and topic words of a sketched corpus (``consume``: see
    :func:`find_candidates`)."""
    furniture = common_lines(sketches, config.boilerplate_min_docs)
    nbytes = int(sketches.nbytes)
    pairs = find_candidates(docs, sketches, config, consume, clock)
    topics = topic_words(sketches, pairs)
    if clock:
        clock.split("candidates: topic words")
    return Candidates(pairs, furniture, topics, nbytes)


def judge_candidates(docs: list, found: Candidates, config: Config,
                     progress: Optional[Progress] = None, clock: Optional["_Stopwatch"] = None,
                     text_of: Optional[Callable[[int], str]] = None, reused: int = 0,
                     judgements: Optional[Judgements] = None) -> JudgedCorpus:
    """Verification, verdicts and families of the candidates. ``text_of(i)`` gives document
    ``i``'s text when ``docs`` carry none (a scan that keeps texts on disk); ``judgements``
    are reused and updated (see :func:`verify_candidates`). Returns what
    :func:`scan_documents` returns."""
    clock = clock or _Stopwatch()
    before = 0
    if judgements is not None:
        judgements.use_context(judgement_context(config, found.furniture))
        before = set(judgements.items)
    judged = verify_candidates(docs, found.pairs, config, found.furniture, found.topics,
                               progress, text_of, judgements)
    clock.lap("verify")
    pairs = tuple(sorted((p for p, _, _ in judged), key=lambda p: (p.a, p.b)))
    boilerplate = {}
    for pair, spans_a, spans_b in judged:
        boilerplate[pair.a] = spans_a
        boilerplate[pair.b] = spans_b
    clusters = clusters_of(pairs, {d.id: d.date for d in docs})
    stats = {"documents": len(docs), "sketches_reused": reused,
             "candidates": int(len(found.pairs)),
             "reported": len(pairs), "sketch_bytes": found.sketch_bytes,
             "furniture_lines": len(found.furniture),
             "seconds": clock.laps}
    if judgements is not None:
        stats["judgements_reused"] = sum(1 for key in judgements.items if key in before)
    return JudgedCorpus(pairs, clusters, stats, boilerplate)


class _Stopwatch:
    """Wall time per stage (``lap``) and per step inside a stage (``split``), for the scan's
    stats."""

    def __init__(self):
        import time

        self._now = time.perf_counter
        self._last = self._split = self._now()
        self.laps: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = self._now()
        self.laps[stage] = round(now - self._last, 3)
        self._last = self._split = now

    def split(self, step: str) -> None:
        now = self._now()
        self.laps[step] = round(now - self._split, 3)
        self._split = now


def scan(root: Path, config: Config, progress: Optional[Progress] = None,
         cache_dir: Optional[Path] = None) -> ScanResult:
    """Read every article under ``root`` and find its copies and rewrites. With ``cache_dir``,
    sketches of unchanged files are reused from the previous scan and the cache is updated.
    Report folders (those holding derivdetect's marker, the output folder among them) are
    not read: the walk leaves them out, since their pair pages quote both articles."""
    from ..ingest import iter_inputs
    from ..store.cache import (
        TextSpill,
        load_judgements,
        load_sketches,
        save_judgements,
        save_sketches,
    )

    root = check_folder(root)
    docs, skipped = [], []
    known = load_sketches(cache_dir, config) if cache_dir else None
    judgements = load_judgements(cache_dir) if cache_dir else None
    keys: list = []
    clock = _Stopwatch()
    with TextSpill() as spill:

        def batches():
            batch: list = []
            for item in iter_inputs(root, config):
                if not isinstance(item, Document):
                    skipped.append(item)
                    continue
                spill.put(item.text)
                docs.append(replace(item, text=""))
                keys.append(_sketch_key(item))
                batch.append(item)
                if len(batch) == SKETCH_BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch

        sketches = sketch_stream(batches(), config, progress, known)
        clock.lap("sketch")
        reused = sum(1 for k in keys if k and known is not None and k in known)
        del known
        cache_note = None
        if cache_dir:
            try:
                save_sketches(cache_dir, config, keys, sketches)
            except OSError:
                cache_note = "not saved: the output folder is not writable"
        found = candidate_stage(docs, sketches, config, consume=True, clock=clock)
        del sketches
        return_free_memory()
        clock.lap("candidates")
        judged = judge_candidates(
            docs, found, config, progress, clock, spill.get, reused, judgements)
        pairs, stats = judged.pairs, dict(judged.stats)
        del found
        if cache_dir and cache_note is None:
            try:
                save_judgements(cache_dir, judgements)
            except OSError:
                cache_note = "not saved: the output folder is not writable"
        if cache_note:
            stats["cache"] = cache_note
        paired = {p.a for p in pairs} | {p.b for p in pairs}
        documents = tuple(replace(d, text=spill.get(i)) if d.id in paired else d
                          for i, d in enumerate(docs))
    return ScanResult(
        root=str(root.resolve()), documents=documents, pairs=pairs, clusters=judged.clusters,
        skipped=tuple(skipped), settings=config.to_dict(),
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        boilerplate=judged.boilerplate, stats={**stats, "skipped": len(skipped), "version": __version__})


def check_folder(root: Path) -> Path:
    """``root`` as a folder to scan, or :class:`InputError` saying why it is not one."""
    root = Path(root)
    if not root.exists():
        raise InputError(f"{root}: no such folder")
    if not root.is_dir():
        raise InputError(f"{root}: not a folder; to judge two files use 'derivdetect compare A B'")
    return root


def compare(path_a: str | Path, path_b: str | Path, config: Config) -> tuple[Pair, Document, Document]:
    """Read two files (or ``FILE.jsonl#ID`` articles) and judge them."""
    from ..ingest import read_document

    doc_a = read_document(path_a, config)
    doc_b = read_document(path_b, config)
    return compare_documents(doc_a, doc_b, config), doc_a, doc_b

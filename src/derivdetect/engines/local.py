"""The local engine: runs the pure stages over a folder or a pair of files.

ingest -> ``stages.sketch`` (every document: signature, rewrite keys, line keys, stems; a few
KB each) -> ``stages.corpus`` (furniture, candidates by LSH + shared rare keys + same bytes,
topic words) -> ``stages.judge`` of each candidate pair (full analysis, alignment, verdict,
source, extent; only documents in candidate pairs are analysed) -> ``stages.cluster``.

Sketching runs on threads of this process (compiled kernels that release the GIL) and
judging in worker processes. Only :func:`scan` and :func:`compare` touch the filesystem
(through ``ingest`` and ``store``); the stages take and return plain data, so an archive or a
Spark engine runs the same stages on other storage.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections import OrderedDict, deque
from contextlib import closing
from dataclasses import replace
from itertools import chain
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from .. import __version__
from ..compiled import use_compiled
from ..config import Config
from ..errors import InputError
from ..models import Document, JudgedCorpus, Pair, ScanResult
from ..stages.cluster import clusters_of
from ..stages.corpus import Candidates, candidate_stage
from ..stages.judge import (
    Judged,
    Prepared,
    compare_documents,
    judge,
    prepare,
    prepare_many,
    small_matrix_mode,
)
from ..stages.sketch import Sketches, SketchStore, sketch_texts, with_known
from ..store.cache import Judgements, SketchSpill, judgement_key, judgement_settings
from .pool import return_free_memory, run_batches

Progress = Callable[[str, int, int], None]
# How this engine cuts work (none of these changes a result): pairs are judged in worker
# processes from 300 pairs on (below that, starting them costs more than it saves), in
# batches of 128 grouped by document; documents are sketched 1,000 at a time.
PARALLEL_MIN_PAIRS = 300
SKETCH_BATCH = 1000
JUDGE_BATCH = 128


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
        parts.append(with_known(new, keys, todo, known, config.num_perm))
        done += len(keys)
        if progress:
            progress("sketching", done, total)
    return parts.table()


def _sketch_key(doc: Document) -> str:
    """Cache key of a document's sketch: its bytes' hash and how they were read (the same
    bytes read as text and as HTML give different texts); empty (never cached) for a document
    without a hash."""
    return f"{doc.format}:{doc.content_hash}" if doc.content_hash else ""


# ---------------------------------------------------------------------------- judging


_prepared_cache: "OrderedDict[tuple, Prepared]" = OrderedDict()
_prepared_lock = threading.Lock()
PREPARED_CACHE_SIZE = 2000


def _judge_batch(args) -> list:
    """Judge a batch of candidate pairs: one :class:`~derivdetect.stages.judge.Judged` per
    pair. Prepared texts are kept per worker process across batches (bounded LRU, shared by
    the threads of a service), since one document's pairs spread over several batches; a
    prepared text depends on the corpus only through the furniture lines it holds and its
    topic words (``used``: the digest of those lines), so it is reused across corpora too
    (an archive's checks)."""
    docs, pairs, config, furniture, topics, used, fast = args
    cache = _prepared_cache
    settings = repr(config)

    def key_of(i: int) -> tuple:
        topic = topics.get(i)
        return (docs[i].id, docs[i].content_hash, settings, used.get(i, ""),
                None if topic is None else topic.tobytes())

    mine: dict = {}
    with _prepared_lock:
        for i in sorted({i for pair in pairs for i in pair}):
            found = cache.get(key_of(i))
            if found is not None and found.doc.text == docs[i].text:
                cache.move_to_end(key_of(i))
                mine[i] = found
    missing = sorted({i for pair in pairs for i in pair} - set(mine))
    if fast:
        fresh = prepare_many([docs[i] for i in missing], config, furniture,
                             [topics.get(i) for i in missing])
    else:
        fresh = [prepare(docs[i], config, furniture, topics.get(i)) for i in missing]
    mine.update(zip(missing, fresh))
    with _prepared_lock:
        for i in missing:
            cache[key_of(i)] = mine[i]
        while len(cache) > max(PREPARED_CACHE_SIZE, len(docs)):
            cache.popitem(last=False)   # the least recently used; this batch's are the newest

    def get(i: int) -> Prepared:
        return mine[i]

    out = []
    with small_matrix_mode():
        for i, j in pairs:
            pa, pb = get(i), get(j)
            if pa.doc.id > pb.doc.id:
                pa, pb = pb, pa
            pair = judge(pa, pb, config)
            out.append(Judged(pair, pa.boilerplate, pb.boilerplate) if pair.reported
                       else Judged(None))
    return out


def judge_pairs(docs: list, found: Candidates, config: Config,
                progress: Optional[Progress] = None,
                text_of: Optional[Callable[[int], str]] = None,
                judgements: Optional[Judgements] = None,
                fast: Optional[bool] = None) -> list:
    """Judge every candidate pair, in parallel batches grouped by document (on the compiled
    text path as :func:`compiled.use_compiled` decides). Returns the
    :class:`~derivdetect.stages.judge.Judged` of the reported pairs. Pairs found in
    ``judgements`` (see :func:`~derivdetect.store.cache.judgement_key`) are not judged
    again; the store is left holding exactly this corpus's candidate pairs. ``fast``: the
    compiled text path whatever the number of documents (a service, whose kernels are
    loaded once; the same results)."""
    fast = use_compiled(len(docs)) if fast is None else fast
    topics = found.topics
    settings = judgement_settings(config) if judgements is not None else ""
    keys = {}
    reused = []
    pairs = []
    for i, j in sorted(map(tuple, found.pairs.tolist())):
        key = judgement_key(settings, docs[i], docs[j], topics.get(i), topics.get(j),
                            found.furniture_used.get(i, ""), found.furniture_used.get(j, "")
                            ) if judgements is not None else ""
        keys[(i, j)] = key
        if key and key in judgements:
            reused.append(judgements.get(key))
        else:
            pairs.append((i, j))
    batches = [pairs[i: i + JUDGE_BATCH] for i in range(0, len(pairs), JUDGE_BATCH)]

    def with_text(i: int) -> Document:
        return docs[i] if text_of is None else replace(docs[i], text=text_of(i))

    def jobs():
        for batch in batches:
            needed = {i for pair in batch for i in pair}
            yield ({i: with_text(i) for i in needed}, batch, config, found.furniture,
                   {i: topics[i] for i in needed if i in topics},
                   {i: found.furniture_used.get(i, "") for i in needed}, fast)

    judged = {}
    done = len(reused)
    results = run_batches(_judge_batch, jobs(), config, len(pairs) >= PARALLEL_MIN_PAIRS)
    with closing(results):
        for batch, result in zip(batches, results):
            judged.update(zip(batch, result))
            done += len(batch)
            if progress:
                progress("aligning", done, len(keys))
    if judgements is not None:
        judgements.keep({key: judged.get(ij) or judgements.get(key)
                         for ij, key in keys.items() if key})
    return [j for j in chain(reused, judged.values()) if j.pair is not None]


# ---------------------------------------------------------------------------- drivers


def prepare_corpus(docs: list, config: Config) -> list:
    """Every document prepared for judging exactly as :func:`scan_documents` prepares the
    documents of candidate pairs (corpus furniture and topic words included). For
    benchmarks and tools that judge chosen pairs of a corpus."""
    sketches = sketch_corpus(docs, config)
    found = candidate_stage([d.content_hash for d in docs], sketches, config)
    return [prepare(d, config, found.furniture, found.topics.get(i))
            for i, d in enumerate(docs)]


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
    found = candidate_stage([d.content_hash for d in docs], sketches, config,
                            split=clock.split)
    del sketches
    return_free_memory()
    clock.lap("candidates")
    return judge_candidates(docs, found, config, progress, clock, reused=reused)


def judge_candidates(docs: list, found: Candidates, config: Config,
                     progress: Optional[Progress] = None, clock: Optional["_Stopwatch"] = None,
                     text_of: Optional[Callable[[int], str]] = None, reused: int = 0,
                     judgements: Optional[Judgements] = None) -> JudgedCorpus:
    """Judging, verdicts and families of the candidates. ``text_of(i)`` gives document
    ``i``'s text when ``docs`` carry none (a scan that keeps texts on disk); ``judgements``
    are reused and updated (see :func:`judge_pairs`). Returns what :func:`scan_documents`
    returns."""
    clock = clock or _Stopwatch()
    before = set(key for key, _ in judgements.items()) if judgements is not None else set()
    judged = judge_pairs(docs, found, config, progress, text_of, judgements)
    clock.lap("judge")
    pairs = tuple(sorted((j.pair for j in judged), key=lambda p: (p.a, p.b)))
    boilerplate = {}
    for j in judged:
        boilerplate[j.pair.a] = j.boilerplate_a
        boilerplate[j.pair.b] = j.boilerplate_b
    clusters = clusters_of(pairs, {d.id: d.date for d in docs}, config)
    clock.lap("families")
    stats = {"documents": len(docs), "sketches_reused": reused,
             "candidates": int(len(found.pairs)),
             "reported": len(pairs), "sketch_bytes": found.sketch_bytes,
             "furniture_lines": len(found.furniture),
             "seconds": clock.laps, "seconds_detail": clock.details}
    if judgements is not None:
        stats["judgements_reused"] = sum(1 for key, _ in judgements.items() if key in before)
    return JudgedCorpus(pairs, clusters, stats, boilerplate)


class _Stopwatch:
    """Wall time per stage (``lap``: the stages follow each other, so their times add up to
    the scan's) and per step inside a stage (``split``, kept apart in ``details``), for the
    scan's stats."""

    def __init__(self):
        import time

        self._now = time.perf_counter
        self._last = self._split = self._now()
        self.laps: dict[str, float] = {}
        self.details: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = self._now()
        self.laps[stage] = round(self.laps.get(stage, 0.0) + now - self._last, 3)
        self._last = self._split = now

    def split(self, step: str) -> None:
        now = self._now()
        self.details[step] = round(now - self._split, 3)
        self._split = now

    def add_detail(self, step: str, seconds: float) -> None:
        self.details[step] = round(self.details.get(step, 0.0) + seconds, 3)


def scan(root: Path, config: Config, progress: Optional[Progress] = None,
         cache_dir: Optional[Path] = None) -> ScanResult:
    """Read every article under ``root`` and find its copies and rewrites. With ``cache_dir``,
    sketches of unchanged files are reused from the previous scan and the cache is updated.
    Report folders (those holding derivdetect's marker, the output folder among them) are
    not read: the walk leaves them out, since their pair pages quote both articles."""
    import time

    clock = _Stopwatch()
    from ..ingest import iter_inputs
    from ..store.cache import (
        TextSpill,
        load_judgements,
        load_sketches,
        save_judgements,
        save_sketches,
    )

    clock.lap("imports")
    root = check_folder(root)
    docs, skipped = [], []
    known = load_sketches(cache_dir, config) if cache_dir else None
    judgements = load_judgements(cache_dir) if cache_dir else None
    if cache_dir:
        clock.lap("cache: load")
    keys: list = []
    with TextSpill() as spill:

        def timed(items):
            while True:
                started = time.perf_counter()
                item = next(items, None)
                clock.add_detail("sketch: reading files (main thread; threads sketch meanwhile)",
                                 time.perf_counter() - started)
                if item is None:
                    return
                yield item

        def batches():
            batch: list = []
            for item in timed(iter_inputs(root, config)):
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
        keyed = {k for k in keys if k}
        # the same documents as the cache holds, every sketch from it: the file stays as it is
        unchanged = (known is not None and len(keyed) == len(known)
                     and all(k in known for k in keyed))
        del known
        cache_note = None
        if cache_dir and not unchanged:
            try:
                save_sketches(cache_dir, config, keys, sketches)
            except OSError:
                cache_note = "not saved: the output folder is not writable"
            clock.lap("cache: save sketches")
        found = candidate_stage([d.content_hash for d in docs], sketches, config,
                                consume=True, split=clock.split)
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
            clock.lap("cache: save judgements")
        if cache_note:
            stats["cache"] = cache_note
        paired = {p.a for p in pairs} | {p.b for p in pairs}
        documents = tuple(replace(d, text=spill.get(i)) if d.id in paired else d
                          for i, d in enumerate(docs))
        clock.lap("texts of reported pairs")
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

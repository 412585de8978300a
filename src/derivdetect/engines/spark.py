"""The Spark engine: the same scan as :mod:`.local`, with the same results, on a cluster.

``derivdetect scan INPUT --engine spark [--master M] [--partitions N]``. The stages are the
local engine's (``stages.sketch``, ``stages.judge``, ``stages.cluster``); the grouping and
counting between them are Spark operations (:mod:`.spark_ops` says which, and how each
follows the local corpus stage). This module owns every read and write: the input, the
staging of texts, the collection of the reported pairs, the Parquet tables.

Input (:meth:`SparkScan.read`):

- *a folder, or one or more ``.jsonl`` files*: read **on the driver** by the project's own
  ingest (``ingest.iter_inputs``, ``ingest.walk.file_items``) and streamed into a staging
  Parquet dataset (``--partitions`` files, row groups of 1,000; texts never all in the
  driver's memory). Why the driver: a document's id and skip reason need the walk's global
  view (ids unique across files, ``feed.jsonl#x.txt`` clashes, report folders left out, the
  walk's order, which orders candidate partners exactly as the local engine does), and
  reading is a small share of a scan (100,000 articles: about 6 of 46 s locally). On a
  cluster the staging folder must be on a file system the executors see (``--staging``,
  default the temporary folder, right for ``local[*]``). For corpora of tens of millions,
  give Parquet.
- *Parquet* (a ``.parquet`` file or folder, or a folder of ``.parquet`` files; columns ``id``,
  ``text`` and optional ``title``, ``url``, ``date``, ``byline``, ``source``): read **by the
  executors**; bad rows (no id, no text, text not UTF-8, empty, longer than ``max_chars``)
  are skipped with their reason, and so are all but the longest text of an id given twice
  (ties: the lowest content hash; no row order is used, so every partitioning agrees).
  Documents are ordered by id.

Families: the reported pairs are collected to the driver (the report needs them there, and
they are a small part of the candidates: 4.6 KB each with passages), and
``stages.cluster.clusters_of`` runs on them. The bound is the driver's memory for the
reported pairs, not for the corpus.

Output: the same ``ScanResult`` as a local scan, written by the project's report writer, and
with ``--format parquet`` also ``documents.parquet`` and ``pairs.parquet``
(:meth:`SparkScan.write_tables`); then ``pairs.json`` lists only the documents of reported
pairs (every document is in ``documents.parquet``), so the driver never holds the corpus's
metadata.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Optional

from .. import __version__
from ..compiled import use_compiled
from ..config import Config
from ..errors import ConfigError, InputError, MissingDependencyError
from ..models import Document, ScanResult, Skipped
from ..stages.cluster import clusters_of
from . import spark_ops as ops

INSTALL_HINT = ("--engine spark needs pyspark and pyarrow, and Java 17 or newer: "
                "pip install 'derivdetect[spark]' and apt-get install openjdk-17-jre-headless")
#: Rows of a staging Parquet row group (and texts the driver holds at once while reading).
STAGING_BATCH = 1000
PARQUET_COLUMNS = ("id", "text", "title", "url", "date", "byline", "source")
#: Documents per shuffle partition when ``--partitions`` is not given. Measured on 100,000
#: generated articles, ``local[2]``: the rewrite-key step took 110 s in 4 shuffle partitions
#: (twice the cores: the hash aggregations spill) and 63 s in 16; 48 were slower again (45 s
#: for the band step against 24-32 s), since each shuffle's tasks then cost more than they
#: save. Spark's adaptive execution merges partitions that turn out small.
DOCS_PER_SHUFFLE_PARTITION = 6250


def require_spark() -> None:
    """Raise :class:`MissingDependencyError` (one line: what to install) unless pyspark,
    pyarrow and a Java 17+ runtime are there."""
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        raise MissingDependencyError(INSTALL_HINT) from None
    java = (os.path.join(os.environ["JAVA_HOME"], "bin", "java")
            if os.environ.get("JAVA_HOME") else shutil.which("java"))
    if not java or not os.path.exists(java):
        raise MissingDependencyError(INSTALL_HINT + " (no java found)")
    try:
        shown = subprocess.run([java, "-version"], capture_output=True, text=True,
                               timeout=30).stderr
    except (OSError, subprocess.SubprocessError):
        raise MissingDependencyError(INSTALL_HINT + f" ({java} does not run)") from None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', shown)
    if found:
        major = int(found.group(1))
        major = int(found.group(2) or 0) if major == 1 else major
        if major < 17:
            raise MissingDependencyError(INSTALL_HINT + f" ({java} is Java {major})")


def spark_session(master: str = "local[*]", partitions: Optional[int] = None,
                  conf: Optional[dict] = None, ui: bool = False):
    """A SparkSession for a scan: Spark's UI off unless ``ui``, shuffles in ``partitions``
    parts, Arrow batches of 1,000 rows, executors on this Python (local masters), quiet
    logs; ``conf`` (``--conf KEY=VALUE``) wins over all of these."""
    require_spark()
    import warnings

    from pyspark.sql import SparkSession

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    settings = {"spark.ui.enabled": "true" if ui else "false",
                "spark.sql.execution.arrow.maxRecordsPerBatch": str(STAGING_BATCH),
                "spark.log.level": "ERROR",
                "spark.ui.showConsoleProgress": "false"}
    if partitions:
        settings["spark.sql.shuffle.partitions"] = str(partitions)
        settings["spark.default.parallelism"] = str(partitions)
    if master.startswith("local"):
        settings["spark.driver.memory"] = "4g"
    settings.update(conf or {})
    builder = SparkSession.builder.master(master).appName("derivdetect")
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def parse_conf(items: list) -> dict:
    """``--conf KEY=VALUE`` settings as a dict; :class:`ConfigError` for one without ``=``."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--conf {item}: give KEY=VALUE, e.g. spark.executor.memory=8g")
        out[key.strip()] = value.strip()
    return out


def is_parquet(path: Path) -> bool:
    """Whether ``path`` is Parquet input: a ``.parquet`` file or folder, or a folder whose
    files (hidden and ``_SUCCESS``-like ones aside) are all ``.parquet``."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return True
    if not path.is_dir():
        return False
    names = [e.name for e in os.scandir(path) if e.is_file()
             and not e.name.startswith((".", "_"))]
    return bool(names) and all(n.lower().endswith(".parquet") for n in names)


class _Clock:
    def __init__(self):
        self._last = time.perf_counter()
        self.laps: dict = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(self.laps.get(name, 0.0) + now - self._last, 3)
        self._last = now


class SparkScan:
    """One scan on Spark. Use as a context manager (the session, made here unless one is
    given, and the staging folder end with it)::

        with SparkScan(inputs, config, master="local[2]", partitions=4) as run:
            result = run.scan()
            run.write_tables(folder)        # documents.parquet, pairs.parquet
    """

    def __init__(self, inputs: list, config: Config, master: str = "local[*]",
                 partitions: Optional[int] = None, spark=None, conf: Optional[dict] = None,
                 staging: Optional[Path] = None, all_documents: bool = True):
        if not inputs:
            raise InputError("no input given")
        self.inputs = [Path(p) for p in inputs]
        self.config = config
        self.master = master
        self._own_session = spark is None
        self.spark = spark
        self.partitions = partitions
        self.conf = conf
        self.staging_root = staging
        self.all_documents = all_documents
        self._staging: Optional[str] = None
        self.shuffle_partitions = partitions
        self._shuffle_given = False
        self.docs = None
        self.result: Optional[ScanResult] = None
        self.clock = _Clock()

    # ------------------------------------------------------------------ life

    def __enter__(self) -> "SparkScan":
        return self.open()

    def open(self) -> "SparkScan":
        """Check the inputs and start the session (unless one was given); see :meth:`close`."""
        for path in self.inputs:
            if not path.exists():
                raise InputError(f"{path}: no such file or folder")
        if self.spark is None:
            self.spark = spark_session(self.master, self.partitions, self.conf)
        self._shuffle_given = bool(self.partitions) or "spark.sql.shuffle.partitions" in (
            self.conf or {})
        if not self.partitions:
            self.partitions = max(2, 2 * self.spark.sparkContext.defaultParallelism)
        self.shuffle_partitions = int((self.conf or {}).get("spark.sql.shuffle.partitions")
                                      or self.partitions)
        self.spark.conf.set("spark.sql.shuffle.partitions", str(self.shuffle_partitions))
        return self

    def _size_shuffles(self, n_docs: int) -> None:
        """Unless ``--partitions`` or ``spark.sql.shuffle.partitions`` was given, shuffles get
        one partition per :data:`DOCS_PER_SHUFFLE_PARTITION` documents (at least the
        documents' partitions)."""
        if not self._shuffle_given:
            self.shuffle_partitions = max(self.partitions,
                                          -(-n_docs // DOCS_PER_SHUFFLE_PARTITION))
            self.spark.conf.set("spark.sql.shuffle.partitions", str(self.shuffle_partitions))

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.spark is not None:
            self.spark.catalog.clearCache()
            if self._own_session:
                self.spark.stop()
                self.spark = None
        if self._staging:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None

    # ------------------------------------------------------------------ input

    def read(self) -> tuple:
        """``(docs, n_docs, skipped, root)``: a DataFrame of ``idx``, ``content_hash``,
        ``text`` (UTF-8 bytes) and ``meta`` (the pickled :class:`Document` without its text)
        per document, and the skipped files and records."""
        parquet = [is_parquet(p) for p in self.inputs]
        if all(parquet):
            return self._read_parquet()
        if any(parquet):
            raise InputError(f"{self.inputs[parquet.index(True)]}: Parquet input cannot be "
                             "mixed with folders or .jsonl files; scan them apart")
        return self._read_files()

    def _read_files(self) -> tuple:
        from ..ingest import iter_inputs
        from ..ingest.walk import file_items
        from .local import check_folder

        folders = [p for p in self.inputs if p.is_dir()]
        if folders:
            if len(self.inputs) > 1:
                raise InputError(f"{folders[0]}: give one folder, or .jsonl files")
            root = check_folder(folders[0])
            items = iter_inputs(root, self.config)
            root_name = str(root.resolve())
        else:
            for path in self.inputs:
                if path.suffix.lower() != ".jsonl":
                    raise InputError(f"{path}: not a folder, a .jsonl file or Parquet")
            resolved = [p.resolve() for p in self.inputs]
            root_name = os.path.commonpath([str(p.parent) for p in resolved])

            def from_files():
                for path in resolved:
                    rel = os.path.relpath(path, root_name).replace(os.sep, "/")
                    yield from file_items(str(path), rel, path.name, path.stat().st_size,
                                          self.config, None)
            items = from_files()
        skipped: list = []
        n_docs = self._stage(items, skipped)
        docs = self.spark.read.parquet(self._staging)
        return docs, n_docs, skipped, root_name

    def _stage(self, items, skipped: list) -> int:
        """Documents of ``items`` into the staging Parquet dataset, in order (``idx``);
        skipped ones into ``skipped``. Returns how many documents."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._staging = tempfile.mkdtemp(prefix="derivdetect-spark-",
                                         dir=self.staging_root)
        schema = pa.schema([("idx", pa.int64()), ("id", pa.string()),
                            ("content_hash", pa.string()), ("text", pa.binary()),
                            ("meta", pa.binary())])
        writers = [pq.ParquetWriter(os.path.join(self._staging, f"part-{k:05d}.parquet"),
                                    schema) for k in range(self.partitions)]
        batch: list = []
        n = written = 0

        def flush():
            nonlocal written
            if batch:
                table = pa.Table.from_arrays([pa.array(c) for c in zip(*batch)],
                                             schema=schema)
                writers[written % len(writers)].write_table(table)
                written += 1
                batch.clear()

        try:
            for item in items:
                if not isinstance(item, Document):
                    skipped.append(item)
                    continue
                meta = pickle.dumps(replace(item, text=""), protocol=pickle.HIGHEST_PROTOCOL)
                batch.append((n, _safe_text(item.id), item.content_hash,
                              ops.encode_text(item.text), meta))
                n += 1
                if len(batch) == STAGING_BATCH:
                    flush()
            flush()
        finally:
            for w in writers:
                w.close()
        return n

    def _read_parquet(self) -> tuple:
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        paths = [str(p.resolve()) for p in self.inputs]
        root_name = paths[0] if len(paths) == 1 else os.path.commonpath(paths)
        try:
            raw = self.spark.read.parquet(*paths)
        except Exception as exc:   # AnalysisException: not Parquet, no files
            raise InputError(f"{paths[0]}: cannot be read as Parquet "
                             f"({str(exc).splitlines()[0][:200]})") from None
        if "text" not in raw.columns or "id" not in raw.columns:
            raise InputError(f"{paths[0]}: Parquet input needs columns 'id' and 'text' "
                             f"(it has {', '.join(raw.columns)})")
        cols = [F.col(c).cast("binary" if c == "text" else "string").alias(c)
                if c in raw.columns else F.lit(None).cast("binary" if c == "text" else "string")
                .alias(c) for c in PARQUET_COLUMNS]
        base = root_name if os.path.isdir(root_name) else os.path.dirname(root_name)
        rows = raw.select(F.input_file_name().alias("file"), *cols)
        config = self.config

        def run(batches):
            import pyarrow as pa

            for batch in batches:
                out = {k: [] for k in ("ok", "id", "content_hash", "text", "meta", "path",
                                       "reason")}
                for row in batch.to_pylist():
                    doc, where, reason = parquet_record(row, base, config)
                    out["ok"].append(doc is not None)
                    out["id"].append(doc.id if doc else None)
                    out["content_hash"].append(doc.content_hash if doc else None)
                    out["text"].append(ops.encode_text(doc.text) if doc else None)
                    out["meta"].append(pickle.dumps(replace(doc, text="")) if doc else None)
                    out["path"].append(where)
                    out["reason"].append(reason)
                yield pa.RecordBatch.from_pydict(out)

        schema = ("ok boolean, id string, content_hash string, text binary, meta binary, "
                  "path string, reason string")
        checked = rows.mapInArrow(run, schema).persist()
        skipped = [Skipped(r.path, r.reason) for r in
                   checked.where(~F.col("ok")).select("path", "reason").collect()]
        good = checked.where(F.col("ok"))
        first = Window.partitionBy("id").orderBy(F.length("text").desc(), "content_hash",
                                                 "path")
        ranked = good.withColumn("n", F.row_number().over(first))
        skipped += [Skipped(r.path, "duplicate id: the longest text with this id is kept")
                    for r in ranked.where(F.col("n") > 1).select("path").collect()]
        unique = ranked.where(F.col("n") == 1).orderBy("id")
        indexed = unique.select("id", "content_hash", "text", "meta").rdd.zipWithIndex() \
            .map(lambda r: (r[1], *r[0]))
        docs = self.spark.createDataFrame(
            indexed, "idx long, id string, content_hash string, text binary, meta binary")
        if docs.rdd.getNumPartitions() < self.partitions:
            docs = docs.repartition(self.partitions)
        docs = docs.persist()
        n_docs = docs.count()
        checked.unpersist()
        skipped.sort(key=lambda s: (s.path, s.reason))
        return docs, n_docs, skipped, root_name

    # ------------------------------------------------------------------ the scan

    def scan(self) -> ScanResult:
        """Read, sketch, find candidates, judge, cluster: the :class:`ScanResult` a local scan
        of the same input gives (timings and the ``spark`` stats aside)."""
        from pyspark import StorageLevel

        config, clock = self.config, self.clock
        docs, n, skipped, root = self.read()
        self.docs = docs
        self._size_shuffles(n)
        clock.lap("read")
        fast = use_compiled(n)
        doc_bits = ops.doc_bits_for(max(n, 1))
        sketches = ops.sketch_frame(docs, config, doc_bits, fast) \
            .persist(StorageLevel.MEMORY_AND_DISK)
        sketches.count()
        clock.lap("sketch")
        furniture = ops.furniture_lines(sketches, config.boilerplate_min_docs)
        nbytes = ops.sketch_bytes(sketches, config.num_perm)
        clock.lap("candidates: furniture")
        judged: list = []
        n_candidates = 0
        if n >= 2:
            pairs = ops.candidate_pairs(docs, sketches, config,
                                         self.shuffle_partitions).persist()
            n_candidates = pairs.count()
            clock.lap("candidates: pairs")
            topics = ops.topic_frame(pairs, sketches, config).persist()
            topics.count()
            clock.lap("candidates: topic words")
            sketches.unpersist()
            if n_candidates:
                bc = self.spark.sparkContext.broadcast(furniture)
                frame = ops.judged_frame(pairs, docs, topics, config, bc, fast,
                                         self.shuffle_partitions)
                judged = [pickle.loads(r.judged) for r in frame.collect()]
            clock.lap("judge")
            pairs.unpersist()
            topics.unpersist()
        sketches.unpersist()
        reported = tuple(sorted((j.pair for j in judged), key=lambda p: (p.a, p.b)))
        boilerplate: dict = {}
        for j in judged:
            boilerplate[j.pair.a] = j.boilerplate_a
            boilerplate[j.pair.b] = j.boilerplate_b
        documents = self._documents({p.a for p in reported} | {p.b for p in reported})
        clock.lap("texts of reported pairs")
        clusters = clusters_of(reported, {d.id: d.date for d in documents}, config)
        clock.lap("families")
        laps = clock.laps
        stats = {"documents": n, "sketches_reused": 0, "candidates": int(n_candidates),
                 "reported": len(reported), "sketch_bytes": nbytes,
                 "furniture_lines": len(furniture),
                 "seconds": {"sketch": laps.get("read", 0) + laps.get("sketch", 0),
                             "candidates": sum(v for k, v in laps.items()
                                               if k.startswith("candidates")),
                             "judge": laps.get("judge", 0.0),
                             "families": laps.get("families", 0.0),
                             "texts of reported pairs": laps.get("texts of reported pairs", 0)},
                 "seconds_detail": {k: v for k, v in laps.items()
                                    if k == "read" or k.startswith("candidates: ")},
                 "skipped": len(skipped), "version": __version__,
                 "spark": {"master": self.spark.sparkContext.master,
                           "partitions": self.partitions,
                           "shuffle_partitions": self.shuffle_partitions,
                           "spark_version": self.spark.version}}
        self.result = ScanResult(
            root=root, documents=documents, pairs=reported, clusters=clusters,
            skipped=tuple(skipped), settings=config.to_dict(),
            created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            boilerplate=boilerplate, stats=stats)
        return self.result

    def _documents(self, paired: set) -> tuple:
        """The documents in the local engine's order, those of reported pairs with their
        texts (all of them, or with ``all_documents`` False only those of reported pairs)."""
        from pyspark.sql import functions as F

        found: dict = {}
        if self.docs is None:
            return ()
        if self.all_documents:
            for r in self.docs.select("idx", "meta").collect():
                found[r.idx] = pickle.loads(r.meta)
        if paired:
            # a joined table of ids, not isin(): thousands of literals take seconds to plan
            names = self.spark.createDataFrame([(_safe_text(i),) for i in sorted(paired)],
                                               "id string")
            wanted = self.docs.join(F.broadcast(names), "id", "left_semi")
            for r in wanted.select("idx", "meta", "text").collect():
                doc = pickle.loads(r.meta)
                if doc.id in paired:
                    found[r.idx] = replace(doc, text=ops.decode_text(r.text))
        return tuple(found[k] for k in sorted(found))

    # ------------------------------------------------------------------ output

    def write_tables(self, folder: Path) -> list:
        """``documents.parquet`` (every document: the ``pairs.json`` document fields, no
        text) and ``pairs.parquet`` (the reported pairs in the report's order; see the
        README) into ``folder`` (the report's staging folder: swapped in whole with it)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from ..report.tables import document_record, ranked

        folder = Path(folder)

        def run(batches):
            import pyarrow as pa

            for batch in batches:
                records = [document_record(pickle.loads(m)) for m in
                           batch.column("meta").to_pylist()]
                yield pa.RecordBatch.from_pylist([_safe(r) for r in records],
                                                 schema=_DOCUMENT_ARROW())

        documents = folder / "documents.parquet"
        self.docs.select("meta").mapInArrow(run, _DOCUMENT_SCHEMA) \
            .write.parquet(str(documents))
        rows = []
        for rank, pair in ranked(self.result.pairs):
            d = pair.to_dict()
            rows.append({"rank": rank, "pair_id": d["pair_id"], "a": d["a"], "b": d["b"],
                         "verdict": d["verdict"], "source": d["source"],
                         "source_reason": d["source_reason"], "extent": d["extent"],
                         "probability": float(pair.scores.get("probability", 0.0)),
                         "coverage_a": float(pair.scores.get("coverage_a", 0.0)),
                         "coverage_b": float(pair.scores.get("coverage_b", 0.0)),
                         "scores": json.dumps(d["scores"]), "reasons": d["reasons"],
                         "credited": bool((d["credit"] or {}).get("credited", False)),
                         "passages": d["passages"]})
        table = pa.Table.from_pylist(rows, schema=_PAIR_ARROW())
        pairs_path = folder / "pairs.parquet"
        tmp = folder / ".pairs.parquet.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, pairs_path)
        return [documents, pairs_path]


def _safe_text(value: str) -> str:
    """``value`` as Parquet can hold it (lone surrogates of odd file names as U+FFFD)."""
    return value.encode("utf-8", "replace").decode("utf-8")


_DOCUMENT_SCHEMA = ("id string, path string, title string, date string, url string, "
                    "byline string, chars long, encoding string, format string")


def _DOCUMENT_ARROW():
    import pyarrow as pa

    return pa.schema([(n, pa.int64() if n == "chars" else pa.string()) for n in
                      ("id", "path", "title", "date", "url", "byline", "chars", "encoding",
                       "format")])


def _PAIR_ARROW():
    import pyarrow as pa

    passage = pa.struct([("kind", pa.string()), ("a_start", pa.int64()), ("a_end", pa.int64()),
                         ("b_start", pa.int64()), ("b_end", pa.int64()),
                         ("similarity", pa.float64())])
    return pa.schema([("rank", pa.int64()), ("pair_id", pa.string()), ("a", pa.string()),
                      ("b", pa.string()), ("verdict", pa.string()), ("source", pa.string()),
                      ("source_reason", pa.string()), ("extent", pa.string()),
                      ("probability", pa.float64()), ("coverage_a", pa.float64()),
                      ("coverage_b", pa.float64()), ("scores", pa.string()),
                      ("reasons", pa.list_(pa.string())), ("credited", pa.bool_()),
                      ("passages", pa.list_(passage))])


def _safe(record: dict) -> dict:
    """A record with strings Parquet can hold (lone surrogates of odd file names as U+FFFD)."""
    return {k: _safe_text(v) if isinstance(v, str) else v for k, v in record.items()}


def parquet_record(row: dict, base: str, config: Config) -> tuple:
    """One Parquet row as ``(Document, path, None)`` or ``(None, path, reason)`` (pure):
    the checks a JSONL line gets (a text, not empty, not over ``max_chars``), and UTF-8."""
    from ..ingest.common import Skip, check_text, content_hash

    file = row.get("file") or ""
    if file.startswith("file:"):
        from urllib.parse import unquote, urlparse

        file = unquote(urlparse(file).path)
    rel = os.path.relpath(file, base).replace(os.sep, "/") if file and base else file
    rel = os.path.basename(file) if rel in (".", "") else rel
    raw_id = (row.get("id") or "").strip()
    where = f"{rel}#{raw_id}" if raw_id else rel
    if not raw_id:
        return None, where, "no 'id' (a row without an id)"
    raw = row.get("text")
    if raw is None:
        return None, where, "no 'text'"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, where, f"undecodable text (not UTF-8 at byte {exc.start})"
    try:
        check_text(text, config, empty="empty 'text'")
    except Skip as skip:
        return None, where, skip.reason

    def meta(name):
        value = row.get(name)
        value = value.strip() if isinstance(value, str) else None
        return value or None

    doc = Document(id=raw_id, path=rel, text=text, title=meta("title"), date=meta("date"),
                   url=meta("url"), byline=meta("byline") or meta("source"),
                   encoding="utf-8", format="parquet",
                   content_hash=content_hash(text.encode("utf-8")))
    return doc, where, None


def scan(inputs: list, config: Config, master: str = "local[*]",
         partitions: Optional[int] = None, spark=None, conf: Optional[dict] = None) -> ScanResult:
    """A scan of ``inputs`` (a folder, ``.jsonl`` files or Parquet) on Spark: the
    :class:`ScanResult` of :func:`.local.scan` for the same texts."""
    with SparkScan(inputs, config, master, partitions, spark, conf) as run:
        return run.scan()

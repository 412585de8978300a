"""The Spark engine's distributed steps: the pure stages run per partition, the grouping and
counting between them as Spark operations.

Each function takes DataFrames and returns DataFrames (nothing is collected here but the
furniture lines); :mod:`.spark` runs them in order and owns every read and write. Per
partition, through Arrow (``mapInArrow``), with the stage functions themselves:

- :func:`sketch_frame`: ``stages.sketch.sketch_texts`` of each batch of texts and the keys
  each document emits (``stages.candidates.band_key_column``: its LSH band keys; its rewrite,
  line and stem keys), as array columns;
- :func:`judged_frame`: ``stages.judge.prepare`` / ``prepare_many`` and ``judge`` of each
  candidate pair, with the texts, metadata and topic words of both documents brought
  together by joins.

Between them, as Spark operations (explode, groupBy, self-join, window), each defined as the
local corpus stage (``stages.corpus``, ``stages.candidates``) defines it:

- :func:`furniture_lines`: ``corpus.common_lines`` (line keys in ``boilerplate_min_docs``
  documents or more);
- :func:`lsh_pairs`: ``candidates.lsh_candidates`` (documents sharing a band key; a bucket of
  more than ``lsh_max_bucket`` linked to its first member);
- :func:`rewrite_key_pairs`: ``candidates.shared_key_candidates`` (keys in 2..``rewrite_max_df``
  documents, pairs sharing ``candidates.required_shared`` of them);
- :func:`same_bytes_pairs`: ``corpus.same_bytes_pairs``;
- :func:`topic_frame`: ``corpus.topic_words``.

Parity with the local engine rests on two things kept exactly as there: a document's index
(``idx``: its place in the walk, or in id order for Parquet input; never a partition's row
number) orders partners and names a bucket's first member; and keys are grouped on the same
``64 - doc_bits`` high bits the local sort groups them on (``doc_bits`` from the corpus's
size), so the same few unrelated keys merge in both engines.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict

import numpy as np

from ..config import Config
from ..models import Document
from ..stages.candidates import band_key_column, lsh_params
from ..stages.corpus import FURNITURE_MARKS, independent, story_marks
from ..stages.judge import Judged, judge, prepare, prepare_many, small_matrix_mode
from ..stages.signature import EMPTY
from ..stages.sketch import sketch_texts

SKETCH_SCHEMA = ("idx long, bands array<long>, keys array<long>, nkeys long, "
                 "lines array<long>, stems array<long>, marks array<long>")
JUDGED_SCHEMA = "judged binary"
#: Prepared texts kept per Python worker while judging a partition (a document's pairs are
#: judged one after the other: the partition is sorted by its first document).
PREPARED_CACHE = 2000
#: Pairs prepared together on the compiled path (as the local engine's batches).
JUDGE_CHUNK = 128


def doc_bits_for(n_docs: int) -> int:
    """The low bits the local sort gives to a document's index (``candidates.pairs_in_bands``,
    ``shared_key_candidates``); keys are grouped on the bits above them."""
    return max(1, int(n_docs - 1).bit_length())


def decode_text(raw: bytes) -> str:
    """A text as the engine stores it (UTF-8, lone surrogates passed through: a decoded
    file may hold them and every offset counts them)."""
    return raw.decode("utf-8", "surrogatepass")


def encode_text(text: str) -> bytes:
    """The stored form of a text (see :func:`decode_text`)."""
    return text.encode("utf-8", "surrogatepass")


# ---------------------------------------------------------------------------- sketch


def _list_array(values: np.ndarray, ends: np.ndarray):
    import pyarrow as pa

    offsets = np.concatenate(([0], ends)).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()),
                                    pa.array(values.astype(np.int64, copy=False), pa.int64()))


def sketch_batch(idx: np.ndarray, texts: list, config: Config, doc_bits: int, fast: bool):
    """The sketch columns of one batch (pure): ``stages.sketch.sketch_texts`` and the keys
    each document emits. Band keys and rewrite keys keep their high ``64 - doc_bits`` bits
    (what the local engine groups on); line keys are whole (``common_lines`` counts them
    whole), as signed 64-bit values; stems are ``uint32`` ids."""
    import pyarrow as pa

    sk = sketch_texts(texts, config, fast)
    shift = np.uint64(doc_bits)
    n = len(texts)
    bands, rows = lsh_params(config.lsh_threshold, config.num_perm)
    with_words = np.flatnonzero(~(sk.signatures == EMPTY).all(axis=1))
    if len(with_words):
        band_keys = np.stack([band_key_column(sk.signatures, band, rows, with_words)
                              for band in range(bands)], axis=1) >> shift
    else:
        band_keys = np.empty((0, bands), dtype=np.uint64)
    per_doc = np.zeros(n, dtype=np.int64)
    per_doc[with_words] = bands
    marks = story_marks(sk.signatures)
    return pa.RecordBatch.from_arrays([
        pa.array(idx, pa.int64()),
        _list_array(band_keys.reshape(-1).astype(np.int64), np.cumsum(per_doc)),
        _list_array((sk.keys >> shift).astype(np.int64), sk.key_ends),
        pa.array(np.diff(sk.key_ends, prepend=0), pa.int64()),
        _list_array(sk.lines.view(np.int64), sk.line_ends),
        _list_array(sk.stems.astype(np.int64), sk.stem_ends),
        _list_array(marks.reshape(-1).astype(np.int64),
                    np.arange(1, n + 1, dtype=np.int64) * marks.shape[1]),
    ], names=["idx", "bands", "keys", "nkeys", "lines", "stems", "marks"])


def sketch_frame(docs, config: Config, doc_bits: int, fast: bool):
    """Sketch columns (:data:`SKETCH_SCHEMA`) of every document of ``docs`` (``idx``,
    ``text``), batch by batch on the executors."""

    def run(batches):
        for batch in batches:
            idx = batch.column("idx").to_numpy()
            texts = [decode_text(t) for t in batch.column("text").to_pylist()]
            yield sketch_batch(idx, texts, config, doc_bits, fast)

    return docs.select("idx", "text").mapInArrow(run, SKETCH_SCHEMA)


def sketch_bytes(sketches, num_perm: int) -> int:
    """What the local engine's sketch table of the same documents takes
    (``Sketches.nbytes``): signatures, keys, lines and stems, and three offsets a document."""
    from pyspark.sql import functions as F

    row = sketches.agg(F.count("*").alias("n"), F.sum("nkeys").alias("k"),
                       F.sum(F.size("lines")).alias("l"),
                       F.sum(F.size("stems")).alias("s")).first()
    n, k, lines, stems = (int(v or 0) for v in row)
    return n * (4 * num_perm + 24) + 8 * k + 8 * lines + 4 * stems


# ---------------------------------------------------------------------------- corpus


def furniture_lines(sketches, min_docs: int) -> frozenset:
    """``corpus.common_lines``: line keys in at least ``min_docs`` documents (each
    document's line keys are distinct) that are not copies of one another (distinct story
    marks, ``corpus.independent``), collected: they go to every judge. The marks of the
    holders of common lines are exploded by position and made distinct, then counted: one
    pass over (line, mark position, mark) rows, not a copy of every row per mark."""
    from pyspark.sql import functions as F

    held = sketches.select(F.explode("lines").alias("line"), "marks")
    common = held.groupBy("line").count().where(F.col("count") >= min_docs).select("line")
    found = (held.join(common, "line", "left_semi")
             .select("line", F.posexplode("marks").alias("r", "mark")).distinct()
             .groupBy("line", "r").count().collect())
    if not found:
        return frozenset()
    lines = sorted({int(row.line) for row in found})
    at = {line: k for k, line in enumerate(lines)}
    distinct = np.zeros((len(lines), FURNITURE_MARKS), dtype=np.int64)
    for row in found:
        distinct[at[int(row.line)], int(row.r)] = int(row["count"])
    keep = independent(distinct, min_docs)
    mask = (1 << 64) - 1
    return frozenset(line & mask for line, kept in zip(lines, keep) if kept)


def _pairs_of_sorted(column: str) -> str:
    """A SQL expression: ``(x, y)`` structs of the elements at every two positions ``p < q``
    of the sorted array ``column`` (a bucket's or a key's documents): the pairs of a group,
    generated inside Spark from one row per group."""
    n = f"size({column})"
    return (f"flatten(transform(sequence(0, {n} - 2), p -> transform("
            f"slice({column}, p + 2, {n} - p - 1), y -> named_struct('x', {column}[p], 'y', y))))")


def lsh_pairs(sketches, max_bucket: int):
    """``candidates.lsh_candidates``: pairs ``(i, j)``, ``i < j``, sharing a band key in the
    same band; a bucket of more than ``max_bucket`` documents is linked to its first (lowest
    ``idx``) member only. One shuffle: band keys grouped with their documents as a sorted
    list, the pairs generated from each list."""
    from pyspark.sql import functions as F

    bands = sketches.select("idx", F.posexplode("bands").alias("band", "key"))
    buckets = (bands.groupBy("band", "key")
               .agg(F.array_sort(F.collect_list("idx")).alias("docs"))
               .where(F.size("docs") >= 2))
    within = (buckets.where(F.size("docs") <= max_bucket)
              .select(F.explode(F.expr(_pairs_of_sorted("docs"))).alias("p"))
              .where(F.col("p.x") < F.col("p.y"))
              .select(F.col("p.x").alias("i"), F.col("p.y").alias("j")))
    star = (buckets.where(F.size("docs") > max_bucket)
            .select(F.col("docs")[0].alias("i"),
                    F.explode(F.expr("slice(docs, 2, size(docs) - 1)")).alias("j"))
            .where(F.col("i") != F.col("j")))
    return within.unionByName(star)


def rewrite_key_pairs(sketches, config: Config, partitions: int):
    """``candidates.shared_key_candidates``: keys held by 2..``rewrite_max_df`` entries,
    pairs of documents sharing at least ``required_shared`` of them (``rewrite_min_shared``,
    or ``rewrite_short_share`` of the shorter text's keys, at least one).

    Two shuffles, neither of pair instances: the key entries grouped by key (each rare key's
    documents as a sorted list), then one row per entry (a document and the key's documents
    after it) partitioned by that document, where its partners' shared keys are counted
    without another shuffle (``(i, j)`` rows are clustered by ``i``). At 100,000 generated
    articles that is 122 s against 178 s for counting pairs shuffled by ``(i, j)``."""
    from pyspark.sql import functions as F

    entries = sketches.select("idx", F.explode("keys").alias("key"))
    rare = (entries.groupBy("key").agg(F.array_sort(F.collect_list("idx")).alias("docs"))
            .where((F.size("docs") >= 2) & (F.size("docs") <= config.rewrite_max_df)))
    later = (rare.select(F.posexplode(F.expr("slice(docs, 1, size(docs) - 1)"))
                         .alias("p", "i"), "docs")
             .select("i", F.expr("slice(docs, p + 2, size(docs) - p - 1)").alias("later"))
             .repartition(partitions, "i"))
    shared = (later.select("i", F.explode("later").alias("j"))
              .where(F.col("i") < F.col("j"))
              .groupBy("i", "j").agg(F.count("*").alias("shared")))
    lengths = sketches.select("idx", "nkeys")
    shared = (shared
              .join(lengths.select(F.col("idx").alias("i"), F.col("nkeys").alias("ni")), "i")
              .join(lengths.select(F.col("idx").alias("j"), F.col("nkeys").alias("nj")), "j"))
    needed = F.least(F.lit(float(config.rewrite_min_shared)),
                     F.greatest(F.lit(1.0), F.ceil(F.lit(config.rewrite_short_share)
                                                   * F.least("ni", "nj")).cast("double")))
    return shared.where(F.col("shared") >= needed).select("i", "j")


def same_bytes_pairs(docs):
    """``corpus.same_bytes_pairs``: each document paired with the first of those with the
    same bytes (an empty hash matches nothing)."""
    from pyspark.sql import functions as F

    hashed = docs.where(F.col("content_hash") != "").select("idx", "content_hash")
    first = hashed.groupBy("content_hash").agg(F.min("idx").alias("i"))
    return (hashed.join(first, "content_hash").where(F.col("idx") != F.col("i"))
            .select("i", F.col("idx").alias("j")))


def candidate_pairs(docs, sketches, config: Config, partitions: int):
    """The union of the three routes, distinct (``corpus.find_candidates``)."""
    return (lsh_pairs(sketches, config.lsh_max_bucket)
            .unionByName(rewrite_key_pairs(sketches, config, partitions))
            .unionByName(same_bytes_pairs(docs)).distinct())


def topic_frame(pairs, sketches, config: Config):
    """``corpus.topic_words``: for each document with at least ``topic_min_partners``
    candidate partners, the stems found in at least ``topic_min_share`` of the group made of
    it and its first ``topic_max_group - 1`` partners (by ``idx``). Returns ``(idx, topic)``
    with ``topic`` sorted stem ids, for documents that have any."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    both = pairs.select("i", "j").unionByName(pairs.select(F.col("j").alias("i"),
                                                           F.col("i").alias("j")))
    order = Window.partitionBy("i").orderBy("j")
    first = both.withColumn("rank", F.row_number().over(order)) \
        .where(F.col("rank") <= config.topic_max_group - 1)
    sizes = first.groupBy("i").agg((F.count("*") + 1).alias("size")) \
        .where(F.col("size") >= config.topic_min_partners + 1)
    members = (first.select("i", F.col("j").alias("k"))
               .unionByName(sizes.select("i", F.col("i").alias("k")))
               .join(sizes, "i"))
    stems = sketches.select(F.col("idx").alias("k"), F.explode("stems").alias("stem"))
    counts = members.join(stems, "k").groupBy("i", "size", "stem").count()
    return (counts.where(F.col("count") >= F.lit(config.topic_min_share) * F.col("size"))
            .groupBy(F.col("i").alias("idx"))
            .agg(F.array_sort(F.collect_list("stem")).alias("topic")))


# ---------------------------------------------------------------------------- judge


def judge_rows(rows, config: Config, furniture: frozenset, fast: bool,
               cache: "OrderedDict[int, object]") -> list:
    """Judge candidate pairs (pure but for ``cache``, the prepared texts kept across calls):
    each row holds ``i``, ``j`` and both documents' ``text``, ``meta`` (a pickled
    :class:`Document` without its text) and ``topic``. As the local engine does: each text
    prepared once (``prepare_many`` on the compiled path), the pair ordered by id, judged
    with ``stages.judge.judge``. Returns the :class:`Judged` of the reported pairs."""
    def document(side: dict) -> Document:
        from dataclasses import replace

        return replace(pickle.loads(side["meta"]), text=decode_text(side["text"]))

    missing: dict = {}
    for row in rows:
        for side in row:
            if side["idx"] not in cache and side["idx"] not in missing:
                missing[side["idx"]] = side
    order = list(missing)
    docs = [document(missing[k]) for k in order]
    topics = [None if missing[k]["topic"] is None
              else np.asarray(missing[k]["topic"], dtype=np.uint32) for k in order]
    if fast and docs:
        fresh = prepare_many(docs, config, furniture, topics)
    else:
        fresh = [prepare(d, config, furniture, t) for d, t in zip(docs, topics)]
    for key, prepared in zip(order, fresh):
        cache[key] = prepared
    out = []
    with small_matrix_mode():
        for first, second in rows:
            pa_, pb_ = cache[first["idx"]], cache[second["idx"]]
            cache.move_to_end(first["idx"])
            cache.move_to_end(second["idx"])
            if pa_.doc.id > pb_.doc.id:
                pa_, pb_ = pb_, pa_
            pair = judge(pa_, pb_, config)
            if pair.reported:
                out.append(Judged(pair, pa_.boilerplate, pb_.boilerplate))
    while len(cache) > PREPARED_CACHE:
        cache.popitem(last=False)
    return out


def judged_frame(pairs, docs, topics, config: Config, furniture_bc, fast: bool,
                 partitions: int):
    """Every candidate pair judged on the executors: the pairs joined with both documents
    (text, metadata, topic words), partitioned and sorted by the first document so that its
    prepared text is reused, judged by :func:`judge_rows`. One row (a pickled
    :class:`Judged`) per reported pair."""
    from pyspark.sql import functions as F

    sides = docs.select("idx", "text", "meta").join(topics, "idx", "left")

    def side(name: str):
        return sides.select(*[F.col(c).alias(f"{name}_{c}") for c in sides.columns])

    joined = (pairs.join(side("a"), F.col("i") == F.col("a_idx"))
              .join(side("b"), F.col("j") == F.col("b_idx"))
              .repartition(partitions, "i").sortWithinPartitions("i", "j"))
    names = ("idx", "text", "meta", "topic")

    def run(batches):
        import pyarrow as pa

        cache: OrderedDict = OrderedDict()
        furniture = furniture_bc.value
        for batch in batches:
            cols = batch.to_pydict()
            rows = [tuple({n: cols[f"{s}_{n}"][k] for n in names} for s in ("a", "b"))
                    for k in range(batch.num_rows)]
            found = []
            for start in range(0, len(rows), JUDGE_CHUNK):
                found += judge_rows(rows[start: start + JUDGE_CHUNK], config, furniture,
                                    fast, cache)
            yield pa.RecordBatch.from_arrays(
                [pa.array([pickle.dumps(j, protocol=pickle.HIGHEST_PROTOCOL) for j in found],
                          pa.binary())], names=["judged"])

    return joined.select(*[f"{s}_{n}" for s in ("a", "b") for n in names]) \
        .mapInArrow(run, JUDGED_SCHEMA)

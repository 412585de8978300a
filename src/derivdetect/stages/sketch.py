"""The sketch stage: what each document contributes to candidate generation, in flat arrays.

Per document: a MinHash signature of its word n-grams (copies, light edits), its rewrite keys
(n-grams of content-word stems: what survives a paraphrase), the keys of its short lines
(corpus furniture) and its distinct content stems (topic words). Keys and stems are sets, kept
in order of first appearance. About ``4 * num_perm +
8 * (rewrite keys + line keys) + 4 * stems`` bytes: 3-5 KB for a news article, held in one
:class:`Sketches` table of arrays (no Python object per document).

Two implementations give the same arrays (a property test compares them):

* :func:`sketch_reference`: plain Python and numpy, one text at a time: the definition;
* the fast path (``DERIVDETECT_IMPL``, see :func:`compiled.use_compiled`): one pass of compiled
  kernels (``compiled/sketch_kernels.py``) over a batch's code points; each distinct raw token is normalized,
  stemmed and hashed once per process (by the reference code) and looked up by a 64-bit hash
  of its characters after that. 0.15-0.2 ms per 600-word article against 2 ms, after a one-off
  compilation of about 15 s that numba caches on disk (later processes load it in ~1 s): not
  worth it for a few hundred documents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compiled import use_compiled
from ..config import Config
from ..text.boilerplate import WRAPPED_LINE_CHARS, furniture_line_chars, line_keys
from ..text.shingle import ngram_hashes, sketch_hashes
from .signature import minhash, permutations

MIN_LINE_WORDS = 3

#: The parts of a sketch table and their types, in order: defined here once (the cache file
#: and the spill file of a streaming scan store exactly these).
SKETCH_FIELDS = {"signatures": np.uint32, "keys": np.uint64, "key_ends": np.int64,
                 "lines": np.uint64, "line_ends": np.int64, "stems": np.uint32,
                 "stem_ends": np.int64}


@dataclass(frozen=True, eq=False)
class Sketches:  # fields: SKETCH_FIELDS
    """Sketches of ``n`` documents. ``signatures`` is ``uint32[n, num_perm]``; each other
    part is one flat array with the end offset of each document's slice (``*_ends``)."""

    signatures: np.ndarray
    keys: np.ndarray
    key_ends: np.ndarray
    lines: np.ndarray
    line_ends: np.ndarray
    stems: np.ndarray
    stem_ends: np.ndarray

    def __len__(self) -> int:
        return len(self.signatures)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self.__dataclass_fields__)

    def keys_of(self, i: int) -> np.ndarray:
        return _slice(self.keys, self.key_ends, i)

    def lines_of(self, i: int) -> np.ndarray:
        return _slice(self.lines, self.line_ends, i)

    def stems_of(self, i: int) -> np.ndarray:
        return _slice(self.stems, self.stem_ends, i)

    def key_counts(self) -> np.ndarray:
        return np.diff(self.key_ends, prepend=0)

    def take(self, rows) -> "Sketches":
        """The sketches of documents ``rows``, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        parts = {"signatures": self.signatures[rows]}
        for name in ("keys", "lines", "stems"):
            values, ends = _take(getattr(self, name), getattr(self, f"{_single(name)}_ends"), rows)
            parts[name], parts[f"{_single(name)}_ends"] = values, ends
        return Sketches(**parts)

    @staticmethod
    def concat(parts: list, num_perm: int) -> "Sketches":
        """One table of ``parts`` in order. The list is emptied as it goes, so that each
        part's arrays are freed once copied: the peak is the result plus its largest field,
        not twice the result."""
        columns: dict = {name: [] for name in Sketches.__dataclass_fields__}
        while parts:
            part = parts.pop()
            if len(part):
                for name, values in columns.items():
                    array = getattr(part, name)
                    values.append(np.diff(array, prepend=0) if name.endswith("_ends") else array)
            del part
        if not columns["signatures"]:
            return empty_sketches(num_perm)
        out = {}
        for name in list(columns):
            values = columns.pop(name)[::-1]
            out[name] = np.concatenate(values)
            del values
            if name.endswith("_ends"):
                out[name] = np.cumsum(out[name])
        return Sketches(**out)


def _single(name: str) -> str:
    return name[:-1]


def _slice(values: np.ndarray, ends: np.ndarray, i: int) -> np.ndarray:
    return values[(ends[i - 1] if i else 0): ends[i]]


def _take(values: np.ndarray, ends: np.ndarray, rows: np.ndarray):
    starts = np.concatenate(([0], ends[:-1]))[rows] if len(ends) else np.empty(0, np.int64)
    lengths = (ends[rows] - starts) if len(rows) else np.empty(0, np.int64)
    if not lengths.sum():
        return values[:0].copy(), np.cumsum(lengths)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return values[np.arange(lengths.sum()) + offsets], np.cumsum(lengths)


def empty_sketches(num_perm: int) -> Sketches:
    return Sketches(**{name: np.zeros((0, num_perm) if name == "signatures" else 0, dtype)
                       for name, dtype in SKETCH_FIELDS.items()})


def with_known(new: Sketches, keys: list, todo: list, known: "SketchStore",
               num_perm: int) -> Sketches:
    """The sketches of a batch of documents in order: ``new`` holds those of the documents
    ``todo`` (positions in ``keys``), and the others' are in ``known`` under their keys."""
    if len(todo) == len(keys):
        return new
    fresh = set(todo)
    reused = [i for i in range(len(keys)) if i not in fresh]
    position = np.empty(len(keys), dtype=np.int64)
    position[todo] = np.arange(len(todo))
    position[reused] = len(todo) + np.arange(len(reused))
    cached = known.select([keys[i] for i in reused])
    return Sketches.concat([new, cached], num_perm).take(position)


def _from_rows(rows: list, num_perm: int) -> Sketches:
    """Sketches from ``(signature, keys, lines, stems)`` per document."""
    if not rows:
        return empty_sketches(num_perm)
    parts = {"signatures": np.stack([r[0] for r in rows]).astype(np.uint32)}
    for k, name in ((1, "keys"), (2, "lines"), (3, "stems")):
        parts[name] = np.concatenate([r[k] for r in rows])
        parts[f"{_single(name)}_ends"] = np.cumsum([len(r[k]) for r in rows]).astype(np.int64)
    return Sketches(**parts)


def _max_line_chars(config: Config) -> int:
    return furniture_line_chars(config.boilerplate_max_words)


# ---------------------------------------------------------------------------- reference


def sketch_reference(text: str, config: Config) -> tuple:
    """``(signature, rewrite keys, line keys, stems)`` of one text: the definition.

    Boilerplate is not masked here: it is not known yet, and widely repeated furniture drops
    out of the rewrite keys by their document frequency anyway."""
    from ..text.normalize import tokenizer

    form_hashes, stem_hashes = sketch_hashes(text)
    words = np.unique(ngram_hashes(form_hashes, config.shingle_words))
    keys = distinct(ngram_hashes(stem_hashes, config.rewrite_key_words))
    starts = np.fromiter((m.start() for m in tokenizer(text).finditer(text)), dtype=np.int64)
    lines = np.unique(np.array(
        [line.key for line in line_keys(text, starts, form_hashes, _max_line_chars(config))
         if MIN_LINE_WORDS <= line.words <= config.boilerplate_max_words], dtype=np.uint64))
    stems = distinct((stem_hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32))
    return minhash(words, config.num_perm, config.seed), keys, lines, stems


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, in order of first appearance. A document's rewrite keys and
    stems are sets; this order costs no sort (the compiled path dedupes with a hash set)."""
    return values[np.sort(np.unique(values, return_index=True)[1])]


def sketch_texts(texts: list, config: Config, fast: bool | None = None) -> Sketches:
    """Sketches of ``texts`` (pure). ``fast`` (default: for :func:`compiled.use_compiled` for that many texts or
    more) runs the compiled path; both give the same arrays."""
    if fast is None:
        fast = use_compiled(len(texts))
    if fast and texts:
        return _sketch_fast(texts, config)
    return _from_rows([sketch_reference(t, config) for t in texts], config.num_perm)


# ---------------------------------------------------------------------------- fast path


def _sketch_fast(texts: list, config: Config) -> Sketches:
    from ..compiled.chars import char_classes, compiled
    from ..compiled.vocabulary import tokenize_batch

    k = compiled()
    table = char_classes()
    batch = tokenize_batch(texts)
    cps, doc_ends, starts, doc_tokens = batch.cps, batch.doc_ends, batch.starts, batch.doc_tokens
    forms, stems, content = batch.form_hashes, batch.stem_hashes, batch.content
    a, b = permutations(config.num_perm, config.seed)
    signatures = k.signatures(forms, doc_tokens, config.shingle_words, a, b)
    keys, key_ends, stem_ids, stem_ends = k.content_keys(stems, content, doc_tokens,
                                                         config.rewrite_key_words)
    block_s, block_e, blocks_per_doc = k.line_blocks(cps, doc_ends, table, WRAPPED_LINE_CHARS)
    block_doc = np.repeat(np.arange(len(texts)), np.diff(blocks_per_doc, prepend=0))
    line_values, line_doc = k.line_keys(block_s, block_e, block_doc, starts, doc_tokens, forms,
                                        _max_line_chars(config), MIN_LINE_WORDS,
                                        config.boilerplate_max_words)
    order = np.lexsort((line_values, line_doc))
    line_values, line_doc = line_values[order], line_doc[order]
    keep = np.ones(len(line_values), dtype=bool)
    keep[1:] = (line_values[1:] != line_values[:-1]) | (line_doc[1:] != line_doc[:-1])
    line_values, line_doc = line_values[keep], line_doc[keep]
    line_ends = np.cumsum(np.bincount(line_doc, minlength=len(texts))).astype(np.int64)
    return Sketches(signatures, keys, key_ends, line_values, line_ends, stem_ids, stem_ends)


class SketchStore:
    """Sketches by key (a document's content hash and format), kept between scans: the
    documents of a new scan whose keys are known are not sketched again. Rows stay in the
    tables they came in (no per-document objects)."""

    def __init__(self, num_perm: int):
        self.num_perm = num_perm
        self.tables: list = []
        self.where: dict = {}               # key -> (table number, row)

    def __contains__(self, key) -> bool:
        return key in self.where

    def __len__(self) -> int:
        return len(self.where)

    def add(self, keys: list, table: Sketches) -> None:
        """Rows of ``table`` under ``keys`` (one per row; empty keys are not kept)."""
        number = len(self.tables)
        self.tables.append(table)
        for row, key in enumerate(keys):
            if key:
                self.where[key] = (number, row)

    def select(self, keys: list) -> Sketches:
        """The sketches of ``keys`` (all known), in that order."""
        if not keys:
            return empty_sketches(self.num_perm)
        refs = np.array([self.where[k] for k in keys], dtype=np.int64)
        order = np.argsort(refs[:, 0], kind="stable")
        pieces = []
        for number in np.unique(refs[:, 0]).tolist():
            pieces.append(self.tables[number].take(refs[order][refs[order][:, 0] == number, 1]))
        grouped = Sketches.concat(pieces, self.num_perm)
        back = np.empty(len(keys), dtype=np.int64)
        back[order] = np.arange(len(keys))
        return grouped.take(back)

"""Index storage: sketches kept between scans, keyed by content hash and settings.

A second scan of an unchanged folder reads each file (to hash it) but sketches nothing again.
The file is a plain ``.npz`` of arrays, loaded with ``allow_pickle=False``: a cache file,
even a tampered one, can hold only numbers, never code. It is written to a temporary name and
renamed, so an interrupted scan leaves the previous cache whole. This is also the seam for the
persistent archive: the same arrays, kept for everything already published.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
import zipfile
from array import array
from pathlib import Path

import numpy as np

from .. import __version__
from ..config import Config
from ..stages.judge import Judged
from ..stages.sketch import SKETCH_FIELDS, Sketches, SketchStore
from .files import creation_mode

CACHE_NAME = "sketches.npz"
SKETCH_FORMAT = 2
SKETCH_SETTINGS = ("shingle_words", "num_perm", "seed", "rewrite_key_words",
                    "boilerplate_max_words", "encoding", "html_extractor")


#: The modules whose code computes a sketch (from the package folder): a change to any of
#: them makes every cached sketch stale, whatever the version number says.
SKETCH_CODE = ("stages/sketch.py", "stages/signature.py", "text/shingle.py",
               "text/normalize.py", "text/boilerplate.py", "compiled/sketch_kernels.py",
               "compiled/vocabulary.py", "compiled/chars.py", "ingest/readers.py",
               "ingest/decode.py", "ingest/html.py", "ingest/jsonl.py", "ingest/titles.py")


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the source of every module in :data:`SKETCH_CODE`."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for name in SKETCH_CODE:
        digest.update(name.encode())
        digest.update((package / name).read_bytes())
    return digest.hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def judging_code_fingerprint() -> str:
    """A hash of every module and data file that a judgement can depend on (all but the
    report and the command line): a changed aligner or reuse model re-judges every pair."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package).as_posix()
        if path.suffix in (".py", ".json") and not relative.startswith(("report/", "cli.py")):
            digest.update(relative.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def fingerprint(config: Config) -> str:
    """What a sketch depends on: the settings that shape it, the format of the file, the
    code version and the code that computes it (:func:`code_fingerprint`)."""
    settings = {name: getattr(config, name) for name in SKETCH_SETTINGS}
    settings["version"] = __version__
    settings["format"] = SKETCH_FORMAT
    settings["code"] = code_fingerprint()
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:32]


def load_sketches(folder: Path, config: Config) -> SketchStore:
    """The sketches saved in ``folder``, or an empty store if absent, stale or unreadable."""
    store = SketchStore(config.num_perm)
    path = Path(folder) / CACHE_NAME
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["fingerprint"]) != fingerprint(config):
                return store
            keys = data["documents"].astype(str).tolist()
            table = Sketches(**{name: data[name] for name in SKETCH_FIELDS})
            consistent = (len(table) == len(keys)
                          and table.signatures.shape[1:] == (config.num_perm,)
                          and all(len(getattr(table, f"{part}_ends")) == len(keys)
                                  for part in ("key", "line", "stem")))
    except (OSError, KeyError, ValueError, EOFError, TypeError, zipfile.BadZipFile):
        return store
    if consistent:
        store.add(keys, table)
    return store


def save_sketches(folder: Path, config: Config, keys: list, table: Sketches) -> None:
    """Write ``table`` (one row per key; rows with an empty key are left out) atomically."""
    rows = [i for i, key in enumerate(keys) if key]
    if not rows:
        return
    if len(rows) < len(keys):
        table = table.take(rows)
        keys = [keys[i] for i in rows]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"fingerprint": np.array(fingerprint(config)), "documents": np.array(keys),
              **{name: getattr(table, name) for name in SKETCH_FIELDS}}
    fd, tmp = tempfile.mkstemp(prefix=f".{CACHE_NAME}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, creation_mode())
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, folder / CACHE_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class TextSpill:
    """Texts of a scan kept in a temporary file instead of memory: a large scan holds only
    sketches and metadata per document, and reads back the texts of candidate pairs.

    Texts are stored as UTF-8 (lone surrogates kept), so a text read back is the one stored,
    character for character. The file is deleted on :meth:`close` (or when the process ends).
    """

    def __init__(self, folder: Path | None = None):
        self._file = tempfile.TemporaryFile(prefix="derivdetect-texts-", dir=folder)
        self._ends = array("q")             # end offset of each stored text (8 bytes each)
        self._end = 0
        self._at_end = True                 # the file position is at the end (no seek)

    def put(self, text: str) -> int:
        """Store ``text``; returns its number, to :meth:`get` it back."""
        data = text.encode("utf-8", "surrogatepass")
        if not self._at_end:  # a seek flushes the buffer: one write a text, made only after a get
            self._file.seek(self._end)
            self._at_end = True
        self._file.write(data)
        self._end += len(data)
        self._ends.append(self._end)
        return len(self._ends) - 1

    def get(self, number: int) -> str:
        start = self._ends[number - 1] if number else 0
        self._at_end = False
        self._file.seek(start)
        return self._file.read(self._ends[number] - start).decode("utf-8", "surrogatepass")

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "TextSpill":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


JUDGEMENTS_NAME = "judgements.jsonl"
JUDGEMENTS_FORMAT = 2


class Judgements:
    """Judged candidate pairs kept between scans: a later scan does not align them again.

    Each judgement is filed under :func:`judgement_key`: everything it depends on (both
    texts and ids, their dates, topic words and furniture lines, the settings and the code
    version) and nothing else, so a line becoming common elsewhere in the corpus, or another
    article added, leaves every other judgement valid. Plain JSON lines, written atomically.
    """

    def __init__(self, items: dict | None = None):
        self._items = items or {}   # key -> Judged

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def get(self, key: str):
        return self._items.get(key)

    def keep(self, items: dict) -> None:
        """Hold exactly ``items`` (key -> judged pair) from now on: this corpus's pairs."""
        self._items = dict(items)

    def items(self):
        return self._items.items()


def judgement_settings(config: Config) -> str:
    """A digest of the settings, the code version and the judging code that every judgement
    depends on (the number of workers changes no result and is left out)."""
    settings = {k: v for k, v in config.to_dict().items() if k != "workers"}
    settings = json.dumps({**settings, "version": __version__,
                           "code": judging_code_fingerprint()}, sort_keys=True, default=str)
    return hashlib.sha256(settings.encode()).hexdigest()[:32]


def judgement_key(settings: str, doc_a, doc_b, topic_a, topic_b, furniture_a: str,
                  furniture_b: str) -> str:
    """What a pair's judgement depends on: the settings digest, each document's content key,
    id and date, its topic words and the digest of its furniture lines; empty (never cached)
    if a text is unhashed."""
    if not doc_a.content_hash or not doc_b.content_hash:
        return ""
    parts = [settings]
    for doc, topic, furniture in ((doc_a, topic_a, furniture_a), (doc_b, topic_b, furniture_b)):
        digest = "" if topic is None else hashlib.sha1(topic.tobytes()).hexdigest()
        parts += [doc.key, doc.id, str(doc.date), digest, furniture]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _pair_record(pair) -> dict:
    return {"pair_id": pair.pair_id, "a": pair.a, "b": pair.b, "verdict": pair.verdict, "source": pair.source,
            "source_reason": pair.source_reason, "extent": pair.extent, "scores": pair.scores,
            "passages": [[p.kind, p.a_start, p.a_end, p.b_start, p.b_end, p.similarity]
                         for p in pair.passages], "reasons": list(pair.reasons),
            "credit": pair.credit}


def _pair_from(record: dict):
    from ..models import Pair, Passage

    return Pair(record["a"], record["b"], record["verdict"], record["source"],
                record["source_reason"], record["extent"], dict(record["scores"]),
                tuple(Passage(*p) for p in record["passages"]), tuple(record["reasons"]),
                record["pair_id"], _credit_from(record["credit"]))


def _credit_from(credit):
    if credit is None:
        return None
    return {**credit, "evidence": [tuple(span) for span in credit["evidence"]]}


def load_judgements(folder: Path) -> Judgements:
    """The judgements saved in ``folder``, or an empty store if absent or unreadable."""
    path = Path(folder) / JUDGEMENTS_NAME
    try:
        with open(path, encoding="utf-8") as handle:
            head = json.loads(handle.readline())
            if head.get("version") != __version__ or head.get("format") != JUDGEMENTS_FORMAT:
                return Judgements()
            items = {}
            for line in handle:
                row = json.loads(line)
                pair = None if row["pair"] is None else _pair_from(row["pair"])
                items[row["key"]] = Judged(pair, tuple(map(tuple, row["spans_a"])),
                                           tuple(map(tuple, row["spans_b"])))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Judgements()
    return Judgements(items)


def save_judgements(folder: Path, store: Judgements) -> None:
    """Write ``store`` atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{JUDGEMENTS_NAME}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, creation_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"version": __version__, "format": JUDGEMENTS_FORMAT}) + "\n")
            for key, judged in store.items():
                handle.write(json.dumps({
                    "key": key,
                    "pair": None if judged.pair is None else _pair_record(judged.pair),
                    "spans_a": judged.boilerplate_a, "spans_b": judged.boilerplate_b},
                    ensure_ascii=True) + "\n")
        os.replace(tmp, folder / JUDGEMENTS_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class SketchSpill:
    """Sketches of a streaming scan, batch by batch, in a temporary file: the joined table is
    built once at the end from exact sizes, so the peak is the table plus one batch, not the
    batches and the table together (3 GB apiece at a million articles)."""

    _FIELDS = tuple(SKETCH_FIELDS)
    _DTYPES = tuple(SKETCH_FIELDS.values())

    def __init__(self, num_perm: int, folder: Path | None = None):
        self.num_perm = num_perm
        self._file = tempfile.TemporaryFile(prefix="derivdetect-sketches-", dir=folder)
        self._parts: list = []              # per part, the length of each field

    def append(self, part: Sketches) -> None:
        sizes = []
        for name in self._FIELDS:
            values = getattr(part, name)
            if name.endswith("_ends"):
                values = np.diff(values, prepend=0)
            self._file.write(np.ascontiguousarray(values).data)
            sizes.append(len(values))
        self._parts.append(sizes)

    def table(self) -> Sketches:
        """All appended sketches, in order, as one table; the file is then closed. Each
        part's arrays are read straight into their place in the table."""
        totals = (np.sum(self._parts, axis=0, dtype=np.int64) if self._parts
                  else np.zeros(len(self._FIELDS), np.int64))
        out = {name: np.empty((total, self.num_perm) if name == "signatures" else total,
                              dtype=dtype)
               for name, dtype, total in zip(self._FIELDS, self._DTYPES, totals)}
        at = dict.fromkeys(self._FIELDS, 0)
        self._file.seek(0)
        for sizes in self._parts:
            for name, count in zip(self._FIELDS, sizes):
                target = out[name][at[name]: at[name] + count]
                if self._file.readinto(memoryview(target).cast("B")) != target.nbytes:
                    raise OSError("the temporary file of sketches was cut short")
                at[name] += count
        self._file.close()
        for name in self._FIELDS:
            if name.endswith("_ends"):
                np.cumsum(out[name], out=out[name])
        return Sketches(**out)

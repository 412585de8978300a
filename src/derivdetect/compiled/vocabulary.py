"""Raw tokens to forms, stems and hashes, once per distinct token: the compiled text path.

The reference analysis (``normalize.analyze``) looks every token up in Python dictionaries.
Here a batch of texts is tokenized by a compiled kernel that also hashes each raw token's
characters; each distinct raw token is analysed by the reference code once per process and
kept in a :class:`_Vocabulary`; every later occurrence is a lookup in a compiled hash table.
:func:`analyze_compiled` gives exactly ``normalize.analyze`` (a property test checks it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from ..text.shingle import token_hash


class _Vocabulary:
    """Every distinct raw token seen by this process, by the 64-bit hash of its characters:
    its form's hash and stopword-language mask, and per language its stem's hash and whether
    it is a content word. Each raw token is analysed in Python once (with the reference code);
    after that a batch's tokens are looked up in a compiled hash table.

    Shared by the threads that sketch batches at once: every method holds one lock, so a
    table being grown is never read; the arrays a method returns are copies (gathered by
    index) or only ever appended to."""

    def __init__(self):
        self.lock = threading.Lock()
        self.slots = np.zeros(1 << 16, dtype=np.uint64)
        self.slot_ids = np.zeros(1 << 16, dtype=np.int64)
        self.forms = np.empty(1 << 14, dtype=object)
        self.size = 0
        self.form_hashes = np.zeros(1 << 14, dtype=np.uint64)
        self.masks = np.zeros(1 << 14, dtype=np.int64)
        self.lexical: dict = {}             # lang -> (stem hashes, content, known, stems)
        self.weighted: dict = {}            # lang -> (word weights, known)

    def lookup(self, kernels, hashes: np.ndarray, raw_at) -> tuple:
        """``(ids, form hashes, stopword masks)`` of raw token ``hashes``; ``raw_at(k)`` is
        the raw string of ``hashes[k]``."""
        with self.lock:
            ids = self._ids(kernels, hashes, raw_at)
            return ids, self.form_hashes[ids], self.masks[ids]

    def _ids(self, kernels, hashes: np.ndarray, raw_at) -> np.ndarray:
        from ..text.normalize import form_of, stopword_languages

        ids = kernels.table_find(self.slots, self.slot_ids, hashes)
        start = 0 if ids.min(initial=0) < 0 else len(hashes)
        while start < len(hashes):
            self._reserve(kernels, self.size + 1)
            first_id = self.size
            firsts, done = kernels.table_add(self.slots, self.slot_ids, hashes[start:],
                                             ids[start:], first_id, len(self.slots) // 2)
            forms = [form_of(raw_at(start + q)) for q in firsts.tolist()]
            index = stopword_languages()
            stop = first_id + len(forms)
            self._reserve(kernels, stop)
            self.form_hashes[first_id:stop] = [token_hash(f) for f in forms]
            self.masks[first_id:stop] = [index.get(f, 0) for f in forms]
            self.forms[first_id:stop] = forms
            self.size = stop
            start += done
        return ids

    def forms_of(self, ids: np.ndarray) -> np.ndarray:
        """The forms (strings) of tokens ``ids``."""
        with self.lock:
            return self.forms[ids]

    def lexicon_of(self, lang: str, ids: np.ndarray) -> tuple:
        """``(stem hashes, content flags)`` of tokens ``ids`` in language ``lang``, and the
        stem strings as an object array over the vocabulary (index it with ``ids``)."""
        from ..text.normalize import lexicon_for

        with self.lock:
            stems, content, known, strings = self._grown(self.lexical, lang, (
                np.uint64, bool, bool, object))
            need = _newly_known(known, ids)
            if len(need):
                lexicon = lexicon_for(lang)
                entries = [lexicon(form) for form in self.forms[need].tolist()]
                stems[need] = [token_hash(stem) for stem, _ in entries]
                content[need] = [flag for _, flag in entries]
                strings[need] = [stem for stem, _ in entries]
            return stems[ids], content[ids], strings

    def weights_of(self, lang: str, ids: np.ndarray) -> np.ndarray:
        """Word weights (``align.form_weights``) of tokens ``ids`` in language ``lang``:
        only verification needs them (and the word frequency tables they load)."""
        from ..stages.align import form_weights

        with self.lock:
            weights, known = self._grown(self.weighted, lang, (np.float32, bool))
            need = _newly_known(known, ids)
            if len(need):
                weights[need] = form_weights(self.forms[need].tolist(), lang)
            return weights[ids]

    def _grown(self, store: dict, lang: str, dtypes: tuple) -> tuple:
        """``store[lang]``: arrays over the whole vocabulary, grown to its size."""
        size = len(self.form_hashes)
        parts = store.get(lang)
        if parts is None or len(parts[0]) < size:
            grown = tuple(np.zeros(size, dtype=t) for t in dtypes)
            for target, old in zip(grown, parts or ()):
                target[:len(old)] = old
            parts = store[lang] = grown
        return parts

    def _reserve(self, kernels, count: int) -> None:
        if count > len(self.form_hashes):
            size = max(count, 2 * len(self.form_hashes))
            for name in ("form_hashes", "masks", "forms"):
                old = getattr(self, name)
                grown = np.zeros(size, dtype=old.dtype)
                grown[:len(old)] = old
                setattr(self, name, grown)
        if count * 2 > len(self.slots):
            size = len(self.slots)
            while count * 2 > size:
                size *= 2
            used = self.slots != 0
            keys, ids = self.slots[used], self.slot_ids[used]
            order = np.argsort(ids)
            self.slots = np.zeros(size, dtype=np.uint64)
            self.slot_ids = np.zeros(size, dtype=np.int64)
            kernels.table_insert(self.slots, self.slot_ids, keys[order], 0)


def _newly_known(known: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``kernels.newly_known`` (the ids of ``ids`` not yet ``known``, now marked known)."""
    from .chars import compiled

    return compiled().newly_known(known, ids)


_VOCABULARY = _Vocabulary()


def _languages(kernels, masks: np.ndarray, doc_tokens: np.ndarray) -> np.ndarray:
    """Each document's language from the stopword masks of its first tokens, exactly as
    ``normalize.detect_language`` decides it (``und`` where none is clear)."""
    from ..text.normalize import (
        DETECT_SAMPLE,
        DETECTED_LANGUAGES,
        MIN_STOPWORD_SHARE,
        SNOWBALL_LANGUAGES,
    )

    counts, sizes = kernels.language_counts(masks, doc_tokens, DETECT_SAMPLE, len(DETECTED_LANGUAGES))
    best = np.argmax(counts, axis=1)
    rows = np.arange(len(sizes))
    english = DETECTED_LANGUAGES.index("en")
    best[counts[:, english] == counts[rows, best]] = english
    share = counts[rows, best] / np.maximum(sizes, 1)
    names = np.array([lang if lang in SNOWBALL_LANGUAGES else "und" for lang in DETECTED_LANGUAGES]
                     + ["und"])
    best[(sizes == 0) | (share < MIN_STOPWORD_SHARE)] = len(DETECTED_LANGUAGES)
    return names[best]


@dataclass(frozen=True, eq=False)
class TokenBatch:
    """The tokens of a batch of texts, looked up: offsets are into ``joined``, token ``t`` of
    document ``d`` lies in ``doc_tokens[d-1] <= t < doc_tokens[d]``."""

    joined: str
    cps: np.ndarray
    doc_ends: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    doc_tokens: np.ndarray
    ids: np.ndarray
    languages: np.ndarray
    form_hashes: np.ndarray
    stem_hashes: np.ndarray
    content: np.ndarray
    stem_strings: dict

    def by_language(self) -> Iterator:
        """``(language, token indexes)`` for each language of the batch's documents (the
        indexes are a slice when the batch has one language)."""
        languages = np.unique(self.languages).tolist()
        if len(languages) == 1:
            yield languages[0], slice(None)
            return
        token_lang = np.repeat(self.languages, np.diff(self.doc_tokens, prepend=0))
        for lang in languages:
            yield lang, np.flatnonzero(token_lang == lang)

    def weights(self) -> np.ndarray:
        """Each token's word weight (``align.word_weights``)."""
        out = np.zeros(len(self.ids), dtype=np.float32)
        for lang, chosen in self.by_language():
            out[chosen] = _VOCABULARY.weights_of(lang, self.ids[chosen])
        return out


def tokenize_batch(texts: list) -> TokenBatch:
    """Tokens, forms, languages, stems and content flags of ``texts``, as
    ``normalize.analyze`` finds them one text at a time."""
    from .chars import char_classes, compiled

    k = compiled()
    joined = "".join(texts)
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    doc_ends = np.cumsum([len(t) for t in texts]).astype(np.int64)
    starts, ends, raw, doc_tokens = k.tokenize(cps, doc_ends, char_classes())

    def raw_at(t: int) -> str:
        return joined[starts[t]: ends[t]]

    ids, form_hashes, masks = _VOCABULARY.lookup(k, raw, raw_at)
    batch = TokenBatch(joined, cps, doc_ends, starts, ends, doc_tokens, ids,
                       _languages(k, masks, doc_tokens), form_hashes,
                       np.zeros(len(raw), dtype=np.uint64), np.zeros(len(raw), dtype=bool), {})
    for lang, chosen in batch.by_language():
        batch.stem_hashes[chosen], batch.content[chosen], batch.stem_strings[lang] = \
            _VOCABULARY.lexicon_of(lang, ids[chosen])
    return batch


@dataclass(frozen=True, eq=False)
class HashedAnalysis:
    """One text's ``normalize.analyze`` result with what the compiled path knows besides: the
    hashes of its forms and stems (as ``shingle.token_hashes`` gives them), each token's word
    weight (``align.word_weights``) and its boilerplate units (``boilerplate.line_keys``)."""

    analysis: object
    form_hashes: np.ndarray
    stem_hashes: np.ndarray
    weights: np.ndarray
    lines: tuple


def analyze_many(texts: list) -> list:
    """:class:`HashedAnalysis` of each text, tokenized and looked up as one batch."""
    from ..text.boilerplate import WRAPPED_LINE_CHARS, Line
    from ..text.normalize import Analysis, split_sentences
    from .chars import char_classes, compiled

    if not texts:
        return []
    k = compiled()
    batch = tokenize_batch(texts)
    weights = batch.weights()
    block_s, block_e, blocks_per_doc = k.line_blocks(batch.cps, batch.doc_ends, char_classes(),
                                                     WRAPPED_LINE_CHARS)
    block_doc = np.repeat(np.arange(len(texts)), np.diff(blocks_per_doc, prepend=0))
    keys, words = k.block_keys(block_s, block_e, block_doc, batch.starts, batch.doc_tokens,
                               batch.form_hashes)
    forms_all = _VOCABULARY.forms_of(batch.ids)
    out = []
    token0 = block0 = char0 = 0
    for d, text in enumerate(texts):
        t1, b1 = int(batch.doc_tokens[d]), int(blocks_per_doc[d])
        lang = str(batch.languages[d])
        ids = batch.ids[token0:t1]
        forms = forms_all[token0:t1].tolist()
        stems = batch.stem_strings[lang][ids].tolist() if len(ids) else []
        starts = batch.starts[token0:t1] - char0
        ends = batch.ends[token0:t1] - char0
        sentences = split_sentences(text, starts, forms)
        analysis = Analysis(lang, tuple(forms), tuple(stems), starts, ends,
                            batch.content[token0:t1], sentences)
        lines = tuple(Line(int(s) - char0, int(e) - char0, int(key), int(n))
                      for s, e, key, n in zip(block_s[block0:b1].tolist(),
                                              block_e[block0:b1].tolist(),
                                              keys[block0:b1].tolist(), words[block0:b1].tolist())
                      if n > 0)
        out.append(HashedAnalysis(analysis, batch.form_hashes[token0:t1],
                            batch.stem_hashes[token0:t1], weights[token0:t1], lines))
        token0, block0, char0 = t1, b1, int(batch.doc_ends[d])
    return out


def analyze_compiled(text: str):
    """``(normalize.analyze(text), form hashes, stem hashes)`` on the compiled path."""
    found = analyze_many([text])[0]
    return found.analysis, found.form_hashes, found.stem_hashes

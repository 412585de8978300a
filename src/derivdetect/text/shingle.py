"""Shingles as 64-bit hashes: word n-grams and stemmed content-word n-grams.

Each token is hashed once (xxh3, memoized per distinct form); n-gram hashes are then combined
with numpy, so no shingle string is ever built. Two shingle sets per document:

* ``word_shingles``: n-grams of all normalized tokens: what verbatim copies and light edits
  share. MinHash/LSH and the exact Jaccard use these.
* ``content_shingles``: n-grams of stems of content words (stopwords dropped): what survives
  a rewrite, because a paraphrase keeps "refugees ... arrived ... Armenia" in order while
  changing the little words between them.

Tokens inside boilerplate (``mask`` False) never make a shingle.
"""

from __future__ import annotations

import numpy as np
import xxhash

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_hash_memo: dict[str, int] = {}


def token_hashes(tokens) -> np.ndarray:
    """64-bit xxh3 hash of each token string."""
    memo = _hash_memo
    out = np.empty(len(tokens), dtype=np.uint64)
    for i, token in enumerate(tokens):
        value = memo.get(token)
        if value is None:
            value = token_hash(token)
            if len(memo) < 1_000_000:
                memo[token] = value
        out[i] = value
    return out


def stem_ids(stems) -> np.ndarray:
    """32-bit ids of stems (low bits of their token hash): compact topic-word sets."""
    return (token_hashes(stems) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def ngram_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    """Hashes of all n-grams of consecutive items (order-sensitive), in text order.

    A text shorter than ``n`` items yields one shingle of all of them, so that short texts
    still have a signature.
    """
    count = len(hashes)
    if count == 0:
        return np.empty(0, dtype=np.uint64)
    if count < n:
        n = count
    with np.errstate(over="ignore"):
        combined = hashes[: count - n + 1].copy()
        for offset in range(1, n):
            combined = combined * _MULTIPLIER + hashes[offset: count - n + 1 + offset]
            combined ^= combined >> np.uint64(29)
    return combined


def word_shingles(forms, mask: np.ndarray | None, n: int) -> np.ndarray:
    """Sorted unique hashes of word n-grams of the tokens where ``mask`` is True."""
    hashes = token_hashes(forms)
    if mask is not None:
        hashes = hashes[mask]
    return np.unique(ngram_hashes(hashes, n))


def content_shingles(stems, content: np.ndarray, mask: np.ndarray | None, n: int) -> np.ndarray:
    """Sorted unique hashes of n-grams of content-word stems (stopwords removed)."""
    keep = content if mask is None else content & mask
    hashes = token_hashes([s for s, k in zip(stems, keep) if k])
    return np.unique(ngram_hashes(hashes, n))


_sketch_memos: dict[str, dict] = {}


def sketch_hashes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes and content-stem hashes of ``text`` in one pass: the sketch's fast path.

    Gives exactly ``token_hashes(analyze(text).forms)`` and the hashes of the content stems,
    in order (a property test checks it), with one memo lookup per token instead of four.
    """
    from .normalize import (
        DETECT_SAMPLE,
        SNOWBALL_LANGUAGES,
        detect_language,
        form_of,
        lexicon_for,
        normalize_token,
        tokenizer,
    )

    raws = tokenizer(text).findall(text)
    lang = detect_language([form_of(r) for r in raws[:DETECT_SAMPLE]])
    lang = lang if lang in SNOWBALL_LANGUAGES else "und"
    memo = _sketch_memos.setdefault(lang, {})
    lexicon = lexicon_for(lang)
    forms_out = np.empty(len(raws), dtype=np.uint64)
    stems_out = []
    for i, raw in enumerate(raws):
        entry = memo.get(raw)
        if entry is None:
            form = normalize_token(raw)
            stem, content = lexicon(form)
            entry = (token_hash(form), token_hash(stem) if content else None)
            if len(memo) < 1_000_000:
                memo[raw] = entry
        forms_out[i] = entry[0]
        if entry[1] is not None:
            stems_out.append(entry[1])
    return forms_out, np.array(stems_out, dtype=np.uint64)


def token_hash(token: str) -> int:
    return xxhash.xxh3_64_intdigest(token.encode("utf-8", "surrogatepass"))

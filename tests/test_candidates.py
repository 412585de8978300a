"""Candidate routes against a naive all-pairs reference."""

import itertools
import math

import numpy as np
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from derivdetect.stages.candidates import (
    lsh_candidates,
    lsh_params,
    shared_key_candidates,
)
from derivdetect.stages.signature import minhash


def naive_shared_keys(key_sets, max_df, min_shared):
    """All pairs, checked one by one: shared rare keys >= min(min_shared, 10% of the shorter)."""
    df = {}
    for keys in key_sets:
        for k in set(keys):
            df[k] = df.get(k, 0) + 1
    out = set()
    for i, j in itertools.combinations(range(len(key_sets)), 2):
        shared = {k for k in set(key_sets[i]) & set(key_sets[j]) if df[k] <= max_df}
        shorter = min(len(set(key_sets[i])), len(set(key_sets[j])))
        if shared and len(shared) >= min(min_shared, max(1, math.ceil(0.1 * shorter))):
            out.add((i, j))
    return out


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), max_size=25), min_size=0, max_size=12),
       st.integers(2, 6), st.integers(1, 4))
def test_shared_key_route_equals_naive_reference(docs, max_df, min_shared):
    import derivdetect.stages.candidates as candidates

    hashed = [[xxhash.xxh3_64_intdigest(str(k).encode()) for k in d] for d in docs]
    key_sets = [np.unique(np.array(d, dtype=np.uint64)) for d in hashed]
    keys = np.concatenate(key_sets) if key_sets else np.empty(0, np.uint64)
    lengths = [len(k) for k in key_sets]
    expected = naive_shared_keys(docs, max_df, min_shared)

    def found(fast):
        return {tuple(p) for p in
                shared_key_candidates(keys, lengths, max_df, min_shared, fast).tolist()}

    assert found(fast=True) == expected
    assert found(fast=False) == expected
    saved = candidates.BLOCK_DOCS
    try:
        candidates.BLOCK_DOCS = 3  # many blocks of documents: the same pairs
        assert found(fast=False) == expected
    finally:
        candidates.BLOCK_DOCS = saved


def test_lsh_pairs_near_copies_and_not_strangers():
    rng = np.random.default_rng(3)
    base = rng.integers(0, 2**63, 500, dtype=np.uint64)
    edited = np.concatenate([base[:450], rng.integers(0, 2**63, 50, dtype=np.uint64)])
    strangers = [rng.integers(0, 2**63, 500, dtype=np.uint64) for _ in range(20)]
    sigs = np.stack([minhash(s) for s in [base, edited] + strangers])
    pairs = {tuple(p) for p in lsh_candidates(sigs, 0.3).tolist()}
    assert (0, 1) in pairs
    assert not any(i >= 2 and j >= 2 for i, j in pairs)


def test_lsh_links_a_huge_group_of_identical_documents_linearly():
    sig = minhash(np.arange(100, dtype=np.uint64))
    sigs = np.stack([sig] * 1000)
    pairs = lsh_candidates(sigs, 0.5)
    assert len(pairs) < 5000
    linked = set(pairs[:, 0].tolist()) | set(pairs[:, 1].tolist())
    assert linked == set(range(1000))


@settings(max_examples=60, deadline=None)
@given(st.floats(0.02, 0.98), st.sampled_from([4, 16, 64, 100, 128, 256]))
def test_lsh_bands_are_the_ones_datasketch_chooses(threshold, num_perm):
    from datasketch.lsh import _optimal_param

    lsh_params.cache_clear()
    assert lsh_params(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


def test_each_documents_keys_looked_up_alone_find_the_corpus_candidates():
    """The archive's way (store each document's keys, look a new one up) and the scan's way
    (group every document's keys at once) are the same two halves: same LSH candidates."""
    import random

    from conftest import random_article
    from derivdetect.config import Config
    from derivdetect.stages.candidates import document_keys
    from derivdetect.stages.sketch import sketch_texts

    rnd = random.Random(11)
    texts = [random_article(rnd) for _ in range(30)]
    texts += [t.replace(" the ", " a ", 2) for t in texts[:10]]  # light edits: band matches
    texts.append("")                                             # no shingles: no band keys
    config = Config()
    sketches = sketch_texts(texts, config)
    posted: dict = {}
    looked_up = set()
    for i in range(len(texts)):
        keys = document_keys(sketches, i, config)
        assert np.array_equal(keys.rewrite, sketches.keys_of(i))
        assert np.array_equal(keys.lines, sketches.lines_of(i))
        for band, key in enumerate(keys.bands.tolist()):
            for j in posted.get((band, key), []):
                looked_up.add((j, i))
            posted.setdefault((band, key), []).append(i)
    assert document_keys(sketches, len(texts) - 1, config).bands.size == 0
    grouped = {tuple(p) for p in lsh_candidates(sketches.signatures, config.lsh_threshold).tolist()}
    assert looked_up == grouped
    assert {(i, i + 30) for i in range(10)} <= grouped


def test_band_keys_of_every_band_at_once_are_each_bands_keys():
    """The archive's segments take every band's keys in one step and the scan takes them
    band by band: both must be the documented hash (a naive reference in Python integers),
    or an archived copy would never meet its source."""
    from derivdetect.stages import candidates
    from derivdetect.stages.candidates import band_key_column, band_keys

    mask = (1 << 64) - 1

    def reference(values: list, band: int) -> int:
        key = (band + 1) * int(candidates._BAND_SEED) & mask
        for value in values:
            key ^= int(value)
            key = key * int(candidates._BAND_PRIME) & mask
            key ^= key >> 31
        return key

    rng = np.random.default_rng(3)
    signatures = rng.integers(0, 2**32, size=(40, 128), dtype=np.uint64).astype(np.uint32)
    docs = np.array([0, 3, 4, 17, 39])
    for bands, rows in ((37, 3), (16, 8), (1, 128), (9, 13)):
        together = band_keys(signatures, bands, rows, docs)
        assert together.shape == (bands, len(docs)) and together.dtype == np.uint64
        for band in range(bands):
            expected = [reference(signatures[d, band * rows:(band + 1) * rows], band)
                        for d in docs]
            assert together[band].tolist() == expected, (bands, band)
            assert band_key_column(signatures, band, rows, docs).tolist() == expected

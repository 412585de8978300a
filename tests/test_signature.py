"""MinHash over arrays against datasketch's own MinHash, and against exact Jaccard."""

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS
from derivdetect.stages.signature import estimate_jaccard, minhash

hash_sets = st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=300, unique=True)


@settings(max_examples=60, deadline=None)
@given(hash_sets, st.sampled_from([16, 64, 128]), st.integers(min_value=0, max_value=2**31))
def test_signature_identical_to_datasketch(hashes, num_perm, seed):
    reference = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda x: x & 0xFFFFFFFF)
    reference.update_batch(hashes)
    ours = minhash(np.array(hashes, dtype=np.uint64), num_perm=num_perm, seed=seed)
    assert ours.dtype == np.uint32
    assert np.array_equal(ours, reference.hashvalues)


def test_estimate_tracks_exact_jaccard():
    rng = np.random.default_rng(7)
    universe = rng.integers(0, 2**63, size=4000, dtype=np.uint64)
    for shared in (0, 200, 500, 900):
        a = universe[:1000]
        b = np.concatenate([universe[:shared], universe[1000: 2000 - shared]])
        exact = shared / (2000 - shared)
        estimate = estimate_jaccard(minhash(a, 256), minhash(b, 256))
        assert abs(estimate - exact) < 0.1, (shared, exact, estimate)


def test_empty_set_has_the_empty_signature():
    assert (minhash(np.empty(0, dtype=np.uint64), 32) == 0xFFFFFFFF).all()


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=500) | st.sampled_from([
    (CORPUS / "000_2db2f79e78af98da.txt").read_text(encoding="utf-8"),
    "Беженцы покидают регион, и миротворцы не смогли их защитить, как и обещали.",
    "北京是中国的首都。我爱北京。"]))
def test_sketch_fast_path_equals_the_analysis_path(text):
    from derivdetect.config import Config
    from derivdetect.stages.sketch import sketch_reference
    from derivdetect.text.normalize import analyze
    from derivdetect.text.shingle import content_shingles, word_shingles

    config = Config()
    an = analyze(text)
    signature, keys, _, _ = sketch_reference(text, config)
    words = word_shingles(an.forms, None, config.shingle_words)
    assert len(np.unique(keys)) == len(keys)       # a set, in order of first appearance
    assert np.array_equal(np.sort(keys),
                          content_shingles(an.stems, an.content, None, config.rewrite_key_words))
    assert np.array_equal(signature, minhash(words, config.num_perm, config.seed))

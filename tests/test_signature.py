"""MinHash over arrays against datasketch's own MinHash, and against exact Jaccard."""

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from derivdetect.signature import estimate_jaccard, minhash

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

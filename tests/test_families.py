"""Families hold texts that share writing: one loose rewrite link never merges two stories."""

from derivdetect import Config
from derivdetect.models import Pair
from derivdetect.stages.cluster import binds, clusters_of


def _pair(a, b, verdict="derivative", probability=0.95, run=0, source=None):
    scores = {"probability": probability, "longest_prose_run_words": run}
    return Pair(a, b, verdict, source, "", "partially", scores)


def _two_stories_and_a_loose_link():
    consoles = [_pair("ps-1", "ps-2", "near-duplicate"), _pair("ps-2", "ps-3", probability=0.9),
                _pair("ps-1", "ps-3", probability=0.85)]
    phones = [_pair("xb-1", "xb-2", "verbatim"), _pair("xb-1", "xb-3", probability=0.97)]
    return consoles + phones + [_pair("ps-3", "xb-1", probability=0.55)]


def test_one_weak_link_does_not_chain_two_stories_into_one_family():
    families = clusters_of(_two_stories_and_a_loose_link())
    assert [f.documents for f in families] == [("ps-1", "ps-2", "ps-3"), ("xb-1", "xb-2", "xb-3")]


def test_every_pair_binding_gives_the_connected_components():
    families = clusters_of(_two_stories_and_a_loose_link(), config=Config(family_min_probability=0.5))
    assert [f.documents for f in families] == [("ps-1", "ps-2", "ps-3", "xb-1", "xb-2", "xb-3")]


def test_weak_links_join_groups_when_half_their_pairs_are_reported():
    # a rewrite linked loosely to two of a family's three members belongs to it
    pairs = [_pair("a", "b", "verbatim"), _pair("b", "c", "near-duplicate"),
             _pair("d", "a", probability=0.6), _pair("d", "b", probability=0.5)]
    assert [f.documents for f in clusters_of(pairs)] == [("a", "b", "c", "d")]
    # linked to one of the three only: left out of the family, its pair still reported
    (family,) = clusters_of(pairs[:3])
    assert family.documents == ("a", "b", "c")


def test_two_texts_linked_only_by_a_weak_pair_are_a_family_of_two():
    assert [f.documents for f in clusters_of([_pair("a", "b", probability=0.4)])] == [("a", "b")]


def test_a_long_verbatim_run_or_a_copy_binds_whatever_the_probability():
    config = Config()
    assert binds(_pair("a", "b", "verbatim", probability=0.1), config)
    assert binds(_pair("a", "b", "near-duplicate", probability=0.1), config)
    assert binds(_pair("a", "b", probability=0.1, run=config.derivative_run_words), config)
    assert not binds(_pair("a", "b", probability=0.1, run=config.derivative_run_words - 1), config)
    assert binds(_pair("a", "b", probability=config.family_min_probability), config)
    assert not binds(_pair("a", "b", probability=config.family_min_probability - 0.01), config)


def test_a_family_original_comes_from_its_own_pairs_only():
    pairs = [_pair("a", "b", "near-duplicate", source="a"), _pair("b", "c", probability=0.9,
                                                                   source="b"),
             _pair("c", "x", probability=0.5, source="x"), _pair("x", "y", "verbatim")]
    families = clusters_of(pairs)
    assert [(f.documents, f.original) for f in families] == [(("a", "b", "c"), "a"),
                                                             (("x", "y"), None)]


def test_ties_are_broken_by_the_ids_not_by_how_a_pair_is_written():
    # c is loosely linked to both two-text families at the same probability: which one it
    # joins is decided by the ids, whichever way round the pairs are written
    strong = [_pair("a1", "a2", "verbatim"), _pair("b1", "b2", "verbatim")]
    one_way = strong + [_pair("c", "a1", probability=0.5), _pair("c", "a2", probability=0.5),
                        _pair("b1", "c", probability=0.5)]
    other_way = strong + [_pair("c", "a1", probability=0.5),
                          _pair("c", "a2", probability=0.5), _pair("c", "b1", probability=0.5)]
    assert clusters_of(one_way) == clusters_of(other_way)
    # two members each named a source once and never a copy: the first id is the original
    pairs = [_pair("m", "n", "near-duplicate", source="m"),
             _pair("k", "l", "near-duplicate", source="k"),
             _pair("n", "l", "near-duplicate")]
    assert {f.original for f in clusters_of(pairs)} == {"k"}
    assert {f.original for f in clusters_of(pairs[::-1])} == {"k"}


def test_families_do_not_depend_on_the_order_of_the_pairs():
    import random

    rng = random.Random(5)
    docs = [f"d{k:02d}" for k in range(30)]
    pairs = []
    for _ in range(60):
        a, b = rng.sample(docs, 2)
        verdict = rng.choice(["near-duplicate", "derivative", "derivative"])
        pairs.append(_pair(a, b, verdict, probability=rng.choice([0.5, 0.6, 0.9]),
                           source=rng.choice([a, b, None])))
    expected = clusters_of(pairs)
    for _ in range(20):
        shuffled = [Pair(p.b, p.a, p.verdict, p.source, "", p.extent, p.scores)
                    if rng.random() < 0.5 else p for p in rng.sample(pairs, len(pairs))]
        assert clusters_of(shuffled) == expected

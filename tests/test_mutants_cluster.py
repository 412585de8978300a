"""Families and their originals, pinned after a mutation run of ``stages/cluster.py`` (see
``benchmarks/MUTATION.md``): which family a loosely linked text joins (strongest link first,
then by the ids, whichever way a pair is written), the half-of-the-pairs rule at its bound,
the order of the families, texts left out of every family, and the original from dates or from
the pairs' sources.
"""

from derivdetect import Config
from derivdetect.models import Pair
from derivdetect.stages.cluster import binds, clusters_of


def _pair(a, b, verdict="derivative", probability=0.5, source=None, **scores):
    return Pair(a, b, verdict, source, "", "partially", {"probability": probability, **scores})


def _copy(a, b, source=None):
    return _pair(a, b, "verbatim", probability=0.99, source=source)


def _families(pairs, dates=None):
    return [f.documents for f in clusters_of(pairs, dates)]


def _family_of(doc, pairs):
    (family,) = [f for f in _families(pairs) if doc in f]
    return family


def test_a_loose_text_joins_the_family_it_is_linked_to_most_strongly():
    # "c" may join either two-text family (linked to one of two members: half the pairs);
    # the stronger link is tried first, whatever the order of the pairs or of the ids
    families = [_copy("a1", "a2"), _copy("b1", "b2")]
    for links in ([_pair("c", "a1", probability=0.5), _pair("c", "b1", probability=0.6)],
                  [_pair("c", "b1", probability=0.6), _pair("c", "a1", probability=0.5)],
                  [_pair("a1", "c", probability=0.5), _pair("b1", "c", probability=0.6)]):
        assert _families(families + links) == [("b1", "b2", "c"), ("a1", "a2")]
    stronger_first = [_pair("c", "a1", probability=0.6), _pair("c", "b1", probability=0.5)]
    assert _families(families + stronger_first[::-1]) == [("a1", "a2", "c"), ("b1", "b2")]


def test_equal_links_are_tried_in_the_order_of_the_two_ids_compared_whole():
    # equally strong links: the pair with the smaller id first, then the larger one
    # ("ab9" before "ba1" although its smallest character is larger; "kz" before "m1" although
    # its largest one is larger), written either way round
    for first, second in (("ab9", "ba1"), ("kz", "m1")):
        families = [_copy(first, first + "-copy"), _copy(second, second + "-copy")]
        for links in ([_pair("0", second), _pair("0", first)],
                      [_pair(second, "0"), _pair(first, "0")],
                      [_pair("0", second), _pair(first, "0")]):
            assert _family_of("0", families + links) == tuple(sorted(("0", first,
                                                                      first + "-copy")))


def test_a_weak_link_joins_at_exactly_half_of_the_pairs_between_two_groups():
    family = [_copy("a", "b")]
    assert _families(family + [_pair("d", "a")]) == [("a", "b", "d")]      # 1 of 2
    assert _families(family + [_pair("a", "d")]) == [("a", "b", "d")]
    three = [_copy("a", "b"), _copy("b", "c")]
    assert _families(three + [_pair("d", "a")]) == [("a", "b", "c")]       # 1 of 3
    assert _families(three + [_pair("a", "d"), _pair("b", "d")]) == [("a", "b", "c", "d")]
    # two groups of two joined by two of their four possible pairs, written either way
    for links in ([_pair("a", "x"), _pair("b", "y")], [_pair("x", "a"), _pair("y", "b")]):
        assert _families([_copy("a", "b"), _copy("x", "y")] + links) == [("a", "b", "x", "y")]
    # one of the four only: two families, their link still a reported pair
    assert _families([_copy("a", "b"), _copy("x", "y"), _pair("x", "a")]) == [("a", "b"),
                                                                                ("x", "y")]


def test_a_weak_pair_inside_a_family_does_not_stop_the_weaker_ones_after_it():
    pairs = [_copy("a", "b"), _pair("a", "b", probability=0.7),      # already one family
             _pair("c", "a", probability=0.6), _pair("e", "f", probability=0.3)]
    assert _families(pairs) == [("a", "b", "c"), ("e", "f")]


def test_a_text_left_out_of_every_family_does_not_hide_the_families_after_it():
    pairs = [_pair("0-loose", "a", probability=0.4), _copy("a", "b"), _copy("b", "c"),
             _copy("x", "y")]
    assert _families(pairs) == [("a", "b", "c"), ("x", "y")]


def test_families_come_largest_first_then_by_their_ids():
    pairs = [_copy("a", "b"), _copy("m", "n"), _copy("n", "o"), _copy("c", "d")]
    assert _families(pairs) == [("m", "n", "o"), ("a", "b"), ("c", "d")]
    assert _families(pairs[::-1]) == [("m", "n", "o"), ("a", "b"), ("c", "d")]


def test_a_family_keeps_the_members_of_both_groups_it_joins():
    pairs = [_copy("a", "b"), _copy("c", "d"), _copy("e", "f"), _copy("b", "c"),
             _copy("f", "a"), _copy("g", "d")]
    assert _families(pairs) == [("a", "b", "c", "d", "e", "f", "g")]


def test_the_original_is_the_surely_earliest_member_whatever_the_sources_say():
    pairs = [_copy("a", "b", source="a"), _copy("b", "c", source="a")]
    dates = {"a": "2024-05-03", "b": "2024-05-01", "c": "May 2, 2024"}
    (family,) = clusters_of(pairs, dates)
    assert family.original == "b"
    # one member undated, or two on the same day: the sources decide
    (family,) = clusters_of(pairs, {"a": "2024-05-03", "b": "2024-05-01"})
    assert family.original == "a"
    (family,) = clusters_of(pairs, {**dates, "c": "2024-05-01T09:00"})
    assert family.original == "a"


def test_the_original_is_the_member_most_often_named_a_source_and_never_a_copy():
    # "m" is named twice, "k" (the smaller id) once; neither is named a copy
    pairs = [_copy("k", "k2", source="k"), _copy("m", "m2", source="m"),
             _copy("m3", "m", source="m"), _copy("k2", "m2")]
    (family,) = clusters_of(pairs)
    assert family.original == "m"
    (family,) = clusters_of(pairs[::-1])
    assert family.original == "m"
    # a source named as the second text of its pair; its copy is the first text
    (family,) = clusters_of([_copy("b", "a", source="a"), _copy("c", "a", source="a")])
    assert family.original == "a"
    (family,) = clusters_of([_copy("b", "a", source="a"), _copy("b", "c", source="b")])
    assert family.original == "a"


def test_binding_pairs_bind_without_their_scores_and_weak_ones_need_the_run_of_prose():
    config = Config()
    assert binds(Pair("a", "b", "derivative", None, "", "partially", {}), config)
    assert binds(Pair("a", "b", "derivative", None, "", "partially", None), config)
    assert not binds(_pair("a", "b", probability=0.1), config)     # no prose run recorded
    assert binds(_pair("a", "b", probability=0.1, longest_prose_run_words=40), config)
    assert not binds(_pair("a", "b", probability=0.1, longest_prose_run_words=39), config)
    # a pair of unknown probability binds: its family is its connected component
    pairs = [Pair("a", "b", "derivative", "a", "", "partially", {}),
             Pair("b", "c", "derivative", "b", "", "partially", {})]
    assert [(f.documents, f.original) for f in clusters_of(pairs)] == [(("a", "b", "c"), "a")]

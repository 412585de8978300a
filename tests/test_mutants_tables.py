"""pairs.json and pairs.csv, pinned after a mutation run of ``report/tables.py`` (see
``benchmarks/MUTATION.md``): the review state of each pair in both files, the columns and
their order, each kind of cell as it is written (a score, a count, a missing value, a text), and
the payload two engines of one scan must agree on.
"""

import csv
import io

import numpy as np

from derivdetect.models import Cluster, Document, Pair, ScanResult
from derivdetect.report.review import ReviewView
from derivdetect.report.tables import (
    PAIR_COLUMNS,
    REVIEW_COLUMNS,
    comparable_payload,
    pairs_csv,
    pairs_frame,
    scan_payload,
)


def _pair(a, b, verdict="derivative", source=None, **scores):
    return Pair(a, b, verdict, source, f"why {a}", "partially",
                {"coverage_a": 0.5, "coverage_b": 0.25, "exact_passages": 2, **scores})


def _result(pairs, stats=None, created="2026-12-01T10:00:00+00:00"):
    docs = tuple(Document(d, d, "", chars=10) for d in sorted({x for p in pairs
                                                                for x in (p.a, p.b)}))
    return ScanResult("in", docs, tuple(pairs), (Cluster(("a", "b"), "a"),), (), {"k": 1},
                      created, stats=stats or {})


PAIRS = [_pair("a", "b", "near-duplicate", "a", jaccard=0.75),
         _pair("a", "c", jaccard=0.125), _pair("b", "c", jaccard=0.0625)]
REVIEWS = {PAIRS[0].pair_id: ReviewView("licensed", "=licensed by ana: syndication deal"),
           PAIRS[2].pair_id: ReviewView("violation", "asked for a takedown")}


def _csv_rows(text: str) -> list:
    return list(csv.DictReader(io.StringIO(text)))


def test_each_pair_of_pairs_json_carries_its_own_review_state():
    pairs = {(p["a"], p["b"]): p for p in scan_payload(_result(PAIRS), REVIEWS)["pairs"]}
    assert (pairs["a", "b"]["state"], pairs["a", "b"]["state_reason"]) == (
        "licensed", "=licensed by ana: syndication deal")     # JSON: not formula-escaped
    assert (pairs["b", "c"]["state"], pairs["b", "c"]["state_reason"]) == (
        "violation", "asked for a takedown")
    assert pairs["a", "c"]["state"] is None and pairs["a", "c"]["state_reason"] is None
    # a scan without an archive knows no review states: no such fields
    for payload in (scan_payload(_result(PAIRS)), scan_payload(_result(PAIRS), {})):
        assert not any("state" in p or "state_reason" in p for p in payload["pairs"])


def test_pairs_csv_has_the_review_columns_last_only_with_an_archive():
    rows = _csv_rows(pairs_csv(PAIRS, REVIEWS))
    assert list(rows[0]) == PAIR_COLUMNS + REVIEW_COLUMNS
    by_pair = {(r["a"], r["b"]): r for r in rows}
    assert (by_pair["a", "b"]["state"], by_pair["a", "b"]["state_reason"]) == (
        "licensed", "'=licensed by ana: syndication deal")    # spreadsheet-safe
    assert (by_pair["b", "c"]["state"], by_pair["b", "c"]["state_reason"]) == (
        "violation", "asked for a takedown")
    assert by_pair["a", "c"]["state"] == by_pair["a", "c"]["state_reason"] == ""
    assert list(_csv_rows(pairs_csv(PAIRS))[0]) == PAIR_COLUMNS
    assert pairs_csv(PAIRS, {}) == pairs_csv(PAIRS)


def test_pairs_frame_has_the_columns_of_pairs_csv_in_their_order():
    frame = pairs_frame(PAIRS, REVIEWS)
    assert list(frame.columns) == PAIR_COLUMNS + REVIEW_COLUMNS
    states = dict(zip(zip(frame["a"], frame["b"]), frame["state"]))
    assert states[("a", "b")] == "licensed" and states[("b", "c")] == "violation"
    assert states[("a", "c")] is None or states[("a", "c")] != states[("a", "c")]  # NaN
    assert list(pairs_frame(PAIRS).columns) == PAIR_COLUMNS
    assert pairs_frame(PAIRS, REVIEWS).to_csv(index=False, lineterminator="\r\n") == pairs_csv(
        PAIRS, REVIEWS)


def test_each_kind_of_cell_is_written_as_a_spreadsheet_reads_it():
    pairs = [_pair("a", "b", "near-duplicate", "a", jaccard=0.75, longest_exact_words=40,
                   paraphrase_passages=3, containment_a_in_b=1, containment_b_in_a=True),
             _pair("a", "c", jaccard=float("nan"), longest_exact_words=7,
                   containment_a_in_b=0.5, containment_b_in_a=False)]
    rows = {(r["a"], r["b"]): r for r in _csv_rows(pairs_csv(pairs))}
    ab, ac = rows["a", "b"], rows["a", "c"]
    assert (ab["coverage_a"], ab["jaccard"], ac["jaccard"]) == ("0.5", "0.75", "")
    assert (ab["longest_exact_words"], ac["longest_exact_words"]) == ("40", "7")  # counts
    assert (ab["exact_passages"], ac["exact_passages"]) == ("2", "2")
    # a count missing in one row makes the column a float column, as pandas writes it
    assert (ab["paraphrase_passages"], ac["paraphrase_passages"]) == ("3.0", "")
    # whole numbers and fractions in one column: all written as floats
    assert (ab["containment_a_in_b"], ac["containment_a_in_b"]) == ("1.0", "0.5")
    # true/false stays true/false, never 1/0
    assert (ab["containment_b_in_a"], ac["containment_b_in_a"]) == ("True", "False")
    # a pair without a source: an empty cell, not "None"
    assert (ab["source"], ac["source"]) == ("a", "")
    assert ac["extent"] == "partially" and ac["source_reason"] == "why a"


def test_odd_cells_are_written_byte_for_byte_as_pandas_writes_them():
    # the kinds of value a score can hold (numpy's float32 is not one: pandas' own writing of
    # it depends on the other values of its column)
    odd = [None, 3, 0.5, "n/a", True, float("nan"), np.int64(4), np.float64(0.1), 1e16,
           0.30000000000000004, False, -0.0]
    pairs = [_pair("a", f"d{k}", jaccard=value, longest_exact_words=k, coverage_a=odd[k - 1])
             for k, value in enumerate(odd)]
    for chosen in (pairs, pairs[1:3], pairs[:2], pairs[3:], pairs[6:], pairs[7:9],
                   pairs[5:6] + pairs[8:9], pairs[3:5], pairs[4:5] + pairs[10:11]):
        expected = pairs_frame(chosen).to_csv(index=False, lineterminator="\r\n")
        assert pairs_csv(chosen) == expected, chosen


def test_two_runs_of_one_scan_compare_equal_without_their_times_and_spark_stats():
    one = _result(PAIRS, {"documents": 3, "seconds": {"sketch": 1.5}, "seconds_total": 4.0,
                          "spark": {"executors": 2}}, created="2026-12-01T10:00:00+00:00")
    other = _result(PAIRS, {"documents": 3, "seconds": {"sketch": 2.5}, "seconds_total": 9.0,
                            "spark": {"executors": 8}}, created="2026-12-02T11:00:00+00:00")
    data = comparable_payload(one)
    assert data == comparable_payload(other)
    assert data["scan"] == {"root": "in", "settings": {"k": 1}, "stats": {"documents": 3}}
    assert [p["rank"] for p in data["pairs"]] == [1, 2, 3]
    assert data["pairs"][0]["a"] == "a" and data["clusters"] == [
        {"documents": ["a", "b"], "original": "a"}]
    changed = _result(PAIRS, {"documents": 4})
    assert comparable_payload(changed) != data

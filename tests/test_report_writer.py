"""Writing the report: pair pages written by worker processes are the pages a serial write
makes, byte for byte; pairs.csv without pandas is what pandas writes; pairs.json with its
stats joined in last is the one-piece serialization."""

from __future__ import annotations

import dataclasses
import json
import os
import random

import pytest

from derivdetect.models import Passage
from derivdetect.report import join_payload, payload_json, payload_parts, write_report_files
from derivdetect.report.html import pair_slugs, render_pair
from derivdetect.report.tables import pairs_csv, pairs_frame
from derivdetect.report.writer import PARALLEL_MIN_PAGES
from test_report_pages import synthetic_result


def _files(folder) -> dict:
    out = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            out[os.path.relpath(path, folder)] = open(path, "rb").read()
    return out


def _with_texts(result):
    """The synthetic result with texts and passages, so pair pages mark spans and diffs."""
    rnd = random.Random(3)
    words = "the council said on monday that a new plan would cut costs & <risks>".split()
    docs = tuple(dataclasses.replace(d, text=" ".join(rnd.choice(words) for _ in range(120)))
                 for d in result.documents)
    pairs = tuple(dataclasses.replace(p, passages=(
        Passage("exact", 0, 40, 10, 50, 1.0), Passage("paraphrase", 60, 200, 70, 230, 0.7)))
        for p in result.pairs)
    return dataclasses.replace(result, documents=docs, pairs=pairs)


def test_pages_written_by_worker_processes_are_the_serial_pages(tmp_path):
    result = _with_texts(synthetic_result(60, 4))      # 240 pairs, 60 families
    assert len(result.pairs) >= PARALLEL_MIN_PAGES
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    serial.mkdir()
    parallel.mkdir()
    one = write_report_files(result, serial, workers=1)
    two = write_report_files(result, parallel, workers=2)
    assert [p.relative_to(serial) for p in one] == [p.relative_to(parallel) for p in two]
    a, b = _files(serial), _files(parallel)
    assert sorted(a) == sorted(b)
    assert len([k for k in a if k.startswith("pairs" + os.sep)]) == len(result.pairs)
    for name in a:
        if name != "pairs.json":
            assert a[name] == b[name], name
    stats = [json.loads(x["pairs.json"])["scan"]["stats"] for x in (a, b)]
    for s in stats:
        for step in ("report: loading its modules", "write pairs.csv", "write pair pages",
                     "write listing pages and index.html",
                     "write pairs.json (all but its final write)"):
            assert s["seconds"][step] >= 0
        s.pop("seconds")
    assert stats[0] == stats[1]


def test_pages_with_compiled_word_diffs_are_the_difflib_pages():
    result = _with_texts(synthetic_result(6, 3))
    slugs = pair_slugs(result.pairs)
    for i in range(len(result.pairs)):
        page = render_pair(result, i, slugs, compiled=True)
        assert page == render_pair(result, i, slugs)
        assert "<del>" in page and "<ins>" in page


def test_pairs_json_has_one_line_per_record_and_is_ascii_json():
    result = _with_texts(synthetic_result(5, 3))
    result = dataclasses.replace(result, documents=(
        dataclasses.replace(result.documents[0], title="caf\u00e9 \u2028 \"x\"\n</script>"),
        *result.documents[1:]))
    text = payload_json(result)
    data = json.loads(text)
    assert text.isascii() and data == json.loads(json.dumps(data))
    lines = text.split("\n")
    assert len(lines) == (len(result.documents) + len(result.pairs) + len(result.clusters)
                          + len(json.dumps(data["scan"], indent=1).split("\n")) + 9)
    pair_lines = [json.loads(line.rstrip(",")) for line in lines if line.startswith('  {"rank"')]
    assert pair_lines == data["pairs"] and len(pair_lines) == len(result.pairs)
    assert data["documents"][0]["title"] == "caf\u00e9 \u2028 \"x\"\n</script>"
    assert data["skipped"] == [] and '"skipped": []' in text


def test_pairs_json_with_its_stats_joined_last_is_the_whole_serialization():
    result = synthetic_result(5, 3)
    for stats in ({}, {"seconds": {"sketch": 1.5, "a \u2028 b": 2}, "documents": 3,
                       "nested": {"x": [1, {"y": None}]}, "text": "\u00e9\n\"quoted\""}):
        result = dataclasses.replace(result, stats=stats)
        assert join_payload(payload_parts(result), stats) == payload_json(result)


@pytest.mark.parametrize("seed", range(40))
def test_pairs_csv_is_what_pandas_writes(seed):
    rnd = random.Random(seed)
    values = [None, 0, 1, 7, -2, 0.1, 0.30000000000000004, 1e-7, 1.5e17, float("nan"),
              -0.0, True, False, "x", 'a"b', "c,d", "e\nf", "g\rh", "=1+2", "", " "]
    pairs = []
    for pair in synthetic_result(4, 3).pairs[:rnd.randint(0, 12)]:
        scores = dict(pair.scores)
        for key in ("jaccard", "longest_exact_words", "exact_passages", "coverage_a"):
            if rnd.random() < 0.5:
                if rnd.random() < 0.3:
                    scores.pop(key, None)
                else:
                    scores[key] = rnd.choice(values)
        change = {"a": rnd.choice(["=x.txt", 'q"uote', "new\nline", "ok"])} \
            if rnd.random() < 0.3 else {}
        pairs.append(dataclasses.replace(pair, scores=scores, **change))
    assert pairs_csv(pairs) == pairs_frame(pairs).to_csv(index=False, lineterminator="\r\n")

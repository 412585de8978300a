"""The Spark engine on real Spark (``local[2]``, one session for the module): the same
pairs.json as the local engine (timings and the ``spark`` stats aside) on the demo corpus,
METER show-business and a generated corpus, for 2 and 7 partitions; bad records skipped with
their reasons; Parquet input; and, in real subprocesses, the one-line message without pyspark
or Java."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from derivdetect import Config
from derivdetect.engines import local

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install -e '.[spark]')")

from derivdetect.engines import spark as spark_engine  # noqa: E402
from derivdetect.report.tables import comparable_payload  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
METER = ROOT.parent / "shared" / "data" / "meter-showbiz"
SYNTH_DOCS = 3000   # past FAST_MIN_DOCS: the compiled paths, as a large scan takes them


@pytest.fixture(scope="module")
def spark():
    try:
        spark_engine.require_spark()
    except Exception as exc:   # no Java here: say so instead of failing every test
        pytest.skip(str(exc))
    session = spark_engine.spark_session(
        "local[2]", 2, {"spark.ui.enabled": "false", "spark.sql.adaptive.enabled": "false"})
    yield session
    session.stop()


payload = comparable_payload


def assert_same(expected: dict, got: dict) -> None:
    for part in ("documents", "skipped", "clusters"):
        assert got[part] == expected[part], part
    assert [p["pair_id"] for p in got["pairs"]] == [p["pair_id"] for p in expected["pairs"]]
    for a, b in zip(expected["pairs"], got["pairs"]):
        assert b == a, a["pair_id"]
    assert got == expected


def spark_scan(inputs, config, spark, partitions=2):
    return spark_engine.scan([Path(p) for p in inputs], config, partitions=partitions,
                             spark=spark)


def test_demo_corpus_gives_the_local_scan(spark):
    config = Config()
    expected = payload(local.scan(CORPUS, config))
    got = payload(spark_scan([CORPUS], config, spark))
    assert_same(expected, got)
    pair, = got["pairs"]
    assert pair["verdict"] == "derivative" and pair["passages"]
    assert got["scan"]["stats"]["candidates"] == expected["scan"]["stats"]["candidates"] > 1


def test_meter_showbiz_gives_the_local_scan(spark):
    if not (METER / "PA").is_dir():
        pytest.skip(f"METER show-business data not found at {METER} (../shared/data/)")
    config = Config(encoding="latin-1")
    expected = payload(local.scan(METER, config))
    got = payload(spark_scan([METER], config, spark, partitions=3))
    assert len(expected["pairs"]) > 300 and expected["clusters"]
    assert_same(expected, got)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import _synth
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    folder = tmp_path_factory.mktemp("generated")
    for doc_id, text in _synth.generate(SYNTH_DOCS, seed=3).docs:
        (folder / doc_id).write_text(text, encoding="utf-8")
    return folder


def test_generated_corpus_gives_the_local_scan_for_2_and_7_partitions(spark, generated):
    config = Config()
    expected = payload(local.scan(generated, config))
    assert len(expected["pairs"]) > 100
    assert {p["verdict"] for p in expected["pairs"]} >= {"verbatim", "near-duplicate",
                                                         "derivative"}
    for partitions in (2, 7):
        got = payload(spark_scan([generated], config, spark, partitions))
        assert_same(expected, got)


def test_tight_bounds_give_the_local_scan(spark, generated, tmp_path):
    """Buckets past ``lsh_max_bucket`` (linked to their first member) and rewrite keys past
    ``rewrite_max_df`` (dropped): bounds the default settings rarely reach, each defined in
    Spark as the local stage defines it. Four near-copies of one article (a last word apart)
    make buckets and keys past the bounds. (The cut at ``topic_max_group`` is set low too,
    but no document here has topic words that the cut changes: it is not checked here.)"""
    folder = tmp_path / "crowded"
    shutil.copytree(generated, folder)
    first = sorted(folder.iterdir())[0]
    text = first.read_text(encoding="utf-8")
    for k in range(3):
        (folder / f"zz-copy-{k}.txt").write_text(text + f" Copy {k}.", encoding="utf-8")
    config = Config(lsh_max_bucket=2, rewrite_max_df=3, topic_min_partners=1,
                    topic_max_group=3)
    expected = payload(local.scan(folder, config))
    copies = {p["pair_id"] for p in expected["pairs"]
              if {p["a"], p["b"]} <= {first.name} | {f"zz-copy-{k}.txt" for k in range(3)}}
    assert len(copies) == 3                  # the bucket of four: a star, not six pairs
    got = payload(spark_scan([folder], config, spark, partitions=3))
    assert_same(expected, got)


def test_shuffles_sized_by_the_corpus_unless_partitions_are_given(spark, generated,
                                                                 monkeypatch):
    """Without ``--partitions``, each shuffle gets one partition per
    ``DOCS_PER_SHUFFLE_PARTITION`` documents (at least the documents' partitions), and the
    pairs are the local scan's all the same."""
    monkeypatch.setattr(spark_engine, "DOCS_PER_SHUFFLE_PARTITION", 500)
    config = Config()
    result = spark_engine.scan([generated], config, spark=spark)
    documents = result.stats["spark"]["partitions"]
    assert result.stats["spark"]["shuffle_partitions"] == max(documents, SYNTH_DOCS // 500)
    assert result.stats["spark"]["shuffle_partitions"] == 6
    assert_same(payload(local.scan(generated, config)), payload(result))
    given = spark_engine.scan([CORPUS], config, partitions=3, spark=spark)
    assert given.stats["spark"]["shuffle_partitions"] == 3


def test_bad_records_are_skipped_with_the_local_reasons(spark, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in sorted(CORPUS.glob("*.txt")):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\xff\xfe" * 50)
    (folder / "long.txt").write_text("word " * 5000, encoding="utf-8")
    seed = (CORPUS / "001_3d3443b8b15dbcff.txt").read_text(encoding="utf-8")
    lines = [json.dumps({"id": "a", "text": seed}), "{broken json", json.dumps({"id": "b"}),
             json.dumps({"id": "c", "text": "   "})]
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = Config(max_chars=20_000)
    expected = payload(local.scan(folder, config))
    got = payload(spark_scan([folder], config, spark))
    assert_same(expected, got)
    reasons = {s["path"]: s["reason"] for s in got["skipped"]}
    assert "feed.jsonl:2" in reasons and "not valid JSON" in reasons["feed.jsonl:2"]
    assert "too long" in reasons["long.txt"] and "binary" in reasons["binary.txt"]
    assert any(p["verdict"] == "verbatim" for p in got["pairs"])   # 001 and feed.jsonl#a
    # the same .jsonl file given alone: its ids and skips are the folder's
    alone = payload(spark_scan([folder / "feed.jsonl"], config, spark))
    assert [d["id"] for d in alone["documents"]] == ["feed.jsonl#a"]
    assert alone["skipped"] == [s for s in got["skipped"] if s["path"].startswith("feed.jsonl")]


def test_parquet_input_with_bad_rows(spark, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))}
    rows = [{"id": name, "text": text.encode("utf-8"), "source": None}
            for name, text in texts.items()]
    rows += [{"id": "bad-utf8", "text": b"caf\xe9 " * 20, "source": None},
             {"id": "none", "text": None, "source": None},
             {"id": "empty", "text": b"  \n ", "source": None},
             {"id": "long", "text": b"word " * 5000, "source": None},
             {"id": None, "text": b"no id here", "source": None},
             {"id": "001_3d3443b8b15dbcff.txt", "text": b"a second row with a taken id",
              "source": "AFP"}]
    path = tmp_path / "articles.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(
        [("id", pa.string()), ("text", pa.binary()), ("source", pa.string())])), path)
    got = payload(spark_scan([path], Config(max_chars=20_000), spark))
    reasons = {s["path"]: s["reason"] for s in got["skipped"]}
    assert "not UTF-8" in reasons["articles.parquet#bad-utf8"]
    assert reasons["articles.parquet#none"] == "no 'text'"
    assert "whitespace" in reasons["articles.parquet#empty"]
    assert "too long" in reasons["articles.parquet#long"]
    assert "no 'id'" in reasons["articles.parquet"]
    assert "duplicate id" in reasons["articles.parquet#001_3d3443b8b15dbcff.txt"]
    assert [d["id"] for d in got["documents"]] == sorted(texts)
    pair, = got["pairs"]   # the demo's one pair, found from Parquet
    assert (pair["a"], pair["source"]) == ("000_2db2f79e78af98da.txt", "001_3d3443b8b15dbcff.txt")
    assert pair["verdict"] == "derivative"


def _cli(*args, env=None, code=""):
    return subprocess.run(
        [sys.executable, "-c", code + "import sys; from derivdetect.cli import main; "
         f"sys.argv = ['derivdetect', *{list(map(str, args))!r}]; main()"],
        capture_output=True, text=True, env=env, timeout=120)


def test_without_pyspark_or_java_the_cli_says_what_to_install(tmp_path):
    hidden = _cli("scan", CORPUS, "--engine", "spark", "--out", tmp_path / "a",
                  code="import sys; sys.modules['pyspark'] = None; ")
    assert hidden.returncode == 2, hidden.stderr
    line, = hidden.stderr.strip().splitlines()
    assert "pip install 'derivdetect[spark]'" in line and "openjdk-17" in line
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(tmp_path)   # no java on it
    no_java = _cli("scan", CORPUS, "--engine", "spark", "--out", tmp_path / "b", env=env)
    assert no_java.returncode == 2, no_java.stderr
    line, = no_java.stderr.strip().splitlines()
    assert "no java found" in line and "openjdk-17-jre-headless" in line
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    local_only = _cli("scan", CORPUS, "--format", "parquet", "--out", tmp_path / "c")
    assert local_only.returncode == 2 and "need --engine spark" in local_only.stderr

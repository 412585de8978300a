"""The CLI as a user runs it (typer's CliRunner)."""

import json

from typer.testing import CliRunner

from conftest import CORPUS, SEED_REWRITE, SEED_SOURCE
from derivdetect.cli import app

runner = CliRunner()


def test_scan_writes_the_three_outputs(tmp_path):
    out = tmp_path / "reports"
    result = runner.invoke(app, ["scan", str(CORPUS), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    assert set(data) >= {"documents", "pairs", "clusters", "skipped"}
    assert {d["id"] for d in data["documents"]} >= {SEED_REWRITE, SEED_SOURCE}
    assert [(p["a"], p["b"], p["verdict"], p["source"]) for p in data["pairs"]] == [
        (SEED_REWRITE, SEED_SOURCE, "derivative", SEED_SOURCE)]
    pair = data["pairs"][0]
    assert {"jaccard", "containment_a_in_b", "containment_b_in_a"} <= set(pair["scores"])
    assert pair["passages"], "passages must be listed"
    assert data["clusters"] == [{"documents": [SEED_REWRITE, SEED_SOURCE], "original": SEED_SOURCE}]
    assert any(s["path"] == "relations.csv" for s in data["skipped"])
    csv_lines = (out / "pairs.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[0].startswith("rank,a,b,verdict,source")
    assert len(csv_lines) == 2
    assert SEED_REWRITE in (out / "index.html").read_text(encoding="utf-8")
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_passage_offsets_in_json_point_into_the_texts(tmp_path):
    out = tmp_path / "r"
    result = runner.invoke(app, ["scan", str(CORPUS), "--out", str(out), "-q", "--workers", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    pair = data["pairs"][0]
    text_a = (CORPUS / pair["a"]).read_text(encoding="utf-8")
    text_b = (CORPUS / pair["b"]).read_text(encoding="utf-8")
    assert sum(p["kind"] == "exact" for p in pair["passages"]) >= 3
    for p in pair["passages"]:
        if p["kind"] in ("exact", "quote"):
            words_a = text_a[p["a_start"]:p["a_end"]].lower().split()
            words_b = text_b[p["b_start"]:p["b_end"]].lower().split()
            assert [w.strip('.,“”"') for w in words_a] == [w.strip('.,“”"') for w in words_b]


def test_missing_folder_is_a_usage_error_with_one_line(tmp_path):
    result = runner.invoke(app, ["scan", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no such folder" in result.output
    assert "Traceback" not in result.output


def test_bad_option_value_is_exit_2(tmp_path):
    result = runner.invoke(app, ["scan", str(CORPUS), "--derivative-coverage", "7",
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "derivative_coverage" in result.output


def test_strict_fails_when_files_were_skipped(tmp_path):
    result = runner.invoke(app, ["scan", str(CORPUS), "--strict", "-q", "--workers", "1",
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 1  # relations.csv is not an article


def test_compare_json_prints_one_pair_object():
    result = runner.invoke(app, ["compare", str(CORPUS / SEED_REWRITE), str(CORPUS / SEED_SOURCE), "--json"])
    assert result.exit_code == 0, result.output
    pair = json.loads(result.output)
    assert pair["verdict"] == "derivative"
    assert pair["source"].endswith(SEED_SOURCE)
    assert pair["passages"]


def test_compare_summary_is_readable():
    result = runner.invoke(app, ["compare", str(CORPUS / SEED_REWRITE), str(CORPUS / "002_d20e6f837713f4ad.txt")])
    assert result.exit_code == 0
    assert "verdict:" in result.output
    assert "derivative" not in result.output.split("\n")[2]


def test_compare_missing_file_names_it(tmp_path):
    result = runner.invoke(app, ["compare", str(tmp_path / "x.txt"), str(CORPUS / SEED_SOURCE)])
    assert result.exit_code == 2
    assert "x.txt" in result.output


def test_config_file_sets_options(tmp_path):
    cfg = tmp_path / "settings.toml"
    cfg.write_text("[derivdetect]\nderivative_coverage = 0.95\n", encoding="utf-8")
    out = tmp_path / "o"
    result = runner.invoke(app, ["scan", str(CORPUS), "--config", str(cfg), "-q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    assert data["pairs"] == []
    assert data["scan"]["settings"]["derivative_coverage"] == 0.95


def test_unknown_setting_in_config_file(tmp_path):
    cfg = tmp_path / "settings.toml"
    cfg.write_text("thresold = 3\n", encoding="utf-8")
    result = runner.invoke(app, ["scan", str(CORPUS), "--config", str(cfg), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "thresold" in result.output


def test_second_scan_reuses_the_sketches_and_gives_the_same_pairs(tmp_path):
    out = tmp_path / "r"
    first = runner.invoke(app, ["scan", str(CORPUS), "--out", str(out), "-q", "--workers", "1"])
    assert first.exit_code == 0, first.output
    assert (out / ".cache" / "sketches.npz").exists()
    before = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    second = runner.invoke(app, ["scan", str(CORPUS), "--out", str(out), "-q", "--workers", "1"])
    assert second.exit_code == 0, second.output
    after = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    assert after["scan"]["stats"]["sketches_reused"] == len(after["documents"]) == 5
    assert before["scan"]["stats"]["sketches_reused"] == 0
    assert before["scan"]["stats"]["judgements_reused"] == 0
    assert after["scan"]["stats"]["judgements_reused"] == after["scan"]["stats"]["candidates"] > 0
    assert after["pairs"] == before["pairs"]


def test_changed_text_or_settings_are_judged_again(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in CORPUS.glob("*.txt"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "r"

    def scan(*extra):
        result = runner.invoke(app, ["scan", str(folder), "--out", str(out), "-q",
                                     "--workers", "1", *extra])
        assert result.exit_code == 0, result.output
        return json.loads((out / "pairs.json").read_text(encoding="utf-8"))

    first = scan()
    derived = next(folder.glob("000_*.txt"))
    derived.write_text(derived.read_text(encoding="utf-8").replace("Armenia", "Armenia's"),
                       encoding="utf-8")
    edited = scan()
    assert edited["scan"]["stats"]["judgements_reused"] < edited["scan"]["stats"]["candidates"]
    assert edited["pairs"][0]["passages"] != first["pairs"][0]["passages"]
    stricter = scan("--derivative-coverage", "0.9")
    assert stricter["scan"]["stats"]["judgements_reused"] == 0


def test_a_corrupt_cache_is_ignored(tmp_path):
    out = tmp_path / "r"
    assert runner.invoke(app, ["scan", str(CORPUS), "--out", str(out), "-q"]).exit_code == 0
    (out / ".cache" / "sketches.npz").write_bytes(b"PK\x03\x04 truncated zip")
    result = runner.invoke(app, ["scan", str(CORPUS), "--out", str(out), "-q", "--workers", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    assert len(data["pairs"]) == 1


def test_interrupted_scan_leaves_whole_files_and_no_temporaries(tmp_path, monkeypatch):
    out = tmp_path / "r"
    assert runner.invoke(app, ["scan", str(CORPUS), "--out", str(out), "-q"]).exit_code == 0
    old_csv = (out / "pairs.csv").read_text(encoding="utf-8")
    old_index = (out / "index.html").read_text(encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")

    import derivdetect.report.html as html

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(html, "write_html", interrupted)
    result = runner.invoke(app, ["scan", str(CORPUS), "--out", str(out), "-q"])
    assert result.exit_code == 130
    json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    assert (out / "pairs.csv").read_text(encoding="utf-8") == old_csv
    assert (out / "index.html").read_text(encoding="utf-8") == old_index
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not list(out.rglob("*.tmp"))


def test_the_report_folder_inside_the_scanned_folder_is_not_scanned(tmp_path):
    import shutil

    root = tmp_path / "pile"
    shutil.copytree(CORPUS, root)
    for _ in range(2):
        result = runner.invoke(app, ["scan", str(root), "--out", str(root / "reports"), "-q"])
        assert result.exit_code == 0, result.output
    data = json.loads((root / "reports" / "pairs.json").read_text(encoding="utf-8"))
    assert [(p["a"], p["b"]) for p in data["pairs"]] == [(SEED_REWRITE, SEED_SOURCE)]
    assert all(not d["path"].startswith("reports/") for d in data["documents"])
    assert not any(s["path"].startswith("reports/") for s in data["skipped"])


def test_toml_values_of_the_wrong_type_are_config_errors(tmp_path):
    for line in ('num_perm = "128"', "num_perm = 1.5", "workers = -1", "encoding = 5"):
        cfg = tmp_path / "s.toml"
        cfg.write_text(line + "\n", encoding="utf-8")
        result = runner.invoke(app, ["scan", str(CORPUS), "--config", str(cfg),
                                     "--out", str(tmp_path / "o")])
        assert result.exit_code == 2, (line, result.output)
        assert line.split()[0] in result.output
        assert "Traceback" not in result.output


def test_changing_the_encoding_does_not_reuse_old_sketches(tmp_path):
    root = tmp_path / "pile"
    root.mkdir()
    (root / "a.txt").write_bytes("Гражданская война в Карабахе".encode("koi8-r") * 20)
    out = tmp_path / "o"
    for encoding in ("latin-1", "koi8-r"):
        result = runner.invoke(app, ["scan", str(root), "--out", str(out), "-q",
                                     "--encoding", encoding])
        assert result.exit_code == 0, result.output
    data = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    assert data["scan"]["stats"]["sketches_reused"] == 0


def test_the_scan_accounts_for_its_wall_time_stage_by_stage(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "r"
    done = subprocess.run([sys.executable, "-m", "derivdetect", "scan", str(CORPUS), "--out",
                           str(out), "-q"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    stats = json.loads((out / "pairs.json").read_text(encoding="utf-8"))["scan"]["stats"]
    seconds = stats["seconds"]
    for stage in ("start-up and output folder", "cache: load", "sketch", "candidates", "judge",
                  "families", "cache: save sketches", "cache: save judgements",
                  "texts of reported pairs", "report: staging folder",
                  "report: loading its modules", "write pairs.csv", "write pair pages",
                  "write listing pages and index.html",
                  "write pairs.json (all but its final write)"):
        assert stage in seconds and seconds[stage] >= 0, stage
    assert 0.95 <= stats["seconds_accounted"] <= 1.0
    assert abs(sum(seconds.values()) - stats["seconds_accounted"] * stats["seconds_total"]) < 0.01
    assert "sketch: reading files (main thread; threads sketch meanwhile)" in stats["seconds_detail"]

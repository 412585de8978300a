"""The editorial archive, used as a newsroom would: a real SQLite file, real processes."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import CORPUS, SEED_REWRITE, SEED_SOURCE, publish_seeds, random_article, run_cli
from derivdetect import Config, scan
from derivdetect.engines.archive import add_articles, check_articles, open_archive
from derivdetect.ingest import iter_inputs
from derivdetect.models import Document
from derivdetect.store.archive import Archive

PY = sys.executable


_run = run_cli


@pytest.fixture()
def published(tmp_path):
    """The four seeds that are not the rewrite, as a published folder."""
    return publish_seeds(tmp_path / "published")


def test_the_rewrite_is_flagged_reviewed_and_then_left_alone(tmp_path, published):
    archive = tmp_path / "news.db"
    added = _run("archive", "add", archive, published)
    assert added.returncode == 0, added.stderr
    assert "4 added" in added.stderr
    again = _run("archive", "add", archive, published)
    assert "0 added, 0 updated, 4 unchanged" in again.stderr

    first = _run("check", archive, CORPUS / SEED_REWRITE, "--json")
    assert first.returncode == 1, first.stderr            # an unreviewed match
    (match,) = json.loads(first.stdout)
    assert {match["a"], match["b"]} == {str(CORPUS / SEED_REWRITE), SEED_SOURCE}
    assert match["verdict"] == "derivative" and match["source"] == SEED_SOURCE
    assert match["state"] == "unreviewed" and len(match["pair_id"]) == 16

    queue = _run("queue", archive, "--json")
    assert [f["pair_id"] for f in json.loads(queue.stdout)] == [match["pair_id"]]
    decided = _run("review", archive, match["pair_id"], "violation", "--note", "no licence",
                   "--by", "ana")
    assert decided.returncode == 0, decided.stderr
    second = _run("check", archive, CORPUS / SEED_REWRITE)
    assert second.returncode == 0, second.stdout + second.stderr   # reviewed: not flagged
    assert "violation by ana" in second.stdout
    assert json.loads(_run("queue", archive, "--json").stdout) == []
    (change,) = json.loads(_run("history", archive, match["pair_id"], "--json").stdout)
    assert (change["old"], change["new"], change["by"], change["note"]) == (
        "unreviewed", "violation", "ana", "no licence")
    bad = _run("review", archive, match["pair_id"], "stolen")
    assert bad.returncode == 2 and "not a review state" in bad.stderr


def test_an_independent_report_of_the_same_story_is_not_flagged(tmp_path, published):
    independent = next(published.glob("002_*.txt"))
    moved = tmp_path / independent.name
    independent.rename(moved)
    archive = tmp_path / "a.db"
    assert _run("archive", "add", archive, published).returncode == 0
    result = _run("check", archive, moved)
    assert result.returncode == 0, result.stdout
    assert result.stdout == "" and "no copies or rewrites" in result.stderr


def test_check_judges_as_a_scan_of_the_archive_and_the_article_would(tmp_path, published):
    config = Config(workers=1)
    with open_archive(tmp_path / "a.db", config) as archive:
        add_articles(archive, (d for d in iter_inputs(published, config)
                               if isinstance(d, Document)), config)
        rewrite = next(d for d in iter_inputs(CORPUS, config)
                       if isinstance(d, Document) and d.id == SEED_REWRITE)
        (match,) = check_articles(archive, [rewrite], config)
    (expected,) = scan(CORPUS, config).pairs
    assert match.pair == expected


def test_a_check_on_the_compiled_path_judges_as_the_reference_path(tmp_path, published):
    """The service checks on the compiled path (its kernels are loaded once); a one-off
    ``check`` of a few articles takes the reference path: the same matches."""
    config = Config(workers=1)
    rng = random.Random(4)
    with open_archive(tmp_path / "a.db", config) as archive:
        add_articles(archive, (d for d in iter_inputs(published, config)
                               if isinstance(d, Document)), config)
        seeds = [d for d in iter_inputs(CORPUS, config) if isinstance(d, Document)]
        lifted = Document("lift.txt", "lift.txt",
                          random_article(rng, 6) + "\n\n" + seeds[1].text[:1500])
        checked = seeds[:3] + [lifted]
        for doc in checked:
            reference = check_articles(archive, [doc], config, fast=False)
            compiled = check_articles(archive, [doc], config, fast=True)
            assert [m.pair for m in compiled] == [m.pair for m in reference]
        assert any(m.pair for m in check_articles(archive, [lifted], config, fast=True))


def test_a_new_version_keeps_its_decision_until_it_shares_much_more(tmp_path, published):
    config = Config(workers=1)
    rewrite_text = (CORPUS / SEED_REWRITE).read_text(encoding="utf-8")
    half = rewrite_text[: len(rewrite_text) // 3]
    with open_archive(tmp_path / "a.db", config) as archive:
        add_articles(archive, (d for d in iter_inputs(published, config)
                               if isinstance(d, Document)), config)
        small = Document("agg/1", "agg/1", half, content_hash="v1")
        (match,) = check_articles(archive, [small], config)
        from derivdetect.engines.archive import remember, review

        remember(archive, [match])
        review(archive, match.pair.pair_id, "licensed", "partner feed", "ed")
        (same,) = check_articles(archive, [small], config)
        assert same.state == "licensed" and not same.flagged
        grown = Document("agg/1", "agg/1", rewrite_text, content_hash="v2")
        (more,) = check_articles(archive, [grown], config)
        assert more.flagged and "more text is shared" in more.state_reason


def test_broken_foreign_and_newer_archives_are_one_line_errors(tmp_path, published):
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE t (x)")
    truncated = tmp_path / "cut.db"
    good = tmp_path / "good.db"
    assert _run("archive", "add", good, published).returncode == 0
    truncated.write_bytes(good.read_bytes()[:1000])
    newer = tmp_path / "newer.db"
    newer.write_bytes(good.read_bytes())
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    for path, words in ((foreign, "not a derivdetect archive"), (truncated, "damaged"),
                        (newer, "newer derivdetect"), (tmp_path / "missing.db", "no such archive")):
        result = _run("check", path, CORPUS / SEED_REWRITE)
        assert result.returncode == 2, (path, result.stderr)
        assert words in result.stderr and result.stderr.count("\n") == 1, result.stderr


def _generated(folder, count, seed):
    folder.mkdir()
    rnd = random.Random(seed)
    for k in range(count):
        (folder / f"{seed}-{k:05d}.txt").write_text(random_article(rnd, 8), encoding="utf-8")
    return folder


def test_two_adds_and_a_check_at_once_all_complete(tmp_path, published):
    archive = tmp_path / "a.db"
    assert _run("archive", "add", archive, published).returncode == 0
    one = _generated(tmp_path / "one", 800, 1)
    two = _generated(tmp_path / "two", 800, 2)
    env = {**os.environ}
    procs = [subprocess.Popen([PY, "-m", "derivdetect", "archive", "add", str(archive),
                               str(folder), "-q"], env=env, stderr=subprocess.PIPE, text=True)
             for folder in (one, two)]
    checks = [_run("check", archive, CORPUS / SEED_REWRITE) for _ in range(2)]
    for proc in procs:
        assert proc.wait(timeout=600) == 0, proc.stderr.read()
    for result in checks:
        assert result.returncode == 1, result.stderr
        assert "locked" not in result.stderr
    with Archive(archive, create=False) as store:
        assert store.count() == 4 + 1600


def test_an_add_killed_midway_leaves_every_article_wholly_in_or_out(tmp_path, published):
    archive = tmp_path / "a.db"
    assert _run("archive", "add", archive, published).returncode == 0
    many = _generated(tmp_path / "many", 3000, 3)
    proc = subprocess.Popen([PY, "-m", "derivdetect", "archive", "add", str(archive),
                             str(many), "-q"])
    deadline = time.time() + 120
    while time.time() < deadline:
        with sqlite3.connect(archive) as db:
            if db.execute("SELECT count(*) FROM articles").fetchone()[0] > 4:
                break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(archive) as db:
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        sketches = db.execute("SELECT count(*) FROM sketches").fetchone()[0]
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert articles == sketches and 4 < articles <= 3004
    result = _run("check", archive, CORPUS / SEED_REWRITE)
    assert result.returncode == 1, result.stderr
    assert _run("archive", "add", archive, many, "-q").returncode == 0
    with Archive(archive, create=False) as store:
        assert store.count() == 3004


def test_a_copy_that_names_its_source_is_credited_with_the_place_it_does(tmp_path):
    from derivdetect.stages.credit import outlet_names
    from derivdetect.stages.judge import compare_documents

    config = Config(workers=1)
    source = Document(SEED_SOURCE, SEED_SOURCE, (CORPUS / SEED_SOURCE).read_text(encoding="utf-8"))
    rewrite = Document(SEED_REWRITE, SEED_REWRITE,
                       (CORPUS / SEED_REWRITE).read_text(encoding="utf-8"))
    afp = next(CORPUS.glob("003_*.txt")).read_text(encoding="utf-8")
    assert outlet_names(source) == ["Washington Post"]
    assert "AFP" in outlet_names(Document("003", "003", afp))
    plain = compare_documents(rewrite, source, config)
    assert plain.credit == {"credited": False, "names": [], "evidence": []}
    signed_text = rewrite.text + "\n\nThis story was first published by The Washington Post.\n"
    signed = compare_documents(replace_text(rewrite, signed_text), source, config)
    assert signed.credit["credited"] and signed.credit["names"] == ["Washington Post"]
    (start, end), = signed.credit["evidence"]
    assert signed_text[start:end] == "Washington Post"


def replace_text(doc, text):
    from dataclasses import replace

    return replace(doc, text=text, content_hash="")


def test_a_republished_licensed_agency_story_is_not_flagged(tmp_path, published):
    archive = tmp_path / "a.db"
    assert _run("archive", "add", archive, published).returncode == 0
    republished = tmp_path / "republished.txt"
    republished.write_bytes(next(CORPUS.glob("003_*.txt")).read_bytes())
    flagged = _run("check", archive, republished)
    assert flagged.returncode == 1 and "credited (AFP)" in flagged.stdout
    allowed = _run("check", archive, republished, "--licensed", "AFP")
    assert allowed.returncode == 0, allowed.stdout
    assert "licensed (the source" in allowed.stdout
    cfg = tmp_path / "settings.toml"
    cfg.write_text('licensed_sources = ["afp"]\n', encoding="utf-8")
    assert _run("check", archive, republished, "--config", cfg).returncode == 0


def test_an_archive_moves_through_export_and_import_with_its_decisions(tmp_path, published):
    archive = tmp_path / "a.db"
    assert _run("archive", "add", archive, published).returncode == 0
    (match,) = json.loads(_run("check", archive, CORPUS / SEED_REWRITE, "--json").stdout)
    assert _run("review", archive, match["pair_id"], "credited", "--by", "li").returncode == 0
    dump = tmp_path / "dump.jsonl"
    exported = _run("archive", "export", archive, dump)
    assert exported.returncode == 0, exported.stderr
    kinds = [json.loads(line)["kind"] for line in dump.read_text(encoding="utf-8").splitlines()]
    assert kinds.count("article") == 4 and kinds.count("decision") == 1
    moved = tmp_path / "moved.db"
    imported = _run("archive", "import", moved, dump)
    assert imported.returncode == 0, imported.stderr
    again = _run("check", moved, CORPUS / SEED_REWRITE)
    assert again.returncode == 0 and "credited by li" in again.stdout
    assert _run("archive", "import", moved, dump).returncode == 2   # not into a full archive


def test_checking_meter_stories_against_an_archive_of_the_rest_matches_the_scan(tmp_path):
    """METER show-business: every PA text and all but a few stories archived, those stories
    checked. Their pairs are the scan's pairs of the whole corpus, field for field."""
    from test_golden import METER, meter_documents, meter_scan

    if not METER.exists():
        pytest.skip(f"METER data not found at {METER}")
    config = Config(encoding="latin-1", workers=1)
    docs = meter_documents()
    stories = [d for d in docs if d.id.startswith("newspapers/")]
    checked = stories[::25]
    checked_ids = {d.id for d in checked}
    with open_archive(tmp_path / "meter.db", config) as archive:
        add_articles(archive, (d for d in docs if d.id not in checked_ids), config)
        matches = check_articles(archive, checked, config)
    expected = {frozenset((p.a, p.b)): p for p in meter_scan()
                if p.a in checked_ids or p.b in checked_ids}
    got = {frozenset((m.pair.a, m.pair.b)): m.pair for m in matches}
    assert len(checked) >= 6 and expected
    assert got == expected


def test_a_writer_waits_for_the_write_lock_and_gives_up_after_its_deadline(tmp_path):
    """Another process holds the archive's write lock: a transaction waits for it (in short
    steps of its own, not SQLite's growing sleeps) and goes on once it is free; past its
    deadline it fails with SQLite's "database is locked"."""
    import threading

    from derivdetect.store.transaction import Transaction

    path = tmp_path / "a.db"
    with open_archive(path, Config(workers=1)):
        pass
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        with Transaction(waiter, busy_ms=100):
            pass
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == 100
    threading.Timer(0.3, holder.execute, ("COMMIT",)).start()
    started = time.monotonic()
    with Transaction(waiter, busy_ms=10_000):
        waited = time.monotonic() - started
        waiter.execute("CREATE TABLE written (x)")
    assert 0.25 < waited < 2.0
    assert holder.execute("SELECT count(*) FROM sqlite_master WHERE name = 'written'"
                          ).fetchone()[0] == 1


def test_threads_of_one_process_writing_at_once_all_complete(tmp_path):
    """A service's threads each hold their own connection: they queue for the file on one
    lock of the process and every write lands."""
    import threading

    config = Config(workers=1)
    path = tmp_path / "a.db"
    with open_archive(path, config):
        pass
    rng = random.Random(3)
    batches = [[Document(f"t{t}/{k}", f"t{t}/{k}", random_article(rng, 3)) for k in range(5)]
               for t in range(8)]
    errors = []

    def write(batch):
        try:
            with open_archive(path, config) as archive:
                for doc in batch:
                    add_articles(archive, [doc], config)
                    archive.remember_flags([{"pair_id": f"p-{doc.id}", "a": doc.id, "b": "x",
                                             "scores": {"probability": 0.5, "coverage_a": 0.5,
                                                        "coverage_b": 0.2}}])
        except Exception as exc:                      # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with open_archive(path, config) as archive:
        assert archive.count() == 40
        assert archive.db.execute("SELECT count(*) FROM flags").fetchone()[0] == 40

"""Nothing lost, nothing mixed, nothing left running: real scans in real processes, killed with
real signals, run side by side, and pointed at folders that are not theirs."""

import csv
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import CORPUS, random_article


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    """1,400 articles, half of them copies: 700 candidate pairs, verified in worker
    processes (from 300 pairs on) and 700 pair pages to write."""
    rng = random.Random(5)
    root = tmp_path_factory.mktemp("big")
    for i in range(700):
        text = random_article(rng, sentences=8)
        (root / f"a{i:04d}.txt").write_text(text, encoding="utf-8")
        (root / f"b{i:04d}.txt").write_text(text.replace(" the ", " a ", 1), encoding="utf-8")
    return root


def _env(tmp_path: Path, tag: str = "") -> dict:
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(temp), "DERIVDETECT_TEST_TAG": tag or uuid.uuid4().hex}


def _run(*args, env=None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "derivdetect", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=600, **kwargs)


def _ctrl_c_as_in_a_terminal() -> None:
    """In the child: Ctrl-C's default action, as a terminal gives it. A job started in the
    background by a non-interactive shell (``(cmd &)``, some CI runners) inherits SIGINT
    ignored, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(*args, env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "derivdetect", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_ctrl_c_as_in_a_terminal)


def _processes_tagged(tag: str) -> list:
    """Live processes (not zombies) started with ``DERIVDETECT_TEST_TAG=tag``."""
    needle = f"DERIVDETECT_TEST_TAG={tag}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.append(int(name))
        except OSError:
            continue
    return found


def _wait_until(condition, timeout: float, step: float = 0.005) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return condition()


def _staging_left(out: Path) -> list:
    return [p.name for p in out.parent.iterdir() if "derivdetect-staging" in p.name]


def _links_resolve(out: Path) -> None:
    """Every page the index links to exists: the report is one report, not a mix."""
    html = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(pairs/[^"#]+)"', html)
    assert links
    missing = [link for link in links if not (out / link).is_file()]
    assert not missing, f"{len(missing)} of {len(links)} links point nowhere"


# ----------------------------------------------------------------------- output folder rule


def test_scanning_into_the_scanned_folder_is_refused_and_nothing_is_touched(tmp_path):
    pile = tmp_path / "t4"
    shutil.copytree(CORPUS, pile)
    (pile / "index.html").write_text("<html><title>My article</title><p>Precious text</p>",
                                     encoding="utf-8")
    (pile / "pairs.csv").write_text("my,own,table\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in pile.iterdir()}
    for out in (pile, tmp_path):   # the scanned folder; a folder holding it
        result = _run("scan", pile, "--out", out)
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert str(out) in result.stderr and "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in pile.iterdir()} == before


def test_a_folder_that_is_not_derivdetects_is_refused(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("my home page", encoding="utf-8")
    result = _run("scan", CORPUS, "--out", out)
    assert result.returncode == 2
    assert "not a derivdetect report folder" in result.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "my home page"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]


def test_own_folder_is_reused_and_a_users_files_in_it_are_kept(tmp_path):
    out = tmp_path / "r"
    assert _run("scan", CORPUS, "--out", out, "-q").returncode == 0
    assert (out / ".derivdetect-report").is_file()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "drafts").mkdir()
    (out / "drafts" / "d.txt").write_text("draft", encoding="utf-8")
    assert _run("scan", CORPUS, "--out", out, "-q").returncode == 0
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "drafts" / "d.txt").read_text(encoding="utf-8") == "draft"
    assert not _staging_left(out)


def test_a_report_of_an_older_version_without_the_marker_is_recognised(tmp_path):
    out = tmp_path / "r"
    assert _run("scan", CORPUS, "--out", out, "-q").returncode == 0
    (out / ".derivdetect-report").unlink()
    assert _run("scan", CORPUS, "--out", out, "-q").returncode == 0


def test_report_files_get_the_umasks_permissions(tmp_path):
    out = tmp_path / "r"
    result = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.umask(0o022); from derivdetect.cli import "
         "main; sys.argv = ['derivdetect', 'scan', sys.argv[1], '--out', sys.argv[2], '-q']; "
         "main()", str(CORPUS), str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for path in [out, *out.rglob("*")]:
        if path.name == ".derivdetect-lock" or ".cache" in path.parts:
            continue
        mode = path.stat().st_mode & 0o777
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder no scan can write to: a read-only file system when run as root (who writes
    through any permission bits), else a folder without write permission."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode:
        pytest.skip("root without a way to make a read-only folder (mount failed)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_an_unwritable_output_folder_fails_before_the_scan_with_one_line(read_only_folder):
    for out in (read_only_folder, read_only_folder / "sub" / "r"):
        result = _run("scan", CORPUS, "--out", out)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert "cannot write" in result.stderr and str(out) in result.stderr
    assert list(read_only_folder.iterdir()) == []


def test_config_that_is_a_folder_or_ambiguous_is_a_one_line_error(tmp_path):
    both = tmp_path / "both.toml"
    both.write_text("num_perm = 64\n[derivdetect]\nnum_perm = 256\n", encoding="utf-8")
    few = tmp_path / "few.toml"
    few.write_text("num_perm = 3\n", encoding="utf-8")
    for config, words in ((tmp_path, "is a folder"), (both, "keep them in one place"),
                          (few, "num_perm=3")):
        result = _run("scan", CORPUS, "--config", config, "--out", tmp_path / "o")
        assert result.returncode == 2, result.stderr
        assert words in result.stderr and result.stderr.count("\n") == 1


def test_strict_rescan_with_the_report_inside_the_scanned_folder_passes(tmp_path):
    pile = tmp_path / "pile"
    pile.mkdir()
    for name in ("000_2db2f79e78af98da.txt", "001_3d3443b8b15dbcff.txt"):
        shutil.copy(CORPUS / name, pile / name)
    for _ in range(2):
        result = _run("scan", pile, "--out", pile / "reports", "--strict", "-q")
        assert result.returncode == 0, result.stderr
    data = json.loads((pile / "reports" / "pairs.json").read_text(encoding="utf-8"))
    assert data["skipped"] == [] and len(data["documents"]) == 2


# ------------------------------------------------------------------------- one at a time


def test_a_second_scan_into_a_busy_folder_fails_at_once(tmp_path):
    from derivdetect.report import OutputFolder

    out = tmp_path / "r"
    with OutputFolder(out):            # another scan holds the folder (this process)
        started = time.monotonic()
        result = _run("scan", CORPUS, "--out", out)
        assert time.monotonic() - started < 60
    assert result.returncode == 75
    assert f"pid {os.getpid()}" in result.stderr and "another derivdetect scan" in result.stderr
    assert not (out / "index.html").exists()


def test_scans_side_by_side_never_mix_their_reports(tmp_path, big):
    out = tmp_path / "r"
    env = _env(tmp_path)
    codes = []
    for _ in range(3):
        scans = [_start("scan", folder, "--out", out, "-q", "--no-cache", env=env)
                 for folder in (big, CORPUS)]
        for process in scans:
            _, err = process.communicate(timeout=600)
            codes.append(process.returncode)
            assert process.returncode in (0, 75), err
            assert "Traceback" not in err and "Error" not in err, err
            if process.returncode == 75:
                assert "another derivdetect scan" in err
        _links_resolve(out)
        data = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
        links = re.findall(r'href="(pairs/[^"#]+)"', (out / "index.html").read_text("utf-8"))
        assert len(set(links)) >= len(data["pairs"]) or len(links) >= 100
    assert 0 in codes
    assert not _staging_left(out)


# --------------------------------------------------------------------------- no leftovers


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
def test_a_killed_scan_leaves_no_process_and_no_temporary_file(tmp_path, big, how):
    tag = uuid.uuid4().hex
    env = _env(tmp_path, tag)
    out = tmp_path / "r"
    scan = _start("scan", big, "--out", out, "--no-cache", "-q", "--workers", "2", env=env)
    try:
        workers_up = _wait_until(lambda: len(_processes_tagged(tag)) >= 3, timeout=300)
        assert workers_up, "the scan never started its worker processes"
        scan.send_signal(how)
        try:
            scan.wait(timeout=60)
        except subprocess.TimeoutExpired:
            spy = shutil.which("py-spy", path=str(Path(sys.executable).parent))  # where it is
            dump = subprocess.run([spy, "dump", "--pid", str(scan.pid)], capture_output=True,
                                  text=True).stdout if spy else ""
            raise AssertionError(f"the scan did not stop:\n{dump}") from None
    finally:
        if scan.poll() is None:
            scan.kill()
            scan.wait()
    if how == signal.SIGTERM:
        assert scan.returncode == 143 and "terminated" in scan.stderr.read()
    elif how == signal.SIGINT:
        assert scan.returncode == 130, scan.stderr.read()
    assert _wait_until(lambda: not _processes_tagged(tag), timeout=10, step=0.1), \
        f"left running: {_processes_tagged(tag)}"
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not _staging_left(out)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_a_scan_killed_while_writing_leaves_the_old_report_whole(tmp_path, big):
    tag = uuid.uuid4().hex
    env = _env(tmp_path, tag)
    out = tmp_path / "r"
    assert _run("scan", CORPUS, "--out", out, "-q", env=env).returncode == 0
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    old_index = (out / "index.html").read_bytes()
    scan = _start("scan", big, "--out", out, "-q", "--workers", "2", env=env)
    try:
        assert _wait_until(lambda: _staging_left(out) or scan.poll() is not None, timeout=300)
        scan.kill()
        scan.wait()
    finally:
        if scan.poll() is None:
            scan.kill()
    assert _wait_until(lambda: not _processes_tagged(tag) and not _staging_left(out),
                       timeout=10, step=0.05), (_processes_tagged(tag), _staging_left(out))
    index = (out / "index.html").read_bytes()
    if index != old_index:        # killed after the swap: then the new report is whole
        _links_resolve(out)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / ".cache").is_dir()


# ------------------------------------------------------------------------ what users read


def test_csv_cells_never_start_a_spreadsheet_formula(tmp_path):
    pile = tmp_path / "pile"
    pile.mkdir()
    text = (CORPUS / "001_3d3443b8b15dbcff.txt").read_text(encoding="utf-8")
    names = ['=HYPERLINK("http:", "x").txt', "@SUM(1+1).txt", "+1.txt", "-2.txt"]
    for name in names:
        (pile / name).write_text(text, encoding="utf-8")
    out = tmp_path / "r"
    assert _run("scan", pile, "--out", out, "-q").returncode == 0
    with open(out / "pairs.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6
    for row in rows:
        for column, cell in row.items():
            try:
                float(cell)
                continue              # a number: a spreadsheet shows it as one
            except ValueError:
                pass
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    ids = {row["a"].lstrip("'") for row in rows} | {row["b"].lstrip("'") for row in rows}
    assert ids == set(names)
    data = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    assert {p["a"] for p in data["pairs"]} | {p["b"] for p in data["pairs"]} == set(names)


def test_a_file_name_with_a_newline_cannot_forge_terminal_lines(tmp_path):
    pile = tmp_path / "pile"
    pile.mkdir()
    shutil.copy(CORPUS / "000_2db2f79e78af98da.txt", pile / "a.txt")
    (pile / "x\n  skipped forged.txt: all fine\x1b[2J.txt").write_bytes(b"")
    result = _run("scan", pile, "--out", tmp_path / "r")
    assert result.returncode == 0
    skipped = [line for line in result.stderr.splitlines() if "skipped " in line]
    assert len(skipped) == 1 and "\\n" in skipped[0] and "\x1b" not in result.stderr


# --------------------------------------------------------------------- exit codes, stdout


def test_fail_on_match_and_json_on_stdout(tmp_path):
    out = tmp_path / "r"
    plain = _run("scan", CORPUS, "--out", out, "-q")
    assert plain.returncode == 0 and plain.stdout == ""
    found = _run("scan", CORPUS, "--out", out, "-q", "--fail-on-match", "--json", "-")
    assert found.returncode == 1
    assert json.loads(found.stdout)["pairs"] == \
        json.loads((out / "pairs.json").read_text(encoding="utf-8"))["pairs"]
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(CORPUS / "002_d20e6f837713f4ad.txt", alone)
    assert _run("scan", alone, "--out", tmp_path / "r2", "--fail-on-match").returncode == 0
    bad = _run("scan", CORPUS, "--out", out, "--json", "out.json")
    assert bad.returncode == 2 and "--json" in bad.stderr


def test_compare_exit_code_by_verdict(tmp_path):
    rewrite = CORPUS / "000_2db2f79e78af98da.txt"
    source = CORPUS / "001_3d3443b8b15dbcff.txt"
    other = CORPUS / "002_d20e6f837713f4ad.txt"
    assert _run("compare", rewrite, source).returncode == 0
    assert _run("compare", rewrite, source, "--fail-on-match").returncode == 1
    assert _run("compare", rewrite, other, "--fail-on-match").returncode == 0


def test_manners_version_help_and_an_empty_folder(tmp_path):
    version = _run("--version")
    assert version.returncode == 0 and re.fullmatch(r"derivdetect \d+\.\d+\.\d+\n", version.stdout)
    short = _run("scan", "-h")
    assert short.returncode == 0 and "Exit codes" in short.stdout and "--fail-on-match" in short.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _run("scan", empty, "--out", tmp_path / "r")
    assert result.returncode == 0 and "no articles found" in result.stderr
    one = _run("scan", CORPUS, "--out", tmp_path / "r3")
    assert "1 pair reported" in one.stderr and "1 family." in one.stderr
    data = json.loads((tmp_path / "r3" / "pairs.json").read_text(encoding="utf-8"))
    assert Path(data["scan"]["root"]).is_absolute()


def test_outputs_list_pairs_strongest_first_with_their_rank(tmp_path):
    pile = tmp_path / "pile"
    shutil.copytree(CORPUS, pile)
    text = (CORPUS / "002_d20e6f837713f4ad.txt").read_text(encoding="utf-8")
    (pile / "zz_copy.txt").write_text(text, encoding="utf-8")      # verbatim: the strongest
    out = tmp_path / "r"
    assert _run("scan", pile, "--out", out, "-q").returncode == 0
    data = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    assert [p["rank"] for p in data["pairs"]] == [1, 2]
    assert [p["verdict"] for p in data["pairs"]] == ["verbatim", "derivative"]
    with open(out / "pairs.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["rank"], r["verdict"]) for r in rows] == [("1", "verbatim"), ("2", "derivative")]


def test_the_report_shows_bidi_controls_in_file_names(tmp_path):
    pile = tmp_path / "pile"
    pile.mkdir()
    text = (CORPUS / "001_3d3443b8b15dbcff.txt").read_text(encoding="utf-8")
    (pile / "report\u202efdp.txt").write_text(text, encoding="utf-8")
    (pile / "plain.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "r"
    assert _run("scan", pile, "--out", out, "-q").returncode == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "report\u27e8U+202E\u27e9fdp.txt" in page
    shown = re.sub(r'title="[^"]*"', "", page)     # attributes keep the name as it is
    assert "\u202e" not in shown


# ------------------------------------------------------------- folders people really use


def _mounted(folder: Path):
    if os.geteuid() != 0:
        pytest.skip("mounting a file system needs root")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)],
                            capture_output=True)
    if result.returncode:
        pytest.skip("mount failed here")


def test_an_output_folder_that_is_a_mount_point_gets_its_report(tmp_path):
    out = tmp_path / "volume"
    out.mkdir()
    _mounted(out)
    try:
        for _ in range(2):
            result = _run("scan", CORPUS, "--out", out, "-q")
            assert result.returncode == 0, result.stderr
            (out / "notes.txt").write_text("mine", encoding="utf-8")
            (out / "pairs" / "mine.html").write_text("mine", encoding="utf-8")
        _links_resolve(out)
        assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
        assert (out / "pairs" / "mine.html").read_text(encoding="utf-8") == "mine"
        assert not [p for p in out.iterdir() if "staging" in p.name]
    finally:
        subprocess.run(["umount", str(out)], check=True)


def test_the_folder_keeps_its_group_mode_and_setgid_bit(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("changing a folder's group to another needs root")
    import grp

    out = tmp_path / "web"
    out.mkdir()
    group = grp.getgrnam("nogroup").gr_gid
    os.chown(out, -1, group)
    out.chmod(0o2750)
    assert _run("scan", CORPUS, "--out", out, "-q").returncode == 0
    assert _run("scan", CORPUS, "--out", out, "-q").returncode == 0
    st = out.stat()
    assert (st.st_mode & 0o7777, st.st_gid) == (0o2750, group)
    assert (out / "index.html").stat().st_gid == group


def test_a_users_look_alike_files_are_kept_and_placeholders_are_fine(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / ".gitkeep").write_text("", encoding="utf-8")
    assert _run("scan", CORPUS, "--out", out, "-q").returncode == 0
    (out / "index-2024.html").write_text("my archive page", encoding="utf-8")
    (out / ".review.tmp").write_text("draft", encoding="utf-8")
    assert _run("scan", CORPUS, "--out", out, "-q").returncode == 0
    assert (out / "index-2024.html").read_text(encoding="utf-8") == "my archive page"
    assert (out / ".review.tmp").read_text(encoding="utf-8") == "draft"
    assert (out / ".gitkeep").exists()


def test_a_missing_input_folder_leaves_no_output_folder(tmp_path):
    result = _run("scan", tmp_path / "typo", "--out", tmp_path / "r")
    assert result.returncode == 2 and "no such folder" in result.stderr
    assert not (tmp_path / "r").exists()


def test_files_left_in_a_dead_scans_staging_folder_come_back(tmp_path):
    out = tmp_path / "r"
    assert _run("scan", CORPUS, "--out", out, "-q").returncode == 0
    # what a scan killed together with its guard while carrying files leaves behind
    stale = tmp_path / ".r.derivdetect-staging-0123456789ab"
    (stale / "pairs").mkdir(parents=True)
    (stale / "notes.txt").write_text("mine", encoding="utf-8")
    (stale / "pairs" / "mine.html").write_text("mine", encoding="utf-8")
    (stale / "index.html").write_text("half a report", encoding="utf-8")
    assert _run("scan", CORPUS, "--out", out, "-q").returncode == 0
    assert not stale.exists()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "pairs" / "mine.html").read_text(encoding="utf-8") == "mine"
    _links_resolve(out)


def test_a_worker_killed_by_the_system_is_a_failure_not_a_match(tmp_path, big):
    tag = uuid.uuid4().hex
    scan = _start("scan", big, "--out", tmp_path / "r", "--no-cache", "-q", "--workers", "2",
                  "--fail-on-match", env=_env(tmp_path, tag))
    try:
        assert _wait_until(lambda: len(_processes_tagged(tag)) >= 3, timeout=300)
        worker = max(pid for pid in _processes_tagged(tag) if pid != scan.pid)
        os.kill(worker, signal.SIGKILL)       # as the out-of-memory killer would
        _, err = scan.communicate(timeout=120)
    finally:
        if scan.poll() is None:
            scan.kill()
            scan.wait()
    if scan.returncode == 1 and "worker" not in err:
        pytest.skip("the scan finished before the worker was killed")
    assert scan.returncode == 3, err
    assert "worker process died" in err and "Traceback" not in err, err
    assert _wait_until(lambda: not _processes_tagged(tag), timeout=10, step=0.1)


def test_a_folder_another_scan_is_just_making_counts_as_derivdetects(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / ".derivdetect-lock").write_text("", encoding="utf-8")     # what a scan that
    (out / "..derivdetect-report.k3j2h1.tmp").write_text("", encoding="utf-8")  # starts leaves
    result = _run("scan", CORPUS, "--out", out, "-q")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_as_the_scan_ends_is_not_reported_as_success(tmp_path, how):
    """Ctrl-C (or SIGTERM) that arrives while the process runs its exit handlers, after the
    report is written: the exit code still says so (a cron wrapper must not read it as a
    clean run), and the report is whole. Ctrl-C gives 130 and says why; SIGTERM, whose
    handler the command has given back by then, ends the process by the signal itself."""
    out = tmp_path / "r"
    program = (
        "import atexit, os, signal, sys, time\n"
        "from derivdetect import cli\n"
        f"atexit.register(lambda: (os.kill(os.getpid(), {int(how)}), time.sleep(0.3)))\n"
        f"sys.argv = ['derivdetect', 'scan', {str(CORPUS)!r}, '--out', {str(out)!r}, '-q']\n"
        "cli.main()\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          env=_env(tmp_path), timeout=300, preexec_fn=_ctrl_c_as_in_a_terminal)
    if how == signal.SIGINT:
        assert done.returncode == 130, done.stderr
        assert "derivdetect: interrupted as it ended; its work was done" in done.stderr
    else:
        assert done.returncode in (143, -signal.SIGTERM), done.stderr
    assert json.loads((out / "pairs.json").read_text(encoding="utf-8"))["pairs"]

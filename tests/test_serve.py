"""``derivdetect serve`` for real: the CLI starts a server on 127.0.0.1 in another process,
driven over HTTP with httpx; the shell's ``queue`` and ``review`` run beside it on the same
archive file; SIGTERM stops it while a request is in flight."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import CORPUS, SEED_REWRITE, SEED_SOURCE, own_words, run_cli

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from derivdetect.serve.pages import PAGE_CSP  # noqa: E402

TOKEN = "correct-horse-battery-staple-42"
OTHERS = [p for p in sorted(CORPUS.glob("*.txt")) if p.name != SEED_REWRITE]


_cli = run_cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _judges_of(pid: int) -> list:
    """The pids of the judge processes of ``--workers N`` started by process ``pid`` (not
    multiprocessing's own helper processes)."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                              text=True).stdout.split()
    return sorted(int(child) for child in children
                  if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes())


class Server:
    """``derivdetect serve`` in a subprocess, until :meth:`stop`."""

    def __init__(self, archive: Path, *args, token=None, tmp: Path, own_group=False):
        self.port = _free_port()
        env = {**os.environ, "DERIVDETECT_TOKEN": token or ""}
        if token is None:
            env.pop("DERIVDETECT_TOKEN")
        self.log = open(tmp / f"serve-{self.port}.log", "w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "derivdetect.cli", "serve", str(archive), "--port",
             str(self.port), *map(str, args)], stdout=self.log, stderr=subprocess.STDOUT,
            env=env, start_new_session=own_group)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server stopped: {self.output()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"the server did not start: {self.output()}")

    def judges(self) -> list:
        return _judges_of(self.process.pid)

    def output(self) -> str:
        return Path(self.log.name).read_text()

    def client(self, token=None) -> "httpx.Client":
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        self.log.close()
        return code


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """An archive of the demo corpus without the aggregator's rewrite."""
    archive = tmp_path_factory.mktemp("serve") / "published.db"
    done = _cli("archive", "add", archive, *OTHERS)
    assert done.returncode == 0, done.stderr
    return archive


@pytest.fixture
def archive(published, tmp_path) -> Path:
    copy = tmp_path / "archive.db"
    copy.write_bytes(published.read_bytes())
    return copy


@pytest.fixture
def server(archive, tmp_path):
    running = Server(archive, token=TOKEN, tmp=tmp_path)
    yield running
    running.stop()


def _rewrite() -> dict:
    return {"id": "aggregator/karabakh", "title": "Nagorno-Karabakh rewrite",
            "text": (CORPUS / SEED_REWRITE).read_text(encoding="utf-8")}


def test_a_cms_checks_an_article_reviews_the_flag_and_the_shell_agrees(server, archive):
    with server.client(TOKEN) as http:
        checked = http.post("/v1/check", json=_rewrite())
        assert checked.status_code == 200
        body = checked.json()
        assert body["flagged"] is True and body["id"] == "aggregator/karabakh"
        (match,) = body["matches"]
        assert match["verdict"] == "derivative" and match["state"] == "unreviewed"
        assert match["source"].endswith(SEED_SOURCE) and match["credit"]["credited"] is False
        assert match["passages"] and {"a_start", "b_end"} <= set(match["passages"][0])
        pair_id = match["pair_id"]

        independent = http.post("/v1/check", json={"text": own_words(7), "id": "own"}).json()
        assert independent == {"id": "own", "flagged": False, "matches": [], "added": None}
        queue = http.get("/v1/queue").json()
        assert [i["pair_id"] for i in queue["items"]] == [pair_id] and queue["total"] == 1

        decided = http.post(f"/v1/pairs/{pair_id}/review",
                            json={"state": "violation", "note": "no agreement", "by": "ana"})
        assert decided.status_code == 200 and decided.json()["state"] == "violation"
        assert http.get("/v1/queue").json()["total"] == 0

    shell = _cli("queue", archive, "--state", "violation", "--json")
    assert shell.returncode == 0, shell.stderr
    assert [f["pair_id"] for f in json.loads(shell.stdout)] == [pair_id]
    assert _cli("review", archive, pair_id, "licensed", "--note", "deal found",
                "--by", "li").returncode == 0          # from a shell, while it runs

    with server.client(TOKEN) as http:
        pair = http.get(f"/v1/pairs/{pair_id}").json()
        assert pair["state"] == "licensed" and "deal found" in pair["state_reason"]
        history = http.get(f"/v1/pairs/{pair_id}/history").json()["history"]
        assert [(h["old"], h["new"], h["by"]) for h in history] == [
            ("unreviewed", "violation", "ana"), ("violation", "licensed", "li")]
        again = http.post("/v1/check", json=_rewrite()).json()
        assert again["flagged"] is False and again["matches"][0]["state"] == "licensed"


def test_articles_are_added_in_batches_and_read_back(server):
    with server.client(TOKEN) as http:
        batch = [{"id": f"wire/{k}", "text": f"Story number {k} about the harbour council "
                  f"vote on the new ferry timetable, version {k}.", "source": "Wire"}
                 for k in range(3)]
        added = http.post("/v1/articles", json={"articles": batch}).json()
        assert (added["added"], added["updated"], added["unchanged"]) == (3, 0, 0)
        again = http.post("/v1/articles", json={"articles": batch[:1]}).json()
        assert again["unchanged"] == 1
        article = http.get("/v1/articles/wire/1").json()
        assert article["text"] == batch[1]["text"] and article["byline"] == "Wire"
        assert http.get("/v1/articles/wire/99").status_code == 404
        rewrite = http.post("/v1/check", json={**_rewrite(), "add": True}).json()
        assert rewrite["added"]["added"] == 1
        assert http.get("/v1/articles/aggregator/karabakh").status_code == 200


def test_without_the_token_nothing_but_health_answers(server):
    with server.client() as anonymous:
        assert anonymous.get("/healthz").json() == {"status": "ok"}
        for method, path in (("get", "/v1/queue"), ("get", "/v1/pairs/abc"),
                             ("get", "/v1/articles/x"), ("get", "/openapi.json")):
            refused = getattr(anonymous, method)(path)
            assert refused.status_code == 401
            assert set(refused.json()) == {"error"} and "archive" not in refused.text
        assert anonymous.post("/v1/check", json={"text": "x"}).status_code == 401
        assert anonymous.get("/", follow_redirects=False).status_code == 303
    with server.client("wrong-token-wrong-token") as wrong:
        assert wrong.get("/v1/queue").status_code == 401
    with server.client(TOKEN) as http:
        schema = http.get("/openapi.json").json()
        assert "/v1/check" in schema["paths"] and "/v1/pairs/{pair_id}/review" in schema["paths"]


def test_broken_requests_get_a_4xx_that_names_the_problem_and_the_service_stays_up(
        archive, tmp_path):
    settings = tmp_path / "small.toml"
    settings.write_text("max_chars = 5000\n")
    running = Server(archive, "--max-body", 20000, "--max-batch", 2, "--config", settings,
                     token=TOKEN, tmp=tmp_path)
    try:
        with running.client(TOKEN) as http:
            def post(path, content, kind="application/json"):
                return http.post(path, content=content, headers={"content-type": kind})

            cases = [
                (post("/v1/check", b'{"text": "a",'), 400, "not valid JSON"),
                (post("/v1/check", b'{"text": 12}'), 422, "text"),
                (post("/v1/check", b'{"title": "no text"}'), 422, "text: Field required"),
                (post("/v1/check", b'{"text": "\xff\xfe broken"}'), 400, "not UTF-8"),
                (post("/v1/check", b'{"text": "a"}', "text/plain"), 415, "application/json"),
                (post("/v1/check", json.dumps({"text": "word " * 1200}).encode()), 413,
                 "max_chars"),
                (post("/v1/check", b"{" + b" " * 30000 + b"}"), 413, "--max-body"),
                (http.post("/v1/articles", json={"articles": [{"text": "a"}] * 3}), 413,
                 "--max-batch"),
                (http.post("/v1/articles", json={"articles": [{"id": "x", "text": "a"},
                                                              {"id": "x", "text": "b"}]}),
                 422, "same id"),
                (http.post("/v1/pairs/nope/review", json={"state": "licensed"}), 404,
                 "no flagged pair"),
                (http.get("/v1/pairs/nope"), 404, "no flagged pair"),
                (http.get("/v1/queue", params={"state": "maybe"}), 422, "use one of"),
                (http.get("/v1/queue", params={"cursor": "garbage"}), 422, "cursor"),
                (http.get("/v1/queue", params={"limit": 0}), 422, "limit"),
            ]
            for response, status, words in cases:
                assert response.status_code == status, response.text
                assert words in response.json()["error"], response.text
            flagged = http.post("/v1/check", json={"text": _rewrite()["text"][:4900]}).json()
            pair_id = flagged["matches"][0]["pair_id"]
            bad_state = http.post(f"/v1/pairs/{pair_id}/review", json={"state": "sorted"})
            assert bad_state.status_code == 422 and "use one of" in bad_state.json()["error"]
            assert http.get("/healthz").status_code == 200
            assert http.get("/v1/queue").json()["total"] == 1
    finally:
        assert running.stop() == 0
    assert "Traceback" not in running.output()


def test_browser_writes_need_the_page_token_and_this_origin(server):
    with server.client() as browser:
        signed = browser.post("/v1/session", json={"token": TOKEN})
        assert signed.status_code == 204 and "derivdetect_session" in browser.cookies
        assert "httponly" in signed.headers["set-cookie"].lower()
        assert "samesite=strict" in signed.headers["set-cookie"].lower()
        assert browser.get("/v1/queue").status_code == 200          # reads: the cookie
        forged = browser.post("/v1/check", json={"text": "x"})      # writes: + page token
        assert forged.status_code == 403 and "X-CSRF-Token" in forged.json()["error"]
        cross = browser.post("/v1/check", json={"text": "x"},
                             headers={"Origin": "https://evil.example"})
        assert cross.status_code == 403
        form = browser.post("/pairs/abc/decide", content=b"state=licensed",
                            headers={"content-type": "application/x-www-form-urlencoded"})
        assert form.status_code == 403
        assert browser.post("/v1/session", json={"token": "guess"}).status_code == 401
    # a page whose name was re-pointed at 127.0.0.1 has no cookie for it: with a token,
    # any host name may reach the service (a proxy's), and the token is what is checked
    rebound = httpx.get(server.url + "/v1/queue", headers={"Host": "attacker.example"})
    assert rebound.status_code == 401 and set(rebound.json()) == {"error"}
    with server.client(TOKEN) as proxied:
        assert proxied.get("/v1/queue", headers={"Host": "news.example:443"}).status_code == 200


def test_it_will_not_listen_beyond_loopback_without_a_token(archive):
    env = {k: v for k, v in os.environ.items() if k != "DERIVDETECT_TOKEN"}
    refused = _cli("serve", archive, "--host", "0.0.0.0", env=env)
    assert refused.returncode == 2 and "needs a token" in refused.stderr
    missing = _cli("serve", archive.parent / "none.db", env=env)
    assert missing.returncode == 2 and "no such archive" in missing.stderr


def _check_while_stopping(running: Server, stop) -> "httpx.Response":
    """The response to a long check (with ``add``) during which ``stop()`` is called, once
    the service has exited with 0."""
    long_text = "\n\n".join((CORPUS / p.name).read_text(encoding="utf-8") for p in OTHERS) * 3
    results = {}

    def check():
        with running.client(TOKEN) as http:
            results["response"] = http.post("/v1/check", json={"text": long_text,
                                                               "id": "long", "add": True})

    request = threading.Thread(target=check)
    request.start()
    time.sleep(0.3)
    stop()
    request.join(timeout=120)
    assert running.stop() == 0
    return results["response"]


def test_sigterm_lets_the_request_in_flight_finish(archive, tmp_path):
    running = Server(archive, token=TOKEN, tmp=tmp_path)
    response = _check_while_stopping(running,
                                     lambda: running.process.send_signal(signal.SIGTERM))
    assert response.status_code == 200, response.text
    listed = _cli("queue", archive, "--state", "all", "--json")
    assert listed.returncode == 0
    assert _cli("check", archive, CORPUS / SEED_REWRITE).returncode == 1   # opens, intact


def test_without_a_token_a_cms_on_this_machine_writes_and_pages_still_refuse_other_sites(
        archive, tmp_path):
    running = Server(archive, tmp=tmp_path)
    try:
        with running.client() as cms:
            checked = cms.post("/v1/check", json=_rewrite())
            assert checked.status_code == 200 and checked.json()["flagged"] is True
            pair_id = checked.json()["matches"][0]["pair_id"]
            assert cms.post(f"/v1/pairs/{pair_id}/review",
                            json={"state": "violation"}).status_code == 200
            for response in (checked, cms.get("/"), cms.get(f"/pairs/{pair_id}/report")):
                assert response.status_code == 200
                assert response.headers["x-content-type-options"] == "nosniff"
                assert response.headers["cache-control"] == "no-store"
                assert response.headers["x-frame-options"] == "SAMEORIGIN"
                assert response.headers["referrer-policy"] == "same-origin"
            assert "content-security-policy" not in checked.headers
            assert cms.get("/").headers["content-security-policy"] == PAGE_CSP
            assert cms.get(f"/pairs/{pair_id}/report").headers[
                "content-security-policy"] == "sandbox allow-scripts"
            assert cms.post("/v1/check", json={"text": "x"},
                            headers={"Origin": "https://evil.example"}).status_code == 403
            assert cms.get("/v1/queue", headers={"Host": "evil.example"}).status_code == 400
            assert cms.post("/v1/check", content=b'{"text": "a"}',
                            headers={"content-type": "text/plain"}).status_code == 415
    finally:
        assert running.stop() == 0


def test_a_streamed_body_over_the_limit_is_refused_at_once(archive, tmp_path):
    running = Server(archive, "--max-body", 4096, token=TOKEN, tmp=tmp_path)
    try:
        def chunks():
            for _ in range(10):
                yield b" " * 1000

        with running.client(TOKEN) as http:
            refused = http.post("/v1/check", content=chunks(),
                                headers={"content-type": "application/json"}, timeout=20)
            assert refused.status_code == 413 and "--max-body" in refused.json()["error"]
            small = http.post("/v1/check", content=iter([b'{"text": ', b'"a b c"}']),
                              headers={"content-type": "application/json"})
            assert small.status_code == 200
            for target in ("/\\evil.example", "//evil.example", "https://evil.example",
                           "/\t/evil.example"):
                page = http.get("/login", params={"next": target}).text
                assert 'data-next="/"' in page, target
    finally:
        assert running.stop() == 0


def test_two_workers_serve_the_same_archive_and_keep_the_token_out_of_the_environment(
        archive, tmp_path):
    """The token of --token-file reaches the worker processes in a file of mode 0600, not
    in the environment every child process and /proc/PID/environ show."""
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    running = Server(archive, "--workers", 2, "--token-file", token_file, tmp=tmp_path)
    try:
        with running.client(TOKEN) as http:
            seen = [http.post("/v1/check", json=_rewrite()).json()["flagged"]
                    for _ in range(4)]
            assert seen == [True] * 4
            assert http.get("/v1/queue").json()["total"] == 1
        children = subprocess.run(["pgrep", "-P", str(running.process.pid)],
                                  capture_output=True, text=True).stdout.split()
        assert children
        for pid in children + [str(running.process.pid)]:
            assert TOKEN.encode() not in Path(f"/proc/{pid}/environ").read_bytes()
    finally:
        assert running.stop() == 0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_two_workers_share_the_checks_of_one_client_request_by_request(archive, tmp_path):
    """A client's keep-alive connections all end in the one process that speaks HTTP; the
    checks they send are judged by whichever worker is free, so both work."""
    running = Server(archive, "--workers", 2, token=TOKEN, tmp=tmp_path)
    try:
        judges = running.judges()
        assert len(judges) == 2
        before = [_cpu_seconds(pid) for pid in judges]
        text = "\n\n".join((CORPUS / p.name).read_text(encoding="utf-8") for p in OTHERS)
        with running.client(TOKEN) as http:
            def checks(n):
                return [http.post("/v1/check", json={"text": f"{text} Edition {n}.{i}."})
                        for i in range(6)]

            threads = [threading.Thread(target=checks, args=(n,)) for n in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=300)
        used = [_cpu_seconds(pid) - start for pid, start in zip(judges, before)]
        assert min(used) > 0.05, used
    finally:
        assert running.stop() == 0


def test_ctrl_c_to_every_process_of_two_workers_lets_the_check_in_flight_finish(
        archive, tmp_path):
    """Ctrl-C in a terminal (or a stop sent to the whole group) reaches the workers too:
    they leave it to the service, which finishes the check and its addition, then exits."""
    running = Server(archive, "--workers", 2, token=TOKEN, tmp=tmp_path, own_group=True)
    response = _check_while_stopping(running,
                                     lambda: os.killpg(running.process.pid, signal.SIGINT))
    assert response.status_code == 200, response.text
    with sqlite3.connect(archive) as db:
        assert db.execute("SELECT count(*) FROM articles WHERE id = 'long'").fetchone()[0] == 1


def test_a_worker_that_dies_costs_one_request_and_is_replaced(archive, tmp_path):
    running = Server(archive, "--workers", 2, token=TOKEN, tmp=tmp_path)
    try:
        first = running.judges()
        os.kill(first[0], signal.SIGKILL)
        time.sleep(0.3)   # the pool sees the death at once; the next request is told
        with running.client(TOKEN) as http:
            answers = [http.post("/v1/check", json=_rewrite()) for _ in range(3)]
        codes = [a.status_code for a in answers]
        assert sorted(codes) == [200, 200, 503], [a.text for a in answers]
        assert "send the request again" in answers[codes.index(503)].json()["error"]
        assert all(a.json()["flagged"] for a in answers if a.status_code == 200)
        replaced = running.judges()
        assert len(replaced) == 2 and first[0] not in replaced
    finally:
        assert running.stop() == 0


def test_judges_restarted_by_a_request_thread_outlive_that_thread(archive):
    """The kernel ends a judge when the thread that started it ends; the web server's
    request threads end when idle, so a pool restarted by one must not be started from it."""
    from derivdetect.config import Config
    from derivdetect.serve.judges import JudgePool, JudgeUnavailable
    from derivdetect.serve.service import ServeSettings

    pool = JudgePool(ServeSettings(archive, Config(), workers=2))
    try:
        first = _judges_of(os.getpid())
        assert len(first) == 2
        os.kill(first[0], signal.SIGKILL)
        time.sleep(0.3)
        answers = []

        def request():
            try:
                answers.append(pool.check(_rewrite())["flagged"])
            except JudgeUnavailable as exc:
                answers.append(str(exc))

        thread = threading.Thread(target=request)
        thread.start()
        thread.join(timeout=120)
        assert answers in ([True], ["a judge process ended before it answered (out of "
                                    "memory?); it was restarted: send the request again"])
        time.sleep(0.5)
        replaced = _judges_of(os.getpid())
        assert len(replaced) == 2 and first[0] not in replaced
        assert pool.check(_rewrite())["flagged"] is True
        assert _judges_of(os.getpid()) == replaced
    finally:
        pool.close()
    assert _judges_of(os.getpid()) == []


def test_without_the_serve_extra_the_cli_says_what_to_install(archive):
    hidden = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['fastapi'] = None; "
         "from derivdetect.cli import main; "
         f"sys.argv = ['derivdetect', 'serve', {str(archive)!r}]; main()"],
        capture_output=True, text=True, timeout=120)
    assert hidden.returncode == 2
    line, = hidden.stderr.strip().splitlines()
    assert "pip install 'derivdetect[serve]'" in line

"""The review queue of ``derivdetect serve`` at 10,000 open flags, in headless Chromium.

Builds an archive (a temporary folder, or ``--keep DIR``) of ``--flags`` generated source
articles from 12 outlets and as many light edits of them, each edit checked against the
archive through the real path (``check_articles`` + ``remember``, then added: what a CMS's
``POST /v1/check`` with ``add`` does), so the queue holds ``--flags`` unreviewed flags. Then
it starts ``derivdetect serve`` on 127.0.0.1 with a token, signs in in Chromium (Playwright,
``--chromium``, default ``/usr/bin/chromium``) and reads the browser's own timings
(Navigation Timing: response end and the ``load`` event), median of ``--runs`` loads, for:
the first page of the queue, the next page (its cursor link), the order flipped (weakest
first), a source filter and a state filter; and the size of each page.

Prints the numbers; writes nothing into the repository. Without Playwright or Chromium it
says so and exits 0 after the build.

    .venv/bin/python benchmarks/queue_browser.py [--flags 10000] [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from derivdetect import Config
from derivdetect.engines.archive import add_articles, check_articles, open_archive, remember
from derivdetect.models import Document

TOKEN = "queue-benchmark-token-0123456789"
OUTLETS = [f"outlet-{k:02d}.example" for k in range(12)]
BATCH = 500
_WORDS = ("minister council harbour railway festival storm court protest market museum "
          "election village bridge river winter capital troops region mayor harvest").split()
_SMALL = "the a of in on and to was were is said that with for by at from as it".split()


def _article(rng: random.Random, paragraphs: int = 6) -> str:
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(3):
            words = [rng.choice(_WORDS if rng.random() < 0.5 else _SMALL) for _ in range(14)]
            words += [f"Name{rng.randrange(10**7)}", str(rng.randrange(10**5))]
            rng.shuffle(words)
            sentences.append(" ".join(words).capitalize() + ".")
        out.append(" ".join(sentences))
    return "\n\n".join(out) + "\n"


def _light_edit(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    for k in range(rng.randrange(5, 12), len(words), 12):
        words[k] = "altered"
    return " ".join(words)


def build(path: Path, flags: int, seed: int) -> float:
    """An archive with ``flags`` unreviewed flags (see the module docstring); seconds."""
    t0 = time.perf_counter()
    rng = random.Random(seed)
    config = Config()
    sources = [Document(f"src/{k:06d}", f"src/{k:06d}", _article(rng), f"Story {k}",
                        byline=OUTLETS[k % len(OUTLETS)]) for k in range(flags)]
    edits = [Document(f"copy/{k:06d}", f"copy/{k:06d}", _light_edit(rng, s.text),
                      f"Story {k}, republished", byline=OUTLETS[(k + 5) % len(OUTLETS)])
             for k, s in enumerate(sources)]
    with open_archive(path, config) as archive:
        add_articles(archive, sources, config)
        for start in range(0, len(edits), BATCH):
            batch = edits[start: start + BATCH]
            remember(archive, check_articles(archive, batch, config, fast=True), batch)
            add_articles(archive, batch, config)
    return time.perf_counter() - t0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timings(page, url: str) -> dict:
    page.goto(url)
    page.wait_for_load_state("load")
    return page.evaluate("""() => {
        const n = performance.getEntriesByType('navigation')[0];
        return {response: n.responseEnd - n.requestStart, load: n.loadEventEnd - n.startTime,
                bytes: n.transferSize || n.encodedBodySize, rows:
                document.querySelectorAll('table.queue tbody tr').length,
                total: (document.getElementById('total') || {}).textContent};
    }""")


def measure(archive: Path, chromium: str, runs: int) -> int:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("Playwright is not installed (pip install playwright): no browser timings")
        return 0
    if not Path(chromium).exists():
        print(f"no Chromium at {chromium} (--chromium PATH): no browser timings")
        return 0
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()
    server = subprocess.Popen([sys.executable, "-m", "derivdetect.cli", "serve", str(archive),
                               "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "DERIVDETECT_TOKEN": TOKEN})
    try:
        import httpx

        for _ in range(600):
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(url + "/")
            page.wait_for_url(re.compile(re.escape(url) + r"/login"))
            page.fill("#token", TOKEN)
            page.click("#login button[type=submit]")
            page.wait_for_url(url + "/")
            first = _timings(page, url + "/")
            next_href = page.get_attribute("a[rel=next]", "href")
            flip_href = page.get_attribute("table.queue thead a", "href")
            views = {"first page": "/", "next page (cursor)": next_href,
                     "weakest first": flip_href,
                     f"source filter ({OUTLETS[3]})": f"/?state=unreviewed&source={OUTLETS[3]}",
                     "state filter (all)": "/?state=all"}
            print(f"queue: {first['total']} flags; {first['rows']} rows a page")
            print(f"{'view':<34} {'response':>10} {'load':>10} {'bytes':>9} {'rows':>5}")
            for name, href in views.items():
                found = [_timings(page, url + href) for _ in range(runs)]
                print(f"{name:<34} {statistics.median(f['response'] for f in found):>8.1f}ms"
                      f" {statistics.median(f['load'] for f in found):>8.1f}ms"
                      f" {found[-1]['bytes']:>9,} {found[-1]['rows']:>5}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=60)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flags", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="build the archive in DIR and keep it")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="queue-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "archive.db"
    if not path.exists():
        print(f"archive: {args.flags:,} sources and {args.flags:,} light edits checked in "
              f"{build(path, args.flags, args.seed):.1f} s ({path})")
    try:
        return measure(path, args.chromium, args.runs)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

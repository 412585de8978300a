"""The HTML report at scale: write time, page sizes and load time in headless Chromium.

Builds a synthetic ``ScanResult`` (no scan): ``--pairs`` pairs (default 10,000) in
``--families`` families (default 2,000) of 2 to 7 documents of about 600 words each, every pair
with word-for-word and paraphrased passages at valid offsets; writes the HTML report with
``derivdetect.report.html.write_html`` into a temporary folder (or ``--out DIR``), then opens
pages in headless Chromium (Playwright, ``--chromium``, default ``/usr/bin/chromium``) and reads
the browser's own timings (Navigation Timing and Paint Timing): ``load`` event and first
contentful paint, median of ``--runs`` fresh loads, for the first page (``index.html``), a
further page of pairs, a page of families and two pair pages. On the first page it also times
a click on a column header (sort) and the text filter, in the page.

Prints the numbers; writes nothing into the repository. Without Playwright or Chromium it says
so and prints the write numbers only.

    .venv/bin/python benchmarks/report_load.py [--pairs 10000] [--families 2000] [--runs 5]
                                               [--out DIR] [--chromium PATH]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from derivdetect.models import Cluster, Document, Pair, Passage, ScanResult
from derivdetect.report.html import pair_href, pair_slug, write_html
from derivdetect.report.listing import (
    FAMILIES_PER_PAGE,
    PAIRS_PER_PAGE,
    build_layout,
    render_families,
    render_listing,
)
from derivdetect.report.order import order_pairs

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
_SYLLABLES = "ka lo mi ne su ta ri po de fa gu hi jo ke lu ma no pe ro si tu ve wa yo ze".split()


# ---------------------------------------------------------------------------- the result

def _article(rnd: random.Random, vocab: list, words: int = 600) -> str:
    paragraphs, total = [], 0
    while total < words:
        sentences = []
        for _ in range(rnd.randint(2, 4)):
            n = rnd.randint(10, 24)
            sentences.append(" ".join(rnd.choice(vocab) for _ in range(n)).capitalize() + ".")
            total += n
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def _passages(rnd: random.Random, text: str, count: int = 8) -> tuple:
    """``count`` passages on sentence boundaries, at the same offsets in both texts (the
    texts share their body), half word for word, half paraphrased."""
    ends = [i + 1 for i, c in enumerate(text) if c == "."]
    starts = [0] + [e + 1 for e in ends[:-1]]
    picks = sorted(rnd.sample(range(len(ends)), min(count, len(ends))))
    out = []
    for k, i in enumerate(picks):
        s, e = starts[i], ends[i]
        kind = "exact" if k % 2 == 0 else "paraphrase"
        out.append(Passage(kind, s, e, s, e, 1.0 if kind == "exact" else rnd.uniform(0.5, 0.9)))
    return tuple(out)


def synthetic_result(n_pairs: int = 10_000, n_families: int = 2_000, seed: int = 0) -> ScanResult:
    rnd = random.Random(seed)
    vocab = sorted({"".join(rnd.choice(_SYLLABLES) for _ in range(rnd.randint(1, 4)))
                    for _ in range(3000)})
    sizes = [rnd.randint(2, 7) for _ in range(n_families)]
    edges = [[(0, j) for j in range(1, s)] for s in sizes]  # a star around the original
    spare = [[(i, j) for i in range(1, s) for j in range(i + 1, s)] for s in sizes]
    for sp in spare:
        rnd.shuffle(sp)
    total = sum(len(e) for e in edges)
    if total > n_pairs:
        raise SystemExit(f"{n_families} families need at least {total} pairs")
    open_families = [f for f in range(n_families) if spare[f]]
    while total < n_pairs and open_families:
        f = rnd.choice(open_families)
        edges[f].append(spare[f].pop())
        total += 1
        if not spare[f]:
            open_families.remove(f)
    docs, pairs, clusters = [], [], []
    for f, size in enumerate(sizes):
        body = _article(rnd, vocab)
        ids = [f"wire/{f:05d}/outlet-{m}.txt" for m in range(size)]
        texts = {i: body for i in ids}
        docs += [Document(i, i, texts[i], title=f"Story {f}: {body[:40].strip()} ({m})")
                 for m, i in enumerate(ids)]
        for x, y in edges[f]:
            a, b = sorted((ids[x], ids[y]))
            verdict = rnd.choice(["verbatim", "near-duplicate", "derivative", "derivative"])
            cov_a, cov_b = rnd.random(), rnd.random()
            passages = _passages(rnd, body)
            pairs.append(Pair(a, b, verdict, ids[min(x, y)], f"{ids[min(x, y)]} is older",
                              "partially", {
                                  "coverage_a": cov_a, "coverage_b": cov_b,
                                  "exact_coverage_a": cov_a / 2, "exact_coverage_b": cov_b / 2,
                                  "paraphrase_coverage_a": cov_a / 2,
                                  "paraphrase_coverage_b": cov_b / 2,
                                  "jaccard": rnd.random(),
                                  "longest_exact_words": rnd.randint(4, 400),
                                  "exact_passages": sum(p.kind == "exact" for p in passages),
                                  "paraphrase_passages": sum(p.kind != "exact" for p in passages)},
                              passages, ("synthetic",)))
        clusters.append(Cluster(tuple(sorted(ids)), ids[0]))
    pairs.sort(key=lambda p: (p.a, p.b))  # file-name order, as a scan returns them
    return ScanResult("synthetic-report-benchmark", tuple(docs), tuple(pairs), tuple(clusters),
                      (), {}, "2024-01-01T00:00:00+00:00")


# ---------------------------------------------------------------------------- the browser

_TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = {};
  for (const e of performance.getEntriesByType('paint')) paint[e.name] = e.startTime;
  return {dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
          fp: paint['first-paint'], fcp: paint['first-contentful-paint'],
          height: document.documentElement.scrollHeight,
          families_y: (document.getElementById('families') || {}).offsetTop,
          pairs_y: (document.getElementById('pairs') || {}).offsetTop,
          rows: document.querySelectorAll('#pairs-table tbody tr').length};
}"""

_SORT_AND_FILTER = """() => {
  const out = {};
  const b = document.querySelectorAll('#pairs-table thead button')[6];
  let t0 = performance.now();
  b.click();
  document.body.getBoundingClientRect();
  out.sort = performance.now() - t0;
  const box = document.getElementById('f-text');
  box.value = 'story 1';
  t0 = performance.now();
  box.dispatchEvent(new Event('input'));
  document.body.getBoundingClientRect();
  out.filter = performance.now() - t0;
  return out;
}"""


def _load(browser, path: Path, runs: int) -> dict:
    samples = []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        wall = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
        wall = (time.perf_counter() - wall) * 1000
        try:  # paint entries arrive once the frame is drawn
            page.wait_for_function("performance.getEntriesByType('paint')"
                                   ".some(e => e.name === 'first-contentful-paint')", polling=50,
                                   timeout=5000)
        except Exception:  # noqa: BLE001 - reported as a missing number
            pass
        t = page.evaluate(_TIMINGS)
        t["wall"] = wall
        if errors:
            raise SystemExit(f"{path.name}: page errors {errors}")
        samples.append(t)
        context.close()
    out = {k: statistics.median([s[k] for s in samples if s[k] is not None] or [float("nan")])
           for k in ("dcl", "load", "fcp", "wall")}
    for k in ("height", "rows", "families_y", "pairs_y"):
        out[k] = samples[0][k]
    return out


def _interact(browser, path: Path, runs: int) -> dict:
    samples = []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.goto(path.resolve().as_uri(), wait_until="load")
        samples.append(page.evaluate(_SORT_AND_FILTER))
        context.close()
    return {k: statistics.median(s[k] for s in samples) for k in ("sort", "filter")}


def _missing_browser(chromium: str):
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    if not os.path.exists(chromium):
        return f"no Chromium at {chromium} (apt-get install chromium, or pass --chromium)"
    return None


# ---------------------------------------------------------------------------- main

def _kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB"


def run(args) -> None:
    t0 = time.perf_counter()
    result = synthetic_result(args.pairs, args.families, args.seed)
    built = time.perf_counter() - t0
    print(f"synthetic result: {len(result.pairs):,} pairs, {len(result.clusters):,} families, "
          f"{len(result.documents):,} documents (built in {built:.1f} s)")
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="derivdetect-report-"))
    t0 = time.perf_counter()
    written = write_html(result, out)
    write_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    layout = build_layout(result, [pair_slug(p) for p in result.pairs])
    for page in range(1, layout.pair_pages + 1):
        render_listing(result, layout, page)
    for page in range(2, layout.family_pages + 1):
        render_families(result, layout, page)
    listing_s = time.perf_counter() - t0
    listing = [p for p in written if p.parent.name != "pairs"]
    pair_pages = [p for p in written if p.parent.name == "pairs"]
    sizes = {p: p.stat().st_size for p in written}
    total = sum(sizes.values())
    biggest_listing = max(listing, key=sizes.get)
    biggest_pair = max(pair_pages, key=sizes.get) if pair_pages else None
    n_pair_lists = sum(1 for p in listing if p.name == "index.html" or p.name.startswith("pairs-"))
    n_family_lists = len(listing) - n_pair_lists + 1  # the first page of families is the index
    print(f"written to {out} in {write_s:.1f} s ({len(written) / write_s:,.0f} pages/s): "
          f"{len(written):,} files, {total / 2**20:,.1f} MB; of which the listing pages "
          f"(order, families, every index page rendered) {listing_s:.1f} s")
    print(f"listing pages: {n_pair_lists} of pairs ({PAIRS_PER_PAGE} a page), "
          f"{n_family_lists} of families ({FAMILIES_PER_PAGE} a page); "
          f"index.html {_kb(sizes[out / 'index.html'])}, largest listing page "
          f"{biggest_listing.relative_to(out)} {_kb(sizes[biggest_listing])}")
    if biggest_pair:
        print(f"pair pages: {len(pair_pages):,}, median {_kb(statistics.median(sizes[p] for p in pair_pages))}, "
              f"largest {_kb(sizes[biggest_pair])}")

    missing = _missing_browser(args.chromium)
    if missing:
        print(f"load times not measured: {missing}")
        return
    from playwright.sync_api import sync_playwright

    ordered = order_pairs(result.pairs)
    targets = [(f"index.html (summary, families, pairs 1-{PAIRS_PER_PAGE})", out / "index.html")]
    if n_pair_lists > 1:
        targets.append(("pages/pairs-2.html", out / "pages" / "pairs-2.html"))
        last = out / "pages" / f"pairs-{n_pair_lists}.html"
        targets.append((f"pages/pairs-{n_pair_lists}.html (last)", last))
    if n_family_lists > 1:
        targets.append(("pages/families-2.html", out / "pages" / "families-2.html"))
    if ordered:
        for label, pair in (("pair page #1", ordered[0]),
                            (f"pair page #{len(ordered) // 2 + 1}", ordered[len(ordered) // 2])):
            targets.append((label, out / pair_href(pair_slug(pair))))
    print(f"\nChromium {args.chromium}, headless, 1400x900, median of {args.runs} fresh loads (ms):")
    print(f"{'page':46} {'size':>8} {'rows':>5} {'height px':>9} {'DOM ready':>9} "
          f"{'load':>7} {'1st paint':>9} {'wall':>7}")
    where = None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=LAUNCH_ARGS)
        try:
            for label, path in targets:
                t = _load(browser, path, args.runs)
                where = where or t
                print(f"{label:46} {_kb(path.stat().st_size):>8} {t['rows']:>5} "
                      f"{t['height']:>9,} {t['dcl']:>9.0f} {t['load']:>7.0f} {t['fcp']:>9.0f} "
                      f"{t['wall']:>7.0f}")
            print(f"index.html: families start {where['families_y'] or 0:,} px down, "
                  f"the pairs table {where['pairs_y'] or 0:,} px down")
            if result.pairs:
                t = _interact(browser, out / "index.html", args.runs)
                print(f"\nindex.html, in the page: sort by a column {t['sort']:.1f} ms, "
                      f"filter by text {t['filter']:.1f} ms")
            print(f"\n{browser.version}")
        finally:
            browser.close()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--families", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", help="write the report here (default: a temporary folder)")
    parser.add_argument("--chromium", default=os.environ.get("DERIVDETECT_CHROMIUM")
                        or "/usr/bin/chromium")
    run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

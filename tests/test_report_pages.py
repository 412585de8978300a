"""The report at scale: pairs ordered by strength, families first, static pages of bounded size,
each pair listed exactly once, stale pages of a larger earlier scan removed."""

from __future__ import annotations

import random
import re
from pathlib import Path

from markupsafe import escape

from derivdetect.models import Cluster, Document, Pair, ScanResult, Skipped
from derivdetect.report.html import pair_href, pair_slug, render_index, write_html
from derivdetect.report.listing import (
    FAMILIES_PER_PAGE,
    FAMILY_MEMBERS_SHOWN,
    PAIRS_PER_PAGE,
)
from derivdetect.report.order import order_families, order_pairs, pair_strength
from test_report_html import ALLOWED_TAGS, HOSTILE_NAME_A, SCRIPT, Page


def _pair(a, b, verdict="derivative", cov=(0.5, 0.2), longest=10, **scores):
    return Pair(a, b, verdict, a, "test", "partially",
                {"coverage_a": cov[0], "coverage_b": cov[1], "longest_exact_words": longest,
                 **scores})


def test_pair_strength_orders_verdict_then_coverage_then_run_then_ids():
    pairs = [
        _pair("d", "e", "derivative", (0.99, 0.99), 500),
        _pair("a", "b", "verbatim", (0.96, 0.95), 40),
        _pair("c", "d", "near-duplicate", (0.70, 0.90), 30),
        _pair("b", "c", "near-duplicate", (0.90, 0.10), 30),   # same coverage, same run
        _pair("a", "c", "near-duplicate", (0.80, 0.90), 200),  # same coverage, longer run
        _pair("x", "y", "derivative", (None, float("nan")), None),  # no usable score: last
        _pair("e", "f", "related", (1.0, 1.0), 999),  # not a reported verdict
    ]
    got = [(p.a, p.b) for p in order_pairs(pairs)]
    assert got == [("a", "b"), ("a", "c"), ("b", "c"), ("c", "d"), ("d", "e"), ("x", "y"),
                   ("e", "f")]
    assert order_pairs(list(reversed(pairs))) == order_pairs(pairs)  # total and deterministic


def test_a_calibrated_probability_takes_precedence_when_present():
    weak_but_likely = _pair("p", "q", "derivative", (0.3, 0.2), 5, probability=0.97)
    strong = _pair("a", "b", "verbatim", (1.0, 1.0), 900, probability=0.90)
    unscored = _pair("c", "d", "verbatim", (1.0, 1.0), 900)
    assert [p.a for p in order_pairs([unscored, strong, weak_but_likely])] == ["p", "a", "c"]
    assert pair_strength(weak_but_likely) < pair_strength(strong) < pair_strength(unscored)


def synthetic_result(n_families: int = 311, per_family: int = 4, seed: int = 3,
                     big_family: int = 0) -> ScanResult:
    """``n_families`` families of ``per_family + 1`` documents, each a star of pairs around
    its original, with random verdicts and scores (and optionally one family of
    ``big_family`` documents). Pairs in file-name order, as a scan returns them."""
    rnd = random.Random(seed)
    docs, pairs, clusters = [], [], []
    sizes = [per_family + 1] * n_families + ([big_family] if big_family else [])
    for f, size in enumerate(sizes):
        ids = [f"feed/f{f:04d}-m{m:03d}.txt" for m in range(size)]
        titles = [f"Story {f} version {m}" for m in range(size)]
        if f == 7:  # hostile text in the listings too
            ids[1], titles[1] = f"feed/f{f:04d}-{HOSTILE_NAME_A}", SCRIPT
        docs += [Document(i, i, "", title=t, chars=1000) for i, t in zip(ids, titles)]
        for other in ids[1:]:
            verdict = rnd.choice(["verbatim", "near-duplicate", "derivative"])
            pairs.append(Pair(ids[0], other, verdict, ids[0], "test", "partially",
                              {"coverage_a": rnd.random(), "coverage_b": rnd.random(),
                               "jaccard": rnd.random(), "longest_exact_words": rnd.randint(0, 300),
                               "exact_passages": 1, "paraphrase_passages": 2}))
        clusters.append(Cluster(tuple(sorted(ids)), ids[0]))
    pairs.sort(key=lambda p: (p.a, p.b))
    return ScanResult("synthetic", tuple(docs), tuple(pairs), tuple(clusters), (), {},
                      "2024-01-01T00:00:00+00:00")


_ROW = re.compile(r'<tr role="row" id="r(\d+)"[^>]*>\s*<td[^>]*>\d+</td>\s*'
                  r'<td role="cell" class="doc-cell"><a href="([^"]+)"')
_FAMILY = re.compile(r'<article class="family" id="f(\d+)">(.*?)</article>', re.S)


def _listed(raw: str) -> list:
    """``(rank, pair page href)`` of each row of the pairs table, in page order."""
    return [(int(r), h) for r, h in _ROW.findall(raw)]


def _href(pair) -> str:
    return pair_href(pair_slug(pair))


def test_strongest_pair_comes_first_on_the_first_page(tmp_path):
    result = synthetic_result(40, 5)
    strongest = _pair("zz/late.txt", "zz/later.txt", "verbatim", (1.0, 1.0), 900)
    result = ScanResult(result.root, result.documents, result.pairs + (strongest,),
                        result.clusters, (), {}, result.created)
    write_html(result, tmp_path)
    rows = _listed((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert rows[0] == (1, _href(strongest))  # last in file-name order, first in the report
    ordered = order_pairs(result.pairs)
    assert [h for _, h in rows] == [_href(p) for p in ordered[:len(rows)]]
    assert [r for r, _ in rows] == list(range(1, len(rows) + 1))


def test_families_come_before_the_pairs_with_their_members_and_pairs(tmp_path):
    result = synthetic_result(30, 3, big_family=FAMILY_MEMBERS_SHOWN + 10)
    write_html(result, tmp_path)
    raw = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert raw.index('id="families"') < raw.index('id="pairs"') < raw.index('id="scan"')
    cards = _FAMILY.findall(raw)
    assert [int(n) for n, _ in cards] == list(range(1, min(FAMILIES_PER_PAGE, 31) + 1))
    families = order_families(result.clusters, result.pairs)
    # family 1 holds the strongest pair of the report
    assert order_pairs(result.pairs)[0] in families[0][1]
    for (number, card), (cluster, members) in zip(cards, families):
        big = len(cluster.documents) > FAMILY_MEMBERS_SHOWN
        shown = [d for d in cluster.documents if f'title="{escape(d)}"' in card]
        assert len(shown) == (FAMILY_MEMBERS_SHOWN if big else len(cluster.documents))
        assert cluster.original in shown
        if big:
            assert "and 10 more documents" in card
        hrefs = re.findall(r'<a href="([^"]+)"', card)
        assert hrefs == [_href(p) for p in members][:len(hrefs)] and hrefs  # strongest first


def _target(page: Path, href: str) -> Path:
    """Where a relative link of ``page`` leads (fragment dropped)."""
    return (page.parent / href.split("#")[0]).resolve()


def _leads_somewhere(page: Path, href: str, out: Path) -> bool:
    """A page written by ``write_html``, or the data files written beside it."""
    target = _target(page, href)
    return target.is_file() or target in {(out / "pairs.json").resolve(),
                                          (out / "pairs.csv").resolve()}


def test_a_large_report_is_paged_and_every_pair_is_listed_once(tmp_path):
    result = synthetic_result(311, 4)  # 1,244 pairs, 311 families
    n = len(result.pairs)
    written = write_html(result, tmp_path)
    pages_n = -(-n // PAIRS_PER_PAGE)
    families_n = -(-311 // FAMILIES_PER_PAGE)
    files = [tmp_path / "index.html"] + [tmp_path / "pages" / f"pairs-{k}.html"
                                         for k in range(2, pages_n + 1)]
    family_files = [tmp_path / "index.html"] + [tmp_path / "pages" / f"families-{k}.html"
                                                for k in range(2, families_n + 1)]
    assert written[-1] == tmp_path / "index.html"  # the CLI prints the last path written
    assert set(files[1:] + family_files[1:]) <= set(written)
    assert sorted(p.name for p in (tmp_path / "pages").iterdir()) == sorted(
        p.name for p in files[1:] + family_files[1:])
    assert sorted(p.name for p in tmp_path.glob("*.html")) == ["index.html"]

    listed, ordered = [], order_pairs(result.pairs)
    for k, path in enumerate(files, 1):
        raw = path.read_text(encoding="utf-8")
        page = Page(raw)
        rows = _listed(raw)
        assert 0 < len(rows) <= PAIRS_PER_PAGE
        assert [r for r, _ in rows] == list(range(len(listed) + 1, len(listed) + len(rows) + 1))
        listed += [_target(path, h) for _, h in rows]
        rel = {a.get("rel"): a["href"] for t, a in page.tags if t == "a" and a.get("rel")}
        assert (_target(path, rel["prev"]) if "prev" in rel else None) == (
            files[k - 2].resolve() if k > 1 else None)
        assert (_target(path, rel["next"]) if "next" in rel else None) == (
            files[k].resolve() if k < len(files) else None)
        for href in page.hrefs:  # every local link of the page leads to a file that exists
            if ":" not in href and not href.startswith("#"):
                assert _leads_somewhere(path, href, tmp_path), (path.name, href)
        assert f"page {k} of {pages_n}" in "".join(page.text)
        assert "<img" not in raw and "<script>window" not in raw
        assert {t for t, _ in page.tags} <= ALLOWED_TAGS and len(page.scripts) == 1
        assert "Sorting and the filter work on the" in raw and "pairs on this page" in raw
        assert (raw.count('<article class="family"') > 0) == (k == 1)  # families on page 1
    # each pair exactly once, strongest first
    assert listed == [(tmp_path / _href(p)).resolve() for p in ordered]
    assert len(set(listed)) == n

    seen_families = 0
    for k, path in enumerate(family_files, 1):
        raw = path.read_text(encoding="utf-8")
        numbers = [int(x) for x, _ in _FAMILY.findall(raw)]
        assert numbers == list(range(seen_families + 1, seen_families + len(numbers) + 1))
        assert 0 < len(numbers) <= FAMILIES_PER_PAGE
        seen_families += len(numbers)
        if k > 1:
            assert _listed(raw) == []
            for href in Page(raw).hrefs:
                if ":" not in href:
                    assert _leads_somewhere(path, href, tmp_path), (path.name, href)
    assert seen_families == 311

    # a pair page leads back to the index page that lists it
    deep = ordered[PAIRS_PER_PAGE * 2 + 5]
    page = Page((tmp_path / _href(deep)).read_text(encoding="utf-8"))
    assert f"../pages/pairs-3.html#r{PAIRS_PER_PAGE * 2 + 6}" in page.hrefs
    assert f'id="r{PAIRS_PER_PAGE * 2 + 6}"' in files[2].read_text(encoding="utf-8")


def test_a_smaller_rescan_removes_the_extra_pages_of_the_larger_one(tmp_path):
    write_html(synthetic_result(311, 4), tmp_path)
    assert (tmp_path / "pages" / "pairs-7.html").exists()
    assert (tmp_path / "pages" / "families-13.html").exists()
    theirs = ["pages/pairs-9.html", "pages/notes.html", "pages/families-x.html",
              "pages/pairs-1.html", "index-2.html"]
    for name in theirs:
        (tmp_path / name).write_text("<!doctype html><p>someone's page", encoding="utf-8")
    small = synthetic_result(FAMILIES_PER_PAGE - 2, 8, seed=9)  # one page of each
    assert len(small.pairs) < PAIRS_PER_PAGE
    written = write_html(small, tmp_path)
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.html")
                  if p.parent.name != "pairs")
    assert left == sorted(["index.html", *theirs])  # ours gone, theirs kept
    assert {p.name for p in (tmp_path / "pairs").iterdir()} == {
        _href(p).split("/")[1] for p in small.pairs}
    assert written[-1] == tmp_path / "index.html" and len(written) == len(small.pairs) + 1
    raw = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert len(_listed(raw)) == len(small.pairs) and 'rel="next"' not in raw
    assert "on this page" not in raw  # one page: the filter covers every pair
    for name in theirs:
        (tmp_path / name).unlink()
    write_html(synthetic_result(60, 4), tmp_path)  # 240 pairs: two pages
    assert (tmp_path / "pages" / "pairs-2.html").exists()
    write_html(small, tmp_path)
    assert not (tmp_path / "pages").exists()  # emptied, then removed


def test_the_index_page_stays_bounded(tmp_path):
    skipped = tuple(Skipped(f"junk/{i}.bin", "binary file") for i in range(1000))
    base = synthetic_result(311, 4)
    result = ScanResult(base.root, base.documents, base.pairs, base.clusters, skipped, {},
                        base.created)
    small = render_index(synthetic_result(FAMILIES_PER_PAGE, 9))  # 216 pairs, 2 pages
    big = render_index(result)
    assert big.count("<tr role=\"row\" id=") == PAIRS_PER_PAGE
    assert big.count("junk/") < 1000 and "all 1,000 are in" in big
    assert len(big) < 1.5 * len(small)


def test_the_summary_counts_every_pair_by_verdict_not_only_the_first_page(tmp_path):
    result = synthetic_result(311, 4)  # 1,244 pairs over several listing pages
    assert len(result.pairs) > PAIRS_PER_PAGE
    write_html(result, tmp_path)
    raw = (tmp_path / "index.html").read_text(encoding="utf-8")
    counts = {v: sum(1 for p in result.pairs if p.verdict == v)
              for v in ("derivative", "near-duplicate", "verbatim")}
    expected = ", ".join(f"{counts[v]:,} {v}" for v in sorted(counts))
    assert f"{len(result.pairs):,}</div><div class=\"lbl\">pairs reported:\n{expected}</div>" in raw

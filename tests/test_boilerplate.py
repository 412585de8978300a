"""Boilerplate found by repetition, not by knowing the phrase."""

import random

import pytest
import regex

from conftest import CORPUS, SEED_REWRITE, SEED_SOURCE, random_article
from derivdetect import Config
from derivdetect.models import Document
from derivdetect.stages.judge import prepare, prepare_many
from derivdetect.text import boilerplate

DISCLAIMER = ("Notice from the editors: this page gathers items from other outlets, each with a "
              "link to its origin. Rights stay with their owners. Write to us with any request "
              "and we will answer within a day.")


@pytest.mark.parametrize("layout", ["adjacent lines", "apart", "paragraphs apart"])
def test_a_paragraph_repeated_in_one_text_is_boilerplate_wherever_the_copies_are(layout):
    body = random_article(random.Random(3), 8).split("\n\n")
    if layout == "adjacent lines":
        text = "\n\n".join(body) + "\n\n" + DISCLAIMER + "\n" + DISCLAIMER + "\n"
    elif layout == "apart":
        text = DISCLAIMER + "\n" + "\n".join(body) + "\n" + DISCLAIMER + "\n"
    else:
        text = DISCLAIMER + "\n\n" + "\n\n".join(body) + "\n\n" + DISCLAIMER + "\n"
    doc = Document("a.txt", "a.txt", text)
    config = Config()
    for prepared in (prepare(doc, config), prepare_many([doc], config, frozenset(), [None])[0]):
        covered = list(prepared.boilerplate)
        starts = [m.start() for m in regex.finditer(regex.escape(DISCLAIMER), text)]
        assert len(starts) == 2
        for start in starts:
            assert any(s <= start and start + len(DISCLAIMER) <= e
                       for s, e in prepared.boilerplate), (layout, covered)
        first_body = text.index(body[0][:30])
        assert not any(s <= first_body < e for s, e in prepared.boilerplate)


def test_the_demo_passes_without_its_disclaimer_in_the_furniture_pattern(monkeypatch):
    """The aggregator pasted its disclaimer twice: found as a repeat, not by the phrase."""
    from derivdetect import scan
    from derivdetect.engines import local

    local._prepared_cache.clear()       # texts prepared under the full pattern
    monkeypatch.setattr(local, "_prepared_cache", local._prepared_cache.copy())
    pattern = boilerplate.FURNITURE_RE.pattern.replace("denial of responsibility|", "")
    assert pattern != boilerplate.FURNITURE_RE.pattern
    monkeypatch.setattr(boilerplate, "FURNITURE_RE", regex.compile(pattern, regex.IGNORECASE))
    result = scan(CORPUS, Config(workers=1))
    assert [(p.a, p.b, p.verdict, p.source) for p in result.pairs] == [
        (SEED_REWRITE, SEED_SOURCE, "derivative", SEED_SOURCE)]
    doc = next(d for d in result.documents if d.id == SEED_REWRITE)
    start = doc.text.index("Denial of responsibility!")
    assert any(s <= start < e for s, e in result.boilerplate[SEED_REWRITE])
    assert all(p.a_end <= start for p in result.pairs[0].passages)


FOOTER = ("Follow The Daily Bugle on social media for the latest news.\n\n"
          "Copyright The Daily Bugle, all rights reserved.\n")


def _syndication_corpus() -> list:
    """A wire story (short paragraphs only) republished by three outlets under their own
    headline, and four unrelated articles of one site with its footer, two of them a light
    edit of each other."""
    wire = random_article(random.Random(7), 12)
    docs = [Document(f"outlet{k}.txt", f"outlet{k}.txt", f"Outlet {k} news desk\n\n{wire}")
            for k in range(3)]
    site = [random_article(random.Random(100 + k), 10) for k in range(3)]
    words = site[0].split(" ")
    site.append(" ".join("altered" if k % 12 == 7 else w for k, w in enumerate(words)))
    docs += [Document(f"site{k}.txt", f"site{k}.txt", text + "\n" + FOOTER)
             for k, text in enumerate(site)]
    return docs


def test_a_wire_story_republished_in_three_files_is_not_furniture():
    """Its paragraphs recur in three documents, but only in copies of one story: it is the
    copy an editor looks for, every paragraph of it, not greyed-out boilerplate."""
    from derivdetect.engines.local import scan_documents

    result = scan_documents(_syndication_corpus(), Config(workers=1))
    outlets = [p for p in result.pairs if p.a.startswith("outlet")]
    assert len(outlets) == 3
    for pair in outlets:
        assert pair.verdict == "verbatim" and pair.b.startswith("outlet")
        assert pair.scores["exact_coverage_a"] > 0.98 and pair.scores["exact_coverage_b"] > 0.98
        assert result.boilerplate[pair.a] == () and result.boilerplate[pair.b] == ()


def test_a_footer_of_unrelated_articles_stays_furniture_beside_copies_of_one_of_them():
    from derivdetect.engines.local import scan_documents

    docs = _syndication_corpus()
    result = scan_documents(docs, Config(workers=1))
    assert result.stats["furniture_lines"] == 2           # the footer's two lines
    (edit,) = [p for p in result.pairs if p.a.startswith("site")]
    assert (edit.a, edit.b, edit.verdict) == ("site0.txt", "site3.txt", "near-duplicate")
    text = {d.id: d.text for d in docs}["site0.txt"]
    footer_at = text.index(FOOTER.split("\n")[0])
    greyed = [s for s in result.boilerplate["site0.txt"] if s[0] <= footer_at < s[1]]
    assert greyed, "the site's footer is masked as furniture"
    assert not any(p.a_start <= footer_at < p.a_end for p in edit.passages)


@pytest.mark.parametrize("impl", ["python", "compiled"])
@pytest.mark.parametrize("seed", range(6))
def test_furniture_read_from_the_first_holders_is_that_of_all_holders(seed, impl, monkeypatch):
    """The fast path (each line's first 64 holders, then the rest only when needed; the
    first holders found by sorting or by the compiled pass) against the reference (every
    holder), on lines held by up to 300 documents, many of them copies of a few stories
    (which come first, so the first 64 holders alone often fall short)."""
    import numpy as np

    from derivdetect.stages.corpus import (
        FIRST_HOLDERS,
        distinct_marks,
        furniture_among,
        independent,
    )

    monkeypatch.setenv("DERIVDETECT_IMPL", impl)
    rng = np.random.default_rng(seed)
    n_docs, n_lines = 400, 30
    stories = rng.integers(0, 6 if seed % 2 else 60, n_docs)
    marks = rng.integers(0, 2**32, (60, 8), dtype=np.uint32)[stories]
    edited = rng.random((n_docs, 8)) < 0.005                # light edits change a few marks
    marks[edited] = rng.integers(0, 2**32, int(edited.sum()), dtype=np.uint32)
    order = np.argsort(stories, kind="stable")               # copies of one story in a row
    which, holders = [], []
    for line in range(n_lines):
        docs = order[: rng.integers(0, 300)] if line % 3 else rng.choice(n_docs, 5)
        which += [line] * len(docs)
        holders += list(docs)
    which, holders = np.array(which, dtype=np.int64), np.array(holders, dtype=np.int64)
    for min_docs in (2, 3, 5):
        reference = independent(distinct_marks(which, marks[holders], n_lines), min_docs)
        fast = furniture_among(which, holders, marks.__getitem__, n_lines, min_docs)
        assert (fast == reference).all()
    assert np.bincount(which).max() > FIRST_HOLDERS


def test_common_lines_are_the_same_on_the_compiled_and_the_reference_path(monkeypatch):
    """Random line keys (the key 0 among them, which the hash table cannot hold) and marks
    with many ties: the compiled path (hash table, one-pass kernels) gives the reference's
    furniture."""
    import numpy as np

    from derivdetect.stages.corpus import common_lines
    from derivdetect.stages.sketch import Sketches

    rng = np.random.default_rng(3)
    for trial in range(12):
        n = int(rng.integers(1, 3000))
        per_doc = [np.unique(rng.integers(0, 60, int(rng.integers(0, 12))).astype(np.uint64)
                             * np.uint64(trial % 3) + np.uint64(1 << 50) * np.uint64(trial % 2))
                   for _ in range(n)]
        lines = np.concatenate(per_doc).astype(np.uint64)
        ends = np.cumsum([len(d) for d in per_doc]).astype(np.int64)
        signatures = rng.integers(0, 5 if trial % 2 else 2**32, (n, 16)).astype(np.uint32)
        sketches = Sketches(signatures, np.empty(0, np.uint64), np.zeros(n, np.int64), lines,
                            ends, np.empty(0, np.uint32), np.zeros(n, np.int64))
        found = {}
        for impl in ("python", "compiled"):
            monkeypatch.setenv("DERIVDETECT_IMPL", impl)
            found[impl] = common_lines(sketches, 3)
        assert found["python"] == found["compiled"], trial
    assert found["python"]                               # some lines are furniture


def test_short_texts_that_are_mostly_one_sites_menu_are_not_taken_for_copies():
    """Six unrelated two-sentence briefs under the same ten-line menu (two thirds of each
    text): their full-text MinHash values agree on about half of the marks, yet the menu
    is furniture and the briefs are not reported as copies of one another."""
    from derivdetect.engines.local import scan_documents

    rng = random.Random(1)
    vocabulary = [f"w{k}" for k in range(3000)]
    menu = "\n".join(" ".join(rng.choice(vocabulary) for _ in range(8)) for _ in range(10))
    docs = [Document(f"brief{k}.txt", f"brief{k}.txt",
                     random_article(random.Random(500 + k), 2) + "\n" + menu + "\n")
            for k in range(6)]
    result = scan_documents(docs, Config(workers=1))
    assert result.stats["furniture_lines"] == 10
    assert len(result.pairs) <= 1

"""A scan large enough for the parallel, streaming and compiled paths gives the same pairs as
the small-scan path (in process, reference code)."""

import random

import pytest

from conftest import random_article
from derivdetect.config import Config
from derivdetect.engines.local import scan, scan_documents
from derivdetect.ingest import iter_inputs
from derivdetect.models import Document


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    rng = random.Random(11)
    root = tmp_path_factory.mktemp("many")
    texts = [random_article(rng) for _ in range(2100)]
    for k in range(20):                       # copies and light edits of earlier articles
        words = texts[k].split(" ")
        if k % 2:
            words[rng.randrange(len(words))] = "changed"
        texts.append(" ".join(words))
    for i, text in enumerate(texts):
        (root / f"{i // 500:02d}" / f"doc{i:05d}.txt").parent.mkdir(exist_ok=True)
        (root / f"{i // 500:02d}" / f"doc{i:05d}.txt").write_text(text, encoding="utf-8")
    return root


def test_large_scan_finds_the_copies_and_matches_the_small_scan_path(folder, monkeypatch):
    result = scan(folder, Config(workers=2))
    found = {(p.a, p.b) for p in result.pairs}
    for k in range(20):
        a = f"{k // 500:02d}/doc{k:05d}.txt"
        b = f"{(2100 + k) // 500:02d}/doc{2100 + k:05d}.txt"
        assert (a, b) in found
    assert len(result.documents) == 2120
    assert all(d.text for d in result.documents if d.id in {p.a for p in result.pairs})
    assert all(d.chars > 0 for d in result.documents)

    docs = [item for item in iter_inputs(folder, Config()) if isinstance(item, Document)]
    monkeypatch.setenv("DERIVDETECT_IMPL", "python")
    pairs = scan_documents(docs, Config(workers=1)).pairs
    assert [(p.a, p.b, p.verdict, p.passages) for p in pairs] == \
        [(p.a, p.b, p.verdict, p.passages) for p in result.pairs]
    assert [p.scores for p in pairs] == [p.scores for p in result.pairs]


def test_verification_in_worker_processes_gives_what_one_process_gives(tmp_path):
    """Above 300 candidate pairs verification runs in worker processes (batches pickled to
    them, analyses cached per worker): the pairs must be those of one process, to the offset."""
    rng = random.Random(3)
    for i in range(400):
        text = random_article(rng, sentences=8)
        (tmp_path / f"a{i:04d}.txt").write_text(text, encoding="utf-8")
        words = text.split(" ")
        words[rng.randrange(len(words))] = "changed"
        (tmp_path / f"b{i:04d}.txt").write_text(" ".join(words), encoding="utf-8")
    parallel = scan(tmp_path, Config(workers=2))
    alone = scan(tmp_path, Config(workers=1))
    assert parallel.stats["candidates"] >= 400 and len(parallel.pairs) >= 400
    assert [(p.a, p.b, p.verdict, p.source, p.extent, p.passages, p.scores)
            for p in parallel.pairs] == [(p.a, p.b, p.verdict, p.source, p.extent, p.passages,
                                          p.scores) for p in alone.pairs]

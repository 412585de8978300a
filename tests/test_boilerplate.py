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

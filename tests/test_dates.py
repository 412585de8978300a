"""Which text came first is read from dates as dates, in every common format, never as strings."""

from dataclasses import replace

import pytest

from conftest import CORPUS, SEED_REWRITE, SEED_SOURCE
from derivdetect import Config
from derivdetect.engines.local import compare_documents
from derivdetect.ingest import read_document
from derivdetect.models import Pair
from derivdetect.stages.cluster import clusters_of
from derivdetect.text.dates import before, parse_date

# (earlier, later) in the formats found in front matter, JSONL feeds, RFC 2822 and trafilatura
DATED = [
    ("May 1, 2023", "June 1, 2023"),              # as strings, "June" < "May"
    ("2023-5-9", "2023-05-10"),                   # as strings, "2023-05-10" < "2023-5-9"
    ("9 May 2023", "10 May 2023"),
    ("Tue, 09 May 2023 23:30:00 +0000", "Wed, 10 May 2023 08:00:00 +0200"),
    ("2023-05-10T09:00:00+02:00", "2023-05-10T08:30:00+00:00"),   # 07:00Z before 08:30Z
    ("2023-05-09", "2023-05-11T12:00:00Z"),    # a day in an unknown zone: +-14 h
    ("2023-04", "2023-05-01"),
]


@pytest.fixture(scope="module")
def seed_docs():
    config = Config()
    return (replace(read_document(CORPUS / SEED_REWRITE, config), id=SEED_REWRITE),
            replace(read_document(CORPUS / SEED_SOURCE, config), id=SEED_SOURCE))


@pytest.mark.parametrize("earlier, later", DATED)
def test_dates_are_ordered_as_dates(earlier, later):
    a, b = parse_date(earlier), parse_date(later)
    assert a and b
    assert before(a, b) and not before(b, a)


@pytest.mark.parametrize("earlier, later", DATED)
def test_the_earlier_dated_text_is_the_source_whichever_it_is(seed_docs, earlier, later):
    rewrite, source = seed_docs
    config = Config()
    # dates that agree with the texts: the source first
    pair = compare_documents(replace(rewrite, date=later), replace(source, date=earlier), config)
    assert pair.source == SEED_SOURCE and "published earlier" in pair.source_reason
    # dates that contradict the texts win over the coverage (a dated record beats a guess)
    pair = compare_documents(replace(rewrite, date=earlier), replace(source, date=later), config)
    assert pair.source == SEED_REWRITE and f"({earlier} before {later})" in pair.source_reason


def test_a_day_is_not_before_a_time_on_that_day_and_the_texts_decide(seed_docs):
    rewrite, source = seed_docs
    pair = compare_documents(replace(rewrite, date="2023-05-10"),
                             replace(source, date="2023-05-10T15:00:00Z"), Config())
    assert pair.source == SEED_SOURCE
    assert "don't tell which came first" in pair.source_reason


@pytest.mark.parametrize("value", ["yesterday", "June 1", "", "32/13/2023", "x" * 500])
def test_an_unreadable_date_is_no_date_and_the_reason_says_so(seed_docs, value):
    assert parse_date(value) is None
    rewrite, source = seed_docs
    pair = compare_documents(replace(rewrite, date=value), replace(source, date="2023-05-01"),
                             Config())
    assert pair.source == SEED_SOURCE      # from the coverage
    assert "published earlier" not in pair.source_reason
    if value:
        assert "date not understood" in pair.source_reason and SEED_REWRITE in pair.source_reason


def _pair(a, b, source):
    return Pair(a, b, "derivative", source, "", "wholly", {}, (), ())


def test_a_family_original_is_its_earliest_member_by_date():
    pairs = [_pair("a", "b", "b"), _pair("b", "c", "b"), _pair("a", "c", "a")]
    dates = {"a": "June 1, 2023", "b": "May 1, 2023", "c": "2023-05-20"}
    (family,) = clusters_of(pairs, dates)
    assert family.documents == ("a", "b", "c") and family.original == "b"
    dates["b"] = "2023-07-01T00:00:00+00:00"          # now "c" (May 20) is the earliest
    assert clusters_of(pairs, dates)[0].original == "c"
    dates["c"] = "junk"                               # not every date readable: the sources
    assert clusters_of(pairs, dates)[0].original == "b"

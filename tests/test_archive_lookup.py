"""The archive's key index (``stages.lookup`` run by ``engines.archive_index``) against its
reference, the scan's corpus stage over the whole corpus: the same candidate pairs, topic
words and furniture for every checked article, also with tiny buckets and key limits that
make every rule of the scan fire, superseded versions, checked articles already archived
under their id, byte-identical copies and articles added by another process."""

from __future__ import annotations

import random

import numpy as np
import pytest

from conftest import random_article
from derivdetect.config import Config
from derivdetect.engines.archive import add_articles, check_articles, open_archive
from derivdetect.engines.archive_index import ArchiveIndex, lookup_corpus
from derivdetect.models import Document
from derivdetect.stages.corpus import candidate_stage
from derivdetect.stages.sketch import sketch_texts

FURNITURE = "Follow us on social media for the latest news and updates"


def _corpus(seed: int, n: int = 140) -> list:
    rng = random.Random(seed)
    texts = []
    for k in range(n):
        roll = rng.random()
        if texts and roll < 0.3:                      # a light edit of an earlier text
            words = rng.choice(texts).split()
            for _ in range(rng.randint(1, 6)):
                words[rng.randrange(len(words))] = rng.choice(("said", "told", "new", "big"))
            texts.append(" ".join(words))
        elif texts and roll < 0.38:                   # the same bytes
            texts.append(rng.choice(texts))
        elif texts and roll < 0.5:                    # half of another, then its own words
            other = rng.choice(texts)
            texts.append(other[: len(other) // 2] + " " + random_article(rng, 3))
        else:
            texts.append(random_article(rng, rng.randint(2, 8)))
        if rng.random() < 0.4:
            texts[-1] = texts[-1] + "\n" + FURNITURE + "\n"
    texts[10:10] = ["* * *"] * 3                     # same bytes, no words to sketch
    return [Document(f"d{k:03d}", f"d{k:03d}", t, content_hash=f"h{abs(hash(t))}")
            for k, t in enumerate(texts)]


def _by_ids(docs: list, found, config: Config, only: set) -> tuple:
    pairs = {frozenset((docs[i].id, docs[j].id)) for i, j in found.pairs.tolist()
             if docs[i].id in only or docs[j].id in only}
    involved = {i for pair in found.pairs.tolist() for i in pair
                if {docs[pair[0]].id, docs[pair[1]].id} & only}
    topics = {docs[i].id: found.topics[i].tolist() for i in involved if i in found.topics}
    used = {docs[i].id: found.furniture_used.get(i, "") for i in involved}
    return pairs, topics, used


@pytest.mark.parametrize("settings", [
    {},
    {"lsh_max_bucket": 3, "rewrite_max_df": 3, "boilerplate_min_docs": 4},
    {"topic_min_partners": 1, "topic_max_group": 3, "rewrite_min_shared": 2},
    {"lsh_threshold": 0.95, "rewrite_max_df": 3, "rewrite_min_shared": 2},
], ids=["defaults", "small-limits", "small-topic-groups", "rewrite-keys-only"])
@pytest.mark.parametrize("seed", [1, 2])
def test_lookups_give_the_corpus_stage_of_the_whole_corpus(tmp_path, settings, seed):
    config = Config(workers=1, **settings)
    docs = _corpus(seed)
    rng = random.Random(seed)
    checked = rng.sample(docs, 12) + [docs[12]]
    checked_ids = {d.id for d in checked}
    archived = [d for d in docs if d.id not in checked_ids]
    again = [d for d in checked[:3]]                 # already archived, under their id
    with open_archive(tmp_path / "a.db", config) as archive:
        add_articles(archive, archived[:60] + again, config)
        index = ArchiveIndex(config)
        index.refresh(archive)
        add_articles(archive, archived[60:], config)  # after the index was built
        updated = archived[5]
        add_articles(archive, [Document(updated.id, updated.id, random_article(rng, 4))],
                     config)                          # a superseded version
        index.refresh(archive)
        new = sketch_texts([d.text for d in checked], config)
        looked = lookup_corpus(index, archive, checked, new, config)
        current = [d for d in archived if d.id != updated.id] + \
            [Document(updated.id, updated.id, archive.text_at(archive.current_rows(
                [updated.id])[0]))]
        current.sort(key=lambda d: archive.current_rows([d.id])[0])
    whole = current + checked
    reference = candidate_stage([d.content_hash for d in whole],
                                sketch_texts([d.text for d in whole], config), config)
    expected = _by_ids(whole, reference, config, checked_ids)
    got = _by_ids(looked.docs, looked.found, config, checked_ids)
    assert expected[0], "the corpus makes candidates"
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    assert got[2] == expected[2]
    assert looked.found.furniture <= reference.furniture


def test_an_index_kept_by_a_long_running_process_sees_articles_added_by_another(tmp_path,
                                                                                corpus_dir):
    config = Config(workers=1)
    rng = random.Random(3)
    source = random_article(rng, 10)
    copy = Document("copy", "copy", source.replace(" the ", " a ", 2))
    with open_archive(tmp_path / "a.db", config) as serving:
        add_articles(serving, [Document(f"x{k}", f"x{k}", random_article(rng, 5))
                               for k in range(20)], config)
        index = ArchiveIndex(config)
        assert not check_articles(serving, [copy], config, index=index)
        with open_archive(tmp_path / "a.db", config) as other:   # another connection
            add_articles(other, [Document("source", "source", source)], config)
        matches = check_articles(serving, [copy], config, index=index)
    assert [sorted((m.pair.a, m.pair.b)) for m in matches] == [["copy", "source"]]
    assert index.articles == 21
    assert np.all(np.diff(index.segments[-1].positions) > 0)


def _flag(pair_id: str, a: str, b: str, probability: float, words: int) -> dict:
    return {"pair_id": pair_id, "a": a, "b": b, "verdict": "derivative", "source": b,
            "scores": {"probability": probability, "coverage_a": 0.8, "coverage_b": 0.3,
                       "aligned_words_a": words, "aligned_words_b": words}}


def test_the_queue_pages_by_strength_filters_by_state_and_source(tmp_path):
    from derivdetect.engines.archive import queue, queue_page, review
    from derivdetect.errors import InputError

    config = Config(workers=1)
    with open_archive(tmp_path / "a.db", config) as archive:
        add_articles(archive, [Document("wire/1", "wire/1", "x y z", byline="Agency Wire"),
                               Document("paper/2", "paper/2", "x y", url="https://daily.example/2")],
                     config)
        archive.remember_flags([_flag(f"p{k:03d}", f"n{k}", "wire/1" if k % 2 else "paper/2",
                                      k / 100, 50) for k in range(95)])
        seen, cursor = [], None
        while True:
            page = queue_page(archive, limit=20, cursor=cursor)
            assert page.total == 95 and len(page.items) <= 20
            seen += [item["pair_id"] for item in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == [f"p{k:03d}" for k in range(94, -1, -1)]
        review(archive, "p094", "licensed", note="deal", by="ana")
        assert queue_page(archive).total == 94
        assert [i["pair_id"] for i in queue_page(archive, "licensed").items] == ["p094"]
        assert queue_page(archive, "licensed").items[0]["state_reason"].startswith(
            "licensed by ana")
        assert queue_page(archive, source="agency").total == 47
        assert queue_page(archive, source="daily.example", state=None).total == 48
        archive.remember_flags([_flag("p094", "n94", "paper/2", 0.94, 200)])  # grew: reopened
        assert queue(archive)[0]["pair_id"] == "p094"
        with pytest.raises(InputError, match="not a queue cursor"):
            queue_page(archive, cursor="nonsense")


def test_a_schema_1_archive_is_migrated_with_its_flags(tmp_path):
    import sqlite3

    from derivdetect.engines.archive import queue

    config = Config(workers=1)
    path = tmp_path / "old.db"
    text = "Schema one kept texts as plain TEXT \udcff, and flags without their words."
    with open_archive(path, config) as archive:
        add_articles(archive, [Document("a", "a", text)], config)
        archive.remember_flags([_flag("p1", "a", "b", 0.9, 40), _flag("p2", "a", "c", 0.5, 10)])
    db = sqlite3.connect(path)
    db.execute("DROP INDEX flags_strength")
    db.execute("ALTER TABLE flags DROP COLUMN words")
    db.execute("ALTER TABLE flags DROP COLUMN remembered")          # schema 3's
    db.execute("ALTER TABLE flags DROP COLUMN remembered_reason")
    db.execute("DROP TABLE checked")
    db.execute("ALTER TABLE articles ADD COLUMN text TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE articles SET text = ?", ("Schema one kept texts as plain TEXT.",))
    db.execute("ALTER TABLE articles DROP COLUMN body")
    db.execute("ALTER TABLE articles DROP COLUMN chars")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with open_archive(path, config) as archive:
        assert archive.db.execute("PRAGMA user_version").fetchone()[0] == 3
        assert dict(archive.db.execute("SELECT pair_id, words FROM flags")) == {"p1": 40, "p2": 10}
        assert [f["pair_id"] for f in queue(archive)] == ["p1", "p2"]
        assert archive.article("a")["text"] == "Schema one kept texts as plain TEXT."
        assert archive.documents()[0].chars == len("Schema one kept texts as plain TEXT.")


def test_a_schema_2_archive_keeps_each_flags_remembered_state(tmp_path):
    """Schema 2 kept a flag's remembered state (``licensed``) only in its JSON record;
    schema 3 has it in columns the queue reads: the queue is the same after the move."""
    import sqlite3

    from derivdetect.engines.archive import queue_page

    config = Config(workers=1)
    path = tmp_path / "two.db"
    licensed = {**_flag("p1", "a", "b", 0.9, 40), "state": "licensed",
                "state_reason": "licensed by ana"}
    with open_archive(path, config) as archive:
        archive.remember_flags([licensed, _flag("p2", "a", "c", 0.5, 10)])
        before = {state: [f["pair_id"] for f in queue_page(archive, state).items]
                  for state in ("licensed", "unreviewed")}
    assert before == {"licensed": ["p1"], "unreviewed": ["p2"]}
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE flags DROP COLUMN remembered")
    db.execute("ALTER TABLE flags DROP COLUMN remembered_reason")
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    with open_archive(path, config) as archive:
        assert archive.db.execute("PRAGMA user_version").fetchone()[0] == 3
        assert dict(archive.db.execute("SELECT pair_id, remembered FROM flags")) == {
            "p1": "licensed", "p2": None}
        page = queue_page(archive, "licensed")
        assert [(f["pair_id"], f["state_reason"]) for f in page.items] == [
            ("p1", "licensed by ana")]
        assert [f["pair_id"] for f in queue_page(archive, "unreviewed").items] == ["p2"]


def test_the_key_index_is_kept_beside_the_archive_and_only_used_when_current(tmp_path):
    config = Config(workers=1)
    rng = random.Random(8)
    source = random_article(rng, 10)
    copy = Document("copy", "copy", source.replace(" the ", " a ", 2))
    path = tmp_path / "a.db"
    side = tmp_path / "a.db.keys"
    with open_archive(path, config) as archive:
        add_articles(archive, [Document(f"x{k}", f"x{k}", random_article(rng, 5))
                               for k in range(10)], config)
        assert not check_articles(archive, [copy], config)
    assert side.exists()
    made = side.stat().st_mtime_ns
    with open_archive(path, config) as archive:            # added after the file was saved
        add_articles(archive, [Document("source", "source", source)], config)
        assert len(check_articles(archive, [copy], config)) == 1
    assert side.stat().st_mtime_ns != made
    with open_archive(path, config) as archive:
        assert ArchiveIndex.for_archive(archive, config).articles == 11
    side.write_bytes(b"not an index")                       # damaged: built again
    with open_archive(path, config) as archive:
        assert len(check_articles(archive, [copy], config)) == 1
    kept = side.read_bytes()
    path.unlink()                                            # another archive, same name
    with open_archive(path, config) as archive:
        add_articles(archive, [Document("y", "y", random_article(rng, 5))], config)
        side.write_bytes(kept)
        assert ArchiveIndex.for_archive(archive, config).articles == 1
        assert not check_articles(archive, [copy], config)
    other = Config(workers=1, lsh_threshold=0.5)             # other LSH bands: not reused
    with open_archive(path, other) as archive:
        ArchiveIndex.for_archive(archive, other)
        fresh = ArchiveIndex(config)
        fresh.refresh(archive)
        reused = ArchiveIndex.for_archive(archive, config)
        assert np.array_equal(reused.segments[0].band_keys, fresh.segments[0].band_keys)
        assert ArchiveIndex(other).settings_key(archive) != fresh.settings_key(archive)


def test_an_index_built_in_small_chunks_and_merged_equals_one_built_at_once(tmp_path,
                                                                              monkeypatch):
    from dataclasses import fields

    from derivdetect.engines import archive_index
    from derivdetect.stages.lookup import KeySegment

    config = Config(workers=1)
    with open_archive(tmp_path / "a.db", config) as archive:
        add_articles(archive, _corpus(4, 60), config)
        whole = ArchiveIndex(config)
        whole.refresh(archive)
        monkeypatch.setattr(archive_index, "LOAD_ROWS", 7)
        chunked = ArchiveIndex(config)
        chunked.refresh(archive)
    assert len(whole.segments) == len(chunked.segments) == 1
    for f in fields(KeySegment):
        assert np.array_equal(getattr(whole.segments[0], f.name),
                              getattr(chunked.segments[0], f.name)), f.name


def test_flags_keep_one_judgement_per_pair_their_licence_and_the_texts_judged(tmp_path):
    """From a review: a licensed flag came back as unreviewed in the queue, two versions of
    an article left two flags, a checked draft's text stood in for its published version,
    and the source filter folded only ASCII and missed checked articles."""
    from derivdetect.engines.archive import Match, queue_page, remember
    from derivdetect.report.review import pair_from_record

    config = Config(workers=1)
    with open_archive(tmp_path / "a.db", config) as archive:
        add_articles(archive, [Document("wire/1", "wire/1", "The wire story as sent.",
                                        byline="Agence Öst")], config)
        draft = Document("desk/9", "desk/9", "A first draft of the story.", byline="Ärzte",
                         content_hash="h-draft")
        final = Document("desk/9", "desk/9", "The story as published.", content_hash="h-final")

        def match(pair_id, state="unreviewed", reason="not reviewed yet"):
            record = _flag(pair_id, "desk/9", "wire/1", 0.8, 30)
            record.update(state=state, state_reason=reason, passages=[], reasons=[],
                          extent="partially", source_reason="")
            return Match(pair_from_record(record), state, reason, "desk/9")

        remember(archive, [match("v1", "licensed", "the source wire/1 is Öst")], [draft])
        assert [f["pair_id"] for f in queue_page(archive, "licensed").items] == ["v1"]
        assert queue_page(archive).total == 0
        assert queue_page(archive, None, source="ärzte").total == 1      # a checked byline
        assert queue_page(archive, None, source="ÖST").total == 1        # not only ASCII
        add_articles(archive, [final], config)
        remember(archive, [match("v2")], [])            # the published version, judged again
        assert [f["pair_id"] for f in queue_page(archive, None).items] == ["v2"]
        v2 = archive.flag("v2")
        assert v2["content_hashes"] == {"desk/9": "h-final",
                                        "wire/1": archive.current_version("wire/1")[1]}
        assert archive.judged_document("desk/9", "h-final").text == final.text
        assert archive.judged_document("desk/9", "h-draft").text == draft.text
        add_articles(archive, [draft], config)           # the draft archived after all
        assert archive.db.execute("SELECT count(*) FROM checked").fetchone()[0] == 0
        assert archive.judged_document("desk/9", "h-draft").text == draft.text

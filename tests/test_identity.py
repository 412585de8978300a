"""Stable ids and judgements that know what they depend on."""

import json
import shutil

from typer.testing import CliRunner

from conftest import CORPUS
from derivdetect.cli import app
from derivdetect.models import Document, pair_id

runner = CliRunner()
SOURCE = "001_3d3443b8b15dbcff.txt"
REWRITE = "000_2db2f79e78af98da.txt"


def _copy_corpus(folder):
    folder.mkdir()
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    return folder


def _scan(folder, out):
    result = runner.invoke(app, ["scan", str(folder), "--out", str(out), "-q", "--workers", "1"])
    assert result.exit_code == 0, result.output
    return json.loads((out / "pairs.json").read_text(encoding="utf-8"))


def _seed_pair(data):
    return next(p for p in data["pairs"] if {p["a"], p["b"]} == {SOURCE, REWRITE})


def test_a_pair_keeps_its_id_and_page_when_the_folder_around_it_changes(tmp_path):
    folder = _copy_corpus(tmp_path / "in")
    first = _seed_pair(_scan(folder, tmp_path / "r1"))
    (folder / "other.txt").write_text("An unrelated note about the weather in Lisbon. " * 20,
                                      encoding="utf-8")
    again = _seed_pair(_scan(folder, tmp_path / "r2"))
    assert first["pair_id"] == again["pair_id"]
    assert len(first["pair_id"]) == 16
    pages = list((tmp_path / "r2" / "pairs").glob(f"*--{first['pair_id']}.html"))
    assert len(pages) == 1
    csv_header = (tmp_path / "r2" / "pairs.csv").read_text(encoding="utf-8").splitlines()[0]
    assert csv_header.endswith(",pair_id")


def test_the_pair_id_follows_the_texts_and_labels_not_the_order():
    a = Document("a.txt", "a.txt", "one text", content_hash="h1")
    b = Document("b.txt", "b.txt", "another text", content_hash="h2")
    b_twin = Document("c.txt", "c.txt", "another text", content_hash="h2")
    edited = Document("a.txt", "a.txt", "one text, edited", content_hash="h3")
    assert pair_id(a, b) == pair_id(b, a)
    assert pair_id(a, b) != pair_id(a, b_twin)      # two files with one text: two articles
    assert pair_id(a, b) != pair_id(edited, b)      # a new version of a text: a new pair
    assert a.key == Document("moved/a.txt", "moved/a.txt", "one text", content_hash="h1").key


def test_a_judgement_is_kept_when_a_line_becomes_common_elsewhere(tmp_path):
    """A growing folder must not re-judge every pair when furniture appears in other
    articles; a pair whose own text holds the new furniture is judged again."""
    folder = _copy_corpus(tmp_path / "in")
    out = tmp_path / "r"
    first = _scan(folder, out)
    line = "Subscribe to our newsletter for the best stories from the region every day"
    others = sorted(p.name for p in folder.glob("*.txt") if p.name not in (SOURCE, REWRITE))
    for name in others:    # three articles now share a line: furniture, outside the seed pair
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8") + "\n\n" + line + "\n",
                        encoding="utf-8")
    second = _scan(folder, out)
    assert second["scan"]["stats"]["furniture_lines"] > first["scan"]["stats"]["furniture_lines"]
    assert second["scan"]["stats"]["judgements_reused"] >= 1
    assert _seed_pair(second) == _seed_pair(first)
    rewrite = folder / REWRITE       # now the seed pair holds the furniture line too
    rewrite.write_text(rewrite.read_text(encoding="utf-8") + "\n\n" + line + "\n",
                       encoding="utf-8")
    third = _scan(folder, out)
    assert _seed_pair(third)["pair_id"] != _seed_pair(first)["pair_id"]
    fresh = _scan(folder, tmp_path / "fresh")
    assert third["pairs"] == fresh["pairs"]


def test_a_pair_is_judged_again_when_a_line_it_holds_becomes_furniture(tmp_path):
    """Both seed texts end with one line; once a third article carries it, it is furniture:
    the pair's judgement must change as a fresh scan's does, though neither text changed."""
    folder = _copy_corpus(tmp_path / "in")
    line = "And so it is, as it was, and as it will be for all of us"  # no content words
    for name in (SOURCE, REWRITE):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8") + "\n\n" + line + "\n",
                        encoding="utf-8")
    out = tmp_path / "r"
    before = _seed_pair(_scan(folder, out))
    third = folder / "notice.txt"
    third.write_text("A notice about opening hours of the town library this winter.\n\n"
                     + line + "\n", encoding="utf-8")     # not a candidate of either
    assert not any("notice.txt" in (p["a"], p["b"]) for p in _scan(folder, tmp_path / "x")["pairs"])
    after = _scan(folder, out)
    fresh = _scan(folder, tmp_path / "fresh")
    assert after["pairs"] == fresh["pairs"]
    assert _seed_pair(after)["scores"] != before["scores"]


def test_every_setting_and_the_code_that_shape_a_sketch_key_its_cache(tmp_path, monkeypatch):
    from derivdetect import Config
    from derivdetect.engines.local import scan
    from derivdetect.store import cache

    base = Config(workers=1)
    changed = {"shingle_words": 4, "num_perm": 64, "seed": 2, "rewrite_key_words": 3,
               "boilerplate_max_words": 30, "encoding": "latin-1", "html_extractor": "text"}
    assert set(changed) == set(cache.SKETCH_SETTINGS)
    prints = {cache.fingerprint(base.replace(**{k: v})) for k, v in changed.items()}
    assert len(prints | {cache.fingerprint(base)}) == len(changed) + 1
    first = scan(CORPUS, base, cache_dir=tmp_path)
    assert first.stats["sketches_reused"] == 0
    assert scan(CORPUS, base, cache_dir=tmp_path).stats["sketches_reused"] == 5
    assert scan(CORPUS, base.replace(shingle_words=4),
                cache_dir=tmp_path).stats["sketches_reused"] == 0
    scan(CORPUS, base, cache_dir=tmp_path)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "other code")
    assert scan(CORPUS, base, cache_dir=tmp_path).stats["sketches_reused"] == 0


def test_a_scan_that_reused_every_sketch_leaves_the_cache_file_as_it_was(tmp_path):
    """A nightly scan of a folder that did not change writes no 380 MB cache again."""
    from derivdetect import Config
    from derivdetect.engines.local import scan
    from derivdetect.store.cache import CACHE_NAME

    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    cache_dir = tmp_path / "cache"
    scan(folder, Config(workers=1), cache_dir=cache_dir)
    saved = (cache_dir / CACHE_NAME).stat().st_mtime_ns
    again = scan(folder, Config(workers=1), cache_dir=cache_dir)
    assert again.stats["sketches_reused"] == 5
    assert (cache_dir / CACHE_NAME).stat().st_mtime_ns == saved
    (folder / "extra.txt").write_text("A new article about the harbour council and its vote.")
    scan(folder, Config(workers=1), cache_dir=cache_dir)
    assert (cache_dir / CACHE_NAME).stat().st_mtime_ns != saved
    saved = (cache_dir / CACHE_NAME).stat().st_mtime_ns
    (folder / "extra.txt").unlink()                 # a document gone: the file shrinks
    scan(folder, Config(workers=1), cache_dir=cache_dir)
    assert (cache_dir / CACHE_NAME).stat().st_mtime_ns != saved

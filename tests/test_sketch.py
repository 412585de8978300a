"""The compiled sketch path against the reference one, on hostile and multilingual text."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS
from derivdetect.compiled.chars import char_classes, code_points, compiled
from derivdetect.config import Config
from derivdetect.stages.sketch import Sketches, sketch_texts
from derivdetect.text.boilerplate import _blocks
from derivdetect.text.normalize import TOKEN_RE

# Characters where tokenizing, line splitting and stripping have edge cases.
TRICKY = ("ab Z9_'’.,-\n\r\t \x0b\x0c\x1c\x85\u2028\u2029\u00a0\u3000é\u0301ßİ"
          "ﬁ²٣๑漢字かナไทยБжΣς\u200d\u05d0\u0627" "\U0001d400\U0001f600" "\ud800")
tricky_text = st.text(alphabet=st.sampled_from(TRICKY), max_size=300)
any_text = st.text(max_size=200)
seed_text = st.sampled_from(sorted(p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")))
texts = st.lists(tricky_text | any_text | seed_text, min_size=1, max_size=6)


def _same(a: Sketches, b: Sketches) -> None:
    for name in a.__dataclass_fields__:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


@settings(max_examples=150, deadline=None)
@given(texts, st.sampled_from([(5, 2, 128), (3, 1, 16), (1, 3, 64)]))
def test_compiled_sketches_equal_the_reference(batch, shape):
    words, keys, num_perm = shape
    config = Config(shingle_words=words, rewrite_key_words=keys, num_perm=num_perm)
    _same(sketch_texts(batch, config, fast=True), sketch_texts(batch, config, fast=False))


@settings(max_examples=200, deadline=None)
@given(st.lists(tricky_text | any_text, min_size=1, max_size=4))
def test_compiled_tokens_and_units_are_the_patterns_own(batch):
    k = compiled()
    cps = np.concatenate([code_points(t) for t in batch])
    ends = np.cumsum([len(t) for t in batch]).astype(np.int64)
    starts, stops, _, per_doc = k.tokenize(cps, ends, char_classes())
    block_s, block_e, blocks_per_doc = k.line_blocks(cps, ends, char_classes(), 60)
    offset, t0, b0 = 0, 0, 0
    for d, text in enumerate(batch):
        expected = [(m.start() + offset, m.end() + offset) for m in TOKEN_RE.finditer(text)]
        assert list(zip(starts[t0:per_doc[d]].tolist(), stops[t0:per_doc[d]].tolist())) == expected
        units = [(s + offset, e + offset) for s, e in _blocks(text)]
        got = list(zip(block_s[b0:blocks_per_doc[d]].tolist(),
                       block_e[b0:blocks_per_doc[d]].tolist()))
        assert got == units
        offset, t0, b0 = offset + len(text), per_doc[d], blocks_per_doc[d]


def test_same_raw_token_hash_means_same_token():
    # Distinct raw tokens that normalize alike keep distinct raw hashes (İ vs i̇, ﬁ vs fi).
    text = "İstanbul i̇stanbul ﬁle file FILE file’s file's"
    k = compiled()
    starts, stops, raw, _ = k.tokenize(code_points(text), np.array([len(text)]), char_classes())
    tokens = [text[s:e] for s, e in zip(starts.tolist(), stops.tolist())]
    assert len(set(raw.tolist())) == len(set(tokens))


def test_batch_order_and_split_do_not_change_a_documents_sketch():
    docs = sorted(p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt"))
    config = Config()
    whole = sketch_texts(docs, config, fast=True)
    alone = Sketches.concat([sketch_texts([d], config, fast=True) for d in reversed(docs)],
                            config.num_perm)
    _same(whole, alone.take(np.arange(len(docs))[::-1]))


@settings(max_examples=150, deadline=None)
@given(tricky_text | any_text | seed_text)
def test_compiled_analysis_equals_the_reference(text):
    from derivdetect.compiled.vocabulary import analyze_compiled
    from derivdetect.text.normalize import analyze
    from derivdetect.text.shingle import token_hashes

    reference = analyze(text)
    compiled_, forms, stems = analyze_compiled(text)
    assert compiled_.language == reference.language
    assert compiled_.forms == reference.forms
    assert compiled_.stems == reference.stems
    assert np.array_equal(compiled_.starts, reference.starts)
    assert np.array_equal(compiled_.ends, reference.ends)
    assert np.array_equal(compiled_.content, reference.content)
    assert compiled_.sentences == reference.sentences
    assert np.array_equal(forms, token_hashes(reference.forms))
    assert np.array_equal(stems, token_hashes(reference.stems))


def test_compiled_and_reference_preparation_judge_pairs_alike():
    from derivdetect.engines.local import judge, prepare
    from derivdetect.models import Document

    docs = [Document(id=p.name, path=p.name, text=p.read_text(encoding="utf-8"))
            for p in sorted(CORPUS.glob("*.txt"))]
    config = Config()
    for fast in (False, True):
        prepared = [prepare(d, config, fast=fast) for d in docs]
        pair = judge(prepared[0], prepared[1], config)
        if not fast:
            expected = pair
    assert pair.scores == expected.scores and pair.passages == expected.passages


def test_vocabulary_keeps_ids_stable_while_its_tables_grow():
    from derivdetect.compiled.vocabulary import _Vocabulary
    from derivdetect.text.normalize import form_of
    from derivdetect.text.shingle import token_hashes

    k = compiled()
    vocabulary = _Vocabulary()
    words = [f"Word{i}’s" if i % 3 else f"{i:,}" for i in range(120_000)]
    text = " ".join(words)
    starts, stops, raw, _ = k.tokenize(code_points(text), np.array([len(text)]), char_classes())
    tokens = [text[s:e] for s, e in zip(starts.tolist(), stops.tolist())]
    first = {}
    for lo in range(0, len(raw), 25_000):          # several batches: the table is rebuilt
        chunk = slice(lo, lo + 25_000)
        ids, _, _ = vocabulary.lookup(k, raw[chunk], lambda t, lo=lo: tokens[lo + t])
        for token, i in zip(tokens[chunk], ids.tolist()):
            assert first.setdefault(token, i) == i
    again, form_hashes, _ = vocabulary.lookup(k, raw, lambda t: tokens[t])
    assert [first[t] for t in tokens] == again.tolist()
    assert len(vocabulary.slots) > 1 << 16
    assert np.array_equal(form_hashes, token_hashes([form_of(t) for t in tokens]))


def test_threads_sketching_at_once_share_one_vocabulary_safely(monkeypatch):
    # A scan sketches batches on several threads, all growing one vocabulary: every
    # batch must come out as if it had been sketched alone.
    from concurrent.futures import ThreadPoolExecutor

    from derivdetect.compiled import vocabulary

    rng = np.random.default_rng(3)
    words = [f"w{i}ord" for i in range(30_000)] + ["the", "and", "of", "said"] * 500
    batches = [[" ".join(rng.choice(words, 400).tolist()) for _ in range(40)] for _ in range(16)]
    config = Config()
    monkeypatch.setattr(vocabulary, "_VOCABULARY", vocabulary._Vocabulary())
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda b: sketch_texts(b, config, fast=True), batches))
    for batch, sketches in zip(batches, together):
        _same(sketches, sketch_texts(batch, config, fast=False))


def test_character_classes_agree_with_the_string_methods_everywhere():
    from derivdetect.compiled.chars import LINE_BREAK, SPACE

    table = char_classes()
    every = [chr(c) for c in range(0x110000)]
    assert [bool(table[c] & SPACE) for c in range(0x110000)] == [ch.isspace() for ch in every]
    breaks = {c for c in range(0x110000) if len(("a" + every[c] + "b").splitlines()) > 1}
    assert breaks == set(np.flatnonzero(table & LINE_BREAK).tolist())


def test_the_sketch_fields_are_defined_once_and_stored_as_defined(tmp_path):
    from derivdetect.stages.sketch import SKETCH_FIELDS
    from derivdetect.store.cache import SketchSpill, load_sketches, save_sketches

    assert tuple(Sketches.__dataclass_fields__) == tuple(SKETCH_FIELDS)
    config = Config()
    table = sketch_texts([p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))],
                         config)
    for name, dtype in SKETCH_FIELDS.items():
        assert getattr(table, name).dtype == dtype, name
    spill = SketchSpill(config.num_perm)
    spill.append(table)
    _same(spill.table(), table)
    keys = [f"txt:{i}" for i in range(len(table))]
    save_sketches(tmp_path, config, keys, table)
    _same(load_sketches(tmp_path, config).select(keys), table)

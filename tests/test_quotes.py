"""Shared direct speech is evidence of a shared event, not of copying."""

import random

import pytest

from conftest import CORPUS, random_article
from derivdetect import Config
from derivdetect.models import Document
from derivdetect.stages.judge import compare_documents
from derivdetect.stages.reuse import ReuseModel, load_model, reuse_features
from derivdetect.text.quotes import quote_spans

SOURCE = "001_3d3443b8b15dbcff.txt"
REWRITE = "000_2db2f79e78af98da.txt"


def _quoted(text: str) -> list:
    return [text[a:b] for a, b in quote_spans(text)]


@pytest.mark.parametrize("text, expected", [
    ('He said "we will win" and left.', ['"we will win"']),
    ("She said “we will win” today.", ["“we will win”"]),
    ("Il a dit « nous gagnerons » hier.", ["« nous gagnerons »"]),
    ("Er sagte »wir gewinnen« gestern.", ["»wir gewinnen«"]),
    ("Er sagte „wir gewinnen“ gestern.", ["„wir gewinnen“"]),
    ("彼は「勝つ」と言った。", ["「勝つ」"]),
    ("saying: ``I am very happy to announce\nthat I am engaged.''<\nBut", [
        "``I am very happy to announce\nthat I am engaged.''"]),
    ("the headline `TO SIGN AGREEMENT' ran", ["`TO SIGN AGREEMENT'"]),
    ("'I am delighted,' he said.", ["'I am delighted,'"]),
    ("— ¿Vienes mañana?\n— Sí, claro.", ["— ¿Vienes mañana?", "— Sí, claro."]),
])
def test_the_common_quotation_styles_are_found(text, expected):
    assert _quoted(text) == expected


def test_apostrophes_and_paragraph_breaks_are_not_quotes():
    assert _quoted("It's John's car and the Smiths' house, isn't it?") == []
    opened = 'He said "this runs on\n\nbut the next paragraph is prose.'
    assert _quoted(opened) == ['"this runs on']


def _report(prose: str, rnd: random.Random) -> str:
    return random_article(rnd, 8) + "\n\n" + prose + "\n\n" + random_article(rnd, 8)


QUOTE = ("we have looked at every option for the hospital in the valley and the money is "
         "simply not there this year, so the wards will close in the spring and the staff "
         "will move to the city site where the new building opens")


def test_a_long_shared_quote_alone_does_not_make_a_copy_but_the_same_prose_does():
    rnd = random.Random(7)
    config = Config(workers=1)
    quoted_a = Document("a.txt", "a.txt", _report(f'The minister said: "{QUOTE}."', rnd))
    quoted_b = Document("b.txt", "b.txt", _report(f'"{QUOTE}," the minister told reporters.', rnd))
    pair = compare_documents(quoted_a, quoted_b, config)
    assert [p.kind for p in pair.passages if p.kind != "paraphrase"] == ["quote"]
    assert pair.scores["longest_prose_run_words"] == 0
    assert pair.scores["longest_exact_words"] >= 40
    assert pair.verdict not in ("derivative", "near-duplicate", "verbatim")
    assert any("quoted in both" in r for r in pair.reasons)
    lifted_a = Document("a.txt", "a.txt", quoted_a.text.replace('"', ""))
    lifted_b = Document("b.txt", "b.txt", quoted_b.text.replace('"', ""))
    lifted = compare_documents(lifted_a, lifted_b, config)
    assert lifted.verdict == "derivative"
    assert lifted.scores["longest_prose_run_words"] >= 40


def test_the_model_is_plain_data_and_ranks_the_rewrite_above_independent_reports():
    model = load_model()
    assert isinstance(model, ReuseModel)
    assert ReuseModel.from_dict(model.to_dict()) == model
    assert set(model.features) == set(reuse_features(_scores(REWRITE, SOURCE)))
    config = Config(workers=1)
    rewrite = _judge(REWRITE, SOURCE, config)
    assert rewrite.verdict == "derivative" and rewrite.scores["probability"] >= 0.8
    for other in sorted(p.name for p in CORPUS.glob("00[2-4]_*.txt")):
        independent = _judge(SOURCE, other, config)
        assert independent.scores["probability"] < rewrite.scores["probability"] - 0.3, other


def test_more_shared_prose_never_lowers_the_probability():
    model = load_model()
    base = reuse_features(_scores(REWRITE, SOURCE))
    for name in ("prose_coverage", "content_containment", "aligned_sentence_share"):
        lower = model.probability({**base, name: base[name] * 0.5})
        assert lower < model.probability(base), name


def test_a_demanding_probability_gate_drops_the_rewrite(tmp_path):
    strict = Config(workers=1, min_probability=0.99)
    pair = _judge(REWRITE, SOURCE, strict)
    assert pair.verdict == "related"
    assert any("reuse probability" in r for r in pair.reasons)


def _doc(name: str) -> Document:
    return Document(name, name, (CORPUS / name).read_text(encoding="utf-8"))


def _judge(a: str, b: str, config: Config):
    return compare_documents(_doc(a), _doc(b), config)


def _scores(a: str, b: str) -> dict:
    return _judge(a, b, Config(workers=1)).scores

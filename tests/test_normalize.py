"""Tokens and sentences point back into the original text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from derivdetect.text.normalize import analyze, normalize_text, normalize_token


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_token_offsets_map_back_to_the_original(text):
    an = analyze(text)
    last_end = 0
    for form, start, end in zip(an.forms, an.starts, an.ends):
        assert 0 <= last_end <= start < end <= len(text)
        assert normalize_token(text[start:end]) == form
        last_end = end


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_sentences_partition_the_tokens_in_order(text):
    an = analyze(text)
    covered = [t for first, end in an.sentences for t in range(first, end)]
    assert covered == list(range(len(an.forms)))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_normalization_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_reformatting_does_not_change_the_normalized_text():
    a = "“Russia has betrayed us,” he said.\nThe 120,000 residents — fled."
    b = '"RUSSIA  has betrayed\r\nus," he said. The 120000 residents - fled.'
    assert normalize_text(a) == normalize_text(b)


def test_sentence_splitter_survives_abbreviations_and_quotes():
    text = ('Mr. Smith flew to the U.S. on Jan. 5. He said: "We will stay." '
            'Dr. Jones, 45, disagreed. Prices rose 3.5 percent.')
    an = analyze(text)
    sentences = [text[s:e] for s, e in an.sentence_spans()]
    assert sentences == [
        "Mr. Smith flew to the U.S. on Jan. 5",
        'He said: "We will stay',
        "Dr. Jones, 45, disagreed",
        "Prices rose 3.5 percent",
    ]


def test_unspaced_scripts_become_character_tokens():
    an = analyze("北京是中国的首都。我爱北京。")
    assert an.forms[:4] == ("北", "京", "是", "中")
    assert len(an.sentences) == 2


def test_language_detection_drives_stemming():
    en = analyze("The refugees were fleeing from the region and the peacekeepers were leaving it.")
    assert en.language == "en"
    assert "refuge" in en.stems
    ru = analyze("Беженцы покидают регион, и миротворцы не смогли их защитить, как и обещали.")
    assert ru.language == "ru"
    unknown = analyze("zzqx vvrk plomb trask")
    assert unknown.language == "und"
    assert unknown.stems == unknown.forms


SAFE_ALPHABET = st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z", "Cc"),
                              max_codepoint=0x24F) | st.sampled_from("’‘“”—–…€«»ЖжΩω ")


@settings(max_examples=300, deadline=None)
@given(st.text(SAFE_ALPHABET, max_size=200))
def test_fast_tokenizer_gives_the_reference_tokens(text):
    from derivdetect.text.normalize import FAST_TOKEN_RE, TOKEN_RE, tokenizer

    if tokenizer(text) is FAST_TOKEN_RE:
        assert FAST_TOKEN_RE.findall(text) == TOKEN_RE.findall(text)


def test_texts_outside_the_fast_scripts_use_the_reference_tokenizer():
    from derivdetect.text.normalize import TOKEN_RE, tokenizer

    for text in ("हिन्दी भाषा", "北京是中国的首都", "a\u200db", "שָׁלוֹם", "x²"):
        assert tokenizer(text) is TOKEN_RE


def test_words_stemmed_on_many_threads_at_once_get_their_own_stems():
    """A Snowball stemmer keeps the word it works on in itself: threads sharing one (a
    service judging requests at once) got each other's stems, or an IndexError."""
    import random
    import string
    from concurrent.futures import ThreadPoolExecutor

    import snowballstemmer

    from derivdetect.text.normalize import lexical

    rng = random.Random(11)
    suffixes = ("izations", "fulness", "ational", "iveness", "ousness", "ements", "ing")
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9))) +
             rng.choice(suffixes) for _ in range(40_000)]           # never seen: not memoized
    chunks = [["the"] * 5 + words[k: k + 500] for k in range(0, len(words), 500)]
    with ThreadPoolExecutor(8) as pool:
        stems = list(pool.map(lambda forms: lexical(forms, "en")[1][5:], chunks))
    reference = snowballstemmer.stemmer("english")
    assert [s for chunk in stems for s in chunk] == [reference.stemWord(w) for w in words]

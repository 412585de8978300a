"""Text analysis: tokens with offsets, normalized forms, stems, stopwords and sentences.

Tokens are found directly in the original text, so every token carries its exact character
offsets into ``Document.text``; normalization (NFKC, case folding, quote and digit-group
unification) only changes the token's *form*, never its position. That is the offset map:
anything built from tokens (shingles, passages) maps back to the original for free.

Spaced scripts are split on Unicode word boundaries; Han, Kana and Thai characters (written
without spaces) become one token each, so word n-grams over them are character n-grams.
Stopwords and stemming are applied only for a language detected with confidence and known to
both stopwords-iso and Snowball: nothing English-only is applied blindly.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import regex

UNSPACED_SCRIPTS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}"
WORD_CHAR = rf"[[\w--_]--[{UNSPACED_SCRIPTS}]]"
TOKEN_RE = regex.compile(
    rf"[{UNSPACED_SCRIPTS}]"
    rf"|\d+(?:[.,]\d{{3}})+(?!\d)"
    rf"|{WORD_CHAR}+(?:['’]{WORD_CHAR}+)*",
    regex.V1,
)
# The same tokens from the standard library's faster engine, for texts in scripts where the two
# agree (Latin, Greek, Cyrillic without combining marks, common punctuation): checked against
# TOKEN_RE by a property test.
FAST_TOKEN_RE = re.compile(r"\d+(?:[.,]\d{3})+(?!\d)|[^\W_]+(?:['’][^\W_]+)*")
_FAST_SAFE_RE = re.compile(
    "[\x00-\x7f\u00a0-\u00b1\u00b4-\u00b8\u00ba\u00bb\u00bf-\u024f\u0370-\u0482"
    "\u048a-\u052f\u2000-\u200b\u200e-\u203e\u2041-\u2053\u2055-\u206f\u20a0-\u20bf"
    "\u2100-\u214f]*")


def tokenizer(text: str):
    """The token pattern for ``text``: the fast one where it gives the same tokens."""
    return FAST_TOKEN_RE if _FAST_SAFE_RE.fullmatch(text) else TOKEN_RE


_DIGIT_GROUP_RE = regex.compile(r"(?<=\d)[.,](?=\d{3}(?!\d))")

# Sentence ends: terminal punctuation (with closing quotes/brackets) and whitespace, or an
# ideographic full stop, or a blank line.
_SENT_END_RE = regex.compile(
    r"(?:[.!?…]+[\"'”’»)\]<]*(?=\s)|[。！？]+[」』”’)]*|\n[ \t\r]*(?:\n|$)|<[ \t]*\r?\n)"
)
_NEXT_STARTS_SENTENCE_RE = regex.compile(r"[\s\p{Cc}\p{Cf}]*[\"'“‘«(\[`]*[\p{Lu}\p{Lo}\d]")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st jr sr gen col lt sgt capt cpt maj gov sen rep rev hon pres
    inc ltd co corp plc bros vs etc fig vol ed eds approx dept est
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    u.s u.k u.n e.g i.e a.m p.m d.c n.y l.a ph.d""".split()
)
MAX_SENTENCE_TOKENS = 80
_SHORT_LINE_CHARS = 45

# stopwords-iso code -> Snowball algorithm name, for languages both know.
SNOWBALL_LANGUAGES = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech",
    "da": "danish", "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian",
    "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian",
    "lt": "lithuanian", "no": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "es": "spanish",
    "sv": "swedish", "tr": "turkish",
}
MIN_STOPWORD_SHARE = 0.12
DETECT_SAMPLE = 200


@dataclass(frozen=True, eq=False)
class Analysis:
    """A text cut into tokens and sentences.

    ``forms`` are normalized tokens (what exact matching compares); ``stems`` are their stems
    where a stemmer applies (else the form); ``content`` marks tokens that are not stopwords.
    ``starts``/``ends`` are character offsets into the original text. ``sentences`` are token
    index ranges ``[start, end)``.
    """

    language: str
    forms: tuple
    stems: tuple
    starts: np.ndarray
    ends: np.ndarray
    content: np.ndarray
    sentences: tuple

    def __len__(self) -> int:
        return len(self.forms)

    def char_span(self, first_token: int, end_token: int) -> tuple[int, int]:
        """Character span ``[start, end)`` covering tokens ``first_token .. end_token-1``."""
        return int(self.starts[first_token]), int(self.ends[end_token - 1])

    def sentence_spans(self) -> list[tuple[int, int]]:
        return [self.char_span(s, e) for s, e in self.sentences]


def normalize_token(token: str) -> str:
    """The comparable form of one token: NFKC, case-folded, one apostrophe, no digit groups."""
    form = unicodedata.normalize("NFKC", token).casefold().replace("’", "'")
    if form[:1].isdigit():
        form = _DIGIT_GROUP_RE.sub("", form)
    return form


def normalize_text(text: str) -> str:
    """A canonical string of the text's tokens: what two re-formatted copies share exactly."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(normalize_token(m.group()) for m in TOKEN_RE.finditer(text))


@lru_cache(maxsize=None)
def _stopwords(lang: str) -> frozenset:
    import stopwordsiso

    words = stopwordsiso.stopwords(lang) or set()
    return frozenset(normalize_token(w) for w in words)


DETECTED_LANGUAGES = tuple(SNOWBALL_LANGUAGES)


@lru_cache(maxsize=1)
def stopword_languages() -> dict:
    """Each stopword -> a bit mask of the languages whose list holds it (one-pass detection)."""
    index: dict[str, int] = {}
    for bit, lang in enumerate(DETECTED_LANGUAGES):
        for word in _stopwords(lang):
            index[word] = index.get(word, 0) | (1 << bit)
    return index


def detect_language(forms) -> str:
    """The language whose stopwords cover most of the text, or ``und`` if none clearly does.

    Stopword share is a crude but fast and dependency-free detector that is right for the
    decision it drives: whether a stopword list and stemmer fit the text.
    """
    sample = forms[:DETECT_SAMPLE]
    if not sample:
        return "und"
    index = stopword_languages()
    masks = np.fromiter((index.get(f, 0) for f in sample), dtype=np.int64, count=len(sample))
    masks = masks[masks != 0]
    if not len(masks):
        return "und"
    bits = (masks[:, None] >> np.arange(len(DETECTED_LANGUAGES))) & 1
    counts = bits.sum(axis=0)
    best = int(np.argmax(counts))
    if counts[DETECTED_LANGUAGES.index("en")] == counts[best]:
        best = DETECTED_LANGUAGES.index("en")
    return DETECTED_LANGUAGES[best] if counts[best] / len(sample) >= MIN_STOPWORD_SHARE else "und"


_stemmers = threading.local()


def _stemmer(lang: str):
    """Snowball stemmer for ``lang`` (PyStemmer's C version when installed); numbers as-is.
    One per thread: a stemmer keeps the word it works on in itself, so two threads sharing
    one (a service judging two requests at once) get each other's stems."""
    import snowballstemmer

    made = getattr(_stemmers, "by_lang", None)
    if made is None:
        made = _stemmers.by_lang = {}
    if lang not in made:
        stem_word = snowballstemmer.stemmer(SNOWBALL_LANGUAGES[lang]).stemWord
        made[lang] = lambda word: word if word[:1].isdigit() else stem_word(word)
    return made[lang]


def _is_unspaced(form: str) -> bool:
    return len(form) == 1 and regex.match(rf"[{UNSPACED_SCRIPTS}]", form) is not None


_MEMO_LIMIT = 1_000_000
_form_memo: dict[str, str] = {}


def form_of(raw: str) -> str:
    """:func:`normalize_token`, memoized."""
    form = _form_memo.get(raw)
    if form is None:
        form = normalize_token(raw)
        if len(_form_memo) < _MEMO_LIMIT:
            _form_memo[raw] = form
    return form


class _Lexicon:
    """Stem and stopword status of each form in one language, memoized."""

    def __init__(self, lang: str):
        self.lang = lang
        self.memo: dict[str, tuple[str, bool]] = {}
        if lang in SNOWBALL_LANGUAGES:
            self.stop = _stopwords(lang)
        else:
            self.stop = None

    def __call__(self, form: str) -> tuple[str, bool]:
        entry = self.memo.get(form)
        if entry is None:
            if self.stop is not None:
                entry = (_stemmer(self.lang)(form), form not in self.stop and (len(form) > 1 or form.isdigit()))
            else:
                entry = (form, len(form) > 1 or form.isdigit() or _is_unspaced(form))
            if len(self.memo) < _MEMO_LIMIT:
                self.memo[form] = entry
        return entry


@lru_cache(maxsize=None)
def lexicon_for(lang: str) -> _Lexicon:
    return _Lexicon(lang)


def lexical(forms, language: str | None = None) -> tuple[str, list, np.ndarray]:
    """``(language, stems, content mask)`` of a list of forms."""
    lang = language or detect_language(forms)
    lexicon = lexicon_for(lang if lang in SNOWBALL_LANGUAGES else "und")
    entries = [lexicon(f) for f in forms]
    stems = [e[0] for e in entries]
    content = np.fromiter((e[1] for e in entries), bool, len(entries))
    return lang, stems, content


def analyze(text: str, language: str | None = None) -> Analysis:
    """Tokenize ``text`` and find its sentences; pure function of the text."""
    starts: list[int] = []
    ends: list[int] = []
    raws: list[str] = []
    for match in tokenizer(text).finditer(text):
        starts.append(match.start())
        ends.append(match.end())
        raws.append(match.group())
    forms = [form_of(raw) for raw in raws]
    lang, stems, content = lexical(forms, language)
    start_arr = np.asarray(starts, dtype=np.int64)
    end_arr = np.asarray(ends, dtype=np.int64)
    sentences = split_sentences(text, start_arr, forms)
    return Analysis(lang, tuple(forms), tuple(stems), start_arr, end_arr, content, sentences)


def _boundary_offsets(text: str, forms_at) -> list[int]:
    """Character offsets where a new sentence starts."""
    cuts = []
    for match in _SENT_END_RE.finditer(text):
        end = match.end()
        piece = match.group()
        if piece[0] in ".!?…":
            if not _NEXT_STARTS_SENTENCE_RE.match(text, end):
                continue
            if piece.startswith(".") and len(piece.rstrip("\"'”’»)]")) == 1:
                word = forms_at(match.start())
                if word and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())):
                    continue
        cuts.append(end)
    # Short lines (headlines, bylines, list items) end a sentence even without punctuation.
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and len(stripped) < _SHORT_LINE_CHARS and line.endswith(("\n", "\r")):
            if stripped[-1] not in ",;:-–—(":
                cuts.append(pos + len(line))
        pos += len(line)
    return cuts


def split_sentences(text: str, starts: np.ndarray, forms: list) -> tuple:
    """Token ranges of sentences; over-long runs without punctuation are cut into windows."""
    n = len(forms)
    if n == 0:
        return ()

    at = starts.tolist()  # bisect on a list: a numpy search per period cost more than it did

    def form_before(offset: int) -> str | None:
        index = bisect.bisect_right(at, offset) - 1
        if index < 0:
            return None
        # The abbreviation check looks at the word ending right before the period, e.g. "u.s".
        word = forms[index]
        while index > 0 and text[at[index] - 1: at[index]] == "." and \
                at[index] - 1 > 0 and text[at[index] - 2].isalnum():
            index -= 1
            word = forms[index] + "." + word
        return word

    cut_tokens = np.unique(np.searchsorted(starts, _boundary_offsets(text, form_before)))
    bounds = [0] + [int(c) for c in cut_tokens if 0 < c < n] + [n]
    sentences = []
    for first, end in zip(bounds, bounds[1:]):
        if end <= first:
            continue
        while end - first > MAX_SENTENCE_TOKENS:
            sentences.append((first, first + MAX_SENTENCE_TOKENS // 2))
            first += MAX_SENTENCE_TOKENS // 2
        sentences.append((first, end))
    return tuple(sentences)

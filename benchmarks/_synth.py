"""A synthetic news corpus with known copies, edits, rewrites and partial lifts (for ``speed.py``).

Words are drawn by their English frequency (``wordfreq``: the 20,000 most frequent words) into
sentences of 8-30 words (capitalized, ending with a period) and articles of 300-900 words
(paragraphs of 2-5 sentences separated by blank lines). Every original article belongs to a
*story* (about three articles per story, like several outlets covering the same event): the
story's proper nouns (a two-word person name, a place, an organisation, a second surname, made
of rare words capitalized) are sprinkled through the article, about one word in thirty-five. So
independent articles on the same story share names, and the detector has to tell them apart
from real copies.

Injected truth, as shares of ``n_docs`` (sources drawn with replacement among the originals, so a
popular source can have several copies; two copies of one source are related but not in the
truth):

* ``exact`` (2%): the same words, re-wrapped: hard line breaks at a random width, optional
  double spaces, indents, trailing spaces and extra blank lines.
* ``light`` (2%): 5-10% of the words substituted, deleted or inserted; one sentence dropped.
* ``rewrite`` (2%): each sentence keeps 50-70% of its content words in order (names always),
  the other content words are replaced by other words, half of the function words are
  replaced and a few inserted or dropped; 30% of the sentences dropped, some adjacent pairs of
  sentences merged, one paragraph moved.
* ``partial`` (1%): a new article (its own story) with three consecutive paragraphs of the
  source pasted in at a random place.

Everything is drawn from one ``numpy`` generator: the same ``(n_docs, seed)`` gives the same
corpus, byte for byte. Words are ids into one vocabulary array and every article is rendered
with one fancy index, so 20,000 articles take a few seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

VOCAB_SIZE = 20_000
FUNCTION_WORDS = 150          # the most frequent words play the stopwords
NAME_RANKS = (6_000, 20_000)  # proper nouns are capitalized words from this rank range
ORG_SUFFIXES = ("Group", "Council", "Party", "Bank", "Institute", "Agency", "Foundation",
                "Trust", "Union", "Authority")
SHARES = {"exact": 0.02, "light": 0.02, "rewrite": 0.02, "partial": 0.01}
KINDS = tuple(SHARES)
ARTICLE_WORDS = (300, 900)
SENTENCE_WORDS = (8, 30)
PARAGRAPH_SENTENCES = (2, 5)
NAME_RATE = 1 / 35
ARTICLES_PER_STORY = 3
_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+")


@dataclass
class Corpus:
    """Documents as ``(id, text)`` in corpus order, and truth as ``(source, copy, kind)``."""

    docs: list
    truth: list
    seed: int
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)


class _Words:
    """The vocabulary: frequency-sampled English words plus the corpus's proper nouns."""

    def __init__(self, rng: np.random.Generator):
        import wordfreq

        words = [w for w in wordfreq.top_n_list("en", VOCAB_SIZE) if _WORD_RE.fullmatch(w)]
        freq = np.array([wordfreq.word_frequency(w, "en") for w in words])
        words = [w.capitalize() if w == "i" or w.startswith("i'") else w for w in words]
        self.base = len(words)
        self.strings: list = list(words)
        self.n_function = FUNCTION_WORDS
        content = freq.copy()
        content[: self.n_function] = 0
        self.table = _table(freq)
        self.content_table = _table(content)
        self.function_table = _table(freq[: self.n_function])
        self.rng = rng
        lo, hi = NAME_RANKS
        self._name_pool = [w.capitalize() for w in words[lo:hi]
                           if w.isalpha() and len(w) >= 4 and "'" not in w]
        self.array = None

    # sampling ---------------------------------------------------------------------------

    def _draw(self, table: np.ndarray, n: int) -> np.ndarray:
        return table[self.rng.integers(0, len(table), n)]

    def any(self, n: int) -> np.ndarray:
        return self._draw(self.table, n)

    def content(self, n: int) -> np.ndarray:
        return self._draw(self.content_table, n)

    def function(self, n: int) -> np.ndarray:
        return self._draw(self.function_table, n)

    def is_content(self, ids: np.ndarray) -> np.ndarray:
        return (ids >= self.n_function) & (ids < self.base)

    def is_name(self, ids: np.ndarray) -> np.ndarray:
        return ids >= self.base

    # proper nouns -----------------------------------------------------------------------

    def _add(self, text: str) -> int:
        self.strings.append(text)
        return len(self.strings) - 1

    def story_names(self) -> np.ndarray:
        """Ids of one story's names: person, place, organisation, second surname."""
        pool, pick = self._name_pool, self.rng.integers(0, len(self._name_pool), 5)
        suffix = ORG_SUFFIXES[int(self.rng.integers(len(ORG_SUFFIXES)))]
        return np.array([self._add(f"{pool[pick[0]]} {pool[pick[1]]}"),
                         self._add(pool[pick[2]]),
                         self._add(f"{pool[pick[3]]} {suffix}"),
                         self._add(pool[pick[4]])], dtype=np.int32)

    def freeze(self) -> None:
        self.array = np.array(self.strings, dtype=object)
        self.capitalized = np.array([w[:1].upper() + w[1:] for w in self.strings], dtype=object)


def _table(freq: np.ndarray, size: int = 1 << 22) -> np.ndarray:
    """A lookup table: a uniform index into it draws word ``i`` with probability ``freq[i]``
    (to 1/size; the rarest of the 20,000 words get about eight entries)."""
    ends = np.round(np.cumsum(freq) / freq.sum() * size).astype(np.int64)
    counts = np.diff(np.concatenate(([0], ends)))
    return np.repeat(np.arange(len(freq), dtype=np.int32), counts)


# An original article is kept flat, ``(ids, sentence lengths, sentences per paragraph)``, and
# rendered straight from that. Derived articles are built on the nested form: a list of
# paragraphs, a paragraph a list of sentences, a sentence an int32 array of word ids.


@dataclass
class _Flat:
    ids: np.ndarray
    sentence_lens: np.ndarray
    paragraph_sizes: np.ndarray

    def nested(self) -> list:
        sentences = np.split(self.ids, np.cumsum(self.sentence_lens)[:-1])
        bounds = np.concatenate(([0], np.cumsum(self.paragraph_sizes))).tolist()
        return [sentences[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _flatten(paras: list) -> _Flat:
    sents = [s for p in paras for s in p if len(s)]
    sizes = [sum(1 for s in p if len(s)) for p in paras]
    return _Flat(np.concatenate(sents), np.array([len(s) for s in sents]),
                 np.array([k for k in sizes if k]))


_NAME_SHARES = np.cumsum((0.4, 0.25, 0.2))  # person, place, organisation, (rest) surname


def _originals(words: _Words, n: int, stories: list) -> list:
    rng = words.rng
    lo, hi = SENTENCE_WORDS
    targets = rng.integers(ARTICLE_WORDS[0], ARTICLE_WORDS[1] + 1, n)
    most = ARTICLE_WORDS[1] // lo + 1
    lens = rng.integers(lo, hi + 1, (n, most))
    counts = (np.cumsum(lens, axis=1) < targets[:, None]).sum(axis=1) + 1
    sizes = lens[:, :most].cumsum(axis=1)[np.arange(n), counts - 1]
    stream = words.any(int(sizes.sum()))
    story_of = rng.integers(0, len(stories), n)
    p_lo, p_hi = PARAGRAPH_SENTENCES
    articles, pos = [], 0
    for a in range(n):
        size = int(sizes[a])
        ids = stream[pos: pos + size]
        pos += size
        names = stories[story_of[a]]
        mentions = max(4, int(size * NAME_RATE))
        where = rng.integers(0, size, mentions)
        ids[where] = names[np.searchsorted(_NAME_SHARES, rng.random(mentions))]
        ids[int(rng.integers(0, min(size, 25)))] = names[0]
        k = int(counts[a])
        paras = rng.integers(p_lo, p_hi + 1, k // p_lo + 1)
        paras = paras[: int(np.searchsorted(np.cumsum(paras), k)) + 1]
        paras[-1] -= int(paras.sum()) - k
        articles.append(_Flat(ids, lens[a, :k], paras))
    return articles


def _render(words: _Words, art: _Flat, sentence_sep: str = " ",
            paragraph_sep: str = "\n\n") -> str:
    """The text: sentences capitalized and closed by a period, paragraphs separated."""
    tokens = words.array[art.ids]
    ends = np.cumsum(art.sentence_lens)
    starts = ends - art.sentence_lens
    tokens[starts] = words.capitalized[art.ids[starts]]
    seps = np.full(len(tokens), " ", dtype=object)
    seps[ends - 1] = "." + sentence_sep
    seps[ends[np.cumsum(art.paragraph_sizes) - 1] - 1] = "." + paragraph_sep
    seps[-1] = "."
    out = np.empty(2 * len(tokens), dtype=object)
    out[0::2] = tokens
    out[1::2] = seps
    return "".join(out.tolist())


def _render_many(words: _Words, arts: list, chunk: int = 2000) -> list:
    """The texts of many flat articles, ``chunk`` articles per join (as :func:`_render`)."""
    out = []
    for first in range(0, len(arts), chunk):
        part = arts[first: first + chunk]
        joined = _render(words, _Flat(
            np.concatenate([a.ids for a in part]),
            np.concatenate([a.sentence_lens for a in part]),
            np.concatenate([a.paragraph_sizes for a in part])), paragraph_sep="\x00")
        pieces = joined.split("\x00")
        ends = np.cumsum([len(a.paragraph_sizes) for a in part]).tolist()
        starts = [0] + ends[:-1]
        out.extend("\n\n".join(pieces[a:b]) for a, b in zip(starts, ends))
    return out


def _text(words: _Words, paras) -> str:
    return _render(words, paras if isinstance(paras, _Flat) else _flatten(paras))


def _rewrapped(words: _Words, art: _Flat) -> str:
    """The same words with other whitespace: hard-wrapped lines, other spacing."""
    rng = words.rng
    width = int(rng.integers(45, 90))
    sep = "  " if rng.random() < 0.5 else " "
    indent = "    " if rng.random() < 0.3 else ""
    trailing = " " if rng.random() < 0.3 else ""
    gap = "\n\n\n" if rng.random() < 0.3 else "\n\n"
    out = []
    for para in _render(words, art, sep).split("\n\n"):
        lines, cur, used = [], [], len(indent)
        for token in para.split(" "):
            if cur and token and used + 1 + len(token) > width:
                lines.append(" ".join(cur) + trailing)
                cur, used = [token], len(token)
            else:
                used += len(token) + (1 if cur else 0)
                cur.append(token)
        lines.append(" ".join(cur))
        out.append(indent + "\n".join(lines))
    return gap.join(out) + "\n"

def _copy(paras: list) -> list:
    return [[s.copy() for s in p] for p in paras]


def _drop_sentences(paras: list, rng, share: float = 0.0, exactly_one: bool = False) -> list:
    total = sum(len(p) for p in paras)
    if exactly_one:
        drop = {int(rng.integers(total))} if total > 1 else set()
    else:
        drop = set(np.flatnonzero(rng.random(total) < share).tolist())
        if len(drop) >= total:
            drop.discard(0)
    out, k = [], 0
    for p in paras:
        kept = []
        for s in p:
            if k not in drop:
                kept.append(s)
            k += 1
        if kept:
            out.append(kept)
    return out


def _light(words: _Words, paras: list) -> list:
    rng = words.rng
    paras = _drop_sentences(_copy(paras), rng, exactly_one=True)
    rate = rng.uniform(0.05, 0.10)
    out = []
    for p in paras:
        sents = []
        for s in p:
            edit = rng.random(len(s)) < rate
            if not edit.any():
                sents.append(s)
                continue
            op = rng.random(len(s))
            new = words.any(len(s))
            pieces = []
            for i, w in enumerate(s.tolist()):
                if not edit[i]:
                    pieces.append(w)
                elif op[i] < 0.7:           # substitute
                    pieces.append(int(new[i]))
                elif op[i] < 0.85:          # delete
                    continue
                else:                       # insert a word after this one
                    pieces.extend((w, int(new[i])))
            if pieces:
                sents.append(np.array(pieces, dtype=np.int32))
        if sents:
            out.append(sents)
    return out


_MERGE_WORDS = ("and", "while", "but", "as")


def _rewrite_sentence(words: _Words, s: np.ndarray) -> np.ndarray:
    rng = words.rng
    keep_content = rng.uniform(0.5, 0.7)
    content = words.is_content(s)
    names = words.is_name(s)
    r = rng.random(len(s))
    out = s.copy()
    swap_content = content & (r >= keep_content)
    out[swap_content] = words.content(int(swap_content.sum()))
    function = ~content & ~names
    swap_function = function & (rng.random(len(s)) < 0.5)
    out[swap_function] = words.function(int(swap_function.sum()))
    # a few function words dropped or added, so that word positions shift
    edit = rng.random(len(s))
    drop = function & (edit < 0.1)
    add = edit > 0.9
    pieces = []
    fresh = words.function(len(s)).tolist()
    for i, w in enumerate(out.tolist()):
        if not drop[i]:
            pieces.append(w)
        if add[i]:
            pieces.append(fresh[i])
    return np.array(pieces or out[:1].tolist(), dtype=np.int32)


def _rewrite(words: _Words, paras: list) -> list:
    rng = words.rng
    paras = _drop_sentences(paras, rng, share=0.3)
    merge_ids = {w: words.strings.index(w) for w in _MERGE_WORDS if w in words.strings}
    joiners = list(merge_ids.values()) or [0]
    out = []
    for p in paras:
        sents = [_rewrite_sentence(words, s) for s in p]
        merged, i = [], 0
        while i < len(sents):
            if i + 1 < len(sents) and rng.random() < 0.25:
                joiner = np.array([joiners[int(rng.integers(len(joiners)))]], dtype=np.int32)
                merged.append(np.concatenate((sents[i], joiner, sents[i + 1])))
                i += 2
            else:
                merged.append(sents[i])
                i += 1
        out.append(merged)
    if len(out) > 2:
        moved = out.pop(int(rng.integers(len(out))))
        out.insert(int(rng.integers(len(out) + 1)), moved)
    return out


def _partial(words: _Words, source: list, base: list) -> list:
    rng = words.rng
    take = min(3, len(source))
    start = int(rng.integers(0, len(source) - take + 1))
    lifted = _copy(source[start: start + take])
    at = int(rng.integers(0, len(base) + 1))
    return base[:at] + lifted + base[at:]


def generate(n_docs: int = 20_000, seed: int = 0) -> Corpus:
    """``n_docs`` articles, ids ``doc000000.txt`` ... in a shuffled order, and the truth."""
    import time

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    words = _Words(rng)
    counts = {kind: int(round(share * n_docs)) for kind, share in SHARES.items()}
    n_orig = n_docs - sum(counts.values())
    if n_orig < 1:
        raise ValueError("too few documents")
    n_base = n_orig + counts["partial"]
    stories = [words.story_names() for _ in range(max(1, n_base // ARTICLES_PER_STORY))]
    words.freeze()
    bases = _originals(words, n_base, stories)
    originals, partial_bases = bases[:n_orig], bases[n_orig:]

    texts = _render_many(words, originals)             # index i: original i
    plan = []                                          # (source index, kind)
    for kind in KINDS:
        for src in rng.integers(0, n_orig, counts[kind]).tolist():
            plan.append((src, kind))
    for k, (src, kind) in enumerate(plan):
        article = originals[src]
        if kind == "exact":
            texts.append(_rewrapped(words, article))
        elif kind == "light":
            texts.append(_text(words, _light(words, article.nested())))
        elif kind == "rewrite":
            texts.append(_text(words, _rewrite(words, article.nested())))
        else:
            base = partial_bases.pop().nested()
            texts.append(_text(words, _partial(words, article.nested(), base)))

    order = rng.permutation(len(texts))                # order[pos] = generation index
    ids = [""] * len(texts)
    for pos, g in enumerate(order.tolist()):
        ids[g] = f"doc{pos:06d}.txt"
    docs = [(ids[g], texts[g]) for g in order.tolist()]
    truth = [(ids[src], ids[n_orig + k], kind) for k, (src, kind) in enumerate(plan)]
    return Corpus(docs, truth, seed, time.perf_counter() - t0,
                  {"original": n_orig, **counts})

"""One documented configuration for every stage.

The CLI and a TOML file (``[derivdetect]`` table or top-level keys) both fill the same frozen
:class:`Config`; nothing else carries settings. The values were measured on ``../shared/data``
(METER show-business, Clough & Stevenson, MSRP): see ``benchmarks/`` and the README.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Optional

from .errors import ConfigError

#: Bounds of the integer settings (``None``: no upper bound). Shingles and keys longer than a
#: sentence, or fewer permutations than 16, would make the routes meaningless.
_INT_RANGES = {
    "max_chars": (1, None), "shingle_words": (1, 20), "num_perm": (16, 1024),
    "rewrite_key_words": (1, 10), "rewrite_max_df": (2, None), "rewrite_min_shared": (1, None),
    "min_exact_words": (1, 100), "derivative_run_words": (1, None),
    "boilerplate_min_docs": (2, None), "boilerplate_max_words": (1, None),
    "lsh_max_bucket": (2, None), "topic_min_partners": (1, None), "topic_max_group": (2, None),
    "paraphrase_max_group": (1, 5), "min_aligned_sentences": (1, None),
    "min_aligned_words": (0, None),
}


@dataclass(frozen=True)
class Config:
    """Settings for a scan or a comparison.

    Input
    -----
    encoding:
        Force this text encoding for files that are not valid UTF-8. ``None`` (default) detects
        it (charset-normalizer). Forcing is faster and safer when you know the corpus (METER is
        ``latin-1``); a wrong guess garbles accents but never stops the scan.
    max_chars:
        Articles longer than this (after decoding) are skipped with a reason. Default 2,000,000
        characters (a book, not an article); raising it raises memory per worker.
    html_extractor:
        ``"trafilatura"`` (default) keeps an HTML page's main text and drops menus and footers;
        ``"text"`` keeps all visible text (no extra dependency, more furniture).

    Sketching and candidates
    ------------------------
    shingle_words:
        Word n-gram size for the verbatim route (MinHash/LSH) and the exact Jaccard. 5 is the
        usual choice for news: long enough that shared names and stock phrases rarely collide,
        short enough that light edits leave most shingles intact.
    num_perm:
        MinHash permutations (16 to 1,024). 128 gives a Jaccard estimate with standard error
        about 0.04; more permutations cost time and memory linearly; below 16 the estimate
        (standard error 0.125 at 16) is noise.
    lsh_threshold:
        Jaccard (of word shingles) above which the LSH route should make a pair a candidate.
        0.3 finds near-duplicates and light edits; lower values make more candidates to verify.
    rewrite_key_words:
        Size of the stemmed content-word n-grams (stopwords removed) used by the rewrite route.
        2 survives paraphrase (a rewrite keeps many "noun noun" pairs) while staying rare.
    rewrite_max_df:
        Rewrite-route keys found in more documents than this are ignored (stock phrases, names
        of the week). Bounds the pairs made per key: lower is faster but can miss rewrites of
        widely covered stories.
    rewrite_min_shared:
        A pair becomes a rewrite candidate when it shares at least this many rewrite keys (8),
        or 10% of a short text's keys. Lower finds lighter reuse and costs more verification:
        on a synthetic 20,000-article corpus, 3 made 7,318 candidates and 8 made 1,447 with the
        same recall of copies, edits and rewrites; on METER, 8 halves the candidates (762 vs
        1,853) with detection macro-F1 0.676 vs 0.670.
    rewrite_short_share:
        A short text needs to share only this share of its own rewrite keys (0.1, at least one
        key) when that is fewer than ``rewrite_min_shared``: a one-paragraph brief lifted
        from a wire story has only a handful of keys. Higher makes fewer candidates of short
        texts (briefs, captions) and misses short lifts.
    lsh_max_bucket:
        An LSH band shared by more documents than this (200) links them to its first member
        only, not to each other: a cluster of thousands of identical copies stays linear in
        size (the copies are still all found, through that member); a smaller value saves
        verification on heavily syndicated stories and reports fewer of their pairs.

    Topic words
    -----------
    topic_min_partners:
        A document's topic words (stems in most of the texts around it: names, places, the
        event) are known only when it has at least this many candidate partners (3); below
        that, a pair is judged "alone" (``derivative_coverage_alone``). Lower damps topic
        words on thinner evidence; with one partner the "topic" is simply what the two share.
    topic_min_share:
        Share of the texts around a document (itself and its partners) that must hold a stem
        for it to be a topic word (0.9). Lower damps more words, which helps against
        independent reports of one event and hurts rewrites, whose shared words are then
        discounted too.
    topic_max_group:
        At most this many texts (64: the document and its first 63 partners by index) are
        counted for its topic words; bounds the cost for a document with thousands of
        partners (a syndicated story).
    topic_damping:
        Factor applied to the weight of topic words in paraphrase scoring (0.25): shared
        topic words say what a story is about, not who copied whom. 1 turns damping off.

    Alignment
    ---------
    min_exact_words:
        Shortest shared run of words reported as an ``exact`` passage (4). Runs shorter than
        twice this must also contain rare words, so stock phrases ("said in a statement on
        Monday") never count. On METER, 4 finds more of the annotated verbatim text than 6
        (recall 0.42 vs 0.35 at precision 0.99) and raises detection macro-F1 (0.670 vs 0.655).
    paraphrase_threshold:
        Similarity (0..1) above which two sentences (or groups of up to three) are reported as a
        ``paraphrase`` passage (0.42). Lower links more loosely related sentences: more
        recall of rewritten text, more links between independent reports of one event. On
        METER, 0.42 gives the best detection F1 (0.40: 0.609, 0.45: 0.584, 0.50: 0.571, before
        later changes); on MSRP sentence pairs it keeps 97% of paraphrases at 70% precision.
    paraphrase_max_group:
        Sentences merged or split by a rewrite are aligned as groups of up to this many
        consecutive sentences on one side (3). Larger groups find longer merges and cost
        time quadratically in the group shapes tried; 1 aligns sentence to sentence only.
    stock_phrase_weight:
        An exact run shorter than twice ``min_exact_words`` counts only if its content words
        weigh at least this much in total (12.0; a rare word such as a name weighs 5-8, a
        common content word 1-3): "said in a statement on Monday" never counts, "Lachin
        corridor reopened" does. Higher drops more short runs of names.

    Verdicts
    --------
    derivative_coverage:
        Share of the derived text (boilerplate excluded) that must lie inside aligned passages
        for a pair to be a ``derivative``, when the pair has other texts around it (candidate
        partners) from which the story's topic words are known and damped. The main detection
        threshold: 0.2 maximizes derived/non-derived macro-F1 on METER show-business.
    derivative_coverage_alone:
        The same threshold for a pair judged without context (``compare``, or texts with fewer
        than three candidate partners): shared topic words can't be discounted there, so
        independent reports of one event cover each other more, and the bar is higher (0.3).
    derivative_run_words:
        A pair sharing a verbatim run of at least this many words of prose is a
        ``derivative`` whatever its coverage (40): a lift of three paragraphs into a long
        article covers little of it, but 40 consecutive shared words are never a
        coincidence. Quoted speech shared by both texts does not count: two reports of one
        press conference share its quotes.
    min_probability:
        A pair aligned enough to be a ``derivative`` is one only if the reuse model
        (``stages/reuse.py``, trained by ``benchmarks/train_reuse.py``) gives it at least
        this probability that the derived text reuses the other's writing (0.3). Out of
        fold on the training pairs (METER show-business and Clough-Stevenson, folds grouped
        by story) the model is calibrated (pairs given about 0.3 are reuse 31% of the time,
        0.5: 44%, 0.7: 77%, 0.93: 91%). 0.3 is the highest gate that loses nothing there
        (macro-F1 METER 0.676, Clough 0.947, as without it); 0.5 gives METER 0.665 and 0.7
        gives 0.628 (recall of reuse 0.85 -> 0.70 for precision 0.85 -> 0.87): higher values
        make a shorter, surer queue and miss more rewrites. A verbatim run of
        ``derivative_run_words`` is a derivative whatever the probability.
    family_min_probability:
        A rewrite pair binds its two texts into one family (``stages/cluster.py``) only with
        at least this reuse probability (0.8: out of fold, pairs given about 0.93 are reuse
        91% of the time, about 0.71: 77%; on METER show-business the largest family shrinks
        from 19 texts to 15 and texts off their family's story from 16 to 14, against every
        pair binding); a weaker pair joins two groups only when at least half of the pairs
        between them are reported. Lower chains more stories into one family through single
        loose links; higher splits real families of rewrites into pairs (each still
        reported).
    min_aligned_sentences:
        A ``derivative`` needs aligned passages in at least this many sentences of the derived
        text (2), or ``single_place_coverage``: evidence from one sentence is a shared quote
        or fact more often than a copy.
    single_place_coverage:
        Coverage of the derived text that makes one aligned place enough for a
        ``derivative`` (0.5: a short brief that is one lifted sentence).
    min_aligned_words:
        A ``derivative`` by coverage needs at least this many aligned words in the derived
        text (12): a few aligned words in a caption are not a copy, whatever share they are.
    contained_share:
        Without dates, the more covered text is named the copy only if at least this share
        of it (0.5) lies in aligned passages; below it (a lift of some passages) the
        direction is left open.
    related_coverage:
        Below the derivative threshold but above this (0.1), ``compare`` says ``related``.
    near_duplicate_exact:
        Share of *each* text covered by exact passages above which a pair is a
        ``near-duplicate`` (0.6): light edits keep most of both texts word for word, while a
        lift of three paragraphs into a longer article keeps little of the longer one.
    verbatim_exact:
        Exact coverage of both texts above which a pair is ``verbatim`` (0.95: the same text,
        perhaps re-wrapped or re-formatted; a few changed words are allowed).
    wholly_coverage:
        Coverage of the derived side above which ``extent`` is ``wholly`` rather than
        ``partially`` (0.8). METER's three-way macro-F1 varies by about 0.02 between 0.7 and
        0.9; the annotated wholly-derived stories have 81-100% Verbatim+Rewrite text.

    Boilerplate
    -----------
    boilerplate_min_docs:
        A line that recurs in at least this many documents (and is short) is site furniture,
        not content, unless those documents are copies of one story (a wire story
        republished by many outlets keeps every paragraph; see ``corpus.common_lines``).
        Lines repeated inside one document count too.
    boilerplate_max_words:
        Only lines up to this many words can be boilerplate: long recurring paragraphs are more
        likely a wire story republished many times than furniture.

    Archive
    -------
    licensed_sources:
        Agencies, outlets, bylines or site names whose copy you may republish (syndication,
        partner agreements): in ``check``, a match whose source goes by one of them (its
        dateline credit, byline or URL's site, see ``stages.credit``) is marked ``licensed``
        with the reason and not flagged. Compared without case. Default: none.

    Running
    -------
    workers:
        Cores used: threads that sketch documents (above 1,000 documents; the compiled kernels
        release the GIL) and count shared rewrite keys, and processes that verify candidate
        pairs (from 300 pairs). Smaller jobs run on one. 0 (default) means one per core.
    seed:
        Seed of the MinHash permutations; signatures are comparable only with the same seed.
    """

    encoding: Optional[str] = None
    max_chars: int = 2_000_000
    html_extractor: str = "trafilatura"

    shingle_words: int = 5
    num_perm: int = 128
    lsh_threshold: float = 0.3
    rewrite_key_words: int = 2
    rewrite_max_df: int = 50
    rewrite_min_shared: int = 8
    rewrite_short_share: float = 0.1
    lsh_max_bucket: int = 200

    topic_min_partners: int = 3
    topic_min_share: float = 0.9
    topic_max_group: int = 64
    topic_damping: float = 0.25

    min_exact_words: int = 4
    paraphrase_threshold: float = 0.42
    paraphrase_max_group: int = 3
    stock_phrase_weight: float = 12.0

    derivative_coverage: float = 0.2
    derivative_coverage_alone: float = 0.3
    derivative_run_words: int = 40
    min_probability: float = 0.3
    family_min_probability: float = 0.8
    min_aligned_sentences: int = 2
    single_place_coverage: float = 0.5
    min_aligned_words: int = 12
    contained_share: float = 0.5
    related_coverage: float = 0.1
    near_duplicate_exact: float = 0.6
    verbatim_exact: float = 0.95
    wholly_coverage: float = 0.8

    boilerplate_min_docs: int = 3
    boilerplate_max_words: int = 40

    licensed_sources: tuple = ()

    workers: int = 0
    seed: int = 1

    def __post_init__(self) -> None:
        for name in ("lsh_threshold", "paraphrase_threshold", "derivative_coverage",
                     "derivative_coverage_alone", "related_coverage", "near_duplicate_exact", "verbatim_exact",
                     "wholly_coverage", "rewrite_short_share", "topic_min_share",
                     "topic_damping", "single_place_coverage", "contained_share",
                     "min_probability", "family_min_probability"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name}={value}: must be between 0 and 1")
        for name, (low, high) in _INT_RANGES.items():
            value = getattr(self, name)
            if value < low or (high is not None and value > high):
                bound = f"between {low:,} and {high:,}" if high is not None else f"at least {low:,}"
                raise ConfigError(f"{name}={value}: must be {bound}")
        if self.stock_phrase_weight < 0:
            raise ConfigError(f"stock_phrase_weight={self.stock_phrase_weight}: must be 0 or more")
        if self.workers < 0:
            raise ConfigError(f"workers={self.workers}: must be 0 (one per core) or more")
        if self.html_extractor not in ("trafilatura", "text"):
            raise ConfigError(
                f"html_extractor={self.html_extractor!r}: use 'trafilatura' or 'text'")
        if isinstance(self.licensed_sources, (list, str)):
            names = [self.licensed_sources] if isinstance(self.licensed_sources, str) \
                else self.licensed_sources
            object.__setattr__(self, "licensed_sources", tuple(names))
        if not all(isinstance(n, str) and n.strip() for n in self.licensed_sources):
            raise ConfigError("licensed_sources: a list of names (agencies, outlets, sites)")
        if self.related_coverage > self.derivative_coverage:
            raise ConfigError("related_coverage must not exceed derivative_coverage")

    def cores(self) -> int:
        """How many cores ``workers`` means on this machine."""
        return self.workers or os.cpu_count() or 1

    def replace(self, **changes: Any) -> "Config":
        """A copy with ``changes`` applied; ``None`` values are ignored (unset CLI options)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_toml(cls, path: Path, base: Optional["Config"] = None) -> "Config":
        """Read settings from a TOML file: top-level keys or a ``[derivdetect]`` table (not
        both: which one wins would be a guess)."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except IsADirectoryError:
            raise ConfigError(f"{path}: is a folder; --config takes a TOML file") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        if isinstance(data.get("derivdetect"), dict):
            others = sorted(set(data) - {"derivdetect"})
            if others:
                raise ConfigError(
                    f"{path}: settings both at the top ({', '.join(others)}) and in a "
                    "[derivdetect] table; keep them in one place")
            data = data["derivdetect"]
        defaults = cls()
        for key, value in data.items():
            if not hasattr(defaults, key):
                raise ConfigError(f"{path}: unknown setting {key!r}")
            expected = type(getattr(defaults, key))
            if key == "encoding":
                expected = str
            if key == "licensed_sources":
                expected = list
            ok = (isinstance(value, expected) and not isinstance(value, bool)) or (
                expected is float and isinstance(value, int) and not isinstance(value, bool))
            if not ok:
                raise ConfigError(f"{path}: {key} = {value!r}: expected {expected.__name__}")
        return (base or cls()).replace(**data)

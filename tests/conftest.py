import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED_REWRITE = "000_2db2f79e78af98da.txt"
SEED_SOURCE = "001_3d3443b8b15dbcff.txt"


def run_cli(*args, timeout=600, env=None) -> subprocess.CompletedProcess:
    """``derivdetect ARGS...`` in a new process, its output captured as text."""
    return subprocess.run([sys.executable, "-m", "derivdetect", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)


def publish_seeds(folder: Path) -> Path:
    """``folder`` made to hold the four seeds that are not the aggregator's rewrite (the
    published articles an archive starts from)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in CORPUS.glob("*.txt"):
        if path.name != SEED_REWRITE:
            (folder / path.name).write_bytes(path.read_bytes())
    return folder


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def seed_scan():
    from derivdetect import Config, scan

    return scan(CORPUS, Config(workers=1))


WORDS = ("refugees corridor minister talks border village army peace treaty ceasefire convoy "
         "shelling aid winter capital troops region province mayor harvest river bridge "
         "election court protest museum festival market railway harbour storm").split()
SMALL = "the a of in on and to was were is said that with for by at from as it".split()


def random_article(rng: random.Random, sentences: int = 6) -> str:
    """A made-up news-like article: topic and function words, unique names and numbers, in
    paragraphs of two sentences (for corpora large enough for the parallel paths)."""
    out = []
    for _ in range(sentences):
        words = [rng.choice(WORDS if rng.random() < 0.5 else SMALL) for _ in range(14)]
        words += [f"Name{rng.randrange(10**6)}", f"{rng.randrange(10**5)}"]
        rng.shuffle(words)
        out.append(" ".join(words).capitalize() + ".")
    return "\n\n".join(" ".join(out[i:i + 2]) for i in range(0, len(out), 2)) + "\n"


def own_words(seed: int, sentences: int = 12) -> str:
    """An article in a vocabulary of its own (no stopwords): it shares no word with the
    article of another seed."""
    rng = random.Random(seed)
    vocabulary = [f"{chr(97 + seed % 26)}{rng.randrange(10**6)}" for _ in range(200)]
    out = [" ".join(rng.choice(vocabulary) for _ in range(16)).capitalize() + "."
           for _ in range(sentences)]
    return "\n\n".join(" ".join(out[i:i + 2]) for i in range(0, len(out), 2)) + "\n"

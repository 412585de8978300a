from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED_REWRITE = "000_2db2f79e78af98da.txt"
SEED_SOURCE = "001_3d3443b8b15dbcff.txt"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def seed_scan():
    from derivdetect import Config, scan

    return scan(CORPUS, Config(workers=1))

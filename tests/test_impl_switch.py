"""One switch, DERIVDETECT_IMPL, picks the plain reference or the compiled kernels; both give
the same pairs (passages, offsets and scores included)."""

import json
import os
import subprocess
import sys

from conftest import CORPUS


def _scan(tmp_path, impl: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "derivdetect", "scan", str(CORPUS), "--out",
                           str(tmp_path / impl), "-q", "--no-cache"], capture_output=True,
                          text=True, env={**os.environ, "DERIVDETECT_IMPL": impl}, timeout=600)


def test_python_and_compiled_give_the_same_pairs(tmp_path):
    found = {}
    for impl in ("python", "compiled", "auto"):
        result = _scan(tmp_path, impl)
        assert result.returncode == 0, result.stderr
        data = json.loads((tmp_path / impl / "pairs.json").read_text(encoding="utf-8"))
        found[impl] = (data["pairs"], data["clusters"])
    assert found["python"] == found["compiled"] == found["auto"]
    assert found["python"][0], "the demo corpus has its pair"


def test_an_unknown_implementation_is_a_one_line_error(tmp_path):
    result = _scan(tmp_path, "fortran")
    assert result.returncode == 2
    assert "DERIVDETECT_IMPL='fortran'" in result.stderr and result.stderr.count("\n") == 1

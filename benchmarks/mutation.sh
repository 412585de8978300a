#!/usr/bin/env bash
# Mutation testing of the decision logic, with the score per module.
#
#   bash benchmarks/mutation.sh            # fresh run: rm -rf mutants/, then mutmut run
#   bash benchmarks/mutation.sh --resume   # go on from the results already in mutants/
#   bash benchmarks/mutation.sh --score    # only print the score of the last run
#
# Run it from the repository root (it goes there itself). mutmut 3 (configured in setup.cfg,
# section [mutmut]) mutates only
#   src/derivdetect/stages/{classify,cluster,judge,align,evidence}.py, src/derivdetect/report/tables.py
# and runs, for each mutant, the tests of the fast subset (setup.cfg,
# pytest_add_cli_args_test_selection) that execute the mutated function, fastest first, stopping
# at the first failure. It works on a copy in ./mutants (git-ignored): src/ is never written.
# About 40-60 minutes on 2 cores (MUTMUT_CHILDREN=2; 48 and 40 min on 2026-12-01); the log goes to
# mutants/run.log.
# The score of a module is killed / total, where killed counts mutants failed by a test, timed
# out or rejected, and total counts every mutant (those no test reaches count as not killed).
# Results and the survivors: benchmarks/MUTATION.md; list survivors with
#   .venv/bin/mutmut results | grep survived ; .venv/bin/mutmut show NAME
set -euo pipefail
cd "$(dirname "$0")/.."
MUTMUT=.venv/bin/mutmut
[ -x "$MUTMUT" ] || .venv/bin/pip install -q "mutmut==3.8.1"

mode="${1:-}"
if [ "$mode" != "--score" ]; then
    if [ "$mode" != "--resume" ]; then
        rm -rf mutants
    fi
    mkdir -p mutants
    start=$(date +%s)
    # the progress line is redrawn in place: keep it out of the terminal
    "$MUTMUT" run --max-children "${MUTMUT_CHILDREN:-2}" > mutants/run.log.tmp 2>&1 || {
        tr '\r' '\n' < mutants/run.log.tmp | tail -40; exit 1; }
    mv mutants/run.log.tmp mutants/run.log
    echo "mutmut run took $(( $(date +%s) - start )) s"
fi

.venv/bin/python - <<'PY'
import json
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 36, -24, 24, 152, 255, 37}      # failed, pytest error, timeout, type check
rows, total = [], Counter()
for meta in sorted(Path("mutants/src").rglob("*.py.meta")):
    codes = json.loads(meta.read_text())["exit_code_by_key"].values()
    c = Counter("killed" if x in KILLED else "survived" if x == 0 else
                "no tests" if x in (5, 33) else "not checked" if x is None else "other"
                for x in codes)
    c["total"] = len(codes)
    rows.append((str(meta.relative_to("mutants"))[:-len(".meta")], c))
    total.update(c)
print(f"{'module':42} {'killed':>7} {'total':>6} {'score':>7} {'survived':>9} {'no tests':>9}")
for name, c in rows + [("TOTAL", total)]:
    score = c["killed"] / c["total"] if c["total"] else 0.0
    print(f"{name:42} {c['killed']:7} {c['total']:6} {score:7.1%} {c['survived']:9} "
          f"{c['no tests']:9}" + (f"  not checked: {c['not checked']}" if c["not checked"] else ""))
PY

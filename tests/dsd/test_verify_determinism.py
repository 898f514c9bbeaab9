"""Verification reads the same on every run: Peppercorn names the complexes it finds in an order
that follows Python's hash seed, and ``dsd.verify`` renames them canonically."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json
from crn.textformat import parse_crn
from dsd.schemes import make_scheme
from dsd.verify import verify_crn, verification_report
crn = parse_crn("input A\\ninput B\\noutput C\\noutput D\\noutput E\\nA -> C + D + E\\nA + B -> C + D\\n")
report = verification_report(verify_crn(crn, make_scheme("soloveichik2010")))
print(json.dumps([(m["shape"], m["passed"], m["detail"]) for m in report["modules"]]))
"""


def _run(seed: str) -> list:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_verification_detail_does_not_depend_on_the_hash_seed():
    first, second = _run("1"), _run("2")  # these two seeds name them differently in Peppercorn
    assert [passed for _, passed, _ in first] == [True, True]
    assert first == second

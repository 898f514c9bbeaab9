"""The shipped IRIS build's wet-lab outputs, pinned byte for byte.

The hashes are those of ``dsd build protocols/iris.yaml`` at commit c5e2173, the commit before the
layout move of 0.2 (dsd/ split into the back end, pipeline/, wetlab/ and report/): moving code must
not change what a lab orders or pipettes. A change that is meant to change these files (new rates,
new sequence rules) updates the hashes in the same commit and says why in its message.

Updated on branch ``rates``: backward strands in 10x excess of their gate (dsd.sizing helper_excess)
change the helper concentrations in strands.csv and the mixing table in protocol.md; order.csv
and domains.csv (what is ordered, the sequences) are unchanged.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PINNED_SHA256 = {
    "order.csv": "d0f2890ac0903a456b46045538580f7986d05f43c7c6df1ed588e842132b2285",
    "strands.csv": "e07f664a4c0d34a2c012c720e531a1279f24eb9e0a1d8be79bce8d80882bd71d",
    "domains.csv": "56463c6d2ea833b0949285ee0344aa861079146945f47390ea70c4df8cbc5846",
    "protocol.md": "fa489d1a5b72539f420a9782ff127dc89598ef5b9bd1f56e2c3bf3c297e2e87d",
}


@pytest.mark.slow
def test_shipped_iris_build_orders_and_pipettes_what_it_did_before_the_move(tmp_path):
    out = tmp_path / "iris"
    proc = subprocess.run([sys.executable, "-m", "dsd.cli", "build", str(ROOT / "protocols" / "iris.yaml"),
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in PINNED_SHA256}
    assert got == PINNED_SHA256

"""The shipped IRIS build's wet-lab outputs, pinned byte for byte.

The hashes are those of ``dsd build protocols/iris.yaml`` at commit c5e2173, the commit before the
layout move of 0.2 (dsd/ split into the back end, pipeline/, wetlab/ and report/): moving code must
not change what a lab orders or pipettes. A change that is meant to change these files (new rates,
new sequence rules) updates the hashes in the same commit and says why in its message.

Updated on branch ``rates``: backward strands in 10x excess of their gate (dsd.sizing helper_excess)
change the helper concentrations in strands.csv and the mixing table in protocol.md; order.csv
and domains.csv (what is ordered, the sequences) are unchanged.

Updated on branch ``readout``: protocols/iris.yaml sizes gates and fuels at safety 1.2 (was 2) so
that the circuit survives 1e-9 /nM/s leak with 0.5 % initial leak at the label-free read-out; the
concentrations in strands.csv and the mixing table in protocol.md change, order.csv and
domains.csv do not.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PINNED_SHA256 = {
    "order.csv": "d0f2890ac0903a456b46045538580f7986d05f43c7c6df1ed588e842132b2285",
    "strands.csv": "84a9a37bd0f37650f148efe49d13b70bba4f496e532eb7be4c35a8bf55277bf2",
    "domains.csv": "56463c6d2ea833b0949285ee0344aa861079146945f47390ea70c4df8cbc5846",
    "protocol.md": "40a1751d3a9e2e1ed24d5565ff93196e562c538dd7ff1887fd40da0126529b1d",
}


@pytest.mark.slow
def test_shipped_iris_build_orders_and_pipettes_what_it_did_before_the_move(tmp_path):
    out = tmp_path / "iris"
    proc = subprocess.run([sys.executable, "-m", "dsd.cli", "build", str(ROOT / "protocols" / "iris.yaml"),
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in PINNED_SHA256}
    assert got == PINNED_SHA256

"""The shipped IRIS build's wet-lab outputs, pinned byte for byte.

The hashes are those of ``dsd build protocols/iris.yaml`` at commit c5e2173, the commit before the
layout move of 0.2 (dsd/ split into the back end, pipeline/, wetlab/ and report/): moving code must
not change what a lab orders or pipettes. A change that is meant to change these files (new rates,
new sequence rules) updates the hashes in the same commit and says why in its message.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PINNED_SHA256 = {
    "order.csv": "d0f2890ac0903a456b46045538580f7986d05f43c7c6df1ed588e842132b2285",
    "strands.csv": "ddac03e6ff95687715e03a8aecbca3deb234b001642c805a72b7360996bd0d5a",
    "domains.csv": "56463c6d2ea833b0949285ee0344aa861079146945f47390ea70c4df8cbc5846",
    "protocol.md": "337af636d2be98b9927e4434997ed49385797eebbaeffa4b12fee2e659c71131",
}


@pytest.mark.slow
def test_shipped_iris_build_orders_and_pipettes_what_it_did_before_the_move(tmp_path):
    out = tmp_path / "iris"
    proc = subprocess.run([sys.executable, "-m", "dsd.cli", "build", str(ROOT / "protocols" / "iris.yaml"),
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in PINNED_SHA256}
    assert got == PINNED_SHA256

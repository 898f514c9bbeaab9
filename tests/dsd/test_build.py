"""``dsd build`` end to end on small settings: files, checks, caching and atomicity."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crn.textformat import read_crn
from dsd.build import StageError, run_build
from dsd.spec import load_spec, parse_spec

ROOT = Path(__file__).resolve().parents[2]

SMALL_IRIS = {
    "name": "iris-small",
    "seed": 0,
    "dataset": {"name": "iris"},
    "network": {"hidden": [8], "weights": "binary"},
    "training": {"epochs": 30},
    "crn": {"reduce": True, "fanout_limit": 4},
    "simulation": {"t_end": 50, "examples": 40},
}


def test_build_writes_every_file_and_reuses_training(tmp_path):
    out = tmp_path / "build" / "iris-small"
    first = run_build(parse_spec(SMALL_IRIS), out)
    names = {p.name for p in out.iterdir()}
    assert {"model.npz", "model.json", "crn.txt", "crn_reduced.txt", "crn_formal.txt", "crn.sbml",
            "simulation.json", "system.pil", "dsd.json", "verification.json", "gatesim.json", "domains.csv",
            "strands.csv", "checks.csv", "design.json", "order.csv", "plates.csv", "plates.xlsx", "protocol.md",
            "build.json"} <= names
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary folders left
    assert read_crn(out / "crn.txt").stats()["reactions"] == 40
    assert read_crn(out / "crn_reduced.txt").stats()["reactions"] == 16
    assert read_crn(out / "crn_formal.txt").stats()["max_products"] <= 4
    build = json.loads((out / "build.json").read_text())
    assert build["stages"]["crn"]["reduced_stats"]["bimolecular"] == 8
    assert build["stages"]["simulate"]["examples"] == 40
    assert build["stages"]["gatesim"]["examples"] == 40
    assert build["stages"]["verify"]["reactions"] == build["stages"]["crn"]["formal_stats"]["reactions"]
    order = (out / "order.csv").read_text().splitlines()
    assert order[0] == "Name,Sequence,Scale,Purification" and len(order) > 100
    assert build["stages"]["order"]["longest_nt"] <= 200
    dna = json.loads((out / "dsd.json").read_text())
    assert set(dna["forms"]) == {"unreduced", "reduced", "formal", "reduced_fanout4"}
    assert dna["forms"]["unreduced"]["nucleotides"] > dna["forms"]["reduced"]["nucleotides"] > 0
    assert dna["sizing"]["bound_total"] > 0 and dna["total_nM_by_role"]["gate"] > 0
    assert all(c["pass"] for c in build["checks"]), build["checks"]
    assert first.reused == []
    second = run_build(parse_spec(SMALL_IRIS), out)
    assert second.reused == ["network", "verify", "design"]
    strands = (out / "strands.csv").read_text().splitlines()
    assert strands[0] == "name,sequence,length,role,domains,complex,concentration_nM"
    assert all(set(line.split(",")[1]) <= set("ACGT") for line in strands[1:])
    assert (out / "model.npz").read_bytes() == (tmp_path / "build" / "iris-small" / "model.npz").read_bytes()


def test_failing_stage_leaves_previous_build_intact(tmp_path):
    out = tmp_path / "b"
    spec = parse_spec({**SMALL_IRIS, "simulation": {"examples": 5}, "sequences": {"enabled": False}})
    run_build(spec, out)
    before = (out / "build.json").read_text()
    (tmp_path / "x.csv").write_text("a,y\n1,0\n")
    bad = parse_spec({**SMALL_IRIS, "crn": {"path": None}, "dataset": {"name": "csv", "path": "x.csv",
                                                                         "label_column": "y"}}, base_dir=tmp_path)
    (tmp_path / "x.csv").unlink()  # vanishes between validation and the stage
    with pytest.raises(StageError, match="stage 'network' failed: .*x.csv"):
        run_build(bad, out)
    assert (out / "build.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]  # no partial build folder left


def test_custom_crn_build(tmp_path):
    crn = tmp_path / "min.txt"
    crn.write_text("input A\ninput B\noutput C\nA + B -> C\n")
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text("name: min\ncrn:\n  path: min.txt\n  reduce: false\n")
    out = tmp_path / "out"
    run_build(load_spec(spec_file), out)
    assert read_crn(out / "crn_formal.txt") == read_crn(crn)
    assert not (out / "simulation.json").exists() and not (out / "gatesim.json").exists()
    assert "A + B -> C" in json.loads((out / "verification.json").read_text())["modules"][0]["shape"]


def test_cli_build_bad_spec_leaves_nothing(tmp_path):
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text("name: x\nsimulation:\n  t_end: -1\n")
    proc = subprocess.run([sys.executable, "-m", "dsd.cli", "build", spec_file, "--out", tmp_path / "out"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "simulation.t_end" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]

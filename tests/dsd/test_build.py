"""``dsd build`` end to end on small settings: files, checks, caching and atomicity."""

import csv
import json
import subprocess
import re
import time
from collections import Counter
import sys
from pathlib import Path

import pytest

from crn.textformat import read_crn
from dsd.pipeline.build import StageError, run_build
from dsd.pipeline.spec import load_spec, parse_spec

ROOT = Path(__file__).resolve().parents[2]

SMALL_IRIS = {
    "name": "iris-small",
    "seed": 0,
    "dataset": {"name": "iris"},
    "network": {"hidden": [8], "weights": "binary"},
    "training": {"epochs": 30},
    "crn": {"reduce": True, "fanout_limit": 4},
    "simulation": {"t_end": 50, "examples": 40},
    "order": {"reporters": True},
}


@pytest.mark.slow
def test_build_writes_every_file_and_reuses_training(tmp_path):
    out = tmp_path / "build" / "iris-small"
    first = run_build(parse_spec(SMALL_IRIS), out)
    names = {p.name for p in out.iterdir()}
    assert {"model.npz", "model.json", "crn.txt", "crn_reduced.txt", "crn_formal.txt", "crn.sbml",
            "simulation.json", "system.pil", "dsd.json", "verification.json", "gatesim.json", "domains.csv",
            "strands.csv", "checks.csv", "design.json", "order.csv", "plates.csv", "plates.xlsx", "protocol.md",
            "report.html", "build.json"} <= names
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
    # the gate-level check may fail honestly where designed stray toehold copies (occlusion.csv)
    # bind the toeholds gates expose; without those sites the same gates agree on every example.
    # Signals and helpers carry none since toehold_copy holds on them (issue 11): then the check holds
    gate_check = "leak-free gate-level argmax"
    assert all(c["pass"] for c in build["checks"] if not c["check"].startswith(gate_check)), build["checks"]
    gates = json.loads((out / "gatesim.json").read_text())
    if "without_occlusion_sites" in gates:
        assert gates["without_occlusion_sites"]["argmax_match"] == 40
    else:
        assert [c["pass"] for c in build["checks"] if c["check"].startswith(gate_check)] == [True]
    assert first.reused == []
    with open(out / "reporters.csv", newline="") as f:
        reporter_rows = [r for r in csv.DictReader(f) if r["role"] == "reporter"]
    by_complex = Counter(r["complex"] for r in reporter_rows)
    assert set(by_complex) == {f"Rep_Y{i}{rail}" for i in range(3) for rail in "pn"} & set(by_complex)
    assert len(by_complex) >= 3 and set(by_complex.values()) == {2}  # fluorophore strand + quencher strand
    assert sum(r["sequence"].startswith("/56-FAM/") for r in reporter_rows) >= 1
    assert all(float(r["concentration_nM"]) > 0 for r in reporter_rows)
    assert "Read-out" in (out / "protocol.md").read_text()
    assert_wet_lab_files(out, build["stages"]["order"]["reaction_uL"])
    report = (out / "report.html").read_text()
    assert report.count("<img src=\"data:image/png;base64,") >= 3 and "http://" not in report
    model = (out / "model.npz").read_bytes()
    t0 = time.perf_counter()
    second = run_build(parse_spec(SMALL_IRIS), out)
    assert time.perf_counter() - t0 < 10
    assert second.reused == ["network", "simulate", "verify", "design", "gatesim", "report"]  # gate level after the design
    assert (out / "model.npz").read_bytes() == model
    # force ignores every cached stage (one switch: the previous build's hashes are not read); the network and the
    # simulation, whose keys this spec leaves as they were, prove it without a third run of the DNA stages
    forced = run_build(parse_spec({**SMALL_IRIS, "dsd": {"enabled": False}, "report": {"enabled": False},
                                   "sequences": {"enabled": False}}), out, force=True)
    assert {"network", "simulate"} <= set(forced.stages) and forced.reused == []
    assert not any((out / name).exists() for name in ("report.html", "order.csv", "system.pil", "gatesim.json"))


def _markdown_table(lines: list[str], start: int) -> list[dict]:
    """The markdown table that starts at or after line ``start``: one dict per body row."""
    while not lines[start].startswith("|"):
        start += 1
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(header, (c.strip() for c in line.strip("|").split("|")))))
    return rows


def assert_wet_lab_files(out: Path, reaction_uL: float) -> None:
    """The content rules of issue 5 on a build folder's strands, order, plates and protocol."""
    with open(out / "strands.csv", newline="") as f:
        strands = list(csv.DictReader(f))
    assert list(strands[0]) == ["name", "sequence", "length", "role", "domains", "complex", "concentration_nM"]
    assert all(set(s["sequence"]) <= set("ACGT") and len(s["sequence"]) == int(s["length"]) for s in strands)
    assert len({s["name"] for s in strands}) == len(strands)
    with open(out / "order.csv", newline="") as f:
        order = list(csv.DictReader(f))
    assert list(order[0]) == ["Name", "Sequence", "Scale", "Purification"]
    names = [o["Name"] for o in order]
    assert len(set(names)) == len(names) and max(map(len, names)) <= 30
    reporters = []
    if (out / "reporters.csv").exists():
        with open(out / "reporters.csv", newline="") as f:
            reporters = list(csv.DictReader(f))
    assert all(set(o["Sequence"]) <= set("ACGT") for o in order if "/" not in o["Sequence"])
    ordered = Counter(o["Sequence"] for o in order)
    # every strand of strands.csv (and of reporters.csv) is ordered exactly once (one oligo per distinct sequence)
    assert set(ordered) == {s["sequence"] for s in strands + reporters} and set(ordered.values()) == {1}
    for o in order:
        if "/" in o["Sequence"]:  # a dye- or quencher-labelled reporter strand: one code at one end, HPLC
            assert re.fullmatch(r"/5[\w-]+/[ACGT]+|[ACGT]+/3[\w-]+/", o["Sequence"]) and o["Purification"] == "HPLC"
    with open(out / "plates.csv", newline="") as f:
        wells = list(csv.DictReader(f))
    assert list(wells[0]) == ["Plate", "Well Position", "Name", "Sequence"]
    assert len({(w["Plate"], w["Well Position"]) for w in wells}) == len(wells) == len(order)
    assert {w["Name"]: w["Sequence"] for w in wells} == {o["Name"]: o["Sequence"] for o in order}
    lines = (out / "protocol.md").read_text().splitlines()
    mixing = _markdown_table(lines, next(i for i, line in enumerate(lines) if line.startswith("## 4.")))
    volumes = [float(r["Volume (µL)"]) for r in mixing if r["Component"] != "total"]
    assert all(v > 0 for v in volumes)
    assert sum(volumes) == pytest.approx(reaction_uL, abs=0.01 * len(volumes))
    assert float(mixing[-1]["Volume (µL)"]) == pytest.approx(reaction_uL)
    slot = next(float(r["Volume (µL)"]) for r in mixing if r["Role"] == "input")
    examples = [i for i, line in enumerate(lines) if line.startswith("### example")]
    assert examples
    for i in examples:
        rows = [r for r in _markdown_table(lines, i) if r["Strand"] != "total"]
        assert all(float(r["Volume (µL)"]) > 0 for r in rows)
        assert sum(float(r["Volume (µL)"]) for r in rows) == pytest.approx(slot, abs=0.01 * len(rows))


def test_failing_stage_leaves_previous_build_intact(tmp_path):
    out = tmp_path / "b"
    spec = parse_spec({**SMALL_IRIS, "simulation": {"examples": 5}, "dsd": {"enabled": False},
                       "sequences": {"enabled": False}})  # a previous build: what it holds does not matter
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


@pytest.mark.parametrize("text, field", [
    ("name: x\nsimulaton:\n  t_end: 5\n", "simulaton: unknown key"),  # unknown key
    ("name: x\ncrn:\n  reduce: maybe\n", "crn.reduce: expected true or false"),  # wrong type
    ("name: x\nnetwork:\n  load: missing.npz\n", "network.load: file not found"),  # missing file
    ("name: x\ndsd:\n  unit_nM: -10\n", "dsd.unit_nM: negative value"),  # negative concentration
    ("name: x\nprotocol:\n  stock_uM: -100\n", "protocol.stock_uM: negative value"),  # negative concentration
    ("name: x\ndsd:\n  scheme: seesaw\n", "dsd.scheme: unknown value 'seesaw'"),  # unknown scheme
    ("name: x\ndsd: {scheme: [\n", "malformed YAML"),  # malformed YAML
])
def test_cli_build_bad_spec_leaves_nothing(tmp_path, text, field):
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(text)
    previous = tmp_path / "out"
    previous.mkdir()
    (previous / "build.json").write_text("{}")  # a previous build, to be left as it was
    proc = subprocess.run([sys.executable, "-m", "dsd.cli", "build", spec_file, "--out", previous],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0] and str(spec_file) in lines[0], proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "spec.yaml"]
    assert [p.name for p in previous.iterdir()] == ["build.json"] and (previous / "build.json").read_text() == "{}"


def test_a_mix_that_does_not_fit_is_a_failed_check_not_a_lost_build(tmp_path):
    (tmp_path / "min.txt").write_text("input A\ninput B\noutput C\nA + B -> C\n")
    spec = {"name": "min", "crn": {"path": "min.txt", "reduce": False, "input_range": [0, 1]},
            "protocol": {"reaction_uL": 3, "input_uL": 1}, "report": {"enabled": False}}
    result = run_build(parse_spec(spec, base_dir=tmp_path), tmp_path / "out")
    check = next(c for c in result.checks if c["check"].startswith("the mix fits"))
    assert not check["pass"] and "does not fit" in check["value"] and not result.ok
    assert (tmp_path / "out" / "order.csv").is_file() and (tmp_path / "out" / "plates.xlsx").is_file()
    assert "No mixing table" in (tmp_path / "out" / "protocol.md").read_text()
    spec["protocol"] = {"reaction_uL": 100}
    result = run_build(parse_spec(spec, base_dir=tmp_path), tmp_path / "out")
    assert result.ok and "## 4. Mixing one 100 µL reaction" in (tmp_path / "out" / "protocol.md").read_text()


def test_spec_loading_a_reference_model_and_a_built_model(tmp_path):
    from reference_models import REFERENCE_DIR, reference_json

    ref = reference_json("virus")  # skips when the reference models are absent
    spec = {"name": "virus-ref", "network": {"load": str(REFERENCE_DIR / "virus.json")},
            "simulation": {"examples": 25}, "dsd": {"enabled": False}, "report": {"enabled": False}}
    out = tmp_path / "a"
    result = run_build(parse_spec(spec), out)
    build = json.loads((out / "build.json").read_text())
    assert build["stages"]["network"]["dims"] == ref["dims"] == [10, 8, 4]
    assert build["stages"]["crn"]["unreduced_stats"]["reactions"] == ref["reactions_unreduced"] == 52
    assert build["stages"]["simulate"]["argmax_match"] == 25 and result.ok
    # the stored examples come with the model: the build simulates the reference's own test samples
    assert json.loads((out / "simulation.json").read_text())["examples"] == 25
    # a model a build wrote loads back into another spec, with its examples
    spec2 = {**spec, "name": "again", "network": {"load": str(out / "model.npz")}}
    again = run_build(parse_spec(spec2), tmp_path / "b")
    assert again.ok and (tmp_path / "b" / "crn.txt").read_text().split("\n", 1)[1] == \
        (out / "crn.txt").read_text().split("\n", 1)[1]


def test_cli_failing_stage_is_named_and_the_previous_build_stays(tmp_path):
    (tmp_path / "min.txt").write_text("input A\ninput B\noutput C\nA + B -> C\n")
    spec = tmp_path / "spec.yaml"
    base = "name: min\ncrn: {path: min.txt, reduce: false, input_range: [0, 1]}\nreport: {enabled: false}\n"
    spec.write_text(base)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "dsd.cli", "build", str(spec), "--out", str(out)]
    assert subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    spec.write_text(base + "protocol: {inputs: [[0.5]]}\n")  # valid YAML, but the CRN has two inputs
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert "stage 'order' failed" in line and "protocol.inputs[0]: expected 2 values" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["min.txt", "out", "spec.yaml"]


def test_build_checks_that_the_written_pil_implements_its_crn(tmp_path, monkeypatch):
    import dsd.pil

    (tmp_path / "min.txt").write_text("input A\ninput B\noutput C\noutput D\nA + B -> C\nC -> D\n")
    spec = {"name": "min", "crn": {"path": "min.txt", "reduce": False, "input_range": [0, 1]},
            "dsd": {"verify": False}, "sequences": {"enabled": False}, "report": {"enabled": False}}
    result = run_build(parse_spec(spec, base_dir=tmp_path), tmp_path / "whole")
    check = next(c for c in result.checks if c["check"].startswith("system.pil has gates"))
    assert check["pass"] and check["status"] == "pass" and "2 reactions" in check["value"]

    real = dsd.pil.pil_lines  # what write_pil writes, line by line

    def drop_reaction_1(system, header=None, crn_text=None):  # a writer that loses C -> D's gates
        return (line for line in real(system, header, crn_text) if not line.split("=")[0].strip().endswith("_r1"))

    monkeypatch.setattr(dsd.pil, "pil_lines", drop_reaction_1)
    result = run_build(parse_spec(spec, base_dir=tmp_path), tmp_path / "cut")
    check = next(c for c in result.checks if c["check"].startswith("system.pil has gates"))
    assert not check["pass"] and check["status"] == "fail" and not result.ok
    assert "G_r1" in check["value"] or "truncated" in check["value"], check["value"]

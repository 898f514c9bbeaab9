"""The ``dsd`` command line, run as a user would (a subprocess per command)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reference_models import REFERENCE_DIR

ROOT = Path(__file__).resolve().parents[2]


def dsd(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "dsd.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd or ROOT
    )


def reference(name: str) -> Path:
    path = REFERENCE_DIR / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"{path} not available")
    return path


def assert_one_line_error(proc, *words):
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_compile_stats_simulate_on_the_iris_reference(tmp_path):
    model = reference("iris-icml")
    crn = tmp_path / "crn.txt"
    proc = dsd("compile", model, "--out", crn, "--reduce")
    assert proc.returncode == 0, proc.stderr
    proc = dsd("stats", crn, "--json", tmp_path / "stats.json")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats == {"reactions": 16, "unimolecular": 8, "bimolecular": 8, "species": 30, "max_products": 23}
    proc = dsd("simulate", crn, "--model", model, "--json", tmp_path / "sim.json")
    assert proc.returncode == 0, proc.stderr
    sim = json.loads((tmp_path / "sim.json").read_text())
    assert sim["examples"] == 150 and sim["argmax_match"] == 150
    assert 1e-3 < sim["max_abs_error"] < 0.05 and sim["seconds"] > 0  # t = 50: slow 1/t tails remain
    proc = dsd("simulate", crn, "--model", model, "--t-end", 2000, "--examples", 20, "--json", tmp_path / "s2.json")
    assert proc.returncode == 0, proc.stderr
    sim = json.loads((tmp_path / "s2.json").read_text())
    assert sim["examples"] == 20 and sim["argmax_match"] == 20 and sim["max_abs_error"] < 1e-3


def test_compile_unreduced_shifted_and_fanout(tmp_path):
    model = reference("heart")
    assert dsd("compile", model, "--out", tmp_path / "a.txt").returncode == 0
    assert dsd("compile", model, "--out", tmp_path / "b.txt", "--inputs", "shifted").returncode == 0
    assert dsd("compile", model, "--out", tmp_path / "c.txt", "--reduce", "--fanout-limit", "4").returncode == 0
    from crn.textformat import read_crn

    assert read_crn(tmp_path / "a.txt").stats()["reactions"] == 36
    assert read_crn(tmp_path / "b.txt").stats()["reactions"] == 34  # one input reaction per input
    assert read_crn(tmp_path / "c.txt").stats()["max_products"] <= 4


def test_missing_file(tmp_path):
    assert_one_line_error(dsd("stats", tmp_path / "nope.txt"), "nope.txt", "not found")
    assert_one_line_error(dsd("compile", tmp_path / "nope.npz", "--out", tmp_path / "x.txt"), "nope.npz")


def test_malformed_crn_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("input A\nA -> B\nA + -> C\n")
    assert_one_line_error(dsd("stats", bad), "bad.txt:3:5", "expected species name")


def test_wrong_shape_model(tmp_path):
    d = json.loads(reference("iris-icml").read_text())
    d["weights"][1] = d["weights"][1][:5]  # 5 rows where the hidden layer has 8 units
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d))
    proc = dsd("compile", bad, "--out", tmp_path / "x.txt")
    assert_one_line_error(proc, "bad.json")
    assert not (tmp_path / "x.txt").exists()


def test_unknown_option_and_encoding(tmp_path):
    proc = dsd("stats", "--colour", "red")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr and "--colour" in proc.stderr
    proc = dsd("compile", reference("heart"), "--out", tmp_path / "x.txt", "--inputs", "triple")
    assert_one_line_error(proc, "--inputs", "triple")


def test_simulate_checks_the_model_matches_the_crn(tmp_path):
    crn = tmp_path / "crn.txt"
    assert dsd("compile", reference("heart"), "--out", crn).returncode == 0
    assert_one_line_error(dsd("simulate", crn, "--model", reference("iris-icml")), "inputs")


@pytest.mark.parametrize("scheme, complexes", [("soloveichik2010", 46), ("cardelli2011_NM", 58)])
def test_translate_verify_gatesim_on_the_heart_reference(tmp_path, scheme, complexes):
    model = reference("heart")
    crn, pil = tmp_path / "heart.txt", tmp_path / "heart.pil"
    assert dsd("compile", model, "--out", crn, "--reduce").returncode == 0
    proc = dsd("translate", crn, "--out", pil, "--model", model, "--scheme", scheme, "--json", tmp_path / "t.json")
    assert proc.returncode == 0, proc.stderr
    counts = json.loads((tmp_path / "t.json").read_text())
    assert {"complexes", "strands", "domains", "nucleotides"} <= set(counts)
    assert counts["complexes"] == complexes and counts["sizing"]["unit_nM"] == 10.0
    assert f"{complexes} complexes" in proc.stdout and scheme in proc.stdout
    proc = dsd("verify", pil, "--crn", crn, "--json", tmp_path / "v.json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "v.json").read_text())
    assert report["passed"] and report["shapes"] == 5 and report["reactions"] == 12
    proc = dsd("gatesim", pil, "--model", model, "--examples", "30", "--hours", "24", "--initial-leak", "0",
               "--json", tmp_path / "g.json")
    assert proc.returncode == 0, proc.stderr
    g = json.loads((tmp_path / "g.json").read_text())
    assert {"examples", "argmax_match", "max_abs_error", "hours_to_converge", "seconds", "readout_hours"} <= set(g)
    assert g["examples"] == 30 and g["argmax_match"] >= 29 and g["initial_leak"] == 0


def test_verify_fails_on_a_tampered_system_and_names_the_reaction(tmp_path):
    crn = tmp_path / "c.txt"
    crn.write_text("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp + Z\nXn + Z -> Yn\n")
    pil = tmp_path / "c.pil"
    assert dsd("translate", crn, "--out", pil, "--input-range", "-1", "1").returncode == 0
    text = pil.read_text()
    line = next(l for l in text.splitlines() if l.startswith("T_r0 = "))
    tampered = line.replace("r0g1( t_Z( d_Z u_Z + ) ) ", "")  # the translator loses its Z strand
    assert tampered != line
    pil.write_text(text.replace(line, tampered))
    proc = dsd("verify", pil, "--crn", crn)
    assert proc.returncode == 1
    assert "reaction 0" in proc.stderr and "T_r0" in proc.stderr


def test_dna_commands_report_user_errors_in_one_line(tmp_path):
    crn = tmp_path / "c.txt"
    crn.write_text("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp\n")
    assert_one_line_error(dsd("verify", tmp_path / "none.pil", "--crn", crn), "none.pil")
    assert_one_line_error(dsd("translate", crn, "--out", tmp_path / "s.pil", "--scheme", "nope"), "unknown scheme")
    pil = tmp_path / "s.pil"
    assert dsd("translate", crn, "--out", pil).returncode == 0  # unsized
    model = reference("iris-icml")
    assert_one_line_error(dsd("gatesim", pil, "--model", model), "not sized")


def test_design_writes_sequences_and_is_deterministic(tmp_path):
    crn = tmp_path / "c.txt"
    crn.write_text("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp + Z\nXn + Z -> Yn\n")
    pil = tmp_path / "c.pil"
    assert dsd("translate", crn, "--out", pil, "--input-range", "-1", "1").returncode == 0
    runs = []
    for name in ("a", "b"):
        proc = dsd("design", pil, "--out", tmp_path / name, "--seed", "3", "--json", tmp_path / f"{name}.json")
        assert proc.returncode == 0, proc.stderr
        runs.append((tmp_path / name / "domains.csv").read_text())
    assert runs[0] == runs[1]
    assert json.loads((tmp_path / "a.json").read_text())["passed"]
    assert_one_line_error(dsd("design", pil, "--out", tmp_path / "c", "--backend", "mfold"), "--backend")

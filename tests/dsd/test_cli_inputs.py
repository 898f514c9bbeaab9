"""CRN-only inputs from the command line: ``dsd simulate CRN --inputs CSV`` and ``dsd gatesim PIL
--inputs CSV`` write one row per input vector (formal units), in the CSV's order."""

import json
import subprocess
import sys

import pytest

CRN = "input X\ninput Z\noutput Y\nX -> Y\nY + Z -> W\n"


def dsd(*args, cwd):
    return subprocess.run([sys.executable, "-m", "dsd.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "crn.txt").write_text(CRN)
    (tmp_path / "in.csv").write_text("X,Z\n1,0.3\n1,0\n0.5,0\n")
    return tmp_path


@pytest.mark.parametrize("scheme", ["soloveichik2010", "cardelli2011_NM"])
def test_gatesim_inputs_agree_with_the_formal_crn_from_the_cli(folder, scheme):
    assert dsd("translate", "crn.txt", "--out", "sys.pil", "--input-range", "0", "1", "--scheme", scheme,
               cwd=folder).returncode == 0
    proc = dsd("gatesim", "sys.pil", "--inputs", "in.csv", "--leak", "0", "--initial-leak", "0", "--json", "g.json",
               cwd=folder)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((folder / "g.json").read_text())
    rows = report["rows"]
    assert [r["inputs"] for r in rows] == [{"X": 1.0, "Z": 0.3}, {"X": 1.0, "Z": 0.0}, {"X": 0.5, "Z": 0.0}]
    assert [r["formal_outputs"]["Y"] for r in rows] == pytest.approx([0.7, 1.0, 0.5], abs=1e-3)
    for r in rows:  # read at the label-free read-out time, not at the end
        assert abs(r["outputs"]["Y"] - r["formal_outputs"]["Y"]) < 0.02, r
    assert report["readout_source"] == "settle" and report["readout_hours"] < report["hours_simulated"]


def test_simulate_inputs_writes_rows_in_csv_order(folder):
    proc = dsd("simulate", "crn.txt", "--inputs", "in.csv", "--t-end", "2000", "--json", "s.json", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads((folder / "s.json").read_text())["rows"]
    assert [r["outputs"]["Y"] for r in rows] == pytest.approx([0.7, 1.0, 0.5], abs=1e-3)
    assert [r["inputs"]["Z"] for r in rows] == [0.3, 0.0, 0.0]


@pytest.mark.parametrize("text, message", [
    ("X,Q\n1,0\n", "in.csv: row 1, column 2: 'Q' is not an input of the CRN"),
    ("X\n1\n", "in.csv: row 1: no column for input 'Z'"),
    ("X,Z\n1,abc\n", "in.csv: row 2, column 'Z': expected a finite number, got 'abc'"),
    ("X,Z\n1\n", "in.csv: row 2: 1 cells, the header has 2"),
    ("X,Z\n", "in.csv: no input rows"),
])
def test_a_bad_inputs_csv_is_one_line_naming_row_and_column(folder, text, message):
    (folder / "in.csv").write_text(text)
    proc = dsd("simulate", "crn.txt", "--inputs", "in.csv", cwd=folder)
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_gatesim_needs_a_model_or_inputs(folder):
    assert dsd("translate", "crn.txt", "--out", "sys.pil", "--input-range", "0", "1", cwd=folder).returncode == 0
    proc = dsd("gatesim", "sys.pil", cwd=folder)
    assert proc.returncode == 2 and "--inputs" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1

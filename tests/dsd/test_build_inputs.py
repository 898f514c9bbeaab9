"""A CRN-only build simulates ``simulation.inputs`` at the formal and the gate level (inputs.json)
and the report shows them."""

import json

import pytest

from dsd.pipeline.build import planned_stages, run_build
from dsd.pipeline.spec import parse_spec

SPEC = {"name": "xyz", "crn": {"path": "crn.txt", "input_range": [0, 1], "reduce": False},
        "simulation": {"inputs": [[1, 0.3], [1, 0], [0.5, 0]]},
        "dsd": {"verify": False, "initial_leak": 0}, "sequences": {"enabled": False}}


def test_crn_only_build_simulates_its_input_vectors(tmp_path):
    (tmp_path / "crn.txt").write_text("input X\ninput Z\noutput Y\nX -> Y\nY + Z -> W\n")
    spec = parse_spec(SPEC, base_dir=tmp_path)
    assert planned_stages(spec)[-3:] == ["inputs", "report", "build.json"]
    run_build(spec, tmp_path / "b")
    data = json.loads((tmp_path / "b" / "inputs.json").read_text())
    assert [r["inputs"] for r in data["rows"]] == [{"X": 1.0, "Z": 0.3}, {"X": 1.0, "Z": 0.0}, {"X": 0.5, "Z": 0.0}]
    assert [r["formal_outputs"]["Y"] for r in data["rows"]] == pytest.approx([0.7, 1.0, 0.5], abs=1e-3)
    for r in data["rows"]:
        assert abs(r["outputs"]["Y"] - r["formal_outputs"]["Y"]) < 0.02
    assert data["readout_source"] == "settle" and 0 < data["readout_hours"] < 48
    html = (tmp_path / "b" / "report.html").read_text()
    assert 'id="inputs"' in html and "Y (gates)" in html


def test_an_input_vector_of_the_wrong_length_is_refused(tmp_path):
    (tmp_path / "crn.txt").write_text("input X\ninput Z\noutput Y\nX -> Y\nY + Z -> W\n")
    spec = parse_spec({**SPEC, "simulation": {"inputs": [[1.0]]}}, base_dir=tmp_path)
    with pytest.raises(Exception, match=r"simulation.inputs: vector 1 has 1 values; the CRN has 2 inputs"):
        run_build(spec, tmp_path / "b")

"""The gate-level read-out time is chosen without labels (the leak-free settle time x margin, or a
given time); agreement is reported at it and at the end; the leak sweep reads every leak case at
the same time."""

import json

import numpy as np
import pytest

from crn.textformat import parse_crn
from dsd.gatesim import READOUT_EPS, READOUT_MARGIN, GateSimulation, gate_report, readout_time
from dsd.schemes import get_scheme
from dsd.translate import translate_sized

SCHEME = get_scheme("soloveichik2010")
FANOUT = "input X = Xp - Xn\noutput Y = Yp - Yn\noutput Z = Zp - Zn\nXp -> Yp + Zp\nXn -> Yn + Zn\n"


def _system(text, low, high):
    crn = parse_crn(text)
    system, _ = translate_sized(crn, SCHEME, low, high)
    return crn, system


def test_readout_is_the_leak_free_settle_time_times_the_margin_and_ignores_the_labels():
    crn, system = _system(FANOUT, -1.0, 1.0)
    x = np.array([[0.8], [-0.5]])
    labels = np.array([[1.0, 0.0], [0.0, 1.0]])  # deliberately not what the circuit computes
    report, _ = gate_report(crn, system, SCHEME, 10.0, x, labels, hours=24)
    settle = report["leak_free_settle_hours"]
    assert 0 < settle < 24 and report["readout_source"] == "settle"
    assert report["readout_hours"] == pytest.approx(settle * READOUT_MARGIN)
    assert f"x {READOUT_MARGIN:g}" in report["readout_rule"] and f"{100 * READOUT_EPS:g} % of full scale" in report["readout_rule"]
    other, _ = gate_report(crn, system, SCHEME, 10.0, x, np.array([[0.0, 1.0], [1.0, 0.0]]), hours=24)
    assert other["readout_hours"] == report["readout_hours"]  # other labels, same read-out
    assert not [k for k in json.dumps(report).split('"') if "best" in k]  # no time picked by agreement
    # Y = Z = x: the fan-out agrees with itself, not with the made-up labels, at read-out and end
    assert report["argmax_match"] == report["argmax_match_end"] == 1


def test_a_given_readout_time_is_used_and_reported():
    crn, system = _system(FANOUT, -1.0, 1.0)
    report, _ = gate_report(crn, system, SCHEME, 10.0, np.array([[0.8]]), None, hours=24, readout_hours=0.01)
    assert report["readout_hours"] == 0.01 and report["readout_source"] == "given"
    assert report["compared_with"] == "formal CRN limit"
    # 36 s after mixing the outputs are far from done: the error at the read-out is large, at the end small
    assert report["max_abs_error"] > 0.3 and report["max_abs_error_end"] < 0.02


def test_a_run_that_never_settles_is_read_at_the_end_and_says_so():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([[[0.0], [1.0], [0.0], [1.0]]])  # still moving at the end
    sim = GateSimulation(t, y[:, -1], y, np.zeros(1), np.array([3.0]), 0.0)
    chosen = readout_time(sim)
    assert chosen["readout_hours"] == 3.0 and chosen["readout_source"] == "end"
    assert "did not settle" in chosen["readout_rule"]


def test_leak_sweep_reads_every_case_at_the_leak_free_readout():
    crn, system = _system(FANOUT, -1.0, 1.0)
    x = np.array([[0.8], [-0.5], [0.05]])
    report, _ = gate_report(crn, system, SCHEME, 10.0, x, None, hours=24, sweep=True,
                            leak_per_nM_s=1e-9, initial_leak=0.005)
    sweep = report["leak_sweep"]
    assert [(e["leak_per_nM_s"], e["initial_leak"]) for e in sweep] == [
        (lk, il) for lk in (0.0, 1e-9, 1e-8) for il in (0.0, 0.005, 0.02)]
    assert {e["readout_hours"] for e in sweep} == {report["readout_hours"]}
    errors = {(e["leak_per_nM_s"], e["initial_leak"]): e["max_abs_error"] for e in sweep}
    assert errors[(0.0, 0.0)] < errors[(0.0, 0.02)] and errors[(0.0, 0.0)] < errors[(1e-8, 0.0)]
    mine = errors[(1e-9, 0.005)]
    assert report["max_abs_error"] == pytest.approx(mine)  # the spec's case is the sweep's run
    assert len(report["agreement_over_time"]) == 9

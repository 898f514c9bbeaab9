"""Gate-level kinetics: Zhang-Winfree rates, analytic results at the gate level (a fan-out copies,
A + B -> C computes min), leak visible, and the IRIS reference network in real units."""

import numpy as np
import pytest

from crn.textformat import parse_crn
from dsd.gatesim import gate_report
from dsd.translate import translate_sized
from dsd.gatesim import simulate_gates
from dsd.kinetics import displacement_rate_per_nM_s, gate_crn
from dsd.schemes import get_scheme

SCHEME = get_scheme("soloveichik2010")
SCHEMES = ["soloveichik2010", "cardelli2011_NM"]


def gates_for(text, low, high, leak=0.0, unit_nM=10.0, scheme="soloveichik2010"):
    crn = parse_crn(text)
    sch = get_scheme(scheme)
    system, sizing = translate_sized(crn, sch, low, high, unit_nM=unit_nM)
    return crn, gate_crn(crn, system, sch, unit_nM, leak_per_nM_s=leak)


def test_zhang_winfree_rates():
    assert displacement_rate_per_nM_s(6) == pytest.approx(2.4e-3)
    assert displacement_rate_per_nM_s(5) == pytest.approx(9.6e-4)
    assert displacement_rate_per_nM_s(12) == pytest.approx(3.0e-3)
    with pytest.raises(ValueError, match="at least 4 nt"):
        displacement_rate_per_nM_s(3)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_gate_level_fanout_copies_its_input(scheme):
    crn, gates = gates_for("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> 2 Yp\nXn -> 2 Yn\n", -1.0, 1.0,
                           scheme=scheme)
    sim = simulate_gates(gates, np.array([[0.7], [-0.4], [0.0]]), 10.0, t_end_hours=24)
    assert sim.outputs[:, 0] == pytest.approx([1.4, -0.8, 0.0], abs=1e-4)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_gate_level_bimolecular_reaction_computes_min(scheme):
    text = "input A\ninput B\noutput C\nA + B -> C\n"
    crn, gates = gates_for(text, 0.0, 2.0, scheme=scheme)
    x = np.array([[0.3, 1.2], [1.5, 0.5], [1.0, 1.0], [0.0, 2.0]])
    sim = simulate_gates(gates, x, 10.0, t_end_hours=200)
    # min is approached as 1/t when the two are equal, so allow more there
    assert sim.outputs[:, 0] == pytest.approx(x.min(axis=1), abs=2e-2)
    assert np.abs(sim.outputs[[0, 1, 3], 0] - x.min(axis=1)[[0, 1, 3]]).max() < 1e-3


@pytest.mark.parametrize("scheme", SCHEMES)
def test_leak_makes_output_without_input_and_is_off_by_default(scheme):
    text = "input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp\n"
    for leak, expect_zero in ((0.0, True), (1e-6, False)):
        _, gates = gates_for(text, -1.0, 1.0, leak=leak, scheme=scheme)
        out = simulate_gates(gates, np.array([[0.0]]), 10.0, t_end_hours=10).outputs[0, 0]
        assert (abs(out) < 1e-9) == expect_zero, (leak, out)


def test_unsized_system_is_refused():
    from dsd.translate import translate

    crn = parse_crn("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp\n")
    with pytest.raises(ValueError, match="size the system"):
        gate_crn(crn, translate(crn, SCHEME), SCHEME, 10.0)


@pytest.mark.slow
def test_iris_reference_gate_level_agrees_on_all_150():
    from crn.compile import compile_network
    from crn.reduce import reduce_crn
    from nn.reference import load_reference_model
    from reference_models import REFERENCE_DIR, reference_json

    reference_json("iris-icml")  # skips when the reference models are absent
    model = load_reference_model(REFERENCE_DIR / "iris-icml.json")
    x = np.asarray(model.x)
    crn = reduce_crn(compile_network(model.network))
    system, _ = translate_sized(crn, SCHEME, x.min(axis=0), x.max(axis=0), examples=x)
    report, _ = gate_report(crn, system, SCHEME, 10.0, x, model.network.forward(x), hours=48)
    assert report["argmax_match"] >= 149
    assert report["max_abs_error"] < 1e-2
    assert 0 < report["hours_to_converge"] < 48

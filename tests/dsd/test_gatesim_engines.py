"""The gate-level CRN (not feed-forward: reversible toehold binding, occlusion) integrated by the
sparse BDF (the default) and by scipy's solve_ivp agree."""

import numpy as np
import pytest

from crn.feedforward import NotFeedForward, reaction_order
from crn.simulate import encode_inputs, simulate
from crn.textformat import parse_crn
from dsd.kinetics import gate_crn
from dsd.schemes import get_scheme
from dsd.translate import translate_sized

TEXT = ("input X1 = X1p - X1n\ninput X2 = X2p - X2n\noutput Y = Yp - Yn\n"
        "X1p -> Ap\nX2p -> Bp\nAp + Bp -> Yp\nX1n -> 2 Yn\nX2n -> Yn\n")


@pytest.mark.parametrize("scheme", ["soloveichik2010", "cardelli2011_NM"])
def test_sparse_and_scipy_engines_agree_on_gate_kinetics(scheme):
    crn = parse_crn(TEXT)
    sch = get_scheme(scheme)
    system, _ = translate_sized(crn, sch, -1.0, 1.0, unit_nM=10.0)
    gates = gate_crn(crn, system, sch, 10.0, leak_per_nM_s=1e-8, initial_leak=0.01)
    with pytest.raises(NotFeedForward):
        reaction_order(gates)
    x = np.array([[0.8, 0.5], [-0.6, 0.9], [0.3, -1.0], [1.0, 1.0]])
    c0 = encode_inputs(gates, x * 10.0)
    t_eval = np.concatenate([[0.0], np.geomspace(1.0, 24 * 3600.0, 40)])
    runs = {engine: simulate(gates, initial=c0, t_end=t_eval[-1], t_eval=t_eval, rtol=1e-8, atol=1e-9,
                             engine=engine, keep_trajectories=False)
            for engine in ("auto", "sparse", "scipy")}
    assert np.array_equal(runs["auto"].output_trajectories, runs["sparse"].output_trajectories)
    got, want = runs["sparse"].output_trajectories, runs["scipy"].output_trajectories
    scale = np.abs(want).max()
    assert scale > 1.0  # nM: the outputs moved
    assert np.abs(got - want).max() < 1e-5 * scale

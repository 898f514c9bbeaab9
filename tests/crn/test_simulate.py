"""The mass-action simulator against analytic results, finite differences and the reference models."""

import numpy as np
import pytest

from crn.analysis import agreement, convergence_times, rate_independence
from crn.compile import compile_network
from crn.model import CRN, Reaction, Signal
from crn.reduce import reduce_crn
from crn.simulate import MassAction, encode_inputs, simulate
from crn.textformat import parse_crn
from reference_models import reference_json, reference_network

RELU = CRN(
    [Reaction(["Xp"], ["M", "Yp"]), Reaction(["M", "Xn"], ["Yn"])],
    inputs=[Signal("X", "Xp", "Xn")],
    outputs=[Signal("Y", "Yp", "Yn")],
)


def relu_initial(x: np.ndarray, extra: float) -> np.ndarray:
    # a non-canonical dual-rail representation (both rails raised by `extra`) makes the
    # bimolecular reaction matter: x = (max(x,0) + extra) - (max(-x,0) + extra)
    init = np.zeros((len(x), len(RELU.species)))
    idx = {s: i for i, s in enumerate(RELU.species)}
    init[:, idx["Xp"]] = np.maximum(x, 0) + extra
    init[:, idx["Xn"]] = np.maximum(-x, 0) + extra
    return init


def test_relu_module_computes_max_x_0():
    x = np.linspace(-2, 2, 81)
    x = x[np.abs(x) >= 0.05]
    for extra in (0.0, 1.0):
        result = simulate(RELU, initial=relu_initial(x, extra), t_end=1000.0, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(result.outputs[:, 0], np.maximum(x, 0), atol=1e-6)


def test_relu_at_zero_converges_like_one_over_t():
    # at x = 0 with both rails at 1, M + X- -> Y- has equal reactants: residual = 1 / (1 + t)
    result = simulate(RELU, initial=relu_initial(np.zeros(1), 1.0), t_end=1e4, rtol=1e-10, atol=1e-14)
    assert abs(result.outputs[0, 0]) == pytest.approx(1 / (1 + 1e4), rel=1e-3)


def test_bimolecular_annihilation_computes_min():
    crn = parse_crn("input A\ninput B\noutput C\nA + B -> C\n")
    rng = np.random.default_rng(1)
    ab = rng.uniform(0, 2, size=(30, 2))
    ab[:, 1] = np.where(np.abs(ab[:, 0] - ab[:, 1]) < 0.05, ab[:, 1] + 0.1, ab[:, 1])
    result = simulate(crn, ab, t_end=2000.0, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(result.outputs[:, 0], ab.min(axis=1), atol=1e-6)


def test_stoichiometry_and_rates():
    crn = parse_crn("input A\noutput B\nA -> 2 B @ 3\n")
    result = simulate(crn, [[0.5], [1.5]], t_end=10.0)
    np.testing.assert_allclose(result.outputs[:, 0], [1.0, 3.0], atol=1e-8)
    # A(t) = a e^{-3t}: check one grid point
    i = np.searchsorted(result.t, 0.5)
    np.testing.assert_allclose(result.trajectories[1, i, 0], 1.5 * np.exp(-3 * result.t[i]), rtol=1e-5)


def test_analytic_jacobian_matches_finite_differences():
    crn = parse_crn("input A\ninput B\noutput C\n2 A + B -> C + D @ 0.7\nC -> A @ 2\nD + C -> 0 @ 1.3\n")
    kinetics = MassAction(crn)
    E = 3
    rhs, jac = kinetics.system(E)
    y = np.random.default_rng(0).uniform(0.1, 2.0, size=E * kinetics.n_species)
    J = jac(0.0, y).toarray()
    h = 1e-6
    fd = np.column_stack([(rhs(0, y + h * e) - rhs(0, y - h * e)) / (2 * h) for e in np.eye(len(y))])
    np.testing.assert_allclose(J, fd, atol=1e-6)


def test_batched_equals_one_at_a_time():
    crn = reduce_crn(compile_network(reference_network("heart")))
    d = reference_json("heart")
    x = np.array([e["x"] for e in d["examples"][:6]])
    batched = simulate(crn, x, t_end=50.0).outputs
    single = np.vstack([simulate(crn, x[i : i + 1], t_end=50.0).outputs for i in range(len(x))])
    np.testing.assert_allclose(batched, single, atol=1e-7)


def test_encode_inputs_rejects_values_below_the_shift():
    crn = CRN([Reaction(["X0"], ["Y0p"])], inputs=[Signal("X0", "X0", None, 1.0)], outputs=[Signal("Y0", "Y0p", "Y0n")])
    np.testing.assert_allclose(encode_inputs(crn, [[0.5]])[0, crn.species.index("X0")], 1.5)
    with pytest.raises(ValueError, match="X0 = -2 .*below"):
        encode_inputs(crn, [[-2.0]])


@pytest.mark.parametrize("name", ["iris-icml", "heart", "virus",
                                  pytest.param("mnist14", marks=pytest.mark.slow)])
@pytest.mark.parametrize("form", ["unreduced", "reduced"])
def test_reference_models_argmax_equals_nn_label(name, form):
    d = reference_json(name)
    net = reference_network(name)
    x = np.array([e["x"] for e in d["examples"]])
    nn_label = np.array([e["nn_label"] for e in d["examples"]])
    crn = compile_network(net)
    if form == "reduced":
        crn = reduce_crn(crn)
    result = simulate(crn, x, t_end=d["tmax"], rtol=1e-6, atol=1e-9, n_points=51, keep_trajectories=False)
    assert (result.outputs.argmax(axis=1) == nn_label).all()
    report = agreement(result.outputs, net.forward(x))
    assert report["argmax_match"] == len(x)
    # slow 1/t tails of near-zero ReLU inputs: the error at the paper's tmax is small, not zero
    assert report["max_abs_error"] < 0.1


def test_longer_simulation_reaches_1e_3():
    d = reference_json("iris-icml")
    net = reference_network("iris-icml")
    x = np.array([e["x"] for e in d["examples"]])
    crn = reduce_crn(compile_network(net))
    result = simulate(crn, x, t_end=5000.0, rtol=1e-8, atol=1e-11, n_points=11, keep_trajectories=False)
    assert agreement(result.outputs, net.forward(x))["max_abs_error"] < 1e-3


def test_rate_independence_iris():
    d = reference_json("iris-icml")
    x = np.array([e["x"] for e in d["examples"]])  # all 150 examples
    crn = reduce_crn(compile_network(reference_network("iris-icml")))
    report = rate_independence(crn, x, n_draws=5, seed=0, t_end=5000.0, rtol=1e-8, atol=1e-11, n_points=3)
    assert report["draws"] == 5
    assert max(report["max_abs_difference"]) < 1e-3


class _Result:
    def __init__(self, t, traj):
        self.t, self.output_trajectories = t, traj


def test_convergence_times_by_hand():
    t = np.arange(5.0)
    traj = np.array([[[0, 1], [2, 1], [0.5, 1], [1.2, 1], [1.2005, 1]]], float)  # winner: output 0
    times = convergence_times(_Result(t, traj), eps=1e-3)
    assert times["stabilisation_time"][0] == 3.0  # last not-leading at t=2
    assert times["settle_time"][0] == 3.0
    always = np.array([[[2, 1], [2, 1]]], float)
    assert convergence_times(_Result(np.arange(2.0), always))["stabilisation_time"][0] == 0.0

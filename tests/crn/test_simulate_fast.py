"""The feed-forward BDF (crn.simulate_ff + crn.simulate_bdf) against a plain solve_ivp reference."""

import numpy as np
import pytest

from crn.compile import compile_network
from crn.feedforward import NotFeedForward
from crn.model import CRN, Reaction, Signal
from crn.reduce import reduce_crn
from crn.simulate import simulate
from crn.simulate_bdf import integrate, rescale_matrix
from crn.simulate_ff import FeedForwardKinetics
from mass_action_reference import reference
from reference_models import reference_json, reference_network


def random_feedforward(seed: int) -> tuple[CRN, np.ndarray]:
    """Inputs X_i consumed by first-order reactions only, then layers of uni-, bi- and
    2A-molecular reactions; every species consumed at most once; random rates and initial values."""
    rng = np.random.default_rng(seed)
    n_in = int(rng.integers(1, 4))
    inputs = [Signal(f"X{i}", f"X{i}") for i in range(n_in)]
    free = [f"X{i}" for i in range(n_in)]  # produced or input species nobody consumes yet
    reactions, made = [], 0
    for layer in range(int(rng.integers(1, 4))):
        new = [f"S{made + j}" for j in range(int(rng.integers(2, 6)))]
        made += len(new)
        rng.shuffle(free)
        while free:
            kind = rng.choice(["uni", "bi", "two"]) if not free[0].startswith("X") else "uni"
            if kind == "bi" and len(free) >= 2 and not free[1].startswith("X"):
                left = [free.pop(0), free.pop(0)]
            elif kind == "two":
                left = {free.pop(0): 2}
            else:
                left = [free.pop(0)]
            right = {str(s): int(rng.integers(1, 4)) for s in rng.choice(new, size=int(rng.integers(1, 3)), replace=False)}
            reactions.append(Reaction(left, right, float(rng.uniform(0.5, 3.0))))
        free = list(new)
    init = {str(s): float(rng.uniform(0, 1)) for s in rng.choice([f"S{j}" for j in range(made)], size=2)}
    crn = CRN(reactions, init, inputs, [Signal("Y", free[0])])
    return crn, rng.uniform(0, 2, size=(3, n_in))


@pytest.mark.parametrize("seed", range(12))
def test_feedforward_path_matches_solve_ivp(seed):
    crn, x = random_feedforward(seed)
    kinetics = FeedForwardKinetics(crn)  # feed-forward by construction
    assert len(kinetics.sources) >= len(crn.inputs)
    t_eval = np.linspace(0, 20, 11)
    result = simulate(crn, x, t_end=20.0, t_eval=t_eval, rtol=1e-9, atol=1e-12, engine="feedforward")
    from crn.simulate import encode_inputs

    for e, c0 in enumerate(encode_inputs(crn, x)):
        expected = reference(crn, c0, t_eval)
        np.testing.assert_allclose(result.trajectories[e], np.maximum(expected, 0), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(result.final[e], np.maximum(expected[-1], 0), rtol=1e-6, atol=1e-9)


def test_inputs_decay_exactly_and_leave_the_ode():
    crn = CRN([Reaction(["Xp"], {"A": 2, "B": 1}, 3.0), Reaction(["Xn"], ["B"], 0.5), Reaction(["A", "B"], ["Y"])],
              inputs=[Signal("X", "Xp", "Xn")], outputs=[Signal("Y", "Y")])
    kinetics = FeedForwardKinetics(crn)
    assert [crn.species[i] for i in kinetics.sources] == ["Xp", "Xn"]
    assert sorted(crn.species[i] for i in kinetics.ode_species) == ["A", "B", "Y"]
    x = np.array([[1.5], [-0.7]])
    t = np.linspace(0, 5, 26)
    result = simulate(crn, x, t_end=5.0, t_eval=t, rtol=1e-9, atol=1e-12)
    xp, xn = crn.species.index("Xp"), crn.species.index("Xn")
    np.testing.assert_allclose(result.trajectories[0, :, xp], 1.5 * np.exp(-3.0 * t), rtol=1e-14)
    np.testing.assert_allclose(result.trajectories[1, :, xn], 0.7 * np.exp(-0.5 * t), rtol=1e-14)
    assert np.all(result.trajectories[0, :, xn] == 0)
    from crn.simulate import encode_inputs

    for e, c0 in enumerate(encode_inputs(crn, x)):
        np.testing.assert_allclose(result.trajectories[e], reference(crn, c0, t), rtol=1e-6, atol=1e-10)


def test_single_rail_input_and_reaction_rates_override():
    net = reference_network("iris-icml")
    d = reference_json("iris-icml")
    x = np.array([e["x"] for e in d["examples"][:4]])
    crn = reduce_crn(compile_network(net, inputs="shifted", input_low=x.min(axis=0)))
    rates = np.random.default_rng(3).uniform(0.2, 5.0, len(crn.reactions))
    t = np.array([0.0, 1.0, 5.0])
    result = simulate(crn, x, t_end=5.0, t_eval=t, rates=rates, rtol=1e-9, atol=1e-12)
    from crn.simulate import encode_inputs

    for e, c0 in enumerate(encode_inputs(crn, x)):
        np.testing.assert_allclose(result.trajectories[e], reference(crn, c0, t, rates), rtol=1e-6, atol=1e-9)


def test_not_feedforward_crns_take_the_general_path():
    # B catalyses its own production and A is consumed twice: no topological order exists
    crn = CRN([Reaction(["A", "B"], {"B": 2}), Reaction(["A"], ["C"], 0.3)], inputs=[Signal("A", "A"), Signal("B", "B")],
              outputs=[Signal("C", "C")])
    with pytest.raises(NotFeedForward):
        FeedForwardKinetics(crn)
    with pytest.raises(NotFeedForward):
        simulate(crn, [[1.0, 0.1]], engine="feedforward")
    t = np.linspace(0, 10, 6)
    result = simulate(crn, [[1.0, 0.1]], t_end=10.0, t_eval=t, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.trajectories[0], reference(crn, np.array([1.0, 0.1, 0.0]), t), rtol=1e-6, atol=1e-9)


def test_engines_agree_on_a_reference_model():
    d = reference_json("heart")
    x = np.array([e["x"] for e in d["examples"][:10]])
    crn = reduce_crn(compile_network(reference_network("heart")))
    fast = simulate(crn, x, t_end=50.0, rtol=1e-9, atol=1e-12, n_points=11)
    general = simulate(crn, x, t_end=50.0, rtol=1e-9, atol=1e-12, n_points=11, engine="scipy")
    np.testing.assert_allclose(fast.output_trajectories, general.output_trajectories, rtol=1e-6, atol=1e-7)
    assert fast.nfev < general.nfev


def test_outputs_without_trajectories_are_the_same():
    d = reference_json("iris-icml")
    x = np.array([e["x"] for e in d["examples"][:20]])
    crn = reduce_crn(compile_network(reference_network("iris-icml")))
    kept = simulate(crn, x, t_end=20.0, n_points=21)
    lean = simulate(crn, x, t_end=20.0, n_points=21, keep_trajectories=False)
    assert lean.trajectories is None
    np.testing.assert_array_equal(kept.output_trajectories, lean.output_trajectories)
    np.testing.assert_array_equal(kept.final, lean.final)


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
def test_rescaling_the_differences_is_exact_for_polynomials(order):
    rng = np.random.default_rng(order)
    coefficients = rng.normal(size=order + 1)
    p = np.polynomial.Polynomial(coefficients)

    def differences(h):
        values = p(-h * np.arange(order + 1))  # y_n, y_{n-1}, ... at t_n = 0
        out = []
        for _ in range(order):
            values = values[:-1] - values[1:]
            out.append(values[0])
        return np.array(out)

    for factor in (0.3, 1.0, 2.5):
        np.testing.assert_allclose(rescale_matrix(order, factor) @ differences(0.1), differences(0.1 * factor),
                                   rtol=1e-10, atol=1e-12)


class Linear:
    """y' = -lam * y, one column per lam."""

    def __init__(self, lam):
        self.lam = np.asarray(lam, float)[None, :]

    def rhs(self, t, y):
        return -self.lam * y

    def prepare(self, t, y, c):
        self.c = c

    def solve(self, r):
        return r / (1 + self.c * self.lam)


def test_integrator_meets_the_tolerance_on_each_example():
    lam = np.array([0.1, 1.0, 10.0, 1000.0])
    t = np.linspace(0, 10, 21)
    for rtol in (1e-5, 1e-8):
        sol = integrate(Linear(lam), np.ones((1, 4)), t, rtol=rtol, atol=1e-30)
        exact = np.exp(-np.outer(t, lam))
        # global error: within a modest multiple of the local tolerance, relative to the initial value
        assert np.max(np.abs(sol.y[:, 0, :] - exact)) < 50 * rtol
        np.testing.assert_allclose(sol.final[0], exact[-1], rtol=100 * rtol, atol=1e-30 + 50 * rtol * 1e-4)


def test_edge_cases_no_reactions_constant_production_no_examples():
    constant = CRN([], inputs=[Signal("A", "A")], outputs=[Signal("Y", "A")])
    np.testing.assert_allclose(simulate(constant, [[2.0]], t_end=3.0, n_points=3).outputs, [[2.0]])
    source = CRN([Reaction([], ["B"], 0.5)], inputs=[Signal("A", "A")], outputs=[Signal("B", "B")])
    np.testing.assert_allclose(simulate(source, [[2.0]], t_end=3.0, n_points=3).outputs, [[1.5]], rtol=1e-9)
    pair = CRN([Reaction(["A", "B"], ["C"])], inputs=[Signal("A", "A"), Signal("B", "B")], outputs=[Signal("C", "C")])
    assert simulate(pair, np.zeros((0, 2)), t_end=5.0).outputs.shape == (0, 1)

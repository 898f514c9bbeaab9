"""The sparse BDF (crn.simulate_sparse + crn.simulate_lu) for CRNs that are not feed-forward,
against mass action written out plainly and integrated by scipy's solve_ivp (LSODA, 1e-12)."""

import numpy as np
import pytest

from crn.simulate import SimulationError, simulate
from crn.simulate_lu import BatchedLU, minimum_degree
from crn.textformat import parse_crn
from mass_action_reference import reference as plain_reference


CRNS = {
    "reversible": ("input A\ninput B\noutput C\nA + B -> C\nC -> A + B @ 0.3\n", [[1.0, 2.0], [0.5, 0.1], [3.0, 3.0]],
                   20.0),
    "catalytic cycle": ("input S\ninput E\noutput P\nE + S -> C @ 2\nC -> E + S @ 0.5\nC -> E + P\n"
                        "P -> Q @ 0.2\nQ -> S @ 0.1\n", [[2.0, 0.1], [0.5, 1.0]], 60.0),
    "approximate majority": ("input X\ninput Y\noutput B\nX + Y -> 2 B\nX + B -> 2 X\nY + B -> 2 Y\n",
                             [[0.7, 0.3], [0.4, 0.6], [0.52, 0.48]], 30.0),
    "dimer": ("input A\noutput D\n2 A -> D @ 3\nD -> 2 A @ 0.01\nD + A -> T\n", [[1.0], [0.2]], 40.0),
}


@pytest.mark.parametrize("name", sorted(CRNS))
def test_sparse_engine_matches_solve_ivp(name):
    text, x, t_end = CRNS[name]
    crn = parse_crn(text)
    x = np.array(x)
    got = simulate(crn, x, t_end=t_end, n_points=31, engine="sparse", rtol=1e-9, atol=1e-12)
    from crn.simulate import encode_inputs

    c0 = encode_inputs(crn, x)
    for e in range(len(x)):
        want = plain_reference(crn, c0[e], got.t)
        assert np.allclose(got.trajectories[e], want, rtol=1e-5, atol=1e-7), name


def test_auto_picks_the_sparse_engine_for_other_crns():
    crn = parse_crn(CRNS["approximate majority"][0])
    x = np.array(CRNS["approximate majority"][1])
    auto = simulate(crn, x, t_end=30.0, rtol=1e-6, atol=1e-9)
    sparse = simulate(crn, x, t_end=30.0, rtol=1e-6, atol=1e-9, engine="sparse")
    scipy_run = simulate(crn, x, t_end=30.0, rtol=1e-6, atol=1e-9, engine="scipy")
    assert np.array_equal(auto.final, sparse.final)
    assert np.allclose(sparse.final, scipy_run.final, atol=1e-4)
    with pytest.raises(ValueError, match="engine must be one of"):
        simulate(crn, x, engine="cvode")


def test_newton_matrix_reuse_keeps_the_answer():
    """A stiff reversible chain: with the LU kept across steps the answer is the fresh one's."""
    from crn.simulate_bdf import integrate
    from crn.simulate_sparse import SparseKinetics

    crn = parse_crn("input A\noutput D\nA -> B @ 1000\nB -> A @ 1\nB + B -> C @ 5\nC -> D @ 0.01\nD -> A @ 0.001\n")
    kinetics = SparseKinetics(crn)
    y0 = np.zeros((len(crn.species), 2))
    y0[list(kinetics.mass.species).index("A")] = [1.0, 3.0]
    t = np.linspace(0.0, 500.0, 11)
    fresh = integrate(kinetics.system(), y0, t, rtol=1e-8, atol=1e-11)
    kept = integrate(kinetics.system(), y0, t, rtol=1e-8, atol=1e-11, reuse=True)
    assert kept.nlu < fresh.nlu / 2
    assert np.allclose(kept.y, fresh.y, rtol=1e-5, atol=1e-8)
    for e in range(2):
        want = plain_reference(crn, y0[:, e][np.argsort(kinetics.perm)], t)[:, kinetics.perm]
        assert np.allclose(kept.y[:, :, e], want, rtol=1e-5, atol=1e-8)


def _random_pattern(rng, n: int, density: float):
    A = (rng.random((n, n)) < density).astype(float)
    np.fill_diagonal(A, 1.0)
    A[:, n - 2 :] = 0.0  # two columns with only the diagonal: solved last by substitution
    np.fill_diagonal(A, 1.0)
    rows, cols = np.nonzero(A)
    return rows, cols


@pytest.mark.parametrize("seed", range(4))
def test_batched_lu_solves_like_numpy(seed):
    rng = np.random.default_rng(seed)
    n, E = 40, 5
    rows, cols = _random_pattern(rng, n, 0.08)
    values = rng.normal(size=(len(rows), E))
    values[rows == cols] += 10.0  # diagonal pivots are safe
    lu = BatchedLU(n, rows, cols)
    lu.factor(values)
    r = rng.normal(size=(n, E))
    x = lu.solve(r.copy())
    assert not lu.fallback
    for e in range(E):
        A = np.zeros((n, n))
        A[rows, cols] = values[:, e]
        assert np.allclose(x[:, e], np.linalg.solve(A, r[:, e]), rtol=1e-10, atol=1e-12)


def test_batched_lu_falls_back_to_pivoting_on_a_zero_pivot():
    """An arrow matrix whose leaf 1 has a zero diagonal entry in one example: that example is solved
    by SuperLU with row exchanges, the others by the diagonal pivots."""
    n = 6
    rows = np.array(list(range(n)) + [0] * (n - 1) + list(range(1, n)))
    cols = np.array(list(range(n)) + list(range(1, n)) + [0] * (n - 1))
    values = np.ones((len(rows), 3))
    values[:n] = 4.0
    values[1, 1] = 0.0  # the diagonal of leaf 1 (eliminated first: the hub 0 comes last)
    lu = BatchedLU(n, rows, cols)
    lu.factor(values)
    assert list(lu.fallback) == [1]
    r = np.arange(1.0, 1.0 + n * 3).reshape(n, 3)
    x = lu.solve(r.copy())
    for e in range(3):
        A = np.zeros((n, n))
        A[rows, cols] = values[:, e]
        assert np.allclose(A @ x[:, e], r[:, e])


def test_minimum_degree_eliminates_the_leaves_of_a_star_first():
    order, struct = minimum_degree(4, [{3}, {3}, {3}, {0, 1, 2}])
    assert order == [0, 1, 2, 3]  # the hub first would fill in the whole matrix
    assert struct == [[3], [3], [3], []]


def test_sparse_engine_reports_a_blow_up():
    crn = parse_crn("input A\noutput B\n2 A -> 3 A\nA -> A + B\n")
    with pytest.raises(SimulationError):
        simulate(crn, [[1.0]], t_end=10.0, engine="sparse")


def test_batches_of_examples_give_the_answer_of_one_batch():
    from crn.simulate import encode_inputs
    from crn.simulate_sparse import SparseKinetics, integrate_sparse

    text, x, t_end = CRNS["catalytic cycle"]
    crn = parse_crn(text)
    c0 = encode_inputs(crn, np.array(x * 3))
    kinetics = SparseKinetics(crn)
    t = np.linspace(0.0, t_end, 7)
    columns = np.arange(len(crn.species))
    together = integrate_sparse(kinetics, c0, t, rtol=1e-9, atol=1e-12, columns=columns)
    alone = integrate_sparse(kinetics, c0, t, rtol=1e-9, atol=1e-12, columns=columns, batch_entries=1)
    assert alone["nlu"] > together["nlu"]  # six batches of one example each
    assert np.allclose(alone["traj"], together["traj"], rtol=1e-6, atol=1e-9)
    assert np.allclose(alone["final"], together["final"], rtol=1e-6, atol=1e-9)

"""Dead inputs and units (no nonzero-weight path to an output) get no reactions (issue 13, item 3)."""

import numpy as np
import pytest

from crn.compile import compile_network, live_units
from crn.feedforward import fire_to_completion
from crn.forms import formal_form
from crn.model import Reaction
from crn.simulate import encode_inputs, simulate
from nn.network import Network


def output_values(crn, x):
    final, _ = fire_to_completion(crn, encode_inputs(crn, x))
    index = {s: i for i, s in enumerate(crn.species)}
    return np.stack([final[:, index[s.plus]] - (final[:, index[s.minus]] if s.minus else s.offset)
                     for s in crn.outputs], axis=1)


def dead_network(seed=0):
    """A 6-5-4-3 ternary network: input 1 and 4 dead (zero rows), hidden unit 1_2 dead (zero row),
    unit 1_0 dead through unit 2_1 (its only target, which feeds nothing), unit 2_3 all-zero."""
    rng = np.random.default_rng(seed)
    w0 = rng.choice([-1.0, 1.0], size=(6, 5))
    w1 = rng.choice([-1.0, 1.0], size=(5, 4))
    w2 = rng.choice([-1.0, 1.0], size=(4, 3))
    w0[[1, 4], :] = 0
    w1[2, :] = 0
    w1[0, :] = [0, 2, 0, 0]  # unit 1_0 reaches only unit 2_1 ...
    w2[1, :] = 0  # ... which reaches no output
    w2[3, :] = 0
    return Network([w0, w1, w2], [rng.normal(size=5), rng.normal(size=4), rng.normal(size=3)])


def test_live_units_follow_paths_backwards():
    live = live_units(dead_network().weights)
    assert [m.tolist() for m in live] == [
        [True, False, True, True, False, True],
        [False, True, False, True, True],
        [True, False, True, False],
        [True, True, True],
    ]


def test_dead_inputs_and_units_get_no_reactions():
    net = dead_network()
    crn = compile_network(net)
    consumed = {s for r in crn.reactions for s, _ in r.reactants}
    assert {"X1p", "X1n", "X4p", "X4n"}.isdisjoint(consumed)  # no X1p -> 0
    assert [s.name for s in crn.inputs] == [f"X{i}" for i in range(6)]  # the interface is the network's
    for dead in ("1_0", "1_2", "2_1", "2_3"):
        assert not any(s[1:].startswith(dead) for s in crn.species), dead
    assert all(r.products for r in crn.reactions)  # nothing fans out to nowhere
    # 4 live inputs x 2 + 3 live layer-1 units x 4 + 2 live layer-2 units x 4
    assert crn.stats()["reactions"] == 8 + 12 + 8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pruned_crn_computes_the_network(seed):
    net = dead_network(seed)
    x = np.random.default_rng(10 + seed).normal(size=(40, 6)) * 2
    crn = compile_network(net)
    assert np.allclose(output_values(crn, x), net.forward(x), atol=1e-9)
    reduced = formal_form(crn, reduce=True, cancellation=False, fanout_limit=None)
    assert np.allclose(output_values(reduced, x), net.forward(x), atol=1e-9)


def test_pruned_crn_mass_action_matches_the_network():
    net = dead_network(3)
    x = np.random.default_rng(7).normal(size=(5, 6))
    result = simulate(compile_network(net), x, t_end=200.0, keep_trajectories=False)
    assert np.allclose(result.outputs, net.forward(x), atol=1e-3)


def test_shifted_inputs_skip_dead_inputs_too():
    net = Network([np.array([[1.0], [0.0]])], [np.zeros(1)])
    crn = compile_network(net, inputs="shifted", input_low=np.array([-1.0, -1.0]))
    assert crn.reactions == (Reaction(["X0"], ["Y0p"]),)
    assert crn.init == {"Y0n": 1.0}  # the shift of input 0 folded in; input 1's weight is 0

import numpy as np
import pytest

from reference_models import reference_json, reference_network
from crn.compile import CompileError, compile_network
from crn.model import Reaction
from crn.reduce import reduce_crn
from nn.network import Network


def random_binary(dims, seed=0):
    rng = np.random.default_rng(seed)
    return Network(
        [rng.choice([-1.0, 1.0], size=(a, b)) for a, b in zip(dims, dims[1:])],
        [rng.normal(size=b) for b in dims[1:]],
    )


@pytest.mark.parametrize(
    "dims, unreduced, bimolecular, unimolecular",
    [((4, 8, 3), 40, 8, 8), ((196, 512, 512, 10), 4488, 1024, 392), ((10, 32, 4), 148, 32, 20)],
)
def test_paper_reaction_counts(dims, unreduced, bimolecular, unimolecular):
    crn = compile_network(random_binary(dims))
    assert crn.stats()["reactions"] == unreduced
    reduced = reduce_crn(crn).stats()
    assert (reduced["bimolecular"], reduced["unimolecular"]) == (bimolecular, unimolecular)
    assert reduced["reactions"] == bimolecular + unimolecular


@pytest.mark.parametrize(
    "name, unreduced, reduced", [("iris-icml", 40, 16), ("virus", 52, 28), ("mnist14", 648, 456), ("heart", 36, 12)]
)
def test_reference_model_counts(name, unreduced, reduced):
    crn = compile_network(reference_network(name))
    assert crn.stats()["reactions"] == unreduced == reference_json(name)["reactions_unreduced"]
    assert reduce_crn(crn).stats()["reactions"] == reduced


def test_small_network_reactions_by_hand():
    # y = relu(x - 0.5) + relu(-x) + 1 ; inputs dual-rail
    net = Network([np.array([[1.0, -1.0]]), np.array([[1.0], [1.0]])], [np.array([-0.5, 0.0]), np.array([1.0])])
    crn = compile_network(net)
    got = set(crn.reactions)
    expected = {
        Reaction(["X0p"], ["I1_0p", "I1_1n"]),
        Reaction(["X0n"], ["I1_0n", "I1_1p"]),
        Reaction(["I1_0p"], ["M1_0", "H1_0p"]),
        Reaction(["M1_0", "I1_0n"], ["H1_0n"]),
        Reaction(["I1_1p"], ["M1_1", "H1_1p"]),
        Reaction(["M1_1", "I1_1n"], ["H1_1n"]),
        Reaction(["H1_0p"], ["Y0p"]),
        Reaction(["H1_0n"], ["Y0n"]),
        Reaction(["H1_1p"], ["Y0p"]),
        Reaction(["H1_1n"], ["Y0n"]),
    }
    assert got == expected and len(crn.reactions) == 10
    assert crn.init == {"I1_0n": 0.5, "Y0p": 1.0}
    assert [s.name for s in crn.inputs] == ["X0"] and [s.name for s in crn.outputs] == ["Y0"]


def test_ternary_zero_weight_gives_no_product():
    net = Network([np.array([[1.0, 1.0]]), np.array([[0.0], [-1.0]])], [np.zeros(2), np.zeros(1)])
    crn = compile_network(net)
    assert Reaction(["X0p"], ["I1_1p"]) in crn.reactions  # no I1_0p: unit 0 feeds nothing
    assert Reaction(["H1_1p"], ["Y0n"]) in crn.reactions
    assert not any(s.startswith(("I1_0", "M1_0", "H1_0")) for s in crn.species)


def test_integer_weight_becomes_stoichiometry():
    net = Network([np.array([[3.0, -2.0]])], [np.zeros(2)])
    crn = compile_network(net)
    assert Reaction(["X0p"], {"Y0p": 3, "Y1n": 2}) in crn.reactions
    assert Reaction(["X0n"], {"Y0n": 3, "Y1p": 2}) in crn.reactions


def test_non_integer_weight_is_rejected_with_rescaling_hint():
    net = Network([np.array([[0.5, 1.0]])], [np.zeros(2)])
    with pytest.raises(CompileError, match=r"layer 0 weight \[0, 0\] = 0.5.*[Rr]escale"):
        compile_network(net)


def test_shifted_inputs_fold_the_shift_into_the_first_bias():
    net = Network([np.array([[1.0, -1.0], [1.0, 1.0]])], [np.array([0.0, 1.0])])
    crn = compile_network(net, inputs="shifted", input_low=np.array([-2.0, 1.0]))
    assert crn.stats()["reactions"] == 2  # one per input instead of two
    assert [(s.plus, s.minus, s.offset) for s in crn.inputs] == [("X0", None, 2.0), ("X1", None, 0.0)]
    # b' = b - c @ W = [0 - 2, 1 + 2]
    assert crn.init == {"Y0n": 2.0, "Y1p": 3.0}
    with pytest.raises(CompileError, match="input_low"):
        compile_network(net, inputs="shifted")

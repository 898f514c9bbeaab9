"""The compiled CRN computes the network exactly (fire-to-completion reference), in every form."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crn.compile import compile_network
from crn.feedforward import NotFeedForward, fire_to_completion
from crn.model import CRN, Reaction, Signal
from crn.reduce import limit_fanout, reduce_crn
from nn.network import Network
from reference_models import reference_json, reference_network


def encode(crn: CRN, x: np.ndarray) -> np.ndarray:
    """Independent input encoding (dual-rail: positive part / negative part; single: x + offset)."""
    index = {s: i for i, s in enumerate(crn.species)}
    conc = np.zeros((len(x), len(index)))
    for s, c in crn.init.items():
        conc[:, index[s]] = c
    for k, sig in enumerate(crn.inputs):
        if sig.minus is None:
            conc[:, index[sig.plus]] += x[:, k] + sig.offset
        else:
            conc[:, index[sig.plus]] += np.maximum(x[:, k], 0)
            conc[:, index[sig.minus]] += np.maximum(-x[:, k], 0)
    return conc


def outputs(crn: CRN, x: np.ndarray) -> np.ndarray:
    final, _ = fire_to_completion(crn, encode(crn, x))
    index = {s: i for i, s in enumerate(crn.species)}
    return np.stack([final[:, index[o.plus]] - final[:, index[o.minus]] for o in crn.outputs], axis=1)


@st.composite
def networks(draw):
    dims = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    weights = [rng.integers(-2, 3, size=(a, b)).astype(float) for a, b in zip(dims, dims[1:])]
    biases = [np.round(rng.normal(size=b), 3) for b in dims[1:]]
    x = rng.normal(size=(6, dims[0])) * 2
    return Network(weights, biases), x


@settings(max_examples=150, deadline=None)
@given(networks(), st.sampled_from(["plain", "reduced", "fanout"]), st.sampled_from(["dual", "shifted"]))
def test_every_crn_form_computes_the_network(case, form, encoding):
    net, x = case
    crn = compile_network(net, inputs=encoding, input_low=x.min(axis=0))
    if form != "plain":
        crn = reduce_crn(crn)
    if form == "fanout":
        crn = limit_fanout(crn, 2)
    np.testing.assert_allclose(outputs(crn, x), net.forward(x), atol=1e-9)


@pytest.mark.parametrize("name", ["iris-icml", "heart", "virus", "mnist14"])
def test_reference_models_exactly(name):
    d = reference_json(name)
    net = reference_network(name)
    x = np.array([e["x"] for e in d["examples"]])
    nn_label = np.array([e["nn_label"] for e in d["examples"]])
    for crn in (compile_network(net), reduce_crn(compile_network(net))):
        y = outputs(crn, x)
        np.testing.assert_allclose(y, net.forward(x), atol=1e-9)
        assert (y.argmax(axis=1) == nn_label).all()


def test_relu_and_min_by_firing():
    relu = CRN(
        [Reaction(["Xp"], ["M", "Yp"]), Reaction(["M", "Xn"], ["Yn"])],
        inputs=[Signal("X", "Xp", "Xn")], outputs=[Signal("Y", "Yp", "Yn")],
    )
    x = np.linspace(-2, 2, 41)[:, None]
    np.testing.assert_allclose(outputs(relu, x), np.maximum(x, 0), atol=1e-12)
    mini = CRN([Reaction(["A", "B"], ["C"])], inputs=[Signal("A", "A"), Signal("B", "B")], outputs=[Signal("C", "C")])
    final, extents = fire_to_completion(mini, np.array([[2.0, 3.0, 0.0], [1.5, 0.5, 0.0]]))
    np.testing.assert_allclose(final[:, 2], [2.0, 0.5])
    np.testing.assert_allclose(extents[:, 0], [2.0, 0.5])


def test_rejects_rate_dependent_crns():
    with pytest.raises(NotFeedForward, match="consumed by 2"):
        fire_to_completion(CRN([Reaction(["A"], ["B"]), Reaction(["A"], ["C"])]), np.ones((1, 3)))
    with pytest.raises(NotFeedForward, match="cycle"):
        fire_to_completion(CRN([Reaction(["A"], ["B"]), Reaction(["B"], ["A"])]), np.ones((1, 2)))

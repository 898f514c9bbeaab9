"""Post-training quantisation (nn/quantize.py): the TWN rule and the scale folding."""

import numpy as np
import pytest

from nn.network import Network
from nn.quantize import accuracy_change, quantize_layer, quantize_network


def test_ternary_threshold_is_seven_tenths_of_the_mean_magnitude():
    w = np.array([[0.5, -0.2, 0.1], [-0.9, 0.35, 0.0]])  # mean |w| = 0.341666.., threshold 0.2391666..
    t, alpha = quantize_layer(w, "ternary")
    assert t.tolist() == [[1, 0, 0], [-1, 1, 0]]
    assert alpha == pytest.approx((0.5 + 0.9 + 0.35) / 3)


def test_binary_keeps_every_sign_and_scales_by_the_mean_magnitude():
    t, alpha = quantize_layer(np.array([[0.5, -0.25], [0.0, -1.25]]), "binary")
    assert t.tolist() == [[1, -1], [1, -1]] and alpha == pytest.approx(0.5)


@pytest.mark.parametrize("rule", ["ternary", "binary"])
def test_folded_scales_give_the_scaled_approximation_exactly(rule):
    rng = np.random.default_rng(1)
    net = Network([rng.normal(size=(5, 9)), rng.normal(size=(9, 7)), rng.normal(size=(7, 3))],
                  [rng.normal(size=9), rng.normal(size=7), rng.normal(size=3)])
    q, info = quantize_network(net, rule)
    assert q.weights_kind in ("binary", "ternary")
    # the network with alpha_l * T_l and the original biases, computed directly
    approx = Network([a * t for a, t in zip(info["layer_scales"], q.weights)], net.biases)
    x = rng.normal(size=(50, 5))
    assert np.allclose(info["output_scale"] * q.forward(x), approx.forward(x))
    assert info["output_scale"] == pytest.approx(np.prod(info["layer_scales"]))
    assert (q.predict(x) == approx.predict(x)).all()


def test_bad_rule_and_all_zero_layer_are_one_line():
    net = Network([np.zeros((2, 2))], [np.zeros(2)])
    with pytest.raises(ValueError, match="layer 0: all weights are 0"):
        quantize_network(net, "ternary")
    with pytest.raises(ValueError, match="--quantize: unknown rule 'octal'"):
        quantize_network(net, "octal")


def test_accuracy_change():
    a = Network([np.array([[1.0, -1.0]])], [np.zeros(2)])
    b = Network([np.array([[-1.0, 1.0]])], [np.zeros(2)])
    x, y = np.array([[1.0], [2.0], [-1.0]]), np.array([0, 0, 0])
    assert accuracy_change(a, b, x, y) == {"examples": 3, "accuracy_before": 2 / 3, "accuracy_after": 1 / 3,
                                           "change": pytest.approx(-1 / 3)}

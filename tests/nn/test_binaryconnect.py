from types import SimpleNamespace

import numpy as np
import pytest

from nn.binaryconnect import (
    DEFAULT_CONFIGS, TrainingConfig, _Model, accuracy, binarise, square_hinge, train, training_config,
)
from nn.datasets import load_digits, load_heart, load_iris


def test_binarise_binary_and_ternary():
    u = np.array([-1.0, -0.6, -0.5, -0.2, 0.0, 0.2, 0.5, 0.6, 1.0])
    assert binarise(u).tolist() == [-1, -1, -1, -1, 1, 1, 1, 1, 1]  # sign(0) = +1
    assert binarise(u, "ternary", 0.5).tolist() == [-1, -1, -1, 0, 0, 0, 1, 1, 1]
    assert binarise(u, "ternary", 0.3).tolist() == [-1, -1, -1, 0, 0, 0, 1, 1, 1]
    assert binarise(u, "ternary", 0.7).tolist() == [-1, 0, 0, 0, 0, 0, 0, 0, 1]
    with pytest.raises(ValueError, match="binary or ternary"):
        binarise(u, "quaternary")


def test_square_hinge_value_and_gradient():
    out = np.array([[2.0, -0.5, 0.0]])
    loss, grad = square_hinge(out, np.array([0]))
    # targets (+1, -1, -1): margins max(0, 1 - t y) = (0, 0.5, 1)
    assert loss == pytest.approx((0 + 0.25 + 1) / 3)
    np.testing.assert_allclose(grad, [[0.0, 2 * 0.5 / 3, 2 * 1 / 3]])


def test_backward_matches_finite_differences():
    config = TrainingConfig(hidden=(5, 4), dropout_in=0.3, dropout_hidden=0.3)
    model = _Model((3, 5, 4, 3), config, np.random.default_rng(1))
    rng = np.random.default_rng(2)
    for b in model.bias:
        b[:] = rng.normal(size=b.shape)
    x, y = rng.normal(size=(7, 3)), rng.integers(0, 3, 7)
    q = [rng.normal(size=u.shape) for u in model.shadow]  # real matrices: the gradient is w.r.t. Q

    def loss():
        return square_hinge(model.forward(x, q, np.random.default_rng(5))[0], y)[0]

    out, inputs, masks = model.forward(x, q, np.random.default_rng(5))
    grads_w, grads_b = model.backward(square_hinge(out, y)[1], q, inputs, masks)
    eps, worst = 1e-6, 0.0
    for params, grads in ((q, grads_w), (model.bias, grads_b)):
        for p, g in zip(params, grads):
            for idx in np.ndindex(p.shape):
                p[idx] += eps
                up = loss()
                p[idx] -= 2 * eps
                down = loss()
                p[idx] += eps
                worst = max(worst, abs((up - down) / (2 * eps) - g[idx]))
    assert worst < 1e-7


def test_iris_acceptance():
    d = load_iris()
    model = train(d, DEFAULT_CONFIGS["iris"])
    net = model.network
    assert net.dims == (4, 8, 3) and net.weights_kind == "binary"
    assert set(np.unique(np.concatenate([w.ravel() for w in net.weights]))) == {-1.0, 1.0}
    assert model.evaluated_on == "all" and model.accuracy == accuracy(net, d.x, d.y)
    assert model.accuracy >= 0.94  # the paper: 141/150; measured 147/150 with seed 0
    assert model.seconds < 60
    # the exported ±1 network is the one validated during training (same argmax as the Glorot-scaled weights)
    assert model.accuracy == pytest.approx(model.history.val_accuracy[model.history.best_epoch])
    assert model.history.val_accuracy.max() == model.history.val_accuracy[model.history.best_epoch]
    assert len(model.history.train_loss) == DEFAULT_CONFIGS["iris"].epochs


def test_heart_acceptance():
    d = load_heart()
    model = train(d)  # the dataset's defaults
    net = model.network
    assert net.dims == (2, 8, 2) and net.weights_kind == "ternary"
    assert np.any(np.concatenate([w.ravel() for w in net.weights]) == 0)
    assert model.accuracy >= 0.97  # >= 248/255; the reference network gets 251/255; measured 250 with seed 0
    assert round(model.accuracy * 255) >= 248
    assert model.seconds < 30


def test_digits_defaults_reach_90_percent_on_test():
    d = load_digits(seed=0)
    model = train(d)
    assert model.evaluated_on == "test"
    assert model.accuracy == accuracy(model.network, *d.split("test"))
    assert model.accuracy >= 0.9
    assert model.network.dims == (64, 64, 10) and model.network.weights_kind == "ternary"


def test_same_seed_same_network_different_seed_different():
    d = load_iris()
    config = TrainingConfig(hidden=(8,), epochs=30, batch_size=16, dropout_in=0.1, dropout_hidden=0.2, seed=7)
    a, b = train(d, config), train(d, config)
    for wa, wb in zip(a.network.weights + a.network.biases, b.network.weights + b.network.biases):
        assert np.array_equal(wa, wb)
    assert np.array_equal(a.history.train_loss, b.history.train_loss)
    c = train(d, TrainingConfig(hidden=(8,), epochs=30, batch_size=16, dropout_in=0.1, dropout_hidden=0.2, seed=8))
    assert not all(np.array_equal(x, y) for x, y in zip(a.network.weights, c.network.weights))


def test_progress_callback_and_restarts():
    calls = []
    config = TrainingConfig(hidden=(4,), weights="ternary", epochs=5, restarts=2, batch_size=64)
    model = train(load_iris(), config, progress=lambda e, n, m: calls.append((e, n, m)))
    assert [c[0] for c in calls] == list(range(10)) and {c[1] for c in calls} == {10}
    assert {"train_loss", "val_accuracy", "val_loss", "best_val_accuracy", "lr", "restart"} <= set(calls[0][2])
    assert calls[0][2]["lr"] == pytest.approx(0.01) and calls[4][2]["lr"] == pytest.approx(0.001)
    assert len(model.history.val_accuracy) == 5


def test_config_validation_and_spec_merging():
    with pytest.raises(ValueError, match="weights: expected binary or ternary"):
        TrainingConfig(weights="float")
    with pytest.raises(ValueError, match="dropout_in: must be in"):
        TrainingConfig(dropout_in=1.0)
    with pytest.raises(ValueError, match="hidden: layer sizes"):
        TrainingConfig(hidden=(8, 0))
    network = SimpleNamespace(hidden=(16,), weights="ternary")
    training = SimpleNamespace(epochs=12, batch_size=None, lr_start=None, lr_end=None, dropout_in=None,
                               dropout_hidden=None, ternary_threshold=0.4)
    c = training_config("iris", network, training, seed=3)
    assert (c.hidden, c.weights, c.epochs, c.seed, c.ternary_threshold) == ((16,), "ternary", 12, 3, 0.4)
    assert c.batch_size == DEFAULT_CONFIGS["iris"].batch_size
    assert training_config("mycsv").weights == "binary"
    assert training_config("heart", epochs=5).restarts == DEFAULT_CONFIGS["heart"].restarts
    with pytest.raises(ValueError, match="training.momentum: unknown training parameter"):
        training_config("iris", training={"momentum": 0.9})

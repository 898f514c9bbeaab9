"""The paper's trained networks as JSON (``reference/dmp/*.json``): read and validate them.

The format (see ``reference/dmp/README.md``): ``dims``; ``weights[l][i][j]`` (layer l, input i, output j);
``biases[l][j]``; ``examples`` = list of ``{x, label, nn_label}``; ``tmax``; ``shifted_inputs``;
``reactions_unreduced``; ``source``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nn.network import Network

REQUIRED_KEYS = ("dims", "weights", "biases", "examples")


@dataclass(frozen=True)
class ReferenceModel:
    """A trained network with its stored examples.

    Attributes
    ----------
    name : str
        The file's stem, e.g. ``iris-icml``.
    network : Network
    x : float array (examples, dims[0])
    label : int array
        True classes.
    nn_label : int array
        The network's classes as stored by the authors.
    tmax : float or None
        Simulation time the authors used (rate constants 1).
    reactions_unreduced : int or None
    shifted_inputs : bool
    source : str or None
    """

    name: str
    network: Network
    x: np.ndarray
    label: np.ndarray
    nn_label: np.ndarray
    tmax: float | None = None
    reactions_unreduced: int | None = None
    shifted_inputs: bool = False
    source: str | None = None

    @property
    def accuracy(self) -> float:
        """Fraction of stored examples whose stored network class equals the true class."""
        return float(np.mean(self.label == self.nn_label)) if len(self.label) else float("nan")


def _matrix(path: Path, field: str, value, shape: tuple[int, ...]) -> np.ndarray:
    try:
        a = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{path}: {field} is not a rectangular array of numbers") from None
    if a.shape != shape:
        raise ValueError(f"{path}: {field} has shape {a.shape} but dims say {shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{path}: {field} holds non-finite values")
    return a


def reference_from_dict(data: dict, path: str | Path = "<dict>", name: str | None = None) -> ReferenceModel:
    """Validate a parsed reference-model JSON and build the :class:`ReferenceModel` (``path`` is for messages)."""
    path = Path(path)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object, got {type(data).__name__}")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise ValueError(f"{path}: missing field {missing[0]!r} (a reference model has {', '.join(REQUIRED_KEYS)})")
    dims = data["dims"]
    if not (isinstance(dims, list) and len(dims) >= 2 and all(isinstance(d, int) and d > 0 for d in dims)):
        raise ValueError(f"{path}: dims must be a list of at least two positive integers, got {dims!r}")
    n_layers = len(dims) - 1
    for field in ("weights", "biases"):
        if not isinstance(data[field], list) or len(data[field]) != n_layers:
            got = len(data[field]) if isinstance(data[field], list) else type(data[field]).__name__
            raise ValueError(f"{path}: {field} has {got} layers but dims {dims} say {n_layers}")
    weights = [_matrix(path, f"weights[{l}]", w, (dims[l], dims[l + 1])) for l, w in enumerate(data["weights"])]
    biases = [_matrix(path, f"biases[{l}]", b, (dims[l + 1],)) for l, b in enumerate(data["biases"])]
    examples = data["examples"]
    if not isinstance(examples, list):
        raise ValueError(f"{path}: examples must be a list of {{x, label, nn_label}} objects")
    x = np.empty((len(examples), dims[0]))
    label = np.empty(len(examples), dtype=np.int64)
    nn_label = np.empty(len(examples), dtype=np.int64)
    for k, e in enumerate(examples):
        if not isinstance(e, dict) or any(f not in e for f in ("x", "label", "nn_label")):
            raise ValueError(f"{path}: examples[{k}] must have fields x, label and nn_label")
        x[k] = _matrix(path, f"examples[{k}].x", e["x"], (dims[0],))
        for field, out in (("label", label), ("nn_label", nn_label)):
            v = e[field]
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < dims[-1]:
                raise ValueError(f"{path}: examples[{k}].{field} = {v!r} is not a class 0..{dims[-1] - 1}")
            out[k] = v
    tmax = data.get("tmax")
    reactions = data.get("reactions_unreduced")
    return ReferenceModel(
        name=name or path.stem,
        network=Network(tuple(weights), tuple(biases)),
        x=x,
        label=label,
        nn_label=nn_label,
        tmax=None if tmax is None else float(tmax),
        reactions_unreduced=None if reactions is None else int(reactions),
        shifted_inputs=bool(data.get("shifted_inputs", False)),
        source=data.get("source"),
    )


def load_reference_model(path: str | Path) -> ReferenceModel:
    """Read a reference-model JSON file (format in the module docstring).

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        On invalid JSON, a missing field or a shape that disagrees with ``dims``; the message names the file and
        the field, e.g. ``weights[1] has shape (8, 4) but dims say (8, 3)``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"reference model {path} not found")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from None
    return reference_from_dict(data, path)

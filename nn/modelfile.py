"""Model files: a trained network as ``model.npz`` (arrays ``w0, w1, …, b0, b1, …``) plus a readable ``model.json``.

The JSON file sits next to the ``.npz`` (same stem) and holds ``dims``, ``weights_kind``, ``accuracy``,
``dataset``, ``seed``, ``config``, any other metadata, and the weights and biases as lists so a person can read
them. :func:`load_model` reads either file, a reference-model JSON (``reference/dmp/*.json``, recognised by its
``examples`` field) or an ONNX export (``.onnx``, :mod:`nn.onnx_import`). Files are written atomically: to a temporary file in the same folder, then ``os.replace``.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nn.network import Network
from nn.reference import ReferenceModel, reference_from_dict

FORMAT = "dsd-nn-model"
VERSION = 1


@dataclass(frozen=True)
class LoadedModel:
    """What :func:`load_model` returns.

    Attributes
    ----------
    network : Network
    metadata : dict
        ``accuracy``, ``dataset``, ``seed``, ``config``, … (empty for a bare ``.npz``).
    examples : (x, label) or None
        Stored examples: a reference model's, or those saved with :func:`save_model`.
    path : Path
    reference : ReferenceModel or None
        The full reference model when ``path`` is a reference-model JSON.
    unquantized : Network or None
        The network as stored, when ``load_model(..., quantize=)`` quantised it.
    """

    network: Network
    metadata: dict = field(default_factory=dict)
    examples: tuple[np.ndarray, np.ndarray] | None = None
    path: Path | None = None
    reference: ReferenceModel | None = None
    unquantized: Network | None = None


# --- writing -----------------------------------------------------------------------------------------------------

def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Path):
        return str(value)
    return value


def _readable(a: np.ndarray, integral: bool) -> list:
    return a.astype(int).tolist() if integral else a.tolist()


def model_paths(path: str | Path) -> tuple[Path, Path]:
    """The ``(.npz, .json)`` pair for ``path`` (``model``, ``model.npz`` and ``model.json`` all give the same pair)."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in (".npz", ".json") else path
    return stem.with_name(stem.name + ".npz"), stem.with_name(stem.name + ".json")


def save_model(path: str | Path, model, metadata: dict | None = None,
               examples: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[Path, Path]:
    """Write ``<stem>.npz`` and ``<stem>.json`` atomically.

    Parameters
    ----------
    path : path
        ``model.npz`` (or ``model``, or ``model.json``): the pair written is ``model.npz`` + ``model.json``.
    model : TrainedModel or Network
        A :class:`~nn.binaryconnect.TrainedModel` contributes its accuracy, dataset, seed and config.
    metadata : dict, optional
        Extra JSON-ready fields; they override the model's own.
    examples : (x, label), optional
        Stored in the ``.npz`` as ``examples_x``/``examples_label`` and returned by :func:`load_model`.

    Returns
    -------
    (npz_path, json_path)
    """
    network = model if isinstance(model, Network) else getattr(model, "network", None)
    if not isinstance(network, Network):
        raise ValueError(f"save_model: expected a Network or a TrainedModel, got {type(model).__name__}")
    npz_path, json_path = model_paths(path)
    if not npz_path.parent.is_dir():
        raise FileNotFoundError(f"save_model: folder {npz_path.parent} does not exist")
    arrays = {f"w{l}": w for l, w in enumerate(network.weights)}
    arrays.update({f"b{l}": b for l, b in enumerate(network.biases)})
    if examples is not None:
        x, label = (np.asarray(a) for a in examples)
        if x.ndim != 2 or x.shape[1] != network.dims[0] or label.shape != (x.shape[0],):
            raise ValueError(f"save_model: examples must be x of shape (n, {network.dims[0]}) and n labels, got "
                             f"{x.shape} and {label.shape}")
        arrays["examples_x"], arrays["examples_label"] = x.astype(float), label.astype(np.int64)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)

    info: dict[str, Any] = {"accuracy": None, "dataset": None, "seed": None, "config": None}
    if hasattr(model, "metadata") and callable(model.metadata):
        info.update(model.metadata())
    info.update(metadata or {})
    for key in ("weights", "biases", "dims", "weights_kind", "format", "version"):
        info.pop(key, None)
    kind = network.weights_kind
    integral = kind in ("binary", "ternary", "integer")
    document = {"format": FORMAT, "version": VERSION, "dims": list(network.dims), "weights_kind": kind}
    document.update(_jsonable(info))
    document["weights"] = [_readable(w, integral) for w in network.weights]
    document["biases"] = [b.tolist() for b in network.biases]
    text = json.dumps(document, indent=1, allow_nan=True) + "\n"
    _atomic_write_bytes(npz_path, buffer.getvalue())
    _atomic_write_bytes(json_path, text.encode())
    return npz_path, json_path


# --- reading -----------------------------------------------------------------------------------------------------

def _network(path: Path, weights: list, biases: list) -> Network:
    try:
        return Network(tuple(weights), tuple(biases))
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None


def _load_npz(path: Path) -> tuple[Network, tuple | None]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: not a readable .npz file ({e})") from None
    layers = sorted(int(m.group(1)) for k in arrays if (m := re.fullmatch(r"w(\d+)", k)))
    if not layers:
        raise ValueError(f"{path}: no weight arrays w0, w1, ... (found {', '.join(sorted(arrays)) or 'nothing'})")
    if layers != list(range(len(layers))):
        raise ValueError(f"{path}: weight arrays must be w0..w{len(layers) - 1}, found "
                         f"{', '.join(f'w{l}' for l in layers)}")
    for l in layers:
        if f"b{l}" not in arrays:
            raise ValueError(f"{path}: field b{l} missing (the bias vector of layer {l})")
        w, b = arrays[f"w{l}"], arrays[f"b{l}"]
        if w.ndim != 2:
            raise ValueError(f"{path}: w{l} has shape {w.shape}, expected a matrix (inputs, outputs)")
        if b.shape != (w.shape[1],):
            raise ValueError(f"{path}: b{l} has shape {b.shape} but w{l} has shape {w.shape}, expected "
                             f"({w.shape[1]},)")
        if l and w.shape[0] != arrays[f"w{l - 1}"].shape[1]:
            raise ValueError(f"{path}: w{l} has shape {w.shape} but w{l - 1} has "
                             f"{arrays[f'w{l - 1}'].shape[1]} outputs")
    network = _network(path, [arrays[f"w{l}"] for l in layers], [arrays[f"b{l}"] for l in layers])
    examples = None
    if "examples_x" in arrays and "examples_label" in arrays:
        x, label = arrays["examples_x"], arrays["examples_label"]
        if x.ndim != 2 or x.shape[1] != network.dims[0] or label.shape != (x.shape[0],):
            raise ValueError(f"{path}: examples_x has shape {x.shape} and examples_label {label.shape}; expected "
                             f"(n, {network.dims[0]}) and (n,)")
        examples = (x.astype(float), label.astype(np.int64))
    return network, examples


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from None


def _network_from_json(path: Path, data: dict) -> Network:
    for key in ("dims", "weights", "biases"):
        if key not in data:
            raise ValueError(f"{path}: field {key!r} missing")
    dims = data["dims"]
    if not (isinstance(dims, list) and len(dims) >= 2 and all(isinstance(d, int) and d > 0 for d in dims)):
        raise ValueError(f"{path}: dims must be a list of at least two positive integers, got {dims!r}")
    n_layers = len(dims) - 1
    weights, biases = [], []
    for name, out in (("weights", weights), ("biases", biases)):
        if not isinstance(data[name], list) or len(data[name]) != n_layers:
            raise ValueError(f"{path}: {name} must hold {n_layers} layers for dims {dims}")
        for l, value in enumerate(data[name]):
            expected = (dims[l], dims[l + 1]) if name == "weights" else (dims[l + 1],)
            try:
                a = np.array(value, dtype=float)
            except (TypeError, ValueError):
                raise ValueError(f"{path}: {name}[{l}] is not a rectangular array of numbers") from None
            if a.shape != expected:
                raise ValueError(f"{path}: {name}[{l}] has shape {a.shape} but dims say {expected}")
            out.append(a)
    return _network(path, weights, biases)


def load_model(path: str | Path, quantize: str | None = None) -> LoadedModel:
    """Read a model: our ``.npz`` (with its ``.json`` metadata when present), our ``.json``, a reference-model
    JSON, or an ONNX file (``.onnx``, :mod:`nn.onnx_import`; its weights must be integers unless ``quantize``).

    Parameters
    ----------
    quantize : ``ternary`` or ``binary``, optional
        Quantise the weights (:func:`nn.quantize.quantize_network`); the metadata gets ``quantization`` and
        :attr:`LoadedModel.unquantized` the network as stored.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        On an unknown suffix, a missing field or a shape mismatch; the message names the file and the field.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file {path} not found")
    if quantize is not None:
        from nn.quantize import quantize_network

        loaded = load_model(path) if path.suffix != ".onnx" else _load_onnx(path, integer=False)
        network, info = quantize_network(loaded.network, quantize)
        return LoadedModel(network, {**loaded.metadata, "quantization": info}, loaded.examples, path,
                           loaded.reference, loaded.network)
    if path.suffix == ".onnx":
        return _load_onnx(path, integer=True)
    if path.suffix == ".npz":
        network, examples = _load_npz(path)
        metadata: dict = {}
        json_path = model_paths(path)[1]
        if json_path.is_file():
            data = _read_json(json_path)
            if not isinstance(data, dict):
                raise ValueError(f"{json_path}: expected a JSON object")
            if "dims" in data and list(data["dims"]) != list(network.dims):
                raise ValueError(f"{json_path}: dims {data['dims']} disagree with {path.name} "
                                 f"({list(network.dims)})")
            metadata = {k: v for k, v in data.items() if k not in ("weights", "biases", "format", "version")}
        return LoadedModel(network, metadata, examples, path)
    if path.suffix == ".json":
        data = _read_json(path)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a JSON object")
        if "examples" in data:
            ref = reference_from_dict(data, path)
            metadata = {
                "dataset": ref.name, "accuracy": ref.accuracy, "source": ref.source, "tmax": ref.tmax,
                "reactions_unreduced": ref.reactions_unreduced, "shifted_inputs": ref.shifted_inputs,
                "source_format": "reference",
            }
            return LoadedModel(ref.network, metadata, (ref.x, ref.label), path, ref)
        network = _network_from_json(path, data)
        metadata = {k: v for k, v in data.items() if k not in ("weights", "biases", "format", "version")}
        npz_path = model_paths(path)[0]
        examples = _load_npz(npz_path)[1] if npz_path.is_file() else None
        return LoadedModel(network, metadata, examples, path)
    raise ValueError(f"{path}: unknown model file type {path.suffix!r}; expected .npz, .json or .onnx")


def _load_onnx(path: Path, integer: bool) -> LoadedModel:
    from nn.onnx_import import integer_network, read_onnx

    network = read_onnx(path)
    if integer:
        network = integer_network(network, path)
    return LoadedModel(network, {"source_format": "onnx"}, None, path)

"""Read a feed-forward ReLU network from an ONNX file (what PyTorch exports for
``nn.Sequential(Linear, ReLU, …, Linear)``).

Accepted graph: one input tensor, then a chain of layers, each a ``Gemm`` (any ``alpha``/``beta``,
``transB`` 0 or 1: PyTorch stores ``Linear.weight`` as (outputs, inputs) with ``transB=1``) or a
``MatMul`` by a constant (inputs, outputs) matrix optionally followed by ``Add`` of a constant bias,
with a ``Relu`` after every layer but the last; ``Constant`` nodes may hold the weights instead of
initializers. Any other operator, a branch, or a missing/extra ``Relu`` is refused in one line naming it.

ONNX stores float32: a value is read as the shortest decimal that rounds to it (``0.1f`` reads as 0.1,
what PyTorch prints), so biases read as the user wrote them. The ``onnx`` package is an optional extra
(``pip install 'dsd-toolchain[onnx]'``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nn.network import Network

EXTRA_HINT = "pip install 'dsd-toolchain[onnx]'"
SUPPORTED = ("Gemm", "MatMul", "Add", "Relu", "Constant")
EXPECTED = "dsd reads nn.Sequential(Linear, ReLU, ..., Linear) exported as Gemm (or MatMul + Add) and Relu"


class OnnxMissing(RuntimeError):
    """The optional ``onnx`` package is not installed."""


def _onnx():
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise OnnxMissing(f"reading ONNX models needs the onnx package: {EXTRA_HINT}") from None
    return onnx, numpy_helper


def _decimal(a: np.ndarray) -> np.ndarray:
    """float32 values as the shortest decimals that round-trip (float64 and integers as they are)."""
    a = np.asarray(a)
    if a.dtype == np.float32 or a.dtype == np.float16:
        return np.array([float(str(v)) for v in a.ravel()], float).reshape(a.shape)
    return a.astype(float)


def _attributes(node, onnx) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _fail(path: Path, message: str) -> ValueError:
    return ValueError(f"{path}: {message}")


def read_onnx(path: str | Path) -> Network:
    """The network in an ONNX file, weights as stored (real; see :func:`integer_network`).

    Raises
    ------
    OnnxMissing
        When the ``onnx`` package is not installed (the message says how to install it).
    ValueError
        On an unreadable file or a graph that is not a chain of Linear/ReLU layers (one line naming
        the operator or node).
    """
    path = Path(path)
    onnx, numpy_helper = _onnx()
    try:
        model = onnx.load(str(path))
    except Exception as e:  # protobuf's DecodeError and friends: the file is not ONNX
        raise _fail(path, f"not a readable ONNX model ({type(e).__name__})") from None
    graph = model.graph
    consts = {t.name: _decimal(numpy_helper.to_array(t)) for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in consts]
    if len(inputs) != 1:
        raise _fail(path, f"the graph has {len(inputs)} input tensors ({', '.join(i.name for i in inputs)}); "
                          f"expected one")
    current = inputs[0].name
    layers: list[list] = []  # [weights (in, out), bias (out,), relu]
    last = None  # op type of the node that made `current`
    for k, node in enumerate(graph.node):
        op = node.op_type
        where = f"node {k} ({op}{f' {node.name!r}' if node.name else ''})"
        if op == "Constant":
            value = _attributes(node, onnx).get("value")
            if value is None:
                raise _fail(path, f"{where}: only tensor-valued Constant nodes are supported")
            consts[node.output[0]] = _decimal(numpy_helper.to_array(value))
            continue
        if op not in SUPPORTED:
            raise _fail(path, f"operator {op} ({where}) is not supported: {EXPECTED}")
        data = [name for name in node.input if name and name not in consts]
        if data != [current] or (op != "Add" and node.input[0] != current):
            raise _fail(path, f"{where} does not take the previous layer's output {current!r} as its first input: "
                              f"only a chain of layers is supported ({EXPECTED})")
        attrs = _attributes(node, onnx)
        if op in ("Gemm", "MatMul"):
            if layers and not layers[-1][2]:
                raise _fail(path, f"{where}: two linear layers without a Relu between them ({EXPECTED})")
            w = consts[node.input[1]]
            if op == "Gemm":
                if attrs.get("transA", 0):
                    raise _fail(path, f"{where}: transA=1 is not supported (the input must be (batch, features))")
                w = (w.T if attrs.get("transB", 0) else w) * attrs.get("alpha", 1.0)
            if w.ndim != 2:
                raise _fail(path, f"{where}: weight {node.input[1]!r} has shape {w.shape}, expected a matrix")
            if layers and w.shape[0] != layers[-1][0].shape[1]:
                raise _fail(path, f"{where}: weight has {w.shape[0]} inputs but the previous layer has "
                                  f"{layers[-1][0].shape[1]} outputs")
            layers.append([w, np.zeros(w.shape[1]), False])
            if op == "Gemm" and len(node.input) > 2 and node.input[2]:
                layers[-1][1] = _bias(path, where, consts[node.input[2]] * attrs.get("beta", 1.0), w.shape[1])
        elif op == "Add":
            if last not in ("Gemm", "MatMul", "Add"):
                raise _fail(path, f"{where}: an Add must follow a Gemm or MatMul (a bias), not "
                                  f"{last or 'the graph input'}")
            other = next(name for name in node.input if name != current)
            layers[-1][1] = layers[-1][1] + _bias(path, where, consts[other], layers[-1][0].shape[1])
        else:  # Relu
            if last not in ("Gemm", "MatMul", "Add"):
                raise _fail(path, f"{where}: a Relu must follow a linear layer, not {last or 'the graph input'}")
            layers[-1][2] = True
        current, last = node.output[0], op
    outputs = [o.name for o in graph.output]
    if outputs != [current]:
        raise _fail(path, f"the graph's outputs {outputs} are not the last layer's output {current!r}")
    if not layers:
        raise _fail(path, f"the graph has no Gemm or MatMul layer ({EXPECTED})")
    if layers[-1][2]:
        raise _fail(path, f"the last layer ends in a Relu; the network's outputs must be the last Linear's "
                          f"(export the model without the final ReLU)")
    return Network([w for w, _, _ in layers], [b for _, b, _ in layers])


def _bias(path: Path, where: str, value: np.ndarray, n_out: int) -> np.ndarray:
    if value.size not in (1, n_out) or (value.ndim and value.shape[-1] not in (1, n_out)):
        raise _fail(path, f"{where}: bias has shape {value.shape}, expected ({n_out},)")
    return np.broadcast_to(value.reshape(-1), (n_out,)).astype(float)


def integer_network(network: Network, source: str | Path, tolerance: float = 1e-6) -> Network:
    """``network`` with its weights rounded to integers, or a one-line ValueError naming the first weight
    that is not an integer (within ``tolerance``) and saying how to quantise."""
    rounded = []
    for l, w in enumerate(network.weights):
        r = np.round(w)
        bad = np.argwhere(np.abs(w - r) > tolerance)
        if bad.size:
            i, j = bad[0]
            raise ValueError(
                f"{source}: layer {l} weight [{i}, {j}] = {w[i, j]:g} is not an integer; the CRN needs integer "
                f"(binary or ternary) weights: quantise with `dsd compile {source} --quantize ternary` "
                f"(add --dataset NAME to see the accuracy change)")
        rounded.append(r)
    return Network(rounded, network.biases)

"""ONNX import (issue 13, item 5): models built with onnx.helper the way PyTorch exports them."""

import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from crn.compile import compile_network
from crn.textformat import format_crn
from dsd.cli import app
from nn.modelfile import load_model, save_model
from nn.network import Network
from nn.onnx_import import OnnxMissing, read_onnx

onnx = pytest.importorskip("onnx")


def onnx_sequential(path, weights, biases, style="gemm", relu_last=False, extra_op=None):
    """Write an ONNX model: ``gemm`` = Gemm with the (out, in) weight and transB=1 (torch.onnx.export);
    ``matmul`` = MatMul by the (in, out) matrix + Add (the dynamo exporter's form). ``extra_op`` inserts
    that unary operator after the first layer."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    current = "input"
    last = len(weights) - 1
    for l, (w, b) in enumerate(zip(weights, biases)):
        w = np.asarray(w, np.float32)
        b = np.asarray(b, np.float32)
        if style == "gemm":
            inits += [numpy_helper.from_array(w.T.copy(), f"{l}.weight"), numpy_helper.from_array(b, f"{l}.bias")]
            nodes.append(helper.make_node("Gemm", [current, f"{l}.weight", f"{l}.bias"], [f"/{l}/Gemm_output_0"],
                                          name=f"/{l}/Gemm", alpha=1.0, beta=1.0, transB=1))
            current = f"/{l}/Gemm_output_0"
        else:
            inits += [numpy_helper.from_array(w, f"val_{l}"), numpy_helper.from_array(b, f"{l}.bias")]
            nodes.append(helper.make_node("MatMul", [current, f"val_{l}"], [f"mm{l}"], name=f"node_MatMul_{l}"))
            nodes.append(helper.make_node("Add", [f"mm{l}", f"{l}.bias"], [f"add{l}"], name=f"node_Add_{l}"))
            current = f"add{l}"
        if l == 0 and extra_op is not None:
            nodes.append(helper.make_node(extra_op, [current], ["extra"], name="odd"))
            current = "extra"
        if l < last or relu_last:
            nodes.append(helper.make_node("Relu", [current], [f"relu{l}"], name=f"/{l}/Relu"))
            current = f"relu{l}"
    n_in, n_out = np.shape(weights[0])[0], np.shape(weights[-1])[1]
    graph = helper.make_graph(
        nodes, "sequential", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", n_in])],
        [helper.make_tensor_value_info(current, TensorProto.FLOAT, ["batch", n_out])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def ternary_4_8_3(seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.choice([-1.0, 0.0, 1.0], size=(4, 8)), rng.choice([-1.0, 0.0, 1.0], size=(8, 3))]
    weights[0][np.arange(4), np.arange(4)] = [1, -1, 1, -1]  # no dead input or unit: the full 4-8-3 CRN
    weights[1][np.arange(8), np.arange(8) % 3] = 1
    biases = [np.round(rng.normal(size=8), 3), np.round(rng.normal(size=3), 3)]  # decimals, as a user writes them
    return weights, biases


def run(*argv):
    return CliRunner().invoke(app, [str(a) for a in argv])


def one_error_line(result):
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize("style", ["gemm", "matmul"])
def test_ternary_onnx_compiles_to_the_same_crn_as_the_model_file(tmp_path, style):
    weights, biases = ternary_4_8_3()
    onnx_path = onnx_sequential(tmp_path / "m.onnx", weights, biases, style)
    save_model(tmp_path / "m.npz", Network(weights, biases))
    from_onnx = load_model(onnx_path)
    assert from_onnx.network.dims == (4, 8, 3) and from_onnx.metadata["source_format"] == "onnx"
    assert [b.tolist() for b in from_onnx.network.biases] == [b.tolist() for b in biases]  # 0.123f reads as 0.123
    text = format_crn(compile_network(from_onnx.network))
    assert text == format_crn(compile_network(load_model(tmp_path / "m.npz").network))
    assert text.count("->") == 40  # 4-8-3: the paper's count

    # and through the CLI: the same file but for the header line naming the source
    assert run("compile", onnx_path, "--out", tmp_path / "a.crn").exit_code == 0
    assert run("compile", tmp_path / "m.npz", "--out", tmp_path / "b.crn").exit_code == 0
    body = [[l for l in (tmp_path / f).read_text().splitlines() if not l.startswith("#")] for f in ("a.crn", "b.crn")]
    assert body[0] == body[1] and len(body[0]) > 40


def test_reading_agrees_with_onnx_own_evaluator(tmp_path):
    from onnx.reference import ReferenceEvaluator

    rng = np.random.default_rng(3)
    weights = [rng.normal(size=(5, 7)), rng.normal(size=(7, 6)), rng.normal(size=(6, 2))]
    biases = [rng.normal(size=7), rng.normal(size=6), rng.normal(size=2)]
    x = rng.normal(size=(20, 5)).astype(np.float32)
    for style in ("gemm", "matmul"):
        path = onnx_sequential(tmp_path / f"{style}.onnx", weights, biases, style)
        (expected,) = ReferenceEvaluator(str(path)).run(None, {"input": x})
        assert np.allclose(read_onnx(path).forward(x), expected, atol=1e-4)


def test_gemm_attributes_and_constant_weights(tmp_path):
    from onnx import TensorProto, helper, numpy_helper

    w = np.array([[1.0, -1.0, 0.0], [0.0, 1.0, 1.0]], np.float32)  # (in=2, out=3), transB=0
    weight = helper.make_node("Constant", [], ["W"], value=numpy_helper.from_array(w / 2, "W"))
    gemm = helper.make_node("Gemm", ["x", "W", "C"], ["y"], alpha=2.0, beta=0.5)
    graph = helper.make_graph([weight, gemm], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
                              [numpy_helper.from_array(np.array([[1.0, 2.0, -4.0]], np.float32), "C")])
    onnx.save(helper.make_model(graph), str(tmp_path / "g.onnx"))
    net = load_model(tmp_path / "g.onnx").network
    assert net.weights[0].tolist() == w.tolist() and net.biases[0].tolist() == [0.5, 1.0, -2.0]


def test_float_weights_give_the_one_line_quantisation_error(tmp_path):
    weights, biases = ternary_4_8_3()
    weights[1] = weights[1] * 0.37
    path = onnx_sequential(tmp_path / "f.onnx", weights, biases)
    line = one_error_line(run("compile", path, "--out", tmp_path / "c.crn"))
    assert "layer 1 weight" in line and "not an integer" in line and "--quantize ternary" in line
    assert not (tmp_path / "c.crn").exists()


def test_quantize_ternary_reports_the_accuracy_change(tmp_path):
    from reference_models import reference_json

    ref = reference_json("iris-icml")  # a trained IRIS network; blur its ±1 weights into real ones
    rng = np.random.default_rng(0)
    weights = [np.array(w, float) * rng.uniform(0.8, 1.6, size=np.shape(w)) for w in ref["weights"]]
    path = onnx_sequential(tmp_path / "iris.onnx", weights, ref["biases"])
    result = run("compile", path, "--out", tmp_path / "q.crn", "--quantize", "ternary", "--dataset", "iris")
    assert result.exit_code == 0, result.stderr
    assert "Li & Liu 2016" in result.stdout and result.stderr == ""
    line = next(l for l in result.stdout.splitlines() if l.startswith("accuracy on iris (150 examples): "))
    before, after = (float(v) for v in line.split(": ")[1].split(" (")[0].split(" -> "))
    float_net, quantised = read_onnx(path), load_model(path, quantize="ternary").network
    x, y = load_iris_xy()
    assert before == pytest.approx(np.mean(float_net.predict(x) == y), abs=1e-4)
    assert after == pytest.approx(np.mean(quantised.predict(x) == y), abs=1e-4) and after > 0.85
    assert quantised.weights_kind in ("binary", "ternary")
    crn_lines = (tmp_path / "q.crn").read_text().splitlines()
    assert format_crn(compile_network(quantised)).splitlines() == [l for l in crn_lines if not l.startswith("#")]


def load_iris_xy():
    from nn.datasets import load_dataset

    return load_dataset("iris").split("test")


@pytest.mark.parametrize("kwargs, words", [
    ({"extra_op": "Sigmoid"}, ["operator Sigmoid", "not supported", "Gemm"]),
    ({"relu_last": True}, ["last layer ends in a Relu"]),
])
def test_other_graphs_are_refused_in_one_line(tmp_path, kwargs, words):
    weights, biases = ternary_4_8_3()
    path = onnx_sequential(tmp_path / "o.onnx", weights, biases, **kwargs)
    line = one_error_line(run("compile", path, "--out", tmp_path / "c.crn"))
    for w in words:
        assert w in line, line


def test_two_linear_layers_without_relu_are_refused(tmp_path):
    from onnx import TensorProto, helper, numpy_helper

    inits = [numpy_helper.from_array(np.ones((2, 2), np.float32), n) for n in ("A", "B")]
    nodes = [helper.make_node("MatMul", ["x", "A"], ["h"]), helper.make_node("MatMul", ["h", "B"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])], inits)
    onnx.save(helper.make_model(graph), str(tmp_path / "g.onnx"))
    with pytest.raises(ValueError, match="node 1 \\(MatMul\\): two linear layers without a Relu"):
        read_onnx(tmp_path / "g.onnx")


def test_unreadable_file_is_one_line(tmp_path):
    (tmp_path / "bad.onnx").write_bytes(b"\x00\x01not a protobuf at all" * 10)
    line = one_error_line(run("compile", tmp_path / "bad.onnx", "--out", tmp_path / "c.crn"))
    assert "bad.onnx" in line and "ONNX" in line


def test_missing_extra_says_how_to_install(tmp_path, monkeypatch):
    weights, biases = ternary_4_8_3()
    path = onnx_sequential(tmp_path / "m.onnx", weights, biases)
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(OnnxMissing, match=r"pip install 'dsd-toolchain\[onnx\]'"):
        load_model(path)
    line = one_error_line(run("compile", path, "--out", tmp_path / "c.crn"))
    assert "pip install 'dsd-toolchain[onnx]'" in line


def test_spec_network_load_reads_onnx(tmp_path):
    from dsd.pipeline.build import run_build
    from dsd.pipeline.spec import parse_spec

    weights, biases = ternary_4_8_3()
    onnx_sequential(tmp_path / "m.onnx", weights, biases)
    spec = {"name": "onnx", "dataset": {"name": "iris"}, "network": {"load": "m.onnx"},
            "simulation": {"examples": 4}, "dsd": {"enabled": False}, "report": {"enabled": False}}
    run_build(parse_spec(spec, base_dir=tmp_path), tmp_path / "out")
    built = load_model(tmp_path / "out" / "model.npz")
    assert [w.tolist() for w in built.network.weights] == [w.tolist() for w in weights]
    assert built.metadata["source_format"] == "onnx"

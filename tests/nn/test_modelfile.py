import json
from pathlib import Path

import numpy as np
import pytest

from nn.binaryconnect import TrainingConfig, train
from nn.datasets import load_iris
from nn.modelfile import load_model, model_paths, save_model
from nn.network import Network

REFERENCE_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "dmp"


# one xdist worker runs this module (--dist loadgroup), so its module fixture is built once, not once per worker
pytestmark = pytest.mark.xdist_group("test_modelfile")


@pytest.fixture(scope="module")
def trained():
    return train(load_iris(), TrainingConfig(hidden=(8,), epochs=20, seed=1))


def assert_same_network(a: Network, b: Network):
    assert a.dims == b.dims
    for x, y in zip(a.weights + a.biases, b.weights + b.biases):
        assert np.array_equal(x, y)


def test_npz_and_json_round_trip(tmp_path, trained):
    npz, js = save_model(tmp_path / "model.npz", trained)
    assert (npz.name, js.name) == ("model.npz", "model.json")
    assert sorted(np.load(npz).files) == ["b0", "b1", "w0", "w1"]
    doc = json.loads(js.read_text())
    assert doc["dims"] == [4, 8, 3] and doc["weights_kind"] == "binary"
    assert doc["dataset"] == "iris" and doc["seed"] == 1 and doc["config"]["epochs"] == 20
    assert doc["accuracy"] == trained.accuracy
    assert doc["weights"][0][0] == trained.network.weights[0][0].astype(int).tolist()  # readable ±1 integers
    for path in (npz, js):
        loaded = load_model(path)
        assert_same_network(loaded.network, trained.network)  # exact, floats included
        assert loaded.metadata["accuracy"] == trained.accuracy and loaded.metadata["dims"] == [4, 8, 3]
        assert loaded.examples is None
    assert not list(tmp_path.glob("*.tmp"))  # atomic writes leave no temporary files


def test_save_network_with_metadata_and_examples(tmp_path):
    net = Network([np.array([[1.0, -1.0], [0.0, 1.0]])], [np.array([0.25, -1.0 / 3])])
    x, y = np.array([[0.5, 1.0], [1.0, 0.0]]), np.array([1, 0])
    save_model(tmp_path / "m", net, {"dataset": "toy", "note": np.float64(2.5)}, examples=(x, y))
    loaded = load_model(tmp_path / "m.npz")
    assert_same_network(loaded.network, net)
    assert loaded.metadata["dataset"] == "toy" and loaded.metadata["note"] == 2.5
    assert loaded.metadata["weights_kind"] == "ternary" and loaded.metadata["accuracy"] is None
    assert np.array_equal(loaded.examples[0], x) and np.array_equal(loaded.examples[1], y)
    assert model_paths(tmp_path / "m.json") == (tmp_path / "m.npz", tmp_path / "m.json")


def test_wrong_shapes_and_missing_files(tmp_path):
    np.savez(tmp_path / "bad.npz", w0=np.ones((4, 8)), b0=np.ones(8), w1=np.ones((7, 3)), b1=np.ones(3))
    with pytest.raises(ValueError, match=r"bad.npz: w1 has shape \(7, 3\) but w0 has 8 outputs"):
        load_model(tmp_path / "bad.npz")
    np.savez(tmp_path / "nob.npz", w0=np.ones((4, 8)))
    with pytest.raises(ValueError, match="nob.npz: field b0 missing"):
        load_model(tmp_path / "nob.npz")
    (tmp_path / "bad.json").write_text(json.dumps(
        {"dims": [2, 3], "weights": [[[1, 1, 1], [1, 1]]], "biases": [[0, 0, 0]]}))
    with pytest.raises(ValueError, match=r"bad.json: weights\[0\] is not a rectangular array"):
        load_model(tmp_path / "bad.json")
    (tmp_path / "bad2.json").write_text(json.dumps(
        {"dims": [2, 3], "weights": [[[1, 1], [1, 1]]], "biases": [[0, 0, 0]]}))
    with pytest.raises(ValueError, match=r"bad2.json: weights\[0\] has shape \(2, 2\) but dims say \(2, 3\)"):
        load_model(tmp_path / "bad2.json")
    (tmp_path / "nodims.json").write_text(json.dumps({"weights": [], "biases": []}))
    with pytest.raises(ValueError, match="nodims.json: field 'dims' missing"):
        load_model(tmp_path / "nodims.json")
    with pytest.raises(FileNotFoundError, match="absent.npz"):
        load_model(tmp_path / "absent.npz")
    (tmp_path / "m.txt").write_text("x")
    with pytest.raises(ValueError, match="expected .npz, .json or .onnx"):
        load_model(tmp_path / "m.txt")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_model(tmp_path / "no" / "model.npz", Network([np.ones((1, 1))], [np.zeros(1)]))


def test_load_reference_model_json(tmp_path):
    path = REFERENCE_DIR / "iris-icml.json"
    if not path.is_file():
        pytest.skip(f"reference model {path} not available")
    loaded = load_model(path)
    assert loaded.network.dims == (4, 8, 3) and loaded.reference is not None
    assert loaded.metadata["accuracy"] == pytest.approx(0.94) and loaded.metadata["dataset"] == "iris-icml"
    x, label = loaded.examples
    assert x.shape == (150, 4) and np.sum(loaded.network.predict(x) == label) == 141
    save_model(tmp_path / "copy.npz", loaded.network, loaded.metadata | {"loaded_from": str(path)})
    again = load_model(tmp_path / "copy.npz")
    assert_same_network(again.network, loaded.network)
    assert again.metadata["loaded_from"] == str(path) and again.metadata["tmax"] == 50.0

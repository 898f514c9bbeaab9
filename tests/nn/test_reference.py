import json
from pathlib import Path

import numpy as np
import pytest

from nn.datasets import load_heart, load_iris, load_reference_model

REFERENCE_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "dmp"
EXPECTED = {  # name: (dims, weights kind, examples, correct, reactions_unreduced, tmax)
    "iris-icml": ((4, 8, 3), "binary", 150, 141, 40, 50.0),
    "heart": ((2, 8, 2), "ternary", 255, 251, 36, 50.0),
    "virus": ((10, 8, 4), "ternary", 100, 98, 52, 50.0),
    "mnist14": ((196, 64, 10), "ternary", 100, 93, 648, 200.0),
}


def reference_path(name: str) -> Path:
    path = REFERENCE_DIR / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"reference model {path} not available")
    return path


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reference_model_fields(name):
    ref = load_reference_model(reference_path(name))
    dims, kind, n, correct, reactions, tmax = EXPECTED[name]
    assert ref.name == name
    assert ref.network.dims == dims and ref.network.weights_kind == kind
    assert ref.x.shape == (n, dims[0]) and ref.label.shape == ref.nn_label.shape == (n,)
    assert int(np.sum(ref.label == ref.nn_label)) == correct
    assert ref.reactions_unreduced == reactions and ref.tmax == tmax and ref.shifted_inputs is False


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reference_forward_matches_stored_nn_label(name):
    ref = load_reference_model(reference_path(name))
    out = ref.network.forward(ref.x)
    assert np.array_equal(np.argmax(out, axis=1), ref.nn_label)
    # no near-ties: the stored labels do not depend on rounding
    top2 = np.sort(out, axis=1)[:, -2:]
    assert np.min(top2[:, 1] - top2[:, 0]) > 1e-3


def test_reference_inputs_match_our_preprocessing():
    iris = load_reference_model(reference_path("iris-icml"))
    np.testing.assert_allclose(iris.x, load_iris(uci_errata=True).x, atol=1e-6)
    assert np.array_equal(iris.label, load_iris().y)
    heart = load_reference_model(reference_path("heart"))
    np.testing.assert_allclose(heart.x, load_heart().x, atol=2e-6)


def test_reference_shape_errors(tmp_path):
    data = json.loads(reference_path("iris-icml").read_text())
    data["weights"][1] = [row + [1.0] for row in data["weights"][1]]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"weights\[1\] has shape \(8, 4\) but dims say \(8, 3\)"):
        load_reference_model(bad)
    del data["examples"]
    bad.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="missing field 'examples'"):
        load_reference_model(bad)
    with pytest.raises(FileNotFoundError, match="reference model"):
        load_reference_model(tmp_path / "absent.json")

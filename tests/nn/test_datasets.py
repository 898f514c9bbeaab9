import numpy as np
import pytest

from nn.datasets import (
    Dataset, heart_ascii, heart_bitmap, load_csv, load_dataset, load_digits, load_heart, load_iris, load_mnist,
    load_mnist_idx, split_indices,
)
from nn.idx import read_idx, write_idx


def test_iris_shape_and_standardisation():
    d = load_iris()
    assert d.x.shape == (150, 4) and d.y.shape == (150,)
    assert d.class_names == ("setosa", "versicolor", "virginica")
    assert np.bincount(d.y).tolist() == [50, 50, 50]
    np.testing.assert_allclose(d.x.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(d.x.std(axis=0), 1.0, atol=1e-12)
    assert d.train is None and d.val is None and d.test is None
    np.testing.assert_allclose(d.x[0], [-0.900681, 1.019004, -1.340227, -1.315444], atol=1e-6)
    # the UCI file's two transcription errors reproduce the reference IRIS network's stored inputs
    uci = load_iris(uci_errata=True)
    np.testing.assert_allclose(uci.x[0], [-0.900681, 1.032057, -1.341272, -1.312977], atol=1e-6)
    assert np.array_equal(uci.y, d.y) and np.sum(np.any(uci.x != d.x, axis=1)) == 150


def test_digits_split_and_centring():
    d = load_digits(seed=3)
    assert d.x.shape == (1797, 64) and d.n_classes == 10
    assert len(d.train) + len(d.val) + len(d.test) == 1797
    assert len(d.train) == 1258 and len(d.val) == 270
    assert len(np.intersect1d(d.train, d.test)) == 0 and len(np.intersect1d(d.val, d.test)) == 0
    np.testing.assert_allclose(d.x[d.train].mean(axis=0), 0.0, atol=1e-12)
    assert d.x.max() <= 1.0 and d.x.min() >= -1.0
    again = load_digits(seed=3)
    assert np.array_equal(again.test, d.test)
    assert not np.array_equal(load_digits(seed=4).test, d.test)


def test_heart_bitmap_symmetric_with_both_classes():
    bitmap = heart_bitmap()
    assert bitmap.shape == (15, 17)
    assert np.array_equal(bitmap, bitmap[:, ::-1])
    text = heart_ascii()
    lines = text.splitlines()
    assert len(lines) == 15 and all(len(line) == 17 for line in lines)
    assert lines[0] == "..#####...#####.."  # two lobes, notch at column 8
    assert lines[-1] == "........#........"  # the tip
    d = load_heart()
    assert d.x.shape == (255, 2) and d.class_names == ("outside", "inside")
    assert d.y.sum() == bitmap.sum() == 183 and (d.y == 0).sum() == 72
    np.testing.assert_allclose(d.x.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(d.x.std(axis=0), 1.0, atol=1e-12)
    # pixel (row 0, col 0): farthest from the axis and top row; same coordinates as the reference heart's
    np.testing.assert_allclose(d.x[0], [1.529019, -1.620184], atol=2e-6)
    # mirror pixels have identical inputs and labels
    grid_x = d.x[:, 0].reshape(15, 17)
    assert np.array_equal(grid_x, grid_x[:, ::-1])


def _write_mnist(folder, n_train=6, n_test=4, gz=True):
    rng = np.random.default_rng(0)
    tr = rng.integers(0, 256, size=(n_train, 28, 28)).astype(np.uint8)
    te = rng.integers(0, 256, size=(n_test, 28, 28)).astype(np.uint8)
    ext = ".gz" if gz else ""
    write_idx(folder / f"train-images-idx3-ubyte{ext}", tr)
    write_idx(folder / f"train-labels-idx1-ubyte{ext}", np.arange(n_train, dtype=np.uint8) % 10)
    write_idx(folder / f"t10k-images-idx3-ubyte{ext}", te)
    write_idx(folder / f"t10k-labels-idx1-ubyte{ext}", (np.arange(n_test, dtype=np.uint8) + 3) % 10)
    return tr, te


def test_idx_round_trip(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", a)
    write_idx(tmp_path / "a", a)
    assert (tmp_path / "a.gz").read_bytes()[:2] == b"\x1f\x8b"
    raw = (tmp_path / "a").read_bytes()
    assert int.from_bytes(raw[:4], "big") == 2051 and len(raw) == 4 + 3 * 4 + 24
    assert np.array_equal(read_idx(tmp_path / "a.gz", expect_magic=2051), a)
    assert np.array_equal(read_idx(tmp_path / "a"), a)
    with pytest.raises(ValueError, match="magic number 2051, expected 2049"):
        read_idx(tmp_path / "a", expect_magic=2049)
    (tmp_path / "short").write_bytes(raw[:-1])
    with pytest.raises(ValueError, match="23 data bytes"):
        read_idx(tmp_path / "short")


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_idx_pooling_and_centring(tmp_path, gz):
    tr, te = _write_mnist(tmp_path, gz=gz)
    d = load_mnist(tmp_path, val_fraction=1 / 3, seed=1)
    assert d.x.shape == (10, 196) and d.n_classes == 10
    assert d.y[:6].tolist() == [0, 1, 2, 3, 4, 5] and d.y[6:].tolist() == [3, 4, 5, 6]
    assert np.array_equal(d.test, np.arange(6, 10))
    assert len(d.val) == 2 and len(d.train) == 4 and len(np.intersect1d(d.val, d.train)) == 0
    pooled = tr.reshape(6, 14, 2, 14, 2).mean(axis=(2, 4)) / 255.0
    mean = pooled.reshape(6, -1).mean(axis=0)
    np.testing.assert_allclose(d.x[:6], pooled.reshape(6, -1) - mean, atol=1e-12)
    np.testing.assert_allclose(d.x[6, :2], [te[0, 0:2, 0:2].mean() / 255 - mean[0],
                                            te[0, 0:2, 2:4].mean() / 255 - mean[1]], atol=1e-12)
    np.testing.assert_allclose(d.x[:6].mean(axis=0), 0.0, atol=1e-12)
    direct = load_mnist_idx(tmp_path / f"train-images-idx3-ubyte{'.gz' if gz else ''}",
                            tmp_path / f"train-labels-idx1-ubyte{'.gz' if gz else ''}")
    assert direct.x.shape == (6, 196) and direct.test is None
    via = load_dataset("mnist", path=str(tmp_path), seed=1, val_fraction=1 / 3)
    assert np.array_equal(via.x, d.x)


def test_mnist_missing_files_say_where_to_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        load_mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="download"):
        load_mnist_idx(tmp_path / "nope", tmp_path / "nope2")
    with pytest.raises(FileNotFoundError, match="MNIST folder"):
        load_dataset("mnist", path=tmp_path / "absent")


def test_csv_with_string_labels(tmp_path):
    p = tmp_path / "flowers.csv"
    p.write_text("petal,colour,sepal\n1.0,red,10\n2.0,blue,20\n3.0,red,30\n4.0,green,40\n")
    d = load_csv(p, "colour")
    assert d.class_names == ("blue", "green", "red")
    assert d.y.tolist() == [2, 0, 2, 1]
    assert d.feature_names == ("petal", "sepal") and d.name == "flowers"
    np.testing.assert_allclose(d.x.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(d.x.std(axis=0), 1.0, atol=1e-12)
    raw = load_dataset("csv", path=p, label_column="colour", feature_columns=["sepal"], standardise=False)
    assert raw.x[:, 0].tolist() == [10, 20, 30, 40]
    numeric = tmp_path / "n.csv"
    numeric.write_text("a,label\n1,10\n2,9\n3,10\n")
    assert load_csv(numeric, "label").class_names == ("9", "10")  # numeric order, not text order


def test_csv_seeded_split(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    assert load_csv(p, "y").test is None  # no split unless asked: every row trains and evaluates
    d = load_dataset("csv", path=p, label_column="y", fractions=(0.5, 0.25, 0.25), seed=3)
    assert (len(d.train), len(d.val), len(d.test)) == (10, 5, 5)
    assert sorted(np.concatenate([d.train, d.val, d.test]).tolist()) == list(range(20))
    again = load_dataset("csv", path=p, label_column="y", fractions=(0.5, 0.25, 0.25), seed=3)
    other = load_dataset("csv", path=p, label_column="y", fractions=(0.5, 0.25, 0.25), seed=4)
    assert again.test.tolist() == d.test.tolist() != other.test.tolist()


def test_csv_errors_name_the_problem(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a,b\n1,x\n2,y\nfoo,z\n")
    with pytest.raises(ValueError, match="no label column 'c'"):
        load_csv(p, "c")
    with pytest.raises(ValueError, match="line 4, column 'a': 'foo' is not a number"):
        load_csv(p, "b")
    with pytest.raises(FileNotFoundError, match="CSV file"):
        load_csv(tmp_path / "missing.csv", "b")


def test_dispatcher_and_dataset_validation():
    assert load_dataset("iris").x.shape == (150, 4)
    assert load_dataset("heart", seed=5).x.shape == (255, 2)
    assert np.array_equal(load_dataset("digits", seed=2).test, load_digits(seed=2).test)
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        load_dataset("cifar")
    with pytest.raises(ValueError, match="dataset iris: unexpected arguments path"):
        load_dataset("iris", path="x.csv")
    with pytest.raises(ValueError, match="labels must be integers 0..1"):
        Dataset("bad", np.zeros((2, 1)), np.array([0, 2]), ("a", "b"))
    with pytest.raises(ValueError, match="y has shape"):
        Dataset("bad", np.zeros((2, 1)), np.array([0]), ("a", "b"))
    train, val, test = split_indices(10, seed=0)
    assert sorted(np.concatenate([train, val, test]).tolist()) == list(range(10))

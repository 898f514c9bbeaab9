"""The IDX file format of MNIST: read and write unsigned-byte tensors (gzip-compressed or not).

An IDX file is a big-endian header ``0, 0, type, ndim`` (type ``0x08`` = unsigned byte), ``ndim`` 32-bit
dimension sizes, then the data. MNIST's image files have magic number 2051 (``0x00000803``: ubyte, 3 dims) and its
label files 2049 (``0x00000801``: ubyte, 1 dim).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049


def _open(path: Path):
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def read_idx(path: str | Path, expect_magic: int | None = None) -> np.ndarray:
    """Read an unsigned-byte IDX file into a ``uint8`` array.

    Parameters
    ----------
    path : str or Path
        The file; gzip compression is detected from its first bytes, not its name.
    expect_magic : int, optional
        Raise unless the file's magic number is this (2051 for images, 2049 for labels).

    Returns
    -------
    numpy.ndarray of uint8 with the shape the header declares.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        On a wrong magic number, an unsupported data type or a truncated file.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> p = Path(tempfile.mkdtemp()) / "labels-idx1-ubyte"
    >>> write_idx(p, np.array([3, 1, 4], dtype=np.uint8))
    >>> read_idx(p, expect_magic=LABELS_MAGIC).tolist()
    [3, 1, 4]
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file {path} not found")
    with _open(path) as f:
        raw = f.read()
    if len(raw) < 4:
        raise ValueError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    magic = int.from_bytes(raw[:4], "big")
    if expect_magic is not None and magic != expect_magic:
        raise ValueError(f"{path}: magic number {magic}, expected {expect_magic}")
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: magic number {magic} is not an unsigned-byte IDX file")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated header ({len(raw)} bytes, {ndim} dimensions)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    size = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != size:
        raise ValueError(f"{path}: header declares shape {shape} ({size} bytes) but the file holds "
                         f"{len(raw) - header} data bytes")
    return np.frombuffer(raw, dtype=np.uint8, count=size, offset=header).reshape(shape).copy()


def write_idx(path: str | Path, array: np.ndarray, compress: bool | None = None) -> None:
    """Write a ``uint8`` array as an IDX file (gzip-compressed when ``compress`` or the name ends in ``.gz``).

    Parameters
    ----------
    path : str or Path
    array : numpy.ndarray
        Values 0..255, 1 to 255 dimensions.
    compress : bool, optional
        Default: compress when ``path`` ends in ``.gz``.
    """
    path = Path(path)
    a = np.asarray(array)
    if a.ndim == 0 or a.size and (a.min() < 0 or a.max() > 255):
        raise ValueError("write_idx: expected an array of values 0..255 with at least one dimension")
    data = bytes([0, 0, 0x08, a.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in a.shape)
    data += a.astype(np.uint8).tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)

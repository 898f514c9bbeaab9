"""``--inputs FILE.csv``: input vectors for a CRN, one row each, formal units.

The header names the CRN's inputs (each exactly once, any order); every cell is a finite number.
A problem is one line naming the file, the row (1 = the header) and the column."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from dsd.gatesim import input_rows as rows_json  # noqa: F401  (the CLI's name for it)


def read_inputs_csv(path: Path, names: list[str]) -> np.ndarray:
    """(n_rows, len(names)) input values (formal units) in ``names``' order, rows in file order.

    >>> import tempfile, os
    >>> p = Path(tempfile.mkdtemp()) / "in.csv"
    >>> _ = p.write_text("Z,X\\n0.3,1\\n0,0.5\\n")
    >>> read_inputs_csv(p, ["X", "Z"]).tolist()
    [[1.0, 0.3], [0.5, 0.0]]
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a UTF-8 text file") from None
    rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
    if not rows:
        raise ValueError(f"{path}: empty; expected a header row naming the inputs {', '.join(names)}")
    header = [c.strip() for c in rows[0]]
    for j, h in enumerate(header):
        if h not in names:
            raise ValueError(f"{path}: row 1, column {j + 1}: {h!r} is not an input of the CRN (inputs: "
                             f"{', '.join(names)})")
        if header.count(h) > 1:
            raise ValueError(f"{path}: row 1: input {h!r} appears twice")
    missing = [n for n in names if n not in header]
    if missing:
        raise ValueError(f"{path}: row 1: no column for input {missing[0]!r} (the header must name every input: "
                         f"{', '.join(names)})")
    if len(rows) == 1:
        raise ValueError(f"{path}: no input rows after the header")
    where = [header.index(n) for n in names]
    out = np.empty((len(rows) - 1, len(names)))
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValueError(f"{path}: row {i}: {len(row)} cells, the header has {len(header)}")
        for k, j in enumerate(where):
            cell = row[j].strip()
            try:
                v = float(cell)
            except ValueError:
                v = math.nan
            if not math.isfinite(v):
                raise ValueError(f"{path}: row {i}, column {header[j]!r}: expected a finite number, got {cell!r}")
            out[i - 2, k] = v
    return out

"""Shared test helpers: where the read-only reference models live (``../shared/reference/dmp``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

REFERENCE_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "dmp"
REFERENCE_NAMES = ("iris-icml", "heart", "virus", "mnist14")


def reference_json(name: str) -> dict:
    path = REFERENCE_DIR / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"reference model {path} not available")
    return json.loads(path.read_text())


def reference_network(name: str):
    from nn.network import Network

    d = reference_json(name)
    return Network([np.array(w, float) for w in d["weights"]], [np.array(b, float) for b in d["biases"]])

"""The numbers the report shows, as pure functions: the network's confidence per example, the
Pearson r of two samples, and the sequence checks summarised per check."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

CONFIDENCE_KINDS = {
    "margin": "margin between the network's two largest outputs",
    "softmax": "softmax probability of the network's top output",
}


def network_confidence(outputs: np.ndarray, kind: str = "margin") -> np.ndarray:
    """Per-example confidence of the network from its outputs (n_examples, n_outputs).

    ``margin``: largest minus second-largest output (output units); ``softmax``: the largest
    softmax probability. A single-output network has no margin: its |output| is used.

    >>> network_confidence(np.array([[3.0, 1.0, -2.0]])).tolist()
    [2.0]
    """
    outputs = np.atleast_2d(np.asarray(outputs, float))
    if kind not in CONFIDENCE_KINDS:
        raise ValueError(f"confidence must be one of {sorted(CONFIDENCE_KINDS)}, got {kind!r}")
    if kind == "softmax":
        z = outputs - outputs.max(axis=1, keepdims=True)
        p = np.exp(z)
        return (p / p.sum(axis=1, keepdims=True)).max(axis=1)
    if outputs.shape[1] < 2:
        return np.abs(outputs[:, 0])
    top2 = np.sort(outputs, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def pearson_r(a: Sequence[float], b: Sequence[float]) -> float:
    """Pearson correlation of two samples; NaN when either is constant or has fewer than 2 values."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def check_summary(rows: Sequence[dict]) -> list[dict]:
    """``checks.csv`` rows grouped by check: rows, passed, failed and the worst value with its
    subject (lowest for energies, where more negative is worse; highest for defects and rule
    violations)."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["check"], []).append(r)
    out = []
    for name, rs in groups.items():
        lower_is_worse = name in _LOWER_IS_WORSE
        valued = [(v, r) for r in rs if (v := _float(r.get("value"))) is not None and not math.isnan(v)]
        worst = (min if lower_is_worse else max)(valued, key=lambda vr: vr[0], default=None)
        passed = sum(_truthy(r.get("pass")) for r in rs)
        out.append({
            "check": name,
            "rows": len(rs),
            "passed": passed,
            "failed": len(rs) - passed,
            "worst": worst[0] if worst else None,
            "worst_subject": worst[1].get("subject", "") if worst else "",
            "threshold": _float(rs[0].get("threshold")),
            "direction": "lowest" if lower_is_worse else "highest",
        })
    return out


_LOWER_IS_WORSE = {"strand_mfe", "spurious_dG", "spurious_screen"}


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "pass")

"""The output trajectories a build writes for its report (``report.examples_to_plot`` examples):
the report draws them and simulates nothing (formats: :mod:`dsd.report.read`).

Which examples: the first simulated example of each class the network predicts, then the slowest
to stabilise (formal time), in example order; labels are not looked at. The simulate stage picks
them and writes ``trajectories.json``; the gatesim stage simulates the same examples at the gate
level and writes ``gate_trajectories.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from crn.atomic import atomic_write_text
from crn.model import CRN
from dsd.report.read import GATE_TRAJECTORIES_FILE, TRAJECTORIES_FILE


def pick_examples(network_outputs: np.ndarray | None, stabilisation: np.ndarray, k: int) -> list[tuple[int, str]]:
    """Up to ``k`` examples as (index, why): the first of each class the network predicts (from
    ``network_outputs``, n_examples x n_outputs), then the slowest to stabilise
    (``stabilisation``, per example); in example order.

    >>> pick_examples(np.array([[1, 0], [1, 0], [0, 1]]), np.array([0.0, 5.0, 1.0]), 3)
    [(0, 'first predicted as class 0'), (1, 'slowest to stabilise'), (2, 'first predicted as class 1')]
    """
    picks: dict[int, str] = {}
    if network_outputs is not None:
        classes = np.argmax(network_outputs, axis=1)
        for c in np.unique(classes):
            if len(picks) < k:
                picks[int(np.argmax(classes == c))] = f"first predicted as class {c}"
    for i in np.argsort(-np.asarray(stabilisation), kind="stable"):
        if len(picks) >= k:
            break
        picks.setdefault(int(i), "slowest to stabilise")
    return sorted(picks.items())


def write_formal_trajectories(work: Path, crn: CRN, t: np.ndarray, output_trajectories: np.ndarray,
                              stabilisation: np.ndarray, network_outputs: np.ndarray | None, k: int) -> None:
    """``trajectories.json``: the formal outputs (formal units) on the grid ``t`` (formal time) of
    the ``k`` picked examples, rows of ``output_trajectories`` (n_examples, n_points, n_outputs)."""
    picks = pick_examples(network_outputs, stabilisation, k)
    idx = [i for i, _ in picks]
    data = {
        "what": "formal CRN outputs y_i = y_i+ - y_i- (formal units) against formal time, for the report",
        "outputs": [s.name for s in crn.outputs],
        "examples": [{"index": i, "why": why, "stabilised": float(stabilisation[i])} for i, why in picks],
        "t": np.asarray(t, float).tolist(),
        "y": np.asarray(output_trajectories, float)[idx].tolist(),
    }
    atomic_write_text(work / TRAJECTORIES_FILE, json.dumps(data) + "\n")


def plotted_examples(work: Path) -> list[int]:
    """The examples ``trajectories.json`` in ``work`` holds ([] without the file)."""
    path = work / TRAJECTORIES_FILE
    if not path.is_file():
        return []
    return [int(e["index"]) for e in json.loads(path.read_text())["examples"]]


def write_gate_trajectories(work: Path, crn: CRN, system, scheme, unit_nM: float, leak_per_nM_s: float, hours: float,
                            x: np.ndarray, indices: list[int], initial_leak: float = 0.0, kinetics: dict | None = None) -> None:
    """``gate_trajectories.json``: the gate level ((``[y+] - [y-]``) / ``unit_nM``) over ``hours``
    for inputs ``x`` (formal units) of the examples ``indices``, with ideal gates plus
    ``leak_per_nM_s`` and ``initial_leak`` (fraction) and ``kinetics`` (designed toeholds) as in the gatesim stage."""
    from dsd.gatesim import gate_kinetics, simulate_gates

    data = {"what": "gate-level outputs ([y+] - [y-]) / unit_nM against hours, for the report",
            "outputs": [s.name for s in crn.outputs], "unit_nM": unit_nM, "leak_per_nM_s": leak_per_nM_s,
            "initial_leak": initial_leak, "examples": [], "t": [], "y": []}
    if indices:
        gates = gate_kinetics(crn, system, scheme, unit_nM, leak_per_nM_s, initial_leak, kinetics or {})
        sim = simulate_gates(gates, np.asarray(x, float)[indices], unit_nM, t_end_hours=hours)
        data.update(examples=[{"index": i, "stabilised": float(h)} for i, h in zip(indices, sim.stabilisation_hours)],
                    t=sim.t_hours.tolist(), y=sim.output_trajectories.tolist())
    atomic_write_text(work / GATE_TRAJECTORIES_FILE, json.dumps(data) + "\n")

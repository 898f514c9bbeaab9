"""Simulate the gate-level system for network inputs and compare it with the formal CRN.

Time is in seconds and concentrations in nM inside; results are reported in formal units and
hours. The inputs are encoded as the formal CRN encodes them, times ``unit_nM``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from crn.analysis import agreement, convergence_times
from crn.model import CRN
from dsd.domains import DomainSystem
from crn.simulate import encode_inputs, simulate
from dsd.kinetics import formal_values


@dataclass(frozen=True)
class GateSimulation:
    t_hours: np.ndarray  # (n_points,)
    outputs: np.ndarray  # (n_examples, n_outputs), formal units at t_end
    output_trajectories: np.ndarray  # (n_examples, n_points, n_outputs), formal units
    stabilisation_hours: np.ndarray  # (n_examples,) when the final winner last took the lead
    settle_hours: np.ndarray  # (n_examples,) when every output came within eps of its final value
    seconds: float  # wall time


def simulate_gates(gates: CRN, x: np.ndarray, unit_nM: float, *, t_end_hours: float = 48.0,
                   n_points: int = 241, eps: float = 1e-2, rtol: float = 1e-6, atol_nM: float = 1e-6,
                   ) -> GateSimulation:
    """Integrate the gate-level CRN ``gates`` (from :func:`dsd.kinetics.gate_crn`) for inputs
    ``x`` (n_examples, n_inputs, formal units) for ``t_end_hours``; the time grid is 0 then
    geometric from 1 s, so both the first minutes and the last hours are resolved."""
    start = time.perf_counter()
    t_end = float(t_end_hours) * 3600.0
    t_eval = np.concatenate([[0.0], np.geomspace(1.0, t_end, int(n_points) - 1)])
    c0 = encode_inputs(gates, np.asarray(x, float) * unit_nM)
    result = simulate(gates, initial=c0, t_end=t_end, t_eval=t_eval, rtol=rtol, atol=atol_nM,
                      keep_trajectories=False)
    traj = result.output_trajectories / unit_nM
    scaled = _Scaled(t=result.t / 3600.0, output_trajectories=traj)
    times = convergence_times(scaled, eps=eps)
    return GateSimulation(
        t_hours=scaled.t,
        outputs=traj[:, -1, :],
        output_trajectories=traj,
        stabilisation_hours=times["stabilisation_time"],
        settle_hours=times["settle_time"],
        seconds=time.perf_counter() - start,
    )


@dataclass(frozen=True)
class _Scaled:
    t: np.ndarray
    output_trajectories: np.ndarray


def compare(sim: GateSimulation, network_outputs: np.ndarray, formal_outputs: np.ndarray | None = None) -> dict:
    """The report of a gate-level run: agreement with the network (and the formal CRN), hours."""
    vs_net = agreement(sim.outputs, network_outputs)
    out = {
        "examples": vs_net["examples"],
        "argmax_match": vs_net["argmax_match"],
        "max_abs_error": vs_net["max_abs_error"],
        "hours_simulated": float(sim.t_hours[-1]),
        "hours_to_converge": float(np.max(sim.stabilisation_hours, initial=0.0)),
        "hours_to_converge_median": float(np.median(sim.stabilisation_hours)) if sim.outputs.size else 0.0,
        "hours_to_settle": float(np.max(sim.settle_hours, initial=0.0)),
        "seconds": sim.seconds,
    }
    # the best time to read the outputs (matters with leak, which keeps making output after the
    # computation is done): first grid time of the highest argmax agreement with the network
    along = (sim.output_trajectories.argmax(axis=2) == np.asarray(network_outputs).argmax(axis=1)[:, None]).sum(axis=0)
    best = int(np.argmax(along))
    out["best_readout_hours"] = float(sim.t_hours[best])
    out["argmax_match_at_best_readout"] = int(along[best])
    if formal_outputs is not None:
        vs_formal = agreement(sim.outputs, formal_outputs)
        out["argmax_match_formal"] = vs_formal["argmax_match"]
        out["max_abs_error_formal"] = vs_formal["max_abs_error"]
    return out



def gate_report(crn: CRN, system: DomainSystem, scheme, unit_nM: float, x: np.ndarray,
                network_outputs: np.ndarray | None, *, leak_per_nM_s: float = 0.0, hours: float = 48.0) -> dict:
    """Simulate the gate-level system on inputs ``x`` and compare with the formal CRN's exact
    limit and with the network (when given)."""
    from crn.feedforward import NotFeedForward, fire_to_completion
    from crn.simulate import encode_inputs, signal_values
    from dsd.kinetics import gate_crn

    gates = gate_crn(crn, system, scheme, unit_nM, leak_per_nM_s=leak_per_nM_s)
    sim = simulate_gates(gates, x, unit_nM, t_end_hours=hours)
    try:
        final, _ = fire_to_completion(crn, encode_inputs(crn, x))
        formal = signal_values(crn, crn.outputs, final)
    except NotFeedForward:
        formal = None
    reference = network_outputs if network_outputs is not None else formal
    if reference is None:
        raise ValueError("nothing to compare the gate-level outputs with: give a model")
    report = compare(sim, reference, formal)
    report.update({"leak_per_nM_s": leak_per_nM_s, "gate_reactions": len(gates.reactions),
                   "gate_species": len(gates.species), "unit_nM": unit_nM})
    return report, sim


__all__ = ["GateSimulation", "simulate_gates", "compare", "formal_values", "gate_report"]

"""Simulate the gate-level system for network inputs and compare it with the formal CRN.

Time is in seconds and concentrations in nM inside; results are reported in formal units and
hours. The inputs are encoded as the formal CRN encodes them, times ``unit_nM``.

The read-out time is chosen without labels (a lab cannot pick the time that agrees best): by
default it is the settle time of the leak-free gate-level run over the same inputs (the first
time after which every output of every example stays within :data:`READOUT_EPS` of full scale of
its final value) times :data:`READOUT_MARGIN`; or a time the user gives. A leak-free run that has
not settled by the end of the run (settle time x margin past the end, e.g. an oscillator) is read
at the end of the run, and the report says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from crn.analysis import agreement, convergence_times
from crn.model import CRN
from dsd.domains import DomainSystem
from crn.simulate import encode_inputs, simulate
from crn.tasks import Compute, run_tasks
from dsd.kinetics import formal_values

READOUT_EPS = 0.01
"""Settle tolerance of the read-out rule, as a fraction of full scale: the largest final |output|
over all examples and outputs of the leak-free run (formal units; 1 formal unit when every output
ends at 0). 1 % of full scale is about what a plate reader resolves of a reporter's range."""

READOUT_MARGIN = 1.2
"""The default read-out time is the leak-free settle time times this (+20 %)."""

SWEEP_LEAKS = (0.0, 1e-9, 1e-8)
"""Gate-fuel (and bimolecular) leak rate constants of the build's leak sweep, /nM/s (dsd.rates)."""

SWEEP_INITIAL_LEAKS = (0.0, 0.005, 0.02)
"""Initial leaks of the sweep: fraction of every gate's output free at t = 0."""

SWEEP_RTOL = 1e-4
"""Relative tolerance of the sweep's runs (IRIS: the same argmax agreement as at 1e-6, half the time)."""


@dataclass(frozen=True)
class GateSimulation:
    t_hours: np.ndarray  # (n_points,)
    outputs: np.ndarray  # (n_examples, n_outputs), formal units at t_end
    output_trajectories: np.ndarray  # (n_examples, n_points, n_outputs), formal units
    stabilisation_hours: np.ndarray  # (n_examples,) when the final winner last took the lead
    settle_hours: np.ndarray  # (n_examples,) when every output came within eps of its final value
    seconds: float  # wall time

    def at(self, hours: float) -> np.ndarray:
        """Outputs (n_examples, n_outputs, formal units) at ``hours``, linear between grid times."""
        t = self.t_hours
        j = int(np.clip(np.searchsorted(t, hours), 1, len(t) - 1))
        if hours >= t[-1]:
            return self.output_trajectories[:, -1, :]
        w = (hours - t[j - 1]) / (t[j] - t[j - 1])
        return (1 - w) * self.output_trajectories[:, j - 1, :] + w * self.output_trajectories[:, j, :]


def simulate_gates(gates: CRN, x: np.ndarray, unit_nM: float, *, t_end_hours: float = 48.0,
                   n_points: int = 241, eps: float = 1e-2, rtol: float = 1e-6, atol_nM: float = 1e-6,
                   extra_hours: tuple[float, ...] = (), compute: Compute | None = None) -> GateSimulation:
    """Integrate the gate-level CRN ``gates`` (from :func:`dsd.kinetics.gate_crn`) for inputs
    ``x`` (n_examples, n_inputs, formal units) for ``t_end_hours``; the time grid is 0 then
    geometric from 1 s, so both the first minutes and the last hours are resolved, plus the
    times ``extra_hours`` (e.g. a read-out time). ``eps``: settle tolerance (formal units).
    ``compute``: where the examples' tasks run (:func:`crn.simulate.simulate`)."""
    start = time.perf_counter()
    t_end = float(t_end_hours) * 3600.0
    grid = np.concatenate([[0.0], np.geomspace(1.0, t_end, int(n_points) - 1)])
    extra = [h * 3600.0 for h in extra_hours if 0 < h * 3600.0 < t_end]
    t_eval = np.unique(np.concatenate([grid, extra]))
    c0 = encode_inputs(gates, np.asarray(x, float) * unit_nM)
    result = simulate(gates, initial=c0, t_end=t_end, t_eval=t_eval, rtol=rtol, atol=atol_nM,
                      keep_trajectories=False, compute=compute)
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


def readout_time(leak_free: GateSimulation, given_hours: float | None = None) -> dict:
    """The read-out time (hours) and how it was chosen, from the leak-free run (no labels).

    >>> t = np.array([0.0, 1.0, 2.0, 10.0])
    >>> y = np.array([[[0.0], [0.5], [1.0], [1.0]]])
    >>> sim = GateSimulation(t, y[:, -1], y, np.zeros(1), np.zeros(1), 0.0)
    >>> readout_time(sim)["readout_hours"]
    2.4
    >>> readout_time(sim, 5.0)["readout_rule"]
    'given (5 h)'
    """
    end = float(leak_free.t_hours[-1])
    full_scale = float(np.max(np.abs(leak_free.outputs), initial=0.0)) or 1.0
    eps = READOUT_EPS * full_scale
    scaled = _Scaled(t=leak_free.t_hours, output_trajectories=leak_free.output_trajectories)
    settle = float(np.max(convergence_times(scaled, eps=eps)["settle_time"], initial=0.0))
    out = {"leak_free_settle_hours": settle, "readout_eps": eps, "readout_margin": READOUT_MARGIN}
    if given_hours is not None:
        return {**out, "readout_hours": float(given_hours), "readout_source": "given",
                "readout_rule": f"given ({given_hours:g} h)"}
    if settle * READOUT_MARGIN > end:
        return {**out, "readout_hours": end, "readout_source": "end",
                "readout_rule": f"end of the run: the leak-free run did not settle within {end:g} h "
                                f"(outputs within {eps:.3g} of their final values only after {settle:.3g} h)"}
    return {**out, "readout_hours": settle * READOUT_MARGIN, "readout_source": "settle",
            "readout_rule": f"settle time of the leak-free run ({settle:.3g} h: every output within {eps:.3g} "
                            f"formal units, {100 * READOUT_EPS:g} % of full scale, of its final value, latest "
                            f"example) x {READOUT_MARGIN:g}"}


def compare(sim: GateSimulation, network_outputs: np.ndarray, formal_outputs: np.ndarray | None = None,
            readout_hours: float | None = None) -> dict:
    """Agreement of a gate-level run with the network (and the formal CRN) at the read-out time
    (the end of the run when None) and at the end of the run; convergence hours."""
    readout = float(sim.t_hours[-1]) if readout_hours is None else float(readout_hours)
    at = sim.at(readout)
    vs_net = agreement(at, network_outputs)
    end = agreement(sim.outputs, network_outputs)
    out = {
        "examples": vs_net["examples"],
        "readout_hours": readout,
        "argmax_match": vs_net["argmax_match"],
        "max_abs_error": vs_net["max_abs_error"],
        "argmax_match_end": end["argmax_match"],
        "max_abs_error_end": end["max_abs_error"],
        "hours_simulated": float(sim.t_hours[-1]),
        "hours_to_converge": float(np.max(sim.stabilisation_hours, initial=0.0)),
        "hours_to_converge_median": float(np.median(sim.stabilisation_hours)) if sim.outputs.size else 0.0,
        "hours_to_settle": float(np.max(sim.settle_hours, initial=0.0)),
        "seconds": sim.seconds,
    }
    if formal_outputs is not None:
        vs_formal = agreement(at, formal_outputs)
        out["argmax_match_formal"] = vs_formal["argmax_match"]
        out["max_abs_error_formal"] = vs_formal["max_abs_error"]
    return out


def agreement_over_time(sim: GateSimulation, reference: np.ndarray) -> dict:
    """Argmax agreement with ``reference`` on every grid time (for the report's figure)."""
    along = (sim.output_trajectories.argmax(axis=2) == np.asarray(reference).argmax(axis=1)[:, None]).sum(axis=0)
    return {"t_hours": sim.t_hours.tolist(), "argmax_match": along.astype(int).tolist()}


def input_rows(names_in: list[str], names_out: list[str], x: np.ndarray, outputs: np.ndarray,
               formal: np.ndarray) -> list[dict]:
    """``[{"inputs": {...}, "outputs": {...}, "formal_outputs": {...}}]`` in the order of ``x``'s
    rows, every value in formal units."""
    return [{"inputs": dict(zip(names_in, map(float, xi))), "outputs": dict(zip(names_out, map(float, oi))),
             "formal_outputs": dict(zip(names_out, map(float, fi)))} for xi, oi, fi in zip(x, outputs, formal)]


def formal_limit(crn: CRN, x: np.ndarray) -> np.ndarray | None:
    """The formal CRN's outputs fired to completion (formal units), None when not feed-forward."""
    from crn.feedforward import NotFeedForward, fire_to_completion
    from crn.simulate import signal_values

    try:
        final, _ = fire_to_completion(crn, encode_inputs(crn, x))
    except NotFeedForward:
        return None
    return signal_values(crn, crn.outputs, final)


def gate_kinetics(crn, system, scheme, unit_nM, leak, initial_leak, kinetics: dict) -> CRN:
    """The gate-level CRN with leaks (/nM/s, fraction), options of :func:`dsd.kinetics.gate_crn` and
    ``extra_reactions`` from ``kinetics``."""
    from dsd.kinetics import gate_crn

    gates = gate_crn(crn, system, scheme, unit_nM, leak_per_nM_s=leak, initial_leak=initial_leak,
                     **{k: v for k, v in kinetics.items() if k != "extra_reactions"})
    extra = kinetics.get("extra_reactions") or ()
    return gates.replace(reactions=tuple(gates.reactions) + tuple(extra)) if extra else gates


def leak_sweep(crn: CRN, system: DomainSystem, scheme, unit_nM: float, x: np.ndarray, reference: np.ndarray,
               readout: float, hours: float, *, leaks=SWEEP_LEAKS, initial_leaks=SWEEP_INITIAL_LEAKS,
               leak_free: GateSimulation | None = None, compute: Compute | None = None,
               **kinetics) -> tuple[list[dict], dict]:
    """Agreement with ``reference`` at the read-out time ``readout`` (hours, chosen from the
    leak-free run: the same for every point) and at ``hours`` for every leak (/nM/s, gate-fuel and
    bimolecular) x initial leak (fraction). Returns (entries, runs): ``runs`` maps (leak, initial
    leak) to its :class:`GateSimulation`. The leak-free point reuses ``leak_free`` when given.
    Each point is one task, run where ``compute`` says (:func:`crn.tasks.run_tasks`)."""
    points = [(leak, initial) for leak in leaks for initial in initial_leaks]
    todo = [(p, gate_kinetics(crn, system, scheme, unit_nM, *p, kinetics)) for p in points
            if not (p == (0, 0) and leak_free is not None)]
    done = run_tasks(_sweep_point, todo, args=(x, unit_nM, hours, readout), compute=compute, label="leak sweep")
    runs = dict(zip([p for p, _ in todo], done))
    if leak_free is not None and (0, 0) in points:
        runs[(0, 0)] = leak_free
    entries = []
    for p in points:
        sim = runs[p]
        c = compare(sim, reference, readout_hours=readout)
        entries.append({"leak_per_nM_s": p[0], "initial_leak": p[1], "readout_hours": readout,
                        "argmax_match": c["argmax_match"], "max_abs_error": c["max_abs_error"],
                        "argmax_match_end": c["argmax_match_end"], "max_abs_error_end": c["max_abs_error_end"],
                        "examples": c["examples"], "seconds": sim.seconds})
    return entries, {p: runs[p] for p in points}


def _sweep_point(task: tuple, x: np.ndarray, unit_nM: float, hours: float, readout: float) -> GateSimulation:
    """One point of :func:`leak_sweep`: ``task`` is ((leak, initial leak), its gate-level CRN)."""
    _, gates = task
    return simulate_gates(gates, x, unit_nM, t_end_hours=hours, n_points=121, rtol=SWEEP_RTOL, extra_hours=(readout,),
                          compute=Compute(progress=False))


def gate_report(crn: CRN, system: DomainSystem, scheme, unit_nM: float, x: np.ndarray,
                network_outputs: np.ndarray | None, *, leak_per_nM_s: float = 0.0, initial_leak: float = 0.0,
                hours: float = 48.0, readout_hours: float | None = None, sweep: bool = False,
                compute: Compute | None = None, **kinetics) -> tuple[dict, GateSimulation]:
    """Simulate the gate-level system on inputs ``x`` (formal units) with the given leaks
    (/nM/s; initial leak a fraction) and compare with the network (when given, else the formal
    CRN's exact limit) at the read-out time and at ``hours``.

    The read-out time is ``readout_hours`` or :func:`readout_time` of the leak-free run (always
    simulated: it also gives the ideal gates' agreement, ``leak_free``). ``sweep``: add
    ``leak_sweep`` (every :data:`SWEEP_LEAKS` x :data:`SWEEP_INITIAL_LEAKS`). ``kinetics``: more
    options of :func:`dsd.kinetics.gate_crn` (``toehold_dG_kcal``, ``occlusion``) and
    ``extra_reactions`` (gate-level reactions added, e.g. occlusion sites of designed sequences).
    ``compute``: where the runs' tasks (examples, sweep points) run (:class:`crn.tasks.Compute`).
    Returns (report, the run with the given leaks)."""
    from dsd.kinetics import held_back

    formal = formal_limit(crn, x)
    reference = network_outputs if network_outputs is not None else formal
    if reference is None:
        raise ValueError("nothing to compare the gate-level outputs with: give a model")
    start = time.perf_counter()
    ideal_gates = gate_kinetics(crn, system, scheme, unit_nM, 0.0, 0.0, kinetics)
    ideal = simulate_gates(ideal_gates, x, unit_nM, t_end_hours=hours, compute=compute)
    chosen = readout_time(ideal, readout_hours)
    readout = chosen["readout_hours"]
    runs: dict = {(0.0, 0.0): ideal}
    report: dict = {}
    if sweep:
        entries, runs = leak_sweep(crn, system, scheme, unit_nM, x, reference, readout, hours, leak_free=ideal,
                                   compute=compute, **kinetics)
        report["leak_sweep"] = entries
    key = (float(leak_per_nM_s), float(initial_leak))
    sim = runs.get(key)
    if sim is None:
        sim = simulate_gates(gate_kinetics(crn, system, scheme, unit_nM, *key, kinetics), x, unit_nM, t_end_hours=hours,
                             extra_hours=(readout,), compute=compute)
        runs[key] = sim
    main = compare(sim, reference, formal, readout)
    report = {**main, **chosen, **report,
              "leak_per_nM_s": key[0], "initial_leak": key[1],
              "compared_with": "network" if network_outputs is not None else "formal CRN limit",
              "leak_free": {k: v for k, v in compare(ideal, reference, formal, readout).items()
                            if k not in ("hours_simulated",)},
              "agreement_over_time": [{"leak_per_nM_s": lk, "initial_leak": il, **agreement_over_time(s, reference)}
                                      for (lk, il), s in runs.items()],
              "held_back": held_back(crn, system),
              "gate_reactions": len(ideal_gates.reactions), "gate_species": len(ideal_gates.species),
              "unit_nM": unit_nM, "seconds": time.perf_counter() - start}
    return report, sim


__all__ = ["GateSimulation", "simulate_gates", "readout_time", "compare", "agreement_over_time", "formal_values",
           "formal_limit", "input_rows", "gate_kinetics", "gate_report", "leak_sweep", "READOUT_EPS", "READOUT_MARGIN", "SWEEP_LEAKS",
           "SWEEP_INITIAL_LEAKS"]

"""The gate-level run of any CRN compared with the formal CRN's *trajectories* (not with a network).

A CRN that is not feed-forward (approximate majority, an oscillator) has no exact limit to read the
gates against, and its behaviour is its dynamics: the comparison is of whole trajectories. The
formal CRN runs in formal time units, the gates in hours, and one formal time unit is some number
of hours ``tau`` set by the gates' rates and concentrations (for a Soloveichik 2010 bimolecular gate
about ``helper_excess / (k_displace * unit_nM)``: 6-nt toeholds, 10x helpers, 10 nM per unit give
0.58 h; the toehold exchange of the first step makes real gates about twice as slow). :func:`fit_time_scale` finds the one ``tau`` that brings the gate-level outputs closest
to the formal ones (least squares over the window), starting from that nominal value
(:func:`nominal_hours_per_unit`); the fit has one parameter, so it cannot hide a difference in
shape (it is fitted twice: on the window the nominal scale gives, then on the one the fitted scale
gives). The window is the formal horizon the gates were sized for (``Sizing.horizon``, default
:data:`dsd.sizing.SIZING_HORIZON`) mapped to hours, at most the gate-level run: past it the fuel
the sizing provided may run out by design.

Units: concentrations in formal units (gate level: nM / ``unit_nM``), gate-level time in hours.
"""

from __future__ import annotations

import numpy as np

from crn.model import CRN
from crn.simulate import simulate
from dsd.gatesim import GateSimulation, gate_kinetics, simulate_gates
from dsd.rates import DEFAULT_HELPER_EXCESS, toehold_rates
from dsd.sizing import SIZING_HORIZON

FIT_SPAN = 10.0
"""The fitted hours per formal time unit is searched within the nominal value / and x this factor."""

COMPARE_POINTS = 401
"""Linear grid points of the compared window (gate-level run and formal CRN both sampled there)."""


def nominal_hours_per_unit(unit_nM: float, toehold_nt: int = 6, helper_excess: float = DEFAULT_HELPER_EXCESS,
                           long_nt: int = 15) -> float:
    """Hours per formal time unit of a Soloveichik 2010 bimolecular gate (effective rate constant
    ``k_displace / helper_excess`` /nM/s with ``k_displace`` the condensed displacement rate of a
    ``toehold_nt`` toehold, :mod:`dsd.rates`), 1 formal unit = ``unit_nM`` nM.

    >>> round(nominal_hours_per_unit(10.0), 2)
    0.58
    """
    k = toehold_rates(None).displace("t", toehold_nt, long_nt + toehold_nt)  # /nM/s
    return helper_excess / (k * unit_nM) / 3600.0


def formal_trajectories(crn: CRN, x: np.ndarray, t_formal: np.ndarray) -> np.ndarray:
    """Output values (n_examples, len(t_formal), n_outputs, formal units) of the formal CRN for
    inputs ``x`` (n_examples, n_inputs) at the increasing formal times ``t_formal`` (from 0)."""
    t_formal = np.asarray(t_formal, float)
    result = simulate(crn, np.atleast_2d(np.asarray(x, float)), t_end=float(t_formal[-1]), t_eval=t_formal,
                      keep_trajectories=False)
    return result.output_trajectories


def _interp(t_new: np.ndarray, t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y`` (E, len(t), O) linearly interpolated at ``t_new`` along axis 1 (held past the ends)."""
    idx = np.clip(np.searchsorted(t, t_new), 1, len(t) - 1)
    w = np.clip((t_new - t[idx - 1]) / (t[idx] - t[idx - 1]), 0.0, 1.0)[None, :, None]
    return (1 - w) * y[:, idx - 1, :] + w * y[:, idx, :]


def fit_time_scale(t_hours: np.ndarray, gate: np.ndarray, t_formal: np.ndarray, formal: np.ndarray,
                   guess: float, span: float = FIT_SPAN) -> float:
    """Hours per formal time unit minimising the mean squared difference between ``gate``
    (E, len(t_hours), O) and ``formal`` (E, len(t_formal), O) read at ``t_hours / tau``; searched
    on a log grid within [guess / span, guess * span], then refined around the best point.
    ``t_formal`` must reach ``t_hours[-1] / (guess / span)``."""
    def cost(tau: float) -> float:
        return float(np.mean((gate - _interp(t_hours / tau, t_formal, formal)) ** 2))

    grid = np.geomspace(guess / span, guess * span, 121)
    best = int(np.argmin([cost(t) for t in grid]))
    lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    fine = np.geomspace(lo, hi, 41)
    return float(fine[int(np.argmin([cost(t) for t in fine]))])


def count_periods(t: np.ndarray, y: np.ndarray, band: float = 0.1) -> dict:
    """Oscillation of one trajectory ``y`` on times ``t``: its upward crossings of the midline (the
    mean of the run's second half, so that a start-up transient does not set it), each counted only
    when ``y`` has been below ``midline - band * swing`` since the last one (``swing``: max - min over
    the second half; noise does not count; a second half swinging less than 5 % of the whole run's
    range counts as settled, with no cycles), the full cycles between the first and the
    last crossing (``periods``) and their mean length (``period``, in ``t``'s unit; None with fewer
    than 2 crossings).

    >>> t = np.linspace(0, 10, 1001)
    >>> out = count_periods(t, -np.cos(2 * np.pi * t / 3))
    >>> out["periods"], round(out["period"], 2)
    (3, 3.0)
    """
    y = np.asarray(y, float)
    late = y[len(y) // 2:]
    if late.size == 0:
        return {"crossings": [], "periods": 0, "period": None}
    mid, swing = float(late.mean()), float(late.max() - late.min())
    if swing <= 0.05 * float(y.max() - y.min()):  # settled (or oscillations damped out): no cycles to count
        return {"crossings": [], "periods": 0, "period": None}
    low = mid - band * swing
    times, armed = [], False
    for i in range(len(y) - 1):
        if y[i] < low:
            armed = True
        if armed and y[i] < mid <= y[i + 1]:
            times.append(float(t[i] + (mid - y[i]) / (y[i + 1] - y[i]) * (t[i + 1] - t[i])))
            armed = False
    periods = max(len(times) - 1, 0)
    return {"crossings": times, "periods": periods,
            "period": (times[-1] - times[0]) / periods if periods else None}


def compare_trajectories(crn: CRN, system, scheme, unit_nM: float, x: np.ndarray, *, hours: float,
                         horizon: float | None = None, leak_per_nM_s: float = 0.0, initial_leak: float = 0.0,
                         helper_excess: float = DEFAULT_HELPER_EXCESS, hours_per_unit: float | None = None,
                         readout_hours: float | None = None, kinetics: dict | None = None) -> dict:
    """Simulate the gates of ``system`` (sized, from ``translate_sized``) for inputs ``x``
    (n_examples, n_inputs, formal units) over ``hours`` and compare them with the formal CRN's
    trajectories over the window (see the module docstring); ``hours_per_unit``: the time scale
    (None: fitted). Returns a JSON-ready dict: the time scale and how it was chosen, the window, the
    largest |gate - formal| over the window (all examples, outputs and times) and at
    ``readout_hours`` (when given and inside the window), the oscillation of every output at both
    levels (:func:`count_periods`), and the trajectories on the window's grid (``t_hours``, ``gate``,
    ``formal``: example x time x output) and on the whole run's (``t_hours_run``, ``gate_run``,
    ``formal_run``)."""
    x = np.atleast_2d(np.asarray(x, float))
    horizon = SIZING_HORIZON if horizon is None else float(horizon)
    nominal = nominal_hours_per_unit(unit_nM, scheme.toehold_nt, helper_excess, scheme.long_nt)
    gates = gate_kinetics(crn, system, scheme, unit_nM, leak_per_nM_s, initial_leak, kinetics or {})
    dense = tuple(np.linspace(0.0, float(hours), 2 * COMPARE_POINTS)[1:])
    sim: GateSimulation = simulate_gates(gates, x, unit_nM, t_end_hours=hours, extra_hours=dense)
    if hours_per_unit is not None:
        tau = float(hours_per_unit)
        t_hours, t_formal, formal_fine = _window(crn, x, min(float(hours), horizon * tau), tau)
    else:  # fit on the window the nominal scale gives, then again on the window the fitted scale gives
        tau, span = nominal, FIT_SPAN
        for _ in range(2):
            t_hours, t_formal, formal_fine = _window(crn, x, min(float(hours), horizon * tau), tau / span)
            gate = _interp(t_hours, sim.t_hours, sim.output_trajectories)
            tau = fit_time_scale(t_hours, gate, t_formal, formal_fine, tau, span)
            span = 2.0
    window = float(t_hours[-1])
    gate = _interp(t_hours, sim.t_hours, sim.output_trajectories)
    formal = _interp(t_hours / tau, t_formal, formal_fine)
    diff = np.abs(gate - formal)
    names = [s.name for s in crn.outputs]
    out = {
        "what": "gate-level outputs (nM / unit_nM) vs the formal CRN's trajectories, formal time = hours / "
                "hours_per_formal_unit",
        "outputs": names,
        "inputs": [s.name for s in crn.inputs],
        "x": x.tolist(),
        "hours_per_formal_unit": tau,
        "time_scale": "given" if hours_per_unit is not None else "fitted",
        "nominal_hours_per_formal_unit": nominal,
        "horizon_formal": horizon,
        "window_hours": window,
        "hours_simulated": float(hours),
        "leak_per_nM_s": leak_per_nM_s,
        "initial_leak": initial_leak,
        "max_abs_difference": float(diff.max(initial=0.0)),
        "max_abs_difference_per_output": dict(zip(names, map(float, diff.max(axis=(0, 1))))) if diff.size else {},
        "oscillation": [{o: {"gate": _periods_json(count_periods(sim.t_hours, sim.output_trajectories[e, :, k])),
                             "formal": _periods_json(count_periods(t_hours, formal[e, :, k]))}
                         for k, o in enumerate(names)} for e in range(len(x))],
        "t_hours": t_hours.tolist(),
        "gate": gate.tolist(),
        "formal": formal.tolist(),
        "gate_end": sim.outputs.tolist(),
    }
    # the whole run on one grid too, for a figure (the formal CRN mapped with the same time scale)
    t_run = np.linspace(0.0, float(hours), COMPARE_POINTS)
    out["t_hours_run"] = t_run.tolist()
    out["gate_run"] = _interp(t_run, sim.t_hours, sim.output_trajectories).tolist()
    out["formal_run"] = formal_trajectories(crn, x, t_run / tau).tolist()
    if readout_hours is not None and readout_hours <= window:
        at = _interp(np.array([float(readout_hours)]), t_hours, diff)[:, 0, :]
        out["readout_hours"] = float(readout_hours)
        out["max_abs_difference_at_readout"] = float(at.max(initial=0.0))
    return out


def _window(crn: CRN, x: np.ndarray, window_hours: float, slowest: float):
    """(t_hours, t_formal, formal outputs on t_formal): the compared grid over ``window_hours`` and
    a formal run long enough for every hours-per-unit down to ``slowest``."""
    t_hours = np.linspace(0.0, window_hours, COMPARE_POINTS)
    t_formal = np.linspace(0.0, window_hours / slowest, 20 * COMPARE_POINTS)
    return t_hours, t_formal, formal_trajectories(crn, x, t_formal)


def _periods_json(p: dict) -> dict:
    return {"periods": p["periods"], "period": p["period"]}


__all__ = ["compare_trajectories", "count_periods", "fit_time_scale", "formal_trajectories",
           "nominal_hours_per_unit", "FIT_SPAN", "COMPARE_POINTS"]

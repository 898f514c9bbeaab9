"""Mass-action ODE simulation of a formal CRN on many inputs: the input encoding, the result, and the
choice of integrator.

``d[c]/dt = N v(c)`` with ``v_r = k_r prod_s c_s^{a_rs}``. A feed-forward CRN (what the compiler
builds) goes to :mod:`crn.simulate_ff` (exact decay of the inputs, a Newton solve level by level
with no factorisation, the BDF of :mod:`crn.simulate_bdf`); any other CRN (e.g. a gate-level CRN)
to :mod:`crn.simulate_sparse` (the same BDF, the examples' sparse Newton matrices factorised
together by :mod:`crn.simulate_lu` and kept across steps); ``solve_ivp``
(:mod:`crn.simulate_scipy`) on request or for another ``method``. Units are the CRN's formal units
(concentration and time as the rate constants define them).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from crn.feedforward import NotFeedForward
from crn.model import CRN, Signal
from crn.simulate_bdf import IntegrationError
from crn.simulate_ff import FeedForwardKinetics, integrate_feedforward
from crn.simulate_scipy import MassAction, elimination_order, integrate_scipy
from crn.simulate_sparse import SparseKinetics, integrate_sparse
from crn.tasks import Compute, run_tasks, task_slices

__all__ = ["MassAction", "SimulationError", "SimulationResult", "elimination_order", "encode_inputs",
           "signal_values", "simulate"]


ENGINES = ("auto", "feedforward", "sparse", "scipy")


class SimulationError(RuntimeError):
    """The integrator failed (the message says why)."""


def encode_inputs(crn: CRN, x: np.ndarray) -> np.ndarray:
    """Initial concentrations (n_examples, n_species) for inputs ``x`` (n_examples, n_inputs).

    Dual-rail input: ``[plus] = max(x, 0)``, ``[minus] = max(-x, 0)``; single-rail: ``[plus] = x +
    offset``, which must not be negative. Added on top of ``crn.init``.
    """
    species = crn.species
    index = {s: i for i, s in enumerate(species)}
    x = np.atleast_2d(np.asarray(x, dtype=float)) if len(crn.inputs) else np.zeros((1, 0))
    if x.shape[1] != len(crn.inputs):
        raise ValueError(f"inputs have {x.shape[1]} values per example, the CRN has {len(crn.inputs)} inputs")
    conc = np.zeros((x.shape[0], len(species)))
    for s, c in crn.init.items():
        conc[:, index[s]] = c
    for k, sig in enumerate(crn.inputs):
        if sig.minus is None:
            v = x[:, k] + sig.offset
            if np.any(v < 0):
                bad = int(np.argmax(v < 0))
                raise ValueError(
                    f"input {sig.name} = {x[bad, k]:g} (example {bad}) is below the lowest value its "
                    f"shifted encoding allows ({-sig.offset:g})"
                )
            conc[:, index[sig.plus]] += v
        else:
            conc[:, index[sig.plus]] += np.maximum(x[:, k], 0.0)
            conc[:, index[sig.minus]] += np.maximum(-x[:, k], 0.0)
    return conc


def signal_values(crn: CRN, signals: tuple[Signal, ...], conc: np.ndarray) -> np.ndarray:
    """Values of ``signals`` from concentrations whose last axis is ``crn.species``."""
    index = {s: i for i, s in enumerate(crn.species)}
    cols = []
    for sig in signals:
        v = conc[..., index[sig.plus]]
        cols.append(v - conc[..., index[sig.minus]] if sig.minus is not None else v - sig.offset)
    return np.stack(cols, axis=-1) if cols else np.zeros(conc.shape[:-1] + (0,))


@dataclass(frozen=True)
class SimulationResult:
    """Outcome of :func:`simulate` (formal units)."""

    species: tuple[str, ...]
    t: np.ndarray  # (n_points,)
    final: np.ndarray  # (n_examples, n_species)
    outputs: np.ndarray  # (n_examples, n_outputs), final values of the output signals
    output_trajectories: np.ndarray  # (n_examples, n_points, n_outputs)
    trajectories: np.ndarray | None  # (n_examples, n_points, n_species)
    seconds: float
    nfev: int
    njev: int
    nlu: int
    min_concentration: float  # most negative value the integrator produced (before clipping)


def simulate(
    crn: CRN,
    x: np.ndarray | None = None,
    *,
    initial: np.ndarray | None = None,
    t_end: float = 50.0,
    n_points: int = 201,
    rates: np.ndarray | None = None,
    method: str = "BDF",
    engine: str = "auto",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    keep_trajectories: bool = True,
    compute: Compute | None = None,
    t_eval: np.ndarray | None = None,
) -> SimulationResult:
    """Integrate mass-action kinetics for every example at once.

    Parameters
    ----------
    x : (n_examples, n_inputs) input values, encoded by :func:`encode_inputs`; or
    initial : (n_examples, n_species) initial concentrations in ``crn.species`` order.
    t_end : simulated time; ``n_points`` grid points from 0 to ``t_end`` are reported, or the
        increasing times ``t_eval`` (ending at ``t_end``) when given.
    rates : per-reaction rate constants overriding the CRN's.
    method : a stiff ``solve_ivp`` method (``BDF``, ``Radau`` or ``LSODA``).
    engine : ``auto`` (default): a feed-forward CRN with ``method="BDF"`` goes to the
        feed-forward BDF (:mod:`crn.simulate_ff`, :mod:`crn.simulate_bdf`: exact input decay,
        a Newton solve with no factorisation, examples batched while that pays), any other CRN
        with ``method="BDF"`` to the sparse BDF (:mod:`crn.simulate_sparse`: the same BDF, the
        examples' Newton matrices factorised together by :mod:`crn.simulate_lu`), other methods
        to ``scipy.integrate.solve_ivp`` (:mod:`crn.simulate_scipy`); ``feedforward``,
        ``sparse`` or ``scipy`` force one (``feedforward`` raises
        :class:`crn.feedforward.NotFeedForward` on other CRNs).
    compute : where the tasks run (:class:`crn.tasks.Compute`): in this process (default), on
        local Dask workers or on a Dask scheduler. The examples are cut into tasks by
        :func:`crn.tasks.task_slices` (at most :data:`crn.tasks.TASK_STATE` species x examples
        each, equal sizes), whatever runs them, so every example's numbers are the same wherever
        it ran: examples of one task share time steps, so the cut, not the place, decides them.

    Examples
    --------
    >>> from crn.textformat import parse_crn
    >>> crn = parse_crn("input A\\ninput B\\noutput C\\nA + B -> C")
    >>> round(float(simulate(crn, [[2.0, 0.5]], t_end=1e4).outputs[0, 0]), 3)
    0.5
    """
    start = time.perf_counter()
    if (x is None) == (initial is None):
        raise ValueError("give either inputs x or initial concentrations, not both")
    c0 = encode_inputs(crn, x) if initial is None else np.atleast_2d(np.asarray(initial, float))
    E, n_s = c0.shape
    if n_s != len(crn.species):
        raise ValueError(f"initial has {n_s} species, the CRN has {len(crn.species)}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if t_eval is None:
        t_eval = np.linspace(0.0, float(t_end), int(n_points))
    t_eval = np.asarray(t_eval, float)
    if t_eval.ndim != 1 or np.any(np.diff(t_eval) <= 0) or t_eval[0] < 0 or t_eval[-1] != float(t_end):
        raise ValueError("t_eval must increase from >= 0 and end at t_end")
    options = dict(t_end=t_end, t_eval=t_eval, rates=rates, method=method, engine=engine, rtol=rtol, atol=atol,
                   keep_trajectories=keep_trajectories)
    parts = run_tasks(_simulate_task, [c0[s] for s in task_slices(E, n_s)], args=(crn, options), compute=compute,
                      label=f"simulating {E} examples")
    return _merge(parts, time.perf_counter() - start)


def _simulate_task(c0: np.ndarray, crn: CRN, options: dict) -> SimulationResult:
    return _simulate_serial(crn, c0, time.perf_counter(), **options)


def _merge(parts: list[SimulationResult], seconds: float) -> SimulationResult:
    if len(parts) == 1:
        return replace(parts[0], seconds=seconds)
    cat = lambda name: np.concatenate([getattr(p, name) for p in parts])  # noqa: E731
    return SimulationResult(
        species=parts[0].species,
        t=parts[0].t,
        final=cat("final"),
        outputs=cat("outputs"),
        output_trajectories=cat("output_trajectories"),
        trajectories=cat("trajectories") if parts[0].trajectories is not None else None,
        seconds=seconds,
        nfev=sum(p.nfev for p in parts),
        njev=sum(p.njev for p in parts),
        nlu=sum(p.nlu for p in parts),
        min_concentration=min(p.min_concentration for p in parts),
    )


def _simulate_serial(crn: CRN, c0: np.ndarray, start: float, *, t_end, t_eval, rates, method, engine, rtol, atol,
                     keep_trajectories) -> SimulationResult:
    E, n_s = c0.shape
    kinetics = None
    if engine == "feedforward" or (engine == "auto" and method == "BDF"):
        try:
            kinetics = FeedForwardKinetics(crn, rates)
        except NotFeedForward:
            if engine == "feedforward":
                raise
    if kinetics is None and (engine == "sparse" or (engine == "auto" and method == "BDF")):
        kinetics = SparseKinetics(crn, rates)
    if kinetics is not None:
        # only the species the outputs read are interpolated, unless the trajectories are kept
        columns = np.arange(n_s) if keep_trajectories else np.array(
            sorted({crn.species.index(s) for sig in crn.outputs for s in sig.species}), dtype=np.int64)
        integrate = integrate_sparse if isinstance(kinetics, SparseKinetics) else integrate_feedforward
        try:
            raw = integrate(kinetics, c0, t_eval, rtol=rtol, atol=atol, columns=columns)
        except IntegrationError as exc:
            raise SimulationError(f"the integrator failed: {exc}") from None
        t = t_eval
        min_conc = raw["min_value"]
        final = np.maximum(raw["final"], 0.0)
        traj = np.maximum(raw["traj"], 0.0)
    else:
        try:
            raw = integrate_scipy(crn, c0, t_eval, rates=rates, method=method, rtol=rtol, atol=atol)
        except RuntimeError as exc:
            raise SimulationError(str(exc)) from None
        t, columns = raw["t"], np.arange(n_s)
        min_conc = float(raw["traj"].min()) if raw["traj"].size else 0.0
        traj = np.maximum(raw["traj"], 0.0)
        final = traj[:, -1, :]
    out_traj = _signal_trajectories(crn, crn.outputs, traj, columns)
    return SimulationResult(
        species=crn.species,
        t=t,
        final=final,
        outputs=out_traj[:, -1, :],
        output_trajectories=out_traj,
        trajectories=traj if keep_trajectories else None,
        seconds=time.perf_counter() - start,
        nfev=int(raw["nfev"]),
        njev=int(raw["njev"]),
        nlu=int(raw["nlu"]),
        min_concentration=min_conc,
    )


def _signal_trajectories(crn: CRN, signals: tuple[Signal, ...], traj: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Values of ``signals`` from ``traj`` (..., len(columns)), whose last axis holds the species
    ``crn.species[columns]``."""
    where = {crn.species[c]: i for i, c in enumerate(columns)}
    cols = []
    for sig in signals:
        v = traj[..., where[sig.plus]]
        cols.append(v - traj[..., where[sig.minus]] if sig.minus is not None else v - sig.offset)
    return np.stack(cols, axis=-1) if cols else np.zeros(traj.shape[:-1] + (0,))

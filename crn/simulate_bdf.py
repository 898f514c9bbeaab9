"""A variable-order BDF integrator (orders 1-5) for a batch of stiff ODE systems that solve their
own Newton systems.

The method is the quasi-constant step size family of numerical differentiation formulas (NDF) in
backward-difference form (Shampine and Reichelt, "The MATLAB ODE Suite", SIAM J. Sci. Comput.
18(1), 1997): the state keeps the backward differences ``D[j] = nabla^j y_n`` at the current step
size ``h``; a step predicts ``y0 = sum_j D[j]``, solves

    (1 - kappa_k) gamma_k d - h f(t + h, y0 + d) + sum_{j=1..k} gamma_j D[j] = 0

for the correction ``d`` by a simplified Newton iteration with matrix ``I - c J`` (``c = h /
((1 - kappa_k) gamma_k)``), estimates the local error as ``(kappa_k gamma_k + 1/(k+1)) d`` and
changes ``h`` by rescaling the differences (:func:`rescale_matrix`). The order moves by at most
one after ``k + 1`` steps at the same size, to whichever of ``k - 1, k, k + 1`` allows the
largest step.

The state is an ``(n, E)`` array: ``E`` independent systems (examples) share the time steps, and
the error norm is the largest of their root-mean-square norms, so each example meets ``rtol`` and
``atol`` on its own. The caller provides the right-hand side and the Newton solve
(:class:`System`); nothing here knows about chemistry. Time and tolerances are in the units of the
system.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from typing import Protocol

import numpy as np

MAX_ORDER = 5
# kappa_k of the NDFs (Shampine and Reichelt 1997, table 1); order 5 is the plain BDF
KAPPA = np.array([0.0, -0.1850, -1.0 / 9.0, -0.0823, -0.0415, 0.0])
GAMMA = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, MAX_ORDER + 1))])
ALPHA = (1.0 - KAPPA) * GAMMA
ERROR_CONSTANT = KAPPA * GAMMA + 1.0 / np.arange(1, MAX_ORDER + 2)
NEWTON_ITERATIONS = 4
SAFETY, MIN_FACTOR, MAX_FACTOR = 0.9, 0.2, 10.0


class System(Protocol):
    """What :func:`integrate` needs from the ODE ``y' = f(t, y)``, ``y`` of shape ``(n, E)``."""

    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        """``f(t, y)``, shape ``(n, E)``."""

    def prepare(self, t: float, y: np.ndarray, c: float) -> None:
        """Make :meth:`solve` solve with ``I - c J(t, y)``."""

    def solve(self, r: np.ndarray) -> np.ndarray:
        """``x`` with ``(I - c J) x = r`` for the last :meth:`prepare`."""

    # optional: ``actual(t, y)``, the quantity ``y`` stands for (e.g. ``y`` plus a known function
    # of time); tolerances and ``min_value`` apply to it. Without it, to ``y`` itself.


class IntegrationError(RuntimeError):
    """The step size fell below what the floating-point time can resolve."""


@dataclass
class Solution:
    """What :func:`integrate` returns."""

    t: np.ndarray  # (n_points,) the requested times
    y: np.ndarray  # (n_points, n_rows, E) the recorded rows at those times
    final: np.ndarray  # (n, E) the state at the last time
    min_value: float  # the smallest state component over the accepted steps
    nfev: int
    nlu: int  # Newton matrices prepared (one per attempted step)
    steps: int


def run_stats(c0: np.ndarray) -> dict:
    """The counters an integration over the examples ``c0`` accumulates with :func:`add_run_stats`."""
    return {"nfev": 0, "njev": 0, "nlu": 0, "steps": 0, "min_value": float(c0.min()) if c0.size else 0.0}


def add_run_stats(stats: dict, sol: "Solution") -> None:
    """Add one batch's :class:`Solution` counters to ``stats`` (the Jacobian is evaluated once per LU)."""
    stats["nfev"] += sol.nfev
    stats["njev"] += sol.nlu
    stats["nlu"] += sol.nlu
    stats["steps"] += sol.steps
    stats["min_value"] = min(stats["min_value"], sol.min_value)


def rescale_matrix(order: int, factor: float) -> np.ndarray:
    """``T`` with ``D'[1..k] = T @ D[1..k]``: the backward differences of the interpolating
    polynomial of degree ``k`` at spacing ``factor * h`` from those at spacing ``h``.

    The polynomial is ``p(t_n + s h) = sum_j D[j] s (s+1) ... (s+j-1) / j!`` (Newton's backward
    formula); ``D'[m] = sum_i (-1)^i C(m, i) p(t_n - i factor h)``.

    >>> rescale_matrix(2, 2.0).round(12).tolist()  # y = t^2 at t = 0, -1, -2 -> at 0, -2, -4
    [[2.0, -1.0], [0.0, 4.0]]
    """
    s = -factor * np.arange(order + 1)[:, None]  # (i, 1)
    # P[i, j-1] = s (s+1) ... (s+j-1) / j! at s = -i * factor
    P = np.cumprod((s + np.arange(order)) / np.arange(1, order + 1), axis=1)
    return _SIGNED_BINOMIAL[1 : order + 1, : order + 1] @ P


_SIGNED_BINOMIAL = np.array([[(-1) ** i * comb(m, i) for i in range(MAX_ORDER + 1)] for m in range(MAX_ORDER + 1)],
                            dtype=float)


def weighted_sum(weights: np.ndarray, arrays: np.ndarray) -> np.ndarray:
    """``weights @ arrays`` over the first axis of ``arrays`` (a few terms), by element-wise
    operations: BLAS would start its threads for these small products, which costs far more on
    a loaded machine than it saves."""
    out = np.empty((weights.shape[0],) + arrays.shape[1:])
    for i, row in enumerate(weights):
        np.multiply(arrays[0], row[0], out=out[i])
        for j in range(1, len(row)):
            out[i] += row[j] * arrays[j]
    return out


def _norm(x: np.ndarray) -> float:
    """The largest per-example root-mean-square of ``x`` (n, E)."""
    return float(np.sqrt(np.mean(x * x, axis=0)).max()) if x.size else 0.0


def _interpolation_weights(s: np.ndarray, order: int) -> np.ndarray:
    """Weights of D[1..order] at ``t_n + s h``: ``s (s+1) ... (s+j-1) / j!``, shape (len(s), order)."""
    w = np.ones((len(s), order))
    for j in range(order):
        w[:, j] = (w[:, j - 1] if j else 1.0) * (s + j) / (j + 1)
    return w


REUSE_STEPS = 20
"""With ``reuse``, the Newton matrix is rebuilt after this many steps at the latest."""

REUSE_CHANGE = 0.3
"""With ``reuse``, the Newton matrix is rebuilt when ``c`` moved by more than this fraction."""


def integrate(system: System, y0: np.ndarray, t_eval: np.ndarray, *, rtol: float, atol: float,
              rows: np.ndarray | None = None, max_steps: int = 1_000_000, reuse: bool = False) -> Solution:
    """Integrate from ``t = 0`` to ``t_eval[-1]``, recording ``rows`` of the state (all when
    None) at the increasing times ``t_eval`` (>= 0) by the interpolating polynomial of each step.

    ``reuse``: keep the Newton matrix (``system.prepare``) across steps, for systems whose
    :meth:`System.prepare` costs far more than a solve (a factorisation), as in CVODE: it is
    rebuilt when ``c`` moved by more than :data:`REUSE_CHANGE`, after :data:`REUSE_STEPS` steps,
    and when the Newton iteration failed with an older matrix (the step is then retried at the
    same size with a fresh one). The iteration converges to the same solution with any matrix;
    an older one only contracts more slowly, which the remembered contraction rate of the
    convergence test follows (it is measured again at least every ``_Newton.REMEASURE`` steps).
    Without ``reuse`` every attempt builds it.
    """
    y0 = np.array(y0, dtype=float, ndmin=2)
    n, E = y0.shape
    t_eval = np.asarray(t_eval, float)
    t_end = float(t_eval[-1])
    rows = np.arange(n) if rows is None else np.asarray(rows, np.int64)
    out = np.empty((len(t_eval), len(rows), E))
    n_out = int(np.searchsorted(t_eval, 0.0, side="right"))
    out[:n_out] = y0[rows]
    nfev = nlu = steps = 0
    actual = getattr(system, "actual", lambda t, y: y)
    min_value = float(y0.min()) if y0.size else 0.0
    newton = _Newton(max(10 * np.finfo(float).eps / rtol, min(0.03, rtol ** 0.5)))

    t = 0.0
    c_lu, lu_step = None, 0
    if t_end <= 0.0:
        out[:] = y0[rows]
        return Solution(t=t_eval, y=out, final=y0.copy(), min_value=min_value, nfev=0, nlu=0, steps=0)
    f0 = system.rhs(t, y0)
    nfev += 1
    h = _initial_step(system, y0, f0, t_end, rtol, atol)
    nfev += 1
    D = np.zeros((MAX_ORDER + 3, n, E))
    D[0] = y0
    D[1] = h * f0
    order, n_equal = 1, 0

    def rescale(factor: float) -> None:
        T = rescale_matrix(order, factor)
        D[1 : order + 1] = weighted_sum(T, D[1 : order + 1])

    while t < t_end:
        if steps >= max_steps:
            raise IntegrationError(f"more than {max_steps} steps before t = {t_end:g} (reached t = {t:g})")
        if t + h > t_end or t_end - (t + h) < 1e-12 * t_end:
            rescale((t_end - t) / h)
            h = t_end - t
        while True:  # attempts at one step
            if h < 10 * np.spacing(max(t, 1.0)):
                raise IntegrationError(f"the step size fell to {h:.3g} at t = {t:g}")
            t_new = t_end if t + h >= t_end else t + h
            y_pred = D[: order + 1].sum(axis=0)
            scale = atol + rtol * np.abs(actual(t_new, y_pred))
            psi = weighted_sum(GAMMA[None, 1 : order + 1] / ALPHA[order], D[1 : order + 1])[0]
            c = h / ALPHA[order]
            fresh = not reuse or c_lu is None or abs(c / c_lu - 1.0) > REUSE_CHANGE or steps - lu_step >= REUSE_STEPS
            if fresh:
                system.prepare(t_new, y_pred, c)
                c_lu, lu_step = c, steps
                nlu += 1
            y, d, converged, iterations = newton(system, t_new, y_pred, c, psi, scale)
            nfev += iterations
            if not converged and not fresh:
                c_lu = None  # retry at the same size with a fresh matrix
                continue
            if not converged:
                rescale(0.5)
                h *= 0.5
                n_equal = 0
                continue
            current = actual(t_new, y)
            scale = atol + rtol * np.abs(current)
            error = _norm(ERROR_CONSTANT[order] * d / scale)
            if error > 1.0:
                factor = max(MIN_FACTOR, SAFETY * error ** (-1.0 / (order + 1)))
                rescale(factor)
                h *= factor
                n_equal = 0
                continue
            break
        t = t_new
        steps += 1
        D[order + 2] = d - D[order + 1]
        D[order + 1] = d
        for j in range(order, -1, -1):
            D[j] += D[j + 1]
        min_value = min(min_value, float(current.min(initial=np.inf)))
        stop = int(np.searchsorted(t_eval, t, side="right"))
        if stop > n_out:
            s = (t_eval[n_out:stop] - t) / h
            w = _interpolation_weights(s, order)
            part = D[1 : order + 1][:, rows]
            out[n_out:stop] = D[0][rows][None] + weighted_sum(w, part)
            n_out = stop
        n_equal += 1
        if n_equal < order + 1:
            continue
        with np.errstate(divide="ignore"):
            lower = _norm(ERROR_CONSTANT[order - 1] * D[order] / scale) if order > 1 else np.inf
            higher = _norm(ERROR_CONSTANT[order + 1] * D[order + 2] / scale) if order < MAX_ORDER else np.inf
            factors = np.array([lower, error, higher]) ** (-1.0 / np.arange(order, order + 3))
        best = int(np.argmax(factors))
        order += best - 1
        factor = min(MAX_FACTOR, SAFETY * factors[best])
        rescale(factor)
        h *= factor
        n_equal = 0
    return Solution(t=t_eval, y=out, final=D[0].copy(), min_value=min_value, nfev=nfev, nlu=nlu, steps=steps)


class _Newton:
    """The simplified Newton iteration of one step, ``d - c f(t, y_pred + d) + psi = 0``.

    The Newton matrix is evaluated at every step's prediction, so the iteration contracts fast
    (rates of 1e-8..1e-3 on compiled networks) and one iteration is usually enough. As in CVODE,
    the contraction rate measured when a second iteration runs is remembered (decaying by 0.3
    per step) and a step stops after one iteration when ``rate * |dy| < tol``; every
    ``REMEASURE`` steps a second iteration runs anyway, so a rate that grows is seen.
    """

    REMEASURE = 10

    def __init__(self, tol: float) -> None:
        self.tol = tol
        self.rate = 1.0
        self.since_measured = 0

    def __call__(self, system: System, t: float, y_pred: np.ndarray, c: float, psi: np.ndarray,
                 scale: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool, int]:
        """``(y, d, converged, iterations)``."""
        y = y_pred.copy()
        d = np.zeros_like(y)
        previous = None
        self.since_measured += 1
        for k in range(NEWTON_ITERATIONS):
            f = system.rhs(t, y)
            if not np.all(np.isfinite(f)):
                return y, d, False, k + 1
            dy = system.solve(c * f - psi - d)
            dy_norm = _norm(dy / scale)
            if previous is None:
                rate = min(self.rate, 0.9)
            else:
                rate = dy_norm / previous
                self.rate = max(0.3 * self.rate, rate)
                self.since_measured = 0
                if rate >= 1 or rate ** (NEWTON_ITERATIONS - k) / (1 - rate) * dy_norm > self.tol:
                    return y, d, False, k + 1
            y += dy
            d += dy
            trust = previous is not None or self.since_measured < self.REMEASURE
            if dy_norm == 0 or (trust and rate / (1 - rate) * dy_norm < self.tol):
                return y, d, True, k + 1
            previous = dy_norm
        return y, d, False, NEWTON_ITERATIONS


def _initial_step(system: System, y0: np.ndarray, f0: np.ndarray, t_end: float, rtol: float, atol: float) -> float:
    """A first step size for order 1 (Hairer, Norsett and Wanner, Solving ODEs I, section II.4)."""
    scale = atol + rtol * np.abs(getattr(system, "actual", lambda t, y: y)(0.0, y0))
    d0, d1 = _norm(y0 / scale), _norm(f0 / scale)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, t_end)
    f1 = system.rhs(h0, y0 + h0 * f0)
    d2 = _norm((f1 - f0) / scale) / h0
    h1 = max(1e-6, h0 * 1e-3) if max(d1, d2) <= 1e-15 else (0.01 / max(d1, d2)) ** 0.5
    return min(100 * h0, h1, t_end)

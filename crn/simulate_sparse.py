"""Mass-action kinetics of any CRN in the form :mod:`crn.simulate_bdf` integrates: the general
fast path (CRNs that are not feed-forward, e.g. gate-level CRNs with reversible steps).

The examples share the time steps of :func:`crn.simulate_bdf.integrate` (variable-order BDF,
each example meeting ``rtol`` and ``atol`` on its own). The state is ``(n_species, E)``; a right-
hand side is one gather of the reactant slots and one sparse product with the stoichiometry; the
Newton matrix ``I - c J`` of every example is assembled from the analytic Jacobian at precomputed
positions (:class:`crn.simulate_scipy.MassAction`) and factorised by :class:`crn.simulate_lu.BatchedLU`
(one symbolic factorisation per CRN, numeric factorisations vectorised over the examples). Units
are the CRN's formal units.
"""

from __future__ import annotations

import numpy as np

from crn.model import CRN
from crn.simulate_lu import BatchedLU
from crn.simulate_scipy import MassAction


class SparseKinetics:
    """The index structure of a CRN's mass-action kinetics and of its Newton matrix.

    ``species`` is the internal state order (``MassAction``'s); ``perm`` maps it to
    ``crn.species`` (state row ``i`` is ``crn.species[perm[i]]``)."""

    def __init__(self, crn: CRN, rates: np.ndarray | None = None) -> None:
        self.mass = m = MassAction(crn, rates)
        where = {s: i for i, s in enumerate(crn.species)}
        self.perm = np.array([where[s] for s in m.species], dtype=np.int64)
        n = m.n_species
        self.n = n
        self.slots = m.slots.T.copy()  # (m, R), padded with n (a row of ones)
        self.rates = m.rates[:, None]
        self.N = m.N.tocsr()
        # positions of I - c J: the Jacobian's plus the diagonal
        key = np.concatenate([m.pos_row * n + m.pos_col, np.arange(n) * (n + 1)])
        unique, inverse = np.unique(key, return_inverse=True)
        self.jac_pos = inverse[: m.n_pos]
        self.diag_pos = inverse[m.n_pos :]
        self.n_pos = len(unique)
        self.lu_rows, self.lu_cols = unique // n, unique % n
        self.term_index = (m.term_j, m.term_r)
        self.aggregate = m.aggregate.T.tocsr()  # (positions, terms)

    def system(self) -> SparseSystem:
        return SparseSystem(self)


class SparseSystem:
    """Right-hand side and Newton solve (:class:`crn.simulate_bdf.System`) of a batch of examples."""

    def __init__(self, kinetics: SparseKinetics) -> None:
        self.k = kinetics
        self.lu = BatchedLU(kinetics.n, kinetics.lu_rows, kinetics.lu_cols)
        self._c1 = None

    def _gather(self, y: np.ndarray) -> np.ndarray:
        if self._c1 is None or self._c1.shape[1] != y.shape[1]:
            self._c1 = np.ones((self.k.n + 1, y.shape[1]))
        self._c1[:-1] = y
        return self._c1[self.k.slots]  # (m, R, E)

    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        g = self._gather(y)
        v = self.k.rates * g[0]
        for j in range(1, g.shape[0]):
            v *= g[j]
        return self.k.N @ v

    def prepare(self, t: float, y: np.ndarray, c: float) -> None:
        g = self._gather(y)
        m = g.shape[0]
        derivs = np.empty_like(g)
        for j in range(m):
            d = np.broadcast_to(self.k.rates, g.shape[1:]).copy()
            for q in range(m):
                if q != j:
                    d *= g[q]
            derivs[j] = d
        jac = self.k.aggregate @ derivs[self.k.term_index]  # (Jacobian positions, E)
        values = np.zeros((self.k.n_pos, y.shape[1]))
        values[self.k.diag_pos] = 1.0
        values[self.k.jac_pos] -= c * jac
        self.lu.factor(values)

    def solve(self, r: np.ndarray) -> np.ndarray:
        return self.lu.solve(r)


BATCH_ENTRIES = 2 ** 22
"""Examples are integrated together (sharing time steps) up to this many entries of the factor
(positions of ``L + U`` times examples, 32 MB) per batch; IRIS gates (4,816 positions, 150
examples) are one batch. A batch's steps are those of its stiffest example, but examples of one
circuit take about as many steps as each other (IRIS: 277-296 steps one by one, 311 all
together, at a tenth of the CPU time per example)."""


def integrate_sparse(kinetics: SparseKinetics, c0: np.ndarray, t_eval: np.ndarray, *, rtol: float, atol: float,
                     columns: np.ndarray, batch_entries: int | None = None) -> dict:
    """Integrate every example of ``c0`` (n_examples, n_species in ``crn.species`` order), in
    batches of :data:`BATCH_ENTRIES`.

    Returns ``traj`` (n_examples, len(t_eval), len(columns)), the concentrations of the species
    ``columns`` (indices into ``crn.species``) at ``t_eval``; ``final`` (n_examples, n_species);
    ``min_value`` and the counters ``nfev``, ``njev``, ``nlu``, ``steps``.
    """
    from crn.simulate_bdf import add_run_stats, integrate, run_stats

    E, n_all = c0.shape
    t_eval = np.asarray(t_eval, float)
    inverse = np.empty(n_all, np.int64)
    inverse[kinetics.perm] = np.arange(n_all)
    rows = inverse[np.asarray(columns, np.int64)]
    traj = np.empty((E, len(t_eval), len(rows)))
    final = np.empty((E, n_all))
    stats = run_stats(c0)
    if E == 0:
        return {"traj": traj, "final": final, **stats}
    system = kinetics.system()
    size = int(max(1, min(E, (batch_entries or BATCH_ENTRIES) // max(system.lu.n_slots + kinetics.n, 1))))
    size = -(-E // -(-E // size))  # equal chunks
    for lo in range(0, E, size):
        part = c0[lo : lo + size]
        sol = integrate(system, np.ascontiguousarray(part[:, kinetics.perm].T), t_eval, rtol=rtol, atol=atol,
                        rows=rows, reuse=True)
        traj[lo : lo + size] = sol.y.transpose(2, 0, 1)
        final[lo : lo + size, kinetics.perm] = sol.final.T
        add_run_stats(stats, sol)
    return {"traj": traj, "final": final, **stats}


__all__ = ["SparseKinetics", "SparseSystem", "integrate_sparse"]

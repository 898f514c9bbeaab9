"""Mass-action ODE simulation with scipy's ``solve_ivp``, many inputs in one solve: the general path
(any CRN, any stiff ``solve_ivp`` method), used for CRNs that are not feed-forward.

``d[c]/dt = N v(c)`` with ``v_r = k_r prod_s c_s^{a_rs}``. The examples are stacked into one state
vector (example-major), so one ``solve_ivp`` call integrates them all; the Jacobian is block
diagonal, analytic and sparse. Everything per call is vectorised: rates come from a gather over
precomputed reactant slots, the right-hand side is one sparse product, and the Jacobian's values
are one sparse product over precomputed (row, column) positions. SuperLU factorises the Newton
matrix with a fill-reducing column order, or in the natural order of :func:`elimination_order`
when that makes it (nearly) triangular. Units are the CRN's formal units.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from crn.feedforward import NotFeedForward, reaction_order
from crn.model import CRN


def elimination_order(crn: CRN) -> tuple[list[str], bool]:
    """Species in an order that makes ``I - gamma J`` (nearly) lower triangular, and whether it does.

    For a feed-forward CRN (each species consumed by at most one reaction, no cycles), taking
    the reactions in topological order and listing each one's reactants together puts every
    Jacobian entry (product row, reactant column) below the diagonal, except the 2x2 coupling of
    co-reactants, which sit next to each other: a sparse LU in this natural order has almost no
    fill-in. Other CRNs keep ``crn.species`` order and get a fill-reducing ordering instead.
    """
    try:
        order = reaction_order(crn)
    except NotFeedForward:
        return list(crn.species), False
    seen: dict[str, None] = {}
    for i in order:
        for s, _ in crn.reactions[i].reactants:
            seen.setdefault(s)
    for s in crn.species:
        seen.setdefault(s)
    return list(seen), True


def _natural_order_bdf():
    """scipy's BDF, factorising the Newton matrix in the given (elimination) order.

    The state is already in :func:`elimination_order`, so SuperLU keeps it (``NATURAL``) and pivots
    on the diagonal, which is >= 1 for mass-action kinetics (a species' own consumption only
    lowers J_ii). Built on first use: importing ``scipy.integrate`` costs a good part of a
    second, which the feed-forward path never pays."""
    from scipy.integrate import BDF
    from scipy.sparse.linalg import splu

    class NaturalOrderBDF(BDF):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if sp.issparse(self.J):
                def lu(A):
                    self.nlu += 1
                    return splu(A.tocsc(), permc_spec="NATURAL", diag_pivot_thresh=0.0)

                self.lu = lu

    return NaturalOrderBDF


class MassAction:
    """Precomputed index structure of a CRN's mass-action kinetics, for ``n_examples`` copies.

    ``species`` is the internal state order (see :func:`elimination_order`)."""

    def __init__(self, crn: CRN, rates: np.ndarray | None = None) -> None:
        species, self.triangular = elimination_order(crn)
        self.species = tuple(species)
        self.n_species = n_s = len(species)
        self.n_reactions = n_r = len(crn.reactions)
        index = {s: i for i, s in enumerate(species)}
        self.rates = np.array([r.rate for r in crn.reactions], float) if rates is None else np.asarray(rates, float)
        if self.rates.shape != (n_r,):
            raise ValueError(f"rates has shape {self.rates.shape}, expected ({n_r},)")
        order = max((r.order for r in crn.reactions), default=1)
        # reactant slots: species index per molecule, padded with n_s (a constant-one column)
        self.slots = np.full((n_r, max(order, 1)), n_s, dtype=np.int64)
        rows, cols, vals = [], [], []
        for j, r in enumerate(crn.reactions):
            slot = [index[s] for s, n in r.reactants for _ in range(n)]
            self.slots[j, : len(slot)] = slot
            net: dict[int, int] = {}
            for s, n in r.reactants:
                net[index[s]] = net.get(index[s], 0) - n
            for s, n in r.products:
                net[index[s]] = net.get(index[s], 0) + n
            for i, n in net.items():
                if n:
                    rows.append(i)
                    cols.append(j)
                    vals.append(n)
        self.N = sp.csr_matrix((np.array(vals, float), (rows, cols)), shape=(n_s, n_r))
        self.NT = self.N.T.tocsr()
        # Jacobian terms: J[i, s] += N[i, r] * dv_r/dc_s, one term per (nonzero N[i, r], slot (r, j))
        Ncsc = self.N.tocsc()
        t_row, t_col, t_r, t_j, t_n = [], [], [], [], []
        for r in range(n_r):
            lo, hi = Ncsc.indptr[r], Ncsc.indptr[r + 1]
            for j in range(self.slots.shape[1]):
                s = self.slots[r, j]
                if s == n_s:
                    continue
                t_row.append(Ncsc.indices[lo:hi])
                t_col.append(np.full(hi - lo, s))
                t_r.append(np.full(hi - lo, r))
                t_j.append(np.full(hi - lo, j))
                t_n.append(Ncsc.data[lo:hi])
        cat = (lambda a, dt: np.concatenate(a).astype(dt)) if t_row else (lambda a, dt: np.zeros(0, dt))
        t_row, t_col, t_r, t_j, t_n = (cat(t_row, np.int64), cat(t_col, np.int64), cat(t_r, np.int64),
                                       cat(t_j, np.int64), cat(t_n, float))
        # unique Jacobian positions in CSC order (column, then row)
        key = t_col * n_s + t_row
        pos_key, term_pos = np.unique(key, return_inverse=True)
        self.pos_col = pos_key // n_s
        self.pos_row = pos_key % n_s
        self.n_pos = len(pos_key)
        # aggregation: position values = term values @ A (terms x positions), scaled by N[i, r]
        self.term_r, self.term_j = t_r, t_j
        self.aggregate = sp.csr_matrix(
            (t_n, (np.arange(len(t_n)), term_pos)), shape=(len(t_n), self.n_pos)
        )

    def rate_derivatives(self, c1: np.ndarray) -> np.ndarray:
        """dv_r/dc at slot j: (n_examples, n_reactions, n_slots) from c1 = [c, 1]."""
        gathered = c1[:, self.slots]  # (E, R, m)
        m = self.slots.shape[1]
        out = np.empty_like(gathered)
        for j in range(m):
            others = [gathered[:, :, q] for q in range(m) if q != j]
            out[:, :, j] = self.rates * (np.prod(others, axis=0) if others else 1.0)
        return out

    def system(self, n_examples: int):
        """``(rhs, jac)`` for ``solve_ivp`` over ``n_examples`` stacked copies."""
        n_s, E = self.n_species, n_examples
        ones = np.ones((E, 1))
        slots, rates, NT = self.slots, self.rates, self.NT
        m = slots.shape[1]

        def rhs(t, y):
            c1 = np.concatenate([y.reshape(E, n_s), ones], axis=1)
            v = rates * np.prod(c1[:, slots], axis=2) if m > 1 else rates * c1[:, slots[:, 0]]
            return (v @ NT).ravel() if not sp.issparse(v @ NT) else (v @ NT).toarray().ravel()

        # block-diagonal CSC structure, fixed: block e occupies rows/cols e*n_s .. (e+1)*n_s
        col_counts = np.bincount(self.pos_col, minlength=n_s)
        indptr_one = np.concatenate([[0], np.cumsum(col_counts)])
        indptr = (indptr_one[None, :-1] + self.n_pos * np.arange(E)[:, None]).ravel()
        indptr = np.concatenate([indptr, [self.n_pos * E]])
        indices = (self.pos_row[None, :] + n_s * np.arange(E)[:, None]).ravel()
        shape = (E * n_s, E * n_s)

        def jac(t, y):
            c1 = np.concatenate([y.reshape(E, n_s), ones], axis=1)
            dv = self.rate_derivatives(c1)[:, self.term_r, self.term_j]  # (E, terms)
            data = np.asarray(self.aggregate.T @ dv.T).T.ravel()  # (E, positions) in CSC order
            return sp.csc_matrix((data, indices, indptr), shape=shape)

        return rhs, jac


def integrate_scipy(crn: CRN, c0: np.ndarray, t_eval: np.ndarray, *, rates: np.ndarray | None, method: str,
                    rtol: float, atol: float) -> dict:
    """Integrate every example of ``c0`` (n_examples, n_species in ``crn.species`` order) in one
    ``solve_ivp`` call. Returns ``traj`` (n_examples, len(t_eval), n_species), ``t`` and the
    counters ``nfev``, ``njev``, ``nlu``; raises ``RuntimeError`` with the integrator's message."""
    E, n_s = c0.shape
    kinetics = MassAction(crn, rates)
    where = {s: i for i, s in enumerate(crn.species)}
    perm = np.array([where[s] for s in kinetics.species], dtype=np.int64)
    rhs, jac = kinetics.system(E)
    from scipy.integrate import solve_ivp

    solver = _natural_order_bdf() if (method == "BDF" and kinetics.triangular) else method
    sol = solve_ivp(
        rhs, (0.0, float(t_eval[-1])), c0[:, perm].ravel(), method=solver, t_eval=t_eval, rtol=rtol, atol=atol,
        jac=jac if method in ("BDF", "Radau", "LSODA") else None,
    )
    if not sol.success:
        raise RuntimeError(f"the integrator failed: {sol.message}")
    traj = np.empty((E, len(sol.t), n_s))
    traj[:, :, perm] = sol.y.reshape(E, n_s, -1).transpose(0, 2, 1)  # back to crn.species order
    return {"t": sol.t, "traj": traj, "nfev": int(sol.nfev), "njev": int(sol.njev), "nlu": int(sol.nlu)}

"""LU factorisation of many sparse matrices that share one sparsity pattern, vectorised over the
matrices: the Newton solves of :mod:`crn.simulate_sparse` (one matrix ``I - c J`` per example).

The symbolic work is done once, for the pattern: unknowns whose column holds only the diagonal
(species no reaction consumes) are split off and solved last by substitution; the rest (the
*core*) gets a minimum-degree order on the symmetrised pattern and a symbolic elimination
(fill-in, elimination tree). The numeric factorisation then pivots on the diagonal in that order
(no row exchanges), and every elimination step touches the same positions for every matrix: it
is a fixed list of gathers, products and scatters over arrays of shape ``(positions, E)``, done
one elimination-tree level at a time (the pivots of a level do not depend on each other), so a
factorisation costs a few numpy operations per level whatever ``E`` is. Nothing calls BLAS.

A matrix whose diagonal pivot comes out tiny or not finite (relative to its row) is factorised
again by SuperLU with partial pivoting (``scipy.sparse.linalg.splu``) and solved with that.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

PIVOT_TOL = 1e-8
"""A diagonal pivot below this times the largest entry of its row (in the original matrix) sends
that matrix to SuperLU with partial pivoting."""


def minimum_degree(n: int, neighbours: list[set[int]]) -> tuple[list[int], list[list[int]]]:
    """Elimination order of the symmetric pattern ``neighbours`` by minimum degree (ties: lowest
    index), and for each eliminated vertex its neighbours still present when it was eliminated
    (the off-diagonal structure of its column of ``L``, row of ``U``), in original labels.

    >>> order, struct = minimum_degree(3, [{1}, {0, 2}, {1}])  # a path 0 - 1 - 2
    >>> order, struct
    ([0, 1, 2], [[1], [2], []])
    """
    import heapq

    adj = [set(a) - {i} for i, a in enumerate(neighbours[:n])]
    heap = [(len(a), i) for i, a in enumerate(adj)]
    heapq.heapify(heap)
    done = [False] * n
    order, struct = [], []
    while heap:
        degree, k = heapq.heappop(heap)
        if done[k] or degree != len(adj[k]):
            continue  # eliminated, or an entry from before its degree changed
        nb = adj[k]
        for i in nb:
            adj[i] |= nb
            adj[i].discard(i)
            adj[i].discard(k)
            heapq.heappush(heap, (len(adj[i]), i))
        order.append(k)
        struct.append(sorted(nb))
        done[k] = True
        adj[k] = set()
    return order, struct


def _grouped(targets: np.ndarray, *others: np.ndarray) -> tuple:
    """Terms sorted by target: (the sort order applied to ``others``..., unique targets, a
    sparse matrix (unique targets x terms) summing the terms of each target, or None when every
    target occurs once)."""
    order = np.argsort(targets, kind="stable")
    targets = targets[order]
    unique, inverse = np.unique(targets, return_inverse=True)
    summing = None
    if len(unique) < len(targets):
        summing = sp.csr_matrix((np.ones(len(targets)), (inverse, np.arange(len(targets)))),
                                shape=(len(unique), len(targets)))
    return (*[o[order] for o in others], unique, summing)


def _sum(products: np.ndarray, summing) -> np.ndarray:
    """Sum ``products`` (terms, E) sorted by target into their targets (see :func:`_grouped`)."""
    return products if summing is None else summing @ products


class BatchedLU:
    """Factorise and solve ``A_e x = r`` for matrices ``A_e`` (n x n) with nonzeros at the fixed
    positions ``(rows[p], cols[p])`` (unique; every diagonal position among them), given as
    ``values`` of shape (n_positions, E).

    The last eliminated core unknowns that form a dense block after elimination (the root of the
    elimination tree, often a few dozen unknowns coupled through shared species) are not
    eliminated one by one: their Schur complement is inverted per matrix (``numpy.linalg.inv``,
    partial pivoting) and applied as a dense block in every solve.
    """

    def __init__(self, n: int, rows: np.ndarray, cols: np.ndarray) -> None:
        rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
        self.n, self.rows, self.cols = n, rows, cols
        off = rows != cols
        has_column = np.zeros(n, bool)
        has_column[cols[off]] = True
        self.core = core = np.flatnonzero(has_column)
        self.tail = np.flatnonzero(~has_column)
        diag_pos = np.full(n, -1, np.int64)
        diag_pos[rows[~off]] = np.flatnonzero(~off)
        if np.any(diag_pos < 0):
            raise ValueError("the pattern must hold every diagonal position")
        self.diag_pos = diag_pos
        local = np.full(n, -1, np.int64)
        local[core] = np.arange(len(core))
        in_core = (local[rows] >= 0) & (local[cols] >= 0)
        neighbours = [set() for _ in core]
        for i, j in zip(local[rows[in_core & off]], local[cols[in_core & off]]):
            neighbours[i].add(j)
            neighbours[j].add(i)
        order, struct = minimum_degree(len(core), neighbours)
        # the dense root block: the longest run of last-eliminated unknowns coupled to all later ones
        m = 0
        while m < len(order) and len(struct[len(order) - 1 - m]) == m:
            m += 1
        self.root = np.array(order[len(order) - m :], np.int64) if m > 1 else np.zeros(0, np.int64)
        lower = len(order) - len(self.root)
        slot: dict[tuple[int, int], int] = {}
        for k, nb in zip(order, struct):
            slot.setdefault((k, k), len(slot))
            for i in nb:
                slot.setdefault((i, k), len(slot))
                slot.setdefault((k, i), len(slot))
        self.n_slots = len(slot)
        self.core_pos = np.flatnonzero(in_core)
        core_rows = local[rows[in_core]]
        self.core_slot = np.array([slot[(i, j)] for i, j in zip(core_rows, local[cols[in_core]])], np.int64)
        self.diag_slot = np.array([slot[(k, k)] for k in range(len(core))], np.int64)
        self.root_slots = np.array([[slot[(i, j)] for j in self.root] for i in self.root], np.int64).reshape(
            len(self.root), len(self.root))
        # elimination tree heights below the root block; a level's pivots do not depend on each other
        position = np.empty(len(core), np.int64)
        position[order] = np.arange(len(core))
        height = np.zeros(len(core), np.int64)
        for k, nb in zip(order[:lower], struct[:lower]):
            below = [i for i in nb if position[i] < lower]
            if below:
                parent = min(below, key=lambda i: position[i])
                height[parent] = max(height[parent], height[k] + 1)
        heights = height[order[:lower]]
        self.levels = [self._level(np.array(order[:lower], np.int64)[heights == h], struct, position, slot)
                       for h in range(int(heights.max(initial=-1)) + 1)]
        # tail rows: x_t = (r_t - sum_c A[t, c] x_c) / A[t, t]
        from_core = np.flatnonzero(~in_core & off)
        self.tail_pos, self.tail_src, self.tail_rows, self.tail_starts = _grouped(rows[from_core], from_core,
                                                                                 cols[from_core])
        self.row_order = np.argsort(core_rows, kind="stable")
        self.row_starts = np.searchsorted(core_rows[self.row_order], np.arange(len(core)))
        self.values = self.root_inverse = None
        self.coefficients: list = []
        self.fallback: dict[int, object] = {}

    @staticmethod
    def _level(pivots: np.ndarray, struct: list[list[int]], position: np.ndarray, slot: dict) -> dict:
        l_slots, l_diag, a, b, target = [], [], [], [], []
        f_slot, f_src, f_dst, u_slot, u_src, u_dst = [], [], [], [], [], []
        for q, k in enumerate(pivots):
            nb = struct[position[k]]
            for i in nb:
                l_slots.append(slot[(i, k)])
                l_diag.append(slot[(k, k)])
                f_slot.append(slot[(i, k)])
                f_src.append(k)
                f_dst.append(i)
                u_slot.append(slot[(k, i)])
                u_src.append(i)
                u_dst.append(q)
                for j in nb:
                    a.append(slot[(i, k)])
                    b.append(slot[(k, j)])
                    target.append(slot[(i, j)])
        arr = lambda v: np.array(v, np.int64)  # noqa: E731
        return {"pivots": pivots, "diag": arr([slot[(k, k)] for k in pivots]),
                "l_slots": arr(l_slots), "l_diag": arr(l_diag),
                "update": _grouped(arr(target), arr(a), arr(b)),
                "forward": _grouped(arr(f_dst), arr(f_slot), arr(f_src)),
                "backward": _grouped(arr(u_dst), arr(u_slot), arr(u_src))}

    def factor(self, values: np.ndarray) -> None:
        """Factorise the matrices whose position values are ``values`` (n_positions, E)."""
        with np.errstate(divide="ignore", invalid="ignore"):  # a zero pivot sends its matrix to SuperLU
            self._factor(values)

    def _factor(self, values: np.ndarray) -> None:
        E = values.shape[1]
        V = np.zeros((self.n_slots, E))
        V[self.core_slot] = values[self.core_pos]
        for lv in self.levels:
            if len(lv["l_slots"]):
                V[lv["l_slots"]] /= V[lv["l_diag"]]
            a, b, unique, starts = lv["update"]
            if len(a):
                V[unique] -= _sum(V[a] * V[b], starts)
        self.values = values
        # what the solves read, gathered once per factorisation: per level L and U entries, 1 / pivot
        self.coefficients = [(V[lv["forward"][0]], V[lv["backward"][0]], 1.0 / V[lv["diag"]]) for lv in self.levels]
        self.fallback = {}
        if not len(self.core):
            return
        pivots = np.abs(V[self.diag_slot])
        absval = np.abs(values[self.core_pos][self.row_order])
        row_max = np.maximum.reduceat(absval, self.row_starts, axis=0)
        ok = np.isfinite(pivots) & (pivots > PIVOT_TOL * row_max)
        ok[self.root] = True  # the root block pivots by rows
        bad = ~np.all(ok, axis=0)
        if len(self.root):
            block = np.moveaxis(V[self.root_slots], 2, 0)  # (E, m, m)
            block[bad] = np.eye(len(self.root))
            try:
                inverse = np.linalg.inv(block)
            except np.linalg.LinAlgError:
                inverse = np.empty_like(block)
                for e in range(E):
                    try:
                        inverse[e] = np.linalg.inv(block[e])
                    except np.linalg.LinAlgError:
                        inverse[e], bad[e] = 0.0, True
            bad |= ~np.all(np.isfinite(inverse), axis=(1, 2))
            self.root_inverse = np.moveaxis(inverse, 0, 2).copy()  # (m, m, E)
        for e in np.flatnonzero(bad):
            self.fallback[int(e)] = self._superlu(values[:, e])

    def _superlu(self, v: np.ndarray):
        from scipy.sparse.linalg import splu

        return splu(sp.csc_matrix((v, (self.rows, self.cols)), shape=(self.n, self.n)))

    def solve(self, r: np.ndarray) -> np.ndarray:
        """``x`` (n, E) with ``A_e x[:, e] = r[:, e]`` for the last :meth:`factor`."""
        x = np.empty_like(r)
        y = r[self.core]
        for lv, (lower, _, _) in zip(self.levels, self.coefficients):  # L y = r, leaves first (unit diagonal)
            _, f_src, unique, summing = lv["forward"]
            if len(f_src):
                y[unique] -= _sum(lower * y[f_src], summing)
        if len(self.root):
            y[self.root] = np.einsum("ije,je->ie", self.root_inverse, y[self.root])
        for lv, (_, upper, inverse) in zip(reversed(self.levels), reversed(self.coefficients)):  # U x = y, root first
            p = lv["pivots"]
            _, u_src, unique, summing = lv["backward"]
            if len(u_src):
                y[p[unique]] -= _sum(upper * y[u_src], summing)
            y[p] *= inverse
        x[self.core] = y
        if len(self.tail):
            x[self.tail] = r[self.tail]
            if len(self.tail_pos):
                x[self.tail_rows] -= _sum(self.values[self.tail_pos] * x[self.tail_src], self.tail_starts)
            x[self.tail] /= self.values[self.diag_pos[self.tail]]
        for e, lu in self.fallback.items():
            x[:, e] = lu.solve(np.ascontiguousarray(r[:, e]))
        return x

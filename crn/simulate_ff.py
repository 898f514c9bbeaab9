"""Mass-action kinetics of a feed-forward CRN in the form :mod:`crn.simulate_bdf` integrates.

A CRN is feed-forward (:func:`crn.feedforward.reaction_order`) when every species is consumed by
at most one reaction and the reactions form no cycle. Two things follow.

*Exact input decay.* A *source* species, one that no reaction produces and that only first-order
reactions ``S -> ...`` (rate ``k``) consume, decays as ``S(t) = S(0) e^{-K t}`` (``K`` the sum of
its reactions' rates) whatever the rest does. It leaves the ODE, and so do its reactions: what
they have delivered by ``t`` is known exactly, ``P(t) = sum_r N[:, r] k_r S(0) (1 - e^{-K t}) /
K``, and the state is ``c - P(t)`` (:class:`FeedForwardSystem`). In a compiled network these are
the input species and their fan-out reactions. Every other species stays in the ODE.

*A Newton solve with no factorisation.* The Jacobian is ``J = N G`` with ``G[r, s] = dv_r/dc_s``,
non-zero only where ``s`` is a reactant of ``r``. ``(I - c J) x = b`` is ``x = b + c N w`` with
``w = G x``; a reactant of ``r`` is touched only by ``r`` and by reactions earlier in topological
order, so grouping the reactions into levels (a reaction's level is one more than the deepest
producer of its reactants) gives, level by level, ``w_r = sum_j g_rj rho_sj / (1 - c sum_j g_rj
N[s_j, r])`` from the partial sum ``rho = b + c N w`` of the earlier levels. One solve costs one
pass over the stoichiometry (as much as a right-hand side), per level one sparse product; the
"factorisation" is O(reactions). A network of ``L`` layers has ``L`` levels.

Concentrations and time are in the CRN's formal units.
"""

from __future__ import annotations

import numpy as np

from crn.feedforward import reaction_graph, topological_order
from crn.model import CRN
from crn.simulate_bdf import weighted_sum
from crn.stoichiometry import stoichiometry


class FeedForwardKinetics:
    """The index structure of a feed-forward CRN's kinetics (raises
    :class:`crn.feedforward.NotFeedForward` otherwise).

    ``ode_species`` and ``sources`` index ``crn.species``; ``rates`` overrides the reactions' rate
    constants (``crn.reactions`` order).
    """

    def __init__(self, crn: CRN, rates: np.ndarray | None = None) -> None:
        st = stoichiometry(crn)
        starts, successors = reaction_graph(crn, st)
        topological = np.array(topological_order(starts, successors), np.int64)
        n_all, n_all_r = st.n_species, st.n_reactions
        k_all = np.array([r.rate for r in crn.reactions], float) if rates is None else np.asarray(rates, float)
        if k_all.shape != (n_all_r,):
            raise ValueError(f"rates has shape {k_all.shape}, expected ({n_all_r},)")
        molecularity = np.bincount(st.reactant_reaction, weights=st.reactant_count, minlength=n_all_r)
        produced = np.zeros(n_all, bool)
        produced[st.product_species] = True
        consumer = np.full(n_all, -1, np.int64)  # feed-forward: at most one per species
        consumer[st.reactant_species] = st.reactant_reaction
        first_order = np.zeros(n_all, bool)
        first_order[consumer >= 0] = molecularity[consumer[consumer >= 0]] == 1
        source = ~produced & ((consumer < 0) | first_order)
        self.sources = np.flatnonzero(source)
        self.ode_species = np.flatnonzero(~source)
        self.n = n = len(self.ode_species)
        ode_index = np.full(n_all + 1, n, np.int64)  # padding: index n_all -> n
        ode_index[self.ode_species] = np.arange(n)
        src_index = np.full(n_all, -1, np.int64)
        src_index[self.sources] = np.arange(len(self.sources))

        decay = np.zeros(n_all_r, bool)
        decay[st.reactant_reaction[source[st.reactant_species]]] = True
        level = np.zeros(n_all_r, np.int64)
        for i in topological:  # a consumer's level exceeds its producers'
            if not decay[i] and starts[i + 1] > starts[i]:
                after = successors[starts[i] : starts[i + 1]]
                level[after] = np.maximum(level[after], level[i] + 1)
        position = np.empty(n_all_r, np.int64)
        position[topological] = np.arange(n_all_r)
        ode = np.flatnonzero(~decay)
        ode = ode[np.lexsort((position[ode], level[ode]))]
        decay = topological[decay[topological]]
        self.n_reactions = n_r = len(ode)
        self.rates = k_all[ode]
        net = st.net[self.ode_species]
        self.N = net[:, ode].tocsr()
        self.N_decay = net[:, decay].tocsr()
        # reactant slots: one per molecule, padded with n (a row of ones in rates, zeros in solves)
        column = np.full(n_all_r, -1, np.int64)
        column[ode] = np.arange(n_r)
        keep = column[st.reactant_reaction] >= 0
        species = np.repeat(st.reactant_species[keep], st.reactant_count[keep])
        cols = np.repeat(column[st.reactant_reaction[keep]], st.reactant_count[keep])
        by_column = np.argsort(cols, kind="stable")
        species, cols = species[by_column], cols[by_column]
        first = np.searchsorted(cols, np.arange(n_r))
        slot = np.arange(len(cols)) - first[cols]
        m = int(slot.max()) + 1 if len(slot) else 1
        self.slots = np.full((m, n_r), n, np.int64)
        self.slots[slot, cols] = ode_index[species]
        self.self_coefficient = np.zeros((m, n_r))
        self.self_coefficient[slot, cols] = np.asarray(self.N[self.slots[slot, cols], cols]).ravel()
        self.levels = []
        bounds = np.searchsorted(level[ode], np.arange(int(level[ode].max(initial=-1)) + 2))
        for a, b in zip(bounds[:-1], bounds[1:]):
            block = self.N[:, a:b].tocsr()
            rows = np.flatnonzero(np.diff(block.indptr))
            self.levels.append((int(a), int(b), rows, block[rows]))
        # decay reactions: each consumes one source; K is the source's total decay rate
        first_reactant = np.full(n_all_r, -1, np.int64)
        first_reactant[st.reactant_reaction[::-1]] = st.reactant_species[::-1]
        self.decay_source = src_index[first_reactant[decay]]
        self.decay_rate = k_all[decay]
        self.source_rate = np.zeros(len(self.sources))
        np.add.at(self.source_rate, self.decay_source, self.decay_rate)

    def source_values(self, x0: np.ndarray, t: np.ndarray, which: np.ndarray) -> np.ndarray:
        """Exact concentrations ``x0 e^{-K t}`` of the sources ``which``: (len(t), len(which), E)
        from ``x0`` (n_sources, E)."""
        return x0[which][None] * np.exp(-np.outer(t, self.source_rate[which]))[:, :, None]

    def system(self, source_x0: np.ndarray) -> FeedForwardSystem:
        """The ODE for a batch whose sources start at ``source_x0`` (n_sources, E)."""
        return FeedForwardSystem(self, source_x0)


class FeedForwardSystem:
    """Right-hand side and level-by-level Newton solve for a batch of ``E`` examples.

    The state ``y`` (n, E) is the ODE species' concentrations minus what the sources have
    delivered so far, ``P(t) = N_decay xi(t)`` with the exact decay extents ``xi_r(t) = k_r S(0)
    (1 - e^{-K t}) / K``; so ``c = y + P(t)`` and ``y' = N v(y + P(t))``. Integrating the
    reactions' contributions only (rather than a forcing term ``P'(t)``) keeps the linear
    invariants that link a source's products exact, as they were with the source in the ODE.
    """

    def __init__(self, kinetics: FeedForwardKinetics, source_x0: np.ndarray) -> None:
        self.k = kinetics
        n = kinetics.n
        E = source_x0.shape[1]
        self.rates = kinetics.rates[:, None]
        self._c1 = np.ones((n + 1, E))  # concentrations plus the padding row of ones
        flux0 = kinetics.decay_rate[:, None] * source_x0[kinetics.decay_source]  # (n_decay, E)
        K = kinetics.source_rate[kinetics.decay_source]
        distinct, group = np.unique(K, return_inverse=True)
        self._K, self._flux0 = K, flux0
        # per distinct decay rate one precomputed vector, when that is cheaper than the product
        self._grouped = len(distinct) * n <= kinetics.N_decay.nnz
        if self._grouped:
            self._groups = distinct
            self._U = np.stack([kinetics.N_decay[:, group == g] @ flux0[group == g] for g in range(len(distinct))]) \
                if len(distinct) else np.zeros((0, n, E))
        self._t = None
        self.c = 0.0

    def offset(self, t: float) -> np.ndarray | float:
        """``P(t)``, what the sources have delivered by ``t`` (n, E), or 0.0 without sources."""
        if t != self._t:
            self._t = t
            if self._grouped:
                self._P = weighted_sum(_extent(self._groups, t)[None], self._U)[0] if len(self._groups) else 0.0
            else:
                self._P = self.k.N_decay @ (self._flux0 * _extent(self._K, t)[:, None])
        return self._P

    def offsets(self, t: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``P(t)`` at the times ``t`` on ``rows``: (len(t), len(rows), E)."""
        E = self._c1.shape[1]
        if self._grouped:
            if not len(self._groups):
                return np.zeros((len(t), len(rows), E))
            ext = np.stack([_extent(self._groups, ti) for ti in t])  # (T, groups)
            return weighted_sum(ext, self._U[:, rows])
        ext = np.stack([_extent(self._K, ti) for ti in t], axis=1)  # (n_decay, T)
        flux = (self._flux0[:, None, :] * ext[:, :, None]).reshape(len(self._K), -1)
        return np.asarray(self.k.N_decay[rows] @ flux).reshape(len(rows), len(t), E).transpose(1, 0, 2)

    def actual(self, t: float, y: np.ndarray) -> np.ndarray:
        """Concentrations ``y + P(t)`` (what the error is measured against)."""
        return y + self.offset(t)

    def _gather(self, t: float, y: np.ndarray) -> list[np.ndarray]:
        self._c1[:-1] = y
        self._c1[:-1] += self.offset(t)
        return [self._c1[slot] for slot in self.k.slots]

    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        if not self.k.n_reactions:
            return np.zeros_like(y)
        v = self.rates
        for c in self._gather(t, y):
            v = v * c
        return self.k.N @ v

    def prepare(self, t: float, y: np.ndarray, c: float) -> None:
        gathered = self._gather(t, y)
        m = len(gathered)
        self._g = []
        for j in range(m):
            g = self.rates
            for q in range(m):
                if q != j:
                    g = g * gathered[q]
            self._g.append(np.broadcast_to(g, gathered[0].shape))
        self._diag = 1.0 - c * sum(g * self.k.self_coefficient[j][:, None] for j, g in enumerate(self._g))
        self.c = c

    def solve(self, r: np.ndarray) -> np.ndarray:
        rho = np.zeros((self.k.n + 1, r.shape[1]))  # the padding row stays 0
        rho[:-1] = r
        slots = self.k.slots
        for a, b, rows, block in self.k.levels:
            w = self._g[0][a:b] * rho[slots[0, a:b]]
            for j in range(1, slots.shape[0]):
                w += self._g[j][a:b] * rho[slots[j, a:b]]
            w /= self._diag[a:b]
            rho[rows] += self.c * (block @ w)
        return rho[:-1]


def _extent(K: np.ndarray, t: float) -> np.ndarray:
    """``(1 - e^{-K t}) / K`` (``t`` where ``K = 0``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(K > 0, -np.expm1(-K * t) / np.where(K > 0, K, 1.0), t)


BATCH_STATE = 2 ** 19
"""Examples are integrated together, sharing time steps, up to this many state entries (ODE
species times examples) per batch. Batching pays at every size measured: one step's Python
overhead is shared, and each stoichiometry entry is read once for all examples. On 2 cores
(CPU seconds per example): mnist14 (148 ODE species) 0.035 one by one, 0.002 all 100 together;
196-512-512-10 (2,068) 0.32 one by one, 0.12 in batches of 12-24 (examples of one network take
similar steps, so sharing them costs few extra). The cap bounds memory (about 30 arrays of this
size, 4 MB each)."""


def integrate_feedforward(kinetics: FeedForwardKinetics, c0: np.ndarray, t_eval: np.ndarray, *, rtol: float,
                          atol: float, columns: np.ndarray, batch_state: int | None = None) -> dict:
    """Integrate every example of ``c0`` (n_examples, n_species in ``crn.species`` order) with
    the kinetics of the CRN.

    Returns ``traj`` (n_examples, len(t_eval), len(columns)), the concentrations of the species
    ``columns`` (indices into ``crn.species``) at ``t_eval``; ``final`` (n_examples, n_species);
    ``min_value`` and the counters ``nfev``, ``njev``, ``nlu``, ``steps``.
    """
    from crn.simulate_bdf import add_run_stats, integrate, run_stats

    E, n_all = c0.shape
    t_eval = np.asarray(t_eval, float)
    columns = np.asarray(columns, np.int64)
    where_ode = np.full(n_all, -1, np.int64)
    where_ode[kinetics.ode_species] = np.arange(kinetics.n)
    where_src = np.full(n_all, -1, np.int64)
    where_src[kinetics.sources] = np.arange(len(kinetics.sources))
    ode_cols = np.flatnonzero(where_ode[columns] >= 0)
    src_cols = np.flatnonzero(where_src[columns] >= 0)
    rows = where_ode[columns[ode_cols]]
    traj = np.empty((E, len(t_eval), len(columns)))
    final = np.empty((E, n_all))
    stats = run_stats(c0)
    size = int(max(1, min(E, (batch_state or BATCH_STATE) // max(kinetics.n, 1))))
    size = -(-E // -(-E // size)) if E else 1  # equal chunks: 100 examples, at most 88 per chunk -> 2 x 50
    decayed = np.exp(-kinetics.source_rate * t_eval[-1])
    for lo in range(0, E, size):
        part = c0[lo : lo + size]
        x0 = part[:, kinetics.sources].T
        system = kinetics.system(x0)
        sol = integrate(system, part[:, kinetics.ode_species].T, t_eval, rtol=rtol, atol=atol,
                        rows=rows)
        traj[lo : lo + size][:, :, ode_cols] = (sol.y + system.offsets(t_eval, rows)).transpose(2, 0, 1)
        if len(src_cols):
            src = kinetics.source_values(x0, t_eval, where_src[columns[src_cols]])  # (T, cols, e)
            traj[lo : lo + size][:, :, src_cols] = src.transpose(2, 0, 1)
        final[lo : lo + size, kinetics.ode_species] = system.actual(float(t_eval[-1]), sol.final).T
        final[lo : lo + size, kinetics.sources] = (x0 * decayed[:, None]).T
        add_run_stats(stats, sol)
    return {"traj": traj, "final": final, **stats}

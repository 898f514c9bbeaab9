"""CRN reductions that keep the computed function: the paper's Algorithm 2, the cancellation
reaction ``S+ + S- -> W`` and the gate fan-out limit.

All passes are plain functions ``CRN -> CRN``; none of them changes what the output signals
converge to (rate independence makes the substitutions exact).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from crn.model import CRN, Reaction
from crn.stoichiometry import stoichiometry


def eliminate_unimolecular(crn: CRN) -> CRN:
    """Algorithm 2, lines 1-16: remove every unimolecular reaction ``R -> P`` whose reactant is not
    an input species and is consumed by no other reaction. Each reaction producing ``R`` produces
    ``P`` instead, and ``R``'s initial concentration moves to ``P`` (times stoichiometry).

    Reactants never change during elimination, so which species are eliminable is known up
    front and the result equals the paper's one-by-one substitution. It is computed with sparse
    matrices: the expansion ``E`` (what one molecule of each species finally becomes) solves
    ``E = D + A E`` (``A`` = product rows of eliminable species, ``D`` = identity on the others),
    reached after as many iterations as the network is deep. New products are ``P E`` and new
    initial concentrations ``init E``; the cost stays near-linear even when product counts grow
    exponentially with depth. Rewritten reactions list their products in ``crn.species`` order.
    """
    form = _Eliminated(crn)
    if not form.any:
        return crn
    return crn.replace(reactions=form.reactions(form.products, np.zeros(form.products.shape[0], bool)),
                       init=form.init())


class _Eliminated:
    """Unimolecular elimination in array form (:func:`eliminate_unimolecular`), before the
    reaction objects are built, so that cancellation can act on the product matrix."""

    def __init__(self, crn: CRN) -> None:
        self.crn = crn
        st = stoichiometry(crn)
        n, n_r = st.n_species, st.n_reactions
        self.n = n
        index = {s: i for i, s in enumerate(crn.species)}
        molecularity = np.bincount(st.reactant_reaction, weights=st.reactant_count, minlength=n_r)
        consumers = np.bincount(st.reactant_species, minlength=n)
        is_input = np.zeros(n, bool)
        is_input[[index[s] for s in crn.input_species if s in index]] = True
        unimolecular = molecularity[st.reactant_reaction] == 1
        candidate, reaction = st.reactant_species[unimolecular], st.reactant_reaction[unimolecular]
        ok = ~is_input[candidate] & (consumers[candidate] == 1)
        eliminates = np.full(n_r, -1, np.int64)  # the species a reaction eliminates
        eliminates[reaction[ok]] = candidate[ok]
        eliminable = np.zeros(n, bool)
        eliminable[candidate[ok]] = True
        # a cycle of eliminable relays (A -> B, B -> A) has no finite expansion: keep such reactions
        relay = (eliminates[st.product_reaction] >= 0) & eliminable[st.product_species]
        graph = sp.csr_matrix((np.ones(int(relay.sum())), (eliminates[st.product_reaction[relay]],
                                                            st.product_species[relay])), shape=(n, n))
        _, label = connected_components(graph, directed=True, connection="strong")
        cyclic = (np.bincount(label)[label] > 1) | (graph.diagonal() > 0)
        drop = eliminable & cyclic
        eliminates[np.isin(eliminates, np.flatnonzero(drop))] = -1
        eliminable &= ~cyclic
        self.any = bool(eliminable.any())
        keep = ~eliminable

        def product_matrix(rows: np.ndarray, at: np.ndarray, size: int) -> sp.csr_matrix:
            """Products of the reactions marked in ``rows`` (per reaction), in row ``at[reaction]``."""
            sel = rows[st.product_reaction]
            return sp.csr_matrix((st.product_count[sel], (at[st.product_reaction[sel]], st.product_species[sel])),
                                 shape=(size, n), dtype=np.int64)

        A = product_matrix(eliminates >= 0, np.maximum(eliminates, 0), n)
        D = sp.diags(keep.astype(np.int64), format="csr", dtype=np.int64)
        E = D
        for _ in range(n + 1):
            nxt = (D + A @ E).tocsr()
            if (nxt != E).nnz == 0:
                break
            E = nxt
        self.E = E
        self.kept = np.flatnonzero(eliminates < 0)
        at = np.full(n_r, -1, np.int64)
        at[self.kept] = np.arange(len(self.kept))
        P = product_matrix(eliminates < 0, at, len(self.kept))
        self.touched = np.asarray((P @ eliminable.astype(np.int64)) > 0).ravel()
        self.products = (P @ E).tocsr()
        self.products.eliminate_zeros()
        self.products.sort_indices()

    def init(self) -> dict[str, float]:
        """Initial concentrations after elimination (``crn.init`` itself when nothing is eliminated)."""
        if not self.any:
            return dict(self.crn.init)
        index = {s: i for i, s in enumerate(self.crn.species)}
        init_vec = np.zeros(self.n)
        for s, c in self.crn.init.items():
            init_vec[index[s]] = c
        new_init = self.E.T @ init_vec
        return {self.crn.species[j]: float(new_init[j]) for j in np.flatnonzero(new_init)}

    def reactions(self, products: sp.csr_matrix, changed: np.ndarray) -> tuple[Reaction, ...]:
        """The kept reactions with ``products`` (rows: kept reactions); a rewritten reaction lists
        its products in species order, one only ``changed`` (by cancellation) keeps its order."""
        names = np.array(self.crn.species, dtype=object)
        out = []
        for row, i in enumerate(self.kept):
            r = self.crn.reactions[i]
            if not (self.touched[row] or changed[row]):
                out.append(r)
                continue
            lo, hi = products.indptr[row], products.indptr[row + 1]
            counts = products.data[lo:hi].tolist()
            if self.touched[row]:
                side = list(zip(names[products.indices[lo:hi]].tolist(), counts))
            else:
                now = dict(zip(names[products.indices[lo:hi]].tolist(), counts))
                side = [(s, now[s]) for s, _ in r.products if now.get(s, 0)]
            out.append(Reaction(r.reactants, side, r.rate))
        return tuple(out)


def cancel_dual_rail(crn: CRN) -> CRN:
    """Algorithm 2, lines 17-27: drop ``S+``/``S-`` pairs produced together by one reaction, and
    lower both rails' initial concentrations by their minimum."""
    pairs = crn.dual_rail_pairs
    minus_of = dict(pairs)
    reactions = []
    for r in crn.reactions:
        prod = dict(r.products)
        changed = False
        for p, n_plus in r.products:
            m = minus_of.get(p)
            k = min(n_plus, prod.get(m, 0)) if m is not None else 0
            if k:
                prod[p] -= k
                prod[m] -= k
                changed = True
        reactions.append(Reaction(r.reactants, prod, r.rate) if changed else r)
    return crn.replace(reactions=tuple(reactions), init=_cancel_init(crn.init, pairs))


def _cancel_init(init: dict[str, float], pairs) -> dict[str, float]:
    init = dict(init)
    for p, m in pairs:
        k = min(init.get(p, 0.0), init.get(m, 0.0))
        if k:
            init[p] -= k
            init[m] -= k
    return init


def reduce_crn(crn: CRN) -> CRN:
    """The paper's Algorithm 2: unimolecular elimination, then dual-rail cancellation (and
    :func:`prune_signals`); the same CRN as ``prune_signals(cancel_dual_rail(
    eliminate_unimolecular(crn)))``, computed on the product matrix so that the reaction objects
    are built once.

    For a compiled network this leaves the input fan-out reactions (two per dual-rail input) and
    one bimolecular reaction per ReLU unit.
    """
    pairs = crn.dual_rail_pairs
    rails = [s for pair in pairs for s in pair]
    if len(set(rails)) < len(rails):  # a species in two pairs: cancellation order matters, go step by step
        return prune_signals(cancel_dual_rail(eliminate_unimolecular(crn)))
    form = _Eliminated(crn)
    index = {s: i for i, s in enumerate(crn.species)}
    both = [(index[p], index[m]) for p, m in pairs if p in index and m in index]
    products = form.products
    changed = np.zeros(products.shape[0], bool)
    if both:
        plus, minus = (np.array(v, np.int64) for v in zip(*both))
        select = lambda cols: sp.csr_matrix(  # noqa: E731  (pairs x species) 0/1
            (np.ones(len(cols), np.int64), (np.arange(len(cols)), cols)), shape=(len(cols), form.n))
        Sp, Sm = select(plus), select(minus)
        K = (products @ Sp.T).minimum(products @ Sm.T).tocsr()  # per reaction and pair, both rails' minimum
        K.eliminate_zeros()
        if K.nnz:
            changed = np.diff(K.indptr) > 0
            products = (products - K @ Sp - K @ Sm).tocsr()
            products.eliminate_zeros()
            products.sort_indices()
    reactions = form.reactions(products, changed) if (form.any or changed.any()) else crn.reactions
    return prune_signals(crn.replace(reactions=reactions, init=_cancel_init(form.init(), pairs)))


def prune_signals(crn: CRN) -> CRN:
    """Forget internal signals none of whose species occurs in a reaction or an initial
    concentration any more (inputs and outputs are always kept)."""
    present = {s for r in crn.reactions for s, _ in r.reactants + r.products} | set(crn.init)
    kept = tuple(sig for sig in crn.signals if any(s in present for s in sig.species))
    return crn.replace(signals=kept)


def add_cancellation(crn: CRN, waste: str = "W") -> CRN:
    """Add ``S+ + S- -> W`` for every dual-rail pair whose rails both occur in the CRN (paper §6):
    values are unchanged, and the rails stay small, which bounds how much fuel a DNA
    implementation needs. A pair that reduction removed gets none: it could never fire.

    >>> from crn.textformat import parse_crn
    >>> crn = parse_crn("input X = Xp - Xn\\nsignal H = Hp - Hn\\noutput Y = Yp - Yn\\nXp -> Yp\\nXn -> Yn\\n")
    >>> [[s for s, _ in r.reactants] for r in add_cancellation(crn).reactions[2:]]  # none for H
    [['Xp', 'Xn'], ['Yp', 'Yn']]
    """
    if waste in crn.species:
        raise ValueError(f"waste species name {waste!r} is already used in the CRN")
    present = set(crn.species)
    extra = tuple(Reaction([p, m], [waste]) for p, m in crn.dual_rail_pairs if p in present and m in present)
    return crn.replace(reactions=crn.reactions + extra)


def limit_fanout(crn: CRN, max_products: int, prefix: str = "F") -> CRN:
    """Rewrite every reaction with more than ``max_products`` product molecules into a balanced
    tree: the reaction makes at most ``max_products`` molecules, some of them fresh relay species
    ``F{n}`` that each fire ``F -> (part of the products)``. The products' final amounts are
    unchanged; depth grows as log_k(n). Relay reactions keep the original rate constant.
    """
    if max_products < 2:
        raise ValueError(f"max_products must be >= 2, got {max_products}")
    used = set(crn.species)
    counter = 0
    out: list[Reaction] = []

    def fresh() -> str:
        nonlocal counter
        while True:
            name = f"{prefix}{counter}"
            counter += 1
            if name not in used:
                used.add(name)
                return name

    def build(reactants, molecules: list[str], rate: float) -> None:
        if len(molecules) <= max_products:
            out.append(Reaction(reactants, molecules, rate))
            return
        k = max_products
        chunks = [molecules[c * len(molecules) // k : (c + 1) * len(molecules) // k] for c in range(k)]
        top: list[str] = []
        pending = []
        for chunk in chunks:
            if len(chunk) == 1:
                top.extend(chunk)
            else:
                relay = fresh()
                top.append(relay)
                pending.append((relay, chunk))
        out.append(Reaction(reactants, top, rate))
        for relay, chunk in pending:
            build([relay], chunk, rate)

    for r in crn.reactions:
        if r.n_products <= max_products:
            out.append(r)
        else:
            build(r.reactants, [s for s, n in r.products for _ in range(n)], r.rate)
    return crn.replace(reactions=tuple(out))

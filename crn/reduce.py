"""CRN reductions that keep the computed function: the paper's Algorithm 2, the cancellation
reaction ``S+ + S- -> W`` and the gate fan-out limit.

All passes are plain functions ``CRN -> CRN``; none of them changes what the output signals
converge to (rate independence makes the substitutions exact).
"""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np
import scipy.sparse as sp

from crn.model import CRN, Reaction


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
    exponentially with depth.
    """
    species = crn.species
    index = {s: i for i, s in enumerate(species)}
    n = len(species)
    inputs = crn.input_species
    consumers = Counter(s for r in crn.reactions for s, _ in r.reactants)
    eliminable: dict[str, Reaction] = {}
    for r in crn.reactions:
        if len(r.reactants) == 1:
            (reactant, count), = r.reactants
            if count == 1 and reactant not in inputs and consumers[reactant] == 1:
                eliminable[reactant] = r
    # a cycle of eliminable relays (A -> B, B -> A) has no finite expansion: keep such reactions
    graph = nx.DiGraph((s, p) for s, r in eliminable.items() for p, _ in r.products if p in eliminable)
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1 or any(graph.has_edge(s, s) for s in component):
            for s in component:
                del eliminable[s]
    if not eliminable:
        return crn

    def product_matrix(rows: list[Reaction], at: list[int], size: int) -> sp.csr_matrix:
        r_idx, s_idx, counts = [], [], []
        for row, r in zip(at, rows):
            for s, k in r.products:
                r_idx.append(row)
                s_idx.append(index[s])
                counts.append(k)
        return sp.csr_matrix((np.array(counts, np.int64), (r_idx, s_idx)), shape=(size, n))

    elim_idx = [index[s] for s in eliminable]
    keep = np.ones(n, bool)
    keep[elim_idx] = False
    A = product_matrix(list(eliminable.values()), elim_idx, n)
    D = sp.diags(keep.astype(np.int64), format="csr", dtype=np.int64)
    E = D
    for _ in range(n + 1):
        nxt = (D + A @ E).tocsr()
        if (nxt != E).nnz == 0:
            break
        E = nxt

    kept = [r for r in crn.reactions if not (r.order == 1 and r.reactants[0][0] in eliminable)]
    touched = [i for i, r in enumerate(kept) if any(s in eliminable for s, _ in r.products)]
    new_products = product_matrix([kept[i] for i in touched], list(range(len(touched))), len(touched)) @ E
    new_products = new_products.tocsr()
    for row, i in enumerate(touched):
        lo, hi = new_products.indptr[row], new_products.indptr[row + 1]
        side = [(species[j], int(k)) for j, k in zip(new_products.indices[lo:hi], new_products.data[lo:hi]) if k]
        kept[i] = Reaction(kept[i].reactants, sorted(side, key=lambda item: index[item[0]]), kept[i].rate)
    init_vec = np.zeros(n)
    for s, c in crn.init.items():
        init_vec[index[s]] = c
    new_init = E.T @ init_vec
    init = {species[j]: float(new_init[j]) for j in np.flatnonzero(new_init)}
    return crn.replace(reactions=tuple(kept), init=init)


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
    init = dict(crn.init)
    for p, m in pairs:
        k = min(init.get(p, 0.0), init.get(m, 0.0))
        if k:
            init[p] -= k
            init[m] -= k
    return crn.replace(reactions=tuple(reactions), init=init)


def reduce_crn(crn: CRN) -> CRN:
    """The paper's Algorithm 2: unimolecular elimination, then dual-rail cancellation.

    For a compiled network this leaves the input fan-out reactions (two per dual-rail input) and
    one bimolecular reaction per ReLU unit.
    """
    return prune_signals(cancel_dual_rail(eliminate_unimolecular(crn)))


def prune_signals(crn: CRN) -> CRN:
    """Forget internal signals none of whose species occurs in a reaction or an initial
    concentration any more (inputs and outputs are always kept)."""
    present = {s for r in crn.reactions for s, _ in r.reactants + r.products} | set(crn.init)
    kept = tuple(sig for sig in crn.signals if any(s in present for s in sig.species))
    return crn.replace(signals=kept)


def add_cancellation(crn: CRN, waste: str = "W") -> CRN:
    """Add ``S+ + S- -> W`` for every dual-rail pair (paper §6): values are unchanged, and the
    rails stay small, which bounds how much fuel a DNA implementation needs."""
    if waste in crn.species:
        raise ValueError(f"waste species name {waste!r} is already used in the CRN")
    extra = tuple(Reaction([p, m], [waste]) for p, m in crn.dual_rail_pairs)
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

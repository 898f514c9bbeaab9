"""CRN reductions that keep the computed function: the paper's Algorithm 2, the cancellation
reaction ``S+ + S- -> W`` and the gate fan-out limit.

All passes are plain functions ``CRN -> CRN``; none of them changes what the output signals
converge to (rate independence makes the substitutions exact).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from crn.model import CRN, Reaction, Signal


def _substitute(side: tuple[tuple[str, int], ...], species: str, by: Counter) -> Counter:
    out = Counter(dict(side))
    n = out.pop(species, 0)
    for s, k in by.items():
        out[s] += n * k
    return out


def eliminate_unimolecular(crn: CRN) -> CRN:
    """Algorithm 2, lines 1-16: remove every unimolecular reaction ``R -> P`` whose reactant is not
    an input species and is consumed by no other reaction. Each reaction producing ``R`` produces
    ``P`` instead, and ``R``'s initial concentration moves to ``P`` (times stoichiometry)."""
    reactions = list(crn.reactions)
    init = Counter(crn.init)
    inputs = crn.input_species
    consumers = Counter(s for r in reactions for s, _ in r.reactants)
    i = 0
    while i < len(reactions):
        r = reactions[i]
        (reactant, count), = r.reactants if len(r.reactants) == 1 else ((None, 0),)
        if (
            count != 1
            or reactant in inputs
            or consumers[reactant] != 1
            or r.product_count(reactant)
        ):
            i += 1
            continue
        products = Counter(dict(r.products))
        del reactions[i]
        reactions = [
            Reaction(q.reactants, _substitute(q.products, reactant, products), q.rate)
            if q.product_count(reactant)
            else q
            for q in reactions
        ]
        r0 = init.pop(reactant, 0.0)
        if r0:
            for s, k in products.items():
                init[s] += k * r0
        # restart: substitution may have made an earlier skipped reaction eliminable? It cannot
        # (a species' consumer count never grows), so continue from the same index.
    return crn.replace(reactions=tuple(reactions), init=dict(init))


def cancel_dual_rail(crn: CRN) -> CRN:
    """Algorithm 2, lines 17-27: drop ``S+``/``S-`` pairs produced together by one reaction, and
    lower both rails' initial concentrations by their minimum."""
    pairs = crn.dual_rail_pairs
    reactions = []
    for r in crn.reactions:
        prod = Counter(dict(r.products))
        changed = False
        for p, m in pairs:
            k = min(prod.get(p, 0), prod.get(m, 0))
            if k:
                prod[p] -= k
                prod[m] -= k
                changed = True
        reactions.append(Reaction(r.reactants, +prod, r.rate) if changed else r)
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

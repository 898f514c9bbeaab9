"""Exact stable outcome of a feed-forward CRN, without kinetics.

In the CRNs the compiler builds, every species is consumed by at most one reaction and the
reaction graph is acyclic. Such a CRN is rate-independent: any fair execution ends in the same
state, so one may fire the reactions to completion in topological order (a unimolecular
reaction converts all of its reactant, a bimolecular one fires the minimum of its reactants).
This gives the limit of the mass-action ODE exactly and instantly, and how much each reaction
fires, which is what DNA fuel sizing needs. It is an independent reference for the simulator.
"""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np

from crn.model import CRN


class NotFeedForward(ValueError):
    """The CRN has a cycle or a species consumed by two reactions: its outcome may depend on rates."""


def reaction_order(crn: CRN) -> list[int]:
    """Reaction indices in topological order (producers before consumers)."""
    consumers = Counter(s for r in crn.reactions for s, _ in r.reactants)
    shared = [s for s, n in consumers.items() if n > 1]
    if shared:
        raise NotFeedForward(f"species {shared[0]} is consumed by {consumers[shared[0]]} reactions")
    consumer_of = {s: i for i, r in enumerate(crn.reactions) for s, _ in r.reactants}
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(crn.reactions)))
    for i, r in enumerate(crn.reactions):
        for s, _ in r.products:
            if s in consumer_of:
                graph.add_edge(i, consumer_of[s])
    try:
        return list(nx.lexicographical_topological_sort(graph))
    except nx.NetworkXUnfeasible:
        raise NotFeedForward("the reaction graph has a cycle") from None


def fire_to_completion(crn: CRN, initial: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Final concentrations and reaction extents.

    Parameters
    ----------
    initial : (n_examples, n_species) initial concentrations in ``crn.species`` order.

    Returns
    -------
    final : (n_examples, n_species)
    extents : (n_examples, n_reactions), how much each reaction fires (formal units).
    """
    index = {s: i for i, s in enumerate(crn.species)}
    conc = np.array(initial, dtype=float, copy=True, ndmin=2)
    extents = np.zeros((conc.shape[0], len(crn.reactions)))
    for i in reaction_order(crn):
        r = crn.reactions[i]
        extent = np.min([conc[:, index[s]] / n for s, n in r.reactants], axis=0)
        for s, n in r.reactants:
            conc[:, index[s]] -= n * extent
        for s, n in r.products:
            conc[:, index[s]] += n * extent
        extents[:, i] = extent
    np.maximum(conc, 0.0, out=conc)  # exact zeros, up to rounding
    return conc, extents

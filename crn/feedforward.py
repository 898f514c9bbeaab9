"""Exact stable outcome of a feed-forward CRN, without kinetics.

In the CRNs the compiler builds, every species is consumed by at most one reaction and the
reaction graph is acyclic. Such a CRN is rate-independent: any fair execution ends in the same
state, so one may fire the reactions to completion in topological order (a unimolecular
reaction converts all of its reactant, a bimolecular one fires the minimum of its reactants).
This gives the limit of the mass-action ODE exactly and instantly, and how much each reaction
fires, which is what DNA fuel sizing needs. It is an independent reference for the simulator.
"""

from __future__ import annotations

import heapq

import numpy as np

from crn.model import CRN
from crn.stoichiometry import Stoichiometry, stoichiometry


class NotFeedForward(ValueError):
    """The CRN has a cycle or a species consumed by two reactions: its outcome may depend on rates."""


def reaction_graph(crn: CRN, stoich: Stoichiometry | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The edges producer -> consumer between reactions, as ``(starts, successors)``: reaction
    ``i``'s consumers are ``successors[starts[i]:starts[i + 1]]`` (sorted). Raises
    :class:`NotFeedForward` when a species is consumed by two reactions."""
    st = stoichiometry(crn) if stoich is None else stoich
    consumers = np.bincount(st.reactant_species, minlength=st.n_species)
    shared = consumers[st.reactant_species] > 1
    if shared.any():
        s = int(st.reactant_species[np.argmax(shared)])
        raise NotFeedForward(f"species {crn.species[s]} is consumed by {consumers[s]} reactions")
    consumer_of = np.full(st.n_species, -1, np.int64)
    consumer_of[st.reactant_species] = st.reactant_reaction
    target = consumer_of[st.product_species]
    n = st.n_reactions
    edges = np.sort(st.product_reaction[target >= 0] * n + target[target >= 0])
    edges = edges[np.concatenate([[True], edges[1:] != edges[:-1]])[: len(edges)]]  # unique (np.unique hashes: slower)
    return np.searchsorted(edges // n, np.arange(n + 1)), edges % n


def reaction_order(crn: CRN, stoich: Stoichiometry | None = None) -> list[int]:
    """Reaction indices in topological order (producers before consumers; among the reactions
    ready at a time, the lowest index first). ``stoich`` is ``crn``'s :func:`stoichiometry`, when
    the caller has it already.

    >>> from crn.textformat import parse_crn
    >>> reaction_order(parse_crn("B -> C\\nA -> B\\nX -> Y"))
    [1, 0, 2]
    """
    return topological_order(*reaction_graph(crn, stoich))


def topological_order(starts: np.ndarray, successors_of: np.ndarray) -> list[int]:
    """:func:`reaction_order` of the graph :func:`reaction_graph` returns."""
    n = len(starts) - 1
    indegree = np.bincount(successors_of, minlength=n)
    ready = [int(i) for i in np.flatnonzero(indegree == 0)]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        successors = successors_of[starts[i] : starts[i + 1]]
        if len(successors):
            indegree[successors] -= 1
            for j in successors[indegree[successors] == 0]:
                heapq.heappush(ready, int(j))
    if len(order) < n:
        raise NotFeedForward("the reaction graph has a cycle")
    return order


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

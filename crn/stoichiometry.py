"""A CRN's reactions as integer arrays, read once: what the vectorised passes (topological order,
kinetics, reduction) work on instead of the reaction objects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from crn.model import CRN


@dataclass(frozen=True)
class Stoichiometry:
    """Reactants and products in coordinate form, indices into ``crn.species`` and ``crn.reactions``.

    ``reactant_species[k]`` occurs ``reactant_count[k]`` times on the left of reaction
    ``reactant_reaction[k]`` (each species once per side, in the side's order, reactions in order);
    likewise for products.

    >>> from crn.textformat import parse_crn
    >>> st = stoichiometry(parse_crn("A + B -> 2 C\\nC -> A"))
    >>> st.net.toarray().tolist()  # species A, B, C (rows) by reaction (columns)
    [[-1.0, 1.0], [-1.0, 0.0], [2.0, -1.0]]
    """

    n_species: int
    n_reactions: int
    reactant_species: np.ndarray
    reactant_reaction: np.ndarray
    reactant_count: np.ndarray
    product_species: np.ndarray
    product_reaction: np.ndarray
    product_count: np.ndarray

    @property
    def net(self) -> sp.csr_matrix:
        """Net stoichiometry, species x reactions (duplicates summed, zeros dropped)."""
        rows = np.concatenate([self.reactant_species, self.product_species])
        cols = np.concatenate([self.reactant_reaction, self.product_reaction])
        vals = np.concatenate([-self.reactant_count, self.product_count]).astype(float)
        m = sp.csr_matrix((vals, (rows, cols)), shape=(self.n_species, self.n_reactions))
        m.eliminate_zeros()
        return m


def stoichiometry(crn: CRN) -> Stoichiometry:
    """Read ``crn``'s reactions into :class:`Stoichiometry` (one pass over every side)."""
    index = {s: i for i, s in enumerate(crn.species)}
    reactions = crn.reactions

    def side(sides: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lengths = np.fromiter(map(len, sides), np.int64, len(sides))
        species = np.fromiter((index[s] for pairs in sides for s, _ in pairs), np.int64, int(lengths.sum()))
        counts = np.fromiter((c for pairs in sides for _, c in pairs), np.int64, int(lengths.sum()))
        return species, np.repeat(np.arange(len(sides)), lengths), counts

    rs, rr, rc = side([r.reactants for r in reactions])
    ps, pr, pc = side([r.products for r in reactions])
    return Stoichiometry(len(index), len(reactions), rs, rr, rc, ps, pr, pc)

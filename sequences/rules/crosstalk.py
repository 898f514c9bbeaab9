"""The ``crosstalk`` objective: long and history domains should not bind one another's complements.

Unlike the rules, crosstalk is an *objective* (``objective = True``): the search lowers it once
every rule holds and never trades a rule for it; it produces no violations (the check table
reports the measured rate instead, ``sequences.checks``). Cost of domain ``i``:

    Σ_j max(0, cutoff - ΔG(i, j*)) + max(0, cutoff - ΔG(j, i*))   (kcal/mol)

over the other long/history domains ``j``, with ΔG the vectorised nearest-neighbour estimate of
``sequences.crosstalk`` (kept as a matrix; a change of domain ``i`` recomputes its row and column,
O(domains x length^2) numpy work, about 1 ms for IRIS). ``cutoff_kcal`` (-7) sits 1 kcal/mol
above the -8 kcal/mol the checks count, the spread of the estimate against ViennaRNA.
"""

from __future__ import annotations

import numpy as np

from sequences.crosstalk import NNModel, block_rows, crosstalk_matrix
from sequences.rules.base import HISTORY, LONG, DomainTable, Rule, Violation


class Crosstalk(Rule):
    """Pairwise crosstalk cost of long/history domains (an objective; see the module docstring)."""

    name = "crosstalk"
    unit = "kcal/mol"
    objective = True

    def __init__(self, model: NNModel, cutoff_kcal: float = -7.0) -> None:
        self.model = model
        self.cutoff = cutoff_kcal

    def bind(self, table: DomainTable) -> None:
        self.ids = np.flatnonzero(np.isin(table.kind, [LONG, HISTORY]))
        self.pos = {int(d): k for k, d in enumerate(self.ids.tolist())}
        self.G = np.zeros((len(self.ids), len(self.ids)))

    def _cost(self, G: np.ndarray) -> np.ndarray:
        return np.maximum(0.0, self.cutoff - G)

    def start_incremental(self, table: DomainTable) -> None:
        self.G = crosstalk_matrix(self.model, table, self.ids)

    def penalties(self, table: DomainTable) -> np.ndarray:
        self.start_incremental(table)
        c = self._cost(self.G)
        out = np.zeros(len(table))
        out[self.ids] = c.sum(axis=1) + c.sum(axis=0)
        return out

    def blame(self, table: DomainTable) -> np.ndarray:
        return np.zeros(len(table), dtype=bool)

    def _row_col(self, table: DomainTable, i: int, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        row = np.zeros(len(self.ids))
        col = np.zeros(len(self.ids))
        for _, (ib, B) in block_rows(table, self.ids).items():
            k = [self.pos[int(j)] for j in ib]
            row[k] = self.model.pair_matrix(codes[None, :], B)[0]
            col[k] = self.model.pair_matrix(B, codes[None, :])[:, 0]
        p = self.pos[i]
        row[p] = col[p] = 0.0
        return row, col

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        p = self.pos.get(int(i))
        if p is None:
            return 0.0
        if np.array_equal(codes, table.get(i)):
            row, col = self.G[p], self.G[:, p]
        else:
            row, col = self._row_col(table, i, codes)
        return float(self._cost(row).sum() + self._cost(col).sum())

    def update(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> None:
        p = self.pos.get(int(i))
        if p is not None:
            self.G[p], self.G[:, p] = self._row_col(table, i, new)

    def neighbours(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> set[int]:
        p = self.pos.get(int(i))
        if p is None:
            return set()
        hit = (self._cost(self.G[p]) > 0) | (self._cost(self.G[:, p]) > 0)
        return {int(d) for d in self.ids[hit]}

    def violations(self, table: DomainTable) -> list[Violation]:
        return []

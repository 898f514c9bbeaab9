"""The ``crosstalk`` objective: long and history domains should not bind one another's complements.

Unlike the rules, crosstalk is an *objective* (``objective = True``): the search lowers it once
every rule holds and never trades a rule for it; it produces no violations (the check table
reports the measured rate instead, ``sequences.checks``). Cost of domain ``i``:

    Σ_j max(0, cutoff - ΔG(i, j*)) + max(0, cutoff - ΔG(j, i*))   (kcal/mol)

over the other long/history domains ``j``, with ΔG the vectorised nearest-neighbour estimate of
``sequences.crosstalk`` (kept as a matrix; a change of domain ``i`` recomputes its row and column,
O(domains x length^2) numpy work, about 1 ms for IRIS). ``cutoff_kcal`` (-7) sits 1 kcal/mol
above the -8 kcal/mol the checks count, the spread of the estimate against ViennaRNA.

``crosstalk_vienna`` (:class:`ViennaCrosstalk`) is the polish after it: the same cost with ΔG from
ViennaRNA (``sequences.crosstalk.ViennaDuplex``) wherever the estimate is below
``prefilter_kcal`` (-5.5; no pair the estimate puts above it came out below -8 in ViennaRNA in
~40,000 measured pairs), 0 elsewhere, and ``cutoff_kcal`` -7.5. It replaces ``crosstalk``: the
search does not hold the polish to the estimate it corrects.
"""

from __future__ import annotations

import math

import numpy as np

from sequences.codes import decode
from sequences.crosstalk import NNModel, ViennaDuplex, block_rows, crosstalk_matrix
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


class ViennaCrosstalk(Crosstalk):
    """Crosstalk cost with ViennaRNA duplex energies (the polish; see the module docstring)."""

    name = "crosstalk_vienna"
    replaces = "crosstalk"

    def __init__(self, model: NNModel, duplex: ViennaDuplex, cutoff_kcal: float = -7.5,
                 prefilter_kcal: float = -5.5, cap_kcal: float | None = None) -> None:
        super().__init__(model, cutoff_kcal)
        self.duplex, self.prefilter = duplex, prefilter_kcal
        self._stamp: bytes | None = None
        self._last: tuple | None = None  # (domain, codes, row, col) of the last full evaluation
        self.batch = 16  # pairs folded between bound tests
        self.cap = cap_kcal

    def _state(self, table: DomainTable) -> bytes:
        return b"".join(table.get(int(i)).tobytes() for i in self.ids)

    def start_incremental(self, table: DomainTable) -> None:
        self._last = None
        stamp = self._state(table)
        if stamp == self._stamp:  # penalties() has just computed the matrix of this table
            return
        estimate = crosstalk_matrix(self.model, table, self.ids)
        rows, cols = np.nonzero(estimate < self.prefilter)
        seqs = [table.sequence(int(i)) for i in self.ids]
        self.G = np.zeros_like(estimate)
        self.G[rows, cols] = self.duplex.energies((seqs[a], seqs[b]) for a, b in zip(rows.tolist(), cols.tolist()))
        self._stamp = stamp

    def _row_col_full(self, table: DomainTable, i: int, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        est_row, est_col = super()._row_col(table, i, codes)
        seq = decode(codes)
        seqs = [table.sequence(int(j)) for j in self.ids]
        row, col = np.zeros(len(self.ids)), np.zeros(len(self.ids))
        r, c = np.flatnonzero(est_row < self.prefilter), np.flatnonzero(est_col < self.prefilter)
        row[r] = self.duplex.energies((seq, seqs[k]) for k in r.tolist())
        col[c] = self.duplex.energies((seqs[k], seq) for k in c.tolist())
        p = self.pos[i]
        row[p] = col[p] = 0.0
        return row, col

    def _cost(self, G: np.ndarray) -> np.ndarray:
        cost = np.maximum(0.0, self.cutoff - G)
        return cost if self.cap is None else np.minimum(cost, self.cap)

    def domain_penalty_below(self, table: DomainTable, i: int, codes: np.ndarray, bound: float) -> float:
        """The cost of domain ``i`` with ``codes`` when it is below ``bound``; else some partial sum
        at least ``bound`` (kcal/mol). The pairs are folded strongest estimate first, a batch at a
        time, and folding stops once the sum reaches ``bound``: a search that only asks "lower than
        now?" gets the same answer as from :meth:`domain_penalty` for a fraction of the folds."""
        p = self.pos.get(int(i))
        if p is None:
            return 0.0
        if np.array_equal(codes, table.get(i)):
            return self.domain_penalty(table, i, codes)
        est_row, est_col = Crosstalk._row_col(self, table, i, codes)
        seq = decode(codes)
        cand = [(e, k, 0) for k, e in enumerate(est_row.tolist()) if e < self.prefilter and k != p]
        cand += [(e, k, 1) for k, e in enumerate(est_col.tolist()) if e < self.prefilter and k != p]
        cand.sort()
        row, col = np.zeros(len(self.ids)), np.zeros(len(self.ids))
        total, done = 0.0, True
        for start in range(0, len(cand), self.batch):
            chunk = cand[start:start + self.batch]
            pairs = [(seq, table.sequence(int(self.ids[k]))) if side == 0 else (table.sequence(int(self.ids[k])), seq)
                     for _, k, side in chunk]
            for (_, k, side), g in zip(chunk, self.duplex.energies(pairs).tolist()):
                (row if side == 0 else col)[k] = g
                total += min(max(0.0, self.cutoff - g), math.inf if self.cap is None else self.cap)
            if total >= bound and start + self.batch < len(cand):
                done = False
                break
        self._last = (int(i), codes.tobytes(), row, col) if done else None
        return total

    def _row_col(self, table: DomainTable, i: int, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        last = getattr(self, "_last", None)
        if last is not None and last[0] == int(i) and last[1] == codes.tobytes():
            return last[2].copy(), last[3].copy()  # just evaluated in full by domain_penalty_below
        return self._row_col_full(table, i, codes)

    def update(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> None:
        super().update(table, i, old, new)
        self._stamp = self._last = None

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        """The bases of domain ``i`` paired in its strongest crosstalk duplex (as ``a`` or as ``b``)."""
        p = self.pos.get(int(i))
        if p is None:
            return set()
        row, col = self.G[p], self.G[:, p]
        if min(row.min(), col.min()) >= self.cutoff:
            return set()
        if row.min() <= col.min():
            return self.duplex.paired(table.sequence(i), table.sequence(int(self.ids[np.argmin(row)])))[0]
        return self.duplex.paired(table.sequence(int(self.ids[np.argmin(col)])), table.sequence(i))[1]

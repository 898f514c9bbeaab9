"""Pairwise crosstalk: a nearest-neighbour estimate of how strongly a domain binds the complement
of another, vectorised over all pairs (:class:`NNModel`, the search's pre-pass), and ViennaRNA's
duplex energy of the same pairs (:class:`ViennaDuplex`, the polish and, as cofold, the checks).

Domain ``a`` binds ``b*`` wherever ``a`` and ``b`` hold equal bases in the same sense. For each
gapless alignment (offset) of ``a`` against ``b`` the estimate scores every step between two
consecutive aligned positions: the nearest-neighbour stack of the two Watson-Crick pairs when
both positions match, ``mismatch_kcal`` otherwise (an interior loop costs about that much per
step), and takes the best contiguous stretch (Kadane), plus the duplex initiation and a
dangle term. The stack, initiation and terminal A·T energies are read from ViennaRNA's DNA
parameter set (Mathews 2004) at the design temperature, not copied here.

Calibration (IRIS-like random 15-nt A/C/T domains with 5 C, 25 °C, 1 M Na+, G·T off, 400
ordered pairs against ViennaRNA's MFE of ``a + b*``): see ``tests/sequences/test_crosstalk.py``
(Spearman correlation >= 0.8; the -8 kcal/mol classification agrees on >= 85 % of pairs).
All energies in kcal/mol.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from sequences.codes import revcomp

#: Per-step cost of a mismatched step inside a stretch (kcal/mol), and the two-dangle bonus.
MISMATCH_KCAL = 0.7
DANGLE_KCAL = -1.4


@dataclass(frozen=True)
class NNModel:
    """Stack energies ``stack[x, y]`` (kcal/mol) of 5'-xy-3' paired with its complement (2-bit codes
    A=0 C=1 G=2 T=3), duplex initiation and terminal A·T penalty, at ``temperature_C``."""

    stack: np.ndarray
    init_kcal: float
    terminal_at_kcal: float
    temperature_C: float = 25.0
    mismatch_kcal: float = MISMATCH_KCAL
    dangle_kcal: float = DANGLE_KCAL

    @classmethod
    def from_vienna(cls, temperature_C: float = 25.0, na_M: float = 1.0) -> "NNModel":
        import RNA

        RNA.params_load_DNA_Mathews2004()
        md = RNA.md()
        md.temperature, md.salt, md.noGU, md.dangles = temperature_C, na_M, 1, 2
        P = RNA.param(md)
        ptype = {("C", "G"): 1, ("G", "C"): 2, ("A", "T"): 5, ("T", "A"): 6}
        comp = {"A": "T", "C": "G", "G": "C", "T": "A"}
        stack = np.zeros((4, 4))
        for x, bx in enumerate("ACGT"):
            for y, by in enumerate("ACGT"):
                stack[x, y] = P.stack[ptype[(bx, comp[bx])]][ptype[(comp[by], by)]] / 100.0
        return cls(stack, P.DuplexInit / 100.0, P.TerminalAU / 100.0, temperature_C)

    def pair_matrix(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """Estimated ΔG (kcal/mol) of every ``a`` in ``A`` (n x La codes) bound to the complement of
        every ``b`` in ``B`` (m x Lb codes): an n x m matrix (0 where nothing pairs)."""
        n, la = A.shape
        m, lb = B.shape
        # pad b on both sides so every offset is a slice of length la
        pad = np.full((m, lb + 2 * (la - 1)), 255, dtype=np.int16)
        pad[:, la - 1: la - 1 + lb] = B
        offsets = lb + la - 1
        idx = np.arange(offsets)[:, None] + np.arange(la)[None, :]  # (offsets, la)
        aligned = pad[:, idx]  # (m, offsets, la)
        match = aligned[None, :, :, :] == A[:, None, None, :].astype(np.int16)  # (n, m, offsets, la)
        st = self.stack[A[:, :-1], A[:, 1:]]  # (n, la-1)
        both = match[..., :-1] & match[..., 1:]
        v = np.where(both, st[:, None, None, :], self.mismatch_kcal)
        cur = np.zeros(v.shape[:-1])
        best = np.zeros(v.shape[:-1])
        for k in range(la - 1):
            cur = v[..., k] + np.minimum(cur, 0.0)
            best = np.minimum(best, cur)
        best = best.min(axis=2)
        return np.where(best < 0, best + self.init_kcal + self.dangle_kcal, 0.0)


def block_rows(table, ids: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Codes of domains ``ids`` grouped by length: ``{length: (ids, codes)}``."""
    out = {}
    for length in sorted(set(table.length[ids].tolist())):
        sel = ids[table.length[ids] == length]
        out[length] = (sel, np.stack([table.get(int(i)) for i in sel]))
    return out


def crosstalk_matrix(model: NNModel, table, ids: np.ndarray) -> np.ndarray:
    """Estimated ΔG of domain ``ids[i]`` bound to the complement of ``ids[j]`` (diagonal 0)."""
    pos = {int(d): k for k, d in enumerate(ids.tolist())}
    out = np.zeros((len(ids), len(ids)))
    groups = block_rows(table, ids)
    for _, (ia, A) in groups.items():
        for _, (ib, B) in groups.items():
            out[np.ix_([pos[int(i)] for i in ia], [pos[int(j)] for j in ib])] = model.pair_matrix(A, B)
    np.fill_diagonal(out, 0.0)
    return out


class ViennaDuplex:
    """ViennaRNA's MFE ΔG (kcal/mol) of ``a + b*`` from ``RNA.duplexfold`` (intermolecular pairs
    only; DNA parameters, Mathews 2004, dangles 2, no G·T, at ``temperature_C`` and ``na_M``):
    about 0.1 ms a pair of 15-nt domains, a third of a cofold, and the same -8 kcal/mol verdict as
    the cofold MFE the checks fold (1,600 random A/C/T pairs: all agree, mean difference
    0.01 kcal/mol). duplexfold reads ViennaRNA's global model settings; they are set for each
    batch and restored afterwards (the DNA parameter set is loaded once, at construction; the
    ViennaRNA backend loads the same). ``calls`` counts the pairs folded."""

    def __init__(self, temperature_C: float = 25.0, na_M: float = 1.0) -> None:
        import RNA

        self.RNA, self.temperature_C, self.na_M, self.calls = RNA, temperature_C, na_M, 0
        RNA.params_load_DNA_Mathews2004()  # 10 ms: once (every ViennaRNA user here loads the DNA set)

    @contextmanager
    def _globals(self):
        cvar = self.RNA.cvar
        saved = (cvar.temperature, cvar.salt, cvar.dangles, cvar.noGU)
        cvar.temperature, cvar.salt, cvar.dangles, cvar.noGU = self.temperature_C, self.na_M, 2, 1
        try:
            yield
        finally:
            cvar.temperature, cvar.salt, cvar.dangles, cvar.noGU = saved

    def energies(self, pairs: Iterable[tuple[str, str]]) -> np.ndarray:
        """ΔG of ``a`` bound to the complement of ``b`` for each (a, b); 0 when nothing pairs."""
        with self._globals():
            out = np.array([min(0.0, self.RNA.duplexfold(a, revcomp(b)).energy) for a, b in pairs], dtype=float)
        self.calls += len(out)
        return out

    def paired(self, a: str, b: str) -> tuple[set[int], set[int]]:
        """Positions of ``a`` and of ``b`` (0-based, each in its own 5'->3' order) paired in the MFE
        duplex of ``a + b*``."""
        with self._globals():
            d = self.RNA.duplexfold(a, revcomp(b))
        self.calls += 1
        left, right = d.structure.split("&")
        in_a = {d.i - len(left) + k for k, c in enumerate(left) if c == "("}
        in_b = {len(b) - (d.j - 1 + k) - 1 for k, c in enumerate(right) if c == ")"}
        return in_a, in_b

"""Toehold pools: every admissible toehold of a length (A/C/T up to 8 nt; a seeded sample beyond)
with its duplex ΔG (kcal/mol), and the window the design deals toeholds from."""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass

import numpy as np

from sequences.codes import BASES, decode, encode, kmer_codes, local_ok, revcomp
from sequences.rules.constraints import SequenceRules, gc_count_window
from sequences.thermo import ThermoBackend

#: Toeholds up to this length are enumerated exhaustively for the pool; longer ones are sampled.
POOL_ENUMERATE_MAX_NT = 8
POOL_SAMPLE = 4000

@dataclass
class ToeholdPool:
    """Admissible toehold sequences of one length and alphabet, with their duplex ΔG."""

    length: int
    alphabet: str
    target_kcal: float
    codes: np.ndarray  # (P, length)
    dG_kcal: np.ndarray
    candidates: int  # sequences considered (all of them up to POOL_ENUMERATE_MAX_NT)

    def __post_init__(self) -> None:
        self.key_of = {int(c): p for p, c in enumerate(kmer_codes(self.codes, self.length)[:, 0])} if len(
            self.codes) else {}

    def index(self, codes: np.ndarray) -> int | None:
        return self.key_of.get(int(kmer_codes(codes[None, :], self.length)[0, 0]))

    def indices(self, block: np.ndarray) -> np.ndarray:
        """Pool index of each row of ``block`` (-1 when not in the pool)."""
        keys = np.array(sorted(self.key_of), dtype=np.int64)
        where = np.array([self.key_of[int(k)] for k in keys], dtype=np.int64)
        row_keys = kmer_codes(block, self.length)[:, 0]
        pos = np.clip(np.searchsorted(keys, row_keys), 0, max(len(keys) - 1, 0))
        hit = len(keys) > 0
        return np.where(hit & (keys[pos] == row_keys), where[pos], -1) if hit else np.full(len(block), -1)


def toehold_dG(backend: ThermoBackend, seq: str) -> float:
    """Duplex ΔG of a toehold and its complement: MFE of the two-strand complex (1 M standard state)."""
    return backend.mfe([seq, revcomp(seq)])[1]


def make_toehold_pool(length: int, alphabet: str, rules: SequenceRules, backend: ThermoBackend,
                      rng: np.random.Generator) -> ToeholdPool:
    """All toeholds of ``length`` in ``alphabet`` (a seeded sample above 8 nt) that meet the local
    rules, and the ΔG window's centre (``rules.toehold_dG_target_kcal`` or the median ΔG)."""
    if length <= POOL_ENUMERATE_MAX_NT:
        seqs = ["".join(p) for p in itertools.product(alphabet, repeat=length)]
    else:
        letters = np.array([BASES.index(b) for b in alphabet], dtype=np.uint8)
        draws = rng.choice(letters, size=(POOL_SAMPLE, length))
        seqs = sorted({decode(r) for r in draws})
    dG = np.array([toehold_dG(backend, s) for s in seqs])
    target = rules.toehold_dG_target_kcal
    if target is None:
        target = float(statistics.median(dG.tolist()))
    codes = np.stack([encode(s) for s in seqs])
    ok = np.abs(dG - target) <= rules.toehold_dG_tolerance_kcal
    ok &= local_ok(codes, rules.max_run_nt, rules.max_weak_run_nt)
    if "toehold" in rules.gc_kinds:
        lo, hi = gc_count_window(rules, length)
        gc = ((codes == 1) | (codes == 2)).sum(axis=1)
        ok &= (gc >= lo) & (gc <= hi)
    if not ok.any():
        raise ValueError(
            f"sequences.toehold_dG_target_kcal/toehold_dG_tolerance_kcal: no {length}-nt toehold in "
            f"{alphabet} has a duplex ΔG within {target:.2f} ± {rules.toehold_dG_tolerance_kcal} kcal/mol "
            f"(observed {dG.min():.2f}..{dG.max():.2f}) under the other rules"
        )
    return ToeholdPool(length, alphabet, float(target), codes[ok], dG[ok], len(seqs))



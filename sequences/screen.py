"""The exhaustive spurious screen: every pair of strands that can meet while single-stranded.

Which pairs. A strand is *free* when it is or becomes single-stranded in the tube (the strand of a
one-strand complex, or a strand of top-strand domains only, which gates and fuels release:
``sequences.checks.free_strands``). The screen covers every unordered pair {i, j} of distinct
strands (by domain list) with at least one of them free, a free strand with a second copy of
itself included: with F free strands among N, ``F (F + 1) / 2 + F (N - F)`` pairs
(:func:`screen_pairs`; ``ScreenResult.pairs`` is that count, and a test holds it to it). No
sampling: thermodynamics on all of them.

The rule (designed-pairing aware). The *spurious ΔG* of a pair (kcal/mol) is ViennaRNA's
two-strand hybrid energy (``duplexfold``: DNA Mathews 2004, the design's temperature and Na+,
dangles 2, G·T off; no intramolecular pairs, which three-letter strands barely form) with every
*designed pairing* taken out: the bases of a domain x in one strand whose complement x* the other
strand holds (and those of x*) may not pair. The pair is folded twice, x's bases masked (N) in
one, x*'s in the other, and the stronger energy counts, so x still counts against any other
domain of the partner while x against x* never does (in any register). Pairs without designed
pairings (~94 % on IRIS) are folded once as they are; there ``duplexfold`` agrees with the
cofold association ΔG to r = 0.998 and gives the same verdict at -8 kcal/mol (376 sampled IRIS
pairs). The pair fails when ``ΔG_spurious < spurious_min_kcal`` (-8 kcal/mol by default: at a
few hundred nM a complex of -8 kcal/mol, Kd ~ 1.4 µM at 25 °C, binds a few % of either strand;
a threshold on energy, not on length, because that is what sets how much binds). Strands
designed to bind are screened like every other pair: their designed duplex no longer masks a
stray match next to it (the -27.7 kcal/mol T_r37_s3 + T_r6_s4 of issue 11 was such a pair).

Speed: pairs go to ``workers`` processes (fork) in contiguous chunks; results keep pair order, so
the screen is deterministic. Above ``max_pairs`` pairs (mnist14 scale) the caller samples instead.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

try:
    import RNA
except ImportError:  # pragma: no cover - viennarna is a dependency
    RNA = None


@dataclass(frozen=True)
class ScreenStrand:
    """A strand of the tube: name, sequence (5'->3'), domains (``x`` or ``x*``), and whether it is free."""

    name: str
    sequence: str
    domains: tuple[str, ...]
    free: bool


@dataclass
class ScreenResult:
    """All screened pairs (index pairs into the strand list), their spurious ΔG (kcal/mol) and timing."""

    pairs: np.ndarray  # (P, 2), i <= j
    dG_kcal: np.ndarray  # (P,)
    free: int
    strands: int
    seconds: float

    @property
    def expected(self) -> int:
        """How many pairs the screen claims to cover: F (F + 1) / 2 + F (N - F)."""
        f, n = self.free, self.strands
        return f * (f + 1) // 2 + f * (n - f)


def screen_pairs(strands: Sequence[ScreenStrand]) -> np.ndarray:
    """Every unordered pair (i <= j) of strands with at least one free strand; i == j only for free strands.

    >>> s = [ScreenStrand("a", "A", ("x",), True), ScreenStrand("b", "T", ("x*",), False)]
    >>> screen_pairs(s).tolist()
    [[0, 0], [0, 1]]
    """
    free = np.array([s.free for s in strands], dtype=bool)
    n = len(strands)
    i, j = np.triu_indices(n)
    keep = free[i] | free[j]
    return np.stack([i[keep], j[keep]], axis=1).astype(np.int64)


def base_labels(domains: Sequence[str], lengths: Mapping[str, int], ids: dict[str, int]) -> np.ndarray:
    """Per base of a strand: (domain id, is complement, index of the base within its domain), as an (L, 3) array."""
    rows = []
    for d in domains:
        base = d.rstrip("*")
        n = lengths[base]
        rows.append(np.stack([np.full(n, ids.setdefault(base, len(ids))), np.full(n, int(d.endswith("*"))),
                              np.arange(n)], axis=1))
    return np.concatenate(rows).astype(np.int64) if rows else np.zeros((0, 3), dtype=np.int64)


def designed_pairings(la: np.ndarray, lb: np.ndarray, lengths_by_id: np.ndarray) -> list[tuple[int, int]]:
    """1-based (p, q) positions in ``a & b`` of every designed base pair, from the base labels of
    :func:`base_labels`: base k of a domain x with base ``len(x) - 1 - k`` of ``x*`` in the other strand.

    >>> ids = {}
    >>> a, b = base_labels(["t", "x"], {"t": 2, "x": 3}, ids), base_labels(["x*"], {"x": 3}, ids)
    >>> designed_pairings(a, b, np.array([2, 3]))
    [(3, 8), (4, 7), (5, 6)]
    """
    if not len(la) or not len(lb):
        return []
    same = (la[:, None, 0] == lb[None, :, 0]) & (la[:, None, 1] != lb[None, :, 1])
    comp = la[:, None, 2] + lb[None, :, 2] == lengths_by_id[la[:, 0]][:, None] - 1
    p, q = np.nonzero(same & comp)
    return list(zip((p + 1).tolist(), (q + len(la) + 1).tolist()))


_GLOBALS = ("temperature", "dangles", "noGU", "salt")


def _set_globals(temperature_C: float, na_M: float) -> dict:
    """Set ViennaRNA's global model (``duplexfold`` reads it) and return the values it replaced."""
    old = {k: getattr(RNA.cvar, k) for k in _GLOBALS if hasattr(RNA.cvar, k)}
    RNA.params_load_DNA_Mathews2004()
    for k, v in zip(_GLOBALS, (temperature_C, 2, 1, na_M)):
        if k in old:
            setattr(RNA.cvar, k, v)
    return old


def _masked(seq: str, positions: set[int]) -> str:
    return "".join("N" if k in positions else c for k, c in enumerate(seq))


def _chunk(args) -> np.ndarray:
    """Spurious ΔG of each item with ViennaRNA's ``duplexfold`` (two-strand hybrid, no intramolecular
    pairs). A pair holding designed pairings is folded twice, once with the designed-pairing bases
    of a masked (N), once with those of b masked, and the stronger of the two counts."""
    conditions, n_by_id, items = args
    old = _set_globals(*conditions)
    try:
        out = np.zeros(len(items))
        for k, (a, b, la, lb) in enumerate(items):
            pairs = designed_pairings(la, lb, n_by_id)
            if not pairs:
                out[k] = min(0.0, float(RNA.duplexfold(a, b).energy))
                continue
            pa = {p - 1 for p, _ in pairs}
            pb = {q - 1 - len(a) for _, q in pairs}
            out[k] = min(0.0, float(RNA.duplexfold(_masked(a, pa), b).energy),
                         float(RNA.duplexfold(a, _masked(b, pb)).energy))
        return out
    finally:
        for k, v in old.items():
            setattr(RNA.cvar, k, v)


def run_screen(strands: Sequence[ScreenStrand], lengths: Mapping[str, int], temperature_C: float = 25.0,
               na_M: float = 1.0, workers: int | None = None) -> ScreenResult:
    """Spurious ΔG (kcal/mol, see the module docstring) of every pair :func:`screen_pairs` lists.

    ``lengths`` maps domain names to nt; ``workers`` processes (default: up to 2 of the CPUs)."""
    if RNA is None:  # pragma: no cover
        raise RuntimeError("the spurious screen needs ViennaRNA (import RNA failed)")
    t0 = time.perf_counter()
    pairs = screen_pairs(strands)
    ids: dict[str, int] = {}
    labels = [base_labels(s.domains, lengths, ids) for s in strands]
    n_by_id = np.zeros(max(len(ids), 1), dtype=np.int64)
    for name, k in ids.items():
        n_by_id[k] = lengths[name]
    conditions = (float(temperature_C), float(na_M))
    items = [(strands[i].sequence, strands[j].sequence, labels[i], labels[j]) for i, j in pairs.tolist()]
    # expensive pairs (long strands) first, spread over the chunks round-robin, so workers finish together
    cost = np.array([(len(a) + len(b)) ** 3 for a, b, _, _ in items], dtype=float)
    workers = min(2, os.cpu_count() or 1) if workers is None else max(1, int(workers))
    if workers == 1 or len(items) < 200:
        dG = _chunk((conditions, n_by_id, items))
    else:
        n_chunks = 8 * workers
        order = np.argsort(-cost, kind="stable")
        parts = [order[k::n_chunks] for k in range(n_chunks)]
        chunks = [(conditions, n_by_id, [items[i] for i in part.tolist()]) for part in parts]
        dG = np.zeros(len(items))
        with ProcessPoolExecutor(workers) as pool:
            for part, values in zip(parts, pool.map(_chunk, chunks)):
                dG[part] = values
    return ScreenResult(pairs, np.minimum(dG, 0.0), int(sum(s.free for s in strands)), len(strands),
                        time.perf_counter() - t0)

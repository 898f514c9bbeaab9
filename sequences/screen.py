"""The exhaustive spurious screen: every pair of strands that can meet while single-stranded.

Which pairs. A strand is *free* when it is or becomes single-stranded in the tube (the strand of a
one-strand complex, or a strand of top-strand domains only, which gates and fuels release:
``sequences.checks.free_strands``). The screen covers every unordered pair {i, j} of distinct
strands (by domain list) with at least one of them free, a free strand with a second copy of
itself included: with F free strands among N, ``F (F + 1) / 2 + F (N - F)`` pairs
(:func:`screen_pairs`; ``ScreenResult.pairs`` is that count, and a test holds it to it). No
sampling: thermodynamics on all of them.

The rule (designed-pairing aware). The *spurious ΔG* of a pair is its association free energy

    ΔG_spurious = MFE(a + b | designed pairings forbidden) - MFE(a) - MFE(b)     (kcal/mol)

(ViennaRNA, the design's conditions; DNA Mathews 2004, dangles 2, G·T off; 1 M standard state;
single-strand MFEs cached per strand). For the ~94 % of pairs that hold no designed pairing it is
ViennaRNA's ``duplexfold`` hybrid energy instead (4-6x faster, no windows needed; r = 0.998 and
the same verdict at -8 kcal/mol as the cofold association ΔG on 376 IRIS pairs). A *designed pairing* is base k of a domain x in one strand
with base ``len(x) - 1 - k`` of ``x*`` in the other, the pair a designed duplex would form; those
base pairs are forbidden by hard constraints, so what is left is binding *outside* the designed
pairings (a shifted register of the same domains counts as spurious). The pair fails when
``ΔG_spurious < spurious_min_kcal`` (-8 kcal/mol by default: at a few hundred nM a complex of
-8 kcal/mol, Kd ~ 1.4 µM at 25 °C, binds at most a few % of either strand). Strands designed to
bind are screened like every other pair: their designed duplex no longer masks a stray match
next to it (the -27.7 kcal/mol T_r37_s3 + T_r6_s4 of issue 11 was such a pair).

Long strands: a strand longer than ``WINDOW_NT`` (60) is folded in windows of 60 nt every 30 nt
and the pair's ΔG is the minimum over window pairs, so every stretch of up to 30 bases of either
strand is seen whole (cofold time grows as the cube of the length; IRIS has free strands up to
504 nt). A binding longer than that is counted by its strongest 30-base part: an upper bound.

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


def windows(n: int, width: int, step: int) -> list[tuple[int, int]]:
    """[start, end) windows of ``width`` every ``step`` covering 0..n (one window when n <= width).

    >>> windows(100, 60, 30)
    [(0, 60), (30, 90), (40, 100)]
    """
    if n <= width:
        return [(0, n)]
    starts = list(range(0, n - width, step)) + [n - width]
    return [(s, s + width) for s in starts]


#: Strands longer than this are folded in windows of this many nt, ``WINDOW_STEP_NT`` apart: every
#: stretch of up to ``WINDOW_NT - WINDOW_STEP_NT`` bases lies wholly in some window.
WINDOW_NT = 60
WINDOW_STEP_NT = 30

_WORKER: dict = {}


def _model(temperature_C: float, na_M: float):
    RNA.params_load_DNA_Mathews2004()
    md = RNA.md()
    md.temperature, md.salt, md.dangles, md.noGU = temperature_C, na_M, 2, 1
    return md


def _mfe(md, seq: str, forbid: list[tuple[int, int]] = ()) -> float:
    fc = RNA.fold_compound(seq, md, RNA.OPTION_MFE)
    for p, q in forbid:
        fc.hc_add_bp(p, q, RNA.CONSTRAINT_CONTEXT_NONE | RNA.CONSTRAINT_CONTEXT_NO_REMOVE)
    return float(fc.mfe()[1])


def _single(md, seq: str) -> float:
    cache = _WORKER.setdefault("single", {})
    if seq not in cache:
        cache[seq] = _mfe(md, seq)
    return cache[seq]


def _pair(md, a: str, b: str, la: np.ndarray, lb: np.ndarray, n_by_id: np.ndarray, width: int, step: int) -> float:
    """Association ΔG of a and b with designed pairings forbidden: min over window pairs."""
    best = 0.0
    for a0, a1 in windows(len(a), width, step):
        for b0, b1 in windows(len(b), width, step):
            wa, wb = a[a0:a1], b[b0:b1]
            joint = _mfe(md, f"{wa}&{wb}", designed_pairings(la[a0:a1], lb[b0:b1], n_by_id))
            best = min(best, joint - _single(md, wa) - _single(md, wb))
    return best


_GLOBALS = ("temperature", "dangles", "noGU", "salt")


def _set_globals(temperature_C: float, na_M: float) -> dict:
    """Set ViennaRNA's global model (``duplexfold`` reads it) and return the values it replaced."""
    old = {k: getattr(RNA.cvar, k) for k in _GLOBALS if hasattr(RNA.cvar, k)}
    RNA.params_load_DNA_Mathews2004()
    for k, v in zip(_GLOBALS, (temperature_C, 2, 1, na_M)):
        if k in old:
            setattr(RNA.cvar, k, v)
    return old


def _chunk(args) -> np.ndarray:
    """Spurious ΔG of each item: ``duplexfold`` (ViennaRNA's two-strand hybrid, no intramolecular
    pairs; it agrees with the cofold association ΔG to r = 0.998 on IRIS, 400 sampled pairs) when the
    two strands hold no designed pairing, else cofold with the designed pairings forbidden."""
    conditions, n_by_id, width, step, items = args
    md = _WORKER.get(conditions)
    if md is None:
        md = _WORKER[conditions] = _model(*conditions)
    old = _set_globals(*conditions)
    try:
        out = np.zeros(len(items))
        for k, (a, b, la, lb) in enumerate(items):
            if designed_pairings(la, lb, n_by_id):
                out[k] = _pair(md, a, b, la, lb, n_by_id, width, step)
            else:
                out[k] = min(0.0, float(RNA.duplexfold(a, b).energy))
        return out
    finally:
        for k, v in old.items():
            setattr(RNA.cvar, k, v)


def run_screen(strands: Sequence[ScreenStrand], lengths: Mapping[str, int], temperature_C: float = 25.0,
               na_M: float = 1.0, workers: int | None = None, width: int = WINDOW_NT,
               step: int = WINDOW_STEP_NT) -> ScreenResult:
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
        dG = _chunk((conditions, n_by_id, width, step, items))
    else:
        n_chunks = 8 * workers
        order = np.argsort(-cost, kind="stable")
        parts = [order[k::n_chunks] for k in range(n_chunks)]
        chunks = [(conditions, n_by_id, width, step, [items[i] for i in part.tolist()]) for part in parts]
        dG = np.zeros(len(items))
        with ProcessPoolExecutor(workers) as pool:
            for part, values in zip(parts, pool.map(_chunk, chunks)):
                dG[part] = values
    return ScreenResult(pairs, np.minimum(dG, 0.0), int(sum(s.free for s in strands)), len(strands),
                        time.perf_counter() - t0)

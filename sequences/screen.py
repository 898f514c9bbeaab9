"""The exhaustive spurious screen: every pair of strands that can meet while single-stranded.

Which pairs. A strand is *free* when it is or becomes single-stranded in the tube (the strand of a
one-strand complex, or a strand of top-strand domains only, which gates and fuels release:
``sequences.checks.free_strands``). The screen covers every unordered pair {i, j} of distinct
strands (by domain list) with at least one of them free, a free strand with a second copy of
itself included: with F free strands among N, ``F (F + 1) / 2 + F (N - F)`` pairs
(:func:`screen_pairs`; ``ScreenResult.pairs`` is that count, and a test holds it to it). No
sampling: thermodynamics on all of them. A strand that is not free meets a partner only through
its single-stranded part: the caller (``sequences.checks``) passes it with the bases its
complexes hold in designed duplexes masked (``sequences.exposure``; on the shipped IRIS build this
took the pairs below -8 kcal/mol from 29,729 of 65,682, between strands sharing no domain, to 0).

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

Deciding pairs without folding (exact verdicts). With a threshold, a pair is folded only when
its verdict is open: :mod:`sequences.screen_bound` proves, for any two strands, a lower and an
upper bound on ``duplexfold``'s energy in one vectorised programme (stacks and loops of up to 2x2
at their exact energies from the loaded parameters, larger loops charged the least energy their
diagonal shift allows for the lower bound and left out for the upper one). A pair whose lower
bound is at or above the threshold passes, one whose upper bound lies below it fails, neither
folded (``dG_kcal`` NaN, the bounds in ``bound_kcal`` / ``upper_kcal``; ``failing`` holds the
verdicts); the rest are folded. So every verdict is the one the fold would give. The rows a check
lists carry exact energies: the ``exact_worst`` lowest energies (the check asks for its
``max_rule_rows``, at most the failing pairs, at least the worst pair) are folded, in the order of
their lower bounds, until no unfolded pair's lower bound reaches the k-th lowest folded ΔG.

Speed and where it runs. The folds are cut into at most ``CHUNKS`` chunks of equal cost (the cut
depends on the pairs alone), and each chunk is one task. With a :class:`crn.tasks.Compute` that
names Dask workers or a scheduler (the build's ``compute:`` section) the tasks run there through
:func:`crn.tasks.run_tasks`; otherwise on ``workers`` local processes (fork; default up to 2 of
the CPUs). The local pool stays the default on purpose: the build's default ``Compute()`` runs in
this process, which would fold on one core, and a Dask ``LocalCluster`` costs ~2-3 s to start and
a worker per process, for a ~30 s job on a 2-core laptop; the results are the same on every path
(each fold depends on its two strings only), and results keep pair order, so the screen is
deterministic. Above ``max_pairs`` pairs (mnist14 scale) the caller samples instead.

Measured: see ``benchmarks/screen.py`` (identical verdicts, folded energies and listed rows
against folding every pair, on the reduced IRIS system with today's and with one-G toeholds).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from sequences.screen_bound import bound_model, bounds

try:
    import RNA
except ImportError:  # pragma: no cover - viennarna is a dependency
    RNA = None


CHUNKS = 32  # tasks of the screen (fewer, of at least 100 pairs each, for small screens)


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
    bound_kcal: np.ndarray | None = None  # (P,) proven lower bound on dG where computed, else NaN
    upper_kcal: np.ndarray | None = None  # (P,) proven upper bound on dG where computed, else NaN
    threshold_kcal: float | None = None  # the verdict's threshold (None: every pair folded)

    @property
    def failing(self) -> np.ndarray:
        """(P,) bool: the pairs below the threshold, folded (ΔG) or proven by their upper bound."""
        if self.threshold_kcal is None:
            return np.zeros(len(self.dG_kcal), dtype=bool)
        below = self.dG_kcal < self.threshold_kcal
        return below | (np.isnan(self.dG_kcal) & (self.upper_kcal < self.threshold_kcal))

    @property
    def skipped(self) -> int:
        """Pairs not folded because their lower bound reaches the threshold (they pass)."""
        return int(np.sum(np.isnan(self.dG_kcal) & ~self.failing))

    @property
    def failed_on_bound(self) -> int:
        """Pairs not folded because their upper bound lies below the threshold (they fail)."""
        return int(np.sum(np.isnan(self.dG_kcal) & self.failing))

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
    """Set ViennaRNA's global model (``duplexfold`` reads it) and return the values it replaced.

    ``duplexfold`` keeps its parameters between calls and rebuilds them only when the temperature
    changes; a fold at another temperature first makes the next call read the model set here."""
    old = {k: getattr(RNA.cvar, k) for k in _GLOBALS if hasattr(RNA.cvar, k)}
    RNA.params_load_DNA_Mathews2004()
    for k, v in zip(_GLOBALS, (temperature_C + 1.0, 2, 1, na_M)):
        if k in old:
            setattr(RNA.cvar, k, v)
    RNA.duplexfold("A", "T")
    RNA.cvar.temperature = temperature_C
    return old


def _restore(old: dict) -> None:
    for k, v in old.items():
        setattr(RNA.cvar, k, v)


def _masked(seq: str, positions: set[int]) -> str:
    return "".join("N" if k in positions else c for k, c in enumerate(seq))


def fold_chunk(items: list[tuple[tuple[str, str], ...]], conditions: tuple[float, float],
               threshold_kcal: float | None = None) -> np.ndarray:
    """One task of the screen: per pair (its duplexes (a, b) to fold), the spurious ΔG (kcal/mol,
    the lowest ``duplexfold`` energy of its duplexes, capped at 0) and proven lower and upper
    bounds on it, as a (P, 3) array. ``duplexfold``: ViennaRNA's two-strand hybrid, no
    intramolecular pairs, at the conditions (temperature °C, Na+ M). With a threshold, the bounds
    of :mod:`sequences.screen_bound` are computed and a pair is folded only when they straddle it
    (lower < threshold <= upper); otherwise its ΔG is NaN. Without one, every pair is folded and
    the bounds are NaN."""
    old = _set_globals(*conditions)
    try:
        out = np.full((len(items), 3), np.nan)
        if threshold_kcal is not None and items:
            model = bound_model(*conditions)
            flat = [d for duplexes in items for d in duplexes]
            b = np.minimum(bounds(flat, model) / 100.0, 0.0)
            owner = np.repeat(np.arange(len(items)), [len(d) for d in items])
            out[:, 1:] = np.inf
            np.minimum.at(out[:, 1], owner, b[:, 0])
            np.minimum.at(out[:, 2], owner, b[:, 1])
        for k, duplexes in enumerate(items):
            if threshold_kcal is None or out[k, 1] < threshold_kcal <= out[k, 2]:
                out[k, 0] = min(0.0, *(RNA.duplexfold(a, b).energy for a, b in duplexes))
        return out
    finally:
        _restore(old)


def _duplexes(strands: Sequence[ScreenStrand], lengths: Mapping[str, int], pairs: np.ndarray
              ) -> list[tuple[tuple[str, str], ...]]:
    """The duplexes to fold for each pair: (a, b) as they are, or, for a pair holding designed
    pairings, a with its designed-pairing bases masked (N) against b, and a against b masked."""
    ids: dict[str, int] = {}
    labels = [base_labels(s.domains, lengths, ids) for s in strands]
    n_by_id = np.zeros(max(len(ids), 1), dtype=np.int64)
    for name, k in ids.items():
        n_by_id[k] = lengths[name]
    # which strands hold complementary domains: (N, 2D) incidence of signed domain ids
    inc = np.zeros((len(strands), 2 * max(len(ids), 1)), dtype=np.int64)
    for k, s in enumerate(strands):
        for d in s.domains:
            inc[k, 2 * ids[d.rstrip("*")] + d.endswith("*")] = 1
    comp = inc.reshape(len(strands), -1, 2)[:, :, ::-1].reshape(len(strands), -1)
    designed = (inc @ comp.T) > 0
    out: list[tuple[tuple[str, str], ...]] = []
    for i, j in pairs.tolist():
        a, b = strands[i].sequence, strands[j].sequence
        found = designed_pairings(labels[i], labels[j], n_by_id) if designed[i, j] else []
        if not found:
            out.append(((a, b),))
            continue
        pa = {p - 1 for p, _ in found}
        pb = {q - 1 - len(a) for _, q in found}
        out.append(((_masked(a, pa), b), (a, _masked(b, pb))))
    return out


def _chunks(items: list[tuple[tuple[str, str], ...]], n_chunks: int, by_size: bool) -> list[np.ndarray]:
    """Pair indices cut into ``n_chunks`` chunks of about equal cost (grid cells): with ``by_size``
    (the bounds, vectorised over pairs of one padded size) pairs sorted by size and cut into runs,
    else the longest duplexes first, dealt round-robin. The cut depends on the pairs alone."""
    cost = np.array([sum(len(a) * len(b) for a, b in d) for d in items], dtype=float)
    if not by_size:
        order = np.argsort(-cost, kind="stable")
        return [part for part in (order[k::n_chunks] for k in range(n_chunks)) if len(part)]
    size = np.array([len(d[0][0]) // 8 * 4096 + len(d[0][1]) // 8 for d in items])
    order = np.argsort(size, kind="stable")
    cum = np.cumsum(cost[order])
    cuts = np.searchsorted(cum, cum[-1] * np.arange(1, n_chunks) / n_chunks)
    return [part for part in np.split(order, cuts) if len(part)]


def _cells(items: list[tuple[tuple[str, str], ...]]) -> int:
    return sum(len(a) * len(b) for d in items for a, b in d)


def _fold(items: list[tuple[tuple[str, str], ...]], conditions: tuple[float, float], threshold: float | None,
          workers: int, compute) -> np.ndarray:
    """:func:`fold_chunk` over all pairs, in pair order, where ``compute`` / ``workers`` say."""
    if not items:
        return np.zeros((0, 3))
    n_chunks = min(CHUNKS, max(1, len(items) // 100)) if threshold is not None else min(CHUNKS, len(items))
    parts = _chunks(items, n_chunks, threshold is not None)
    chunks = [[items[i] for i in part.tolist()] for part in parts]
    if compute is not None and not compute.in_process:
        from crn.tasks import run_tasks

        results = run_tasks(fold_chunk, chunks, args=(conditions, threshold), compute=compute,
                            label="spurious screen")
    elif workers == 1 or len(parts) == 1 or (len(items) < 200 and _cells(items) < 200_000):
        results = [fold_chunk(c, conditions, threshold) for c in chunks]
    else:
        if threshold is not None:  # the bound's constants, computed once here, inherited by the forks
            old = _set_globals(*conditions)
            try:
                bound_model(*conditions)
            finally:
                _restore(old)
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(fold_chunk, chunks, [conditions] * len(chunks), [threshold] * len(chunks)))
    out = np.zeros((len(items), 3))
    for part, values in zip(parts, results):
        out[part] = values
    return out


def run_screen(strands: Sequence[ScreenStrand], lengths: Mapping[str, int], temperature_C: float = 25.0,
               na_M: float = 1.0, workers: int | None = None, threshold_kcal: float | None = None,
               compute=None, exact_worst: int = 50) -> ScreenResult:
    """Spurious ΔG (kcal/mol, see the module docstring) of every pair :func:`screen_pairs` lists.

    ``lengths`` maps domain names to nt. ``threshold_kcal``: pairs whose proven bounds
    (:mod:`sequences.screen_bound`) lie both at or above it (pass) or both below it (fail) are not
    folded (``dG_kcal`` NaN, the bounds in ``bound_kcal`` / ``upper_kcal``), except that the
    ``exact_worst`` lowest energies (at most the failing pairs, at least the worst pair) are always
    folded; None folds every pair. ``compute`` (:class:`crn.tasks.Compute`): a Dask cluster for
    the folds when it names workers or a scheduler; otherwise ``workers`` local processes (default:
    up to 2 of the CPUs)."""
    if RNA is None:  # pragma: no cover
        raise RuntimeError("the spurious screen needs ViennaRNA (import RNA failed)")
    t0 = time.perf_counter()
    pairs = screen_pairs(strands)
    conditions = (float(temperature_C), float(na_M))
    items = _duplexes(strands, lengths, pairs)
    workers = min(2, os.cpu_count() or 1) if workers is None else max(1, int(workers))
    threshold = None if threshold_kcal is None else float(threshold_kcal)
    res = _fold(items, conditions, threshold, workers, compute)
    dG, lower, upper = (res[:, k].copy() for k in range(3))
    if threshold is not None and len(dG):
        failing = int(np.sum((dG < threshold) | (np.isnan(dG) & (upper < threshold))))
        _fold_worst(dG, lower, max(1, min(failing, int(exact_worst))),
                    lambda idx: _fold([items[k] for k in idx.tolist()], conditions, None, workers, compute)[:, 0])
    return ScreenResult(pairs, dG, int(sum(s.free for s in strands)), len(strands), time.perf_counter() - t0,
                        lower, upper, threshold)


def _fold_worst(dG: np.ndarray, lower: np.ndarray, k: int, fold) -> None:
    """Fold (in place, ``fold(indices) -> ΔG``) until the ``k`` lowest energies of all pairs are
    exact: while an unfolded pair's lower bound is at or below the k-th lowest folded ΔG (or fewer
    than k are folded), fold the unfolded pairs of the lowest bounds, at least k at a time."""
    while np.any(unfolded := np.isnan(dG)):
        done = np.sort(dG[~unfolded])
        kth = done[k - 1] if len(done) >= k else np.inf
        late = np.flatnonzero(unfolded & (lower <= kth))
        if not len(late):
            return
        late = late[np.argsort(lower[late], kind="stable")][:max(k, 8)]
        dG[late] = fold(late)

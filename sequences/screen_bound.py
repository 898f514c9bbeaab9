"""A proven lower bound on ViennaRNA's ``duplexfold`` energy, to skip pairs that cannot reach a threshold.

What ``duplexfold`` minimises (ViennaRNA 2.x ``duplex.c``): over chains of inter-strand base pairs
``p_1 .. p_m`` (``i`` rising in the first strand, ``j`` falling in the second), the energy
``DuplexInit + ext(p_1) + Σ E_IntLoop(p_t, p_t+1) + ext(p_m)`` (dcal/mol), where ``ext`` is
``E_ExtLoop`` (terminal AU and dangles) and each link is a stack (``p_t+1`` diagonally next to
``p_t``) or an interior loop / bulge of at most 30 unpaired bases.

The relaxation. Let ``L`` be the smallest energy any non-stack link can have (over loop sizes,
pair types and unpaired neighbour bases that can occur), ``X`` the smallest ``ext`` term, and
require every stack energy ``<= 0`` and ``L >= 0``. Then any chain costs at least
``D = DuplexInit + X + Σ stacks + (links that are loops) · L + X``: a loop link may be replaced by
``L`` and the jump allowed anywhere up and to the right (more chains, so a smaller minimum). That
minimum is the dynamic programme of :func:`lower_bounds`, exact stack energies along diagonals
and a 2-D prefix minimum for the jumps, O(n m) per pair and vectorised over pairs. So
``duplexfold(a, b) >= bound(a, b)``: a pair whose bound is at or above the threshold passes
(ΔG >= threshold) without being folded.

Which pairs. The conditions hold for DNA Mathews 2004 when only A·T pairs can form (neither strand
has a G: the three-letter A/C/T strands of the code against each other): L = +1.01 kcal/mol
(a 1x1 loop) at 25 °C, stacks -0.83..-1.23. Other pairs (C·G possible; there a G·G 1x1 loop is
-2.2 kcal/mol, so L < 0) get no bound and are folded. ``L`` is computed from ViennaRNA's own
``E_IntLoop`` for the model in force (all types and neighbours for loops of up to 6 unpaired
bases, every tabulated special loop among them; above, the loop energy is a size term plus
neighbour-only mismatch terms, so the neighbour minimum of one representative per loop class plus
the size difference gives the minimum; tests compare the bound with ``duplexfold`` itself).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

try:
    import RNA
except ImportError:  # pragma: no cover - viennarna is a dependency
    RNA = None

MAXLOOP = 30
AT_TYPES = (5, 6)  # ViennaRNA pair types A-U, U-A
AT_BASES = (0, 1, 2, 4)  # N, A, C, U: the unpaired neighbours of a G-free pair
RTYPE = (0, 2, 1, 4, 3, 6, 5, 7)
CODE = np.zeros(256, dtype=np.int8)
for _ch, _v in zip("ACGTUacgtu", (1, 2, 3, 4, 4, 1, 2, 3, 4, 4)):
    CODE[ord(_ch)] = _v
PAIR = np.zeros((5, 5), dtype=np.int8)  # ViennaRNA pair types of (base in a, base in b), G·T off
PAIR[2, 3], PAIR[3, 2], PAIR[1, 4], PAIR[4, 1] = 1, 2, 5, 6
INF = 10 ** 7


@dataclass(frozen=True)
class BoundModel:
    """The constants of the relaxation (dcal/mol) for A·T-only pairs under the current ViennaRNA model."""

    init: int
    ext_min: int
    loop_min: int
    stack: np.ndarray  # (7, 7): stack[t_outer, t_inner], 0 where no stack

    @property
    def valid(self) -> bool:
        """Whether the relaxation is a lower bound: loops cost >= 0 and stacks <= 0."""
        return self.loop_min >= 0 and bool(np.all(self.stack <= 0))


def _loop_min(P) -> int:
    """The smallest ``E_IntLoop`` (non-stack) between two A·T pairs with N/A/C/U neighbours (dcal/mol)."""
    nb = list(itertools.product(AT_BASES, repeat=4))
    types = list(itertools.product(AT_TYPES, AT_TYPES))

    def over_neighbours(n1: int, n2: int) -> dict:
        return {(t1, t2): min(RNA.E_IntLoop(n1, n2, t1, t2, *x, P) for x in nb) for t1, t2 in types}

    best = INF
    for n1 in range(7):  # every loop of up to 6 unpaired bases, all types and neighbours
        for n2 in range(7 - n1):
            if n1 + n2:
                best = min(best, min(over_neighbours(n1, n2).values()))
    # above 6 unpaired bases: bulge, 1xn or generic loop, each a size term plus neighbour terms
    reps = {"bulge": (0, 7), "1xn": (1, 6), "generic": (3, 4)}
    rep_min = {k: over_neighbours(*v) for k, v in reps.items()}
    for n1 in range(MAXLOOP + 1):
        for n2 in range(MAXLOOP + 1 - n1):
            if n1 + n2 < 7:
                continue
            cls = "bulge" if min(n1, n2) == 0 else "1xn" if min(n1, n2) == 1 else "generic"
            r = reps[cls]  # these classes are symmetric in (n1, n2)
            for t1, t2 in types:
                shift = RNA.E_IntLoop(n1, n2, t1, t2, 1, 1, 1, 1, P) - RNA.E_IntLoop(*r, t1, t2, 1, 1, 1, 1, P)
                best = min(best, rep_min[cls][(t1, t2)] + shift)
    return int(best)


@lru_cache(maxsize=8)
def bound_model(temperature_C: float, na_M: float) -> BoundModel:
    """The relaxation's constants for ViennaRNA's global model (set by ``sequences.screen``) at
    these conditions; the caller has set the globals ``duplexfold`` reads."""
    P = RNA.param(RNA.md())
    ext = min(RNA.E_ExtLoop(t, a, b, P) for t in AT_TYPES for a in (-1, *AT_BASES) for b in (-1, *AT_BASES))
    stack = np.zeros((7, 7), dtype=np.int64)
    for t_out in AT_TYPES:
        for t_in in AT_TYPES:
            stack[t_out, t_in] = RNA.E_IntLoop(0, 0, t_out, RTYPE[t_in], 0, 0, 0, 0, P)
    return BoundModel(int(P.DuplexInit), int(ext), _loop_min(P), stack)


def at_only(a: str, b: str) -> bool:
    """Whether only A·T pairs can form between ``a`` and ``b`` (no G in either: no C·G, G·T off)."""
    return "G" not in a and "G" not in b and "g" not in a and "g" not in b


def lower_bounds(pairs: list[tuple[str, str]], model: BoundModel, batch: int = 4096) -> np.ndarray:
    """Lower bounds (dcal/mol) on ``duplexfold(a, b)`` for A·T-only pairs of equal-length groups
    (the relaxation of the module docstring); masked bases (N) never pair."""
    out = np.empty(len(pairs), dtype=np.int64)
    groups: dict[tuple[int, int], list[int]] = {}
    for k, (a, b) in enumerate(pairs):
        groups.setdefault((len(a), len(b)), []).append(k)
    for idx in groups.values():
        for lo in range(0, len(idx), batch):
            part = idx[lo:lo + batch]
            A = np.stack([CODE[np.frombuffer(pairs[k][0].encode(), np.uint8)] for k in part])
            B = np.stack([CODE[np.frombuffer(pairs[k][1].encode(), np.uint8)][::-1] for k in part])
            out[part] = _bound_batch(A, B, model)
    return out


def _bound_batch(A: np.ndarray, B: np.ndarray, m: BoundModel) -> np.ndarray:
    """The relaxed chain minimum for a batch: A (P, n) codes of a, B (P, m) codes of b reversed,
    so a stack (i-1, j+1) -> (i, j) runs along a diagonal of the (i, reversed j) grid."""
    T = PAIR[A[:, :, None], B[:, None, :]]
    if T.shape[1] > T.shape[2]:  # the grid transposed is the same programme: loop over the shorter side
        T = np.ascontiguousarray(T.transpose(0, 2, 1))
    ok = T > 0
    stk = m.stack[T[:, :-1, :-1], T[:, 1:, 1:]].astype(np.int32)
    start, inf, loop = np.int32(m.init + m.ext_min), np.int32(INF), np.int32(m.loop_min)
    D = np.where(ok[:, 0, :], start, inf).astype(np.int32)
    prefix = np.minimum.accumulate(D, axis=1)  # min over rows <= i, columns <= j
    best = D.min(axis=1)
    for i in range(1, T.shape[1]):
        cand = np.full(D.shape, start, dtype=np.int32)
        np.minimum(cand[:, 1:], np.minimum(D[:, :-1] + stk[:, i - 1, :], prefix[:, :-1] + loop), out=cand[:, 1:])
        D = np.where(ok[:, i, :], cand, inf)
        np.minimum(prefix, np.minimum.accumulate(D, axis=1), out=prefix)
        np.minimum(best, D.min(axis=1), out=best)
    return best.astype(np.int64) + m.ext_min

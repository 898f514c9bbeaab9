"""Proven lower and upper bounds on ViennaRNA's ``duplexfold`` energy, so most pairs need no fold.

What ``duplexfold`` minimises (ViennaRNA 2.x ``duplex.c``, dcal/mol): over chains of inter-strand
base pairs ``p_1 .. p_m`` (``i`` rising in the first strand ``a``, ``j`` falling in ``b``),
``DuplexInit + ext5(p_1) + Σ E_IntLoop(p_t, p_t+1) + ext3(p_m)``, where ``ext5`` / ``ext3`` are
``E_ExtLoop`` of the end pairs with their outer neighbours (-1 past a strand end) and each link is
a stack (the next pair diagonally adjacent) or an interior loop / bulge of ``n1`` unpaired bases in
``a`` and ``n2`` in ``b``, ``n1 + n2 <= 30``. Every term is a function of the two pairs' types and
of the four bases next to them (``E_IntLoop``'s arguments), so on the grid of ``a`` against ``b``
reversed a chain is a path that rises in both coordinates and its energy a sum of table look-ups.

The bounds, one dynamic programme. Let ``SHAPES`` be the stack (0, 0) and the small loops with
``n1, n2 <= 2``. A loop link from pair (k, l) to (i, j) shifts the diagonal by ``δ = n2 - n1``
(``|δ| <= 30``); the *tiers* split the shifts into ranges ({-1, 0, 1}, ±2..5, ±6..9, ±10..15,
±16..30), each charged ``L_t(type)``, the smallest ``E_IntLoop`` over every loop shape outside
``SHAPES`` whose shift lies in it with an inner pair of that type, every outer type and
neighbour (:func:`_loop_mins`: loops of up to 6 unpaired bases exhaustively; above, each loop
class is a size term plus neighbour terms, so one representative's neighbour minimum plus the
size difference). Over the same chains,
with the same exact start and end terms:

* lower: links of a shape in ``SHAPES`` cost their exact energy (looked up with the real types and
  neighbours); any other link costs its tier's ``L_t`` and may come from any earlier pair whose
  diagonal lies in the tier's range (a window minimum over per-diagonal minima of the rows above;
  for δ < 0 that window also holds pairs to the right, so the value taken is the larger of the
  window minimum and the minimum over all pairs up and to the left: each is at most the minimum
  over the true region, their intersection). Every ``duplexfold`` chain is a chain of this
  programme with each term the same or smaller, so ``lower <= duplexfold(a, b)``. No sign
  condition is needed (the 1x1 G·G loop is -2.22 kcal/mol): a chain has at most ``len a`` links.
* upper: only links of a shape in ``SHAPES``, at their exact energy. These chains are
  ``duplexfold`` chains (all shapes have at most 4 unpaired bases <= 30) with their exact energy,
  so their minimum is ``>= duplexfold(a, b)``.

So ``lower <= duplexfold <= upper``: a pair with ``lower >= threshold`` passes and one with
``upper < threshold`` fails without a fold. DNA Mathews 2004 at 25 °C, 1 M Na+: tier energies
from +1.34 (|δ| <= 1) to +3.58 kcal/mol (|δ| >= 16) for C·G inner pairs, ~0.5 more for A·T. Tests compare both bounds with
``duplexfold`` itself on random and adversarial pairs.

Cost: O(len a · len b · |SHAPES|) per pair, vectorised over a batch of pairs padded to a common
size (padding never pairs and reads as a strand end); about 0.17 CPU µs per cell (reduced IRIS:
130 M cells of 27,259 duplexes in 22 s).
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
TYPES = (1, 2, 3, 4, 5, 6)  # ViennaRNA pair types CG GC GU UG AU UA (G·T never forms with noGU)
BASES = (0, 1, 2, 3, 4)  # N A C G U
NONE = 5  # code of "no base" (outside the strand, or padding)
RTYPE = (0, 2, 1, 4, 3, 6, 5, 7)
SHAPES = ((0, 0),) + tuple((n1, n2) for n1 in range(3) for n2 in range(3) if n1 + n2)
REACH = max(n1 for n1, _ in SHAPES) + 1  # rows a shape's outer pair lies above its inner pair
CODE = np.zeros(256, dtype=np.int8)
for _ch, _v in zip("ACGTUacgtu", (1, 2, 3, 4, 4, 1, 2, 3, 4, 4)):
    CODE[ord(_ch)] = _v
PAIR = np.zeros((6, 6), dtype=np.int8)  # ViennaRNA pair types of (base in a, base in b), G·T off
PAIR[2, 3], PAIR[3, 2], PAIR[1, 4], PAIR[4, 1] = 1, 2, 5, 6
INF = 10 ** 7
TIER_SHIFTS = ((2, 5), (6, 9), (10, 15), (16, MAXLOOP))  # |δ| ranges of the jump tiers (and |δ| <= 1)
KEY = 8 * 6 * 6  # a cell's key: (pair type, neighbour in a, neighbour in b)


@dataclass(frozen=True)
class BoundModel:
    """The look-up tables of the bounds (dcal/mol) for the current ViennaRNA model.

    ``start[key]``: DuplexInit + E_ExtLoop(type, a[i-1], b[j+1]) of a chain's first pair,
    ``end[key]``: E_ExtLoop(rtype, b[j-1], a[i+1]) of its last pair, ``loops[s][outer, inner]``:
    E_IntLoop of shape ``SHAPES[s]`` between an outer pair (key: type, a[k+1], b[l-1]) and an
    inner pair (key: type, a[i-1], b[j+1]); INF where a type is 0 (no pair)."""

    start: np.ndarray  # (KEY,)
    end: np.ndarray  # (KEY,)
    loops: tuple[np.ndarray, ...]  # per shape, (KEY * KEY,) flat: outer * KEY + inner
    tiers: tuple[tuple[int, int, np.ndarray], ...]  # (δ_lo, δ_hi, (8,) least energy per inner pair type)

    @property
    def loop_min(self) -> int:
        """The smallest energy (dcal/mol) of a loop shape outside ``SHAPES``."""
        return int(min(c.min() for _, _, c in self.tiers))


def _key(t: int, x: int, y: int) -> int:
    return (t * 6 + x) * 6 + y


def _vienna_base(x: int) -> int:
    return -1 if x == NONE else x


def _loop_mins(P) -> dict[tuple[int, int, int], int]:
    """The smallest ``E_IntLoop`` (dcal/mol) of each loop shape (n1, n2) not in ``SHAPES`` (at most
    ``MAXLOOP`` unpaired bases) per type of its inner pair, over all outer types and neighbours."""
    nb = list(itertools.product(BASES, repeat=4))
    types = list(itertools.product(TYPES, TYPES))

    def over_neighbours(n1: int, n2: int) -> dict:
        return {(t1, t2): min(RNA.E_IntLoop(n1, n2, t1, t2, *x, P) for x in nb) for t1, t2 in types}

    out: dict[tuple[int, int, int], int] = {}

    def put(n1: int, n2: int, energies: dict) -> None:  # keyed by the inner pair's own type
        for (_, t2), v in energies.items():
            key = (n1, n2, RTYPE[t2])
            out[key] = min(out.get(key, INF), int(v))

    for n1 in range(7):  # every loop of up to 6 unpaired bases, all types and neighbours
        for n2 in range(7 - n1):
            if n1 + n2 and (n1, n2) not in SHAPES:
                put(n1, n2, over_neighbours(n1, n2))
    # above 6 unpaired bases: bulge, 1xn or generic loop, each a size term plus neighbour terms
    reps = {"bulge": (0, 7), "1xn": (1, 6), "generic": (3, 4)}
    rep_min = {k: over_neighbours(*v) for k, v in reps.items()}
    for n1 in range(MAXLOOP + 1):
        for n2 in range(MAXLOOP + 1 - n1):
            if n1 + n2 < 7:
                continue
            cls = "bulge" if min(n1, n2) == 0 else "1xn" if min(n1, n2) == 1 else "generic"
            r = reps[cls]  # these classes are symmetric in (n1, n2)
            put(n1, n2, {(t1, t2): rep_min[cls][(t1, t2)] + RNA.E_IntLoop(n1, n2, t1, t2, 1, 1, 1, 1, P)
                         - RNA.E_IntLoop(*r, t1, t2, 1, 1, 1, 1, P) for t1, t2 in types})
    return out


def _tiers(mins: dict[tuple[int, int, int], int]) -> tuple[tuple[int, int, np.ndarray], ...]:
    """The jump tiers: ranges of the diagonal shift δ = n2 - n1 (every δ of a loop, |δ| <= 30, in
    exactly one), each with, per type of the loop's inner pair, the smallest energy of the loop
    shapes whose shift lies in it (INF for type 0, no pair)."""
    ranges = [(-1, 1)] + [r for a, b in TIER_SHIFTS for r in ((a, b), (-b, -a))]
    out = []
    for a, b in ranges:
        cost = np.full(8, INF, dtype=np.int32)
        for (n1, n2, t), v in mins.items():
            if a <= n2 - n1 <= b:
                cost[t] = min(cost[t], v)
        out.append((a, b, cost))
    return tuple(out)


def _loop_table(P, n1: int, n2: int) -> np.ndarray:
    """E_IntLoop of shape (n1, n2) for every (outer key, inner key), flat (KEY * KEY,)."""
    tab = np.full((8, 6, 6, 8, 6, 6), INF, dtype=np.int32)  # t_out, a[k+1], b[l-1], t_in, a[i-1], b[j+1]
    for t_out, t_in in itertools.product(TYPES, TYPES):
        if (n1, n2) == (0, 0):  # a stack: the neighbours are the pairs themselves
            tab[t_out, :, :, t_in, :, :] = RNA.E_IntLoop(0, 0, t_out, RTYPE[t_in], 0, 0, 0, 0, P)
            continue
        for x1, y1, x2, y2 in itertools.product(BASES, repeat=4):
            tab[t_out, x1, y1, t_in, x2, y2] = RNA.E_IntLoop(n1, n2, t_out, RTYPE[t_in], x1, y1, x2, y2, P)
    return tab.reshape(-1)


@lru_cache(maxsize=8)
def bound_model(temperature_C: float, na_M: float) -> BoundModel:
    """The tables for ViennaRNA's global model at these conditions (the caller, ``sequences.screen``,
    has set the globals ``duplexfold`` reads; the arguments key the cache)."""
    P = RNA.param(RNA.md())
    start = np.full(KEY, INF, dtype=np.int32)
    end = np.full(KEY, INF, dtype=np.int32)
    for t, x, y in itertools.product(TYPES, range(6), range(6)):
        start[_key(t, x, y)] = P.DuplexInit + RNA.E_ExtLoop(t, _vienna_base(x), _vienna_base(y), P)
        end[_key(t, x, y)] = RNA.E_ExtLoop(RTYPE[t], _vienna_base(x), _vienna_base(y), P)
    loops = tuple(_loop_table(P, *s) for s in SHAPES)
    return BoundModel(start, end, loops, _tiers(_loop_mins(P)))


def encode(seq: str) -> np.ndarray:
    """Base codes of a strand (N / masked 0, A 1, C 2, G 3, T/U 4)."""
    return CODE[np.frombuffer(seq.encode(), np.uint8)]


def bounds(pairs: list[tuple[str, str]], model: BoundModel, cells: int = 1 << 20) -> np.ndarray:
    """Lower and upper bounds (dcal/mol, (P, 2) int64) on ``duplexfold(a, b)`` for each pair (the
    programme of the module docstring); a pair where no base pair can form gets (INF, INF).
    Pairs are padded to sizes rounded up to 8 nt and run in batches of about ``cells`` grid cells."""
    out = np.empty((len(pairs), 2), dtype=np.int64)
    groups: dict[tuple[int, int], list[int]] = {}
    for k, (a, b) in enumerate(pairs):
        groups.setdefault((-(-len(a) // 8) * 8, -(-len(b) // 8) * 8), []).append(k)
    for (n, m), idx in sorted(groups.items()):
        step = max(1, cells // (n * m))
        for lo in range(0, len(idx), step):
            part = idx[lo:lo + step]
            A = np.full((len(part), n + 2), NONE, dtype=np.int32)
            B = np.full((len(part), m + 2), NONE, dtype=np.int32)
            for r, k in enumerate(part):
                a, b = pairs[k]
                A[r, 1:len(a) + 1] = encode(a)
                B[r, 1:len(b) + 1] = encode(b)[::-1]  # b reversed: a chain rises in both coordinates
            out[part] = _batch(A, B, model)
    return out


def _batch(A: np.ndarray, B: np.ndarray, md: BoundModel) -> np.ndarray:
    """Both programmes for a batch: A (P, n + 2) codes of a, B (P, m + 2) codes of b reversed,
    each with a NONE border. Cell (i, c) pairs a[i] with b-reversed[c] (0-based, unpadded)."""
    n, m = A.shape[1] - 2, B.shape[1] - 2
    T = PAIR[A[:, 1:-1, None], B[:, None, 1:-1]].astype(np.int32)  # (P, n, m)
    ok = T > 0
    inner = (T * 6 + A[:, :-2, None]) * 6 + B[:, None, :-2]  # type, a[i-1], b[j+1]
    outer = ((T * 6 + A[:, 2:, None]) * 6 + B[:, None, 2:]) * KEY  # type, a[k+1], b[l-1]
    last = (T * 6 + B[:, None, 2:]) * 6 + A[:, 2:, None]  # type, b[j-1], a[i+1]
    start = md.start[inner]
    end = md.end[last]
    del last
    inf = np.int32(INF)
    lo_rows: list = []
    up_rows: list = []
    # Q: per diagonal x = c - i + n - 1 (stored at x + MAXLOOP), the least lower value of rows < i
    Q = np.full((len(A), n + m - 1 + 2 * MAXLOOP), INF, dtype=np.int32)
    prefix = np.full((len(A), m), INF, dtype=np.int32)  # least lower value of rows < i, columns < c
    best_lo = np.full(len(A), INF, dtype=np.int64)
    best_up = np.full(len(A), INF, dtype=np.int64)
    for i in range(n):
        lo = start[:, i].copy()
        up = lo.copy()
        for s, (n1, n2) in enumerate(SHAPES):
            k, w = i - n1 - 1, m - n2 - 1
            if k < 0 or w <= 0:
                continue
            e = md.loops[s][outer[:, k, :w] + inner[:, i, n2 + 1:]]
            np.minimum(lo[:, n2 + 1:], lo_rows[k][:, :w] + e, out=lo[:, n2 + 1:])
            np.minimum(up[:, n2 + 1:], up_rows[k][:, :w] + e, out=up[:, n2 + 1:])
        base = n - 1 - i + MAXLOOP  # where cell (i, 0)'s diagonal is stored
        if i:
            _jumps(lo, Q[:, base - MAXLOOP:base + m + MAXLOOP], prefix, T[:, i], md.tiers)
        lo = np.where(ok[:, i], lo, inf)
        up = np.where(ok[:, i], np.minimum(up, inf), inf)
        lo_rows.append(lo)
        up_rows.append(up)
        if len(lo_rows) > REACH:  # the shapes reach back at most REACH rows
            lo_rows[-REACH - 1] = up_rows[-REACH - 1] = None
        np.minimum(Q[:, base:base + m], lo, out=Q[:, base:base + m])
        np.minimum(prefix[:, 1:], np.minimum.accumulate(lo[:, :-1], axis=1), out=prefix[:, 1:])
        np.minimum(best_lo, (lo + end[:, i]).min(axis=1), out=best_lo)
        np.minimum(best_up, (up + end[:, i]).min(axis=1), out=best_up)
    return np.stack([np.minimum(best_lo, INF), np.minimum(best_up, INF)], axis=1)


def _jumps(lo: np.ndarray, near: np.ndarray, prefix: np.ndarray, types: np.ndarray, tiers) -> None:
    """Lower ``lo`` (P, m), in place, by every tier's jump: the least value over the tier's shifts
    of ``near`` (P, m + 2 MAXLOOP: the per-diagonal minima of the rows above, cell c's own
    diagonal at c + MAXLOOP) plus the tier's energy for the cell's pair type. A jump of shift δ comes from diagonal x - δ.
    For δ >= 0 every such cell lies up and to the left; for δ < 0 the diagonal window also holds
    cells to the right, so the value is at least the larger of the window's minimum and
    ``prefix`` (the minimum over all cells up and to the left): both regions hold the true one."""
    m = lo.shape[1]
    mins = {1: near}  # mins[p][:, y] = least of near[:, y .. y + p - 1]
    p = 1
    while 2 * p <= max(b - a + 1 for a, b, _ in tiers):
        mins[2 * p] = np.minimum(mins[p][:, :-p], mins[p][:, p:])
        p *= 2
    for a, b, cost in tiers:
        w, first = b - a + 1, MAXLOOP - b  # shifts a..b read diagonals x - b .. x - a
        p = 1 << (w.bit_length() - 1)
        win = mins[p][:, first:first + m]
        if p < w:
            win = np.minimum(win, mins[p][:, first + w - p:first + w - p + m])
        if b < 0:
            win = np.maximum(win, prefix)
        np.minimum(lo, win + cost[types], out=lo)

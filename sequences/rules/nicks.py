"""Nick overlaps: a single-stranded domain that leaves a helix at a nick and begins with the bases
that begin the neighbouring helix's strand there.

In a designed complex, let domain ``x`` of strand A pair with ``x*`` of strand B, A continue past
``x`` into an unpaired domain ``D`` (a dangle), and B continue past ``x*`` into a domain paired with
``y`` of a third strand whose helix starts at that nick. ``D`` then runs antiparallel to the same
bases of B that ``y`` pairs with, so where ``D`` repeats ``y``'s first bases it pairs with them in
``y``'s place (branch migration at the nick, without a toehold) and the complex's ensemble defect
shows it. In the fuels of ``soloveichik2010`` the dangle ``dPk`` and the next history domain
``g(k+1)`` both follow the toehold ``tPk`` on some strand, so the junction rules give them the same
few starts (``sequences.design.occlusion_notes``). :class:`NickOverlap` scores a candidate (the
bases beyond ``max_nt`` that a pair shares) for the drawing to prefer; it is not a rule.

>>> sorted(nick_pairs("g1( t1( d1 u1 + g2( t2( d2 u2 + ) ) ) ) uA*"))  # a two-product fuel
[('d1', 'g2', 3)]
"""

from __future__ import annotations

import itertools

import numpy as np

from sequences.codes import revcomp_codes
from sequences.rules.base import TOEHOLD
from sequences.structure import kernel_domain_structure


def nick_pairs(kernel: str) -> set[tuple[str, str, int]]:
    """(dangle, helix start, side) at every nick of ``kernel`` where they compete: side 3 when the
    dangle follows the helix 3' of ``x`` (compare first bases), 5 when it precedes ``x`` (compare
    last bases). Names as they appear on the strands (``a*`` a complement)."""
    strands = kernel_domain_structure(kernel)
    flat = [(k, j, name, state) for k, strand in enumerate(strands) for j, (name, state) in enumerate(strand)]
    where = {(k, j): n for n, (k, j, _, _) in enumerate(flat)}
    partner, stack = [-1] * len(flat), []
    for n, (_, _, _, state) in enumerate(flat):
        if state == "(":
            stack.append(n)
        elif state == ")":
            m = stack.pop()
            partner[n], partner[m] = m, n
    out = set()
    for n, (k, j, _, _) in enumerate(flat):
        q = partner[n]
        if q < 0:
            continue
        kq, jq, _, _ = flat[q]
        for step, side in ((1, 3), (-1, 5)):
            d, b = where.get((k, j + step)), where.get((kq, jq - step))
            if d is None or b is None or partner[d] >= 0 or partner[b] < 0:
                continue
            kr, jr, y, _ = flat[partner[b]]
            before = where.get((kr, jr - step))  # the helix of y must start (3) or end (5) at the nick
            if kr in (k, kq) or (before is not None and partner[before] >= 0 and flat[partner[before]][0] == kq):
                continue
            out.add((flat[d][2], y, side))
    return out


class NickOverlap:
    """Bases beyond ``max_nt`` that a candidate for a domain shares, at the compared end, with the
    domains it meets at nicks in ``system``'s complexes (``domain_penalty``, for the drawing)."""

    name = "nick_overlap"

    def __init__(self, system, max_nt: int = 1) -> None:
        self.system, self.max_nt = system, max_nt

    def bind(self, table) -> None:
        seen = {}
        for cx in self.system.complexes:
            for dangle, helix, side in sorted(nick_pairs(cx.kernel)):
                a, b = table.index[dangle.rstrip("*")], table.index[helix.rstrip("*")]
                if a != b:
                    seen[(a, dangle.endswith("*"), b, helix.endswith("*"), side)] = None
        self.pairs = list(seen)
        self.of: dict[int, list[int]] = {}
        for p, (a, _, b, _, _) in enumerate(self.pairs):
            self.of.setdefault(a, []).append(p)
            self.of.setdefault(b, []).append(p)

    def excess(self, table, p: int, i: int = -1, codes=None) -> int:
        a, ac, b, bc, side = self.pairs[p]
        x = codes if a == i else table.get(a)
        y = codes if b == i else table.get(b)
        x, y = (revcomp_codes(x) if ac else x), (revcomp_codes(y) if bc else y)
        if side == 5:
            x, y = x[::-1], y[::-1]
        n = min(len(x), len(y))
        diff = np.flatnonzero(x[:n] != y[:n])
        return max(0, (int(diff[0]) if len(diff) else n) - self.max_nt)

    def domain_penalty(self, table, i: int, codes) -> float:
        return float(sum(self.excess(table, p, i, codes) for p in self.of.get(i, [])))

    def total(self, table) -> int:
        return sum(self.excess(table, p) for p in range(len(self.pairs)))


def toeholds_before_nicks(table, nicks: NickOverlap) -> dict[int, int]:
    """Toehold -> how many nick pairs (3' side) have both domains right after it on some strand."""
    before: dict[int, set[int]] = {}
    for strand in table.strands:
        for (a, ac), (b, bc) in itertools.pairwise(strand):
            if not ac and not bc:
                before.setdefault(b, set()).add(a)
    out: dict[int, int] = {}
    for a, ac, b, bc, side in nicks.pairs:
        if side != 3 or ac or bc:
            continue
        for t in before.get(a, set()) & before.get(b, set()):
            if table.kind[t] == TOEHOLD:
                out[t] = out.get(t, 0) + 1
    return out

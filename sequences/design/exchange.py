"""Toehold exchanges: the moves of toeholds dealt from a passable subset of their pool.

When the toeholds use more than half of their pool (the shipped IRIS system: 140 of 196 6-nt
A/C/T sequences) they are dealt a *passable* subset (:func:`sequences.design.walk.passable_toeholds`:
every sequence of it leaves a long domain before and after it a clean junction) and every
sequence of the subset is taken, so a toehold changes only by exchanging its sequence with
another toehold. The set of toehold sequences then stays the same: a stray copy of a toehold
inside a long domain stays one, and only junctions, and the windows across them, change.

* :func:`clear_toehold_pairs` — after the deal: two toeholds side by side on a strand (the
  scheme's backward and helper strands ``dA uA tB``) form a junction no long domain can repair,
  and a pool this full holds pairs whose junction makes a run (``CAA|TTA``) or another toehold's
  window (``AAC|AAT`` holding ``AACAAT``). Exchanges clear them before the drawing starts.
* :func:`exchange_step` — a step of the local search on such a toehold: the exchange, among a
  few partners drawn, that lowers most the rule penalty of the domains sharing a strand with
  either toehold.
"""

from __future__ import annotations

import itertools

import numpy as np

from sequences.codes import revcomp
from sequences.design.drawing import EXCHANGE_TRIES
from sequences.rules.base import TOEHOLD

#: Rounds of :func:`clear_toehold_pairs` (each clears at least one bad pair or stops).
PAIR_ROUNDS = 200


def toehold_pairs(table) -> list[tuple[int, bool, int, bool]]:
    """Distinct junctions of two toeholds side by side on a strand, 5'->3': (left, left is a
    complement, right, right is a complement)."""
    out: dict[tuple[int, bool, int, bool], None] = {}
    for strand in table.strands:
        for (a, ac), (b, bc) in itertools.pairwise(strand):
            if table.kind[a] == TOEHOLD and table.kind[b] == TOEHOLD:
                out[(a, ac, b, bc)] = None
    return list(out)


def pair_faults(left: str, right: str, toeholds: set[str], max_run: int, max_weak_run: int) -> int:
    """Runs across the junction ``left|right`` longer than the rules allow (identical bases
    above ``max_run``, A/T above ``max_weak_run``) plus windows across it equal to a toehold in
    ``toeholds`` (top-strand pairs; a complement pair's windows read A/G/T and copy none).

    >>> pair_faults("CTCCAA", "TTACTC", set(), 3, 3)  # AATTA: a weak run of 5
    1
    >>> pair_faults("CTCCAC", "TTACTC", {"CACTTA"}, 3, 3)  # a window copies a toehold
    1
    """
    s, cut = left + right, len(left)
    faults = int(_run_across(s, cut, lambda x, y: x == y) > max_run)
    faults += int(_run_across(s, cut, lambda x, y: x in "AT" and y in "AT") > max_weak_run)
    n = min(len(t) for t in toeholds) if toeholds else 0
    faults += sum(s[p:p + n] in toeholds for p in range(max(0, cut - n + 1), cut)) if n else 0
    return faults


def _run_across(s: str, cut: int, joins) -> int:
    """Length of the run through ``s[cut - 1]`` and ``s[cut]`` (0 if ``joins`` does not join them)."""
    if not joins(s[cut - 1], s[cut]):
        return 0
    lo, hi = cut - 1, cut
    while lo > 0 and joins(s[lo - 1], s[lo]):
        lo -= 1
    while hi + 1 < len(s) and joins(s[hi], s[hi + 1]):
        hi += 1
    return hi - lo + 1


def _faults(table, pairs, toeholds, rules) -> list[int]:
    out = []
    for a, ac, b, bc in pairs:
        left, right = table.sequence(a), table.sequence(b)
        left, right = (revcomp(left) if ac else left), (revcomp(right) if bc else right)
        if ac and bc:  # a complement pair: its top-strand junction is b|a
            left, right = revcomp(right), revcomp(left)
        out.append(pair_faults(left, right, toeholds if not (ac or bc) else set(),
                               rules.max_run_nt, rules.max_weak_run_nt))
    return out


def clear_toehold_pairs(table, drawer, rules) -> int:
    """Exchange toehold sequences until no toehold|toehold junction has a fault
    (:func:`pair_faults`) or no exchange lowers their number; returns the faults left. Each round
    tries every exchange of a toehold of a faulty pair with every other toehold of its pool."""
    pairs = toehold_pairs(table)
    if not pairs:
        return 0
    toe_ids = np.flatnonzero(table.kind == TOEHOLD)
    toeholds = {table.sequence(int(t)) for t in toe_ids}
    faults = _faults(table, pairs, toeholds, rules)
    for _ in range(PAIR_ROUNDS):
        total = sum(faults)
        if total == 0:
            return 0
        best, best_total = None, total
        movers = sorted({d for k, f in enumerate(faults) if f for d in (pairs[k][0], pairs[k][2])})
        for i in movers:
            for j in drawer.exchange_partners(i):
                mine, theirs = table.get(i).copy(), table.get(j).copy()
                table.set(i, theirs)
                table.set(j, mine)
                t = sum(_faults(table, pairs, toeholds, rules))
                table.set(j, theirs)
                table.set(i, mine)
                if t < best_total:
                    best, best_total = (i, j), t
        if best is None:
            break
        i, j = best
        mine, theirs = table.get(i).copy(), table.get(j).copy()
        table.set(i, theirs)
        table.set(j, mine)
        faults = _faults(table, pairs, toeholds, rules)
    return sum(faults)


def set_domain(table, everything, i: int, new: np.ndarray) -> None:
    """Give domain ``i`` the codes ``new``, updating every rule's incremental state."""
    old = table.get(i).copy()
    table.set(i, new)
    for r in everything:
        r.update(table, i, old, new)


def _penalty(rule_set, table, i: int) -> float:
    codes = table.get(i)
    return sum(r.domain_penalty(table, i, codes) for r in rule_set)


def strand_mates(table) -> dict[int, set[int]]:
    """Domain -> the domains that share a strand with it (itself included), cached on ``table``."""
    cached = getattr(table, "_strand_mates", None)
    if cached is None:
        cached = {}
        for strand in table.strands:
            members = {d for d, _ in strand}
            for d in members:
                cached.setdefault(d, set()).update(members)
        table._strand_mates = cached
    return cached


def exchange_step(table, everything, rule_set, objectives, drawer, i: int, hard: np.ndarray,
                  soft: np.ndarray) -> bool:
    """Exchange toehold ``i``'s sequence with that of the partner (of up to ``EXCHANGE_TRIES`` drawn)
    that lowers most the summed rule penalty of the two toeholds and the domains sharing a strand
    with either (where the junctions and windows that change lie); keep it only if it lowers it.
    Updates ``hard``/``soft`` (rule penalty, objective cost per domain); True if kept."""
    partners, mates = drawer.exchange_partners(i), strand_mates(table)
    picks = drawer.rng.choice(partners, size=min(EXCHANGE_TRIES, len(partners)), replace=False).tolist()
    mine = table.get(i).copy()
    best, best_gain = None, 1e-9
    for j in picks:
        theirs = table.get(j).copy()
        if np.array_equal(theirs, mine):
            continue
        touched = sorted(mates.get(i, set()) | mates.get(j, set()) | {i, j})
        set_domain(table, everything, i, theirs)
        set_domain(table, everything, j, mine)
        gain = float(hard[touched].sum()) - sum(_penalty(rule_set, table, d) for d in touched)
        set_domain(table, everything, j, theirs)
        set_domain(table, everything, i, mine)
        if gain > best_gain:
            best, best_gain = j, gain
    if best is None:
        return False
    theirs = table.get(best).copy()
    set_domain(table, everything, i, theirs)
    set_domain(table, everything, best, mine)
    for d in mates.get(i, set()) | mates.get(best, set()) | {i, best}:
        hard[d] = _penalty(rule_set, table, d)
        soft[d] = _penalty(objectives, table, d)
    return True

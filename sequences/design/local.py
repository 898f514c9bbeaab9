"""The local search of the sequence design (step 3 of :mod:`sequences.design.search`): mutate the
domain with the largest penalty and keep what lowers it; with objectives, lower their cost while
no rule (and no objective optimised before) rises. A toehold of a passable subset moves by
exchanging sequences with another (:mod:`sequences.design.exchange`)."""

from __future__ import annotations

import time

import numpy as np

from sequences.design.budget import SearchBudget
from sequences.design.drawing import Drawer
from sequences.design.exchange import exchange_step
from sequences.rules import TOEHOLD, DomainTable, Rule


def total(rule_set: list[Rule], table: DomainTable) -> np.ndarray:
    return sum((r.penalties(table) for r in rule_set), np.zeros(len(table)))


def penalty(rule_set: list[Rule], objectives: list[Rule], table: DomainTable, i: int,
             codes: np.ndarray) -> tuple[float, float]:
    """(rule penalty, objective cost) of domain ``i`` with ``codes``."""
    return (sum(r.domain_penalty(table, i, codes) for r in rule_set),
            sum(r.domain_penalty(table, i, codes) for r in objectives))


def cost_below(objectives: list[Rule], table: DomainTable, i: int, codes: np.ndarray, bound: float) -> float:
    """Objective cost of domain ``i`` with ``codes``, exact when below ``bound`` (an objective with
    ``domain_penalty_below`` may stop folding once its partial sum reaches the bound)."""
    cost = 0.0
    for r in objectives:
        below = getattr(r, "domain_penalty_below", None)
        cost += below(table, i, codes, bound - cost) if below else r.domain_penalty(table, i, codes)
        if cost >= bound:
            break
    return cost


def keeps(rule_set: list[Rule], table: DomainTable, i: int, codes: np.ndarray, before: float) -> bool:
    """Whether domain ``i`` with ``codes`` has a summed penalty in ``rule_set`` of at most ``before``
    (from 0: no rule may rise, so the first that does ends the test)."""
    if before > 0:
        return penalty(rule_set, [], table, i, codes)[0] <= before
    return all(r.domain_penalty(table, i, codes) <= 0 for r in rule_set)


def local_search(table: DomainTable, rule_set: list[Rule], objectives: list[Rule], drawer: Drawer,
                  budget: SearchBudget, deadline: float, keep: list[Rule] = (),
                  max_steps: int | None = None, draws: int = 1, swap: bool = False) -> tuple[int, int]:
    """Mutate the worst mutable domain and keep improvements: with no objectives, lower the rule
    penalties; with objectives, lower their cost while neither the mutated domain's rule penalty
    nor its cost in the objectives ``keep`` (optimised before) rises; the objective is evaluated
    for the first of up to ``draws`` proposals that passes those tests. Returns (steps, accepted)."""
    keep = list(keep)
    everything = rule_set + keep + objectives
    hard = total(rule_set, table)
    soft = total(objectives, table)
    mutable = ~table.fixed
    use = soft if objectives else hard
    steps = accepted = 0
    if not (use[mutable] > 0).any():
        return steps, accepted
    for r in everything:
        r.start_incremental(table)
    fails = np.zeros(len(table), dtype=np.int64)
    # ties: long/history domains before toeholds (toeholds have few alternatives), then index
    tie = np.where(table.kind == TOEHOLD, 0.5, 0.0)
    max_steps = budget.local_steps if max_steps is None else max_steps
    while steps < max_steps and time.perf_counter() < deadline:
        use = soft if objectives else hard
        tries = budget.tries_per_domain if not objectives else budget.objective_tries
        score = np.where(mutable & (fails < tries) & (use > 0), use - 1e-3 * tie, -np.inf)
        i = int(np.argmax(score))
        if not np.isfinite(score[i]):
            break
        steps += 1
        if not objectives and table.kind[i] == TOEHOLD and drawer.exchange_partners(i):
            # a toehold of a passable subset changes by exchanging sequences with another one;
            # the partners drawn were all tried, so a failure waits for a neighbour to change
            kept = exchange_step(table, everything, rule_set, objectives, drawer, i, hard, soft)
            accepted, fails[i] = accepted + kept, 0 if kept else tries
            continue
        old = table.get(i).copy()
        hot = set().union(*(r.hot_positions(table, i) for r in everything))
        h0 = penalty(rule_set, [], table, i, old)[0]
        if not objectives:
            new = drawer.propose(i, hot, swap=swap)
            better = not np.array_equal(new, old) and penalty(rule_set, [], table, i, new)[0] < h0
        else:  # the objective (costly) is evaluated for the first of a few proposals that keeps every rule
            k0 = penalty(keep, [], table, i, old)[0] if keep else 0.0
            for _ in range(draws):
                new = drawer.propose(i, hot, swap=True)
                if (not np.array_equal(new, old) and keeps(rule_set, table, i, new, h0)
                        and (not keep or keeps(keep, table, i, new, k0))):
                    break
            else:
                fails[i] += 1
                continue
            bound = penalty([], objectives, table, i, old)[1] - 1e-9
            better = cost_below(objectives, table, i, new, bound) < bound
        if not better:
            fails[i] += 1
            continue
        accepted += 1
        touched: set[int] = set()
        for r in everything:
            touched |= r.neighbours(table, i, old, new)
        table.set(i, new)
        for r in everything:
            r.update(table, i, old, new)
        for r in everything:
            touched |= r.neighbours(table, i, old, new)
        touched.add(i)
        for j in touched:
            hard[j], soft[j] = penalty(rule_set, objectives, table, j, table.get(j))
            fails[j] = 0 if j != i else fails[j]
    return steps, accepted

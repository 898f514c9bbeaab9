"""The refinement's moves (``sequences.refine``): rule-keeping proposals for a domain, ranked by the
fold of the subject being repaired; toehold exchanges, alone or with the neighbours whose junctions
they break redrawn; the C swap that breaks an A·T stem; the kept costs and their budget
(:class:`KeptCosts`); and the acceptance score. Each takes the
:class:`sequences.rules.base.DomainTable` and the rules as they are and leaves the table as it
found it unless it says otherwise."""

from __future__ import annotations

import numpy as np

from sequences.codes import BASES, THREE_LETTER
from sequences.rules.base import TOEHOLD, DomainTable, Rule

#: Share of a three-letter long domain's proposals that move a C into its wrongly paired positions
#: (:func:`stem_break`).
STEM_BREAK = 0.5

#: With ``fold_draws`` > 1: a long or history domain with no rule-keeping proposal this many steps
#: in a row for a subject is not picked for it again until some mutation is accepted (a history
#: domain between two toeholds can have no clean sequence left: 39 of ``T_r7``'s 64 tries went to one).
STUCK_AFTER = 2


def is_stuck(entry: tuple[int, int] | None, accepted: int) -> bool:
    """Whether a (subject, domain) entry ``(accepted count then, misses in a row)`` had
    :data:`STUCK_AFTER` misses with no mutation accepted since.

    >>> is_stuck((5, 2), 5), is_stuck((5, 1), 5), is_stuck((4, 2), 5), is_stuck(None, 5)
    (True, False, False, False)
    """
    return entry is not None and entry[0] == accepted and entry[1] >= STUCK_AFTER


class KeptCosts:
    """The objectives a refinement keeps (``keep``, e.g. the crosstalk polish) and how far their
    summed cost may rise over the whole refinement (``budget``, same units; None: a mutated
    domain's cost may not rise at all), with the rise ``used`` so far.

    >>> class Cost:  # a domain's cost: its last code
    ...     def domain_penalty(self, table, i, codes):
    ...         return float(codes[-1])
    >>> from dsd.domains import DomainSystem
    >>> system = DomainSystem()
    >>> _ = system.add_domain("a", 4, "long")
    >>> t = DomainTable(system)                                  # a = AAAA
    >>> kept = KeptCosts([Cost()], 1.5)
    >>> kept.rise(t, 0, np.array([0, 0, 0, 1])), kept.fits(1.0), kept.fits(2.0)
    (1.0, True, False)
    >>> KeptCosts([Cost()], None).rise(t, 0, np.array([0, 0, 0, 1])) is None   # no budget: no rise
    True
    """

    def __init__(self, keep, budget: float | None) -> None:
        self.keep, self.budget, self.used = list(keep), budget, 0.0

    @property
    def budgeted(self) -> bool:
        return bool(self.keep) and self.budget is not None

    def rise(self, table: DomainTable, i: int, new: np.ndarray) -> float | None:
        """The kept costs' rise with ``new`` in place of domain ``i``; None if they rise where no
        budget allows it."""
        if not self.keep:
            return 0.0
        old = table.get(i)
        if self.budget is None:
            return 0.0 if keeps_cost(self.keep, table, i, old, new) else None
        return sum(r.domain_penalty(table, i, new) for r in self.keep) \
            - sum(r.domain_penalty(table, i, old) for r in self.keep)

    def fits(self, total: float) -> bool:
        """Whether a rise of ``total`` fits the budget left."""
        return not self.budgeted or self.used + total <= self.budget + 1e-9


def proposals(table: DomainTable, rule_set: list[Rule], drawer, i: int, hot: set[int], rng: np.random.Generator,
              kept: KeptCosts, draws: int, want: int, fresh: int = 0) -> list[tuple[np.ndarray, float]]:
    """Mutations of domain ``i`` that raise no sequence rule's penalty, each with the rise of the
    kept costs: of ``draws`` proposals (``Drawer.propose``, or :func:`stem_break` for half of a
    three-letter long domain's), the first ``want`` that keep the kept costs (with a budget: that
    fit the budget left; with ``want`` 1 the draw that raises them least, if it fits), and up to
    ``fresh`` fresh clean draws (``Drawer.clean_draws``) that do the same."""
    old = table.get(i).copy()
    rules_old = sum(r.domain_penalty(table, i, old) for r in rule_set)

    def rise(new: np.ndarray) -> float | None:
        """The kept costs' rise with ``new`` in place; None if a rule or (without a budget) a kept cost rises."""
        if sum(r.domain_penalty(table, i, new) for r in rule_set) > rules_old:
            return None
        return kept.rise(table, i, new)

    three = drawer.alphabets[i] == THREE_LETTER and table.kind[i] != TOEHOLD
    found: list[tuple[np.ndarray, float]] = []
    for _ in range(draws):
        new = stem_break(old, hot, rng) if three and rng.random() < STEM_BREAK else None
        new = drawer.propose(i, hot) if new is None else new
        up = None if np.array_equal(new, old) else rise(new)
        if up is None:
            continue
        if kept.budgeted and want == 1:  # one proposal: the draw that raises the kept costs least
            found = [(new, up)] if not found or up < found[0][1] else found
            if up <= 0:
                break
            continue
        if not kept.fits(up) or any(np.array_equal(new, f) for f, _ in found):
            continue
        found.append((new, up))
        if len(found) >= want:
            break
    if kept.budgeted and want == 1 and found and not kept.fits(found[0][1]):
        return []  # the least rise does not fit the budget left
    if fresh and hasattr(drawer, "clean_draws"):
        for new in drawer.clean_draws(i, fresh):
            up = rise(new)
            if up is not None and kept.fits(up):
                found.append((new, up))
    return found


def ranked(table: DomainTable, i: int, found: list[tuple[np.ndarray, float]],
           excess_of) -> list[tuple[np.ndarray, float]]:
    """The proposals ``found`` for domain ``i`` (each with its rise of the kept costs), least
    ``excess_of()`` first (the repaired subject's, folded with the proposal in place), ties to the
    smaller rise. The table is left as it was.

    >>> from dsd.domains import DomainSystem
    >>> system = DomainSystem()
    >>> _ = system.add_domain("a", 4, "long")
    >>> t = DomainTable(system)                        # a = AAAA
    >>> found = [(np.array([0, 1, 0, 1]), 0.5), (np.array([1, 1, 1, 1]), 0.5), (np.array([1, 1, 0, 0]), 0.2)]
    >>> order = ranked(t, 0, found, lambda: float(t.get(0).sum() % 3))  # excess 2, 1, 2
    >>> ["".join("ACGT"[b] for b in new) for new, _ in order], t.sequence(0)
    (['CCCC', 'CCAA', 'ACAC'], 'AAAA')
    """
    old = table.get(i).copy()
    scored = []
    for n, (new, up) in enumerate(found):
        table.set(i, new)
        scored.append((excess_of(), up, n))
    table.set(i, old)
    return [found[n] for _, _, n in sorted(scored)]


def exchange_toeholds(table: DomainTable, rule_set: list[Rule], i: int, rng: np.random.Generator, holders, excess,
                      evaluate, tries, k: int, partners: int = 1) -> int:
    """Exchange the sequences of toehold ``i`` and a random other toehold of its length: the set of
    toehold sequences stays the same, so no new stray toehold copy appears inside long domains
    (only across the junctions, which the rules test). Kept (returns 1) only if no sequence rule of
    the two rises and the summed excess of the subjects holding either drops. With ``partners`` > 1,
    of that many random partners whose exchange keeps the rules, the one whose exchange folds best
    in subject ``k``."""
    same = np.flatnonzero((table.kind == TOEHOLD) & (table.length == table.length[i]) & ~table.fixed)
    same = same[same != i]
    if not len(same):
        return 0

    def pen(j: int) -> float:
        return sum(r.domain_penalty(table, x, table.get(x)) for r in rule_set for x in (i, j))

    def put(x: int, old: np.ndarray, new: np.ndarray) -> None:
        table.set(x, new)
        for r in rule_set:
            r.update(table, x, old, new)

    def exchange(j: int) -> None:
        a, b = table.get(i).copy(), table.get(j).copy()
        put(i, a, b)
        put(j, b, a)

    if partners == 1:
        j = int(same[int(rng.integers(len(same)))])
        if np.array_equal(table.get(i), table.get(j)):
            return 0
    else:
        scored = []
        for j in rng.choice(same, size=min(partners, len(same)), replace=False).tolist():
            if np.array_equal(table.get(i), table.get(j)):
                continue
            before_rules = pen(j)
            exchange(j)
            if pen(j) <= before_rules:
                scored.append((evaluate(k)[0], j))
            exchange(j)
        if not scored:
            return 0
        j = min(scored)[1]
    before_rules = pen(j)
    exchange(j)
    affected = sorted(set(holders.get(i, [])) | set(holders.get(j, [])))
    if pen(j) <= before_rules:
        after_each = {x: evaluate(x)[0] for x in affected}
        if score(after_each.values()) < score(excess[x] for x in affected) - 1e-12:
            excess.update(after_each)
            for x in affected:
                tries[x] = 0 if x != k else tries[x]
            return 1
    exchange(j)
    return 0


def adjacent(table: DomainTable) -> dict[int, set[int]]:
    """Toehold -> the free long/history domains next to it in some strand (either side, top strand)."""
    out: dict[int, set[int]] = {}
    for strand in table.strands:
        for p, (x, comp) in enumerate(strand):
            if comp or table.kind[x] != TOEHOLD:
                continue
            for q in (p - 1, p + 1):
                if 0 <= q < len(strand) and not strand[q][1]:
                    y = strand[q][0]
                    if table.kind[y] != TOEHOLD and not table.fixed[y]:
                        out.setdefault(x, set()).add(y)
    return out


def exchange_and_redraw(table: DomainTable, rule_set: list[Rule], kept: KeptCosts, drawer, i: int,
                        rng: np.random.Generator, holders, excess, evaluate, tries, k: int, around: dict[int, set[int]],
                        partners: int) -> tuple[int, float]:
    """Exchange toehold ``i`` with another toehold of its length and give the long/history domains
    next to either whose junctions the exchange broke fresh clean draws (``Drawer.clean_draws``):
    where every strand is kept free of toehold copies, an exchange alone almost never keeps the
    junction rules. Of up to ``partners`` random partners, the one that folds best in subject ``k``
    among those whose changed domains' summed rule penalty does not rise and whose kept costs'
    rise fits ``kept``; kept only if the summed excess of every subject holding a changed domain
    drops. Returns (1 if kept, the kept costs' rise)."""
    same = np.flatnonzero((table.kind == TOEHOLD) & (table.length == table.length[i]) & ~table.fixed)
    same = same[same != i]
    if not len(same):
        return 0, 0.0

    def pen(x: int) -> float:
        return sum(r.domain_penalty(table, x, table.get(x)) for r in rule_set)

    def put(x: int, new: np.ndarray) -> np.ndarray:
        old = table.get(x).copy()
        table.set(x, new)
        for r in list(rule_set) + kept.keep:
            r.update(table, x, old, new)
        return old

    def undo(log: list[tuple[int, np.ndarray]]) -> None:
        for x, old in reversed(log):
            put(x, old)

    def attempt(j: int) -> tuple[list[tuple[int, np.ndarray]], float] | None:
        """Make the move with partner j; None (table as before) if it breaks a rule or the kept costs."""
        near = sorted(around.get(i, set()) | around.get(j, set()))
        changed = [i, j] + near
        before = sum(pen(x) for x in changed)
        a, b = table.get(i).copy(), table.get(j).copy()
        log = [(i, put(i, b)), (j, put(j, a))]
        rise = 0.0
        for n in near:
            if pen(n) == 0:
                continue
            draws = drawer.clean_draws(n, 1)
            up = kept.rise(table, n, draws[0]) if len(draws) else None
            if up is None:
                undo(log)
                return None
            rise += up
            log.append((n, put(n, draws[0])))
        if sum(pen(x) for x in changed) > before or not kept.fits(rise):
            undo(log)
            return None
        return log, rise

    best = None
    for j in rng.choice(same, size=min(partners, len(same)), replace=False).tolist():
        if np.array_equal(table.get(i), table.get(j)):
            continue
        made = attempt(j)
        if made is None:
            continue
        log, rise = made
        here = evaluate(k)[0]
        if best is None or here < best[0]:
            best = (here, [(x, table.get(x).copy()) for x, _ in log], log, rise)
        undo(log)
    if best is None:
        return 0, 0.0
    _, after, log, rise = best
    for x, new in after:
        put(x, new)
    affected = sorted({s for x, _ in after for s in holders.get(x, [])})
    after_each = {x: evaluate(x)[0] for x in affected}
    if score(after_each.values()) < score(excess[x] for x in affected) - 1e-12:
        excess.update(after_each)
        for x in affected:
            tries[x] = 0 if x != k else tries[x]
        return 1, rise
    undo(log)
    return 0, 0.0


def score(excesses) -> float:
    """What a mutation must lower over the subjects it touches: each failing subject counts 1 plus its
    excess, so a mutation that makes a passing subject fail must fix another, not only shave excess.

    >>> score([0.0, 0.2, 1.5])
    3.7
    """
    return sum(e + 1.0 for e in excesses if e > 0)


def keeps_cost(keep, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> bool:
    """Whether domain ``i``'s summed cost in the objectives ``keep`` does not rise from ``old`` to ``new``."""
    before = sum(r.domain_penalty(table, i, old) for r in keep) + 1e-9
    total = 0.0
    for r in keep:
        below = getattr(r, "domain_penalty_below", None)
        total += below(table, i, new, before - total) if below else r.domain_penalty(table, i, new)
        if total >= before:
            return False
    return True


def stem_break(old: np.ndarray, hot: set[int], rng: np.random.Generator) -> np.ndarray | None:
    """Swap a C of a three-letter domain (A/C/T) into one of its wrongly paired positions ``hot``,
    taking the A or T there to where the C was: the GC count stays, and in a strand of A/C/T (or its
    A/G/T complement) a C (G) pairs with nothing, so the stem through that position breaks. None if
    no hot position holds an A/T or no C sits outside the hot ones.

    >>> new = stem_break(np.array([0, 1, 3, 3, 0]), {3}, np.random.default_rng(0))  # ACTTA, T at 3 paired
    >>> "".join("ACGT"[b] for b in new)
    'ATTCA'
    """
    c = BASES.index("C")
    paired = [p for p in sorted(hot) if old[p] != c]
    spare = [p for p in np.flatnonzero(old == c).tolist() if p not in hot]
    if not paired or not spare:
        return None
    new = old.copy()
    a, b = paired[int(rng.integers(len(paired)))], spare[int(rng.integers(len(spare)))]
    new[a], new[b] = new[b], new[a]
    return new

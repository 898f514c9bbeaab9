"""The refinement's moves on a hand-made table: a toehold exchange that looks at several partners
takes the one that folds best in the subject it repairs, and keeps it only if the subjects of both
toeholds gain; an exchange whose junction breaks a rule is kept with the neighbour redrawn."""

import numpy as np

from dsd.domains import Complex, DomainSystem
from sequences.codes import encode
from sequences.refine_moves import KeptCosts, adjacent, exchange_and_redraw, exchange_toeholds
from sequences.rules.base import DomainTable

TOEHOLDS = {"a": "CTCCAA", "b": "TTACTC", "c": "CATCAA", "e": "AATCTC", "f": "CCATCC"}


def _table() -> DomainTable:
    system = DomainSystem()
    for name in TOEHOLDS:
        system.add_domain(name, 6, "toehold")
    table = DomainTable(system)
    for name, seq in TOEHOLDS.items():
        table.set(table.index[name], encode(seq))
    return table


def test_exchange_with_several_partners_takes_the_best_for_the_subject():
    # subject 0 holds "a" and passes only with e's sequence; subject 1 holds "e" and passes with any
    table = _table()
    a, e = table.index["a"], table.index["e"]
    holders = {a: [0], e: [1]}

    def evaluate(k):
        return (0.0 if k == 1 or table.sequence(a) == TOEHOLDS["e"] else 0.5), None

    for seed in range(5):
        t = _table()
        table.blocks = t.blocks
        excess, tries = {0: 0.5, 1: 0.0}, np.zeros(2, dtype=int)
        kept = exchange_toeholds(table, [], a, np.random.default_rng(seed), holders, excess, evaluate, tries, 0, partners=4)
        assert kept == 1 and excess == {0: 0.0, 1: 0.0}
        assert (table.sequence(a), table.sequence(e)) == (TOEHOLDS["e"], TOEHOLDS["a"])
    # one random partner finds it only by luck: some seed does not
    missed = 0
    for seed in range(5):
        table.blocks = _table().blocks
        excess, tries = {0: 0.5, 1: 0.0}, np.zeros(2, dtype=int)
        missed += exchange_toeholds(table, [], a, np.random.default_rng(seed), holders, excess, evaluate, tries, 0) == 0
    assert missed > 0


def test_exchange_that_fails_the_other_subject_is_undone():
    table = _table()
    a, e = table.index["a"], table.index["e"]
    holders = {a: [0], e: [1]}

    def evaluate(k):  # the exchange fixes subject 0 but fails subject 1 by more
        swapped = table.sequence(a) == TOEHOLDS["e"]
        return (0.0 if swapped else 0.5) if k == 0 else (0.9 if swapped else 0.0), None

    excess, tries = {0: 0.5, 1: 0.0}, np.zeros(2, dtype=int)
    assert exchange_toeholds(table, [], a, np.random.default_rng(0), holders, excess, evaluate, tries, 0, partners=4) == 0
    assert table.sequences() == TOEHOLDS and excess == {0: 0.5, 1: 0.0}


class _EndClash:
    """A junction rule for the test: in strand "x t", long domain x may not end with the base toehold
    t starts with; like the real junction rules it counts against both domains of the junction."""

    def __init__(self, right):
        self.right = right  # long domain -> the toehold after it
        self.left = {t: x for x, t in right.items()}

    def domain_penalty(self, table, i, codes):
        if i in self.right:
            return float(codes[-1] == table.get(self.right[i])[0])
        if i in self.left:
            return float(table.get(self.left[i])[-1] == codes[0])
        return 0.0

    def update(self, table, i, old, new):
        pass


class _LastBase:
    """A kept cost for the test: domain x's last base code (A 0 ... T 3)."""

    def __init__(self, x):
        self.x = x

    def domain_penalty(self, table, i, codes):
        return float(codes[-1]) if i == self.x else 0.0

    def update(self, table, i, old, new):
        pass


class _Drawer:
    def __init__(self, draws):
        self.draws = draws

    def clean_draws(self, i, n):
        return np.array(self.draws[:n], dtype=np.uint8).reshape(-1, 15)


def _system_with_a_long_domain():
    system = DomainSystem()
    for name in TOEHOLDS:
        system.add_domain(name, 6, "toehold")
    system.add_domain("x", 15, "long")
    system.add(Complex("S", "x a", "signal", 10.0))
    table = DomainTable(system)
    for name, seq in {**TOEHOLDS, "x": "CATCACTTACCTACA"}.items():
        table.set(table.index[name], encode(seq))
    return table


def test_exchange_whose_junction_breaks_a_rule_is_kept_with_the_neighbour_redrawn():
    # subject 0 holds "a" and passes only with e's sequence; e = AATCTC after x (ending in A) clashes,
    # so the plain exchange is refused and the move redraws x (a clean draw ending in C)
    table = _system_with_a_long_domain()
    a, e, x = (table.index[n] for n in ("a", "e", "x"))
    assert adjacent(table) == {a: {x}}
    rules = [_EndClash({x: a})]
    holders = {a: [0], e: [1], x: [2]}

    def evaluate(k):
        return (0.0 if k != 0 or table.sequence(a) == TOEHOLDS["e"] else 0.5), None

    excess, tries = {0: 0.5, 1: 0.0, 2: 0.0}, np.zeros(3, dtype=int)
    assert exchange_toeholds(table, rules, a, np.random.default_rng(0), holders, excess, evaluate, tries, 0,
                             partners=4) == 0  # the exchange with e clashes at x, the others do not help
    before = table.sequences()

    def move(draws, kept):
        return exchange_and_redraw(table, rules, kept, _Drawer(draws), a, np.random.default_rng(0), holders, excess,
                                   evaluate, tries, 0, adjacent(table), 4)

    assert move([], KeptCosts([], None)) == (0, 0.0) and table.sequences() == before  # no clean draw for x
    redraw = encode("CATCACTTACCTACC")  # ends in C: its kept cost rises from 0 (A) to 1
    assert move([redraw], KeptCosts([_LastBase(x)], None)) == (0, 0.0)  # no budget: no rise
    assert move([redraw], KeptCosts([_LastBase(x)], 0.5)) == (0, 0.0) and table.sequences() == before
    assert move([redraw], KeptCosts([_LastBase(x)], 2.0)) == (1, 1.0) and excess[0] == 0.0
    assert (table.sequence(a), table.sequence(e), table.sequence(x)) == (TOEHOLDS["e"], TOEHOLDS["a"],
                                                                          "CATCACTTACCTACC")
    assert rules[0].domain_penalty(table, x, table.get(x)) == 0.0

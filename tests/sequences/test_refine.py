"""The refinement's moves on a hand-made table: a toehold exchange that looks at several partners
takes the one that folds best in the subject it repairs, and keeps it only if the subjects of both
toeholds gain."""

import numpy as np

from dsd.domains import DomainSystem
from sequences.codes import encode
from sequences.refine_moves import exchange_toeholds
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

"""Toehold exchanges (sequences.design.exchange): toehold|toehold junctions cleared by exchanging
sequences, checked against a brute-force reading of the junction."""

import re

from dsd.domains import Complex, DomainSystem
from sequences.codes import decode, encode
from sequences.design.exchange import clear_toehold_pairs, pair_faults, toehold_pairs
from sequences.rules import DomainTable, SequenceRules


class _Partners:
    """The drawer's one method the exchange needs: every other toehold is a partner."""

    def __init__(self, table):
        self.table = table

    def exchange_partners(self, i):
        return [j for j in range(len(self.table)) if j != i and self.table.kind[j] == self.table.kind[i]
                and self.table.length[j] == self.table.length[i]]


def _brute_faults(left: str, right: str, toeholds: set[str]) -> int:
    s, cut = left + right, len(left)
    runs = [m.span() for m in re.finditer(r"A{4,}|C{4,}|T{4,}", s)] + [m.span() for m in re.finditer(r"[AT]{4,}", s)]
    crossing = sum(a < cut < b for a, b in runs)
    windows = sum(s[p:p + 6] in toeholds for p in range(cut - 5, cut))
    return crossing + windows


def test_pair_faults_match_brute_force():
    toeholds = {"CACTTA", "TCCAAT", "ACTTCA"}
    for left in ("CTCCAA", "CTCCAC", "TCATCA", "ACCCTT"):
        for right in ("TTACTC", "CACTCA", "ATCCAC", "CTTCAC"):
            assert pair_faults(left, right, toeholds, 3, 3) == _brute_faults(left, right, toeholds), (left, right)


def test_exchanges_clear_every_toehold_pair():
    system = DomainSystem()
    names = ["a", "b", "c", "e", "f"]
    for n in names:
        system.add_domain(n, 6, "toehold")
    system.add_domain("x", 15, "long")
    system.add(Complex("B1", "x a b", "helper", 10.0))  # two toehold|toehold junctions
    system.add(Complex("B2", "x c e", "helper", 10.0))
    system.add(Complex("S", "f x", "signal", 0.0))
    table = DomainTable(system)
    seqs = {"a": "CTCCAA", "b": "TTACTC", "c": "CATCAA", "e": "AATCTC", "f": "CCATCC", "x": "CACTCAATCACTACC"}
    for n, s in seqs.items():
        table.set(table.index[n], encode(s))
    pairs = toehold_pairs(table)
    assert len(pairs) == 2

    def faults():
        toes = {table.sequence(table.index[n]) for n in names}
        return [_brute_faults(table.sequence(a), table.sequence(b), toes) for a, _, b, _ in pairs]

    assert all(f > 0 for f in faults())  # both junctions start out with a weak run of 5
    left = clear_toehold_pairs(table, _Partners(table), SequenceRules())
    assert left == 0 and faults() == [0, 0]
    assert sorted(table.sequence(table.index[n]) for n in names) == sorted(seqs[n] for n in names)  # same set
    assert decode(table.get(table.index["x"])) == seqs["x"]

"""Nick overlaps (sequences.rules.nicks): where a dangle meets a helix at a nick, that a dangle
repeating the helix strand's first bases raises a fuel's ensemble defect (ViennaRNA), and the
toeholds two such domains both follow."""

import pytest

from crn.textformat import parse_crn
from dsd.domains import Complex, DomainSystem
from dsd.schemes import make_scheme
from dsd.translate import translate
from sequences.codes import encode
from sequences.rules import DomainTable
from sequences.rules.nicks import NickOverlap, nick_pairs, toeholds_before_nicks
from sequences.structure import kernel_to_target


def test_every_soloveichik_fuel_has_one_nick_pair_per_product_after_the_first():
    crn = parse_crn("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp + Z + W\nXn + Z -> Yn + W\nW -> Yn\n")
    system = translate(crn, make_scheme())
    fuels = [c for c in system.complexes if c.role == "fuel"]
    assert len(fuels) == 3
    for cx in system.complexes:
        pairs = nick_pairs(cx.kernel)
        if cx.role != "fuel":
            assert pairs == set(), cx.name
            continue
        assert len(pairs) == cx.kernel.count("+") - 1, cx.kernel
        assert all(side == 3 and d.startswith("d_") and g.startswith("r") for d, g, side in pairs)


def test_nick_pairs_of_gates_and_fuels():
    assert nick_pairs("g1( t1( d1 u1 + g2( t2( d2 u2 + g3( t3( d3 u3 + ) ) ) ) ) ) uA*") == {
        ("d1", "g2", 3), ("d2", "g3", 3)}
    assert nick_pairs("dA( uA( g1 t1 g2 t2 + ) ) tA*") == set()  # the tail leaves at a strand end
    assert nick_pairs("dA( uA( tB( + dB( uB( g1 t1 + ) ) ) ) ) tA*") == set()  # no dangle at the nick
    assert nick_pairs("x( + y( D + ) )") == set()  # y's helix continues x's on the same strand


def _fuel(d1: str, g2: str) -> tuple[list[str], str]:
    seqs = {"g1": "CACTCTAATTCC", "t1": "AATCAA", "d1": d1, "u1": "TACCCA",
            "g2": g2, "t2": "CTTCAC", "d2": "CATCTTACACACTTC", "u2": "CTACAT", "uA": "CCATTA"}
    return kernel_to_target("g1( t1( d1 u1 + g2( t2( d2 u2 + ) ) ) ) uA*", seqs)


def test_a_dangle_repeating_the_next_helix_start_raises_the_defect_by_viennarna():
    pytest.importorskip("RNA")
    from sequences.thermo import get_backend

    backend = get_backend("viennarna")
    g2 = "ACCATTCTCACT"
    same = "ACCACTTACATCTCT"   # begins with g2's first 4 bases
    other = "TCACCTTACATCTCT"  # begins otherwise
    assert backend.ensemble_defect(*_fuel(same, g2)) > backend.ensemble_defect(*_fuel(other, g2)) + 0.01


def _table():
    system = DomainSystem()
    for name, n, kind in (("g1", 12, "history"), ("t1", 6, "toehold"), ("d1", 15, "long"), ("u1", 6, "toehold"),
                          ("g2", 12, "history"), ("t2", 6, "toehold"), ("d2", 15, "long"), ("u2", 6, "toehold"),
                          ("uA", 6, "toehold"), ("dA", 15, "long")):
        system.add_domain(name, n, kind)
    system.add(Complex("T", "g1( t1( d1 u1 + g2( t2( d2 u2 + ) ) ) ) uA*", "fuel", 10.0))
    system.add(Complex("G", "dA( uA( g1 t1 g2 t2 + ) ) u2*", "gate", 10.0))
    table = DomainTable(system)
    for name, seq in (("g1", "CACTCTAATTCC"), ("t1", "AATCAA"), ("d1", "ACCACTTACATCTCT"), ("u1", "TACCCA"),
                      ("g2", "ACCATTCTCACT"), ("t2", "CTTCAC"), ("d2", "CATCTTACACACTTC"), ("u2", "CTACAT"),
                      ("uA", "CCATTA"), ("dA", "CTCATCACTTCACTA")):
        table.set(table.index[name], encode(seq))
    return system, table


def test_nick_overlap_counts_the_shared_bases_beyond_one():
    system, table = _table()
    rule = NickOverlap(system)
    rule.bind(table)
    d1, g2 = table.index["d1"], table.index["g2"]
    assert rule.pairs == [(d1, False, g2, False, 3)]
    assert rule.total(table) == 3  # ACCA shared: 4 bases, 3 beyond one
    assert rule.domain_penalty(table, d1, encode("TCACCTTACATCTCT")) == 0
    assert rule.domain_penalty(table, g2, encode("CACATTCTCACT")) == 0


def test_the_toehold_both_domains_follow_is_found():
    system, table = _table()
    rule = NickOverlap(system)
    rule.bind(table)
    # d1 follows t1 on the fuel's first top strand, g2 follows t1 on the gate's top strand
    assert toeholds_before_nicks(table, rule) == {table.index["t1"]: 1}

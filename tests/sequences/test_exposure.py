"""Complement strands are screened by their exposed domains only (sequences.exposure)."""

import pytest

from dsd.domains import Complex, DomainSystem
from sequences.exposure import expose, exposed_domains, exposed_sequence

pytest.importorskip("RNA")
from sequences.screen import ScreenStrand, run_screen  # noqa: E402

X = "ACCTCATTCCACTAC"  # 15 nt
T = "CATCTC"


def gate_system():
    s = DomainSystem()
    for name, n, kind in [("t", 6, "toehold"), ("x", 15, "long"), ("y", 15, "long")]:
        s.add_domain(name, n, kind)
    s.add(Complex("G", "x( + ) t*", "gate"))
    s.add(Complex("S", "y", "signal"))
    return s


def revcomp(seq):
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def test_a_domain_paired_in_every_complex_is_masked_and_an_exposed_one_kept():
    s = gate_system()
    assert exposed_domains(s)[("x*", "t*")] == {1}
    bottom = revcomp(X) + revcomp(T)
    assert exposed_sequence(("x*", "t*"), bottom, s) == "N" * 15 + revcomp(T)
    # a strand no complex holds is left whole
    assert exposed_sequence(("q",), "ACT", s) == "ACT"


def test_a_stray_match_to_a_sequestered_domain_is_not_screened_but_one_to_an_exposed_domain_is():
    s = gate_system()

    class Strand:
        def __init__(self, name, sequence, domains):
            self.name, self.sequence, self.domains = name, sequence, domains

    # signal y has x's sequence: it would pair with x* if x* were single-stranded, but x* sits in the gate
    every = [Strand("S", X, ("y",)), Strand("G_s2", revcomp(X) + revcomp(T), ("x*", "t*"))]
    masked = expose(s, every, {("y",)})
    assert masked[0].sequence == X and masked[1].sequence.startswith("N" * 15)
    lengths = {"t": 6, "x": 15, "y": 15}
    whole = run_screen([ScreenStrand(e.name, e.sequence, e.domains, e.domains == ("y",)) for e in every], lengths,
                       workers=1)
    part = run_screen([ScreenStrand(e.name, e.sequence, e.domains, e.domains == ("y",)) for e in masked], lengths,
                      workers=1)
    k = [tuple(p) for p in whole.pairs.tolist()].index((0, 1))
    assert whole.dG_kcal[k] < -15 and part.dG_kcal[k] > -5
    # the exposed toehold complement still counts: a signal carrying t's sequence binds it
    every[0] = Strand("S", "AAAAAA" + T + "AAA", ("y",))
    part = run_screen([ScreenStrand(e.name, e.sequence, e.domains, e.domains == ("y",))
                       for e in expose(s, every, {("y",)})], lengths, workers=1)
    assert part.dG_kcal[k] < -4


"""soloveichik2010: gate counts of the paper's figures, nucleotides as a published compiler counts
them, bisimulation of every shape (and of the reference CRNs' shapes), broken gates caught."""

from dataclasses import dataclass

import pytest

from crn.model import Reaction
from dsd.domains import DomainSystem
from dsd.pil import format_pil, parse_pil
from dsd.schemes import get_scheme
from dsd.schemes.soloveichik2010 import Soloveichik2010
from dsd.translate import translate
from dsd.verify import verify_crn, verify_reaction, verify_system

UNI = Reaction([("A", 1)], [("B", 1), ("C", 1)])
BI = Reaction([("A", 1), ("B", 1)], [("C", 1), ("D", 1)])


def module(scheme, reaction):
    """The tube for one reaction: the reactants' signal strands and the reaction's gates."""
    system = DomainSystem()
    for s, _ in reaction.reactants:
        scheme.signal(system, s)
    return system, scheme.gates(system, reaction, 0)


def test_unimolecular_has_a_two_strand_gate_and_a_three_strand_translator():
    _, gates = module(get_scheme("soloveichik2010"), UNI)
    assert [(c.role, len(c.strands)) for c in gates] == [("gate", 2), ("fuel", 3)]


def test_bimolecular_has_gate_l_backward_strand_and_translator():
    _, gates = module(get_scheme("soloveichik2010"), BI)
    assert [(c.role, len(c.strands)) for c in gates] == [("gate", 3), ("helper", 1), ("fuel", 3)]


def test_nucleotides_match_nuskell_at_5nt_toeholds():
    # Nuskell (Badelt et al. 2017) reports 250 nt and 340 nt for these two reactions under this
    # scheme: gates, fuels and the reactants' signal strands, 5-nt toeholds, 15-nt long domains.
    scheme = get_scheme("soloveichik2010", toehold_nt=5, long_nt=15, history_nt=15)
    assert module(scheme, UNI)[0].counts()["nucleotides"] == 250
    assert module(scheme, BI)[0].counts()["nucleotides"] == 340


def test_default_lengths():
    system, _ = module(get_scheme("soloveichik2010"), UNI)
    kinds = {(d.kind, d.length) for d in system.domains.values()}
    assert kinds == {("toehold", 6), ("long", 15), ("history", 15)}


SHAPES = [
    ([("A", 1)], [("B", 1)]),
    ([("A", 1)], [("B", 1), ("C", 1)]),
    ([("A", 1)], [("B", 2), ("C", 1)]),
    ([("A", 1)], []),
    ([("A", 1)], [("B", 4), ("C", 3), ("D", 1)]),
    ([("A", 1), ("B", 1)], [("C", 1)]),
    ([("A", 1), ("B", 1)], [("C", 1), ("D", 1)]),
    ([("A", 1), ("B", 1)], [("C", 2), ("D", 1), ("E", 1)]),
    ([("A", 1), ("B", 1)], []),
]


@pytest.mark.parametrize("reactants, products", SHAPES)
def test_shape_verifies(reactants, products):
    res = verify_reaction(Reaction(reactants, products), get_scheme("soloveichik2010"))
    assert res.passed, res.detail


def test_homo_bimolecular_verifies():
    res = verify_reaction(Reaction([("A", 2)], [("B", 1)]), get_scheme("soloveichik2010"))
    assert res.passed, res.detail


def test_three_reactants_are_rejected_naming_cardelli():
    with pytest.raises(ValueError, match=r"reaction 0 \(A \+ B \+ C -> D\) has 3: use the scheme cardelli2011_NM"):
        get_scheme("soloveichik2010").gates(DomainSystem(), Reaction([("A", 1), ("B", 1), ("C", 1)], [("D", 1)]), 0)


@dataclass(frozen=True)
class TranslatorMissingLastProduct(Soloveichik2010):
    """A broken scheme: the translator forgets the last product strand."""

    def _translator(self, system, index, products, toehold):
        return super()._translator(system, index, products[:-1], toehold)


@pytest.mark.parametrize("reaction", [UNI, BI, Reaction([("A", 1)], [("B", 2)])])
def test_missing_product_strand_fails_bisimulation(reaction):
    res = verify_reaction(reaction, TranslatorMissingLastProduct())
    assert not res.passed
    assert "no CRN bisimulation" in res.detail


def test_unknown_scheme_names_the_known_ones():
    with pytest.raises(ValueError, match="soloveichik2010"):
        get_scheme("nope")


def test_pil_round_trip_and_verify_system_names_a_tampered_reaction():
    from crn.textformat import parse_crn

    crn = parse_crn("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> 2 Yp + Z\nXn + Z -> Yn\n")
    scheme = get_scheme("soloveichik2010")
    system = translate(crn, scheme)
    text = format_pil(system, {"scheme": scheme.name}, "Xp -> 2 Yp + Z\n")
    back, header, crn_text = parse_pil(text, species_of_strands=scheme.species_of_strands)
    assert header == {"scheme": "soloveichik2010"} and crn_text == "Xp -> 2 Yp + Z\n"
    assert back.counts() == system.counts() and back.reaction_of == system.reaction_of
    assert back.species_of == system.species_of
    assert all(r.passed for r in verify_system(back, crn, scheme))

    good = next(c for c in system.complexes if c.name == "T_r1")
    bad_t1 = next(c for c in TranslatorMissingLastProduct().gates(DomainSystem(), crn.reactions[1], 1)
                  if c.name == "T_r1")
    broken = text.replace(f"T_r1 = {good.kernel}", f"T_r1 = {bad_t1.kernel}")
    assert broken != text
    bad, _, _ = parse_pil(broken, species_of_strands=scheme.species_of_strands)
    results = verify_system(bad, crn, scheme)
    failed = [r for r in results if not r.passed]
    assert len(failed) == 1 and failed[0].reactions == (1,) and "reaction 1" in failed[0].detail


@pytest.mark.slow
@pytest.mark.parametrize("name", ["iris-icml", "heart", "virus"])
def test_every_shape_of_the_reduced_reference_crns_verifies(name):
    from crn.compile import compile_network
    from crn.reduce import reduce_crn
    from reference_models import reference_network

    crn = reduce_crn(compile_network(reference_network(name)))
    results = verify_crn(crn, get_scheme("soloveichik2010"))
    assert all(r.passed for r in results), [r.detail for r in results if not r.passed]
    assert sorted(i for r in results for i in r.reactions) == list(range(len(crn.reactions)))


@pytest.mark.parametrize("toehold_nt, reaction", [(7, UNI), (7, BI), (8, Reaction([("A", 1)], [("B", 2)]))])
def test_longer_toeholds_verify(toehold_nt, reaction):
    # a 7- or 8-nt toehold opens slower than k_slow in Peppercorn's default model (-1.7 kcal/mol per
    # bp): without the scaled energy a bound input never leaves a gate and every shape failed
    res = verify_reaction(reaction, get_scheme("soloveichik2010", toehold_nt=toehold_nt))
    assert res.passed, res.detail


def test_longer_toeholds_still_catch_a_missing_product():
    res = verify_reaction(UNI, TranslatorMissingLastProduct(toehold_nt=7))
    assert not res.passed and "no CRN bisimulation" in res.detail

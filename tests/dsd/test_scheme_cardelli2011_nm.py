"""cardelli2011_NM: every reaction shape verifies under CRN bisimulation; a broken gate does not."""

from dataclasses import dataclass

import pytest

from crn.model import Reaction
from dsd.domains import DomainSystem
from dsd.schemes import get_scheme
from dsd.schemes.cardelli2011_nm import Cardelli2011NM
from dsd.verify import verify_reaction

SHAPES = [
    ([("A", 1)], [("B", 1)]),
    ([("A", 1)], [("B", 1), ("C", 1)]),
    ([("A", 1)], [("B", 2), ("C", 1)]),
    ([("A", 1)], []),
    ([("A", 1), ("B", 1)], [("C", 1)]),
    ([("A", 1), ("B", 1)], [("C", 1), ("D", 1)]),
    ([("A", 1), ("B", 1)], []),
    ([("A", 2)], [("B", 1)]),
    ([("A", 1), ("B", 1)], [("A", 1), ("C", 1)]),
]


@pytest.mark.parametrize("reactants, products", SHAPES)
def test_shape_verifies(reactants, products):
    res = verify_reaction(Reaction(reactants, products), get_scheme("cardelli2011_NM"))
    assert res.passed, res.detail


@dataclass(frozen=True)
class ForkMissingLastProduct(Cardelli2011NM):
    """The gate (and fuel) forget the last product strand."""

    def _outputs(self, system, index, products):
        return super()._outputs(system, index, products[:-1])


@pytest.mark.parametrize("products", [[("B", 1), ("C", 1)], [("B", 2)]])
def test_broken_fork_fails(products):
    res = verify_reaction(Reaction([("A", 1)], products), ForkMissingLastProduct())
    assert not res.passed


def test_no_reactants_is_rejected():
    with pytest.raises(ValueError, match="zero-order source, reaction 0 .*reservoir"):
        Cardelli2011NM().gates(DomainSystem(), Reaction([], [("B", 1)]), 0)


def test_signal_recognition():
    scheme = Cardelli2011NM()
    assert scheme.species_of_strands([("r3_g1", "t_X", "d_X")]) == "X"
    assert scheme.species_of_strands([("d_X", "t_Y")]) is None
    assert scheme.species_of_strands([("h", "t_X", "d_Y")]) is None
    assert scheme.species_of_strands([("h", "t_X", "d_X"), ("d_X*",)]) is None


def _counts(reaction):
    system = DomainSystem()
    made = Cardelli2011NM().gates(system, reaction, 0)
    return [(c.role, len(c.strands)) for c in made], system.counts()


def test_counts_fork():
    made, counts = _counts(Reaction([("A", 1)], [("B", 1), ("C", 1)]))
    # gate: input strand, two output strands, bottom; fuel; the gate's input strand, which only races
    # the fuel, is supplied like a fuel (role fuel, 1x; helpers that hold an input back are 10x)
    assert made == [("gate", 4), ("fuel", 1), ("fuel", 1)]
    # nt: dA r0_t 21 + two outputs 2*36 + bottom 69 + fuel 48
    assert counts == {"complexes": 3, "strands": 5, "domains": 9, "nucleotides": 210}


def test_counts_bimolecular():
    made, counts = _counts(Reaction([("A", 1), ("B", 1)], [("C", 1), ("D", 1)]))
    assert made == [("gate", 5), ("fuel", 1), ("helper", 1), ("fuel", 1)]
    # nt: input strands 2*21 + two outputs 2*36 + bottom 90 + fuel 48
    assert counts == {"complexes": 4, "strands": 6, "domains": 11, "nucleotides": 252}

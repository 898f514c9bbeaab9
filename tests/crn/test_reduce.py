from collections import Counter

import numpy as np
import pytest

from reference_models import reference_network
from crn.compile import compile_network
from crn.model import CRN, Reaction, Signal
from crn.reduce import add_cancellation, cancel_dual_rail, eliminate_unimolecular, limit_fanout, reduce_crn


def test_elimination_substitutes_products_and_moves_initial_concentration():
    crn = CRN(
        [Reaction(["X"], ["A", "B"]), Reaction(["A"], {"C": 2, "D": 1}), Reaction(["B", "E"], ["F"])],
        {"A": 0.5},
        inputs=[Signal("X", "X")],
    )
    out = eliminate_unimolecular(crn)
    assert out.reactions == (Reaction(["X"], {"B": 1, "C": 2, "D": 1}), Reaction(["B", "E"], ["F"]))
    assert out.init == {"C": 1.0, "D": 0.5}


def test_elimination_keeps_inputs_and_species_consumed_twice():
    crn = CRN(
        [Reaction(["X"], ["A"]), Reaction(["A"], ["C"]), Reaction(["A", "B"], ["D"])],
        inputs=[Signal("X", "X")],
    )
    assert eliminate_unimolecular(crn).reactions == crn.reactions


def test_cancellation_of_products_and_initial_concentrations():
    crn = CRN(
        [Reaction(["X"], {"Sp": 3, "Sn": 1, "T": 1})],
        {"Sp": 0.25, "Sn": 1.0},
        signals=[Signal("S", "Sp", "Sn")],
    )
    out = cancel_dual_rail(crn)
    assert out.reactions == (Reaction(["X"], {"Sp": 2, "T": 1}),)
    assert out.init == {"Sn": 0.75}


@pytest.mark.parametrize("name", ["iris-icml", "heart", "virus", "mnist14"])
def test_reduced_form_has_the_papers_shape(name):
    net = reference_network(name)
    reduced = reduce_crn(compile_network(net))
    inputs = reduced.input_species
    hidden_units = sum(net.dims[1:-1])
    uni = [r for r in reduced.reactions if r.order == 1]
    assert all(r.reactants[0][0] in inputs for r in uni)
    assert sum(r.order == 2 for r in reduced.reactions) == hidden_units
    for r in reduced.reactions:  # no reaction makes both rails of a pair
        prod = dict(r.products)
        assert not any(p in prod and m in prod for p, m in reduced.dual_rail_pairs)
    for p, m in reduced.dual_rail_pairs:
        assert min(reduced.init.get(p, 0.0), reduced.init.get(m, 0.0)) == 0.0


def _expanded_products(crn: CRN, reaction: Reaction, relays: set[str]) -> Counter:
    by_reactant = {r.reactants[0][0]: r for r in crn.reactions if r.order == 1}
    out: Counter = Counter()
    for s, n in reaction.products:
        if s in relays:
            for t, k in _expanded_products(crn, by_reactant[s], relays).items():
                out[t] += n * k
        else:
            out[s] += n
    return out


@pytest.mark.parametrize("k", [2, 3, 8])
def test_fanout_limit_bounds_products_and_keeps_totals(k):
    net = reference_network("iris-icml")
    reduced = reduce_crn(compile_network(net))
    limited = limit_fanout(reduced, k)
    assert limited.stats()["max_products"] <= k
    relays = set(limited.species) - set(reduced.species)
    assert all(s.startswith("F") for s in relays)
    originals = [r for r in limited.reactions if not any(s in relays for s, _ in r.reactants)]
    assert len(originals) == len(reduced.reactions)
    for before, after in zip(reduced.reactions, originals):
        assert before.reactants == after.reactants
        assert _expanded_products(limited, after, relays) == Counter(dict(before.products))


def test_add_cancellation_adds_one_reaction_per_pair_that_reduction_kept():
    crn = reduce_crn(compile_network(reference_network("heart")))
    out = add_cancellation(crn)
    kept = [(p, m) for p, m in crn.dual_rail_pairs if p in crn.species and m in crn.species]
    assert len(kept) < len(crn.dual_rail_pairs)  # reduction removed the hidden pre-activation rails
    assert len(out.reactions) == len(crn.reactions) + len(kept)
    assert not any(r.reactants[0][0].startswith("I1_") for r in out.reactions[len(crn.reactions):])
    assert Reaction(["Y0p", "Y0n"], ["W"]) in out.reactions
    with pytest.raises(ValueError, match="already used"):
        add_cancellation(out)


def _identical(a: CRN, b: CRN) -> None:
    """Same reactions in the same order, each side in the same order, same init (in order) and signals."""
    assert [(r.reactants, r.products, r.rate) for r in a.reactions] == \
        [(r.reactants, r.products, r.rate) for r in b.reactions]
    assert list(a.init.items()) == list(b.init.items())
    assert (a.inputs, a.outputs, a.signals) == (b.inputs, b.outputs, b.signals)


def _step_by_step(crn: CRN) -> CRN:
    from crn.reduce import prune_signals

    return prune_signals(cancel_dual_rail(eliminate_unimolecular(crn)))


@pytest.mark.parametrize("name", ["iris-icml", "heart", "mnist14"])
@pytest.mark.parametrize("encoding", ["dual", "shifted"])
def test_reduce_on_the_product_matrix_equals_the_passes_one_by_one(name, encoding):
    net = reference_network(name)
    crn = compile_network(net, inputs=encoding, input_low=-np.ones(net.dims[0]))
    _identical(reduce_crn(crn), _step_by_step(crn))
    _identical(reduce_crn(limit_fanout(crn, 2)), _step_by_step(limit_fanout(crn, 2)))


def test_reduce_cancels_without_elimination_and_keeps_product_order():
    crn = CRN(
        [Reaction(["X"], [("T", 1), ("Sn", 1), ("Sp", 3)]), Reaction(["Sp", "Sn"], ["W"])],
        {"Sp": 0.25, "Sn": 1.0},
        inputs=[Signal("X", "X")],
        signals=[Signal("S", "Sp", "Sn"), Signal("Q", "Qp", "Qn")],
    )
    out = reduce_crn(crn)
    _identical(out, _step_by_step(crn))
    assert out.reactions[0].products == (("T", 1), ("Sp", 2))
    assert out.init == {"Sn": 0.75} and [s.name for s in out.signals] == ["S"]


def test_relay_cycles_are_kept():
    crn = CRN([Reaction(["X"], ["A"]), Reaction(["A"], ["B"]), Reaction(["B"], ["A", "C"])], inputs=[Signal("X", "X")])
    _identical(reduce_crn(crn), crn)

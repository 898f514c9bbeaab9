"""Sizing: the firing bound holds for every input in the box and is tight where it can be."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crn.compile import compile_network
from crn.feedforward import fire_to_completion
from crn.reduce import reduce_crn
from crn.simulate import encode_inputs
from crn.textformat import parse_crn
from dsd.schemes import get_scheme
from dsd.sizing import complex_totals, firing_bounds, max_initial, size_reactions, sized_system
from dsd.translate import translate
from nn.network import Network


def test_fanout_bound_is_exact_and_min_bound_for_bimolecular():
    crn = parse_crn("input X = Xp - Xn\noutput Y = Yp - Yn\ninit B = 1.5\nXp -> 3 A\nA + B -> Yp\n")
    bound = firing_bounds(crn, max_initial(crn, [-1.0], [2.0]))
    assert bound.tolist() == [2.0, 1.5]  # Xp <= 2 fires twice; A <= 6 but B = 1.5


def test_concentrations_are_bound_times_safety_times_unit():
    crn = parse_crn("input X = Xp - Xn\noutput Y = Yp - Yn\ninit B = 1.5\nXp -> 3 A\nA + B -> Yp\n")
    sizing = size_reactions(crn, -1.0, 2.0, safety=2.0, unit_nM=10.0)
    system = sized_system(translate(crn, get_scheme("soloveichik2010")), crn, sizing)
    conc = {c.name: c.conc_nM for c in system.complexes}
    assert conc["G_r0"] == conc["T_r0"] == pytest.approx(40.0)
    assert conc["L_r1"] == conc["T_r1"] == pytest.approx(30.0)
    assert conc["B_r1"] == pytest.approx(300.0)  # backward strand in 10x excess (helper_excess)
    assert conc["S_B"] == pytest.approx(15.0) and conc["S_Xp"] == 0.0
    assert complex_totals(system)["gate"] == pytest.approx(70.0)


def test_bad_ranges_are_rejected():
    crn = parse_crn("input X = Xp - Xn\nXp -> A\n")
    with pytest.raises(ValueError, match="low"):
        size_reactions(crn, 1.0, -1.0)
    with pytest.raises(ValueError, match="safety"):
        size_reactions(crn, -1.0, 1.0, safety=0.5)


rng = np.random.default_rng(3)
NET = Network([rng.choice([-1.0, 1.0], (5, 4)), rng.choice([-1.0, 1.0], (4, 6)), rng.choice([-1.0, 1.0], (6, 3))],
              [rng.normal(size=4), rng.normal(size=6), rng.normal(size=3)])
REDUCED = reduce_crn(compile_network(NET))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-2.0, 2.0), min_size=5, max_size=5))
def test_no_input_in_the_box_fires_a_reaction_beyond_its_bound(x):
    bound = firing_bounds(REDUCED, max_initial(REDUCED, np.full(5, -2.0), np.full(5, 2.0)))
    _, extents = fire_to_completion(REDUCED, encode_inputs(REDUCED, np.array([x])))
    assert np.all(extents[0] <= bound + 1e-9)


def test_observed_extents_are_reported_and_checked_against_the_box():
    x = rng.uniform(-1, 1, (20, 5))
    sizing = size_reactions(REDUCED, -1.0, 1.0, examples=x)
    assert np.all(sizing.observed <= sizing.bound + 1e-9) and sizing.observed.max() > 0
    with pytest.raises(AssertionError, match="outside the box"):
        size_reactions(REDUCED, -0.1, 0.1, examples=x)

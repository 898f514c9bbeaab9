"""General CRNs at the formal level: the text format (a species both input and output, zero-order
sources), zero-order sources as reservoirs, and the firing of non-feed-forward CRNs."""

from __future__ import annotations

import numpy as np
import pytest

from crn.feedforward import NotFeedForward, reaction_order
from crn.simulate import simulate
from crn.sources import reservoir_form, zero_order
from crn.textformat import CRNSyntaxError, format_crn, parse_crn

AM = "input X\ninput Y\noutput X\noutput Y\noutput B\nX + Y -> 2 B\nX + B -> 2 X\nY + B -> 2 Y\n"


def test_a_species_may_be_input_and_output():
    crn = parse_crn(AM)
    assert [s.name for s in crn.inputs] == ["X", "Y"] and [s.name for s in crn.outputs] == ["X", "Y", "B"]
    assert crn.species == ("X", "Y", "B")
    assert parse_crn(format_crn(crn)) == crn  # round trip keeps both declarations


def test_an_output_redefining_an_input_name_is_still_refused():
    with pytest.raises(CRNSyntaxError, match="signal 'X' declared twice"):
        parse_crn("input X\noutput X = Xp - Xn\nX -> Xp\n")


def test_zero_order_source_parses_and_an_empty_left_side_without_0_does_not():
    crn = parse_crn("output A\n0 -> A @ 0.5\n")
    assert crn.reactions[0].reactants == () and crn.reactions[0].order == 0
    assert parse_crn(format_crn(crn)) == crn
    with pytest.raises(CRNSyntaxError, match="at least one reactant"):
        parse_crn("output A\n-> A\n")


def test_majority_is_not_feed_forward_and_simulates_to_the_majority():
    crn = parse_crn(AM)
    with pytest.raises(NotFeedForward, match="consumed by 2 reactions"):
        reaction_order(crn)
    out = simulate(crn, [[0.7, 0.3], [0.3, 0.7]], t_end=200).outputs
    np.testing.assert_allclose(out, [[1, 0, 0], [0, 1, 0]], atol=1e-4)


def test_zero_order_source_runs_at_its_rate_and_as_a_reservoir_nearly_so():
    crn = parse_crn("output A\n0 -> A @ 0.5\n")
    exact = simulate(crn, initial=[[0.0]], t_end=10, n_points=3).outputs[0, 0]
    assert exact == pytest.approx(5.0, rel=1e-6)
    res = reservoir_form(crn, horizon=10)
    assert zero_order(res) == [] and res.init == {"Res_r0": 50.0}
    assert res.reactions[0].rate == pytest.approx(0.01)
    made = simulate(res, initial=[[0.0, 50.0]], t_end=10, n_points=3).outputs[0, 0]
    # A = 50 (1 - exp(-0.1)): within 1/excess of the source over the horizon
    assert made == pytest.approx(50 * (1 - np.exp(-0.1)), rel=1e-6) and 0.9 * 5.0 < made < 5.0


def test_reservoir_form_leaves_a_crn_without_sources_as_it_is():
    crn = parse_crn(AM)
    assert reservoir_form(crn, horizon=10) is crn

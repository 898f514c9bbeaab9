"""The wet-lab protocol: annealing recipes, a mixing table that fills the reaction exactly, input
strands per example, and errors that name what does not fit."""

import random

import pytest

from crn.model import Signal
from crn.textformat import parse_crn
from dsd.wetlab.order import order_rows, order_warnings
from dsd.wetlab.protocol import (ComplexMix, ProtocolOptions, anneal_recipe, complexes_of, input_rows, mixing_table,
                          protocol_markdown)
from dsd.schemes import get_scheme
from dsd.sizing import size_reactions, sized_system
from dsd.translate import translate
from sequences.structure import strand_sequence

CRN_TEXT = "input X0 = X0p - X0n\noutput Y = Yp - Yn\ninit B = 1.5\nX0p -> 3 A + Yn\nA + B -> Yp\n"


def small_system(crn_text: str = CRN_TEXT):
    crn = parse_crn(crn_text)
    return sized_system(translate(crn, get_scheme("soloveichik2010")), crn, size_reactions(crn, -1.0, 2.0))


def strands_table(system, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    seqs = {d.name: "".join(rng.choice("ACGT") for _ in range(d.length)) for d in system.domains.values()}
    return [{"name": cx.name if len(cx.strands) == 1 else f"{cx.name}_s{k + 1}",
             "sequence": strand_sequence(strand, seqs), "role": cx.role, "domains": " ".join(strand),
             "complex": cx.name, "concentration_nM": cx.conc_nM}
            for cx in system.complexes for k, strand in enumerate(cx.strands)]


# one xdist worker runs this module (--dist loadgroup), so its module fixture is built once, not once per worker
pytestmark = pytest.mark.xdist_group("test_protocol")


@pytest.fixture(scope="module")
def table():
    return strands_table(small_system())


def by_name(complexes):
    return {cx.name: cx for cx in complexes}


def test_backbone_is_the_strand_paired_with_the_others(table):
    cxs = by_name(complexes_of(table))
    assert cxs["G_r0"].strands[cxs["G_r0"].backbone] == "G_r0_s2"  # uA* dA* tA*, not the longer top strand
    assert cxs["L_r1"].strands[cxs["L_r1"].backbone] == "L_r1_s3"
    assert cxs["T_r0"].strands[cxs["T_r0"].backbone] == f"T_r0_s{len(cxs['T_r0'].strands)}"
    assert not cxs["S_B"].annealed and cxs["S_B"].conc_nM == pytest.approx(15.0)
    longest = by_name(complexes_of(table, ProtocolOptions(backbone="longest")))["G_r0"]
    assert longest.strands[longest.backbone] == "G_r0_s1"


def test_system_and_strands_table_give_the_same_complexes(table):
    system = small_system()
    assert complexes_of(system) == complexes_of(table)


def test_anneal_recipe_has_top_strands_in_excess_and_fills_the_volume(table):
    cxs = by_name(complexes_of(table))
    recipe = anneal_recipe(cxs["L_r1"])
    assert recipe.conc_uM == 10.0 and recipe.volume_uL == 50.0
    vols = {r.component: r.volume_uL for r in recipe.rows}
    assert vols == pytest.approx({"L_r1_s3": 5.0, "L_r1_s1": 6.0, "L_r1_s2": 6.0, "10× buffer": 5.0, "water": 28.0})
    assert [r.role for r in recipe.rows[:3]] == ["backbone", "top", "top"]
    # a translator with 8 outputs: 1 + 8 x 1.2 = 10.6 stock volumes per backbone do not fit at 10 µM
    big = by_name(complexes_of(strands_table(small_system("input X0 = X0p - X0n\nX0p -> 8 A\n"))))["T_r0"]
    recipe = anneal_recipe(big)
    assert recipe.conc_uM == pytest.approx(8.4)  # 100 µM x 0.9 / 10.6 = 8.49, rounded down
    assert all(r.volume_uL > 0 for r in recipe.rows) and sum(r.volume_uL for r in recipe.rows) == pytest.approx(50.0)


def test_mixing_volumes_are_positive_and_fill_the_reaction(table):
    options = ProtocolOptions()
    cxs = complexes_of(table)
    rows = mixing_table(cxs, options)
    assert all(r.volume_uL > 0 for r in rows)
    assert sum(r.volume_uL for r in rows) == pytest.approx(100.0, abs=1e-9)
    added = {r.component: r for r in rows if r.final_nM is not None}
    assert set(added) == {cx.name for cx in cxs if cx.conc_nM > 0}
    for r in added.values():
        assert r.volume_uL >= options.min_volume_uL
        assert r.volume_uL * r.stock_uM * 1000 / 100.0 == pytest.approx(r.final_nM)  # conc = V_i * stock / V
    buffer = next(r for r in rows if r.role == "buffer").volume_uL
    in_buffer = sum(r.volume_uL for r in rows if r.in_buffer)
    assert (10 * buffer + in_buffer) / 100.0 == pytest.approx(1.0)  # the reaction ends up in 1x buffer
    assert added["G_r0"].stock_uM == pytest.approx(5.0) and "1:2" in added["G_r0"].note  # 40 nM: 0.4 µL of 10 µM
    small = mixing_table(cxs, ProtocolOptions(reaction_uL=20.0, input_uL=2.0))
    assert sum(r.volume_uL for r in small) == pytest.approx(20.0)


def test_too_concentrated_complex_is_rejected_naming_it(table):
    heavy = [dict(t, concentration_nM=200_000.0) if t["complex"] == "T_r1" else t for t in table]
    with pytest.raises(ValueError, match="T_r1"):
        mixing_table(complexes_of(heavy))
    single = [dict(t, concentration_nM=150_000.0) if t["complex"] == "S_B" else t for t in table]
    with pytest.raises(ValueError, match="S_B"):
        mixing_table(complexes_of(single))
    # each fits alone, not all together
    crowded = [dict(t, concentration_nM=2_500.0) if t["role"] != "signal" else t for t in table]
    with pytest.raises(ValueError, match="does not fit.*complex (G|T|L)_r"):
        protocol_markdown(crowded)


def test_input_strands_encode_the_example(table):
    cxs = complexes_of(table)
    rows = input_rows([1.5], cxs, unit_nM=10.0)
    assert [(r.component, r.final_nM) for r in rows] == [("S_X0p", 15.0), ("water", None)]
    assert rows[0].stock_uM == pytest.approx(2.0) and rows[0].volume_uL == pytest.approx(0.75)  # 1:50 of 100 µM
    assert sum(r.volume_uL for r in rows) == pytest.approx(10.0)
    rows = input_rows([-0.25], cxs, unit_nM=10.0)
    assert rows[0].component == "S_X0n" and rows[0].final_nM == pytest.approx(2.5)
    assert rows[0].volume_uL * rows[0].stock_uM * 1000 / 100.0 == pytest.approx(2.5)
    assert [r.component for r in input_rows([0.0], cxs, unit_nM=10.0)] == ["water"]
    with pytest.raises(ValueError, match="S_X1p"):  # a second input the system does not have
        input_rows([1.0, 2.0], cxs, unit_nM=10.0)
    with pytest.raises(ValueError, match="1 input values for 2 inputs"):
        input_rows([1.0], cxs, unit_nM=10.0, signals=[Signal("X0", "X0p", "X0n"), Signal("X1", "X1p", "X1n")])


def test_shifted_single_rail_input():
    cxs = [ComplexMix("S_X1", "signal", 0.0, ("S_X1",), (("h", "t", "d", "u"),), (42,))]
    rows = input_rows([-1.0], cxs, unit_nM=10.0, signals=[Signal("X1", "X1", None, 2.5)])
    assert rows[0].component == "S_X1" and rows[0].final_nM == pytest.approx(15.0)
    with pytest.raises(ValueError, match="X1"):
        input_rows([-3.0], cxs, unit_nM=10.0, signals=[Signal("X1", "X1", None, 2.5)])


def test_protocol_markdown_states_program_buffer_mix_and_inputs(table):
    order = order_rows(table)
    text = protocol_markdown(table, unit_nM=10.0, examples={"first": [1.5]}, order=order,
                             order_warnings=["oligo G too long"], title="small")
    for needed in ("# Wet-lab protocol: small", "95 °C for 3 min", "cool to 20 °C at 1 °C/min",
                   "1× TAE with 12.5 mM Mg²⁺", "### L_r1 (gate", "native (non-denaturing)",
                   "## 4. Mixing one 100 µL",
                   "| Component | Role | Oligo | Final (nM) | Stock (µM) | Volume (µL) | Stock preparation |",
                   "### first: x = [1.5]", "| S_X0p | S_X0p | X0 | 15 | 2 | 0.75 |", "`L_r1_s1`, `B_r1`",
                   "oligo G too long"):
        assert needed in text, needed
    assert "| B_r1 | helper | L_r1_s1 |" in text  # the helper comes from the shared oligo
    assert text.count("| total |") == 1 + sum(1 for cx in complexes_of(table) if cx.annealed) + 1
    excess = protocol_markdown(table, ProtocolOptions(purify="excess"))
    assert "Free in the reaction (nM)" in excess and "| G_r0 | G_r0_s1 | 8 |" in excess  # 0.2 x 40 nM


def test_options_are_validated():
    with pytest.raises(ValueError, match="input_uL"):
        ProtocolOptions(input_uL=100.0)
    with pytest.raises(ValueError, match="top_excess"):
        ProtocolOptions(top_excess=0.9)
    with pytest.raises(ValueError, match="purify"):
        ProtocolOptions(purify="hplc")
    assert order_warnings([]) == []

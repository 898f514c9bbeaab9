"""Reporter complexes: the layout reads the output signal strand (checked base by base on designed
sequences), dye and quencher codes sit on the facing ends, channels and read-out sets, concentrations
above the most output, order rows (HPLC, names), protocol sections, and Peppercorn's enumeration
showing that an output strand - and only an output strand - releases the quencher strand."""

import re
from itertools import product

import numpy as np
import pytest

from crn.feedforward import fire_to_completion
from crn.reduce import add_cancellation
from crn.simulate import encode_inputs
from crn.textformat import parse_crn
from dsd.domains import Complex, parse_kernel
from dsd.wetlab.order import OrderOptions, bases, modifications, oligo_of, order_rows, parse_strands_csv
from dsd.wetlab.protocol import ProtocolOptions, complexes_of, protocol_markdown
from dsd.wetlab.reporters import (DYES, ReporterOptions, output_max_nM, parse_domains_csv, plan_reporters, readout_markdown,
                           reporter_kernel, reporter_strands, reporter_warnings)
from dsd.schemes import get_scheme
from dsd.sizing import size_reactions, sized_system
from dsd.translate import translate
from sequences.design import design_sequences
from sequences.io import domains_csv, strands_csv
from sequences.rules import revcomp
from sequences.structure import kernel_dotparen, pair_table

CRN_TEXT = """input X = Xp - Xn
output Y = Yp - Yn
output Z = Zp - Zn
init Yn = 0.5
init B = 1
Xp -> 2 Yp + A
A + B -> Zn
Xn -> Yn + Zp
"""
SCHEMES = ("soloveichik2010", "cardelli2011_NM")
LOW, HIGH = -1.0, 2.0


# one xdist worker runs this module (--dist loadgroup), so its module fixture is built once, not once per worker
pytestmark = pytest.mark.xdist_group("test_reporters")


@pytest.fixture(scope="module", params=SCHEMES)
def built(request):
    """(scheme, crn, strands.csv rows, domain sequences, reporters, reporter strands) of a small
    circuit whose domains are designed (sequences.design) and read back from the CSV texts."""
    scheme = get_scheme(request.param)
    crn = parse_crn(CRN_TEXT)
    system = sized_system(translate(crn, scheme), crn, size_reactions(crn, LOW, HIGH))
    design = design_sequences(system, seed=0, checks=False)
    strands = parse_strands_csv(strands_csv(design))
    domains = parse_domains_csv(domains_csv(design))
    reporters = plan_reporters(crn, scheme, output_max_nM(crn, LOW, HIGH, unit_nM=10.0))
    return scheme, crn, strands, domains, reporters, reporter_strands(reporters, domains, strands)


def by_name(entries):
    return {e.name: e for e in entries}


def test_kernels_read_the_signal_as_the_scheme_gates_do():
    assert reporter_kernel(get_scheme("soloveichik2010"), "Y0p") == "d_Y0p( u_Y0p( + ) ) t_Y0p*"
    assert reporter_kernel(get_scheme("cardelli2011_NM"), "Y0p") == "d_Y0p( + ) t_Y0p*"
    quencher, fluorophore = parse_kernel(reporter_kernel(get_scheme("soloveichik2010"), "Y"))
    assert quencher == ("d_Y", "u_Y") and fluorophore == ("u_Y*", "d_Y*", "t_Y*")


def test_fluorophore_strand_is_the_exact_complement_of_every_output_strand(built):
    scheme, crn, strands, domains, reporters, extra = built
    rows = by_name(extra)
    checked = set()
    for r in reporters:
        fluor = bases(rows[r.fluorophore_strand].sequence)
        quencher = bases(rows[r.quencher_strand].sequence)
        t_nt = len(domains[f"t_{r.species}"])
        # every strand of the design that is this rail's signal (translator/gate outputs, bias strands)
        outputs = [e for e in strands if scheme.species_of_strands([e.domains]) == r.species]
        assert outputs or r.max_nM == 0
        for out in outputs:
            history_nt = len(domains[out.domains[0]])
            read = out.sequence[history_nt:]  # toehold + branch-migration region of the output strand
            assert revcomp(read) == fluor  # binds the exposed toehold, then all of the duplex
            assert read[t_nt:] == quencher  # the same sequence as the quencher strand: it displaces it
            checked.add(r.species)
        assert fluor[-t_nt:] == revcomp(domains[f"t_{r.species}"])  # exposed toehold at the 3' end
        assert quencher == revcomp(fluor[:-t_nt])  # the duplex is fully paired
        cal = rows[r.calibrant]
        assert cal.sequence == revcomp(fluor) and cal.role == "signal" and cal.concentration_nM == 0
    assert checked == {"Yp", "Yn", "Zp", "Zn"}


def test_dye_and_quencher_are_on_the_ends_that_face_each_other(built):
    _, _, _, domains, reporters, extra = built
    rows = by_name(extra)
    lengths = {name: len(seq) for name, seq in domains.items()}
    for r in reporters:
        fluor, quencher = rows[r.fluorophore_strand].sequence, rows[r.quencher_strand].sequence
        assert modifications(fluor) == (r.dye.code,) and fluor.startswith(r.dye.code)  # 5' dye
        assert modifications(quencher) == (r.dye.quencher_code,) and quencher.endswith(r.dye.quencher_code)  # 3'
        pairs = pair_table(kernel_dotparen(r.kernel, lengths))
        n_top = len(bases(quencher))
        assert pairs[n_top] == n_top - 1  # fluorophore strand's 5' base pairs with quencher strand's 3' base
        assert pairs[-1] == -1  # the fluorophore strand's 3' end is the exposed toehold
    quencher_of = {d.name: d.quencher_code for d in DYES.values()}
    assert quencher_of["FAM"] == quencher_of["HEX"] == "/3IABkFQ/"
    assert quencher_of["Cy5"] == quencher_of["TexasRed"] == "/3IAbRQSp/"
    assert DYES["FAM"].code == "/56-FAM/" and DYES["TexasRed"].code == "/5TexRd-XN/"


def test_channels_are_distinct_within_a_read_out_set_and_pairs_stay_together():
    crn = parse_crn("input X = Xp - Xn\noutput Y0 = Y0p - Y0n\noutput Y1 = Y1p - Y1n\noutput Y2 = Y2p - Y2n\n"
                    "Xp -> Y0p + Y1p + Y2p\nXn -> Y0n + Y1n + Y2n\n")
    scheme = get_scheme("soloveichik2010")
    most = output_max_nM(crn, LOW, HIGH)
    reps = plan_reporters(crn, scheme, most)
    assert [r.dye.name for r in reps] == ["FAM", "HEX", "TexasRed", "Cy5", "FAM", "HEX"]
    assert [r.read_set for r in reps] == [1, 1, 1, 1, 2, 2]
    assert [(r.name, r.rail) for r in reps[:2]] == [("Rep_Y0p", "+"), ("Rep_Y0n", "-")]
    five = plan_reporters(crn, scheme, most, ReporterOptions(dyes=("FAM", "HEX", "Cy3", "TexasRed", "Cy5")))
    assert [r.read_set for r in five] == [1, 1, 1, 1, 2, 2]  # Y2's rails are not split across sets
    one = plan_reporters(crn, scheme, most, ReporterOptions(dyes=("Cy5",)))
    assert [r.read_set for r in one] == [1, 2, 3, 4, 5, 6]
    text = readout_markdown(reps)
    assert "2 read-out sets" in text and "set 2: Rep_Y2p, Rep_Y2n" in text
    with pytest.raises(ValueError, match="'GFP'"):
        ReporterOptions(dyes=("FAM", "GFP"))
    with pytest.raises(ValueError, match="safety"):
        ReporterOptions(safety=0.5)


def test_most_output_is_exact_at_the_corners_and_reporters_exceed_it():
    crn = parse_crn(CRN_TEXT)
    most = output_max_nM(crn, LOW, HIGH, unit_nM=10.0)
    # by hand: Yp = 2 Xp <= 4; Yn = 0.5 + Xn <= 1.5; Zn = min(A, B) = min(Xp, 1) <= 1; Zp = Xn <= 1
    assert most == pytest.approx({"Yp": 40.0, "Yn": 15.0, "Zp": 10.0, "Zn": 10.0})
    # no input on a fine grid makes more (production = initial + what the producers make)
    x = np.linspace(LOW, HIGH, 301).reshape(-1, 1)
    initial = encode_inputs(crn, x)
    _, extents = fire_to_completion(crn, initial)
    made = {s: initial[:, crn.species.index(s)] + sum(n * extents[:, i] for i, r in enumerate(crn.reactions)
                                                      for p, n in r.products if p == s) for s in most}
    for s, value in most.items():
        assert made[s].max() * 10.0 == pytest.approx(value)
    # the interval bound (too many inputs for corners) is sound: never below the exact value
    loose = output_max_nM(crn, LOW, HIGH, unit_nM=10.0, max_corners=1)
    assert all(loose[s] >= most[s] - 1e-9 for s in most)
    reps = plan_reporters(crn, get_scheme("soloveichik2010"), most, ReporterOptions(safety=1.5))
    for r in reps:
        assert r.conc_nM >= 1.5 * most[r.species] and r.conc_nM <= 1.5 * most[r.species] * 1.1
    assert {r.species: r.conc_nM for r in reps} == {"Yp": 60.0, "Yn": 23.0, "Zp": 15.0, "Zn": 15.0}


def test_rails_never_made_get_no_reporter():
    crn = parse_crn("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp\n")
    most = output_max_nM(crn, 0.0, 1.0)
    assert most == {"Yp": 10.0, "Yn": 0.0}
    assert [r.species for r in plan_reporters(crn, get_scheme("soloveichik2010"), most)] == ["Yp"]


def test_order_rows_hplc_for_labelled_strands_and_names_stay_unique(built):
    _, _, strands, _, reporters, extra = built
    plain = {r.name: r for r in order_rows(strands)}
    rows = order_rows(list(strands) + extra)
    names = [r.name for r in rows]
    assert len(set(names)) == len(names) and max(map(len, names)) <= 30
    code = re.compile(r"(?:[ACGT]|/[A-Za-z0-9-]+/)+\Z")
    assert all(code.match(r.sequence) for r in rows)
    labelled = [r for r in rows if modifications(r.sequence)]
    assert len(labelled) == 2 * len(reporters)
    assert all(r.purification == "HPLC" and r.scale == "100nm" and r.roles == ("reporter",) for r in labelled)
    assert all(r.length_nt == len(bases(r.sequence)) <= 30 for r in labelled)
    cal = [r for r in rows if r.name.startswith("Cal_")]
    assert len(cal) == len(reporters) and all(r.purification == "STD" and r.scale == "25nm" for r in cal)
    for r in rows:  # the design's own oligos are ordered as before
        if r.name in plain:
            assert (r.sequence, r.scale, r.purification) == (plain[r.name].sequence, plain[r.name].scale,
                                                             plain[r.name].purification)
    assert OrderOptions(labelled_min_scale=None).scale(27, labelled=True) == "25nm"
    with pytest.raises(ValueError, match="labelled_min_scale"):
        OrderOptions(labelled_min_scale="1um")
    with pytest.raises(ValueError, match="already a strand"):
        reporter_strands(reporters, built[3], list(strands) + extra)


def test_protocol_anneals_mixes_and_reads_out_the_reporters(built):
    _, crn, strands, _, reporters, extra = built
    table = list(strands) + extra
    rows = order_rows(table)
    cxs = {cx.name: cx for cx in complexes_of(table)}
    for r in reporters:
        cx = cxs[r.name]
        assert cx.role == "reporter" and cx.conc_nM == r.conc_nM
        assert cx.strands[cx.backbone] == r.fluorophore_strand  # quencher strand in excess when annealing
    text = protocol_markdown(table, ProtocolOptions(reaction_uL=200.0), unit_nM=10.0, order=rows,
                             readout=readout_markdown(reporters, 10.0, oligo_of(rows)), title="small")
    for r in reporters:
        assert f"### {r.name} (reporter, {r.conc_nM:.4g} nM in the reaction)" in text
        assert f"| {r.fluorophore_strand} | {r.fluorophore_strand} | backbone | 1× |" in text
        assert f"| {r.quencher_strand} | {r.quencher_strand} | top | 1.2× |" in text
        assert f"| {r.name} | reporter | annealed | {r.conc_nM:.4g} |" in text
        assert f"| {r.output} | {r.species} ({r.rail}) | {r.name} | {r.dye.name} (" in text
    assert text.index("## 5. Inputs") < text.index("## 6. Read-out")
    for needed in ("are not purified", "F(Y+) - F(Y-)", "Calibration", "`Cal_Yp`",
                   "No reaction of the circuit consumes an output rail"):
        assert needed in text, needed
    assert "Cal_Yp" not in text.split("## 4.")[1].split("## 5.")[0]  # calibrants are not in the mix


def test_consumed_outputs_are_stated():
    crn = add_cancellation(parse_crn(CRN_TEXT))
    scheme = get_scheme("soloveichik2010")
    reps = plan_reporters(crn, scheme, {s: 10.0 for sig in crn.outputs for s in sig.species})
    assert all(r.consumed_by and r.cancellation_only for r in reps if r.output in ("Y", "Z"))
    assert reporter_warnings(reps) == []
    assert "cancellation removes Y+ and Y- in equal amounts" in readout_markdown(reps)
    fed = parse_crn(CRN_TEXT.replace("Xn -> Yn + Zp", "Xn -> Yn + Zp\nYp -> Q"))
    warned = plan_reporters(fed, scheme, output_max_nM(fed, LOW, HIGH))
    assert len(reporter_warnings(warned)) == 1 and "Yp" in reporter_warnings(warned)[0]
    assert "**Warning:**" in readout_markdown(warned)


@pytest.mark.parametrize("name", SCHEMES)
def test_peppercorn_only_an_output_strand_releases_the_quencher_strand(name):
    from dsd.verify import enumerate_system

    scheme = get_scheme(name)
    crn = parse_crn(CRN_TEXT)
    system = sized_system(translate(crn, scheme), crn, size_reactions(crn, LOW, HIGH))
    rails = [s for sig in crn.outputs for s in sig.species]
    kernels = {s: reporter_kernel(scheme, s) for s in rails}
    for s in rails:
        system.add(Complex(f"Rep_{s}", kernels[s], "reporter", 100.0))
    reactions, complexes = enumerate_system(system)
    domains_of = {n: [tuple(str(d) for d in strand) for strand in cx.strand_table] for n, cx in complexes.items()}
    opened = set()
    for reactants, products in reactions:
        rep = [x for x in reactants if x.startswith("Rep_")]
        if not rep:
            continue
        (rep,) = rep
        rail = rep[len("Rep_"):]
        (other,) = [x for x in reactants if x != rep]
        assert scheme.species_of_strands(domains_of[other]) == rail  # the rail's signal strand, nothing else
        quencher = [tuple(parse_kernel(kernels[rail])[0])]
        assert sorted(len(domains_of[p]) for p in products) == [1, 2]
        assert quencher in [domains_of[p] for p in products]  # the quencher strand is released
        opened.add(rail)
    # the input strands S_Xp and S_Xn (1 nM in the enumeration) make every output rail through the gates
    assert opened == {"Yp", "Yn", "Zp", "Zn"}

"""The DNA size of a system, stated once (dsd.wetlab.feasibility) and shown by ``dsd translate``, the build
(build.json, dsd.json), the report's "DNA size" section; and the gate-level stage skipping a system too big
to simulate, with its reason."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dsd.pipeline.stages_dna as stages_dna
from crn.textformat import parse_crn, read_crn
from dsd.pipeline.build import run_build
from dsd.pipeline.spec import parse_spec
from dsd.report.read import read_build
from dsd.report.sections import _oligos
from dsd.schemes import make_scheme
from dsd.translate import translate
from dsd.wetlab.feasibility import BUILT_SCALE_STRANDS, dna_size, feasibility_sentence, priced, system_oligos
from dsd.wetlab.order import OrderOptions
from dsd.wetlab.pricing import DEFAULT_PRICE_TABLE, order_cost

ROOT = Path(__file__).resolve().parents[2]
CRN_TEXT = "input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp + Z\nXn + Z -> Yn\n"


def test_sentence_says_within_reach_or_far_beyond_with_the_factor():
    small = feasibility_sentence(120, 6_000, 950.0)
    assert small.startswith("120 distinct strands (6,000 nt), about USD 950 to order: comparable")
    assert "Qian, Winfree & Bruck" in small and "Cherry & Qian" in small
    big = feasibility_sentence(250_000, 14_000_000, 3.1e6, "EUR")
    assert "far beyond what has been built" in big and "EUR 3,100,000" in big
    assert f"more than {250_000 // BUILT_SCALE_STRANDS} times" in big and "design study" in big
    assert "far beyond" not in feasibility_sentence(BUILT_SCALE_STRANDS, 1)
    assert "far beyond" in feasibility_sentence(BUILT_SCALE_STRANDS + 1, 1)


def test_dna_size_prices_every_distinct_strand_by_the_order_rules(tmp_path):
    crn_path = tmp_path / "c.txt"
    crn_path.write_text(CRN_TEXT)
    system = translate(read_crn(crn_path), make_scheme("soloveichik2010", 6, 15, 15))
    size = dna_size(system)
    counts = system.counts()
    assert (size["strands"], size["nucleotides"], size["complexes"]) == (
        counts["strands"], counts["nucleotides"], counts["complexes"])
    options, prices = OrderOptions(), DEFAULT_PRICE_TABLE
    expected = 0.0
    for strand in system.strands():  # by hand: per-nt price of its scale + its purification's per-oligo price
        n = system.strand_length(strand)
        roles = {cx.role for cx in system.complexes if strand in cx.strands}
        expected += n * prices["per_nt"][options.scale(n)] + prices["per_strand"][options.purification(n, roles)]
    assert size["cost"] == pytest.approx(expected) and size["cost"] > 0 and size["currency"] == "USD"
    assert len(system_oligos(system)) == counts["strands"]
    assert size["sentence"] == feasibility_sentence(size["strands"], size["nucleotides"], size["cost"], "USD")
    assert dna_size(system, {"per_strand": {"PAGE": 0.0, "STD": 0.0}})["cost"] < size["cost"]
    # the groups price again under another table exactly as the oligos themselves would
    euro = {"currency": "EUR", "per_nt": {"25nm": 1.0, "100nm": 2.0, "4nmU": 3.0}, "per_strand": {"PAGE": 7.0}}
    cost, currency, unpriced = priced(size["groups"], euro)
    assert (currency, unpriced) == ("EUR", 0) and cost == pytest.approx(order_cost(system_oligos(system), euro)["total"])
    assert priced([{"scale": "XYZ", "purification": "STD", "strands": 2, "nt": 80}]) == (0.0, "USD", 2)


def test_dna_size_groups_are_those_of_every_distinct_strand_counted_by_hand():
    """Strands shared between complexes of different roles (a signal strand also inside a gate and as a waste)
    are counted once, with the union of their roles; parsing kernels for it keeps none of them."""
    from dsd.domains import Complex

    crn = parse_crn("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> 3 A\nA -> Yp + Xn\nXn -> Yn\n")
    system = translate(crn, make_scheme("soloveichik2010", 6, 15, 15))
    signal = next(c for c in system.complexes if c.role == "signal")
    system.complexes.append(Complex.unchecked("W_extra", signal.kernel + " + " + signal.kernel, "waste"))
    options, by_hand = OrderOptions(), {}
    for strand in system.strands():
        n = system.strand_length(strand)
        roles = sorted({cx.role for cx in system.complexes if strand in cx.strands})
        g = by_hand.setdefault((options.scale(n), options.purification(n, roles)), [0, 0])
        g[0], g[1] = g[0] + 1, g[1] + n
    for cx in system.complexes:
        cx.__dict__.pop("strands", None)  # as translate leaves them: not parsed
    size = dna_size(system)
    assert {(g["scale"], g["purification"]): [g["strands"], g["nt"]] for g in size["groups"]} == by_hand
    assert size["strands"] == len(system.strands()) == sum(n for n, _ in by_hand.values())
    assert all("strands" not in cx.__dict__ for cx in system.complexes[:-1])
    assert size["longest_nt"] == max(system.strand_length(s) for s in system.strands())


def test_translate_prints_the_size_and_the_sentence(tmp_path):
    crn, pil, out = tmp_path / "c.txt", tmp_path / "c.pil", tmp_path / "t.json"
    crn.write_text(CRN_TEXT)
    proc = subprocess.run([sys.executable, "-m", "dsd.cli", "translate", str(crn), "--out", str(pil),
                           "--input-range", "-1", "1", "--json", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    size = json.loads(out.read_text())["dna_size"]
    line = next(l for l in proc.stdout.splitlines() if l.startswith("DNA size: "))
    assert line == f"DNA size: {size['sentence']}" and f"{size['strands']} distinct strands" in line


# one xdist worker runs this module (--dist loadgroup), so its module fixture is built once, not once per worker
pytestmark = pytest.mark.xdist_group("test_dna_size")


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory):
    """An iris build whose gate level is 'too big' (limit 10 complexes), with the report."""
    out = tmp_path_factory.mktemp("b") / "iris"
    spec = parse_spec({"name": "iris-size", "seed": 0, "dataset": "iris", "network": {"hidden": [4]},
                       "training": {"epochs": 20}, "crn": {"reduce": False, "fanout_limit": 4},
                       "simulation": {"examples": 10, "form": "reduced"}, "dsd": {"verify": False},
                       "sequences": {"enabled": False}})
    patch = pytest.MonkeyPatch()
    patch.setattr(stages_dna, "GATESIM_MAX_COMPLEXES", 10)
    patch.setattr(stages_dna, "FORM_COUNT_MAX_MOLECULES", 0)  # every form but the formal one is "too big" to count
    try:
        run_build(spec, out)
    finally:
        patch.undo()
    return out


def test_build_records_the_size_and_skips_a_gate_level_run_too_big(tiny_build):
    build = json.loads((tiny_build / "build.json").read_text())
    size = build["stages"]["translate"]["dna_size"]
    assert size == json.loads((tiny_build / "dsd.json").read_text())["dna_size"]
    assert size["strands"] == build["stages"]["translate"]["strands"]
    gatesim = build["stages"]["gatesim"]
    assert "not feasible" in gatesim["skipped"] and gatesim["complexes"] == size["complexes"] > 10
    assert not (tiny_build / "gatesim.json").exists()
    check = next(c for c in build["checks"] if c["check"] == "gate-level simulation")
    assert check["status"] == "warn" and check["value"].startswith("skipped: ")


def test_simulated_form_and_uncounted_forms_are_recorded(tiny_build):
    build = json.loads((tiny_build / "build.json").read_text())
    assert build["stages"]["simulate"]["form"] == "reduced" and build["stages"]["simulate"]["examples"] == 10
    assert any(c["check"] == "reduced CRN argmax equals the network on every simulated example" and c["pass"]
               for c in build["checks"])
    reduced = read_crn(tiny_build / "crn_reduced.txt")
    assert build["stages"]["crn"]["reduced_stats"] == reduced.stats()
    forms = json.loads((tiny_build / "dsd.json").read_text())["forms"]
    assert list(forms)[:3] == ["unreduced", "reduced", "formal"]
    assert "too big to translate" in forms["reduced"]["not_translated"] and "complexes" not in forms["unreduced"]
    size = json.loads((tiny_build / "dsd.json").read_text())["dna_size"]
    assert forms["formal"]["complexes"] == size["complexes"] and forms["formal"]["strands"] == size["strands"]


def test_report_states_the_size_as_the_build_recorded_it(tiny_build):
    text = (tiny_build / "report.html").read_text()
    section = re.search(r'<section id="dna_size">(.*?)</section>', text, re.S)
    assert section is not None, "no DNA size section"
    size = json.loads((tiny_build / "dsd.json").read_text())["dna_size"]
    body = section.group(1)
    assert f"{size['strands']:,}" in body and f"{size['nucleotides']:,} nt" in body and "USD" in body
    assert "comparable to the largest strand-displacement neural networks built" in body
    # the report's order estimate (its own reading of system.pil) prices the same strands at the same total
    oligos, source = _oligos(read_build(tiny_build))
    assert source.startswith("system.pil") and len(oligos) == size["strands"]
    assert sum(o.length_nt for o in oligos) == size["nucleotides"]

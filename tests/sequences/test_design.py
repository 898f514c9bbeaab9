"""The design search on a small system (a few reactions): determinism, every rule checked again
independently of the design code (ViennaRNA called directly, k-mers by brute force), the check
table, and the written files."""

import csv
import itertools
import os
import re
import statistics

import pytest

from crn.model import Reaction
from dsd.domains import DomainSystem
from dsd.schemes import get_scheme
from sequences.checks import CheckOptions, _Strand, flagged_pairs
from sequences.design import SearchBudget, design_sequences
from sequences.rules import SequenceRules
from sequences.io import write_design

RNA = pytest.importorskip("RNA")

REACTIONS = [
    Reaction([("A", 1)], [("B", 1), ("C", 1)]),
    Reaction([("A", 1), ("B", 1)], [("C", 1)]),
    Reaction([("C", 1)], [("D", 1)]),
]


def small_system() -> DomainSystem:
    scheme = get_scheme("soloveichik2010")
    system = DomainSystem()
    for species in ("A", "B"):
        scheme.signal(system, species, conc_nM=10.0)
    for i, reaction in enumerate(REACTIONS):
        for cx in scheme.gates(system, reaction, i, conc_nM=20.0):
            system.reaction_of[cx.name] = i
    return system


@pytest.fixture(scope="module")
def design():
    return design_sequences(small_system(), seed=0)


def revcomp(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def vienna_duplex_mfe(a: str, b: str) -> float:
    """MFE of the two-strand complex a+b, ViennaRNA DNA parameters, 25 °C, 1 M Na+ (no design code)."""
    RNA.params_load_DNA_Mathews2004()
    md = RNA.md()
    md.temperature = 25.0
    md.salt = 1.0
    md.dangles = 2
    md.noGU = 1
    _, energy = RNA.fold_compound(f"{a}&{b}", md).mfe()
    return energy


# --- determinism -----------------------------------------------------------------------------------


def test_same_seed_gives_identical_sequences():
    a = design_sequences(small_system(), seed=7, checks=False)
    b = design_sequences(small_system(), seed=7, checks=False)
    assert a.sequences == b.sequences


def test_different_seed_gives_different_sequences():
    a = design_sequences(small_system(), seed=7, checks=False)
    b = design_sequences(small_system(), seed=8, checks=False)
    assert a.sequences != b.sequences
    assert sum(a.sequences[d] != b.sequences[d] for d in a.sequences) > len(a.sequences) // 2


# --- every rule, checked independently ---------------------------------------------------------


def test_every_rule_and_check_holds_on_a_small_system(design):
    assert design.violations == []
    assert design.passed, design.failures()
    assert {c.check for c in design.checks} >= {"rule:unique_kmer", "strand_mfe", "complex_defect", "spurious_dG"}


def test_a_failing_spurious_row_fails_the_design_and_an_advisory_row_does_not(design):
    import copy

    from sequences.checks import Check

    assert design.passed, design.failures()
    for check, decides in (("spurious_dG", True), ("crosstalk_rate", False), ("toehold_occlusion", False)):
        failed = copy.copy(design)
        failed.checks = design.checks + [Check(check, "worst: made up", -9.0, -8.0, False)]
        assert failed.passed is (not decides), check


def test_toehold_duplex_dG_is_in_the_window_by_viennarna_directly(design):
    # the window's centre: median over every A/C/T toehold of 6 nt (DESIGN §5: -6.3 kcal/mol)
    median = statistics.median(vienna_duplex_mfe(w, revcomp(w)) for w in map("".join, itertools.product("ACT", repeat=6)))
    assert median == pytest.approx(-6.3, abs=0.1)
    toeholds = [d for d in design.system.domains.values() if d.kind == "toehold"]
    assert len(toeholds) >= 8
    for d in toeholds:
        seq = design.sequences[d.name]
        assert abs(vienna_duplex_mfe(seq, revcomp(seq)) - median) <= 0.5 + 1e-6, (d.name, seq)
    assert len({design.sequences[d.name] for d in toeholds}) == len(toeholds)  # the pool suffices: all distinct


def test_no_two_domains_share_a_kmer_by_brute_force(design):
    k = design.kmer_k
    assert k == 6  # a few reactions keep DESIGN §5's k
    kmers = {}
    for name, seq in design.sequences.items():
        kmers[name] = ({seq[i : i + k] for i in range(len(seq) - k + 1)},
                       {revcomp(seq)[i : i + k] for i in range(len(seq) - k + 1)})
    for x, y in itertools.combinations(kmers, 2):
        sense_x, _ = kmers[x]
        sense_y, anti_y = kmers[y]
        assert not sense_x & sense_y, (x, y, sense_x & sense_y)
        assert not sense_x & anti_y, (x, y, sense_x & anti_y)


def test_sequence_rules_hold_on_every_strand(design):
    records = design.strand_records()
    for rec in records:
        assert rec.sequence == "".join(design.sequences[d] if not d.endswith("*") else revcomp(design.sequences[d[:-1]])
                                       for d in rec.domains)
        assert not re.search(r"AAAA|CCCC|GGGG|TTTT", rec.sequence), rec  # also across domain junctions
        # weak runs of 4-5 only strictly inside a long/history domain (long_max_weak_run_nt 5); 3 elsewhere
        spans, start = [], 0
        for d in rec.domains:
            n = len(design.sequences[d.rstrip("*")])
            if design.system.domains[d.rstrip("*")].kind != "toehold":
                spans.append((start, start + n))
            start += n
        for run in re.finditer(r"[AT]{4,}", rec.sequence):
            assert run.end() - run.start() <= 5, rec
            assert any(a < run.start() and run.end() < b for a, b in spans), (rec, run)
    for d in design.system.domains.values():
        seq = design.sequences[d.name]
        assert set(seq) <= set("ACT"), d.name  # as written on signal strands
        if d.kind != "toehold":
            assert 0.30 <= (seq.count("C") + seq.count("G")) / len(seq) <= 0.43, d.name
    signal = [r for r in records if r.role == "signal"]
    assert signal and all(set(r.sequence) <= set("ACT") for r in signal)


def test_local_search_alone_repairs_every_rule(monkeypatch):
    # without toehold_copy (above OBJECTIVE_MAX) domains are drawn unscreened, so rules fail after drawing
    monkeypatch.setattr("sequences.design.search.OBJECTIVE_MAX", 0)
    d = design_sequences(small_system(), seed=3, budget=SearchBudget(repair_rounds=0), checks=False)
    assert d.violations == []
    assert d.stats["local_accepted"] > 0


def test_budget_end_reports_what_fails(monkeypatch):
    monkeypatch.setattr("sequences.design.search.OBJECTIVE_MAX", 0)  # unscreened drawing (see above)
    d = design_sequences(small_system(), seed=3, budget=SearchBudget(repair_rounds=0, local_steps=1), checks=False)
    assert d.violations
    assert d.stats["budget_exhausted"]
    assert sum(d.stats["violations_by_rule"].values()) == len(d.violations)
    assert set(d.failures()) == set(d.stats["violations_by_rule"])


def test_refinement_runs_with_a_rule_violation_left_and_adds_none():
    """A fixed domain breaks two rules for good (an A/T palindrome: runs, GC) and folds its helper;
    the refinement still works on the failing subjects, and no other domain gains a violation."""
    from dsd.domains import Complex

    from sequences.rules import SequenceRules

    s = DomainSystem()
    for name, n, kind in [("t", 6, "toehold"), ("x", 15, "long"), ("y", 15, "long"), ("u", 6, "toehold")]:
        s.add_domain(name, n, kind)
    s.add(Complex("H", "x y u t", "helper", 100.0))
    s.add(Complex("G", "x( y( + ) ) t*", "gate", 10.0))
    d = design_sequences(s, SequenceRules.from_dict({"fixed": {"x": "AATTAAATTTAATTA"}}), seed=0)
    assert {(v.rule, v.subject) for v in d.violations} == {("max_run", "x"), ("gc_window", "x")}
    assert d.stats["refine"]["steps"] > 0 and d.stats["refine"]["failing_before"] >= 1


# --- the check table ---------------------------------------------------------------------------------


def test_check_table_covers_every_strand_and_complex(design):
    folded = {c.subject for c in design.checks if c.check == "strand_mfe"}
    assert folded == {s.name for s in _distinct(design)}
    checked = {c.subject.split(" (")[0] for c in design.checks if c.check == "complex_defect"}
    assert checked == {cx.name for cx in design.system.complexes if cx.role in ("gate", "fuel", "helper")}
    assert all(c.value >= -2.0 for c in design.checks if c.check == "strand_mfe")
    assert all(c.value <= 0.05 for c in design.checks if c.check == "complex_defect")


def test_sampled_checks_say_so():
    d = design_sequences(small_system(), seed=0, checks=CheckOptions(max_strands=5, max_complexes=2,
                                                                     spurious_random=5))
    rows = [c for c in d.checks if c.subject.startswith("sampled")]
    assert {c.check for c in rows} == {"strand_mfe", "complex_defect"}
    assert len([c for c in d.checks if c.check == "complex_defect"]) == 3


def test_spurious_screen_flags_shared_kmers_but_not_designed_complements():
    x, y = "CATCCTACTCACTTC", "TTACCATCCTACAAC"  # share the 6-mer CATCCT... (ATCCTAC)
    strands = [_Strand("X", x, ("x",)), _Strand("Ystar", revcomp(y), ("y*",)), _Strand("Xstar", revcomp(x), ("x*",))]
    pairs, counts, _ = flagged_pairs(strands, {"x": 15, "y": 15}, 6)
    assert pairs.tolist() == [[0, 1]]  # X with y*: spurious; X with x*: designed, not flagged
    assert counts[0] >= 2


def _distinct(design):
    from sequences.checks import distinct_strands

    return distinct_strands(design)


# --- files ---------------------------------------------------------------------------------------------


def test_write_design_writes_the_four_tables_atomically(design, tmp_path):
    paths = write_design(design, tmp_path / "build")
    assert sorted(p.name for p in paths.values()) == ["checks.csv", "domains.csv", "occlusion.csv", "strands.csv"]
    assert not [f for f in os.listdir(tmp_path / "build") if f.endswith(".tmp")]
    with open(paths["domains.csv"]) as fh:
        domains = list(csv.DictReader(fh))
    assert list(domains[0]) == ["name", "kind", "length", "sequence", "gc", "dG_kcal"]
    assert {r["name"]: r["sequence"] for r in domains} == design.sequences
    for r in domains:
        assert float(r["gc"]) == pytest.approx(sum(b in "GC" for b in r["sequence"]) / len(r["sequence"]), abs=1e-3)
        assert (r["dG_kcal"] != "") == (r["kind"] == "toehold")
        if r["kind"] == "toehold":  # the toehold + complement duplex, independently folded
            RNA = pytest.importorskip("RNA")
            RNA.params_load_DNA_Mathews2004()
            md = RNA.md()
            md.temperature, md.salt, md.dangles, md.noGU = 25.0, 1.0, 2, 1
            dG = RNA.fold_compound(f"{r['sequence']}&{revcomp(r['sequence'])}", md).mfe()[1]
            assert float(r["dG_kcal"]) == pytest.approx(dG, abs=0.01)
    with open(paths["occlusion.csv"]) as fh:
        assert fh.readline().strip() == "site,toehold,strand,Kd_M"
    assert all(int(r["length"]) == len(r["sequence"]) for r in domains)
    with open(paths["strands.csv"]) as fh:
        strands = list(csv.DictReader(fh))
    assert list(strands[0]) == ["name", "sequence", "length", "role", "domains", "complex", "concentration_nM"]
    assert len({r["name"] for r in strands}) == len(strands) == sum(len(c.strands) for c in design.system.complexes)
    by_name = {r["name"]: r for r in strands}
    assert by_name["S_A"]["role"] == "signal" and by_name["S_A"]["concentration_nM"] == "10"
    assert by_name["G_r0_s2"]["domains"] == "u_A* d_A* t_A*"
    assert by_name["G_r0_s2"]["sequence"] == "".join(
        revcomp(design.sequences[d]) for d in ("u_A", "d_A", "t_A"))
    with open(paths["checks.csv"]) as fh:
        checks = list(csv.DictReader(fh))
    assert list(checks[0]) == ["check", "subject", "value", "threshold", "pass"]
    assert len(checks) == len(design.checks)
    assert {r["pass"] for r in checks} <= {"true", "false"}
    # a second write replaces the files in place
    write_design(design, tmp_path / "build")
    assert len(os.listdir(tmp_path / "build")) == 4


def _stray_copies(design) -> list[tuple[str, int]]:
    """Brute force (no design code): (strand, position) of every toehold-length window of a strand
    made only of top-strand domains, or of a one-strand complex, that equals some toehold's
    sequence away from a designed copy of that toehold."""
    seqs = design.sequences
    toeholds = {d.name: seqs[d.name] for d in design.system.domains.values() if d.kind == "toehold"}
    out = []
    for cx in design.system.complexes:
        for strand in cx.strands:
            if len(cx.strands) > 1 and any(d.endswith("*") for d in strand):
                continue
            starts, pos = {}, 0
            for d in strand:
                starts.setdefault(d.rstrip("*"), set()).add(pos) if not d.endswith("*") else None
                pos += len(seqs[d.rstrip("*")])
            text = "".join(seqs[d] if not d.endswith("*") else revcomp(seqs[d[:-1]]) for d in strand)
            for name, t in toeholds.items():
                out += [("/".join(strand), p) for p in range(len(text) - len(t) + 1)
                        if text[p:p + len(t)] == t and p not in starts.get(name, set())]
    return out


def test_occlusion_strands_all_keeps_every_single_strand_free_of_toehold_copies(monkeypatch):
    # as if the toeholds filled more than half their pool: "auto" holds the rule on one-strand
    # species only, "all" on every strand that is or becomes single-stranded
    monkeypatch.setattr("sequences.design.search.OCCLUSION_RULE_MAX_LOAD", 0.0)
    every = design_sequences(small_system(), SequenceRules(occlusion_strands="all"), seed=1, checks=False)
    assert every.violations == [] and _stray_copies(every) == []
    some = design_sequences(small_system(), SequenceRules(), seed=1, checks=False)  # "auto": an objective there
    assert some.violations == [] and len(_stray_copies(some)) > 0
    with pytest.raises(ValueError, match="sequences.occlusion_strands"):
        SequenceRules(occlusion_strands="some")


def test_refinement_fresh_draws_are_clean_by_brute_force(monkeypatch):
    """``Drawer.clean_draws`` (the refinement's fresh draws with ``occlusion_strands: all``): each
    draw, put in place of its domain, leaves no stray toehold copy in any single strand and shares
    no k-mer with another domain (both by brute force); draws are distinct and exist."""
    import sequences.design.search as search
    from sequences.codes import encode

    monkeypatch.setattr("sequences.design.search.OCCLUSION_RULE_MAX_LOAD", 0.0)
    monkeypatch.setattr("sequences.design.drawing.PASSABLE_LOAD", 0.0)  # a toehold subset, as in IRIS
    made = []

    class Recording(search.Drawer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(search, "Drawer", Recording)
    design = design_sequences(small_system(), SequenceRules(occlusion_strands="all"), seed=1, checks=False)
    assert design.violations == [] and _stray_copies(design) == []
    drawer, k = made[0], design.kmer_k
    table, drawn = drawer.table, 0
    for i, name in enumerate(table.names):
        draws = drawer.clean_draws(i, 4)
        assert len({tuple(c) for c in draws}) == len(draws) <= 4
        for cand in draws:
            seq = "".join("ACGT"[b] for b in cand)
            design.sequences = {**design.sequences, name: seq}
            assert _stray_copies(design) == [], (name, seq)
            for other, s in design.sequences.items():
                if other != name:
                    windows = {s[p:p + k] for p in range(len(s) - k + 1)} | \
                              {revcomp(s)[p:p + k] for p in range(len(s) - k + 1)}
                    assert not windows & {seq[p:p + k] for p in range(len(seq) - k + 1)}, (name, other)
            drawn += 1
        design.sequences = {**design.sequences, name: table.sequence(i)}
        assert (table.get(i) == encode(table.sequence(i))).all()
    assert drawn >= 8

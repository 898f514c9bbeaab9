"""The crosstalk estimate, the crosstalk and toehold-copy objectives, and toehold occlusion, each
checked against an independent computation (ViennaRNA called directly, definitions re-implemented)."""

import csv
import math

import numpy as np
import pytest

from dsd.domains import Complex, DomainSystem
from sequences.codes import encode
from sequences.crosstalk import NNModel
from sequences.design import design_sequences
from sequences.io import write_design
from sequences.occlusion import OcclusionModel, free_strands, occupancy
from sequences.rules import Crosstalk, DomainTable, ToeholdCopies
from sequences.thermo import get_backend

RNA = pytest.importorskip("RNA")
from vienna_reference import dna_model as vienna_md, revcomp  # noqa: E402




def random_domains(rng, n, c_count=5, length=15):
    out = []
    while len(out) < n:
        s = list("C" * c_count + "".join(rng.choice(list("AT"), length - c_count)))
        rng.shuffle(s)
        s = "".join(s)
        if "CCCC" in s or any(set(s[i:i + 4]) <= set("AT") for i in range(length - 3)):
            continue
        out.append(s)
    return out


def test_nn_estimate_tracks_vienna_crosstalk():
    rng = np.random.default_rng(1)
    doms = random_domains(rng, 30)
    est = NNModel.from_vienna().pair_matrix(np.stack([encode(d) for d in doms]), np.stack([encode(d) for d in doms]))
    md = vienna_md()
    a, v = [], []
    for i in range(30):
        for j in range(30):
            if i != j:
                a.append(est[i, j])
                v.append(RNA.fold_compound(f"{doms[i]}&{revcomp(doms[j])}", md).mfe()[1])
    a, v = np.array(a), np.array(v)
    rank = lambda x: np.argsort(np.argsort(x))  # noqa: E731
    spearman = np.corrcoef(rank(a), rank(v))[0, 1]
    assert spearman >= 0.8, spearman
    assert np.mean((a < -8) == (v < -8)) >= 0.85
    # a full duplex is far below any crosstalk
    full = NNModel.from_vienna().pair_matrix(encode(doms[0])[None], encode(doms[0])[None])[0, 0]
    assert full == pytest.approx(RNA.fold_compound(f"{doms[0]}&{revcomp(doms[0])}", md).mfe()[1], abs=2.5)


def toy_system() -> DomainSystem:
    """A gate exposing t*, a helper that carries t's sequence inside its long domain, a signal."""
    s = DomainSystem()
    for name, n, kind in [("t", 6, "toehold"), ("x", 15, "long"), ("y", 15, "long"), ("z", 15, "long"),
                          ("u", 6, "toehold")]:
        s.add_domain(name, n, kind)
    s.add(Complex("G", "x( y( + ) ) t*", "gate", conc_nM=100.0))
    s.add(Complex("H", "z u", "helper", conc_nM=1000.0))
    s.add(Complex("S", "t x", "signal", conc_nM=0.0))
    return s


def test_occlusion_sites_kd_and_occupancy_match_an_independent_computation(tmp_path):
    system = toy_system()
    seqs = {"t": "TCTACC", "u": "CAATCT", "x": "ACATCACTTACCACT", "y": "CTTCACATCTACCTA",
            "z": "ACTCTACCATCACAT"}  # z holds t (TCTACC) at 2; y at 7, released with x
    sites = OcclusionModel(get_backend("viennarna")).sites(system, seqs)
    strands = {f.name: f for f in free_strands(system)}
    assert set(strands) == {"H", "S", "G_s1"}  # G_s1 = "x y": top-strand domains only, released
    assert strands["H"].conc_nM == 1000.0 and strands["S"].conc_nM == 100.0  # an input: largest gate
    # independently: every window equal to t, outside t's own copy, with 3-nt flanks
    md = vienna_md()
    kT = 0.0019872 * 298.15
    expect = {}
    for name, f in strands.items():
        full = "".join(seqs[d] for d in f.domains)
        own = {sum(len(seqs[e]) for e in f.domains[:k]) for k, d in enumerate(f.domains) if d == "t"}
        for p in range(len(full) - 5):
            if full[p:p + 6] == seqs["t"] and p not in own:
                piece = full[max(0, p - 3):p + 9]
                g = lambda *ss: RNA.fold_compound("&".join(ss), md).pf()[1]  # noqa: E731
                dG = g(piece, revcomp(seqs["t"])) - g(piece) - g(revcomp(seqs["t"]))
                expect[(name, p)] = math.exp(dG / kT)
    got = {(s.strand, s.site): s.Kd_M for s in sites if s.toehold == "t"}
    assert set(got) == set(expect) == {("H", 2), ("G_s1", 22)}
    for key, kd in expect.items():
        assert got[key] == pytest.approx(kd, rel=0.05)
    occ = occupancy(sites, ["t", "u"])
    assert occ["t"] == pytest.approx(sum(strands[n].conc_nM * 1e-9 / kd for (n, _), kd in expect.items()), rel=0.05)
    assert occ["u"] == 0.0


def test_toehold_copy_objective_counts_what_the_occlusion_check_finds():
    system = toy_system()
    seqs = {"t": "TCTACC", "u": "CAATCT", "x": "ACATCACTTACCACT", "y": "CTTCACATCTACCTA",
            "z": "ACTCTACCATCACAT"}
    table = DomainTable(system)
    for name, seq in seqs.items():
        table.set(table.index[name], encode(seq))
    rule = ToeholdCopies(free_strands(system))
    rule.bind(table)
    found = rule.stray_windows(table)
    assert sorted((v.subject, v.detail.split(" at ")[1].split(" ")[0]) for v in found) == [("G_s1", "22"), ("H", "2")]
    pen = rule.penalties(table)
    rule.start_incremental(table)
    for i in range(len(table)):
        assert rule.domain_penalty(table, i, table.get(i)) == pytest.approx(pen[i])
    assert pen[table.index["z"]] > 0 and pen[table.index["t"]] > 0 and pen[table.index["x"]] == 0


def test_toehold_copy_screen_and_blame_see_junctions():
    system = toy_system()
    seqs = {"t": "TCTACC", "u": "CTACCA", "x": "TCATCACTTACCACT", "y": "CTTCACATCACCTAT",
            "z": "ACTCATACCATCACT"}  # helper H = z u: z's last T + u's CTACC = t, across the junction
    table = DomainTable(system)
    for name, seq in seqs.items():
        table.set(table.index[name], encode(seq))
    rule = ToeholdCopies(free_strands(system), weight=1.0)
    rule.bind(table)
    assert [(v.subject, v.detail.split(" ")[2]) for v in rule.violations(table)] == [("H", "14")]
    z, u = table.index["z"], table.index["u"]
    assert rule.blame(table)[u] and not rule.blame(table)[z]  # the long domain's last base alone cannot avoid it
    # the screen counts the junction window with the neighbour as it is: a z ending in A makes none
    cands = np.stack([encode("ACTCATACCATCACT"), encode("ACTCATACCATCACA"), encode("TCTACCACATCACAT")])
    assert rule.screen(table, z, cands).tolist() == [1.0, 0.0, 3.0]  # the last: t and u inside, t across
    assert rule.domain_penalty(table, z, table.get(z)) == 1.0
    assert rule.screen(table, u, np.stack([encode("ACATCA")])).tolist() == [0.0]


def test_designs_meet_toehold_copy_and_the_occlusion_check():
    d = design_sequences(toy_system(), seed=2)
    assert d.violations == [] and d.occlusion == []
    assert all(c.passed for c in d.checks if c.check == "toehold_occlusion")


def test_crosstalk_objective_is_incremental():
    rng = np.random.default_rng(3)
    system = DomainSystem()
    doms = random_domains(rng, 12, c_count=7)
    for k in range(12):
        system.add_domain(f"d{k}", 15, "long")
    system.add(Complex("S", " ".join(f"d{k}" for k in range(12)), "signal"))
    table = DomainTable(system)
    for k, d in enumerate(doms):
        table.set(k, encode(d))
    rule = Crosstalk(NNModel.from_vienna(), -7.0)
    rule.bind(table)
    full = rule.penalties(table)
    assert full.sum() > 0
    new = encode(random_domains(rng, 1, c_count=7)[0])
    predicted = rule.domain_penalty(table, 4, new)
    old = table.get(4).copy()
    table.set(4, new)
    rule.update(table, 4, old, new)
    assert rule.domain_penalty(table, 4, new) == pytest.approx(predicted)
    again = Crosstalk(NNModel.from_vienna(), -7.0)
    again.bind(table)
    assert again.penalties(table)[4] == pytest.approx(predicted)


def test_design_writes_gc_dG_and_occlusion_tables(tmp_path):
    system = toy_system()
    d = design_sequences(system, seed=2)
    paths = write_design(d, tmp_path)
    rows = list(csv.DictReader(open(paths["occlusion.csv"])))
    assert len(rows) == len(d.occlusion)
    assert all(set(r) == {"site", "toehold", "strand", "Kd_M"} for r in rows)
    checks = {c.check for c in d.checks}
    assert {"crosstalk_rate", "toehold_occlusion"} <= checks and "kmer_k" not in checks


def test_exact_toehold_sites_equal_a_brute_force_scan():
    """sequences.occlusion.candidate_sites (code-table lookup) against every window compared by hand,
    with a reused toehold sequence and a designed copy that must be left out."""
    import random

    from sequences.occlusion import FreeStrand, candidate_sites

    rng = random.Random(3)
    seqs = {f"L{k}": "".join(rng.choice("ACT") for _ in range(15)) for k in range(30)}
    seqs.update({"t0": "ACTTCA", "t1": "CCATTC", "t2": "ACTTCA"})  # t2 reuses t0's sequence
    strands = []
    for k in range(40):
        doms = tuple(rng.sample(sorted(seqs), 4))
        strands.append(FreeStrand(f"S{k}", doms, 10.0))
    strands.append(FreeStrand("own", ("L0", "t0", "L1"), 10.0))
    toeholds = {t: seqs[t] for t in ("t0", "t1", "t2")}
    want = []
    for si, s in enumerate(strands):
        full = "".join(seqs[d] for d in s.domains)
        starts = [sum(len(seqs[d]) for d in s.domains[:k]) for k in range(len(s.domains))]
        for p in range(len(full) - 5):
            for t, ts in toeholds.items():
                own = {starts[k] for k, d in enumerate(s.domains) if d == t}
                if full[p:p + 6] == ts and p not in own:
                    want.append((si, t, p))
    got = candidate_sites(strands, toeholds, seqs)
    assert sorted(got) == sorted(want) and len(want) > 5
    assert (len(strands) - 1, "t0", 15) not in got and (len(strands) - 1, "t2", 15) in got
    # a cap keeps the first sites in strand order (the check then reports lower bounds)
    assert candidate_sites(strands, toeholds, seqs, max_sites=3) == got[:3]

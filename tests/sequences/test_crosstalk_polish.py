"""The ViennaRNA crosstalk polish (sequences.crosstalk.ViennaDuplex, sequences.rules.crosstalk.
ViennaCrosstalk) and the relaxed weak-run rule inside long/history domains, measured against
ViennaRNA's cofold MFE of a + b* computed here (tests/vienna_reference.py)."""

import math
import re

import numpy as np
import pytest

from dsd.domains import Complex, DomainSystem
from sequences.codes import encode
from sequences.crosstalk import NNModel
from sequences.design import SearchBudget, design_sequences
from sequences.design.drawing import sample_domains
from sequences.rules import DomainTable, MaxRun, SequenceRules

RNA = pytest.importorskip("RNA")
from sequences.crosstalk import ViennaDuplex  # noqa: E402
from sequences.rules.crosstalk import ViennaCrosstalk  # noqa: E402
from vienna_reference import dna_model, revcomp  # noqa: E402

LOW_CROSSTALK = dict(gc_min=0.28, gc_max=0.375, long_max_weak_run_nt=5)


def random_domains(rng, n, c_count=5, length=15):
    out = []
    while len(out) < n:
        s = list("C" * c_count + "".join(rng.choice(list("AT"), length - c_count)))
        rng.shuffle(s)
        s = "".join(s)
        if not re.search("AAAA|TTTT|CCCC|[AT]{6}", s):
            out.append(s)
    return out


def cofold(a: str, b: str, md) -> float:
    return RNA.fold_compound(f"{a}&{revcomp(b)}", md).mfe()[1]


def test_vienna_duplex_agrees_with_cofold_and_names_the_paired_bases():
    rng = np.random.default_rng(5)
    doms = random_domains(rng, 16)
    pairs = [(a, b) for a in doms[:8] for b in doms[8:]]
    md = dna_model()
    before = RNA.cvar.temperature
    duplex = ViennaDuplex(25.0, 1.0)
    got = duplex.energies(pairs)
    ref = np.array([cofold(a, b, md) for a, b in pairs])
    assert RNA.cvar.temperature == before  # global settings restored
    assert duplex.calls == len(pairs)
    assert np.all((got < -8) == (ref < -8))
    assert np.mean(np.abs(got - ref)) < 0.1 and np.max(np.abs(got - ref)) < 1.0
    strongest = int(np.argmin(got))
    a, b = pairs[strongest]
    in_a, in_b = duplex.paired(a, b)
    assert len(in_a) == len(in_b) >= 4
    # a pairs b* where a and b hold the same base, in the same 5'->3' order
    assert "".join(a[p] for p in sorted(in_a)) == "".join(b[q] for q in sorted(in_b))


def long_table(doms):
    system = DomainSystem()
    for k in range(len(doms)):
        system.add_domain(f"d{k}", len(doms[k]), "long")
    system.add(Complex("S", " ".join(f"d{k}" for k in range(len(doms))), "signal"))
    table = DomainTable(system)
    for k, d in enumerate(doms):
        table.set(k, encode(d))
    return table


def test_vienna_crosstalk_matrix_is_vienna_and_incremental():
    rng = np.random.default_rng(7)
    doms = random_domains(rng, 10, c_count=6)
    table = long_table(doms)
    rule = ViennaCrosstalk(NNModel.from_vienna(), ViennaDuplex(), cutoff_kcal=-7.5, prefilter_kcal=0.0)
    rule.bind(table)
    pen = rule.penalties(table)
    md = dna_model()
    ref = np.array([[cofold(a, b, md) if a != b else 0.0 for b in doms] for a in doms])
    assert np.all((rule.G < -8) == (ref < -8))
    expected = np.maximum(0, -7.5 - np.minimum(ref, 0)) * ~np.eye(len(doms), dtype=bool)
    assert pen == pytest.approx(expected.sum(axis=1) + expected.sum(axis=0), abs=0.5)
    calls = rule.duplex.calls
    rule.start_incremental(table)  # the same table: the matrix is kept, nothing folded again
    assert rule.duplex.calls == calls
    new = encode(random_domains(rng, 1, c_count=6)[0])
    predicted = rule.domain_penalty(table, 3, new)
    old = table.get(3).copy()
    table.set(3, new)
    rule.update(table, 3, old, new)
    assert rule.domain_penalty(table, 3, new) == pytest.approx(predicted)
    again = ViennaCrosstalk(NNModel.from_vienna(), ViennaDuplex(), cutoff_kcal=-7.5, prefilter_kcal=0.0)
    again.bind(table)
    assert again.penalties(table)[3] == pytest.approx(predicted)


def test_long_domains_may_hold_longer_weak_runs_away_from_their_ends():
    system = DomainSystem()
    for name, n, kind in [("t", 6, "toehold"), ("x", 15, "long"), ("y", 15, "long"), ("z", 15, "long")]:
        system.add_domain(name, n, kind)
    system.add(Complex("S", "t x y z", "signal"))
    table = DomainTable(system)
    seqs = {"t": "AATTAC", "x": "CAATTACCACTCACC", "y": "CAATTTACACTCACC", "z": "AAATCCACATCACAC"}
    for name, seq in seqs.items():
        table.set(table.index[name], encode(seq))
    relaxed = MaxRun(3, 3, long_weak_run_nt=5, long_kinds=("long", "history"))
    strict = MaxRun(3, 3)
    for rule in (relaxed, strict):
        rule.bind(table)
    pen = dict(zip(table.names, relaxed.penalties(table)))
    assert pen["x"] == 0  # a run of 5 A/T inside a long domain
    assert pen["y"] > 0 and pen["z"] > 0  # a run of 6; a run of 4 at an end
    assert pen["t"] > 0  # toeholds keep 3
    assert dict(zip(table.names, strict.penalties(table)))["x"] > 0
    assert relaxed.domain_penalty(table, table.index["x"], encode(seqs["y"])) > 0
    assert any("a run of 6 A/T" in v.detail for v in relaxed.violations(table))


def test_drawn_long_domains_meet_the_relaxed_rule_and_it_is_validated():
    rules = SequenceRules(**LOW_CROSSTALK)
    draws = ["".join("ACGT"[b] for b in row)
             for row in sample_domains(np.random.default_rng(0), 300, 15, "ACT", rules, gc_applies=True)]
    assert all(s.count("C") == 5 for s in draws)
    assert not any(re.search("[AT]{6}", s) or re.search("^[AT]{4}|[AT]{4}$", s) for s in draws)
    assert any(re.search("[AT]{5}", s) for s in draws)  # the relaxation is used
    with pytest.raises(ValueError, match="sequences.long_max_weak_run_nt"):
        SequenceRules(long_max_weak_run_nt=2)
    with pytest.raises(ValueError, match="SearchBudget.polish_steps"):
        SearchBudget(polish_steps=-1)
    assert SequenceRules(long_max_weak_run_nt=None).long_weak_run_nt == 3  # None: max_weak_run_nt everywhere
    assert SequenceRules().long_weak_run_nt == 5  # the default


def test_polish_lowers_vienna_crosstalk_and_keeps_every_rule():
    system = DomainSystem()
    n = 24
    for k in range(n):
        system.add_domain(f"d{k}", 15, "long")
        system.add_domain(f"t{k}", 6, "toehold")
    for k in range(0, n, 4):
        system.add(Complex(f"S{k}", " ".join(f"t{j} d{j}" for j in range(k, k + 4)), "signal"))
    rules = SequenceRules(**LOW_CROSSTALK)
    md = dna_model()

    def rate(design):
        seqs = [design.sequences[f"d{k}"] for k in range(n)]
        return np.mean([cofold(a, b, md) < -8 for i, a in enumerate(seqs) for j, b in enumerate(seqs) if i != j])

    plain = design_sequences(system, rules, seed=1, checks=False, budget=SearchBudget(polish_steps=0))
    polished = design_sequences(system, rules, seed=1, checks=False, budget=SearchBudget(polish_steps=300))
    assert plain.violations == [] and polished.violations == []
    stats = polished.stats["crosstalk_polish"]
    assert stats["accepted"] > 0 and stats["duplexfold_calls"] > 0
    assert rate(polished) < rate(plain)


def test_bounded_polish_cost_is_exact_below_the_bound_and_folds_less_above_it():
    rng = np.random.default_rng(11)
    doms = random_domains(rng, 40, c_count=6)
    table = long_table(doms)
    rule = ViennaCrosstalk(NNModel.from_vienna(), ViennaDuplex(), cutoff_kcal=-7.5, prefilter_kcal=-2.0)
    rule.bind(table)
    rule.start_incremental(table)
    rule.batch = 4
    new = encode(random_domains(rng, 1, c_count=6)[0])
    full = rule.domain_penalty(table, 5, new)
    assert full > 0
    calls = rule.duplex.calls
    assert rule.domain_penalty_below(table, 5, new, full + 1.0) == pytest.approx(full)
    every = rule.duplex.calls - calls
    calls = rule.duplex.calls
    partial = rule.domain_penalty_below(table, 5, new, full / 4)
    assert full / 4 <= partial <= full + 1e-9
    assert rule.duplex.calls - calls < every  # stopped folding once the bound was reached
    # a full evaluation is reused by the update that accepts it
    assert rule.domain_penalty_below(table, 5, new, math.inf) == pytest.approx(full)
    calls = rule.duplex.calls
    old = table.get(5).copy()
    table.set(5, new)
    rule.update(table, 5, old, new)
    assert rule.duplex.calls == calls
    assert rule.domain_penalty(table, 5, new) == pytest.approx(full)


def test_capped_polish_cost_counts_a_strong_pair_at_most_the_cap():
    rng = np.random.default_rng(3)
    doms = random_domains(rng, 12, c_count=6)
    doms[1] = doms[0]  # a pair far below -8 kcal/mol
    table = long_table(doms)
    plain = ViennaCrosstalk(NNModel.from_vienna(), ViennaDuplex(), cutoff_kcal=-7.5, prefilter_kcal=0.0)
    capped = ViennaCrosstalk(NNModel.from_vienna(), ViennaDuplex(), cutoff_kcal=-7.5, prefilter_kcal=0.0,
                             cap_kcal=1.0)
    for rule in (plain, capped):
        rule.bind(table)
    p, c = plain.penalties(table), capped.penalties(table)
    assert plain.G[0, 1] < -15 and p[0] > 7
    assert c[0] <= 1.0 * 2 * (len(doms) - 1) and c[0] < p[0]
    assert np.all(c <= p + 1e-9)


def test_refinement_keeps_a_kept_objective_from_rising():
    from sequences.refine_moves import keeps_cost

    class Cost:
        """Cost of domain 0 = its number of A (a stand-in objective)."""

        def domain_penalty(self, table, i, codes):
            return float((codes == 0).sum())

    table = long_table(["CAACTTACCATACTC", "ACCTATCTCAACTAC"])
    old = table.get(0).copy()
    fewer, more = old.copy(), old.copy()
    fewer[1] = 3  # A -> T
    more[0] = 0  # C -> A
    assert keeps_cost([Cost()], table, 0, old, fewer)
    assert keeps_cost([Cost()], table, 0, old, old)
    assert not keeps_cost([Cost()], table, 0, old, more)


def test_estimate_steps_is_validated_and_none_by_default():
    assert SearchBudget().estimate_steps is None
    assert SearchBudget(estimate_steps=0).estimate_steps == 0
    with pytest.raises(ValueError, match="SearchBudget.estimate_steps"):
        SearchBudget(estimate_steps=-1)
    assert SearchBudget().refine_holds_crosstalk is True
    with pytest.raises(ValueError, match="SearchBudget.refine_holds_crosstalk"):
        SearchBudget(refine_holds_crosstalk=1)


def test_low_crosstalk_setting_is_the_default_and_its_refinement_budget_validated():
    rules, budget = SequenceRules(), SearchBudget()
    assert (rules.gc_min, rules.gc_max, rules.long_max_weak_run_nt) == (0.30, 0.43, 5)
    assert (budget.polish_steps, budget.refine_crosstalk_budget) == (1200, 0.008)
    assert SearchBudget(refine_crosstalk_budget=None).refine_crosstalk_budget is None
    for bad in (-0.1, True, "x"):
        with pytest.raises(ValueError, match="SearchBudget.refine_crosstalk_budget"):
            SearchBudget(refine_crosstalk_budget=bad)

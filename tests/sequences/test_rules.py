"""Sequence rules: spec validation (errors name the field), the k-mer index and the run rules against
brute force, the choice of k, and violations that say what, where and by how much."""

import itertools
import re

import numpy as np
import pytest

from dsd.domains import Complex, DomainSystem
from sequences.rules import (
    DomainTable,
    JunctionRun,
    MaxRun,
    SequenceRules,
    UniqueKmers,
    admissible_kmers,
    choose_kmer_k,
    kmer_demand,
    revcomp,
    validate_system,
)
from sequences.design import design_sequences


def small_system(toehold_nt=6, long_nt=15, history_nt=None):
    s = DomainSystem()
    for name, n, kind in [("t", toehold_nt, "toehold"), ("x", long_nt, "long"), ("y", long_nt, "long"),
                          ("h", history_nt or long_nt, "history")]:
        s.add_domain(name, n, kind)
    s.add(Complex("S", "h t x", "signal"))
    s.add(Complex("G", "x( y( + ) ) t*", "gate"))
    return s


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("seq, letters", [("ACGTNACGTACGTAC", "N"), ("ACGUACGTACGTACG", "U"), ("ACGT-CGTACGTACG", "-")])
def test_fixed_sequence_with_non_dna_letters_names_the_field(seq, letters):
    with pytest.raises(ValueError, match=re.escape("sequences.fixed['x']")) as err:
        SequenceRules(fixed={"x": seq})
    assert letters in str(err.value)


def test_fixed_sequence_of_wrong_length_or_unknown_domain_names_the_field():
    with pytest.raises(ValueError, match=re.escape("sequences.fixed['x']")):
        design_sequences(small_system(), SequenceRules(fixed={"x": "ACTACT"}), checks=False)
    with pytest.raises(ValueError, match=re.escape("sequences.fixed['nope']")):
        design_sequences(small_system(), SequenceRules(fixed={"nope": "ACTACT"}), checks=False)


def test_toehold_longer_than_a_long_domain_names_the_field():
    with pytest.raises(ValueError, match="Domain.length") as err:
        validate_system(small_system(toehold_nt=16, long_nt=15), SequenceRules())
    assert "toehold t (16 nt)" in str(err.value) and "15 nt" in str(err.value)
    # a history domain is never displaced: shorter than a toehold is allowed (dsd.history_nt)
    # (5 nt: with the default GC window 30-43 % a 4-nt domain has no allowed G+C count)
    validate_system(small_system(history_nt=5), SequenceRules())


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"gc_min": 0.7, "gc_max": 0.6}, "sequences.gc_min"),
        ({"gc_min": -0.1}, "sequences.gc_min"),
        ({"gc_max": 1.5}, "sequences.gc_max"),
        ({"toehold_dG_tolerance_kcal": 0.0}, "sequences.toehold_dG_tolerance_kcal"),
        ({"max_run_nt": 0}, "sequences.max_run_nt"),
        ({"kmer_k": 40}, "sequences.kmer_k"),
        ({"three_letter_kinds": ("long", "bogus")}, "sequences.three_letter_kinds"),
    ],
)
def test_bad_rule_values_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        SequenceRules(**kwargs)


def test_gc_window_no_domain_length_can_meet_names_the_field():
    # 15 nt: 6/15 = 40 %, 7/15 = 46.7 %: nothing in 41-43 %
    with pytest.raises(ValueError, match=r"sequences\.gc_min/sequences\.gc_max"):
        validate_system(small_system(), SequenceRules(gc_min=0.41, gc_max=0.43))


def test_impossible_toehold_window_names_the_field():
    with pytest.raises(ValueError, match="sequences.toehold_dG_target_kcal"):
        design_sequences(small_system(), SequenceRules(toehold_dG_target_kcal=-30.0), checks=False)


def test_from_dict_rejects_unknown_keys_and_builds_rules():
    rules = SequenceRules.from_dict({"gc_min": 0.35, "gc_kinds": ["long"]})
    assert rules.gc_min == 0.35 and rules.gc_kinds == ("long",)
    with pytest.raises(ValueError, match="gc_minimum"):
        SequenceRules.from_dict({"gc_minimum": 0.3})


# --- k -----------------------------------------------------------------------------------------------


def test_admissible_kmers_matches_enumeration():
    for k in (4, 6, 7):
        words = ["".join(w) for w in itertools.product("ACT", repeat=k)]
        ok = [w for w in words if not re.search(r"(.)\1\1\1", w) and not re.search(r"[AT]{4}", w)]
        assert admissible_kmers(k, "ACT", 3, 3) == len(ok)


def test_choose_k_keeps_the_space_four_times_the_demand():
    iris = [15] * 203 + [6] * 60
    k = choose_kmer_k(iris)
    assert k == 9
    assert kmer_demand(iris, k) <= 0.25 * admissible_kmers(k, "ACT", 3, 3)
    assert kmer_demand(iris, k - 1) > 0.25 * admissible_kmers(k - 1, "ACT", 3, 3)
    assert choose_kmer_k([15] * 142291 + [6] * 54960) == 14  # mnist14, fan-out 8
    assert choose_kmer_k([15] * 4) == 6


# --- rules against brute force -------------------------------------------------------------------


def random_table(n_domains=40, seed=1):
    rng = np.random.default_rng(seed)
    s = DomainSystem()
    names = []
    for i in range(n_domains):
        names.append(s.add_domain(f"d{i}", int(rng.choice([6, 12])), "long" if i % 3 else "toehold"))
    for j in range(n_domains // 2):
        a, b, c = rng.choice(names, size=3, replace=False)
        s.add(Complex(f"C{j}", f"{a} {b}* {c}", "signal"))
    table = DomainTable(s)
    for length, block in table.blocks.items():
        block[:] = rng.choice(np.array([0, 1, 3], dtype=np.uint8), size=block.shape)
    return table


def test_unique_kmers_penalties_match_brute_force():
    table = random_table()
    k = 5
    rule = UniqueKmers(k)
    rule.bind(table)
    pen = rule.penalties(table)
    seqs = [table.sequence(i) for i in range(len(table))]
    for i, x in enumerate(seqs):
        mine = {x[a : a + k] for a in range(len(x) - k + 1)} | {revcomp(x)[a : a + k] for a in range(len(x) - k + 1)}
        others = set()
        for j, y in enumerate(seqs):
            if j != i:
                others |= {y[a : a + k] for a in range(len(y) - k + 1)}
                others |= {revcomp(y)[a : a + k] for a in range(len(y) - k + 1)}
        assert (pen[i] > 0) == bool(mine & others)
    # incremental answers agree with the vectorised ones
    rule.start_incremental(table)
    for i in range(len(table)):
        assert (rule.domain_penalty(table, i, table.get(i)) > 0) == (pen[i] > 0)
    # blame leaves one holder per shared k-mer: redrawing the blamed would clear every conflict
    blamed = rule.blame(table)
    assert blamed.sum() < (pen > 0).sum()


def test_run_rules_match_brute_force_on_strands():
    table = random_table(seed=3)
    inside, across = MaxRun(3, 3), JunctionRun(3, 3)
    inside.bind(table)
    across.bind(table)
    bad_inside = inside.penalties(table) > 0
    bad_across = across.penalties(table) > 0
    run = re.compile(r"(?=(AAAA|CCCC|GGGG|TTTT|[AT]{4}))")
    for i in range(len(table)):
        assert bad_inside[i] == bool(run.search(table.sequence(i)))
    # a run that crosses a junction on some strand flags both domains of that junction
    crossings = 0
    for strand in table.strands:
        parts = [table.sequence(d) if not comp else revcomp(table.sequence(d)) for d, comp in strand]
        for (a, _), (b, _), pa, pb in zip(strand, strand[1:], parts, parts[1:]):
            crossing = any(len(pa) - m.start() < 4 and m.start() < len(pa) for m in run.finditer(pa + pb))
            if crossing:
                crossings += 1
                assert bad_across[a] and bad_across[b]
    assert crossings > 0
    # and a domain flagged only by the junction rule sits at a crossing run
    assert bad_across.sum() <= 2 * crossings


def test_violations_say_what_where_and_how_much():
    rules = SequenceRules(fixed={"x": "ACGGGGTACTACTAC"})
    d = design_sequences(small_system(), rules, seed=0, checks=False)
    found = {(v.rule, v.subject) for v in d.violations}
    assert ("three_letter", "x") in found and ("max_run", "x") in found
    three = next(v for v in d.violations if v.rule == "three_letter")
    assert three.excess == 4 and "G at [2, 3, 4, 5]" in three.detail
    assert "run of 4 identical bases at [2]" in next(v for v in d.violations if v.rule == "max_run").detail
    assert d.sequences["x"] == "ACGGGGTACTACTAC"  # fixed domains are kept

"""One test suite for every importable thermodynamic backend (NUPACK 4 is skipped when absent).

Reference numbers: SantaLucia & Hicks (2004) unified nearest-neighbour parameters for the 20-bp
duplex and toeholds; DESIGN §5's ViennaRNA toehold medians; exhaustive enumeration of every
connected structure of small complexes for pfunc, pair probabilities, defects and probabilities.
"""

from __future__ import annotations

import itertools
import math
import random
import re
import statistics
import sys
import types

import numpy as np
import pytest

from sequences.thermo import (
    BackendUnavailable,
    Conditions,
    ThermoBackend,
    check_strands,
    get_backend,
    na_equivalent_M,
    nupack_available,
    parse_structure,
    strand_symmetry,
    structure_symmetry,
)

HAVE_NUPACK = nupack_available()
BACKENDS = [
    "viennarna",
    pytest.param("nupack", marks=pytest.mark.skipif(not HAVE_NUPACK, reason="NUPACK 4 is not installed")),
]

# SantaLucia & Hicks 2004, Annu. Rev. Biophys. Biomol. Struct. 33:415 (1 M NaCl):
# nearest-neighbour dH (kcal/mol) and dS (cal/mol/K), 5'->3' on the top strand.
NN_DH_DS = {
    "AA": (-7.6, -21.3), "TT": (-7.6, -21.3), "AT": (-7.2, -20.4), "TA": (-7.2, -21.3),
    "CA": (-8.5, -22.7), "TG": (-8.5, -22.7), "GT": (-8.4, -22.4), "AC": (-8.4, -22.4),
    "CT": (-7.8, -21.0), "AG": (-7.8, -21.0), "GA": (-8.2, -22.2), "TC": (-8.2, -22.2),
    "CG": (-10.6, -27.2), "GC": (-9.8, -24.4), "GG": (-8.0, -19.9), "CC": (-8.0, -19.9),
}
NN_INIT = (0.2, -5.7)
NN_TERMINAL_AT = (2.2, 6.9)

DUPLEX_20 = "TTCACCACTCTACATCCACT"  # A/C/T strand: little secondary structure on either side
DUPLEX_20_GC = "GCGTACGATCGATCAGTCGA"


def revcomp(seq: str) -> str:
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def santalucia_dG(seq: str, temperature_C: float) -> float:
    """Perfect-duplex free energy (1 M Na+, 1 M standard state) from the published table."""
    dH, dS = NN_INIT
    for end in (seq[0], seq[-1]):
        if end in "AT":
            dH += NN_TERMINAL_AT[0]
            dS += NN_TERMINAL_AT[1]
    for i in range(len(seq) - 1):
        h, s = NN_DH_DS[seq[i : i + 2]]
        dH += h
        dS += s
    return dH - (temperature_C + 273.15) * dS / 1000.0


def duplex_structure(n: int) -> str:
    return "(" * n + "+" + ")" * n


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> ThermoBackend:
    return get_backend(request.param, Conditions(temperature_C=25.0, na_M=1.0))


# --- known energies -------------------------------------------------------------------------


@pytest.mark.parametrize("seq", [DUPLEX_20, DUPLEX_20_GC])
def test_20bp_duplex_energy_matches_santalucia(backend, seq):
    # ViennaRNA's DNA set is ~1 kcal/mol more stable than SantaLucia 2004 (DuplexInit 1.0 vs 1.96
    # kcal/mol at 37 °C); an error in initiation, standard state or temperature is several kcal/mol.
    expected = santalucia_dG(seq, 25.0)
    assert expected == pytest.approx(-28.34 if seq == DUPLEX_20 else -31.45, abs=0.01)
    assert backend.structure_dG([seq, revcomp(seq)], duplex_structure(20)) == pytest.approx(expected, abs=1.5)


def test_duplex_dG_of_unstructured_strands_matches_santalucia(backend):
    dG = backend.duplex_dG(DUPLEX_20, revcomp(DUPLEX_20))
    assert dG == pytest.approx(santalucia_dG(DUPLEX_20, 25.0), abs=1.5)
    # ensemble over the complex and both strands: at least as stable as the single structure
    assert dG <= backend.structure_dG([DUPLEX_20, revcomp(DUPLEX_20)], duplex_structure(20)) + 0.05


def test_toehold_duplex_dG_orders_by_length(backend):
    rng = random.Random(7)
    medians, references = [], []
    for length in (5, 6, 7):
        toeholds = ["".join(rng.choice("ACT") for _ in range(length)) for _ in range(100)]
        medians.append(statistics.median(backend.duplex_dG(t, revcomp(t)) for t in toeholds))
        references.append(statistics.median(santalucia_dG(t, 25.0) for t in toeholds))
    assert medians[0] - medians[1] > 0.9 and medians[1] - medians[2] > 0.9
    for got, ref in zip(medians, references):
        assert got == pytest.approx(ref, abs=1.6)


def test_viennarna_toehold_medians_match_design_numbers():
    """DESIGN §5: median ΔG of A/C/T-only toeholds (ViennaRNA, 25 °C, 1 M Na+), over all of them."""
    backend = get_backend("viennarna")
    for length, expected in ((5, -4.9), (6, -6.3), (7, -7.7)):
        toeholds = ["".join(p) for p in itertools.product("ACT", repeat=length)]
        duplex = [backend.structure_dG([t, revcomp(t)], duplex_structure(length)) for t in toeholds]
        ensemble = [backend.duplex_dG(t, revcomp(t)) for t in toeholds]
        assert statistics.median(duplex) == pytest.approx(expected, abs=0.1)
        # the ensemble adds frayed and shifted duplexes: a little more stable, never less
        assert 0.0 < statistics.median(duplex) - statistics.median(ensemble) < 0.3


# --- structure quantities ----------------------------------------------------------------------


def test_perfect_duplex_is_its_mfe_with_small_defect_and_high_probability(backend):
    strands = [DUPLEX_20_GC, revcomp(DUPLEX_20_GC)]
    structure, mfe_dG = backend.mfe(strands)
    assert structure == duplex_structure(20)
    assert mfe_dG == pytest.approx(backend.structure_dG(strands, structure), abs=0.05)
    G = backend.pfunc(strands)
    assert G < mfe_dG
    assert backend.ensemble_defect(strands, structure) < 0.05
    # frayed ends hold ~30 % of the ensemble; ViennaRNA's pr_structure would say ~0.23 here
    p = backend.prob(strands, structure)
    assert 0.6 < p < 0.99
    assert p == pytest.approx(math.exp(-(mfe_dG - G) / backend.conditions.kT_kcal), rel=1e-3)


def test_random_pair_is_far_from_bound(backend):
    rng = random.Random(3)
    a = "".join(rng.choice("ACGT") for _ in range(20))
    b = "".join(rng.choice("ACGT") for _ in range(20))
    perfect = backend.duplex_dG(a, revcomp(a))
    assert backend.duplex_dG(a, b) > perfect + 15.0
    # the perfect duplex's target pairs non-complementary bases here: outside the model
    assert backend.prob([a, b], duplex_structure(20)) == 0.0
    assert backend.structure_dG([a, b], duplex_structure(20)) == math.inf
    assert backend.ensemble_defect([a, b], duplex_structure(20)) > 0.8


def test_single_mismatch_costs_stability_and_defect(backend):
    a = DUPLEX_20_GC
    mismatched = revcomp(a[:10] + ("A" if a[10] != "A" else "C") + a[11:])
    target = "(" * 10 + "." + "(" * 9 + "+" + ")" * 9 + "." + ")" * 10
    perfect_defect = backend.ensemble_defect([a, revcomp(a)], duplex_structure(20))
    # the two mismatched bases can never match the fully paired target
    assert backend.ensemble_defect([a, mismatched], duplex_structure(20)) > perfect_defect + 2 / 40
    assert backend.prob([a, mismatched], target) > 0.3  # the 1x1 interior loop is the new MFE
    assert backend.duplex_dG(a, mismatched) > backend.duplex_dG(a, revcomp(a)) + 2.0


def test_strands_that_cannot_pair_form_no_complex(backend):
    assert backend.pfunc(["AAAAAA", "AAAAAA"]) == math.inf
    assert backend.duplex_dG("AAAAAA", "CCCCCC") == math.inf
    structure, dG = backend.mfe(["AAAAAA", "CCCCCC"])
    assert (structure, dG) == ("......+......", math.inf)
    assert backend.ensemble_defect(["AAAAAA", "CCCCCC"], "(.....+.....)") == 1.0


def _enumerate(strands: list[str]) -> list[str]:
    """Every connected structure with Watson-Crick pairs and hairpins of >= 3 nt."""
    seq = "".join(strands)
    owner = [k for k, s in enumerate(strands) for _ in s]
    pairs = {("A", "T"), ("T", "A"), ("C", "G"), ("G", "C")}
    memo: dict[tuple[int, int], list[list[tuple[int, int]]]] = {}

    def inside(i: int, j: int) -> list[list[tuple[int, int]]]:
        if i > j:
            return [[]]
        if (i, j) not in memo:
            out = list(inside(i + 1, j))
            for k in range(i + 1, j + 1):
                if (seq[i], seq[k]) in pairs and (owner[i] != owner[k] or k - i - 1 >= 3):
                    out += [[(i, k)] + a + b for a in inside(i + 1, k - 1) for b in inside(k + 1, j)]
            memo[i, j] = out
        return memo[i, j]

    structures = []
    for pair_list in inside(0, len(seq) - 1):
        flat = ["."] * len(seq)
        for i, j in pair_list:
            flat[i], flat[j] = "(", ")"
        cuts, start = [], 0
        for s in strands:
            cuts.append("".join(flat[start : start + len(s)]))
            start += len(s)
        try:
            parse_structure(strands, "+".join(cuts))  # raises when not connected
        except ValueError:
            continue
        structures.append("+".join(cuts))
    return structures


@pytest.mark.parametrize(
    "strands",
    [
        ["ACGTA", "TACGT"],
        ["ACGTAC", "GTACGT"],  # the concatenation ACGTACGTACGT is 3-fold periodic, the strands are not
        ["GGATCC", "GGATCC"],  # a homodimer: 2-fold strand symmetry
        ["ACGAT", "TCGTG", "CATGC"],
    ],
)
def test_ensemble_quantities_match_exhaustive_enumeration(backend, strands):
    kT = backend.conditions.kT_kcal
    n = sum(map(len, strands))
    structures = _enumerate(strands)
    # over distinct strands each structure weighs R(s) exp(-dG(s)/kT) (dG carries + kT ln R(s))
    weights, tables = [], []
    for s in structures:
        table = parse_structure(strands, s)
        tables.append(table)
        weights.append(structure_symmetry(strands, table) * math.exp(-backend.structure_dG(strands, s) / kT))
    q_distinct = sum(weights)
    G = -kT * math.log(q_distinct / strand_symmetry(strands))
    assert backend.pfunc(strands) == pytest.approx(G, abs=0.06)

    pairs = np.zeros((n, n))
    for w, table in zip(weights, tables):
        for i, j in enumerate(table):
            pairs[i, i if j < 0 else j] += w / q_distinct
    assert backend.pair_probabilities(strands) == pytest.approx(pairs, abs=0.01)

    best = min(structures, key=lambda s: backend.structure_dG(strands, s))
    mfe_structure, mfe_dG = backend.mfe(strands)
    # NUPACK reports the structure holding the MFE stacking state, which may sit slightly above `best`
    assert backend.structure_dG(strands, best) <= mfe_dG <= backend.structure_dG(strands, best) + 0.3
    if backend.name == "viennarna":
        assert mfe_structure == best
    table = parse_structure(strands, best)
    partner = [i if j < 0 else j for i, j in enumerate(table)]
    defect = 1.0 - sum(pairs[i, partner[i]] for i in range(n)) / n
    assert backend.ensemble_defect(strands, best) == pytest.approx(defect, abs=0.01)
    p_best = math.exp(-(backend.structure_dG(strands, best) - G) / kT)
    assert backend.prob(strands, best) == pytest.approx(p_best, rel=0.05)


# --- conditions --------------------------------------------------------------------------------


def test_lower_sodium_destabilises_a_duplex(backend):
    strands = (DUPLEX_20, revcomp(DUPLEX_20))
    dGs = [
        get_backend(backend.name, Conditions(temperature_C=25.0, na_M=na)).duplex_dG(*strands)
        for na in (1.0, 0.3, 0.1, 0.05)
    ]
    assert all(x < y for x, y in zip(dGs, dGs[1:]))
    assert dGs[-1] - dGs[0] > 1.0


def test_magnesium_stabilises_a_duplex(backend):
    strands = (DUPLEX_20, revcomp(DUPLEX_20))
    low_salt = get_backend(backend.name, Conditions(na_M=0.05)).duplex_dG(*strands)
    with_mg = get_backend(backend.name, Conditions(na_M=0.05, mg_M=0.0125)).duplex_dG(*strands)
    assert with_mg < low_salt - 0.5


def test_higher_temperature_destabilises_a_duplex(backend):
    strands = (DUPLEX_20, revcomp(DUPLEX_20))
    dGs = [get_backend(backend.name, Conditions(temperature_C=t)).duplex_dG(*strands) for t in (25.0, 37.0, 55.0)]
    assert dGs[0] < dGs[1] < dGs[2]
    # SantaLucia 2004 gives +4.9 kcal/mol from 25 to 37 °C for this duplex
    expected = santalucia_dG(DUPLEX_20, 37.0) - santalucia_dG(DUPLEX_20, 25.0)
    assert expected == pytest.approx(4.86, abs=0.01)
    assert dGs[1] - dGs[0] == pytest.approx(expected, abs=1.5)


def test_na_equivalent_of_magnesium_follows_the_published_rule():
    assert na_equivalent_M(Conditions(na_M=0.05, mg_M=0.0125)) == pytest.approx(0.05 + 3.3 * math.sqrt(0.0125))
    assert na_equivalent_M(Conditions(na_M=0.1)) == 0.1


def test_viennarna_folds_magnesium_into_sodium():
    with_mg = get_backend("viennarna", Conditions(na_M=0.05, mg_M=0.0125))
    as_na = get_backend("viennarna", Conditions(na_M=0.05 + 3.3 * math.sqrt(0.0125)))
    assert with_mg.na_equivalent_M == pytest.approx(0.419, abs=1e-3)
    assert with_mg.duplex_dG(DUPLEX_20, revcomp(DUPLEX_20)) == pytest.approx(
        as_na.duplex_dG(DUPLEX_20, revcomp(DUPLEX_20)), abs=1e-6
    )


def test_viennarna_is_immune_to_global_parameter_reloads():
    import RNA

    backend = get_backend("viennarna")
    strands = [DUPLEX_20_GC, revcomp(DUPLEX_20_GC)]
    target = duplex_structure(20)

    def answers():
        return backend.mfe(strands), backend.prob(strands, target), backend.ensemble_defect(strands, target)

    before = answers()
    try:
        RNA.params_load_RNA_Turner2004()  # what other code might do: ViennaRNA's default RNA set
        assert RNA.fold_compound("&".join(strands)).mfe()[1] != pytest.approx(before[0][1], abs=1.0)
        assert answers() == before
    finally:
        RNA.params_load_DNA_Mathews2004()


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strands", "structure", "message"),
    [
        (["ACGU", "ACGT"], "((((+))))", "non-DNA letter 'U' at position 3"),
        (["ACGT", "ACNT"], "((((+))))", "strand 1 has the non-DNA letter 'N'"),
        (["ACGT", ""], "((((+))))", "strand 1 is empty"),
        (["ACGT", "ACGT"], "((((+)))", "structure length mismatch: strand 1 has 4 nt"),
        (["ACGT", "ACGT"], "(((()))))", "1 strand segment(s)"),
        (["ACGT", "ACGT"], "((((+)))]", "characters ']'"),
        (["ACGT", "ACGT"], "((((+))).", "unmatched '('"),
        (["ACGT", "ACGT"], "....+....", "not connected"),
    ],
)
def test_bad_input_raises_value_error_naming_the_problem(backend, strands, structure, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        backend.prob(strands, structure)
    with pytest.raises(ValueError, match=re.escape(message)):
        backend.ensemble_defect(strands, structure)


def test_bad_sequences_raise_in_every_method(backend):
    with pytest.raises(ValueError, match="non-DNA letter 'X'"):
        backend.mfe(["ACXT"])
    with pytest.raises(ValueError, match="non-DNA letter 'U'"):
        backend.pfunc(["ACGU"])
    with pytest.raises(ValueError, match="strand 1 has the non-DNA letter '-'"):
        backend.duplex_dG("ACGT", "AC-T")
    with pytest.raises(TypeError, match="list of sequences"):
        backend.pfunc("ACGT")


def test_lower_case_sequences_are_accepted():
    assert check_strands(["acgt"]) == ("ACGT",)


def test_conditions_validate_and_are_frozen():
    with pytest.raises(ValueError, match="na_M must be > 0"):
        Conditions(na_M=0.0)
    with pytest.raises(ValueError, match="mg_M must be >= 0"):
        Conditions(mg_M=-0.001)
    with pytest.raises(ValueError, match="temperature_C"):
        Conditions(temperature_C=150.0)
    with pytest.raises(AttributeError):
        Conditions().na_M = 0.5  # type: ignore[misc]


def test_symmetry_factors():
    assert strand_symmetry(["A", "A", "A"]) == 3
    assert strand_symmetry(["AC", "GT"]) == 1
    assert structure_symmetry(["GGATCC", "GGATCC"], parse_structure(["GGATCC"] * 2, "((((((+))))))")) == 2
    assert structure_symmetry(["GGATCC", "GGATCC"], parse_structure(["GGATCC"] * 2, ".((((.+.)))).")) == 2
    assert structure_symmetry(["GGATCC", "GGATCC"], parse_structure(["GGATCC"] * 2, "(((((.+.)))))")) == 1


# --- choosing a backend -------------------------------------------------------------------------


def test_get_backend_names():
    assert get_backend("viennarna").name == "viennarna"
    assert get_backend("auto").name == ("nupack" if HAVE_NUPACK else "viennarna")
    with pytest.raises(ValueError, match="unknown thermodynamic backend 'vienna'"):
        get_backend("vienna")


@pytest.mark.skipif(HAVE_NUPACK, reason="NUPACK 4 is installed")
def test_asking_for_absent_nupack_names_it():
    with pytest.raises(BackendUnavailable, match="backend 'nupack' is not available"):
        get_backend("nupack")


class _FakeStructure:
    def __init__(self, text: str) -> None:
        self.text = text

    def dotparensplus(self) -> str:
        return self.text


def test_nupack_glue_converts_mole_fraction_energies(monkeypatch):
    """The NUPACK backend cannot run here; check its conversions against a stand-in module."""
    calls = []
    fake = types.ModuleType("nupack")
    fake.Model = lambda **kw: calls.append(kw) or "model"
    fake.pfunc = lambda strands, model: (None, {1: -1.0, 2: -20.0}[len(strands)])
    fake.mfe = lambda strands, model: [types.SimpleNamespace(structure=_FakeStructure("((+))"), energy=-3.0)]
    fake.structure_energy = lambda strands, structure, model: -2.5
    monkeypatch.setitem(sys.modules, "nupack", fake)
    backend = get_backend("nupack", Conditions(temperature_C=37.0, na_M=0.5, mg_M=0.01))
    assert calls == [dict(material="dna", ensemble="stacking", celsius=37.0, sodium=0.5, magnesium=0.01)]
    shift = Conditions(temperature_C=37.0).kT_kcal * math.log(55.14)
    assert shift == pytest.approx(2.47, abs=0.01)  # DESIGN §5: ~2.37 at 25 °C
    assert backend.pfunc(["ACGT"]) == -1.0
    assert backend.pfunc(["AC", "GT"]) == pytest.approx(-20.0 + shift)
    assert backend.duplex_dG("AC", "GT") == pytest.approx(-20.0 + shift + 2.0)
    assert backend.mfe(["AC", "GT"]) == ("((+))", pytest.approx(-3.0 + shift))
    assert backend.structure_dG(["AC", "GT"], "((+))") == pytest.approx(-2.5 + shift)
    with pytest.raises(ValueError, match="outside NUPACK's DNA range"):
        get_backend("nupack", Conditions(na_M=0.01))

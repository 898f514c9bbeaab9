"""DNA at scale: translation by per-shape templates gives exactly the scheme's own per-reaction
translation, the streamed PIL writer and reader round-trip it, and the streaming verification
(dsd.verify.verify_pil) refuses what check_coverage refuses and fails what verify_system fails."""

import pytest

from crn.model import Reaction
from crn.textformat import format_crn, parse_crn
from dsd.domains import DomainSystem
from dsd.kinetics import order_reactants
from dsd.pil import format_pil, read_pil, scheme_header, write_pil
from dsd.schemes import make_scheme
from dsd.strand_kinds import strand_kinds
from dsd.translate import GateTemplates, translate
from dsd.verify import CoverageError, check_coverage, verify_pil, verify_system

CRN = """input X = Xp - Xn
output Y = Yp - Yn
Xp -> 3 A
Xn -> 3 B
A + B -> W
A -> Yp + C
B -> Yn + D
C + D -> 0
"""


def per_reaction(crn, scheme) -> DomainSystem:
    """The translation as the scheme makes it, one ``gates`` call per reaction on one system."""
    crn = order_reactants(crn)
    system = DomainSystem()
    for s in dict.fromkeys([s for sig in crn.inputs for s in sig.species] + list(crn.init)):
        scheme.signal(system, s)
    for i, r in enumerate(crn.reactions):
        for cx in scheme.gates(system, r, i):
            system.reaction_of[cx.name] = i
    return system


@pytest.mark.parametrize("name", ["soloveichik2010", "cardelli2011_NM"])
def test_templates_give_the_schemes_own_translation_and_counts(name):
    crn, scheme = parse_crn(CRN), make_scheme(name)
    fast, slow = translate(crn, scheme), per_reaction(crn, scheme)
    assert format_pil(fast) == format_pil(slow)  # same domains (in order), complexes, kernels, roles
    assert fast.reaction_of == slow.reaction_of and fast.species_of == slow.species_of
    assert fast.counts() == slow.counts() == DomainSystem(fast.domains, list(fast.complexes)).counts()
    # the strand kinds the translation counted are those read from its complexes (A, B: strands shared by roles)
    assert fast.remembered_strand_kinds() == strand_kinds(slow) == strand_kinds(
        DomainSystem(fast.domains, list(fast.complexes)))
    assert sum(n for _, _, n in strand_kinds(fast)) == fast.counts()["strands"]


def test_remembered_counts_are_forgotten_when_the_system_changes():
    system = translate(parse_crn(CRN), make_scheme())
    whole = system.counts()
    assert system.with_concentrations({}).remembered_strand_kinds() == system.remembered_strand_kinds() is not None
    system.complexes.pop()
    assert system.remembered_strand_kinds() is None
    assert system.counts()["complexes"] == whole["complexes"] - 1
    assert system.counts() == DomainSystem(system.domains, list(system.complexes)).counts()


def test_a_scheme_whose_gates_depend_on_names_is_asked_reaction_by_reaction():
    base = make_scheme()

    class Named(type(base)):
        def gates(self, system, reaction, index, conc_nM=0.0):
            made = super().gates(system, reaction, index, conc_nM)
            if reaction.reactants[0][0].startswith("Xn"):  # a name, not the shape, changes the gate
                system.add_domain("extra", 6, "toehold")
                made.append(system.add(type(made[0])(f"E_r{index}", "extra", "fuel")))
            return made

    crn, scheme = parse_crn(CRN), Named()
    assert format_pil(translate(crn, scheme)) == format_pil(per_reaction(crn, scheme))
    expanded = list(GateTemplates(scheme).expand(order_reactants(crn).reactions))
    assert [c[0] for c in expanded[1][2]] == ["G_r1", "T_r1", "E_r1"]


def test_write_pil_is_format_pil_and_reads_back(tmp_path):
    crn, scheme = parse_crn(CRN), make_scheme()
    system = translate(crn, scheme)
    text = format_pil(system, scheme_header(scheme), format_crn(crn))
    write_pil(tmp_path / "s.pil", system, scheme_header(scheme), format_crn(crn))
    assert (tmp_path / "s.pil").read_text() == text
    back = read_pil(tmp_path / "s.pil")
    assert back.truncation is None and format_pil(back.system, back.header, back.crn_text) == text
    assert back.system.reaction_of == system.reaction_of and back.system.species_of == system.species_of


@pytest.fixture
def written(tmp_path):
    crn, scheme = parse_crn(CRN), make_scheme()
    path = tmp_path / "s.pil"
    write_pil(path, translate(crn, scheme), scheme_header(scheme), format_crn(crn))
    return crn, path


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_verify_pil_passes_the_intact_file_as_verify_system_does(written):
    crn, path = written
    loaded = read_pil(path)
    _, streamed = verify_pil(path, crn)
    loaded_results = verify_system(loaded.system, crn, loaded.scheme)
    assert [(r.shape, r.reactions, r.passed) for r in streamed] == [
        (r.shape, r.reactions, r.passed) for r in loaded_results]
    assert all(r.passed for r in streamed) and sum(len(r.reactions) for r in streamed) == len(crn.reactions)


def test_verify_pil_fails_a_reaction_whose_gate_or_domain_differs(written):
    crn, path = written
    kernel = next(line for line in path.read_text().splitlines() if line.startswith("G_r1 = "))
    edit(path, kernel, kernel.replace("r1g0", "r1g1", 1))  # Xn -> 3 B (shape of reaction 0) a wrong gate
    edit(path, "length r4g1 = 15", "length r4g1 = 14")  # and a domain of B -> Yn + D the wrong length
    _, results = verify_pil(path, crn)
    failed = {r.reactions: r.detail for r in results if not r.passed}
    assert set(failed) == {(1,), (4,)}
    assert "G_r1" in failed[(1,)] and "r4g1" in failed[(4,)]
    assert sum(len(r.reactions) for r in results if r.passed) == len(crn.reactions) - 2


@pytest.mark.parametrize("cut, words", [
    (lambda t: "\n".join(line for line in t.splitlines() if not line.startswith(("T_r3 = ", "# "))) + "\n",
     ["does not implement its CRN", "1 missing: T_r3"]),
    (lambda t: t[: t.index("L_r2 = ")], ["truncated", "complexes it declares", "missing"]),
    (lambda t: t[:-5], ["truncated", "last line is cut mid-way"]),
    (lambda t: t.replace("S_Xn = ", "Q_Xn = ").replace("# signal", "# waste"), ["starting species lack", "Xn"]),
    (lambda t: t + "G_r99 = h_Xp t_Xp d_Xp u_Xp  # gate\n", ["reactions the CRN does not have", "G_r99"]),
])
def test_verify_pil_refuses_what_check_coverage_refuses(written, cut, words):
    crn, path = written
    path.write_text(cut(path.read_text()))
    with pytest.raises(CoverageError) as streamed:
        verify_pil(path, crn)
    loaded = read_pil(path)
    with pytest.raises(CoverageError) as whole:
        check_coverage(loaded.system, crn, loaded.scheme, source=str(path), truncation=loaded.truncation)
    for w in words:
        assert w in str(streamed.value), str(streamed.value)
    assert str(streamed.value).split(":")[0] == str(whole.value).split(":")[0]


def test_verify_pil_names_a_bad_line(written):
    crn, path = written
    edit(path, "length t_Xp = 6  # toehold", "length t_Xp = 6  # sticky")
    with pytest.raises(ValueError, match=r"s.pil:\d+: domain t_Xp: kind must be one of"):
        verify_pil(path, crn)


def test_verify_pil_names_a_signal_with_an_undefined_domain(written):
    crn, path = written
    edit(path, "S_Xn = h_Xn t_Xn", "S_Xn = h_Xn t_nowhere")
    with pytest.raises(ValueError, match=r"s.pil:\d+: complex S_Xn uses undefined domains \['t_nowhere'\]"):
        verify_pil(path, crn)


def test_shape_key_groups_reactions_that_differ_only_in_names():
    from dsd.translate import shape_key

    assert shape_key(Reaction([("A", 1), ("B", 1)], [("C", 2)]))[0] == shape_key(
        Reaction([("P", 1), ("Q", 1)], [("R", 2)]))[0]
    assert shape_key(Reaction([("A", 1)], [("A", 1)]))[0] != shape_key(Reaction([("A", 1)], [("B", 1)]))[0]

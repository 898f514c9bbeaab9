"""Kernel -> sequences + dot-paren target, and the split of big complexes into foldable pieces."""

import pytest

from dsd.domains import DomainSystem
from dsd.schemes import get_scheme
from crn.model import Reaction
from sequences.rules import revcomp
from sequences.structure import (
    kernel_domain_structure,
    kernel_dotparen,
    kernel_nucleotide_domains,
    kernel_to_target,
    pair_table,
    split_complex,
)
from sequences.thermo import get_backend, in_model, parse_structure

SEQS = {"a": "ACCTA", "b": "TTC", "c": "CAT", "d": "ACTCA"}


@pytest.mark.parametrize(
    "kernel, expected",
    [
        ("a( b + ) c*", "(((((...+)))))..."),
        ("a b c", "..........."),
        ("a( b( + ) )", "((((((((+))))))))"),
        ("a( + c ) d", "(((((+...)))))....."),
        # Soloveichik gate: d( u( g t + ) ) t*  (long, toehold, history, toehold)
        ("d( b( c a + ) ) b*", "((((((((........+))))))))..."),
    ],
)
def test_kernel_dotparen_on_known_kernels(kernel, expected):
    assert kernel_dotparen(kernel, {k: len(v) for k, v in SEQS.items()}) == expected


def test_kernel_to_target_writes_complements_as_reverse_complements():
    strands, structure = kernel_to_target("a( b + ) c*", SEQS)
    assert strands == ["ACCTA" + "TTC", revcomp("ACCTA") + revcomp("CAT")]
    assert strands[1] == "TAGGT" + "ATG"
    assert structure == "(((((...+)))))..."
    table = parse_structure(strands, structure)
    assert in_model(strands, table)  # every target pair is Watson-Crick


def test_kernel_domain_structure_matches_parse_kernel_strands():
    assert kernel_domain_structure("a( b + c( + ) ) d") == (
        (("a", "("), ("b", ".")),
        (("c", "("),),
        (("c*", ")"), ("a*", ")"), ("d", ".")),
    )


def test_nucleotide_domains_read_complements_backwards():
    lab = kernel_nucleotide_domains("a( + ) c", {"a": 3, "c": 2})
    assert lab == [("a", 0), ("a", 1), ("a", 2), ("a", 2), ("a", 1), ("a", 0), ("c", 0), ("c", 1)]


def test_unbalanced_kernels_are_rejected():
    with pytest.raises(ValueError, match="unbalanced"):
        kernel_dotparen("a )", {"a": 2})
    with pytest.raises(ValueError, match="unclosed"):
        kernel_dotparen("a( b", {"a": 2, "b": 1})


def _translator(n_products: int):
    scheme = get_scheme("soloveichik2010")
    system = DomainSystem()
    reaction = Reaction([("A", 1)], [(f"P{k}", 1) for k in range(n_products)])
    made = scheme.gates(system, reaction, 0)
    return system, [c for c in made if c.role == "fuel"][0], [c for c in made if c.role == "gate"][0]


def _sequences(system):
    import numpy as np

    rng = np.random.default_rng(0)
    return {name: "".join(rng.choice(list("ACT"), size=d.length)) for name, d in system.domains.items()}


def test_split_pieces_partition_the_complex_and_keep_balanced_structures():
    system, translator, gate = _translator(6)
    seqs = _sequences(system)
    for cx in (translator, gate):
        strands, structure = kernel_to_target(cx.kernel, seqs)
        pieces = split_complex(strands, structure, max_nt=120, max_strands=4)
        assert len(pieces) > 1
        covered = sorted(i for p in pieces for i in p.index)
        assert covered == list(range(sum(map(len, strands))))
        flat_seq, flat_struct = "".join(strands), structure.replace("+", "")
        for p in pieces:
            assert "".join(p.strands) == "".join(flat_seq[i] for i in p.index)
            assert p.structure.replace("+", "") == "".join(flat_struct[i] for i in p.index)
            assert sum(map(len, p.strands)) <= 120 and len(p.strands) <= 4
            parse_structure(list(p.strands), p.structure)  # balanced and connected
            pair_table(p.structure)


def test_small_complex_is_not_split_and_split_defect_is_close_to_whole():
    system, translator, _ = _translator(2)
    seqs = _sequences(system)
    strands, structure = kernel_to_target(translator.kernel, seqs)
    assert len(split_complex(strands, structure, max_nt=400, max_strands=4)) == 1
    pieces = split_complex(strands, structure, max_nt=80, max_strands=3)
    assert len(pieces) == 2
    backend = get_backend("viennarna")
    whole = backend.ensemble_defect(strands, structure)
    split = sum(backend.ensemble_defect(list(p.strands), p.structure) * p.nucleotides for p in pieces) / len(
        "".join(strands))
    assert abs(split - whole) < 0.02

"""The layout of ``sequences``: every module stays small, and the names other packages import
keep their old module paths after the split of ``rules`` and ``design`` into packages."""

from pathlib import Path

import pytest

import sequences.codes

ROOT = Path(sequences.codes.__file__).parent  # the package folder (``sequences`` itself may resolve to tests/)

# (public path, defining module) for names imported across packages and by tests
MOVED = [
    ("sequences.design", "SearchBudget", "sequences.design.budget"),
    ("sequences.design", "design_sequences", "sequences.design.search"),
    ("sequences.design", "ADVISORY_CHECKS", "sequences.design.result"),
    ("sequences.design", "Design", "sequences.design.result"),
    ("sequences.design", "StrandRecord", "sequences.design.result"),
    ("sequences.design", "RULE_NAMES", "sequences.rules"),
    ("sequences.rules", "SequenceRules", "sequences.rules.constraints"),
    ("sequences.rules", "gc_count_window", "sequences.rules.constraints"),
    ("sequences.rules", "validate_system", "sequences.rules.constraints"),
    ("sequences.rules", "encode", "sequences.codes"),
    ("sequences.rules", "revcomp", "sequences.codes"),
    ("sequences.rules", "revcomp_codes", "sequences.codes"),
    ("sequences.rules", "TOEHOLD", "sequences.rules.base"),
    ("sequences.rules", "DomainTable", "sequences.rules.base"),
    ("sequences.rules", "Rule", "sequences.rules.base"),
    ("sequences.rules", "KINDS", "dsd.domains"),
    ("sequences.rules", "JunctionRun", "sequences.rules.composition"),
    ("sequences.rules", "MaxRun", "sequences.rules.composition"),
    ("sequences.rules", "UniqueKmers", "sequences.rules.kmers"),
    ("sequences.rules", "choose_kmer_k", "sequences.rules.kmers"),
    ("sequences.rules", "ToeholdReuse", "sequences.rules.toeholds"),
]


@pytest.mark.parametrize("public, name, home", MOVED)
def test_moved_names_keep_their_public_path(public, name, home):
    import importlib

    assert getattr(importlib.import_module(public), name) is getattr(importlib.import_module(home), name)


def test_every_module_is_at_most_500_lines():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in ROOT.rglob("*.py")}
    assert sizes and max(sizes.values()) <= 500, {k: v for k, v in sizes.items() if v > 500}


def test_rule_names_are_the_rules_the_search_builds():
    from sequences.design import RULE_NAMES, build_rules
    from sequences.rules import SequenceRules

    names = tuple(r.name for r in build_rules(SequenceRules(), {}, 9, lambda s: 0.0, {}))
    assert names == RULE_NAMES

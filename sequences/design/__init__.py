"""Sequence design: ``design_sequences(system, rules, seed, backend) -> Design``, domain sequences
for a DomainSystem that meet the sequence rules (``sequences.rules``) and pass the thermodynamic
checks (``sequences.checks``).

The package, one job per module (this module re-exports their public names, so
``from sequences.design import ...`` keeps working):

* ``search`` — the search loop (constructive generation, repair rounds, local search, checks and
  refinement), :func:`design_sequences`;
* ``drawing`` — toehold pools and random domains that meet the local rules, the :class:`Drawer`;
* ``result`` — :class:`Design`, :class:`StrandRecord`, :data:`ADVISORY_CHECKS`;
* ``budget`` — :class:`SearchBudget`;
* ``crosstalk_notes``, ``occlusion_notes`` — the measurements behind the defaults (no code).

:data:`RULE_NAMES` (the rules in check-table order) lives in ``sequences.rules``.
"""

from sequences.design.budget import SearchBudget
from sequences.design.drawing import Drawer, sample_domains
from sequences.design.pool import (
    POOL_ENUMERATE_MAX_NT,
    POOL_SAMPLE,
    ToeholdPool,
    make_toehold_pool,
    toehold_dG,
)
from sequences.design.result import ADVISORY_CHECKS, Design, StrandRecord
from sequences.design.search import build_rules, design_sequences, kmer_k_safe
from sequences.rules import RULE_NAMES

__all__ = [
    "ADVISORY_CHECKS", "POOL_ENUMERATE_MAX_NT", "POOL_SAMPLE", "RULE_NAMES",
    "Design", "Drawer", "SearchBudget", "StrandRecord", "ToeholdPool",
    "build_rules", "design_sequences", "kmer_k_safe", "make_toehold_pool", "sample_domains", "toehold_dG",
]

"""Sequence rules: the constraints a domain-sequence design must meet, as named objects.

Each rule (nuad style) scores a design and explains every violation: what failed, where (a domain,
or a domain junction in a named strand) and by how much; ``sequences.rules.base`` states the
protocol (:class:`Rule`, :class:`Violation`, the design as a :class:`DomainTable`).

The rules (defaults from DESIGN §5, all overridable through :class:`SequenceRules`):

=================  ==================================================================================
``three_letter``   domains as they appear on signal strands use A, C, T only (their complements then
                   use A, G, T), so single strands have almost no secondary structure
``max_run``        inside a domain: no run of 4 identical bases, and no run of 4 weak bases (A/T).
                   With three letters A·T is the only pair a strand can make with itself, so the
                   weak-run limit caps any helix inside an A/C/T or A/G/T strand at 3 bp (without it,
                   IRIS helper strands had A/T hairpins with ensemble defects up to 0.27)
``junction_run``   ... nor across the junction of two adjacent domains on any strand
``gc_window``      GC fraction 30-60 % for long and history domains. Toeholds are exempt: their
                   binding strength is what GC stands in for, and ``toehold_dG`` sets it directly
                   (6-nt three-letter toeholds in the window have 1-3 C; 1 C would fail 30 %)
``toehold_dG``     toehold duplex ΔG (MFE of the toehold + its complement, 1 M standard state;
                   ViennaRNA DNA parameters, 25 °C, 1 M Na+ unless the backend says otherwise) within
                   target ± 0.5 kcal/mol; target = the median over all toeholds of that length in the
                   domain alphabet (DESIGN §5: -6.3 kcal/mol for 6 nt, A/C/T; measured -6.27)
``toehold_reuse``  each toehold sequence serves at most ``ceil(toeholds / pool)`` toehold domains,
                   i.e. 1 (all distinct) whenever the pool of admissible toeholds is large enough
``unique_kmer``    no k-mer shared by two different domains, or by a domain and another domain's
                   complement, found with a k-mer index (code -> owners) in O(total length)
``toehold_copy``   no single strand (one-strand complex, or a strand of top-strand domains only)
                   holds a toehold's sequence away from that toehold's own copy, junctions included
                   (toehold occlusion, ``sequences.occlusion``); enforced while drawing. A rule of
                   systems up to ``sequences.design.search.OBJECTIVE_MAX`` single strands (not in
                   :data:`RULE_NAMES`: above it only the ``toehold_occlusion`` check reports it)
=================  ==================================================================================

The package, one job per module (this module re-exports their public names, and the 2-bit code
helpers of ``sequences.codes``, so ``from sequences.rules import ...`` keeps working):

* ``constraints`` — :class:`SequenceRules` (the values above, validated), :func:`gc_count_window`,
  :func:`validate_system`;
* ``base`` — :class:`DomainTable`, :class:`Rule`, :class:`Violation`, the domain-kind codes;
* ``composition`` — ``three_letter``, ``max_run``, ``gc_window``, ``junction_run``;
* ``toeholds`` — ``toehold_dG``, ``toehold_reuse``;
* ``kmers`` — ``unique_kmer`` and the choice of its k (:func:`choose_kmer_k`);
* ``occlusion`` — the ``toehold_copy`` rule (and the screen the drawing uses);
* ``nicks`` — where a dangle meets a helix at a nick in a designed complex, and how many bases they
  share at the start (not a rule: the drawing prefers low, ``complex_defect`` judges);
* ``crosstalk`` — the ``crosstalk`` objective (pairwise duplex ΔG of long/history domains against
  the others' complements), lowered by the search once the rules hold.

The k-mer rule: k is adaptive, the smallest k >= 6 whose k-mer load (k-mers held / admissible
k-mers) is <= 0.25 (IRIS: k = 9); a shared stretch shorter than k is then judged by the
thermodynamic checks (crosstalk rate, toehold occlusion, the exhaustive spurious screen,
``sequences.checks``), not by a k-mer bound.
"""

from dsd.domains import KINDS
from sequences.codes import (
    BASES,
    THREE_LETTER,
    decode,
    encode,
    kmer_codes,
    kmer_string,
    local_ok,
    revcomp,
    revcomp_codes,
    run_starts,
    weak_run_starts,
)
from sequences.rules.base import HISTORY, KIND_CODE, LONG, TOEHOLD, DomainTable, Rule, Violation
from sequences.rules.composition import GCWindow, JunctionRun, MaxRun, ThreeLetterCode
from sequences.rules.crosstalk import Crosstalk
from sequences.rules.occlusion import ToeholdCopies
from sequences.rules.constraints import SequenceRules, gc_count_window, validate_system
from sequences.rules.kmers import UniqueKmers, admissible_kmers, choose_kmer_k, kmer_demand
from sequences.rules.toeholds import ToeholdEnergy, ToeholdReuse, toehold_groups

#: The sequence rules of a design, in the order they are checked and reported.
RULE_NAMES = ("three_letter", "max_run", "gc_window", "toehold_dG", "toehold_reuse", "junction_run", "unique_kmer")

__all__ = [
    "BASES", "HISTORY", "KINDS", "KIND_CODE", "LONG", "RULE_NAMES", "THREE_LETTER", "TOEHOLD",
    "Crosstalk", "DomainTable", "ToeholdCopies", "GCWindow", "JunctionRun", "MaxRun", "Rule", "SequenceRules", "ThreeLetterCode",
    "ToeholdEnergy", "ToeholdReuse", "UniqueKmers", "Violation",
    "admissible_kmers", "choose_kmer_k", "decode", "encode", "gc_count_window", "kmer_codes", "kmer_demand",
    "kmer_string", "local_ok", "revcomp", "revcomp_codes", "run_starts", "toehold_groups", "validate_system",
    "weak_run_starts",
]

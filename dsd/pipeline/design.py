"""The sequences stage's calls: design a system's domain sequences under a spec's ``sequences:``
section, and what the build records of the design."""

from __future__ import annotations

from collections import Counter

from dsd.domains import DomainSystem


#: Above ``sequences.checks.CheckOptions.max_complexes`` checked complexes the checks fold a sample
#: and the refinement cannot repair the rest, so a spec that leaves the GC window and the weak-run
#: cap unset gets :data:`LARGE_SYSTEM_RULES` (the old rules: less A·T self-structure, more
#: crosstalk) instead of the low-crosstalk defaults. Measured
#: on mnist14 (fan-out 8, 54,856 complexes; ``sequences.design.crosstalk_notes``): low-crosstalk rules
#: 92 of 300 sampled complexes above the defect limit before refinement (gates of 63-189 nt, not only
#: long tails), crosstalk 0.125 (shuffled 0.128); these rules: 11 of 300 (reported on a sample the
#: refinement did not touch), crosstalk 0.33.
LARGE_SYSTEM_RULES = {"gc_max": 0.60, "long_max_weak_run_nt": None}


def design_system(system: DomainSystem, sequences_spec=None, seed: int = 0, compute=None):
    """Domain sequences for ``system`` under a spec's ``sequences:`` section (defaults when None),
    with the thermodynamic checks; returns a :class:`sequences.design.Design`. With
    ``sequences.trials`` > 1, independent designs at seeds seed, seed + 1, ... until one passes (a
    design search is random, and like NUPACK's design trials the next seed is a fresh start); if
    none does, the one with the fewest failures; ``stats["trials"]`` lists each seed's failures. ``compute`` (a
    :class:`crn.tasks.Compute` with Dask workers or a scheduler) runs the spurious screen's folds
    there; it changes no result."""
    from dsd.pipeline.spec import SequencesSpec
    from sequences.checks import CHECK_ROLES, CheckOptions
    from sequences.design import SearchBudget, design_sequences
    from sequences.rules import SequenceRules
    from sequences.thermo import Conditions, get_backend

    spec = sequences_spec or SequencesSpec()
    backend = get_backend(spec.backend, Conditions(spec.temperature_C, spec.na_M, spec.mg_M))
    given = spec.rules_dict()
    if system is not None and not {"gc_max", "long_max_weak_run_nt"} & set(given) \
            and sum(cx.role in CHECK_ROLES for cx in system.complexes) > CheckOptions().max_complexes:
        given.update(LARGE_SYSTEM_RULES)
    rules = SequenceRules.from_dict(given)
    budget = SearchBudget(seconds=spec.seconds, polish_steps=spec.polish_steps,
                          refine_crosstalk_budget=spec.refine_crosstalk_budget, refine_steps=spec.refine_steps)
    checks = CheckOptions(screen_compute=compute) if compute is not None and not compute.in_process else True
    first = spec.seed if spec.seed is not None else seed
    if spec.trials == 1:
        return design_sequences(system, rules, first, backend, budget=budget, checks=checks)
    best, tried = None, []
    for trial in range(spec.trials):
        design = design_sequences(system, rules, first + trial, backend, budget=budget, checks=checks)
        tried.append({"seed": first + trial, "failures": failure_count(design)})
        if best is None or tried[-1]["failures"] < failure_count(best):
            best = design
        if design.passed:
            break
    best.stats["trials"] = tried
    return best


def failure_count(design) -> int:
    """Rule violations plus failing check rows that decide (not ``ADVISORY_CHECKS``) of a design:
    what ``sequences.trials`` ranks designs by (0 for a design that passes)."""
    from sequences.design import ADVISORY_CHECKS

    rows = sum(not c.passed and not c.check.startswith("rule:") and c.check not in ADVISORY_CHECKS
               for c in design.checks)
    return len(design.violations) + rows


def design_report(design) -> dict:
    """What the build records of a design: counts, the k-mer decision, failures (rule or check ->
    failing rows), advisory findings that do not fail the design, and timings."""
    from sequences.design import ADVISORY_CHECKS

    failed = [c.check for c in design.checks if not c.passed and not c.check.startswith("rule:")]
    advisory = {name for name in failed if name in ADVISORY_CHECKS}
    failures = Counter(v.rule for v in design.violations)
    failures.update(name for name in failed if name not in ADVISORY_CHECKS)
    return {
        "passed": design.passed,
        "backend": design.backend,
        "seed": design.seed,
        "kmer_k": design.kmer_k,
        "domains": len(design.sequences),
        "failures": dict(failures),
        "advisories": sorted(advisory),
        "checks": len(design.checks),
        "stats": design.stats,
    }

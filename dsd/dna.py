"""The DNA back end as one call per step, shared by ``dsd build`` and the CLI commands:
scheme from options, translation + sizing, counts per CRN form, verification and gate-level
simulation reports (plain dicts, ready for JSON)."""

from __future__ import annotations

import numpy as np

from crn.model import CRN
from crn.reduce import limit_fanout
from dsd.domains import DomainSystem
from dsd.schemes import get_scheme
from dsd.sizing import Sizing, complex_totals, size_reactions, sized_system
from dsd.translate import translate

DEFAULT_FANOUT_FORM = 4
"""Fan-out limit of the extra CRN form whose counts are reported next to unreduced and reduced."""


def make_scheme(name: str = "soloveichik2010", toehold_nt: int = 6, long_nt: int = 15, history_nt: int = 15):
    return get_scheme(name, toehold_nt=toehold_nt, long_nt=long_nt, history_nt=history_nt)


def pil_header(scheme, sizing: Sizing | None) -> dict[str, str]:
    header = {"scheme": scheme.name, "toehold_nt": str(scheme.toehold_nt), "long_nt": str(scheme.long_nt),
              "history_nt": str(scheme.history_nt)}
    if sizing is not None:
        header.update({"unit_nM": f"{sizing.unit_nM:g}", "safety": f"{sizing.safety:g}"})
    return header


def scheme_from_header(header: dict[str, str], name: str | None = None):
    """The scheme a ``system.pil`` was written with (``name`` overrides its header)."""
    name = name or header.get("scheme")
    if name is None:
        raise ValueError("the PIL file names no scheme (#| scheme: ...); give --scheme")
    return make_scheme(name, **{k: int(header[k]) for k in ("toehold_nt", "long_nt", "history_nt") if k in header})


def translate_sized(crn: CRN, scheme, input_low, input_high, *, unit_nM: float = 10.0, safety: float = 2.0,
                    examples: np.ndarray | None = None) -> tuple[DomainSystem, Sizing]:
    """Translate ``crn`` and give every complex its concentration (see :mod:`dsd.sizing`)."""
    sizing = size_reactions(crn, input_low, input_high, safety=safety, unit_nM=unit_nM, examples=examples)
    return sized_system(translate(crn, scheme), crn, sizing), sizing


def form_counts(forms: dict[str, CRN], scheme, fanout_limit: int = DEFAULT_FANOUT_FORM) -> dict[str, dict]:
    """Complexes, strands, domains and nucleotides to order for each CRN form, plus a fan-out
    limited form of the reduced CRN, so a user can pick the cheapest."""
    out = {}
    candidates = dict(forms)
    if "reduced" in forms:
        candidates[f"reduced_fanout{fanout_limit}"] = limit_fanout(forms["reduced"], fanout_limit)
    for name, crn in candidates.items():
        counts = translate(crn, scheme).counts()
        out[name] = {"reactions": len(crn.reactions), **counts}
    return out


def system_summary(system: DomainSystem, sizing: Sizing) -> dict:
    return {**system.counts(), "sizing": sizing.summary(), "total_nM_by_role": complex_totals(system)}


def verification_report(results) -> dict:
    return {
        "passed": all(r.passed for r in results),
        "shapes": len(results),
        "reactions": sum(len(r.reactions) for r in results),
        "seconds": sum(r.seconds for r in results),
        "modules": [{"shape": r.shape, "reactions": list(r.reactions), "passed": r.passed,
                     "seconds": round(r.seconds, 3), "detail": r.detail} for r in results],
    }


def gate_report(crn: CRN, system: DomainSystem, scheme, unit_nM: float, x: np.ndarray,
                network_outputs: np.ndarray | None, *, leak_per_nM_s: float = 0.0, hours: float = 48.0) -> dict:
    """Simulate the gate-level system on inputs ``x`` and compare with the formal CRN's exact
    limit and with the network (when given)."""
    from crn.feedforward import NotFeedForward, fire_to_completion
    from crn.simulate import encode_inputs, signal_values
    from dsd.gatesim import compare, simulate_gates
    from dsd.kinetics import gate_crn

    gates = gate_crn(crn, system, scheme, unit_nM, leak_per_nM_s=leak_per_nM_s)
    sim = simulate_gates(gates, x, unit_nM, t_end_hours=hours)
    try:
        final, _ = fire_to_completion(crn, encode_inputs(crn, x))
        formal = signal_values(crn, crn.outputs, final)
    except NotFeedForward:
        formal = None
    reference = network_outputs if network_outputs is not None else formal
    if reference is None:
        raise ValueError("nothing to compare the gate-level outputs with: give a model")
    report = compare(sim, reference, formal)
    report.update({"leak_per_nM_s": leak_per_nM_s, "gate_reactions": len(gates.reactions),
                   "gate_species": len(gates.species), "unit_nM": unit_nM})
    return report, sim


def design_system(system: DomainSystem, sequences_spec=None, seed: int = 0):
    """Domain sequences for ``system`` under a spec's ``sequences:`` section (defaults when None),
    with the thermodynamic checks; returns a :class:`sequences.design.Design`."""
    from dsd.spec import SequencesSpec
    from sequences.design import SearchBudget, design_sequences
    from sequences.rules import SequenceRules
    from sequences.thermo import Conditions, get_backend

    spec = sequences_spec or SequencesSpec()
    backend = get_backend(spec.backend, Conditions(spec.temperature_C, spec.na_M, spec.mg_M))
    rules = SequenceRules.from_dict(spec.rules_dict())
    budget = SearchBudget(seconds=spec.seconds)
    return design_sequences(system, rules, spec.seed if spec.seed is not None else seed, backend, budget=budget)


def design_report(design) -> dict:
    """What the build records of a design: counts, the k-mer decision, failures and timings."""
    return {
        "passed": design.passed,
        "backend": design.backend,
        "seed": design.seed,
        "kmer_k": design.kmer_k,
        "domains": len(design.sequences),
        "failures": design.failures(),
        "checks": len(design.checks),
        "stats": design.stats,
    }

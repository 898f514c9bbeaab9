"""``translate(crn, scheme) -> DomainSystem``: every formal reaction becomes gates and fuels.

Concentrations are left at 0 here (sizing assigns them); species with an initial concentration
and the input species get a free signal strand each.
"""

from __future__ import annotations

import numpy as np

from crn.model import CRN
from crn.reduce import limit_fanout
from dsd.domains import DomainSystem
from dsd.kinetics import order_reactants
from dsd.rates import DEFAULT_HELPER_EXCESS
from dsd.sizing import Sizing, complex_totals, size_reactions, sized_system

DEFAULT_FANOUT_FORM = 4
"""Fan-out limit of the extra CRN form whose counts are reported next to unreduced and reduced."""


def translate(crn: CRN, scheme) -> DomainSystem:
    """The domain-level system of ``crn`` under ``scheme`` (e.g. ``get_scheme("soloveichik2010")``);
    a gate's inputs in the order :func:`dsd.kinetics.order_reactants` gives."""
    crn = order_reactants(crn)
    system = DomainSystem()
    starting = list(dict.fromkeys([s for sig in crn.inputs for s in sig.species] + list(crn.init)))
    for species in starting:
        scheme.signal(system, species)
    for i, reaction in enumerate(crn.reactions):
        for cx in scheme.gates(system, reaction, i):
            system.reaction_of[cx.name] = i
    return system


def translate_sized(crn: CRN, scheme, input_low, input_high, *, unit_nM: float = 10.0, safety: float = 2.0,
                    examples: np.ndarray | None = None, helper_excess: float = DEFAULT_HELPER_EXCESS,
                    horizon: float | None = None) -> tuple[DomainSystem, Sizing]:
    """Translate ``crn`` and give every complex its concentration (see :mod:`dsd.sizing`;
    ``horizon``: formal time units a CRN that is not feed-forward is simulated for to size it)."""
    sizing = size_reactions(crn, input_low, input_high, safety=safety, unit_nM=unit_nM, examples=examples,
                            helper_excess=helper_excess, horizon=horizon)
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

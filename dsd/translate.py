"""``translate(crn, scheme) -> DomainSystem``: every formal reaction becomes gates and fuels.

Concentrations are left at 0 here (sizing assigns them); species with an initial concentration
and the input species get a free signal strand each.
"""

from __future__ import annotations

from crn.model import CRN
from dsd.domains import DomainSystem


def translate(crn: CRN, scheme) -> DomainSystem:
    """The domain-level system of ``crn`` under ``scheme`` (e.g. ``get_scheme("soloveichik2010")``)."""
    system = DomainSystem()
    starting = list(dict.fromkeys([s for sig in crn.inputs for s in sig.species] + list(crn.init)))
    for species in starting:
        scheme.signal(system, species)
    for i, reaction in enumerate(crn.reactions):
        for cx in scheme.gates(system, reaction, i):
            system.reaction_of[cx.name] = i
    return system

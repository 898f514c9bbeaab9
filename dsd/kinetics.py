"""Gate-level kinetics: the strand-displacement system as a mass-action CRN in nM and seconds.

Every formal reaction becomes its scheme's steps (``scheme.mechanism``), each one condensed
toehold-mediated strand displacement whose rate follows from its toehold's free energy
(:mod:`dsd.rates`: Peppercorn's rate model, every constant there with unit and source), plus
optional leaks (``scheme.leaks``: gate-fuel leak and a bimolecular gate opened by its last input
alone) and initial leak (a fraction of every gate's output free at t = 0). Helper strands that
carry a toehold bind other gates' exposed copies of it without being able to displace anything
(toehold occlusion): each such pair is a reversible binding step.

Gates, fuels and helpers start at the concentrations sizing gave them, so fuel is finite and runs
out if the bound was too low. Formal species keep their names: their concentration in nM divided
by ``unit_nM`` is the formal value, so the gate-level CRN has the formal CRN's input and output
signals (offsets in nM).

The first reactant of a gate with several inputs is held back while the others are missing
(``A + L <-> H + B``: about [L]/[B] of A sits in H). :func:`order_reactants` puts first a reactant
that is neither read out nor consumed by another reaction wherever there is one (``translate``
and ``gate_crn`` both apply it); :func:`held_back` lists the reactions where there is none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from crn.model import CRN, Reaction, Signal
from dsd.domains import DomainSystem
from dsd.rates import DEFAULT_LEAK_PER_NM_S, ToeholdRates, toehold_rates  # noqa: F401 (re-exported)


def _exposed_species(crn: CRN) -> tuple[set[str], dict[str, int]]:
    read_out = {s for sig in crn.outputs for s in sig.species}
    consumers: dict[str, int] = {}
    for r in crn.reactions:
        for s, _ in r.reactants:
            consumers[s] = consumers.get(s, 0) + 1
    return read_out, consumers


def order_reactants(crn: CRN) -> CRN:
    """``crn`` with the reactants of each reaction of two or more inputs ordered so that the ones
    a gate may hold back (every input but the last) are, where possible, neither read out (a
    species of an output signal) nor consumed by another reaction. Stable otherwise; idempotent.

    >>> from crn.textformat import parse_crn
    >>> crn = parse_crn("input X\\ninput Z\\noutput Y\\nX -> Y\\nY + Z -> W\\n")
    >>> [s for s, _ in order_reactants(crn).reactions[1].reactants]
    ['Z', 'Y']
    """
    read_out, consumers = _exposed_species(crn)
    reactions = []
    for r in crn.reactions:
        if len(r.reactants) > 1:
            exposed = lambda sn: sn[0] in read_out or consumers[sn[0]] > 1  # noqa: E731
            ordered = sorted(r.reactants, key=exposed)
            if ordered != list(r.reactants):
                r = Reaction(ordered, r.products, r.rate)
        reactions.append(r)
    return crn.replace(reactions=tuple(reactions))


def held_back(crn: CRN, system: DomainSystem) -> list[dict]:
    """Reactions whose gate holds back a species that is read out or consumed elsewhere (no other
    order avoids it): per such reaction and species, about [gate]/[helper] of it stays in the gate
    while the gate's other inputs are missing. ``fraction`` from ``system``'s concentrations."""
    crn = order_reactants(crn)
    read_out, consumers = _exposed_species(crn)
    conc = {c.name: c.conc_nM for c in system.complexes}
    by_reaction: dict[int, dict[str, float]] = {}
    for c in system.complexes:
        i = system.reaction_of.get(c.name)
        if i is not None:
            by_reaction.setdefault(i, {}).setdefault(c.role, 0.0)
            by_reaction[i][c.role] = max(by_reaction[i][c.role], conc[c.name])
    out = []
    for i, r in enumerate(crn.reactions):
        held = [s for s, n in r.reactants for _ in range(n)][:-1]
        for s in dict.fromkeys(held):
            if s in read_out or consumers[s] > 1:
                roles = by_reaction.get(i, {})
                gate, helper = roles.get("gate", 0.0), roles.get("helper", 0.0)
                out.append({"reaction": i, "species": s, "read_out": s in read_out,
                            "consumed_elsewhere": consumers[s] > 1,
                            "fraction": gate / helper if helper > 0 else 1.0})
    return out


def _occlusions(crn: CRN, scheme, rates: ToeholdRates, nt: int, present: set[str]) -> list[Reaction]:
    """Reversible binding of helper strands to other gates' exposed toeholds they cannot use."""
    exposed: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for i, r in enumerate(crn.reactions):
        for species, toehold, partners in scheme.exposed_toeholds(r, i):
            exposed.setdefault(toehold, []).append((species, partners))
    out = []
    for i, r in enumerate(crn.reactions):
        for helper, toeholds in scheme.helper_toeholds(r, i):
            if helper not in present:
                continue
            for t in toeholds:
                for species, partners in exposed.get(t, []):
                    if helper in partners:
                        continue
                    bound = f"Occ_{species}_{helper}"
                    out.append(Reaction([(helper, 1), (species, 1)], [(bound, 1)], rates.bind(t, nt)))
                    out.append(Reaction([(bound, 1)], [(helper, 1), (species, 1)], rates.unbind(t, nt)))
    return out


def gate_crn(crn: CRN, system: DomainSystem, scheme, unit_nM: float, *,
             leak_per_nM_s: float = 0.0, bimolecular_leak_per_nM_s: float | None = None,
             initial_leak: float = 0.0, toehold_dG_kcal: float | Mapping[str, float] | None = None,
             occlusion: bool = True) -> CRN:
    """The gate-level CRN (nM, s) of ``system`` = ``translate(crn, scheme)`` with concentrations
    (e.g. from :func:`dsd.sizing.sized_system`).

    ``leak_per_nM_s``: gate-fuel leak (/nM/s; measured 1e-9..1e-8, :mod:`dsd.rates`);
    ``bimolecular_leak_per_nM_s``: a gate of two inputs opened by its last input alone (/nM/s;
    None: the same as ``leak_per_nM_s``); ``initial_leak``: fraction (0..1) of each gate's output
    free at t = 0; ``toehold_dG_kcal``: toehold free energy (kcal/mol, < 0), one value for all or a
    mapping toehold domain name -> dG (the designed sequences'), None: the target per length;
    ``occlusion``: model helper strands sitting on other gates' toeholds.

    Initial concentrations: every complex at its ``conc_nM`` (signal strands count for their
    formal species). Inputs are added per example: encode ``x * unit_nM``."""
    for name, value in (("leak_per_nM_s", leak_per_nM_s), ("bimolecular_leak_per_nM_s", bimolecular_leak_per_nM_s)):
        if value is not None and not value >= 0:
            raise ValueError(f"{name} must be >= 0 /nM/s, got {value:g}")
    if not 0 <= initial_leak < 1:
        raise ValueError(f"initial_leak must be a fraction in [0, 1), got {initial_leak:g}")
    bi_leak = leak_per_nM_s if bimolecular_leak_per_nM_s is None else bimolecular_leak_per_nM_s
    rates = toehold_rates(toehold_dG_kcal)
    crn = order_reactants(crn)
    reactions: list[Reaction] = []
    for i, r in enumerate(crn.reactions):
        reactions += scheme.mechanism(r, i, rates)
        reactions += scheme.leaks(r, i, rates, leak_per_nM_s, bi_leak)
    init: dict[str, float] = {}
    for cx in system.complexes:
        if cx.conc_nM <= 0:
            continue
        name = system.species_of.get(cx.name, cx.name) if cx.role == "signal" else cx.name
        init[name] = init.get(name, 0.0) + cx.conc_nM
    if occlusion:
        reactions += _occlusions(crn, scheme, rates, scheme.toehold_nt, set(init))
    formal = set(crn.species)
    gate_species = {s for r in reactions for s, _ in r.reactants + r.products} - formal
    clash = gate_species & {c.name for c in system.complexes if c.role == "signal"}
    if clash:
        raise ValueError(f"gate-level species {sorted(clash)[0]} has the name of a signal complex")
    gates_fuels = [c for c in system.complexes if c.role in ("gate", "fuel")]
    if gates_fuels and all(c.conc_nM <= 0 for c in gates_fuels):
        raise ValueError("no gate or fuel has a concentration: size the system first (dsd translate --model)")
    if initial_leak > 0:
        for i, r in enumerate(crn.reactions):
            for cx, released in scheme.released(r, i):
                amount = initial_leak * init.get(cx, 0.0)
                if amount > 0:
                    init[cx] -= amount
                    for s, n in released:
                        init[s] = init.get(s, 0.0) + n * amount
    scale = lambda sig: replace(sig, offset=sig.offset * unit_nM)  # noqa: E731
    return CRN(
        reactions=reactions,
        init=init,
        inputs=tuple(scale(s) for s in crn.inputs),
        outputs=tuple(scale(s) for s in crn.outputs),
        signals=tuple(scale(s) for s in crn.signals),
    )


def formal_values(signals: tuple[Signal, ...], crn: CRN, conc_nM: np.ndarray, unit_nM: float) -> np.ndarray:
    """Formal values of ``signals`` from gate-level concentrations (nM, last axis ``crn.species``)."""
    from crn.simulate import signal_values

    return signal_values(crn, signals, conc_nM) / unit_nM

"""Gate-level kinetics: the strand-displacement system as a mass-action CRN in nM and seconds.

Every formal reaction becomes its scheme's steps (``scheme.mechanism``), each one
toehold-mediated strand displacement with the rate Zhang & Winfree (JACS 2009) measured for its
toehold length, plus an optional leak per gate (``scheme.leaks``). Gates, fuels and helpers start
at the concentrations sizing gave them, so fuel is finite and runs out if the bound was too low.
Formal species keep their names: their concentration in nM divided by ``unit_nM`` is the formal
value, so the gate-level CRN has the formal CRN's input and output signals (offsets in nM).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from crn.model import CRN, Reaction, Signal
from dsd.domains import DomainSystem

ZHANG_WINFREE_2009_PER_M_S = {4: 5.1e4, 5: 9.6e5, 6: 2.4e6, 7: 3.2e6}
"""Toehold-mediated strand displacement, second-order rate constant (/M/s) by toehold length
(nt), 25 C, 1x TAE 12.5 mM Mg2+ (Zhang & Winfree 2009, Fig. 3, toehold-mediated displacement with
the strongest toehold sequences; values from DESIGN §4). Longer toeholds saturate at about
3e6 /M/s; shorter ones are too slow to build with and are rejected."""

SATURATED_PER_M_S = 3.0e6
DEFAULT_LEAK_PER_NM_S = 1e-9


def displacement_rate_per_nM_s(toehold_nt: int) -> float:
    """Zhang & Winfree's measured rate for a ``toehold_nt``-nt toehold, in /nM/s."""
    if toehold_nt < min(ZHANG_WINFREE_2009_PER_M_S):
        raise ValueError(f"toehold length {toehold_nt} nt: displacement needs a toehold of at least "
                         f"{min(ZHANG_WINFREE_2009_PER_M_S)} nt")
    per_M_s = ZHANG_WINFREE_2009_PER_M_S.get(toehold_nt, SATURATED_PER_M_S)
    return per_M_s * 1e-9


def gate_crn(crn: CRN, system: DomainSystem, scheme, unit_nM: float, *,
             leak_per_nM_s: float = 0.0, rate_per_nM_s=displacement_rate_per_nM_s) -> CRN:
    """The gate-level CRN (nM, s) of ``system`` = ``translate(crn, scheme)`` with concentrations
    (e.g. from :func:`dsd.sizing.sized_system`).

    Initial concentrations: every complex at its ``conc_nM`` (signal strands count for their
    formal species). Inputs are added per example: encode ``x * unit_nM``."""
    if leak_per_nM_s < 0:
        raise ValueError(f"leak rate must be >= 0 /nM/s, got {leak_per_nM_s:g}")
    reactions: list[Reaction] = []
    for i, r in enumerate(crn.reactions):
        reactions += scheme.mechanism(r, i, rate_per_nM_s)
        reactions += scheme.leaks(r, i, leak_per_nM_s)
    formal = set(crn.species)
    gate_species = {s for r in reactions for s, _ in r.reactants + r.products} - formal
    clash = gate_species & {c.name for c in system.complexes if c.role == "signal"}
    if clash:
        raise ValueError(f"gate-level species {sorted(clash)[0]} has the name of a signal complex")
    init: dict[str, float] = {}
    for cx in system.complexes:
        if cx.conc_nM <= 0:
            continue
        name = system.species_of.get(cx.name, cx.name) if cx.role == "signal" else cx.name
        init[name] = init.get(name, 0.0) + cx.conc_nM
    missing = [c.name for c in system.complexes if c.role in ("gate", "fuel") and c.conc_nM <= 0
               and system.reaction_of.get(c.name) is not None]
    if len(missing) == sum(1 for c in system.complexes if c.role in ("gate", "fuel")) and missing:
        raise ValueError("no gate or fuel has a concentration: size the system first (dsd translate --model)")
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

"""Calibration of the gate-level kinetics against Peppercorn's condensed network of the same gates.

For one formal reaction (its shape: species renamed A, B, ...), the scheme's gates and a signal
strand per reactant are enumerated by Peppercorn (condensed, 25 C, ``k_slow`` as in
:mod:`dsd.verify`) with its per-base-pair toehold energy set so that an ``nt``-nt toehold has the
same free energy as in :mod:`dsd.rates` (Peppercorn: dG = nt * dG_bp + 1.9 kcal/mol, its
``opening_rate``). Its condensed reactions become a :class:`crn.model.CRN` (nM, s) and both that
and :func:`dsd.kinetics.gate_crn` are simulated by :func:`crn.simulate.simulate` at the same
concentrations; the figure of merit is the time at which the product signal strands reach 90 % of
their final amount.
"""

from __future__ import annotations

import numpy as np

from crn.model import CRN, Reaction, Signal
from crn.simulate import simulate
from dsd.domains import DomainSystem
from dsd.kinetics import gate_crn
from dsd.pil import format_pil
from dsd.rates import DEFAULT_HELPER_EXCESS, toehold_dG_kcal
from dsd.verify import K_SLOW, shape_of

PEPPERCORN_DG_ASSOC_KCAL = 1.9
"""Peppercorn 1.1.1's association penalty in ``opening_rate`` (kcal/mol)."""


def peppercorn_dG_bp(dG_kcal: float, nt: int) -> float:
    """Peppercorn's ``dG_bp`` (kcal/mol per bp) that gives an ``nt``-nt toehold the free energy
    ``dG_kcal``."""
    return (dG_kcal - PEPPERCORN_DG_ASSOC_KCAL) / nt


def _shape_system(reaction: Reaction, scheme, input_nM: float, gate_nM: float, helper_excess: float):
    generic = shape_of(reaction)
    system = DomainSystem()
    for s, _ in generic.reactants:
        scheme.signal(system, s)
    for cx in scheme.gates(system, generic, 0):
        system.reaction_of[cx.name] = 0
    conc = {c.name: (gate_nM * helper_excess if c.role == "helper" else gate_nM)
            for c in system.complexes if c.role != "signal"}
    conc.update({name: input_nM * dict(generic.reactants)[s] for name, s in system.species_of.items()})
    return generic, system.with_concentrations(conc)


def peppercorn_crn(system: DomainSystem, scheme, dG_kcal: float, nt: int) -> tuple[CRN, dict[str, str]]:
    """Peppercorn's condensed network of ``system`` as a CRN in nM and s, and the formal species
    each signal-strand macrostate stands for."""
    from peppercornenumerator import enumerate_pil
    from peppercornenumerator.objects import clear_memory

    clear_memory()
    try:
        # dG_bp before k_slow: the k_slow setter derives the release cut-off from dG_bp
        enum, _ = enumerate_pil(format_pil(system), detailed=False, condensed=True,
                                max_complex_size=max(len(c.strands) for c in system.complexes) + 2,
                                dG_bp=peppercorn_dG_bp(dG_kcal, nt), k_slow=K_SLOW)
        reactions = []
        for r in enum.condensed_reactions:
            k, unit = r.rate_constant
            k = float(k) * {"/nM/s": 1.0, "/M/s": 1e-9, "/s": 1.0}[unit]
            reactions.append(Reaction([str(x) for x in r.reactants], [str(x) for x in r.products], k))
        signals = {}
        for m in enum.resting_macrostates:
            strands = [tuple(str(d) for d in s) for s in m.representative.strand_table]
            species = scheme.species_of_strands(strands)
            if species is not None:
                signals[str(m)] = species
    finally:
        clear_memory()
    init = {c.name: c.conc_nM for c in system.complexes if c.conc_nM > 0}
    return CRN(reactions=reactions, init=init), signals


def _t90(crn: CRN, columns: list[str], t_end: float) -> tuple[float, float]:
    t = np.concatenate([[0.0], np.geomspace(1e-2, t_end, 2000)])
    res = simulate(crn, initial=np.array([[crn.init.get(s, 0.0) for s in crn.species]]), t_end=t_end, t_eval=t,
                   rtol=1e-8, atol=1e-9)
    idx = [crn.species.index(c) for c in columns]
    made = res.trajectories[0][:, idx].sum(axis=1)
    made = made - made[0]
    final = made[-1]
    k = int(np.argmax(made >= 0.9 * final))
    # linear interpolation inside the grid step
    t90 = t[k] if k == 0 else t[k - 1] + (0.9 * final - made[k - 1]) / (made[k] - made[k - 1]) * (t[k] - t[k - 1])
    return float(t90), float(final)


def calibrate(reaction: Reaction, scheme, *, dG_kcal: float | None = None, input_nM: float = 10.0,
              gate_nM: float = 20.0, helper_excess: float = DEFAULT_HELPER_EXCESS,
              t_end_s: float = 4 * 24 * 3600.0) -> dict:
    """Time to 90 % of the products (s) in the project's gate model and in Peppercorn's condensed
    network of the gates of ``reaction``'s shape (inputs at ``input_nM`` per molecule, gates and
    fuels at ``gate_nM``, helpers ``helper_excess`` times that), and their ratio."""
    nt = scheme.toehold_nt
    dG = toehold_dG_kcal(nt) if dG_kcal is None else dG_kcal
    generic, system = _shape_system(reaction, scheme, input_nM, gate_nM, helper_excess)
    products = [s for s, _ in generic.products]
    formal = CRN(reactions=(generic,), inputs=tuple(Signal(s, s) for s, _ in generic.reactants),
                 outputs=tuple(Signal(s, s) for s in products))
    ours = gate_crn(formal, system, scheme, 1.0, toehold_dG_kcal=dG)
    theirs, signals = peppercorn_crn(system, scheme, dG, nt)
    made = [m for m, s in signals.items() if s in products and m in theirs.species]
    t_ours, final_ours = _t90(ours, [s for s in products if s in ours.species], t_end_s)
    t_theirs, final_theirs = _t90(theirs, made, t_end_s)
    return {"shape": _text(generic), "scheme": scheme.name, "dG_kcal": dG, "t90_s": t_ours,
            "t90_peppercorn_s": t_theirs, "ratio": t_ours / t_theirs, "final_nM": final_ours,
            "final_peppercorn_nM": final_theirs}


def _text(r: Reaction) -> str:
    side = lambda xs: " + ".join(s if n == 1 else f"{n} {s}" for s, n in xs) or "0"  # noqa: E731
    return f"{side(r.reactants)} -> {side(r.products)}"


def reaction_shapes(crn: CRN) -> list[Reaction]:
    """One reaction per distinct shape of ``crn``, in first-seen order."""
    seen: dict[Reaction, Reaction] = {}
    for r in crn.reactions:
        seen.setdefault(shape_of(r), r)
    return list(seen.values())

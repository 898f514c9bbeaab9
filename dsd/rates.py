"""Every constant of the gate-level kinetics, with its unit and source, and the condensed rates
of toehold-mediated strand displacement that follow from them.

Rate model: Peppercorn's (Badelt, Grun, Sarma, Wolfe, Shin, Winfree, "A domain-level DNA
strand displacement reaction enumerator allowing arbitrary non-pseudoknotted secondary
structures", J. R. Soc. Interface 17:20190866, 2020; ``peppercornenumerator`` 1.1.1,
``ratemodel.py``), learnt from its documentation and formulas, not copied:

* a toehold of ``n`` nt binds at ``k_on = n * 3e5`` /M/s (bimolecular binding grows with the
  number of well-aligned initial contacts; Wetmur 1976, Srinivas et al. 2013);
* it lets go at ``k_off = k_on * exp(dG / RT)`` /s (``dG`` < 0: the toehold duplex's free energy,
  1 M standard state, so ``k_off / k_on`` is the dissociation constant in M);
* 3-way branch migration across a helix of ``L`` nt completes at ``1 / (t_init * L)`` /s, with
  ``t_init`` = 3 ms when the displaced strand has no dangling end at the branch point (every gate
  of the shipped schemes) and 0.1 ms (one step) when it has;
* a displacement is condensed to one second-order step ``k_eff = k_on * P(complete)``, P being
  the probability that the invader, once on the toehold, completes branch migration before it
  lets go; with toehold exchange (the incumbent is held by its own toehold after migration)
  P = k_bm k_off2 / (k_bm k_off1 + k_bm k_off2 + k_off1 k_off2), which is Peppercorn's
  condensation of the same three-state chain (invader on toehold, branch migrated, released).

Zhang & Winfree (JACS 131:17303, 2009) measured 2.4e6 /M/s for 6-nt toeholds with G/C; with the
A/C/T toeholds the sequence designer makes (-6.3 kcal/mol at 6 nt) this model gives 4.8e5 /M/s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

R_KCAL_PER_MOL_K = 0.0019872
"""Gas constant, kcal/(mol K)."""

TEMPERATURE_K = 298.15
"""25 C, the temperature of the sequence design and of Peppercorn's rate model."""

RT_KCAL_PER_MOL = R_KCAL_PER_MOL_K * TEMPERATURE_K
"""RT at 25 C, kcal/mol (0.5925)."""

K_ON_PER_M_S_PER_NT = 3.0e5
"""Toehold binding, /M/s per nt of toehold (Peppercorn's ``bimolecular_binding_rate``; Wetmur
1976; Srinivas et al., NAR 41:10641, 2013): 1.8e6 /M/s for 6 nt, 3e6 /M/s for 10 nt."""

BRANCH_INIT_S = 3.0e-3
"""3-way branch migration initiation without a dangle on the displaced side, s (Peppercorn's
``branch_3way_remote_rate``; Srinivas et al. 2013)."""

BRANCH_STEP_S = 1.0e-4
"""One step of 3-way branch migration, s (Srinivas et al. 2013; Peppercorn uses it as the
initiation time when the displaced strand has a dangling end)."""

DEFAULT_TOEHOLD_DG_KCAL = {5: -4.9, 6: -6.3, 7: -7.7}
"""Target toehold duplex free energy by length (nt), kcal/mol: the median of A/C/T-only toeholds,
ViennaRNA 2.x DNA parameters (Mathews 2004), 25 C, 1 M Na+ (DESIGN §5, measured here). Other
lengths: -1.4 kcal/mol per nt (the slope of this table)."""

DG_PER_NT_KCAL = -1.4
"""Free energy per nt for toehold lengths outside :data:`DEFAULT_TOEHOLD_DG_KCAL`, kcal/mol."""

LEAK_PER_NM_S_RANGE = (1e-9, 1e-8)
"""Gate-fuel leak of well-designed gates, /nM/s (= 1-10 /M/s): Zhang & Winfree 2009 (~1 /M/s
uninitiated displacement), Chen et al., Nature Nanotech. 8:755 (2013) and Srinivas et al.,
Science 358:eaal2052 (2017) (clamped two-domain gates, ~1-10 /M/s)."""

DEFAULT_LEAK_PER_NM_S = 1e-9
"""The leak rate the build reports alongside the ideal run, /nM/s (low end of the range)."""

DEFAULT_INITIAL_LEAK = 0.005
"""Fraction of each gate's output free at t = 0 (imperfect annealing and purification; 0.5 %,
within the ~0.1-1 % left after PAGE purification reported by Chen et al. 2013 and Srinivas 2017).
The kinetics API defaults to 0; the build passes this."""

DEFAULT_HELPER_EXCESS = 10.0
"""Backward/helper strands relative to their gate (x). A bimolecular gate holds back a fraction
of about [gate]/[helper] of its first reactant (DESIGN §4), so 10x leaves ~10 %, and that only
where no reactant can go first without being read out or consumed elsewhere."""


def toehold_dG_kcal(nt: int) -> float:
    """Default toehold free energy (kcal/mol) for a toehold of ``nt`` nt.

    >>> toehold_dG_kcal(6), toehold_dG_kcal(8)
    (-6.3, -9.1)
    """
    if nt in DEFAULT_TOEHOLD_DG_KCAL:
        return DEFAULT_TOEHOLD_DG_KCAL[nt]
    return round(DEFAULT_TOEHOLD_DG_KCAL[7] + DG_PER_NT_KCAL * (nt - 7), 6)


def k_on_per_M_s(nt: int) -> float:
    """Binding of an ``nt``-nt toehold, /M/s."""
    return K_ON_PER_M_S_PER_NT * nt


def k_off_per_s(nt: int, dG_kcal: float) -> float:
    """Unbinding of an ``nt``-nt toehold of free energy ``dG_kcal`` (< 0), /s."""
    return k_on_per_M_s(nt) * math.exp(dG_kcal / RT_KCAL_PER_MOL)


def branch_migration_per_s(migrate_nt: int, dangle: bool = False) -> float:
    """Completion of 3-way branch migration across ``migrate_nt`` nt, /s."""
    return 1.0 / ((BRANCH_STEP_S if dangle else BRANCH_INIT_S) * migrate_nt)


def condensed_per_M_s(nt: int, dG_kcal: float, migrate_nt: int, *, out_nt: int | None = None,
                      out_dG_kcal: float | None = None, dangle: bool = False) -> float:
    """Effective second-order rate (/M/s) of one toehold-mediated displacement: binding times the
    probability of completing. ``out_nt``/``out_dG_kcal``: the incumbent stays on its own toehold
    after migration (toehold exchange); None: it falls off (irreversible displacement).

    >>> round(condensed_per_M_s(6, -6.3, 21))  # a Soloveichik gate, A/C/T toehold
    482160
    """
    k_bm = branch_migration_per_s(migrate_nt, dangle)
    k1 = k_off_per_s(nt, dG_kcal)
    if out_nt is None:
        p = k_bm / (k_bm + k1)
    else:
        k2 = k_off_per_s(out_nt, out_dG_kcal)
        p = k_bm * k2 / (k_bm * k1 + k_bm * k2 + k1 * k2)
    return k_on_per_M_s(nt) * p


@dataclass(frozen=True)
class ToeholdRates:
    """Rates of a system's steps, in /nM/s and /s, from each toehold's free energy.

    ``dG_kcal``: a toehold domain name -> dG (kcal/mol, the designed sequences'), used where
    given; every other toehold gets ``default_dG_kcal`` (one value for all) or, when that is None,
    :func:`toehold_dG_kcal` of its length."""

    dG_kcal: Mapping[str, float] = field(default_factory=dict)
    default_dG_kcal: float | None = None

    def dG(self, toehold: str, nt: int) -> float:
        if toehold in self.dG_kcal:
            return float(self.dG_kcal[toehold])
        return self.default_dG_kcal if self.default_dG_kcal is not None else toehold_dG_kcal(nt)

    def bind(self, toehold: str, nt: int) -> float:
        """Toehold binding, /nM/s."""
        return k_on_per_M_s(nt) * 1e-9

    def unbind(self, toehold: str, nt: int) -> float:
        """Toehold unbinding, /s."""
        return k_off_per_s(nt, self.dG(toehold, nt))

    def displace(self, toehold: str, nt: int, migrate_nt: int, out: tuple[str, int] | None = None) -> float:
        """Condensed displacement via ``toehold`` (``nt`` nt) across ``migrate_nt`` nt, /nM/s;
        ``out`` = (toehold, nt) the incumbent keeps (toehold exchange) or None."""
        if out is None:
            return condensed_per_M_s(nt, self.dG(toehold, nt), migrate_nt) * 1e-9
        return condensed_per_M_s(nt, self.dG(toehold, nt), migrate_nt, out_nt=out[1],
                                 out_dG_kcal=self.dG(*out)) * 1e-9


def toehold_rates(toehold_dG_kcal: float | Mapping[str, float] | None = None) -> ToeholdRates:
    """A :class:`ToeholdRates` from what a caller has: one dG for every toehold, a mapping per
    toehold domain name, or None (the default per length)."""
    if toehold_dG_kcal is None:
        return ToeholdRates()
    if isinstance(toehold_dG_kcal, Mapping):
        bad = {k: v for k, v in toehold_dG_kcal.items() if not (math.isfinite(v) and v < 0)}
        if bad:
            name = sorted(bad)[0]
            raise ValueError(f"toehold {name}: dG_kcal must be a finite negative number, got {bad[name]}")
        return ToeholdRates(dict(toehold_dG_kcal))
    dG = float(toehold_dG_kcal)
    if not (math.isfinite(dG) and dG < 0):
        raise ValueError(f"toehold_dG_kcal must be a finite negative number (kcal/mol), got {dG:g}")
    return ToeholdRates(default_dG_kcal=dG)

"""Gate and fuel concentrations from bounds on how much each formal reaction can fire.

A gate complex is used up once per firing of its reaction, so a reaction needs at least as much
of each of its gates, fuels and helpers as it can fire. :func:`firing_bounds` bounds that over
a whole box of inputs (not just the examples at hand) by interval propagation through the
feed-forward CRN: the most of a species there can ever be is its initial amount at the box's
worst corner plus what producers can make at most, and a reaction fires at most the smallest of
(most of its reactant) / (stoichiometry) over its reactants. Every species of a compiled CRN is
consumed by at most one reaction, so this is a sound upper bound (it is exact for the fan-out
reactions and may be loose for the bimolecular ReLU reactions).

Any other CRN (a species consumed by several reactions, catalysts, cycles, reversible pairs,
zero-order sources: approximate majority, oscillators) has no such bound: a catalytic or cyclic
reaction fires for as long as the tube runs. :func:`simulated_bounds` sizes it from the formal
mass-action simulation instead: every corner of the input box (all 2^n up to
:data:`MAX_CORNERS`, else that many at random), its centre and :data:`BOX_SAMPLES` uniform samples
(seeded), plus the examples when given, each run to ``horizon`` formal time units (default
:data:`SIZING_HORIZON`); a reaction's bound is the most it fired in total (its cumulative extent,
counted by a product species added to it) over those runs. The safety factor then covers inputs
between the simulated points and time past the horizon; ``Sizing.method`` says which rule sized a
system.

Concentrations: 1 formal unit = ``unit_nM`` nM; each gate and fuel of reaction ``r`` is added at
``bound[r] * safety * unit_nM`` nM and each helper (backward) strand at ``helper_excess`` times
that (default 10x, :data:`dsd.rates.DEFAULT_HELPER_EXCESS`: a bimolecular gate then holds back
about a tenth of its first input, not half); a species with an initial value (a bias) is added as
signal strand at ``init * unit_nM`` nM.

Formal rate constants: a unimolecular reaction's effective rate is k_eff [gate], so when the
unimolecular reactions' rate constants differ, every unimolecular reaction's complexes are scaled
in proportion to its rate constant (Soloveichik et al. 2010: [gate] proportional to k), by the
smallest common factor that keeps each at least its firing bound. A reaction of two or more
inputs is rate-limited by the helper's excess, not by [gate], so a rate constant other than 1
there is refused (one line naming the reaction).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crn.feedforward import NotFeedForward, fire_to_completion, reaction_order
from crn.model import CRN, Reaction
from crn.simulate import encode_inputs

SIZING_HORIZON = 50.0
"""Formal time units a non-feed-forward CRN is simulated for to size its gates (the formal
trajectories' default horizon; one formal time unit is about 0.6 to 1.1 h of Soloveichik 2010
gates at 10 nM per unit, 6-nt toeholds and helpers at 10x: :mod:`dsd.formal_compare`)."""

MAX_CORNERS = 64
"""Most input-box corners simulated to size a non-feed-forward CRN (all of them up to 6 inputs)."""

BOX_SAMPLES = 16
"""Uniform random points of the input box simulated besides its corners and centre (seed 0)."""
from dsd.domains import DomainSystem
from dsd.rates import DEFAULT_HELPER_EXCESS


@dataclass(frozen=True)
class Sizing:
    """Per-reaction firing bounds (formal units) and the concentrations they give (nM)."""

    unit_nM: float
    safety: float
    input_low: np.ndarray  # (n_inputs,) formal units
    input_high: np.ndarray
    bound: np.ndarray  # (n_reactions,) upper bound of each reaction's extent over the input box
    observed: np.ndarray | None  # (n_reactions,) largest extent over the examples checked, if any
    helper_excess: float = DEFAULT_HELPER_EXCESS  # helper strands per gate (x)
    rate_scale: np.ndarray | None = None  # (n_reactions,) >= 1: extra factor honouring rate constants
    method: str = "interval"  # "interval" (feed-forward propagation) or "simulated" (see simulated_bounds)
    horizon: float | None = None  # formal time units simulated (method "simulated")
    runs: int = 0  # input points simulated (method "simulated")

    def gate_nM(self, reaction: int) -> float:
        """Concentration (nM) of each gate and fuel complex of ``reaction``."""
        scale = 1.0 if self.rate_scale is None else float(self.rate_scale[reaction])
        return float(self.bound[reaction] * self.safety * self.unit_nM * scale)

    def helper_nM(self, reaction: int) -> float:
        """Concentration (nM) of each helper (backward) strand of ``reaction``."""
        return self.gate_nM(reaction) * self.helper_excess

    def summary(self) -> dict:
        out = {
            "unit_nM": self.unit_nM,
            "safety": self.safety,
            "input_low": self.input_low.tolist(),
            "input_high": self.input_high.tolist(),
            "bound_total": float(self.bound.sum()),
            "bound_max": float(self.bound.max(initial=0.0)),
            "helper_excess": self.helper_excess,
            "bound_method": self.method,
        }
        if self.method == "simulated":
            out.update(horizon=self.horizon, runs=self.runs)
        if self.rate_scale is not None:
            out["rate_scale_max"] = float(self.rate_scale.max(initial=1.0))
        if self.observed is not None:
            used = self.bound > 0
            slack = self.bound[used] / np.maximum(self.observed[used], 1e-12)
            out["observed_max"] = float(self.observed.max(initial=0.0))
            out["bound_over_observed_median"] = float(np.median(slack)) if slack.size else 0.0
        return out


def max_initial(crn: CRN, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Largest initial concentration of each species (``crn.species`` order) over the input box.

    Every input encoding is monotone in each input separately, so the largest value of each
    species is reached at the box's low or high corner."""
    low = np.asarray(low, float).reshape(1, -1)
    high = np.asarray(high, float).reshape(1, -1)
    if np.any(low > high):
        k = int(np.argmax(low > high))
        raise ValueError(f"input range of input {k}: low {low[0, k]:g} > high {high[0, k]:g}")
    return np.maximum(encode_inputs(crn, low), encode_inputs(crn, high))[0]


def firing_bounds(crn: CRN, initial_max: np.ndarray) -> np.ndarray:
    """Upper bound of each reaction's extent (formal units) when each species starts at most at
    ``initial_max`` (``crn.species`` order). Raises NotFeedForward for CRNs it cannot bound."""
    index = {s: i for i, s in enumerate(crn.species)}
    most = np.array(initial_max, dtype=float, copy=True)
    bound = np.zeros(len(crn.reactions))
    for i in reaction_order(crn):
        r = crn.reactions[i]
        bound[i] = min(most[index[s]] / n for s, n in r.reactants) if r.reactants else np.inf
        for s, n in r.products:
            most[index[s]] += n * bound[i]
    if not np.all(np.isfinite(bound)):
        raise NotFeedForward("a reaction without reactants fires without bound")
    return bound


def box_points(low: np.ndarray, high: np.ndarray, examples: np.ndarray | None = None, *,
               samples: int = BOX_SAMPLES, max_corners: int = MAX_CORNERS, seed: int = 0) -> np.ndarray:
    """The input points (n, n_inputs, formal units) :func:`simulated_bounds` runs: the box's corners
    (every one when there are at most ``max_corners``, else ``max_corners`` drawn at random), its
    centre, ``samples`` uniform points (seeded) and ``examples``, duplicates removed.

    >>> box_points(np.array([0.0, 0.0]), np.array([1.0, 2.0]), samples=0).tolist()
    [[0.0, 0.0], [0.0, 2.0], [0.5, 1.0], [1.0, 0.0], [1.0, 2.0]]
    """
    low, high = np.asarray(low, float), np.asarray(high, float)
    n = len(low)
    rng = np.random.default_rng(seed)
    if n <= 30 and 2 ** n <= max_corners:
        bits = (np.arange(2 ** n)[:, None] >> np.arange(n)[::-1]) & 1
    else:
        bits = rng.integers(0, 2, size=(max_corners, n))
    pts = [low + bits * (high - low), ((low + high) / 2)[None], low + rng.random((samples, n)) * (high - low)]
    if examples is not None:
        pts.append(np.atleast_2d(np.asarray(examples, float)))
    return np.unique(np.concatenate(pts), axis=0)


def counted(crn: CRN) -> tuple[CRN, list[str]]:
    """``crn`` with a counter species added as a product of every reaction (its amount is the
    reaction's cumulative extent; nothing consumes it), and the counters' names."""
    taken = set(crn.species)
    names = []
    for i in range(len(crn.reactions)):
        name = f"fired_r{i}"
        while name in taken:
            name = "_" + name
        names.append(name)
    reactions = [Reaction(r.reactants, tuple(r.products) + ((c, 1),), r.rate) for r, c in zip(crn.reactions, names)]
    return crn.replace(reactions=tuple(reactions)), names


def simulated_bounds(crn: CRN, low, high, examples: np.ndarray | None = None, *, horizon: float = SIZING_HORIZON
                     ) -> tuple[np.ndarray, np.ndarray | None, int]:
    """(bound, observed, runs): each reaction's largest cumulative extent (formal units) over the
    formal simulation of :func:`box_points` to ``horizon`` formal time units, the largest over the
    ``examples`` alone (None without examples) and the number of points run. For CRNs
    :func:`firing_bounds` cannot bound (see the module docstring).

    >>> from crn.textformat import parse_crn
    >>> crn = parse_crn("input A\\ninput B\\nA + B -> 2 B\\nB -> A @ 0.1")
    >>> bound, _, runs = simulated_bounds(crn, [0, 0], [1, 1], horizon=10)
    >>> runs, bool(bound[0] > 1.0)  # the cycle fires more than any input's amount
    (21, True)
    """
    from crn.simulate import simulate

    if not horizon > 0:
        raise ValueError(f"the sizing horizon must be > 0 formal time units, got {horizon:g}")
    tally, names = counted(crn)
    pts = box_points(np.asarray(low, float), np.asarray(high, float), examples)
    run = simulate(tally, pts, t_end=horizon, n_points=2, keep_trajectories=False)
    cols = [tally.species.index(c) for c in names]
    fired = run.final[:, cols]
    observed = None
    if examples is not None:
        ex = simulate(tally, np.atleast_2d(np.asarray(examples, float)), t_end=horizon, n_points=2,
                      keep_trajectories=False)
        observed = ex.final[:, cols].max(axis=0)
    return fired.max(axis=0), observed, len(pts)


def rate_scale(crn: CRN, bound: np.ndarray) -> np.ndarray | None:
    """Per-reaction concentration factors (>= 1) that make each unimolecular reaction's gates
    proportional to its rate constant, or None when its rate constants are all equal. Raises
    ValueError naming the first reaction of two or more inputs whose rate constant is not 1.

    >>> from crn.textformat import parse_crn
    >>> rate_scale(parse_crn("input A\\nA -> B @ 5\\nA -> C\\n"), np.array([1.0, 1.0])).tolist()
    [5.0, 1.0]
    """
    side = lambda xs: " + ".join(s if n == 1 else f"{n} {s}" for s, n in xs) or "0"  # noqa: E731
    for i, r in enumerate(crn.reactions):
        if r.order >= 2 and r.rate != 1.0:
            raise ValueError(f"reaction {i} ({side(r.reactants)} -> {side(r.products)} @ {r.rate:g}): a rate constant other than 1 on a reaction of "
                             "two or more inputs cannot be set by gate concentration (the helper excess sets it)")
    uni = [i for i, r in enumerate(crn.reactions) if r.order == 1 and bound[i] > 0]
    if len({crn.reactions[i].rate for i in uni}) <= 1:
        return None
    # [gate_i] = c * k_i with c the smallest factor keeping every gate at its bound: c = max bound_i / k_i
    c = max(bound[i] / crn.reactions[i].rate for i in uni)
    scale = np.ones(len(crn.reactions))
    for i in uni:
        scale[i] = c * crn.reactions[i].rate / bound[i]
    return scale


def size_reactions(crn: CRN, input_low, input_high, *, safety: float = 2.0, unit_nM: float = 10.0,
                   examples: np.ndarray | None = None, helper_excess: float = DEFAULT_HELPER_EXCESS,
                   horizon: float | None = None) -> Sizing:
    """Bounds for the input box [input_low, input_high] (formal units, one value per input or a
    scalar for all), and, if ``examples`` (n, n_inputs) are given, the extents they really reach.
    ``helper_excess``: helper strands per gate (x, >= 1). A CRN that is not feed-forward is sized
    by :func:`simulated_bounds` to ``horizon`` formal time units (None: :data:`SIZING_HORIZON`)."""
    if safety < 1:
        raise ValueError(f"safety factor must be >= 1, got {safety:g}")
    if not helper_excess >= 1:
        raise ValueError(f"helper_excess must be >= 1, got {helper_excess:g}")
    if unit_nM <= 0:
        raise ValueError(f"unit_nM must be > 0, got {unit_nM:g}")
    n_in = len(crn.inputs)
    low = np.broadcast_to(np.asarray(input_low, float), (n_in,)).copy()
    high = np.broadcast_to(np.asarray(input_high, float), (n_in,)).copy()
    initial = max_initial(crn, low, high)
    try:
        bound = firing_bounds(crn, initial)
    except NotFeedForward:
        horizon = SIZING_HORIZON if horizon is None else float(horizon)
        bound, observed, runs = simulated_bounds(crn, low, high, examples, horizon=horizon)
        return Sizing(unit_nM, safety, low, high, bound, observed, float(helper_excess), rate_scale(crn, bound),
                      "simulated", horizon, runs)
    observed = None
    if examples is not None:
        _, extents = fire_to_completion(crn, encode_inputs(crn, examples))
        observed = extents.max(axis=0)
        if np.any(observed > bound * (1 + 1e-9) + 1e-12):
            raise AssertionError("an example fires a reaction beyond its bound: the inputs lie outside the box")
    return Sizing(unit_nM, safety, low, high, bound, observed, float(helper_excess), rate_scale(crn, bound))


def sized_system(system: DomainSystem, crn: CRN, sizing: Sizing) -> DomainSystem:
    """``system`` with concentrations: gates/fuels/helpers from ``sizing``, bias signal strands at
    ``init * unit_nM`` (input signal strands stay at 0; they are added per example)."""
    role = {c.name: c.role for c in system.complexes}
    conc = {name: sizing.helper_nM(r) if role.get(name) == "helper" else sizing.gate_nM(r)
            for name, r in system.reaction_of.items()}
    for name, species in system.species_of.items():
        conc[name] = crn.init.get(species, 0.0) * sizing.unit_nM
    return system.with_concentrations(conc)


def complex_totals(system: DomainSystem) -> dict[str, float]:
    """Total concentration (nM) per complex role (gate, fuel, helper, signal, ...)."""
    totals: dict[str, float] = {}
    for cx in system.complexes:
        totals[cx.role] = totals.get(cx.role, 0.0) + cx.conc_nM
    return totals


__all__ = ["Sizing", "max_initial", "firing_bounds", "simulated_bounds", "box_points", "size_reactions", "sized_system", "complex_totals",
           "NotFeedForward"]

"""The formal chemical reaction network: species, reactions, initial concentrations, signals.

A CRN here is the *formal* network that a molecular program is specified as. Species are plain
names; concentrations are in formal units (dimensionless; the DNA back end maps one unit to
``unit_nM``). A *signal* is a value the CRN reads or computes: either one species (single-rail,
value = concentration - offset) or a dual-rail pair (value = [plus] - [minus]).

Everything here is immutable: the compiler, the reducer and the fan-out pass return new CRNs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

SPECIES_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

Side = tuple[tuple[str, int], ...]
"""One side of a reaction: ``(species, stoichiometry)`` pairs, each species once, counts >= 1."""


def make_side(items: Iterable[str] | Mapping[str, int] | Iterable[tuple[str, int]]) -> Side:
    """Normalise a multiset of species into a :data:`Side`, merging repeats in first-seen order.

    >>> make_side(["A", "B", "A"])
    (('A', 2), ('B', 1))
    >>> make_side({"C": 2})
    (('C', 2),)
    """
    counts: dict[str, int] = {}
    pairs = items.items() if isinstance(items, Mapping) else items
    for item in pairs:
        name, n = (item, 1) if isinstance(item, str) else item
        if n < 0:
            raise ValueError(f"negative stoichiometry {n} for species {name!r}")
        if n:
            counts[name] = counts.get(name, 0) + int(n)
    return tuple(counts.items())


@dataclass(frozen=True, eq=False)
class Reaction:
    """A mass-action reaction ``reactants -> products`` with rate constant ``rate``.

    ``rate`` is in formal units (per unit concentration^(order-1) per unit time); compiled
    networks use 1 everywhere, since their result does not depend on it.
    """

    reactants: Side
    products: Side
    rate: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "reactants", make_side(self.reactants))
        object.__setattr__(self, "products", make_side(self.products))
        object.__setattr__(self, "rate", float(self.rate))

    @property
    def order(self) -> int:
        """Molecularity: the number of reactant molecules (1 = unimolecular, 2 = bimolecular)."""
        return sum(n for _, n in self.reactants)

    @property
    def n_products(self) -> int:
        """Number of product molecules, counted with multiplicity."""
        return sum(n for _, n in self.products)

    def __eq__(self, other: object) -> bool:
        # reactions are multisets: the order species are written in does not matter
        if not isinstance(other, Reaction):
            return NotImplemented
        return (
            dict(self.reactants) == dict(other.reactants)
            and dict(self.products) == dict(other.products)
            and self.rate == other.rate
        )

    def __hash__(self) -> int:
        return hash((frozenset(self.reactants), frozenset(self.products), self.rate))

    def product_count(self, species: str) -> int:
        return dict(self.products).get(species, 0)

    def reactant_count(self, species: str) -> int:
        return dict(self.reactants).get(species, 0)


@dataclass(frozen=True)
class Signal:
    """A value carried by chemical species.

    Dual-rail (``minus`` set): value = [plus] - [minus]. Single-rail (``minus`` is None):
    value = [plus] - ``offset``; the *shifted* input encoding uses ``offset > 0`` so that negative
    inputs become non-negative concentrations.
    """

    name: str
    plus: str
    minus: str | None = None
    offset: float = 0.0

    @property
    def dual_rail(self) -> bool:
        return self.minus is not None

    @cached_property
    def species(self) -> tuple[str, ...]:
        return (self.plus,) if self.minus is None else (self.plus, self.minus)


@dataclass(frozen=True)
class CRN:
    """A formal CRN.

    Attributes
    ----------
    reactions : tuple of Reaction
    init : dict species -> initial concentration (formal units, >= 0); absent species start at 0.
        Input species get their concentrations from the input encoding at simulation time, on top
        of any ``init`` they have.
    inputs, outputs : tuple of Signal
        What the CRN reads and what it computes, in network order.
    signals : tuple of Signal
        Other (internal) dual-rail pairs, known so that passes such as dual-rail cancellation can
        find them.
    """

    reactions: tuple[Reaction, ...] = ()
    init: Mapping[str, float] = field(default_factory=dict)
    inputs: tuple[Signal, ...] = ()
    outputs: tuple[Signal, ...] = ()
    signals: tuple[Signal, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "reactions", tuple(self.reactions))
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "outputs", tuple(self.outputs))
        object.__setattr__(self, "signals", tuple(self.signals))
        init = {s: float(c) for s, c in self.init.items() if float(c) != 0.0}
        for s, c in init.items():
            if not c >= 0.0:
                raise ValueError(f"initial concentration of {s} is {c}; it must be >= 0")
        object.__setattr__(self, "init", init)

    # -- derived views -------------------------------------------------------------------------
    @cached_property
    def species(self) -> tuple[str, ...]:
        """All species, in a deterministic order: input and output signals' species, then
        species with an initial concentration, then species in reaction order. (Internal signals
        name pairs; a rail that no reaction uses is not a species of the network.)"""
        seen: dict[str, None] = {}
        for sig in self.inputs + self.outputs:
            for s in sig.species:
                seen.setdefault(s)
        for s in self.init:
            seen.setdefault(s)
        for r in self.reactions:
            for s, _ in r.reactants + r.products:
                seen.setdefault(s)
        return tuple(seen)

    @property
    def dual_rail_pairs(self) -> tuple[tuple[str, str], ...]:
        """Every dual-rail ``(plus, minus)`` pair the CRN declares."""
        return tuple(
            (sig.plus, sig.minus)
            for sig in self.inputs + self.outputs + self.signals
            if sig.minus is not None
        )

    @property
    def input_species(self) -> frozenset[str]:
        return frozenset(s for sig in self.inputs for s in sig.species)

    @property
    def output_species(self) -> frozenset[str]:
        return frozenset(s for sig in self.outputs for s in sig.species)

    def replace(self, **changes) -> CRN:
        """A copy with some fields replaced (``dataclasses.replace``)."""
        from dataclasses import replace

        return replace(self, **changes)

    def stats(self) -> dict[str, int]:
        """Counts a molecular programmer compares CRN forms by."""
        return {
            "reactions": len(self.reactions),
            "unimolecular": sum(r.order == 1 for r in self.reactions),
            "bimolecular": sum(r.order == 2 for r in self.reactions),
            "species": len(self.species),
            "max_products": max((r.n_products for r in self.reactions), default=0),
        }

"""Volumes for the wet lab (conventions in :mod:`dsd.wetlab.protocol`): the complexes of a strands
table, how each is annealed (ratios, µM, µL), the mixing table of one reaction (nM final, µL
from µM stocks, 1-2-5 working dilutions) and the input strands of an example."""


from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from dsd.domains import complement
from dsd.wetlab.order import StrandEntry, strand_entries

ANNEALED_ROLES = ("gate", "fuel", "helper", "reporter")
AS_ANNEALED_ROLES = ("reporter",)  # never gel-purified: the excess top strand is an inert quencher strand



class MixDoesNotFit(ValueError):
    """The complexes, the input slot and the buffer need more than the reaction volume (µL): a
    larger reaction, lower concentrations or fewer complexes would fit."""

@dataclass(frozen=True)
class ProtocolOptions:
    """Volumes in µL, concentrations in µM (stocks) or nM (in the reaction), temperatures in °C.

    reaction_uL : volume of one reaction. input_uL : part of it kept for the input strands.
    stock_uM : concentration every oligo is resuspended at. min_volume_uL : smallest volume to
        pipette (smaller ones come from a working stock diluted 1:2, 1:5, 1:10, 1:20, ...).
    top_excess : top strands over backbone when annealing. backbone : ``paired`` | ``longest``.
    anneal_uM : backbone concentration while annealing (upper bound). anneal_uL : annealing volume.
    buffer, buffer_stock_x : the reaction buffer and the concentration (×) of its stock.
    anneal_high_C, anneal_hold_min, anneal_low_C, cool_C_per_min : the annealing program.
    purify : ``page`` (gel-purify annealed complexes) | ``excess`` (use them with the excess).
    reaction_C : temperature the reaction runs at.
    """

    reaction_uL: float = 100.0
    input_uL: float = 10.0
    stock_uM: float = 100.0
    min_volume_uL: float = 0.5
    top_excess: float = 1.2
    backbone: str = "paired"
    anneal_uM: float = 10.0
    anneal_uL: float = 50.0
    buffer: str = "1× TAE with 12.5 mM Mg²⁺ (40 mM Tris-acetate, 1 mM EDTA, 12.5 mM Mg-acetate, pH 8.0)"
    buffer_stock_x: float = 10.0
    anneal_high_C: float = 95.0
    anneal_hold_min: float = 3.0
    anneal_low_C: float = 20.0
    cool_C_per_min: float = 1.0
    purify: str = "page"
    reaction_C: float = 25.0

    def __post_init__(self) -> None:
        for k in ("reaction_uL", "stock_uM", "anneal_uM", "anneal_uL", "cool_C_per_min"):
            if not getattr(self, k) > 0:
                raise ValueError(f"protocol {k} must be > 0, got {getattr(self, k)}")
        if not 0 <= self.input_uL < self.reaction_uL:
            raise ValueError(f"protocol input_uL must be in [0, reaction_uL), got {self.input_uL}")
        if self.min_volume_uL < 0:
            raise ValueError(f"protocol min_volume_uL must be >= 0, got {self.min_volume_uL}")
        if not self.top_excess >= 1:
            raise ValueError(f"protocol top_excess must be >= 1, got {self.top_excess}")
        if not self.buffer_stock_x > 1:
            raise ValueError(f"protocol buffer_stock_x must be > 1, got {self.buffer_stock_x}")
        if self.backbone not in ("paired", "longest"):
            raise ValueError(f"protocol backbone must be 'paired' or 'longest', got {self.backbone!r}")
        if self.purify not in ("page", "excess"):
            raise ValueError(f"protocol purify must be 'page' or 'excess', got {self.purify!r}")
        if not self.anneal_high_C > self.anneal_low_C:
            raise ValueError("protocol anneal_high_C must be above anneal_low_C")


@dataclass(frozen=True)
class ComplexMix:
    """A complex as it is made and added: its strands (names, domains, lengths in nt), the index of
    its backbone strand, its role and its concentration in the reaction (nM; 0: not added)."""

    name: str
    role: str
    conc_nM: float
    strands: tuple[str, ...]
    domains: tuple[tuple[str, ...], ...]
    lengths_nt: tuple[int, ...]
    backbone: int = 0

    @property
    def annealed(self) -> bool:
        return len(self.strands) > 1

    def ratio(self, k: int, top_excess: float) -> float:
        """Amount of strand ``k`` per backbone when annealing."""
        return 1.0 if k == self.backbone else top_excess


@dataclass(frozen=True)
class Row:
    """One line of a recipe: what, how concentrated in the mix (nM) and in its stock (µM), how much (µL)."""

    component: str
    role: str
    final_nM: float | None
    stock_uM: float | None
    volume_uL: float
    note: str = ""
    in_buffer: bool = False  # the stock is in 1× buffer (annealed complexes and their dilutions)


@dataclass(frozen=True)
class Anneal:
    """How to anneal one complex: rows (backbone, top strands, 10× buffer, water) summing to
    ``volume_uL``, backbone at ``conc_uM``."""

    complex: ComplexMix
    conc_uM: float
    volume_uL: float
    rows: tuple[Row, ...]


# --- complexes ------------------------------------------------------------------------------


def _backbone(domains: Sequence[Sequence[str]], lengths: Sequence[int], rule: str) -> int:
    if len(domains) == 1:
        return 0
    if rule == "longest":
        return max(range(len(domains)), key=lambda k: (lengths[k], -k))
    sets = [set(s) for s in domains]

    def partners(k: int) -> int:
        return sum(1 for j in range(len(sets)) if j != k and any(complement(d) in sets[j] for d in sets[k]))

    return max(range(len(domains)),
               key=lambda k: (partners(k), sum(d.endswith("*") for d in domains[k]), lengths[k], -k))


def complexes_of(source: Any, options: ProtocolOptions | None = None) -> list[ComplexMix]:
    """The complexes of a strands table (rows as for :func:`dsd.wetlab.order.strand_entries`; strands of
    one complex share its ``complex`` column) or of a ``DomainSystem``, in their order."""
    options = options or ProtocolOptions()
    if hasattr(source, "complexes") and hasattr(source, "domains"):  # a DomainSystem
        out = []
        for cx in source.complexes:
            names = cx.strand_names
            lengths = tuple(source.strand_length(s) for s in cx.strands)
            out.append(ComplexMix(cx.name, cx.role, float(cx.conc_nM), names, tuple(cx.strands), lengths,
                                  _backbone(cx.strands, lengths, options.backbone)))
        return out
    groups: dict[str, list[StrandEntry]] = {}
    for e in strand_entries(source):
        groups.setdefault(e.complex, []).append(e)
    out = []
    for name, entries in groups.items():
        roles = {e.role for e in entries}
        concs = {e.concentration_nM for e in entries}
        if len(roles) > 1 or len(concs) > 1:
            raise ValueError(f"complex {name}: its strands disagree on role {sorted(roles)} or "
                             f"concentration {sorted(concs)} nM")
        domains = tuple(e.domains for e in entries)
        lengths = tuple(e.length_nt for e in entries)
        out.append(ComplexMix(name, entries[0].role, entries[0].concentration_nM, tuple(e.name for e in entries),
                              domains, lengths, _backbone(domains, lengths, options.backbone)))
    return out


# --- annealing ------------------------------------------------------------------------------


def _floor_2sig(x: float) -> float:
    """``x`` rounded down to two significant digits (4.455 -> 4.4)."""
    if x <= 0:
        return 0.0
    scale = 10.0 ** (math.floor(math.log10(x)) - 1)
    return math.floor(x / scale * (1 + 1e-12)) * scale


def anneal_recipe(cx: ComplexMix, options: ProtocolOptions | None = None) -> Anneal:
    """Volumes (µL, from ``stock_uM`` stocks) to anneal ``cx`` in ``anneal_uL`` of 1× buffer,
    backbone at ``anneal_uM`` or less (so that the strands and the buffer stock fit)."""
    options = options or ProtocolOptions()
    ratios = [cx.ratio(k, options.top_excess) for k in range(len(cx.strands))]
    fits_uM = options.stock_uM * (1 - 1 / options.buffer_stock_x) / sum(ratios)
    conc_uM = min(options.anneal_uM, _floor_2sig(fits_uM))
    if conc_uM <= 0:
        raise ValueError(f"complex {cx.name}: its strands cannot be annealed from {options.stock_uM:g} µM stocks")
    V = options.anneal_uL
    order = [cx.backbone] + [k for k in range(len(cx.strands)) if k != cx.backbone]
    rows = [Row(cx.strands[k], "backbone" if k == cx.backbone else "top", ratios[k] * conc_uM * 1000,
                options.stock_uM, ratios[k] * conc_uM * V / options.stock_uM, f"{ratios[k]:g}×") for k in order]
    rows.append(Row(f"{options.buffer_stock_x:g}× buffer", "buffer", None, None, V / options.buffer_stock_x))
    water = V - sum(r.volume_uL for r in rows)
    if water > 1e-9 * V:
        rows.append(Row("water", "water", None, None, water))
    return Anneal(cx, conc_uM, V, tuple(rows))


# --- mixing ---------------------------------------------------------------------------------


def _dilution_factors():
    """1:2, 1:5, 1:10, 1:20, 1:50, 1:100, ... (the 1-2-5 series)."""
    k = 0
    while True:
        for m in (2, 5, 10):
            yield m * 10 ** k
        k += 1


def _from_stock(name: str, final_nM: float, stock_uM: float, options: ProtocolOptions, total_uL: float,
                what: str) -> tuple[float, float, int]:
    """(volume µL, working stock µM, dilution factor) to get ``final_nM`` in the reaction from a
    ``stock_uM`` stock, diluted by the smallest factor of the 1-2-5 series that makes the volume at
    least ``min_volume_uL`` (1: not diluted). ValueError when more than ``total_uL`` is needed."""
    volume = final_nM * options.reaction_uL / (stock_uM * 1000.0)
    if volume > total_uL:
        raise ValueError(f"{what} {name}: {final_nM:g} nM in a {options.reaction_uL:g} µL reaction needs "
                         f"{volume:.3g} µL of its {stock_uM:g} µM stock, more than the {total_uL:g} µL available")
    if volume <= 0 or volume >= options.min_volume_uL:
        return volume, stock_uM, 1
    previous = 1
    for factor in _dilution_factors():
        if volume * factor > total_uL:  # min_volume_uL above the room there is: dilute what fits
            factor = previous
        if volume * factor >= options.min_volume_uL or factor == previous:
            return volume * factor, stock_uM / factor, factor
        previous = factor
    raise AssertionError("unreachable")


def _dilution_note(factor: int, medium: str) -> str:
    if factor <= 1:
        return ""
    return f"dilute 1:{factor} in {medium}" + (" (in steps of at most 1:100)" if factor > 100 else "")


def mixing_table(complexes: Sequence[ComplexMix], options: ProtocolOptions | None = None) -> list[Row]:
    """The rows of one reaction, every volume > 0, summing to ``reaction_uL``: water, 10× buffer,
    each complex with a concentration > 0 (annealed complexes from their annealed stock, single
    strands from ``stock_uM``), and the input slot (``input_uL``, filled per example).

    Raises ValueError naming the complex when a complex does not fit, and naming the largest
    components when they do not fit together."""
    options = options or ProtocolOptions()
    V = options.reaction_uL
    room = V - options.input_uL
    rows: list[Row] = []
    for cx in complexes:
        if cx.conc_nM <= 0:
            continue
        if cx.annealed:
            stock = anneal_recipe(cx, options).conc_uM
            volume, working, steps = _from_stock(cx.name, cx.conc_nM, stock, options, room, "complex")
            note = "annealed stock" + (f", {_dilution_note(steps, '1× buffer')}" if steps > 1 else "")
            rows.append(Row(cx.name, cx.role, cx.conc_nM, working, volume, note, in_buffer=True))
        else:
            volume, working, steps = _from_stock(cx.name, cx.conc_nM, options.stock_uM, options, room, "complex")
            rows.append(Row(cx.name, cx.role, cx.conc_nM, working, volume, _dilution_note(steps, "water")))
    used = sum(r.volume_uL for r in rows) + options.input_uL
    buffer = (V - sum(r.volume_uL for r in rows if r.in_buffer)) / options.buffer_stock_x
    water = V - used - buffer
    if water < -1e-9 * V:
        largest = sorted(rows, key=lambda r: -r.volume_uL)[:3]
        raise MixDoesNotFit(f"the mix does not fit in {V:g} µL: complexes take {used - options.input_uL:.4g} µL, inputs "
                         f"{options.input_uL:g} µL and {options.buffer_stock_x:g}× buffer {buffer:.3g} µL; largest: "
                         + ", ".join(f"complex {r.component} {r.volume_uL:.3g} µL" for r in largest))
    head = []
    if water > 1e-9 * V:
        head.append(Row("water", "water", None, None, water))
    if buffer > 1e-9 * V:
        head.append(Row(f"{options.buffer_stock_x:g}× buffer", "buffer", None, None, buffer))
    tail = [Row("inputs (per example, below)", "input", None, None, options.input_uL)] if options.input_uL > 0 else []
    return head + rows + tail


# --- inputs ---------------------------------------------------------------------------------


def input_rows(x: Sequence[float], complexes: Sequence[ComplexMix], unit_nM: float,
               options: ProtocolOptions | None = None, signals: Sequence[Any] | None = None) -> list[Row]:
    """The input strands (and water) that make up the ``input_uL`` slot of one reaction for input
    values ``x`` (formal units): ``x * unit_nM`` nM of the plus strand (``S_X{i}p``) when x > 0,
    of the minus strand (``S_X{i}n``) when x < 0, nothing when x = 0. ``signals`` (the CRN's input
    :class:`crn.model.Signal` s, with ``plus``, ``minus``, ``offset``) replace the default dual-rail
    ``X{i}p``/``X{i}n``; a single-rail signal adds ``(x + offset) * unit_nM`` of its strand.
    Every volume is > 0 and they sum to ``input_uL``."""
    options = options or ProtocolOptions()
    if options.input_uL <= 0:
        raise ValueError("protocol input_uL is 0: there is no room for input strands")
    if not unit_nM > 0:
        raise ValueError(f"unit_nM must be > 0, got {unit_nM}")
    names = {s for cx in complexes for s in cx.strands}
    if signals is None:
        signals = [_DualRail(f"X{i}", f"X{i}p", f"X{i}n") for i in range(len(x))]
    if len(signals) != len(x):
        raise ValueError(f"{len(x)} input values for {len(signals)} inputs")
    rows = []
    for sig, value in zip(signals, x):
        value = float(value)
        if getattr(sig, "minus", None) is not None:
            species, amount = (sig.plus, value) if value >= 0 else (sig.minus, -value)
        else:
            species, amount = sig.plus, value + float(getattr(sig, "offset", 0.0))
            if amount < 0:
                raise ValueError(f"input {sig.name} = {value:g} is below the shifted encoding's -{sig.offset:g}")
        if amount == 0:
            continue
        strand = f"S_{species}"
        if strand not in names:
            raise ValueError(f"input {sig.name}: no signal strand {strand} in the strands table")
        final = amount * unit_nM
        volume, working, steps = _from_stock(strand, final, options.stock_uM, options, options.input_uL, "input strand")
        rows.append(Row(strand, sig.name, final, working, volume, _dilution_note(steps, "water")))
    water = options.input_uL - sum(r.volume_uL for r in rows)
    if water < -1e-9 * options.input_uL:
        raise ValueError(f"input strands take {options.input_uL - water:.3g} µL, more than the "
                         f"{options.input_uL:g} µL kept for them: " + ", ".join(r.component for r in rows))
    if water > 1e-9 * options.input_uL:
        rows.append(Row("water", "water", None, None, water))
    return rows


@dataclass(frozen=True)
class _DualRail:
    name: str
    plus: str
    minus: str
    offset: float = 0.0

"""The wet-lab protocol of a build (``protocol.md``, DESIGN §6): how to anneal each complex, what
to purify, how much of each stock goes into one reaction, and the input strands of each example.

Conventions (all in :class:`ProtocolOptions`):

- Every oligo is resuspended at ``stock_uM`` (100 µM) in water; a working stock diluted by the
  smallest factor of the 1-2-5 series (1:2, 1:5, 1:10, 1:20, ...) that keeps a pipetted volume at
  or above ``min_volume_uL`` (0.5 µL) is used for small volumes.
- A multi-strand complex is annealed in 1× buffer with its *top* strands (those that are displaced
  or released) at ``top_excess`` (1.2×) over its *backbone* strand, so that every backbone ends up
  in a complete complex. The backbone is the strand base-paired to the most other strands of the
  complex (ties: the one with the most complement domains ``x*``, then the longest) - in both
  schemes the strand of complement domains that carries the exposed toehold; the longest strand is
  not it in general (the top strand of a large fan-out gate is longer than its bottom strand).
  The backbone's concentration while annealing is ``anneal_uM`` (10 µM), lowered (to two
  significant digits) when the strands from their stocks would not fit in the volume otherwise.
- A complex's concentration in the reaction is its backbone's; the excess top strands are removed
  by native PAGE (``purify="page"``, the default) or left in (``purify="excess"``: the protocol
  then says how much free top strand each complex brings in; those strands are gate outputs).
  Reporter complexes (:mod:`dsd.wetlab.reporters`) are always used as annealed: their top strand is the
  quencher strand, which nothing else binds, and its excess keeps every fluorophore strand
  quenched (a free fluorophore strand would read as output).
- The mixing table fills the reaction volume exactly: complexes at their target concentration
  (``volume_uL = conc_nM * reaction_uL / stock_nM``), a slot of ``input_uL`` for the input strands
  of an example, 10× buffer so that the final buffer is 1× (annealed stocks are already in 1×),
  and water for the rest. Anything that does not fit raises ValueError naming the complex.
- Inputs: input ``i`` with value ``x`` (formal units) is dual rail by default: ``x > 0`` adds the
  signal strand ``S_X{i}p`` at ``x * unit_nM`` nM, ``x < 0`` adds ``S_X{i}n`` at ``-x * unit_nM``.
  Given the CRN's input signals, a single-rail (shifted) input adds ``S_<plus>`` at
  ``(x + offset) * unit_nM``.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

from dsd.wetlab.mixing import (  # noqa: F401  (ProtocolOptions, MixDoesNotFit, ... are this module's API too)
    ANNEALED_ROLES,
    AS_ANNEALED_ROLES,
    Anneal,
    ComplexMix,
    MixDoesNotFit,
    ProtocolOptions,
    Row,
    anneal_recipe,
    complexes_of,
    input_rows,
    mixing_table,
)
from dsd.wetlab.order import OrderRow


# --- the document ---------------------------------------------------------------------------


def _num(x: float | None, digits: int = 4) -> str:
    return "" if x is None else f"{x:.{digits}g}"


def _vol(x: float) -> str:
    return f"{x:.2f}"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return lines


def protocol_markdown(source: Any, options: ProtocolOptions | None = None, *, unit_nM: float = 10.0,
                      examples: Mapping[str, Sequence[float]] | Sequence[Sequence[float]] | None = None,
                      signals: Sequence[Any] | None = None, order: Sequence[OrderRow] | None = None,
                      order_warnings: Sequence[str] = (), title: str = "", readout: str = "") -> str:
    """``protocol.md``: oligos, annealing of every complex, purification, the mixing table of one
    reaction and the input strands of each example (``examples``: name -> input values, or a list).

    ``source`` is a strands table (rows or :class:`dsd.wetlab.order.StrandEntry` s) or a ``DomainSystem``;
    ``order`` (from :func:`dsd.wetlab.order.order_rows`) names the oligo each strand comes from;
    ``order_warnings`` (from :func:`dsd.wetlab.order.order_warnings`) are repeated under Oligos;
    ``readout`` (markdown, e.g. :func:`dsd.wetlab.reporters.readout_markdown`) becomes section 6, Read-out."""
    options = options or ProtocolOptions()
    complexes = complexes_of(source, options)
    mix = mixing_table(complexes, options)  # raises before anything is written when it cannot work
    if examples is not None and not isinstance(examples, Mapping):
        examples = {f"example {k + 1}": x for k, x in enumerate(examples)}
    inputs = {name: input_rows(x, complexes, unit_nM, options, signals) for name, x in (examples or {}).items()}
    oligo = {s: r.name for r in order for s in r.strands} if order else {}
    V = options.reaction_uL
    bx = f"{options.buffer_stock_x:g}×"

    out = [f"# Wet-lab protocol{': ' + title if title else ''}", ""]
    out += [f"Units: volumes in µL, stock concentrations in µM, concentrations in the reaction in nM; "
            f"1 formal unit of concentration = {unit_nM:g} nM.",
            f"Buffer: {options.buffer}, made from a {bx} stock. One reaction: {V:g} µL at {options.reaction_C:g} °C.",
            ""]

    out += ["## 1. Oligos", ""]
    n_strands = sum(len(cx.strands) for cx in complexes)
    if order:
        out.append(f"`order.csv` lists {len(order)} oligos for the {n_strands} strands of {len(complexes)} complexes.")
        shared = [r for r in order if len(r.strands) > 1]
        if shared:
            out += ["", "Strands with the same sequence are one oligo:", ""]
            out += [f"- `{r.name}`: " + ", ".join(f"`{s}`" for s in r.strands) for r in shared]
        renamed = [r for r in order if r.name not in r.strands]
        if renamed:
            out += ["", "Oligo names differ from strand names (vendor name limits):", ""]
            out += [f"- `{r.name}`: " + ", ".join(f"`{s}`" for s in r.strands) for r in renamed]
    else:
        out.append(f"{n_strands} strands in {len(complexes)} complexes.")
    if order_warnings:
        out += ["", "**Cannot be ordered as is:**", ""] + [f"- {w}" for w in order_warnings]
    out += ["", f"Resuspend every oligo at {options.stock_uM:g} µM in nuclease-free water (µL of water = "
            f"{1000 / options.stock_uM:g} × nmol delivered) and check the concentration by A260 with the vendor's "
            f"extinction coefficient. Working stocks below are dilutions (1:2, 1:5, 1:10, 1:20, ...) chosen so "
            f"that no volume is below {options.min_volume_uL:g} µL.", ""]

    annealed = [cx for cx in complexes if cx.annealed and cx.conc_nM > 0]
    purified = [cx for cx in annealed if cx.role not in AS_ANNEALED_ROLES]
    as_annealed = [cx for cx in annealed if cx.role in AS_ANNEALED_ROLES]
    out += ["## 2. Annealing", ""]
    cool_min = (options.anneal_high_C - options.anneal_low_C) / options.cool_C_per_min
    out += [f"Program (thermocycler): {options.anneal_high_C:g} °C for {options.anneal_hold_min:g} min, then cool to "
            f"{options.anneal_low_C:g} °C at {options.cool_C_per_min:g} °C/min ({cool_min:g} min); keep at 4 °C.",
            "",
            f"Each complex is annealed in {options.anneal_uL:g} µL of 1× buffer with its backbone strand (the strand "
            f"paired with the others; it carries the exposed toehold) at the stated concentration and its top strands "
            f"(the strands that are displaced or released) at {options.top_excess:g}× the backbone, so that every "
            f"backbone is in a complete complex. Volumes are from {options.stock_uM:g} µM stocks.", ""]
    if not annealed:
        out += ["No multi-strand complex to anneal.", ""]
    for cx in annealed:
        recipe = anneal_recipe(cx, options)
        per_reaction = cx.conc_nM * V / (recipe.conc_uM * 1000)
        out += [f"### {cx.name} ({cx.role}, {_num(cx.conc_nM)} nM in the reaction)", ""]
        out += _table(("Strand", "Oligo", "Part", "Ratio", "In the anneal (µM)", "Stock (µM)", "Volume (µL)"),
                      [(r.component, oligo.get(r.component, ""), r.role, r.note,
                        _num(None if r.final_nM is None else r.final_nM / 1000), _num(r.stock_uM),
                        _vol(r.volume_uL)) for r in recipe.rows])
        out += [f"| total | | | | | | {_vol(recipe.volume_uL)} |", ""]
        out += [f"Makes {recipe.volume_uL:g} µL of {cx.name} at {_num(recipe.conc_uM)} µM: {per_reaction:.3g} µL "
                f"per reaction, enough for {math.floor(recipe.volume_uL / per_reaction)} reactions"
                + (" before purification losses." if options.purify == "page" and cx in purified else "."), ""]

    out += ["## 3. Purification", ""]
    if options.purify == "page" and purified:
        out += [f"Purify each annealed complex{' except the reporters' if as_annealed else ''} on a native "
                f"(non-denaturing) 10-12 % polyacrylamide gel in 1× "
                f"buffer (with its Mg²⁺), run cold; cut out the band of the full complex, elute it into 1× buffer "
                f"and measure its concentration by A260 with the complex's extinction coefficient. This removes the "
                f"{options.top_excess - 1:.0%} excess of top strands: a free top strand is the complex's output (for "
                f"a translator, a free product signal strand) and would act as if the input had already reacted. "
                f"Adjust the volumes of section 4 to the measured concentrations (they assume the annealed "
                f"concentration).", ""]
    elif purified:
        out += [f"Complexes are used as annealed, with their {options.top_excess - 1:.0%} excess of top strands. Each "
                f"free top strand is an output of its complex (for a translator, a product signal strand), so each "
                f"reaction starts with this much free top strand (a background the outputs will show):", ""]
        out += _table(("Complex", "Top strand", "Free in the reaction (nM)"),
                      [(cx.name, cx.strands[k], _num((options.top_excess - 1) * cx.conc_nM))
                       for cx in purified for k in range(len(cx.strands)) if k != cx.backbone])
        out.append("")
    if not annealed:
        out += ["No annealed complex to purify.", ""]
    if as_annealed:
        out += [f"Reporter complexes ({', '.join(cx.name for cx in as_annealed)}) are not purified: they are used as "
                f"annealed, with their {options.top_excess - 1:.0%} excess of quencher strand. A free quencher strand "
                f"binds nothing else in the tube, and the excess makes sure that every fluorophore strand is quenched "
                f"(a free fluorophore strand would read as output). Keep dye-labelled oligos and reporters in the "
                f"dark.", ""]

    out += [f"## 4. Mixing one {V:g} µL reaction", ""]
    out += [f"Add in this order; annealed stocks and their dilutions are in 1× buffer, so the {bx} buffer volume "
            f"brings the whole reaction to 1×. Start the reaction by adding the inputs (section 5) last and mix.", ""]
    strands_of = {cx.name: cx.strands for cx in complexes}

    def source_of(component: str) -> str:
        names = strands_of.get(component, ())
        return "annealed" if len(names) > 1 else oligo.get(names[0], "") if names else ""

    out += _table(("Component", "Role", "Oligo", "Final (nM)", "Stock (µM)", "Volume (µL)", "Stock preparation"),
                  [(r.component, r.role, source_of(r.component), _num(r.final_nM), _num(r.stock_uM),
                    _vol(r.volume_uL), r.note) for r in mix])
    out += [f"| total | | | | | {_vol(sum(r.volume_uL for r in mix))} | |", ""]

    out += ["## 5. Inputs", ""]
    if not inputs:
        out += ["No examples given.", ""]
    else:
        out += [f"Each example's input strands and water make up the {options.input_uL:g} µL input slot of section 4. "
                f"An input x (formal units) is x × {unit_nM:g} nM of its signal strand (dual rail: the `p` strand for "
                f"x > 0, the `n` strand for x < 0).", ""]
    for name, rows in inputs.items():
        x = (examples or {})[name]
        out += [f"### {name}: x = [" + ", ".join(f"{float(v):.4g}" for v in x) + "]", ""]
        out += _table(("Strand", "Oligo", "Input", "Final (nM)", "Stock (µM)", "Volume (µL)", "Stock preparation"),
                      [(r.component, oligo.get(r.component, ""), r.role if r.role != "water" else "", _num(r.final_nM),
                        _num(r.stock_uM), _vol(r.volume_uL), r.note) for r in rows])
        out += [f"| total | | | | | {_vol(sum(r.volume_uL for r in rows))} | |", ""]
    if readout:
        out += ["## 6. Read-out", "", readout.strip("\n"), ""]
    return "\n".join(out).rstrip("\n") + "\n"

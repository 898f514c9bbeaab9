"""Fluorescent reporter complexes for the output species: what to add to a reaction so that each
output rail can be read on a plate reader or qPCR machine (an option of the order stage).

One reporter per output rail (``Y0p`` and ``Y0n`` for a dual-rail output ``Y0``): a two-strand
duplex that reads the rail's signal strand exactly as the scheme's own gates read it. The signal
strand is ``h t d [u]`` (history, toehold, long domain and, in ``soloveichik2010``, a second
toehold); the reporter is

``d( u( + ) ) t*`` (soloveichik2010), ``d( + ) t*`` (cardelli2011_NM):

a *fluorophore strand* ``[u*] d* t*`` (the backbone, dye on its 5' end) and a *quencher strand*
``d [u]`` (quencher on its 3' end). The two labelled ends are the ends of the duplex away from
the exposed toehold ``t*``, so they face each other and the dye is dark. An output strand binds
``t*`` and displaces the quencher strand by branch migration through ``d [u]``; the dye lights up,
one fluorophore per output strand, irreversibly (the displaced strand has no toehold to come
back) and the waste duplex has no free toehold (nothing else reads the output's domains: outputs
are not reactants of the circuit unless a cancellation reaction consumes them, see
:func:`readout_markdown`).

Dyes are the vendor's (IDT) inline modification codes, each with the dark quencher that covers
its emission (Iowa Black FQ for FAM and HEX, Iowa Black RQ for Cy3, Texas Red, Cy5 and Cy5.5).
Rails get distinct channels from :attr:`ReporterOptions.dyes` in order, the two rails of an
output together; when there are more rails than dyes the dyes repeat, in a new *read-out set*:
each set is read in its own reaction with only that set's reporters (reporters only take output
strands away, so the circuit is the same in every set).

Concentration: a reporter must outlast the most of its rail the circuit can make over the input
range, ``max_nM`` (:func:`output_max_nM`: exact, from the corners of the input box, for up to 12
inputs; else the firing bound of :mod:`dsd.sizing` that sizes the gates), so it is added at
``safety * max_nM``, rounded up to two significant digits. The quencher strand is
annealed in excess like any top strand (:mod:`dsd.wetlab.protocol`).

Labelled strands are HPLC purified (:mod:`dsd.wetlab.order`); a calibrant per rail (``Cal_<rail>``, the
rail's signal strand ``t d [u]`` without a history domain, not added to the reaction) is ordered
for the standard curve that turns fluorescence into nM.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from crn.model import CRN
from dsd.domains import DomainSystem, parse_kernel
from dsd.wetlab.order import StrandEntry, strand_entries
from sequences.structure import strand_sequence


@dataclass(frozen=True)
class Dye:
    """A fluorophore and its quencher as the vendor's inline codes (``code`` goes on a 5' end,
    ``quencher_code`` on a 3' end); excitation and emission maxima in nm (approximate)."""

    name: str
    code: str
    quencher: str
    quencher_code: str
    excitation_nm: int
    emission_nm: int


_FQ, _RQ = ("Iowa Black FQ", "/3IABkFQ/"), ("Iowa Black RQ", "/3IAbRQSp/")
DYES: dict[str, Dye] = {d.name: d for d in (
    Dye("FAM", "/56-FAM/", *_FQ, 495, 520),
    Dye("HEX", "/5HEX/", *_FQ, 538, 555),
    Dye("Cy3", "/5Cy3/", *_RQ, 550, 564),
    Dye("TexasRed", "/5TexRd-XN/", *_RQ, 598, 617),
    Dye("Cy5", "/5Cy5/", *_RQ, 648, 668),
    Dye("Cy5.5", "/5Cy55/", *_RQ, 683, 707),
)}
"""The dyes :class:`ReporterOptions` may name (IDT codes)."""


@dataclass(frozen=True)
class ReporterOptions:
    """dyes : names from :data:`DYES`, one channel each, used in order (the default is the four
    channels of a common qPCR filter set). safety : reporter = safety x the most of its rail (>= 1).
    prefix : reporter complex names are ``prefix + rail`` (``Rep_Y0p``). calibrants : also order
    ``Cal_<rail>`` strands for the calibration curve."""

    dyes: tuple[str, ...] = ("FAM", "HEX", "TexasRed", "Cy5")
    safety: float = 2.0
    prefix: str = "Rep_"
    calibrants: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "dyes", tuple(self.dyes))
        if not self.dyes:
            raise ValueError("reporter dyes: need at least one dye")
        unknown = [d for d in self.dyes if d not in DYES]
        if unknown:
            raise ValueError(f"reporter dyes: unknown dye {unknown[0]!r}; known dyes: {', '.join(DYES)}")
        if len(set(self.dyes)) != len(self.dyes):
            raise ValueError(f"reporter dyes: each dye once, got {list(self.dyes)}")
        if not self.safety >= 1:
            raise ValueError(f"reporter safety must be >= 1, got {self.safety}")
        if not self.prefix or self.prefix == "Cal_":
            raise ValueError(f"reporter prefix must be non-empty and not 'Cal_', got {self.prefix!r}")


@dataclass(frozen=True)
class Reporter:
    """The reporter of one output rail: ``species`` (``Y0p``) of output ``output`` (``Y0``, rail
    ``+`` or ``-``), its complex (``name``, ``kernel``: strand 1 the quencher strand, strand 2 the
    fluorophore strand), ``dye``, read-out set (1, 2, ...), concentration in the reaction and the
    most of its rail the circuit can make (nM), and the reactions that consume the rail."""

    species: str
    output: str
    rail: str
    name: str
    kernel: str
    dye: Dye
    read_set: int
    conc_nM: float
    max_nM: float
    consumed_by: tuple[int, ...] = ()
    cancellation_only: bool = True  # every consuming reaction is Y+ + Y- -> ... of this output

    @property
    def quencher_strand(self) -> str:
        return f"{self.name}_s1"

    @property
    def fluorophore_strand(self) -> str:
        return f"{self.name}_s2"

    @property
    def calibrant(self) -> str:
        return f"Cal_{self.species}"


# --- layout ---------------------------------------------------------------------------------


def read_domains(scheme, species: str) -> tuple[str, tuple[str, ...]]:
    """(toehold, branch-migration domains) of ``species``' signal strand under ``scheme``: the
    domains after the history domain, ``t_Y`` and ``(d_Y, u_Y)`` or ``(d_Y,)``."""
    scratch = DomainSystem()
    (strand,) = parse_kernel(scheme.signal_kernel(scratch, species, "h_reporter"))
    toehold, *branch = strand[1:]
    if scratch.domains[toehold].kind != "toehold" or not branch:
        raise ValueError(f"{scheme.name}: the signal strand {' '.join(strand)} of {species} has no toehold after "
                         "its history domain followed by a branch-migration domain")
    return toehold, tuple(branch)


def reporter_kernel(scheme, species: str) -> str:
    """Kernel of the reporter of ``species``: ``d( u( + ) ) t*`` for a signal ``h t d u``.

    >>> from dsd.schemes import get_scheme
    >>> reporter_kernel(get_scheme("soloveichik2010"), "Y0p")
    'd_Y0p( u_Y0p( + ) ) t_Y0p*'
    >>> reporter_kernel(get_scheme("cardelli2011_NM"), "Y0p")
    'd_Y0p( + ) t_Y0p*'
    """
    toehold, branch = read_domains(scheme, species)
    return " ".join(f"{d}(" for d in branch) + " + " + ") " * len(branch) + f"{toehold}*"


# --- how much -------------------------------------------------------------------------------


def output_max_nM(crn: CRN, input_low, input_high, unit_nM: float = 10.0, max_corners: int = 4096
                  ) -> dict[str, float]:
    """The most (nM) of each output rail the circuit can make over the input box
    [input_low, input_high] (formal units, one value per input or a scalar): its initial amount plus
    all that its producing reactions make (consumption, e.g. by cancellation, is not subtracted:
    this is what a reporter can ever receive).

    In a feed-forward CRN (every species consumed by at most one reaction) each reaction's extent
    at completion grows with every initial amount, and an input's rails grow towards the ends of
    its range, so the most is reached at a corner of the box: with at most ``max_corners``
    corners (2^inputs) it is computed exactly by firing every corner to completion; otherwise it
    is the interval bound that sizes the gates (:func:`dsd.sizing.firing_bounds`), sound but
    looser. Raises NotFeedForward for CRNs neither covers.

    Examples
    --------
    >>> from crn.textformat import parse_crn
    >>> crn = parse_crn("input X = Xp - Xn\\noutput Y = Yp - Yn\\ninit Yn = 0.5\\nXp -> 2 Yp\\nXn -> Yn\\n")
    >>> output_max_nM(crn, -1.0, 2.0, unit_nM=10.0)
    {'Yp': 40.0, 'Yn': 15.0}
    """
    from itertools import product

    from crn.feedforward import fire_to_completion
    from crn.simulate import encode_inputs
    from dsd.sizing import firing_bounds, max_initial

    if not unit_nM > 0:
        raise ValueError(f"unit_nM must be > 0, got {unit_nM}")
    n_in = len(crn.inputs)
    low = np.broadcast_to(np.asarray(input_low, float), (n_in,))
    high = np.broadcast_to(np.asarray(input_high, float), (n_in,))
    if np.any(low > high):
        k = int(np.argmax(low > high))
        raise ValueError(f"input range of input {k}: low {low[k]:g} > high {high[k]:g}")
    made = np.zeros((len(crn.species), len(crn.reactions)))  # made[s, r]: molecules of s per firing of r
    index = {s: i for i, s in enumerate(crn.species)}
    for i, r in enumerate(crn.reactions):
        for s, n in r.products:
            made[index[s], i] += n
    if 2 ** n_in <= max_corners:
        corners = np.array(list(product(*zip(low, high))), float).reshape(-1, n_in)
        initial = encode_inputs(crn, corners)
        _, extents = fire_to_completion(crn, initial)
        most = (initial + extents @ made.T).max(axis=0)
    else:
        initial = max_initial(crn, low, high)
        most = initial + made @ firing_bounds(crn, initial)
    return {s: float(most[index[s]]) * unit_nM if s in index else 0.0 for sig in crn.outputs for s in sig.species}


def _ceil_2sig(x: float) -> float:
    """``x`` rounded up to two significant digits (123.4 -> 130)."""
    if x <= 0:
        return 0.0
    scale = 10.0 ** (math.floor(math.log10(x)) - 1)
    return math.ceil(x / scale * (1 - 1e-12)) * scale


# --- the plan -------------------------------------------------------------------------------


def plan_reporters(crn: CRN, scheme, max_nM: Mapping[str, float],
                   options: ReporterOptions | None = None) -> list[Reporter]:
    """One :class:`Reporter` per output rail of ``crn`` that the circuit can make (``max_nM`` of
    it > 0; from :func:`output_max_nM`), in output order, with dye, read-out set and
    concentration ``safety * max_nM`` (nM, rounded up to two significant digits)."""
    options = options or ReporterOptions()
    missing = [s for sig in crn.outputs for s in sig.species if s not in max_nM]
    if missing:
        raise ValueError(f"max_nM: no bound for output rail {missing[0]}")
    n_dyes = len(options.dyes)
    reporters: list[Reporter] = []
    read_set, used = 1, 0
    for sig in crn.outputs:
        rails = [(s, rail) for s, rail in zip(sig.species, ("+", "-")) if max_nM[s] > 0]
        if used and used + len(rails) > n_dyes:  # keep an output's rails in one set when they fit
            read_set, used = read_set + 1, 0
        for species, rail in rails:
            if used == n_dyes:
                read_set, used = read_set + 1, 0
            consumers = tuple(i for i, r in enumerate(crn.reactions) if any(s == species for s, _ in r.reactants))
            cancel = all(sig.minus is not None and sorted(s for s, _ in crn.reactions[i].reactants)
                         == sorted(sig.species) for i in consumers)
            reporters.append(Reporter(species, sig.name, rail if sig.minus is not None else "",
                                      options.prefix + species, reporter_kernel(scheme, species),
                                      DYES[options.dyes[used]], read_set,
                                      _ceil_2sig(options.safety * float(max_nM[species])), float(max_nM[species]),
                                      consumers, cancel))
            used += 1
    return reporters


def reporter_warnings(reporters: Iterable[Reporter]) -> list[str]:
    """Rails that a reaction other than their own cancellation consumes: a reporter competes with
    that reaction, so it changes the circuit and does not read its output."""
    return [f"output rail {r.species} is a reactant of reaction(s) {', '.join(map(str, r.consumed_by))}: "
            f"its reporter competes with them and changes what the circuit computes"
            for r in reporters if r.consumed_by and not r.cancellation_only]


# --- strands --------------------------------------------------------------------------------


def parse_domains_csv(text: str) -> dict[str, str]:
    """Domain name -> sequence (5'->3') from a ``domains.csv`` text (``name,kind,length,sequence``)."""
    return {row["name"]: row["sequence"].strip() for row in csv.DictReader(io.StringIO(text))}


def reporter_strands(reporters: Sequence[Reporter], domains: Mapping[str, str], strands: Iterable[Any] = (),
                     options: ReporterOptions | None = None) -> list[StrandEntry]:
    """The strands-table rows (:class:`dsd.wetlab.order.StrandEntry`) of ``reporters``: per reporter the
    quencher strand ``<name>_s1`` (``d [u]`` + quencher code on its 3' end) and the fluorophore
    strand ``<name>_s2`` (dye code on its 5' end + ``[u*] d* t*``), role ``reporter`` at the
    reporter's concentration (nM); then, when ``options.calibrants``, one calibrant ``Cal_<rail>``
    (``t d [u]``, role ``signal``, 0 nM: not added to the reaction).

    ``domains`` maps each domain name to its designed sequence (:func:`parse_domains_csv`);
    ``strands`` (the design's strands table) is checked for name clashes."""
    options = options or ReporterOptions()
    taken = {e.name for e in strand_entries(strands)}
    out: list[StrandEntry] = []
    for r in reporters:
        quencher, fluorophore = parse_kernel(r.kernel)
        missing = sorted({d.rstrip("*") for d in quencher + fluorophore} - set(domains))
        if missing:
            raise ValueError(f"reporter {r.name}: no sequence for domain(s) {', '.join(missing)}")
        out.append(StrandEntry(r.quencher_strand, strand_sequence(quencher, domains) + r.dye.quencher_code,
                               "reporter", quencher, r.name, r.conc_nM))
        out.append(StrandEntry(r.fluorophore_strand, r.dye.code + strand_sequence(fluorophore, domains),
                               "reporter", fluorophore, r.name, r.conc_nM))
    if options.calibrants:
        for r in reporters:
            signal = (_toehold_of(r),) + parse_kernel(r.kernel)[0]
            out.append(StrandEntry(r.calibrant, strand_sequence(signal, domains), "signal", signal, r.calibrant, 0.0))
    clash = sorted(taken & {e.name for e in out})
    if clash:
        raise ValueError(f"reporter strand name {clash[0]} is already a strand of the design")
    return out


def _toehold_of(reporter: Reporter) -> str:
    """The toehold domain (``t_Y``) whose complement the reporter exposes."""
    return parse_kernel(reporter.kernel)[1][-1].rstrip("*")


# --- protocol -------------------------------------------------------------------------------


def readout_markdown(reporters: Sequence[Reporter], unit_nM: float = 10.0,
                     oligo: Mapping[str, str] | None = None) -> str:
    """The Read-out section of ``protocol.md``: channel per rail, read-out sets, calibration, how
    an output value is computed, and whether the reporters disturb the circuit. ``oligo`` maps
    strand names to order names (:func:`dsd.wetlab.order.oligo_of`)."""
    if not reporters:
        return "No reporters: the outputs are not read by fluorescence."
    oligo = oligo or {}
    sets = sorted({r.read_set for r in reporters})
    name = lambda s: oligo.get(s, s)  # noqa: E731
    out = ["| Output | Rail | Reporter | Dye (ex/em nm) | Fluorophore strand | Quencher strand | Reporter (nM) "
           "| Most output (nM) | Set |", "|---|---|---|---|---|---|---|---|---|"]
    out += [f"| {r.output} | {r.species}{f' ({r.rail})' if r.rail else ''} | {r.name} | {r.dye.name} "
            f"({r.dye.excitation_nm}/{r.dye.emission_nm}) | `{name(r.fluorophore_strand)}` {r.dye.code} | "
            f"`{name(r.quencher_strand)}` {r.dye.quencher_code} ({r.dye.quencher}) | {r.conc_nM:.4g} | "
            f"{r.max_nM:.4g} | {r.read_set} |" for r in reporters]
    out.append("")
    out.append("Each reporter is added at the most of its rail the circuit can make over the input range (Most "
               "output) times a safety factor, so it never runs out: one output strand opens one reporter, and the "
               "signal stays linear in the output.")
    if len(sets) > 1:
        out += ["", f"There are more rails than dyes, so the dyes repeat: {len(sets)} read-out sets. Run one reaction "
                    "per set with only that set's reporters (put 1× buffer in place of the other sets' reporter "
                    "volumes in the mixing table). " + "; ".join(
                        f"set {k}: " + ", ".join(r.name for r in reporters if r.read_set == k) for k in sets) + "."]
    dual = any(r.rail for r in reporters)
    out += ["", "Calibration: for each reporter, measure its fluorescence at its reaction concentration in 1× buffer "
                "with 0, 25, 50, 75 and 100 % of that concentration of its calibrant strand "
                + ", ".join(f"`{name(r.calibrant)}`" for r in reporters)
                + " (the rail's signal strand without a history domain; it opens the reporter like any output strand) "
                  "and fit a line: fluorescence -> nM of the rail. Read a baseline before adding the inputs: "
                  "rails with an initial amount (biases) open their reporters as soon as they are mixed."]
    value = ("Y = ([Y+] - [Y-]) / unit_nM, i.e. the calibrated F(Y+) - F(Y-)" if dual else "Y = [Y] / unit_nM")
    out += ["", f"Output value (formal units) from the calibrated rails: {value}, with unit_nM = {unit_nM:g} nM; "
                "the class is the output with the largest value."]
    consumed = [r for r in reporters if r.consumed_by]
    if not consumed:
        out += ["", "No reaction of the circuit consumes an output rail (the outputs are terminal), so the reporters "
                    "take output strands out of the tube without changing what the circuit computes."]
    else:
        cancel = [r for r in consumed if r.cancellation_only]
        other = [r for r in consumed if not r.cancellation_only]
        if cancel:
            out += ["", "Output rails " + ", ".join(r.species for r in cancel) + " are consumed only by their "
                        "cancellation reactions (Y+ + Y- -> waste). Reporters compete with cancellation, but "
                        "cancellation removes Y+ and Y- in equal amounts, so at completion [Y+] - [Y-] read by the "
                        "reporters still equals the circuit's output (the separate rails do not)."]
        if other:
            out += ["", "**Warning:** " + "; ".join(reporter_warnings(other)) + "."]
    return "\n".join(out)


__all__ = ["DYES", "Dye", "Reporter", "ReporterOptions", "output_max_nM", "plan_reporters", "parse_domains_csv",
           "readout_markdown", "reporter_kernel", "reporter_strands", "reporter_warnings", "read_domains"]

"""Static checks of a CRN as written: signals and species that cannot do what their declaration says.

Three findings, each one line naming the species (DESIGN §3, README "CRN text format"):

``output_never_produced`` (error)
    An output signal none of whose species a reaction produces, is initialised or is an input: it
    is 0 whatever the inputs, almost always a typo in a species name.
``input_never_consumed`` (warning)
    An input rail no reaction consumes: that part of the input reaches no output. A species that is
    both an input and an output is exempt (its output is what it ends at).
``species_never_present`` (warning)
    A species some reaction consumes that is never produced, never initialised and not an input: it
    stays 0, so the reactions that need it never fire.

Errors raise :class:`CRNCheckError`; warnings are returned as :class:`CRNFinding` data for the
caller to print or record. The checks are structural (no simulation); they cost one pass over the
reactions.
"""

from __future__ import annotations

from dataclasses import dataclass

from crn.model import CRN


class CRNCheckError(ValueError):
    """A CRN that cannot compute what it declares (the message names the species)."""


@dataclass(frozen=True)
class CRNFinding:
    """One finding: ``level`` (``error``/``warning``), ``check`` (its name), the ``species``
    concerned and a one-line ``message``."""

    level: str
    check: str
    species: tuple[str, ...]
    message: str


def _reaction_text(reaction) -> str:
    def side(items):
        return " + ".join(s if n == 1 else f"{n} {s}" for s, n in items) or "0"

    return f"{side(reaction.reactants)} -> {side(reaction.products)}"


def crn_findings(crn: CRN) -> list[CRNFinding]:
    """Every finding of the three checks, errors first, in declaration and reaction order.

    Examples
    --------
    >>> from crn.textformat import parse_crn
    >>> [f.check for f in crn_findings(parse_crn("input A\\ninput B\\noutput C\\nA + D -> E"))]
    ['output_never_produced', 'input_never_consumed', 'species_never_present']
    """
    produced = {s for r in crn.reactions for s, _ in r.products}
    consumers: dict[str, list] = {}
    for r in crn.reactions:
        for s, _ in r.reactants:
            consumers.setdefault(s, []).append(r)
    inputs, outputs = crn.input_species, crn.output_species
    present = produced | set(crn.init) | inputs

    errors, warnings = [], []
    for sig in crn.outputs:
        if not any(s in present for s in sig.species):
            rails = " nor ".join(sig.species)
            errors.append(CRNFinding(
                "error", "output_never_produced", sig.species,
                f"output {sig.name} is always 0: no reaction produces {rails} and it is neither initialised "
                f"nor an input (check the species names)"))
    for sig in crn.inputs:
        idle = tuple(s for s in sig.species if s not in consumers and s not in outputs)
        if not idle:
            continue
        if len(idle) == len(sig.species):
            what = f"input {sig.name} is consumed by no reaction: its value reaches no output"
        else:
            part = "positive" if idle[0] == sig.plus else "negative"
            what = f"input {sig.name}: no reaction consumes {idle[0]}, so the {part} part of its value reaches no output"
        warnings.append(CRNFinding("warning", "input_never_consumed", idle, what))
    for s, rs in consumers.items():
        if s in present:
            continue
        fire = "the reaction" if len(rs) == 1 else f"the {len(rs)} reactions"
        warnings.append(CRNFinding(
            "warning", "species_never_present", (s,),
            f"species {s} is never produced, initialised or an input: it stays 0, so {fire} consuming it "
            f"({_reaction_text(rs[0])}{', ...' if len(rs) > 1 else ''}) never fire{'s' if len(rs) == 1 else ''}"))
    return errors + warnings


def check_crn(crn: CRN, source: str | None = None) -> list[CRNFinding]:
    """Run the checks: raise :class:`CRNCheckError` on the first error, return the warnings.

    Parameters
    ----------
    source : the file the CRN was read from, prefixed to the error message.
    """
    findings = crn_findings(crn)
    for f in findings:
        if f.level == "error":
            raise CRNCheckError(f"{source}: {f.message}" if source else f.message)
    return findings

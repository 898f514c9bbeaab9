"""Designed sequences in the gate-level kinetics: read a design folder (``dsd design`` or a build's
sequences stage) without importing :mod:`sequences`.

- ``domains.csv`` (``name,kind,length,sequence,gc,dG_kcal``): each toehold's designed duplex free
  energy (kcal/mol, ViennaRNA DNA parameters, 25 C, 1 M Na+) sets its rates (:mod:`dsd.rates`);
- ``occlusion.csv`` (``site,toehold,strand,Kd_M``): a single strand (order name; ``S_<species>`` for a signal
  strand) that binds the
  exposed complement of toehold ``toehold`` with dissociation constant ``Kd_M`` (M) without being
  able to displace anything. Each site becomes reversible binding of that strand to every gate
  exposing that toehold: k_on the toehold binding rate of :mod:`dsd.rates` (/nM/s), k_off =
  k_on x Kd (Kd in nM, k_off in /s).

A folder without these columns or files is accepted: the target dG per toehold length is used and
no site is modelled, and the notes say so.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from crn.model import CRN, Reaction
from dsd.domains import DomainSystem


def _table(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def toehold_dG(folder: Path) -> tuple[dict[str, float] | None, str]:
    """(toehold domain name -> dG kcal/mol, a note) from ``folder/domains.csv``."""
    path = Path(folder) / "domains.csv"
    if not path.is_file():
        return None, f"{path.name} not found: toehold rates from the target dG per length"
    rows = _table(path)
    if not rows or "dG_kcal" not in rows[0]:
        return None, f"{path.name} has no dG_kcal column: toehold rates from the target dG per length"
    out = {}
    for i, r in enumerate(rows, start=2):
        if r.get("kind") != "toehold" or not (r.get("dG_kcal") or "").strip():
            continue
        try:
            dg = float(r["dG_kcal"])
        except ValueError:
            raise ValueError(f"{path}: row {i}, column 'dG_kcal': expected a number, got {r['dG_kcal']!r}") from None
        if not (math.isfinite(dg) and dg < 0):
            raise ValueError(f"{path}: row {i}, column 'dG_kcal': expected a negative free energy, got {dg:g}")
        out[r["name"]] = dg
    return out, f"{len(out)} toehold dG from {path.name}"


def occlusion_sites(folder: Path) -> tuple[list[tuple[str, str, str, float]], str]:
    """[(site, toehold, strand, Kd_M)] from ``folder/occlusion.csv``, and a note."""
    path = Path(folder) / "occlusion.csv"
    if not path.is_file():
        return [], f"{path.name} not found: no spurious binding sites modelled"
    rows = _table(path)
    need = ("site", "toehold", "strand", "Kd_M")
    if rows and any(k not in rows[0] for k in need):
        return [], f"{path.name} lacks columns {', '.join(need)}: no spurious binding sites modelled"
    out = []
    for i, r in enumerate(rows, start=2):
        try:
            kd = float(r["Kd_M"])
        except ValueError:
            kd = math.nan
        if not (math.isfinite(kd) and kd > 0):
            raise ValueError(f"{path}: row {i}, column 'Kd_M': expected a positive number (M), got {r['Kd_M']!r}")
        out.append((r["site"], r["toehold"], r["strand"], kd))
    return out, f"{len(out)} spurious binding sites from {path.name}"


def occlusion_reactions(crn: CRN, system: DomainSystem, scheme, sites, toehold_dG_kcal=None) -> tuple[list, list]:
    """Gate-level reactions (nM, s) of the ``sites`` and the sites that bind no modelled species."""
    from dsd.kinetics import order_reactants
    from dsd.rates import toehold_rates

    rates = toehold_rates(toehold_dG_kcal)
    crn = order_reactants(crn)
    exposing: dict[str, list[str]] = {}
    for i, r in enumerate(crn.reactions):
        for species, toehold, _ in scheme.exposed_toeholds(r, i):
            exposing.setdefault(toehold, []).append(species)
    single = {c.name: c for c in system.complexes if len(c.strands) == 1}
    formal = set(crn.species)
    out, unused = [], []
    for row, (site, toehold, strand, kd_M) in enumerate(sites):
        cx = single.get(strand)
        gates = exposing.get(toehold, [])
        if cx is not None:
            species = system.species_of.get(cx.name, cx.name) if cx.role == "signal" else cx.name
        elif strand.startswith("S_") and strand[2:] in formal:  # a signal strand made by the circuit
            species = strand[2:]
        else:
            species = None
        if species is None or not gates:
            unused.append(site)
            continue
        k_on = rates.bind(toehold, scheme.toehold_nt)  # /nM/s
        for g in gates:
            # one bound complex per row and gate: ``site`` is a position, shared by other strands'
            # rows, and a shared name would let one strand bind and another come off
            bound = f"Occ{row}_{g}"
            out.append(Reaction([(species, 1), (g, 1)], [(bound, 1)], k_on))
            out.append(Reaction([(bound, 1)], [(species, 1), (g, 1)], k_on * kd_M * 1e9))
    return out, unused


def designed_kinetics(folder: Path, crn: CRN, system: DomainSystem, scheme, occlusion: bool = True) -> tuple[dict, list[str]]:
    """(keyword arguments for :func:`dsd.gatesim.gate_report`, notes) from a design folder."""
    dg, note_dg = toehold_dG(folder)
    notes = [note_dg]
    kinetics: dict = {"toehold_dG_kcal": dg} if dg else {}
    if occlusion:
        sites, note_sites = occlusion_sites(folder)
        notes.append(note_sites)
        reactions, unused = occlusion_reactions(crn, system, scheme, sites, dg)
        if unused:
            notes.append(f"{len(unused)} site(s) bind no gate of this system (e.g. {unused[0]}): not modelled")
        if reactions:
            kinetics["extra_reactions"] = tuple(reactions)
    return kinetics, notes

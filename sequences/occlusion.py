"""Toehold occlusion: single strands that carry a toehold's sequence away from its own copy.

A gate exposes a toehold's complement ``t*``. Any strand that is single-stranded in the tube and
holds (part of) ``t``'s sequence somewhere other than at a designed copy of the toehold domain
``t`` binds that ``t*`` and blocks it. For every such *site* the dissociation constant is

    Kd (M) = exp(ΔG / RT),  ΔG = duplex ΔG of (site with ``flank_nt`` flanks on each side, t*)

(ensemble duplex ΔG at 1 M standard state, :meth:`ThermoBackend.duplex_dG`; ViennaRNA DNA
parameters, 25 °C, 1 M Na+ by default). The *occupancy ratio* of toehold t is
Σ over its sites of [strand] / Kd; at 0.05 the toehold is about 5 % occupied.

Single strands (DESIGN §5): the strand of every one-strand complex (signals, helpers) and every
strand made only of top-strand domains (what gates and fuels release). A strand's concentration
is the largest ``conc_nM`` of any complex holding it (a released strand is at most its gate's
concentration; a helper is at ``helper_excess`` times its gate, as sized); a strand that no
complex holds at a positive concentration (an input signal, added by the experiment) gets the
largest gate/fuel concentration of the system.

Sites: every window equal to the toehold's whole sequence ("carries the toehold's sequence"),
the designed copies of that toehold domain excluded. Partial matches (4-5 of 6 bases) are not
sites: in A/C/T single strands at ~26 µM in all (IRIS with 10x helpers) they are everywhere
(measured on IRIS: ~15,000 4-base and ~4,700 5-base windows, summed ratio ~0.7 per toehold), a
background of every three-letter design that sequence choice cannot remove; ``min_match_nt``
measures it.

The design keeps exact sites out (``toehold_copy``, ``sequences.rules.occlusion``): a rule, with
long/history domains drawn to avoid every toehold's sequence, junctions included, while the
toeholds use at most half of their pool (``sequences.design.search.OCCLUSION_RULE_MAX_LOAD``);
a rule on the strands of one-strand species (signals, helpers) above that, unless
``sequences.occlusion_strands: all`` keeps it on every single strand. Measured: reduced IRIS
(60 toeholds of 196) 0 sites, worst ratio 0 (was 538 stray windows, worst 3.86); the shipped IRIS
build (140 of 196) keeps helpers and signals clean but not the strands its gates release (why, and
what else was tried: :mod:`sequences.design.occlusion_notes`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sequences.codes import encode, kmer_codes, revcomp
from sequences.structure import strand_sequence

OCCLUSION_MAX = 0.05
#: Sites counted at most (each costs a duplex fold): a system that reuses toehold sequences (mnist14
#: scale: ~200 toehold domains per pool sequence) has millions; past this the occupancies are lower
#: bounds and the check row says so (IRIS: ~2,900 sites).
MAX_SITES = 50_000


@dataclass(frozen=True)
class FreeStrand:
    """A strand that is or becomes single-stranded: name (its order name), domains, concentration (nM)."""

    name: str
    domains: tuple[str, ...]
    conc_nM: float


@dataclass(frozen=True)
class Site:
    """Where a single strand carries (part of) a toehold's sequence: position in the strand (0-based,
    start of the toehold-length window), toehold domain, strand name, Kd (M) of the site with its
    flanks binding the toehold's complement, and the strand's concentration (nM)."""

    site: int
    toehold: str
    strand: str
    Kd_M: float
    conc_nM: float

    @property
    def ratio(self) -> float:
        """[strand] / Kd."""
        return self.conc_nM * 1e-9 / self.Kd_M


def free_strands(system) -> list[FreeStrand]:
    """The strands of ``system`` that are or become single-stranded, with their concentrations (nM)."""
    single = {cx.strands[0] for cx in system.complexes if len(cx.strands) == 1}
    conc: dict[tuple[str, ...], float] = {}
    names: dict[tuple[str, ...], str] = {}
    for cx in system.complexes:
        for k, s in enumerate(cx.strands):
            if len(cx.strands) == 1:  # a one-strand complex is ordered under its own name
                names[s] = cx.strand_names[k]
            names.setdefault(s, cx.strand_names[k])
            conc[s] = max(conc.get(s, 0.0), float(cx.conc_nM))
    fallback = max((float(cx.conc_nM) for cx in system.complexes if cx.role in ("gate", "fuel")), default=0.0)
    out = []
    for s, name in names.items():
        if s in single or not any(d.endswith("*") for d in s):
            out.append(FreeStrand(name, s, conc[s] if conc[s] > 0 else fallback))
    return out


def _longest_run(eq: np.ndarray) -> np.ndarray:
    """Longest run of True along the last axis."""
    run = np.zeros(eq.shape[:-1], dtype=np.int64)
    best = run.copy()
    for j in range(eq.shape[-1]):
        run = (run + 1) * eq[..., j]
        best = np.maximum(best, run)
    return best


def _own_copies(strand: FreeStrand, lengths: Mapping[str, int]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    pos = 0
    for d in strand.domains:
        base = d.rstrip("*")
        if not d.endswith("*"):
            out.setdefault(base, set()).add(pos)
        pos += lengths[base]
    return out


def _code_table(names: list[str], toeholds: Mapping[str, str], n: int) -> tuple[np.ndarray, dict[int, list[str]]]:
    """Sorted integer codes of the toeholds ``names`` (all ``n`` nt) and, per code, the toeholds that
    have it, in ``names`` order."""
    codes = kmer_codes(np.stack([encode(toeholds[t]) for t in names]), n)[:, 0]
    holders: dict[int, list[str]] = {}
    for t, c in zip(names, codes.tolist()):
        holders.setdefault(c, []).append(t)
    return np.array(sorted(holders), dtype=np.int64), holders


def candidate_sites(strands: list[FreeStrand], toeholds: Mapping[str, str], sequences: Mapping[str, str],
                    min_match_nt: int | None = None, max_sites: int | None = None) -> list[tuple[int, str, int]]:
    """(strand index, toehold, position) of every window that matches a toehold at ``min_match_nt``
    or more consecutive bases (None: the whole toehold), designed copies of that toehold excluded
    (vectorised per length); with ``max_sites``, the first that many (strand order)."""
    lengths = {name: len(seq) for name, seq in sequences.items()}
    by_len: dict[int, list[str]] = {}
    for t, seq in toeholds.items():
        by_len.setdefault(len(seq), []).append(t)
    # whole-toehold matches: integer window codes looked up in a table (O(strand length)), else the
    # longest-run comparison against every toehold of the length
    exact = {n: _code_table(names, toeholds, n) for n, names in by_len.items()
             if n <= 31 and (min_match_nt is None or min_match_nt >= n)}
    out: list[tuple[int, str, int]] = []
    for si, s in enumerate(strands):
        if max_sites is not None and len(out) >= max_sites:
            return out[:max_sites]
        x = encode(strand_sequence(s.domains, sequences))
        own = _own_copies(s, lengths)
        for n, names in by_len.items():
            if len(x) < n:
                continue
            if n in exact:
                keys, holders = exact[n]
                codes = kmer_codes(x[None, :], n)[0]
                for p in np.flatnonzero(np.isin(codes, keys)).tolist():
                    out.extend((si, t, p) for t in holders[int(codes[p])] if p not in own.get(t, ()))
                continue
            windows = np.lib.stride_tricks.sliding_window_view(x, n)
            T = np.stack([encode(toeholds[t]) for t in names])
            best = _longest_run(windows[:, None, :] == T[None, :, :])
            for p, ti in zip(*np.nonzero(best >= (n if min_match_nt is None else min_match_nt))):
                t = names[int(ti)]
                if int(p) not in own.get(t, ()):
                    out.append((si, t, int(p)))
    return out


class OcclusionModel:
    """Site energies through a thermodynamic backend, cached by (site sequence with flanks, toehold)."""

    def __init__(self, backend, flank_nt: int = 3, min_match_nt: int | None = None,
                 max_sites: int | None = MAX_SITES) -> None:
        self.backend, self.flank_nt, self.min_match_nt, self.max_sites = backend, flank_nt, min_match_nt, max_sites
        self.truncated = False  # the last sites() stopped at max_sites: its occupancies are lower bounds
        self.kT = backend.conditions.kT_kcal
        self._dG: dict[tuple[str, str], float] = {}

    def site_dG(self, strand_seq: str, pos: int, toehold_seq: str) -> float:
        f = self.flank_nt
        piece = strand_seq[max(0, pos - f): pos + len(toehold_seq) + f]
        key = (piece, toehold_seq)
        if key not in self._dG:
            self._dG[key] = float(self.backend.duplex_dG(piece, revcomp(toehold_seq)))
        return self._dG[key]

    def sites(self, system, sequences: Mapping[str, str], strands: list[FreeStrand] | None = None) -> list[Site]:
        strands = free_strands(system) if strands is None else strands
        toeholds = {d.name: sequences[d.name] for d in system.domains.values() if d.kind == "toehold"}
        seqs = [strand_sequence(s.domains, sequences) for s in strands]
        out = []
        found = candidate_sites(strands, toeholds, sequences, self.min_match_nt, self.max_sites)
        self.truncated = self.max_sites is not None and len(found) >= self.max_sites
        for si, t, p in found:
            dG = self.site_dG(seqs[si], p, toeholds[t])
            out.append(Site(p, t, strands[si].name, math.exp(dG / self.kT), strands[si].conc_nM))
        return out


def occupancy(sites: list[Site], toeholds=()) -> dict[str, float]:
    """Occupancy ratio per toehold: Σ [strand] / Kd over its sites (0 for toeholds without sites)."""
    out = {t: 0.0 for t in toeholds}
    for s in sites:
        out[s.toehold] = out.get(s.toehold, 0.0) + s.ratio
    return out


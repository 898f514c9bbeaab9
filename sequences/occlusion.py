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
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sequences.codes import encode, revcomp
from sequences.structure import strand_sequence

OCCLUSION_MAX = 0.05


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


def candidate_sites(strands: list[FreeStrand], toeholds: Mapping[str, str], sequences: Mapping[str, str],
                    min_match_nt: int | None = None) -> list[tuple[int, str, int]]:
    """(strand index, toehold, position) of every window that matches a toehold at ``min_match_nt``
    or more consecutive bases (None: the whole toehold), designed copies of that toehold excluded
    (vectorised per length)."""
    lengths = {name: len(seq) for name, seq in sequences.items()}
    by_len: dict[int, list[str]] = {}
    for t, seq in toeholds.items():
        by_len.setdefault(len(seq), []).append(t)
    out = []
    for si, s in enumerate(strands):
        x = encode(strand_sequence(s.domains, sequences))
        own = _own_copies(s, lengths)
        for n, names in by_len.items():
            if len(x) < n:
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

    def __init__(self, backend, flank_nt: int = 3, min_match_nt: int | None = None) -> None:
        self.backend, self.flank_nt, self.min_match_nt = backend, flank_nt, min_match_nt
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
        for si, t, p in candidate_sites(strands, toeholds, sequences, self.min_match_nt):
            dG = self.site_dG(seqs[si], p, toeholds[t])
            out.append(Site(p, t, strands[si].name, math.exp(dG / self.kT), strands[si].conc_nM))
        return out


def occupancy(sites: list[Site], toeholds=()) -> dict[str, float]:
    """Occupancy ratio per toehold: Σ [strand] / Kd over its sites (0 for toeholds without sites)."""
    out = {t: 0.0 for t in toeholds}
    for s in sites:
        out[s.toehold] = out.get(s.toehold, 0.0) + s.ratio
    return out


# --- repair: no stray toehold copy in a single strand -------------------------------------------


def _strand_layout(strand: FreeStrand, lengths: Mapping[str, int]) -> list[tuple[str, bool, int]]:
    out, pos = [], 0
    for d in strand.domains:
        base = d.rstrip("*")
        out.append((base, d.endswith("*"), pos))
        pos += lengths[base]
    return out


def repair_occlusion(table, system, rule_set, drawer, *, max_steps: int, deadline: float) -> dict:
    """Remove every exact stray copy of a toehold's sequence from the single strands.

    Repeatedly take a stray site (a free strand's window equal to toehold t's sequence, not at a
    copy of t), mutate the mutable long/history domain covering most of it at the covered positions
    (or, inside toeholds only, the toehold t itself), and keep the change only if no domain's rule
    penalty rises and the number of stray sites in the strands holding that domain drops. Returns
    counts (sites before/after, steps, accepted)."""
    import time

    from sequences.refine import TableSequences
    from sequences.rules.base import TOEHOLD

    seqs = TableSequences(table)
    strands = free_strands(system)
    lengths = {name: int(table.length[i]) for i, name in enumerate(table.names)}
    holding: dict[int, list[int]] = {}
    for k, s in enumerate(strands):
        for d in {d.rstrip("*") for d in s.domains}:
            holding.setdefault(table.index[d], []).append(k)
    toe_names = [table.names[i] for i in np.flatnonzero(table.kind == TOEHOLD)]

    def strays(which: list[int]) -> list[tuple[int, str, int]]:
        toes = {t: seqs[t] for t in toe_names}
        return [(which[si], t, p) for si, t, p in candidate_sites([strands[k] for k in which], toes, seqs)]

    for r in rule_set:
        r.start_incremental(table)
    everything = list(range(len(strands)))
    found = strays(everything)
    before = len(found)
    steps = accepted = 0
    rng = drawer.rng
    tries: dict[tuple[int, str, int], int] = {}
    while found and steps < max_steps and time.perf_counter() < deadline:
        open_sites = [f for f in found if tries.get(f, 0) < 50]
        if not open_sites:
            break
        site = open_sites[int(rng.integers(len(open_sites)))]
        tries[site] = tries.get(site, 0) + 1
        steps += 1
        k, t, p = site
        n = len(seqs[t])
        cover: dict[int, set[int]] = {}
        for base, comp, start in _strand_layout(strands[k], lengths):
            i = table.index[base]
            for q in range(max(p, start), min(p + n, start + lengths[base])):
                local = q - start
                cover.setdefault(i, set()).add(lengths[base] - 1 - local if comp else local)
        movable = [i for i in cover if not table.fixed[i] and table.kind[i] != TOEHOLD]
        if movable:
            i = max(movable, key=lambda j: (len(cover[j]), -j))
            hot = cover[i]
        elif not table.fixed[table.index[t]]:
            i, hot = table.index[t], set()
        else:
            continue
        old = table.get(i).copy()
        new = drawer.propose(i, hot)
        if np.array_equal(new, old):
            continue
        if any(r.domain_penalty(table, i, new) > r.domain_penalty(table, i, old) for r in rule_set):
            continue
        which = everything if table.kind[i] == TOEHOLD else holding.get(i, [])
        n_old = len(strays(which))
        table.set(i, new)
        n_new = len(strays(which))
        if n_new < n_old:
            accepted += 1
            for r in rule_set:
                r.update(table, i, old, new)
            found = strays(everything) if which is everything else (
                [f for f in found if f[0] not in set(which)] + strays(which))
        else:
            table.set(i, old)
    return {"stray_sites_before": before, "stray_sites_after": len(found), "steps": steps, "accepted": accepted}

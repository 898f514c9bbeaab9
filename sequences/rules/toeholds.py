"""Toehold rules: ``toehold_dG`` (duplex ΔG within the target window, kcal/mol) and
``toehold_reuse`` (how many toehold domains one toehold sequence may serve), both over the
groups of toeholds that share a sequence (:func:`toehold_groups`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np

from sequences.codes import decode, kmer_codes
from sequences.rules.base import TOEHOLD, DomainTable, Rule, Violation, keep_priority


class ToeholdEnergy(Rule):
    """Toehold duplex ΔG within ``target ± tolerance``; ``energy(seq)`` gives the ΔG in kcal/mol.

    Penalty: 1 + excess / tolerance for a toehold outside the window (so any miss counts as one
    violation and bigger misses count more), 0 inside.
    """

    name = "toehold_dG"
    unit = "kcal/mol"

    def __init__(self, targets: Mapping[int, float], tolerance: float, energy: Callable[[str], float]) -> None:
        self.targets = dict(targets)
        self.tolerance = tolerance
        self.energy = energy
        self.cache: dict[str, float] = {}

    def dG(self, seq: str) -> float:
        if seq not in self.cache:
            self.cache[seq] = self.energy(seq)
        return self.cache[seq]

    def excess(self, seq: str) -> float:
        return max(0.0, abs(self.dG(seq) - self.targets[len(seq)]) - self.tolerance)

    def _penalty(self, seq: str) -> float:
        e = self.excess(seq)
        return 1.0 + e / self.tolerance if e > 0 else 0.0

    def penalties(self, table: DomainTable) -> np.ndarray:
        out = np.zeros(len(table))
        for seq, members in toehold_groups(table):
            out[members] = self._penalty(seq)
        return out

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        return self._penalty(decode(codes)) if table.kind[i] == TOEHOLD else 0.0

    def violations(self, table: DomainTable) -> list[Violation]:
        out = []
        for seq, members in toehold_groups(table):
            e = self.excess(seq)
            if e > 0:
                t = self.targets[len(seq)]
                for i in members.tolist():
                    out.append(Violation(self.name, table.names[i], f"{seq} duplex ΔG {self.dG(seq):.2f}, window "
                                         f"{t - self.tolerance:.2f}..{t + self.tolerance:.2f}", e, self.unit))
        return out


def toehold_groups(table: DomainTable) -> Iterator[tuple[str, np.ndarray]]:
    """(sequence, toehold domain ids) for every distinct toehold sequence, via integer keys."""
    for length, block in table.blocks.items():
        ids = table.ids[length]
        take = table.kind[ids] == TOEHOLD
        if not take.any() or length > 31:
            if take.any():  # too long for one int64 key: fall back to strings
                groups: dict[str, list[int]] = {}
                for i in ids[take].tolist():
                    groups.setdefault(table.sequence(i), []).append(i)
                yield from ((seq, np.array(m)) for seq, m in groups.items())
            continue
        ids, sub = ids[take], block[take]
        keys = kmer_codes(sub, length)[:, 0]
        uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=len(uniq)))[:-1]
        for g, members in enumerate(np.split(ids[order], bounds)):
            yield decode(sub[first[g]]), members


class ToeholdReuse(Rule):
    """Each toehold sequence serves at most ``max_uses[length]`` toehold domains."""

    name = "toehold_reuse"
    unit = "uses"

    def __init__(self, max_uses: Mapping[int, int]) -> None:
        self.max_uses = dict(max_uses)
        self.members: dict[str, set[int]] = {}

    def _groups(self, table: DomainTable) -> dict[str, list[int]]:
        return {seq: members.tolist() for seq, members in toehold_groups(table)}

    def _excess(self, seq: str, uses: int) -> int:
        return max(0, uses - self.max_uses.get(len(seq), 1))

    def penalties(self, table: DomainTable) -> np.ndarray:
        out = np.zeros(len(table))
        for seq, members in self._groups(table).items():
            over = self._excess(seq, len(members))
            if over:
                out[members] = over / len(members)
        return out

    def blame(self, table: DomainTable) -> np.ndarray:
        out = np.zeros(len(table), dtype=bool)
        prio = keep_priority(table)
        for seq, members in self._groups(table).items():
            keep = self.max_uses.get(len(seq), 1)
            if len(members) > keep:
                ordered = sorted(members, key=lambda i: prio[i])
                out[ordered[keep:]] = True
        return out

    def start_incremental(self, table: DomainTable) -> None:
        self.members = {seq: set(m) for seq, m in self._groups(table).items()}

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        if table.kind[i] != TOEHOLD:
            return 0.0
        seq = decode(codes)
        holders = self.members.get(seq, set())
        uses = len(holders) + (0 if i in holders else 1)
        over = self._excess(seq, uses)
        return over / uses if over else 0.0

    def update(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> None:
        if table.kind[i] != TOEHOLD:
            return
        a, b = decode(old), decode(new)
        self.members[a].discard(i)
        self.members.setdefault(b, set()).add(i)

    def neighbours(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> set[int]:
        if table.kind[i] != TOEHOLD:
            return set()
        return (self.members.get(decode(old), set()) | self.members.get(decode(new), set())) - {i}

    def violations(self, table: DomainTable) -> list[Violation]:
        out = []
        for seq, members in self._groups(table).items():
            over = self._excess(seq, len(members))
            if over:
                names = [table.names[i] for i in members]
                out.append(Violation(self.name, ",".join(names), f"toehold {seq} serves {len(members)} toeholds, "
                                     f"at most {self.max_uses.get(len(seq), 1)} allowed", over, self.unit))
        return out



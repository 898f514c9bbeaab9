"""The ``toehold_copy`` objective: no single strand carries a toehold's sequence away from its own copy.

A strand that is or becomes single-stranded (a one-strand complex, or a strand made only of
top-strand domains: ``sequences.occlusion.free_strands``) holding toehold t's sequence anywhere but
at a copy of the domain t binds the complement that gates expose and occludes t
(``sequences.occlusion``; with helpers at 10x their gate one stray copy with its flanks gives an
occupancy ratio of 0.3-3). The objective counts such *stray windows* (a window of a free strand equal
to a toehold's sequence, minus that toehold's own copy), across domain junctions too.

An objective, not a rule: toeholds are A/C/T 6-mers of median ΔG, so they look like the 6-mers of
long domains (measured on IRIS: ~1,500 stray windows in a design that meets every rule); the
search lowers the count after the rules hold (``weight`` per window, in the crosstalk objective's
kcal/mol) and the ``toehold_occlusion`` check measures the result.

Cost of a domain: ``weight`` x (the stray windows overlapping it in the free strands that hold it, plus, for
a toehold, the stray copies of its sequence anywhere). Evaluated per strand (``O(strand length)``);
a toehold's proposals read a count of every free-strand window, rebuilt when a domain changes.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from sequences.codes import kmer_codes, revcomp_codes
from sequences.rules.base import TOEHOLD, DomainTable, Rule, Violation


class ToeholdCopies(Rule):
    """No stray copy of a toehold's sequence in a single strand (see the module docstring)."""

    name = "toehold_copy"
    unit = "windows"
    objective = True

    def __init__(self, free_strands, weight: float = 10.0) -> None:
        self.free = free_strands  # sequences.occlusion.FreeStrand list
        self.weight = weight  # cost of one stray window, in the crosstalk objective's kcal/mol

    def bind(self, table: DomainTable) -> None:
        self.strands = [tuple((table.index[d.rstrip("*")], d.endswith("*")) for d in s.domains) for s in self.free]
        self.holding: dict[int, list[int]] = {}
        for k, s in enumerate(self.strands):
            for i in {i for i, _ in s}:
                self.holding.setdefault(i, []).append(k)
        self.toe = np.flatnonzero(table.kind == TOEHOLD)
        self.lengths = sorted(set(table.length[self.toe].tolist()))
        self.windows: Counter = Counter()

    def _toehold_codes(self, table: DomainTable, i: int | None = None, codes=None) -> dict[int, np.ndarray]:
        """Per toehold length n, an array over all 4**n codes: how many toeholds hold each (domain i
        as ``codes``). Toeholds are short (4**8 = 65,536 entries at 8 nt)."""
        if getattr(self, "_toe_cache", None) is None:
            self._toe_cache = {n: np.zeros(4 ** n, dtype=np.int32) for n in self.lengths}
            for t in self.toe.tolist():
                c = table.get(t)
                self._toe_cache[len(c)][self._code(c)] += 1
        if i is None or table.kind[i] != TOEHOLD:
            return self._toe_cache
        out = {n: c.copy() for n, c in self._toe_cache.items()}
        out[len(codes)][self._code(table.get(i))] -= 1
        out[len(codes)][self._code(codes)] += 1
        return out

    def _strand(self, table: DomainTable, k: int, i: int | None = None, codes=None):
        """Codes of free strand k (domain i replaced by ``codes``), and per domain (index, start, own
        toehold code or None)."""
        parts, spans, pos = [], [], 0
        for d, comp in self.strands[k]:
            c = codes if d == i else table.get(d)
            c = revcomp_codes(c) if comp else c
            parts.append(c)
            spans.append((d, pos, len(c), comp))
            pos += len(c)
        return np.concatenate(parts), spans

    def _stray(self, table: DomainTable, k: int, toe_codes, i=None, codes=None):
        """(start, length, hits) of every stray window of strand k."""
        x, spans = self._strand(table, k, i, codes)
        own = {(start, n): True for d, start, n, comp in spans if table.kind[d] == TOEHOLD and not comp}
        out = []
        for n in self.lengths:
            if len(x) < n:
                continue
            w = kmer_codes(x[None, :], n)[0]
            cnt = toe_codes[n][w]
            for p in np.flatnonzero(cnt).tolist():
                hits = int(cnt[p]) - (1 if (p, n) in own else 0)
                if hits > 0:
                    out.append((p, n, hits))
        return out, spans

    def _count(self, table: DomainTable, i: int, codes, toe_codes) -> float:
        total = 0.0
        for k in self.holding.get(i, []):
            stray, spans = self._stray(table, k, toe_codes, i, codes)
            for d, start, n, _ in spans:
                if d == i:
                    total += sum(h for p, m, h in stray if p < start + n and p + m > start)
        return total

    def penalties(self, table: DomainTable) -> np.ndarray:
        self._toe_cache = None
        toe_codes = self._toehold_codes(table)
        out = np.zeros(len(table))
        for k in range(len(self.strands)):
            stray, spans = self._stray(table, k, toe_codes)
            for p, m, h in stray:
                for d, start, n, _ in spans:
                    if p < start + n and p + m > start:
                        out[d] += h
        self._rebuild(table)
        for t in self.toe.tolist():
            out[t] += self._copies_of(table, t, table.get(t))
        return self.weight * out

    def blame(self, table: DomainTable) -> np.ndarray:
        return np.zeros(len(table), dtype=bool)

    def _rebuild(self, table: DomainTable) -> None:
        self._toe_cache = None
        self.windows = Counter()
        for k in range(len(self.strands)):
            x, spans = self._strand(table, k)
            own = {(start, n, int(kmer_codes(x[None, start:start + n], n)[0, 0]))
                   for d, start, n, comp in spans if table.kind[d] == TOEHOLD and not comp}
            for n in self.lengths:
                if len(x) >= n:
                    w = kmer_codes(x[None, :], n)[0]
                    self.windows.update((n, int(c)) for p, c in enumerate(w.tolist()) if (p, n, c) not in own)

    def _copies_of(self, table: DomainTable, t: int, codes) -> float:
        """Stray windows equal to toehold t's sequence ``codes`` (outside the strands holding t)."""
        return float(self.windows.get((len(codes), int(kmer_codes(codes[None, :], len(codes))[0, 0])), 0))

    def start_incremental(self, table: DomainTable) -> None:
        self._rebuild(table)

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        toe_codes = self._toehold_codes(table, i, codes)
        pen = self._count(table, i, codes, toe_codes)
        if table.kind[i] == TOEHOLD:
            pen += self._copies_of(table, i, codes)
        return self.weight * pen

    def update(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> None:
        self._rebuild(table)

    def neighbours(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> set[int]:
        out = {d for k in self.holding.get(i, []) for d, _ in self.strands[k]}
        if table.kind[i] == TOEHOLD:
            out.update(self.toe.tolist())
        else:  # toeholds whose sequence a window of these strands holds, before or after
            codes = set()
            for k in self.holding.get(i, []):
                for c in (old, new):
                    x, _ = self._strand(table, k, i, c)
                    for n in self.lengths:
                        if len(x) >= n:
                            codes.update((n, int(v)) for v in kmer_codes(x[None, :], n)[0].tolist())
            out.update(t for t in self.toe.tolist() if (int(table.length[t]), self._code(table.get(t))) in codes)
        out.discard(i)
        return out

    @staticmethod
    def _code(c: np.ndarray) -> int:
        return int(kmer_codes(c[None, :], len(c))[0, 0])

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        """Positions of domain i under a stray window (in its own 5'->3' coordinates)."""
        toe_codes = self._toehold_codes(table)
        out: set[int] = set()
        n_i = int(table.length[i])
        for k in self.holding.get(i, []):
            stray, spans = self._stray(table, k, toe_codes)
            for d, start, n, comp in spans:
                if d != i:
                    continue
                for p, m, _ in stray:
                    for q in range(max(p, start), min(p + m, start + n)):
                        out.add(n_i - 1 - (q - start) if comp else q - start)
        return out

    def violations(self, table: DomainTable) -> list[Violation]:
        return []

    def stray_windows(self, table: DomainTable) -> list[Violation]:
        """Every stray window, as readable records (the objective itself reports no violations)."""
        self._toe_cache = None
        toe_codes = self._toehold_codes(table)
        names = {}
        for t in self.toe.tolist():
            names.setdefault(table.sequence(t), []).append(table.names[t])
        out = []
        for k in range(len(self.strands)):
            stray, _ = self._stray(table, k, toe_codes)
            x, _ = self._strand(table, k)
            for p, m, h in stray:
                seq = "".join("ACGT"[b] for b in x[p:p + m])
                out.append(Violation(self.name, self.free[k].name, f"{seq} at {p} is a copy of toehold "
                                     f"{','.join(names.get(seq, ['?']))}", float(h), self.unit))
        return out


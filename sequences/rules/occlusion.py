"""The ``toehold_copy`` rule: no single strand carries a toehold's sequence away from its own copy.

A strand that is or becomes single-stranded (a one-strand complex, or a strand made only of
top-strand domains: ``sequences.occlusion.free_strands``) holding toehold t's sequence anywhere but
at a copy of the domain t binds the complement that gates expose and occludes t
(``sequences.occlusion``; with helpers at 10x their gate one stray copy with its flanks gives an
occupancy ratio of 0.3-3, so the only safe number is none). The rule counts such *stray windows*
(a window of a free strand equal to a toehold's sequence, minus that toehold's own copy), inside
long/history domains and across domain junctions.

Why it needs help from the drawing: toeholds are A/C/T 6-mers of median ΔG, so they look like the
6-mers of long domains. On IRIS a random 6-window of a free strand equals some toehold ~10-20 % of
the time (~1,500 stray windows in a design that meets every other rule). As an objective lowered by
swap mutations afterwards it stalled at 538 windows after 2,500 proposals (339 inside
long/history domains, 194 across a long-toehold junction, 5 across a toehold-toehold junction): a
swap that removes one window mostly creates another. So the rule works at the source:

* :meth:`ToeholdCopies.screen` counts, for candidate sequences of one domain, the stray windows they
  would make in every free strand that holds the domain, with the neighbouring bases as they are
  (junctions included). ``sequences.design.drawing.Drawer`` draws long/history domains in batches
  and keeps a candidate without any (a forbidden-6-mer rule, like the run rules), and gives a
  redrawn toehold the pool sequence that makes the fewest.
* :meth:`ToeholdCopies.blame` names, per stray window, the domain a repair round redraws: the
  mutable long/history domain covering most of the window, else one of the toeholds it spans.
* ``penalties`` / ``domain_penalty`` / ``hot_positions`` let the local search and the objective
  searches see it like any other rule (a mutation never adds a stray window).

Cost of a domain: ``weight`` x (the stray windows overlapping it in the free strands that hold it,
plus, for a toehold, the windows anywhere equal to its sequence). Evaluated per strand
(``O(strand length)``); the count of every free-strand window is rebuilt (vectorised) when a
domain changes.
"""

from __future__ import annotations

import numpy as np

from sequences.codes import kmer_codes, revcomp_codes
from sequences.rules.base import TOEHOLD, DomainTable, Rule, Violation, keep_priority


def revcomp_index(n: int) -> np.ndarray:
    """For every n-mer code, the code of its reverse complement."""
    codes = np.indices((4,) * n).reshape(n, -1).T.astype(np.uint8)
    return kmer_codes(revcomp_codes(codes), n)[:, 0]


#: Repair rounds a stray window may survive before a toehold, not the long domain, is redrawn for it.
ESCALATE = 3


class ToeholdCopies(Rule):
    """No stray copy of a toehold's sequence in a single strand (see the module docstring)."""

    name = "toehold_copy"
    unit = "windows"

    def __init__(self, free_strands, weight: float = 10.0, as_rule: bool = False) -> None:
        self.as_rule = as_rule  # a rule: exact neighbours (as an objective, as first shipped)
        self.free = free_strands  # sequences.occlusion.FreeStrand list
        self.weight = weight  # penalty of one stray window (as an objective: in the crosstalk objective's kcal/mol)

    def bind(self, table: DomainTable) -> None:
        self.strands = [tuple((table.index[d.rstrip("*")], d.endswith("*")) for d in s.domains) for s in self.free]
        self.holding: dict[int, list[int]] = {}
        self.occurrences: dict[int, list[tuple[int, int]]] = {}  # domain -> (strand, place in strand)
        for k, s in enumerate(self.strands):
            for j, (i, _) in enumerate(s):
                self.occurrences.setdefault(i, []).append((k, j))
                if k not in self.holding.get(i, []):
                    self.holding.setdefault(i, []).append(k)
        self.toe = np.flatnonzero(table.kind == TOEHOLD)
        self.lengths = sorted(set(table.length[self.toe].tolist()))
        self.window_counts: dict[int, np.ndarray] = {}

    def holds(self, i: int) -> bool:
        """Whether a free strand holds domain i."""
        return i in self.occurrences

    # --- counting ----------------------------------------------------------------------------------

    def _toe_counts(self, table: DomainTable) -> dict[int, np.ndarray]:
        """Per toehold length n, an array over all 4**n codes: how many toeholds hold each."""
        out = {}
        for n in self.lengths:
            ids = self.toe[table.length[self.toe] == n]
            codes = kmer_codes(table.blocks[n][table.row[ids]], n)[:, 0]
            out[n] = np.bincount(codes, minlength=4 ** n).astype(np.int32)
        return out

    def _strand(self, table: DomainTable, k: int, i: int | None = None, codes=None):
        """Codes of free strand k (domain i replaced by ``codes``), and per domain (index, start,
        length, is_complement)."""
        parts, spans, pos = [], [], 0
        for d, comp in self.strands[k]:
            c = codes if d == i else table.get(d)
            c = revcomp_codes(c) if comp else c
            parts.append(c)
            spans.append((d, pos, len(c), comp))
            pos += len(c)
        return np.concatenate(parts), spans

    def _places(self, table: DomainTable, i: int):
        """(strand codes, start, length, is_complement) of every place a free strand holds domain i."""
        strands: dict[int, tuple] = {}
        for k, j in self.occurrences.get(i, []):
            if k not in strands:
                strands[k] = self._strand(table, k)
            x, spans = strands[k]
            _, start, length, comp = spans[j]
            yield x, start, length, comp

    def _stray(self, table: DomainTable, k: int, toe_codes, i=None, codes=None):
        """(start, length, hits) of every stray window of strand k."""
        x, spans = self._strand(table, k, i, codes)
        own = {(start, n) for d, start, n, comp in spans if table.kind[d] == TOEHOLD and not comp}
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

    def _rebuild(self, table: DomainTable) -> None:
        """``window_counts``: per length, how many free-strand windows (own toehold copies out) hold each code."""
        counts = {n: np.zeros(4 ** n, dtype=np.int64) for n in self.lengths}
        for k in range(len(self.strands)):
            x, spans = self._strand(table, k)
            own = [(start, n) for d, start, n, comp in spans if table.kind[d] == TOEHOLD and not comp]
            for n in self.lengths:
                if len(x) < n:
                    continue
                w = kmer_codes(x[None, :], n)[0]
                keep = np.ones(len(w), dtype=bool)
                keep[[p for p, m in own if m == n]] = False
                counts[n] += np.bincount(w[keep], minlength=4 ** n)
        self.window_counts = counts

    def _copies(self, codes: np.ndarray) -> np.ndarray:
        """Free-strand windows (as of the last rebuild) equal to each row of ``codes``."""
        n = codes.shape[1]
        if n not in self.window_counts:
            return np.zeros(len(codes))
        return self.window_counts[n][kmer_codes(codes, n)[:, 0]].astype(float)

    def screen(self, table: DomainTable, i: int, cands: np.ndarray) -> np.ndarray:
        """Stray windows overlapping domain i, over every free strand that holds it, if i had each
        row of ``cands`` (the other domains as they are; a toehold candidate's own copy excluded and
        its sequence counted as a toehold). Windows across i's junctions count."""
        cands = np.atleast_2d(cands)
        toe = self._toe_counts(table)
        is_toe = table.kind[i] == TOEHOLD
        if is_toe:
            n_i = int(table.length[i])
            old = int(kmer_codes(table.get(i)[None, :], n_i)[0, 0])
            toe[n_i] = toe[n_i].copy()
            toe[n_i][old] -= 1
            cand_code = kmer_codes(cands, n_i)[:, 0]
        total = np.zeros(len(cands))
        for x, start, length, comp in self._places(table, i):
            oriented = revcomp_codes(cands) if comp else cands
            for n in self.lengths:
                left, right = x[max(0, start - n + 1):start], x[start + length:start + length + n - 1]
                ext = np.concatenate([np.broadcast_to(left, (len(cands), len(left))), oriented,
                                      np.broadcast_to(right, (len(cands), len(right)))], axis=1)
                w = kmer_codes(ext, n)
                if w.shape[1] == 0:
                    continue
                hits = toe[n][w].astype(float)
                if is_toe and n == n_i:
                    hits += w == cand_code[:, None]
                    if not comp:  # the window at i's own place is its own copy
                        hits[:, len(left)] -= w[:, len(left)] == cand_code
                total += hits.sum(axis=1)
        return total

    def contexts(self, table: DomainTable, i: int):
        """What a counted walk (``sequences.design.walk``) needs to draw long domain i without a
        stray window: (forbidden inside the domain, left contexts, right contexts), each context
        (the bases next to i in one free strand, read along i, the forbidden windows there) and a
        forbidden mapping window length -> bool over the window codes (a complement occurrence
        forbids the reverse complements of the toehold sequences)."""
        toe = self._toe_counts(table)
        plain = {n: c > 0 for n, c in toe.items()}
        rc = {n: f[revcomp_index(n)] for n, f in plain.items()}
        side = max(self.lengths, default=1) - 1
        inner: dict[int, np.ndarray] = {}
        left, right = [], []
        for x, start, length, comp in self._places(table, i):
            before, after = x[max(0, start - side):start], x[start + length:start + length + side]
            forbid = rc if comp else plain
            if comp:
                before, after = revcomp_codes(after), revcomp_codes(before)
            for n, f in forbid.items():
                inner[n] = inner[n] | f if n in inner else f.copy()
            if len(before):
                left.append((before, forbid))
            if len(after):
                right.append((after, forbid))
        return inner, left, right

    def copies(self, table: DomainTable, cands: np.ndarray) -> np.ndarray:
        """Free-strand windows (own toehold copies out) equal to each row of ``cands``, as the table is now."""
        self._rebuild(table)
        return self._copies(np.atleast_2d(cands))

    # --- the rule protocol ------------------------------------------------------------------------

    def penalties(self, table: DomainTable) -> np.ndarray:
        toe_codes = self._toe_counts(table)
        out = np.zeros(len(table))
        for k in range(len(self.strands)):
            stray, spans = self._stray(table, k, toe_codes)
            for p, m, h in stray:
                for d, start, n, _ in spans:
                    if p < start + n and p + m > start:
                        out[d] += h
        self._rebuild(table)
        for t in self.toe.tolist():
            out[t] += self._copies(table.get(t)[None, :])[0]
        return self.weight * out

    def blame(self, table: DomainTable) -> np.ndarray:
        """Per stray window one domain to redraw: the mutable long/history domain covering most of
        it (2 bases or more: the last base alone of a long domain cannot avoid ``xCTACT`` when two
        of the three choices are toeholds), else the mutable toehold covering most of it (ties: the
        last to keep, ``keep_priority``). A window that survives :data:`ESCALATE` calls (its long
        domain's neighbours leave no clean draw) blames a toehold instead: one it spans, else the
        toehold whose sequence it copies."""
        toe_codes = self._toe_counts(table)
        prio = keep_priority(table)
        out = np.zeros(len(table), dtype=bool)
        seen = getattr(self, "_seen", {})
        self._seen = {}
        for k in range(len(self.strands)):
            x, _ = self._strand(table, k)
            stray, spans = self._stray(table, k, toe_codes)
            for p, m, _ in stray:
                key = (k, p, int(kmer_codes(x[None, p:p + m], m)[0, 0]))
                self._seen[key] = seen.get(key, 0) + 1
                cover = [(min(p + m, start + n) - max(p, start), d) for d, start, n, _ in spans
                         if p < start + n and p + m > start and not table.fixed[d]]
                toes = [c for c in cover if table.kind[c[1]] == TOEHOLD]
                longs = [c for c in cover if table.kind[c[1]] != TOEHOLD and c[0] >= 2]
                if self._seen[key] >= ESCALATE and not toes:
                    copied = [t for t in self.toe.tolist() if not table.fixed[t] and len(table.get(t)) == m
                              and int(kmer_codes(table.get(t)[None, :], m)[0, 0]) == key[2]]
                    toes = [(0, t) for t in copied]
                if longs and (self._seen[key] < ESCALATE or not toes):
                    out[max(longs)[1]] = True
                elif toes or cover:
                    out[max(toes or cover, key=lambda c: (c[0], prio[c[1]]))[1]] = True
        return out

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        pen = float(self.screen(table, i, codes[None, :])[0])
        if table.kind[i] == TOEHOLD:
            pen += float(self._copies(codes[None, :])[0])
        return self.weight * pen

    def start_incremental(self, table: DomainTable) -> None:
        self._rebuild(table)

    def update(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> None:
        self._rebuild(table)

    def neighbours(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> set[int]:
        out = {d for k in self.holding.get(i, []) for d, _ in self.strands[k]}
        if table.kind[i] == TOEHOLD and not self.as_rule:
            out.update(self.toe.tolist())  # as an objective: the toeholds only (the shipped IRIS search)
        elif table.kind[i] == TOEHOLD:  # every domain under a window equal to the old or new sequence
            n = len(old)
            codes = {int(kmer_codes(c[None, :], n)[0, 0]) for c in (old, new)}
            out.update(self.toe.tolist())
            for k in range(len(self.strands)):
                x, spans = self._strand(table, k)
                if len(x) < n:
                    continue
                w = kmer_codes(x[None, :], n)[0]
                for p in np.flatnonzero(np.isin(w, list(codes))).tolist():
                    out.update(d for d, start, m, _ in spans if p < start + m and p + n > start)
        else:  # toeholds whose sequence a window of these strands holds, before or after
            codes = set()
            for k in self.holding.get(i, []):
                for c in (old, new):
                    x, _ = self._strand(table, k, i, c)
                    for n in self.lengths:
                        if len(x) >= n:
                            codes.update((n, int(v)) for v in kmer_codes(x[None, :], n)[0].tolist())
            out.update(t for t in self.toe.tolist()
                       if (int(table.length[t]), int(kmer_codes(table.get(t)[None, :], int(table.length[t]))[0, 0]))
                       in codes)
        out.discard(i)
        return out

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        """Positions of domain i under a stray window (in its own 5'->3' coordinates)."""
        toe_codes = self._toe_counts(table)
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
        return self.stray_windows(table)

    def stray_windows(self, table: DomainTable) -> list[Violation]:
        """Every stray window, as readable records (subject: the free strand's name)."""
        toe_codes = self._toe_counts(table)
        names: dict[str, list[str]] = {}
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

"""Composition rules, each over one domain or one junction of two domains: ``three_letter``
(A/C/T only), ``max_run`` (identical-base and A/T runs inside a domain), ``gc_window`` (GC fraction
of long and history domains) and ``junction_run`` (the run rules across adjacent domains on a
strand). Penalties count bases or run windows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dsd.domains import KINDS
from sequences.codes import decode, revcomp_codes, run_starts, weak_run_starts
from sequences.rules.base import KIND_CODE, DomainTable, Rule, Violation, keep_priority
from sequences.rules.constraints import SequenceRules, gc_count_window


class _LocalRule(Rule):
    """A rule that looks at one domain's sequence only."""

    def __init__(self, kinds: Sequence[str]) -> None:
        self.kinds = tuple(kinds)
        self._applies = np.zeros(0, dtype=bool)

    def bind(self, table: DomainTable) -> None:
        self._applies = np.isin(table.kind, [KIND_CODE[k] for k in self.kinds])

    def block_penalty(self, block: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def penalties(self, table: DomainTable) -> np.ndarray:
        return table.per_domain(lambda block, ids: self.block_penalty(block) * self._applies[ids])

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        return float(self.block_penalty(codes[None, :])[0]) if self._applies[i] else 0.0

    def explain(self, seq: str) -> str:
        raise NotImplementedError

    def violations(self, table: DomainTable) -> list[Violation]:
        pen = self.penalties(table)
        return [Violation(self.name, table.names[i], self.explain(table.sequence(i)), float(pen[i]), self.unit)
                for i in np.flatnonzero(pen > 0)]


class ThreeLetterCode(_LocalRule):
    """Domains of the given kinds use A, C, T only (as written on signal strands)."""

    name = "three_letter"
    unit = "G"

    def block_penalty(self, block: np.ndarray) -> np.ndarray:
        return (block == 2).sum(axis=1).astype(float)

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        return {p for p, b in enumerate(table.sequence(i)) if b == "G"} if self._applies[i] else set()

    def explain(self, seq: str) -> str:
        return f"{seq} has G at {[i for i, b in enumerate(seq) if b == 'G']} (A/C/T only)"


def end_weak_runs(block: np.ndarray, run_nt: int) -> np.ndarray:
    """Per row: how many of its two ends (first, last ``run_nt`` bases) are all weak (A/T)."""
    block = np.atleast_2d(block)
    if block.shape[1] < run_nt:
        return np.zeros(block.shape[0], dtype=np.int64)
    weak = (block == 0) | (block == 3)
    return weak[:, :run_nt].all(axis=1).astype(np.int64) + weak[:, -run_nt:].all(axis=1)


class MaxRun(_LocalRule):
    """No run of ``max_run_nt + 1`` identical bases, nor of ``max_weak_run_nt + 1`` weak bases (A/T),
    inside a domain; domains of ``long_kinds`` may hold weak runs up to ``long_weak_run_nt``
    (``SequenceRules.long_max_weak_run_nt``) away from their ends, while a run touching an end keeps
    ``max_weak_run_nt`` (an A/T-rich end frays at a nick or strand end). Penalty: number of such
    windows."""

    name = "max_run"
    unit = "runs"

    def __init__(self, max_run_nt: int, max_weak_run_nt: int, kinds: Sequence[str] = KINDS,
                 long_weak_run_nt: int | None = None, long_kinds: Sequence[str] = ()) -> None:
        super().__init__(kinds)
        self.run_nt = max_run_nt + 1
        self.weak_nt = max_weak_run_nt + 1
        self.long_weak_nt = (max_weak_run_nt if long_weak_run_nt is None else long_weak_run_nt) + 1
        self.long_kinds = tuple(long_kinds)
        self._long = np.zeros(0, dtype=bool)

    def bind(self, table: DomainTable) -> None:
        super().bind(table)
        self._long = np.isin(table.kind, [KIND_CODE[k] for k in self.long_kinds])

    def _runs(self, block: np.ndarray, long: np.ndarray) -> np.ndarray:
        inner = weak_run_starts(block, self.long_weak_nt)
        if self.long_weak_nt > self.weak_nt:
            inner = inner + end_weak_runs(block, self.weak_nt)
        weak = np.where(long, inner, weak_run_starts(block, self.weak_nt))
        return (run_starts(block, self.run_nt) + weak).astype(float)

    def block_penalty(self, block: np.ndarray) -> np.ndarray:
        return self._runs(block, np.zeros(len(block), dtype=bool))

    def penalties(self, table: DomainTable) -> np.ndarray:
        return table.per_domain(lambda block, ids: self._runs(block, self._long[ids]) * self._applies[ids])

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        return float(self._runs(codes[None, :], self._long[[i]])[0]) if self._applies[i] else 0.0

    def _windows(self, seq: str, weak_nt: int) -> tuple[list[int], list[int]]:
        runs = [i for i in range(len(seq) - self.run_nt + 1) if len(set(seq[i : i + self.run_nt])) == 1]
        weak = [i for i in range(len(seq) - weak_nt + 1) if set(seq[i : i + weak_nt]) <= set("AT")]
        if weak_nt > self.weak_nt:  # a long domain with a relaxed limit: its ends keep the strand-wide one
            n = self.weak_nt
            weak += [i for i in sorted({0, len(seq) - n}) if set(seq[i : i + n]) <= set("AT") and i not in weak]
        return runs, weak

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        if not self._applies[i]:
            return set()
        weak_nt = self.long_weak_nt if self._long[i] else self.weak_nt
        seq = table.sequence(i)
        runs, weak = self._windows(seq, weak_nt)
        return ({p for a in runs for p in range(a, a + self.run_nt)}
                | {p for a in weak for p in range(a, min(len(seq), a + weak_nt))})

    def explain(self, seq: str, weak_nt: int | None = None) -> str:
        weak_nt = self.weak_nt if weak_nt is None else weak_nt
        runs, weak = self._windows(seq, weak_nt)
        parts = []
        if runs:
            parts.append(f"a run of {self.run_nt} identical bases at {runs}")
        if weak:
            parts.append(f"a run of {weak_nt} A/T (or of {self.weak_nt} at an end) at {weak}"
                         if weak_nt > self.weak_nt else f"a run of {weak_nt} A/T at {weak}")
        return f"{seq} has " + " and ".join(parts)

    def violations(self, table: DomainTable) -> list[Violation]:
        pen = self.penalties(table)
        return [Violation(self.name, table.names[i],
                          self.explain(table.sequence(i), self.long_weak_nt if self._long[i] else self.weak_nt),
                          float(pen[i]), self.unit)
                for i in np.flatnonzero(pen > 0)]


class GCWindow(_LocalRule):
    """GC fraction within [gc_min, gc_max] for the given kinds; penalty = bases outside the window."""

    name = "gc_window"
    unit = "nt"

    def __init__(self, rules: SequenceRules) -> None:
        super().__init__(rules.gc_kinds)
        self.rules = rules

    def block_penalty(self, block: np.ndarray) -> np.ndarray:
        lo, hi = gc_count_window(self.rules, block.shape[1])
        gc = ((block == 1) | (block == 2)).sum(axis=1)
        return (np.maximum(lo - gc, 0) + np.maximum(gc - hi, 0)).astype(float)

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        return set(range(int(table.length[i]))) if self.domain_penalty(table, i, table.get(i)) else set()

    def explain(self, seq: str) -> str:
        gc = sum(b in "GC" for b in seq) / len(seq)
        return f"{seq} has GC {gc:.0%}, outside {self.rules.gc_min:.0%}-{self.rules.gc_max:.0%}"


class JunctionRun(Rule):
    """No run of ``max_run_nt + 1`` identical bases, nor of ``max_weak_run_nt + 1`` weak bases, across
    the junction of two adjacent domains on any strand (a complement domain reads as its reverse
    complement)."""

    name = "junction_run"
    unit = "runs"

    def __init__(self, max_run_nt: int, max_weak_run_nt: int) -> None:
        self.run_nt = max_run_nt + 1
        self.weak_nt = max_weak_run_nt + 1
        self.side = max(max_run_nt, max_weak_run_nt)  # bases of each domain a crossing run can reach

    def bind(self, table: DomainTable) -> None:
        found: dict[tuple[int, bool, int, bool], int] = {}
        for s, strand in enumerate(table.strands):
            for (a, ac), (b, bc) in zip(strand, strand[1:]):
                found.setdefault((a, ac, b, bc), s)
        keys = np.array(list(found), dtype=np.int64).reshape(-1, 4)
        self.left, self.left_comp = keys[:, 0], keys[:, 1].astype(bool)
        self.right, self.right_comp = keys[:, 2], keys[:, 3].astype(bool)
        self.example = np.array(list(found.values()), dtype=np.int64)
        short = np.flatnonzero(table.length < self.side)
        usable = ~(np.isin(self.left, short) | np.isin(self.right, short))
        for name in ("left", "left_comp", "right", "right_comp", "example"):
            setattr(self, name, getattr(self, name)[usable])
        self.touching: dict[int, list[int]] = {}
        for j, (a, b) in enumerate(zip(self.left.tolist(), self.right.tolist())):
            self.touching.setdefault(a, []).append(j)
            if b != a:
                self.touching.setdefault(b, []).append(j)

    def _ends(self, table: DomainTable) -> tuple[np.ndarray, np.ndarray]:
        """First and last ``side`` codes of every domain."""
        head = np.zeros((len(table), self.side), dtype=np.uint8)
        tail = np.zeros((len(table), self.side), dtype=np.uint8)
        for length, block in table.blocks.items():
            if length >= self.side:
                ids = table.ids[length]
                head[ids] = block[:, : self.side]
                tail[ids] = block[:, length - self.side :]
        return head, tail

    def _oriented(self, head, tail, comp):
        """(5' end, 3' end) of each domain as it reads on the strand (complement: reverse complement)."""
        five = np.where(comp[:, None], revcomp_codes(tail), head)
        three = np.where(comp[:, None], revcomp_codes(head), tail)
        return five, three

    def _runs(self, left_three: np.ndarray, right_five: np.ndarray) -> np.ndarray:
        window = np.concatenate([left_three, right_five], axis=1)
        weak = (window == 0) | (window == 3)
        count = np.zeros(window.shape[0], dtype=np.int64)
        for start in range(max(0, self.side - self.run_nt + 1), self.side):  # windows crossing the junction
            seg = window[:, start : start + self.run_nt]
            count += (seg == seg[:, :1]).all(axis=1)
        for start in range(max(0, self.side - self.weak_nt + 1), self.side):
            count += weak[:, start : start + self.weak_nt].all(axis=1)
        return count

    def junction_runs(self, table: DomainTable) -> np.ndarray:
        head, tail = self._ends(table)
        _, l3 = self._oriented(head[self.left], tail[self.left], self.left_comp)
        r5, _ = self._oriented(head[self.right], tail[self.right], self.right_comp)
        return self._runs(l3, r5)

    def penalties(self, table: DomainTable) -> np.ndarray:
        runs = self.junction_runs(table).astype(float)
        out = np.zeros(len(table))
        np.add.at(out, self.left, runs)
        np.add.at(out, self.right, np.where(self.left == self.right, 0.0, runs))
        return out

    def blame(self, table: DomainTable) -> np.ndarray:
        bad = self.junction_runs(table) > 0
        prio = keep_priority(table)
        pick = np.where(prio[self.left] > prio[self.right], self.left, self.right)
        out = np.zeros(len(table), dtype=bool)
        out[pick[bad]] = True
        return out

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        js = self.touching.get(i)
        if not js:
            return 0.0
        js = np.asarray(js)
        left_head, left_tail = self._ends_of(table, self.left[js], i, codes)
        right_head, right_tail = self._ends_of(table, self.right[js], i, codes)
        _, l3 = self._oriented(left_head, left_tail, self.left_comp[js])
        r5, _ = self._oriented(right_head, right_tail, self.right_comp[js])
        return float(self._runs(l3, r5).sum())

    def _ends_of(self, table: DomainTable, ids: np.ndarray, i: int, codes: np.ndarray):
        heads = np.stack([codes[: self.side] if d == i else table.get(d)[: self.side] for d in ids.tolist()])
        tails = np.stack([codes[-self.side :] if d == i else table.get(d)[-self.side :] for d in ids.tolist()])
        return heads, tails

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        if not self.domain_penalty(table, i, table.get(i)):
            return set()
        n = int(table.length[i])
        return set(range(self.side)) | set(range(n - self.side, n))

    def neighbours(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> set[int]:
        js = self.touching.get(i, [])
        return {int(d) for j in js for d in (self.left[j], self.right[j])} - {i}

    def violations(self, table: DomainTable) -> list[Violation]:
        runs = self.junction_runs(table)
        out = []
        head, tail = self._ends(table)
        for j in np.flatnonzero(runs):
            a, b = int(self.left[j]), int(self.right[j])
            sa = table.names[a] + ("*" if self.left_comp[j] else "")
            sb = table.names[b] + ("*" if self.right_comp[j] else "")
            _, l3 = self._oriented(head[[a]], tail[[a]], self.left_comp[[j]])
            r5, _ = self._oriented(head[[b]], tail[[b]], self.right_comp[[j]])
            out.append(Violation(self.name, f"{sa}|{sb}", f"{decode(l3[0])}|{decode(r5[0])} in strand "
                                 f"{table.strand_names[self.example[j]]} has a run of {self.run_nt} identical "
                                 f"or {self.weak_nt} A/T bases",
                                 float(runs[j]), self.unit))
        return out

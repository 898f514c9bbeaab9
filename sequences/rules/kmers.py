"""The ``unique_kmer`` rule and the choice of its k.

Choosing k. The three-letter 6-mers free of forbidden runs (``max_run``) number 468 (of 729);
203 domains of 15 nt hold 2030 6-mers, so "no shared 6-mer" cannot hold beyond ~30 such domains.
:func:`choose_kmer_k` takes the smallest ``k >= kmer_min_k`` (6) whose *admissible* k-mer space
(:func:`admissible_kmers`) is at least ``1 / kmer_max_load`` (4) times the number of k-mers the
domains hold, so a randomised search finds a solution quickly: a few reactions keep k = 6, IRIS
(263 domains) gets k = 9, mnist14 (197,251 domains) k = 14. What a molecular programmer reads
off is "two different domains share at most k - 1 consecutive bases, on either strand". The
design also reports ``k_safe``, the k up to which such shared stretches stay weaker than the
spurious-binding threshold (about 6 bp at -8 kcal/mol); a larger k is an advisory row of the
check table, not a failure: in these schemes a long domain's complement sits in a duplex, so
shared stretches act only after a toehold has bound. Toeholds take part in the k-mer rule only
while ``k <= toehold length``; ``toehold_reuse`` keeps them apart beyond that. Reusing a toehold
sequence (mnist14 has 54,960 toeholds, the 6-nt pool 196 sequences) costs speed through toehold
occlusion, not correctness: branch migration needs the long domain that follows (Qian & Winfree
2011 use one universal toehold for every seesaw gate).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dsd.domains import KINDS
from sequences.codes import THREE_LETTER, kmer_codes, kmer_string, revcomp_codes
from sequences.rules.base import KIND_CODE, DomainTable, Rule, Violation, keep_priority


class UniqueKmers(Rule):
    """No k-mer in two different domains, nor in a domain and another domain's complement.

    The k-mer index maps each k-mer code to the domains holding it (``+``: as written, ``-``: in
    its reverse complement). Vectorised, it is one sort of all k-mer codes; incrementally, a dict.
    A domain's penalty is the number of its k-mers (either strand) that some other domain also holds.
    """

    name = "unique_kmer"
    unit = "k-mers"

    def __init__(self, k: int, kinds: Sequence[str] = KINDS) -> None:
        self.k = k
        self.kinds = tuple(kinds)
        self.index: dict[int, list[int]] = {}

    def bind(self, table: DomainTable) -> None:
        self._applies = np.isin(table.kind, [KIND_CODE[k] for k in self.kinds]) & (table.length >= self.k)

    def _entries(self, table: DomainTable) -> tuple[np.ndarray, np.ndarray]:
        """All (code, owner) pairs, both strands of every participating domain."""
        codes, owners = [], []
        for length, block in table.blocks.items():
            ids = table.ids[length]
            take = self._applies[ids]
            if length < self.k or not take.any():
                continue
            sub, ids = block[take], ids[take]
            for b in (sub, revcomp_codes(sub)):
                km = kmer_codes(b, self.k)
                codes.append(km.ravel())
                owners.append(np.repeat(ids, km.shape[1]))
        if not codes:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(codes), np.concatenate(owners)

    def _conflicts(self, table: DomainTable):
        """(code, owner) pairs deduplicated and sorted, with a mask of codes held by >1 domain."""
        codes, owners = self._entries(table)
        if len(codes) == 0:
            return codes, owners, np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
        order = np.lexsort((owners, codes))
        codes, owners = codes[order], owners[order]
        keep = np.ones(len(codes), dtype=bool)
        keep[1:] = (codes[1:] != codes[:-1]) | (owners[1:] != owners[:-1])
        entry_count = np.bincount(np.cumsum(keep) - 1)  # how often each (code, owner) occurs
        codes, owners = codes[keep], owners[keep]
        start = np.ones(len(codes), dtype=bool)
        start[1:] = codes[1:] != codes[:-1]
        group = np.cumsum(start) - 1
        size = np.bincount(group)
        shared = size[group] > 1
        return codes, owners, shared, entry_count

    def penalties(self, table: DomainTable) -> np.ndarray:
        codes, owners, shared, count = self._conflicts(table)
        out = np.zeros(len(table))
        if len(codes):
            np.add.at(out, owners[shared], count[shared])
        return out

    def blame(self, table: DomainTable) -> np.ndarray:
        codes, owners, shared, _ = self._conflicts(table)
        out = np.zeros(len(table), dtype=bool)
        if not shared.any():
            return out
        prio = keep_priority(table)[owners]
        start = np.ones(len(codes), dtype=bool)
        start[1:] = codes[1:] != codes[:-1]
        group = np.cumsum(start) - 1
        best = np.full(group[-1] + 1, np.iinfo(np.int64).max)
        np.minimum.at(best, group, prio)
        out[owners[shared & (prio != best[group])]] = True
        return out

    def _codes_of(self, codes: np.ndarray) -> np.ndarray:
        return np.concatenate([kmer_codes(codes[None, :], self.k)[0],
                               kmer_codes(revcomp_codes(codes)[None, :], self.k)[0]])

    def start_incremental(self, table: DomainTable) -> None:
        codes, owners = self._entries(table)
        index: dict[int, list[int]] = {}
        for c, o in zip(codes.tolist(), owners.tolist()):
            index.setdefault(c, []).append(o)
        self.index = index

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        if not self._applies[i]:
            return 0.0
        n = 0
        for c in self._codes_of(codes).tolist():
            if any(o != i for o in self.index.get(c, ())):
                n += 1
        return float(n)

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        if not self._applies[i]:
            return set()
        n = int(table.length[i])
        width = n - self.k + 1
        out: set[int] = set()
        for j, c in enumerate(self._codes_of(table.get(i)).tolist()):
            if any(o != i for o in self.index.get(c, ())):
                start = j if j < width else n - self.k - (j - width)  # reverse-complement k-mer j
                out.update(range(start, start + self.k))
        return out

    def update(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> None:
        if not self._applies[i]:
            return
        for c in self._codes_of(old).tolist():
            owners = self.index[c]
            owners.remove(i)
            if not owners:
                del self.index[c]
        for c in self._codes_of(new).tolist():
            self.index.setdefault(c, []).append(i)

    def neighbours(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> set[int]:
        if not self._applies[i]:
            return set()
        out: set[int] = set()
        for c in np.concatenate([self._codes_of(old), self._codes_of(new)]).tolist():
            out.update(self.index.get(c, ()))
        out.discard(i)
        return out

    def violations(self, table: DomainTable) -> list[Violation]:
        codes, owners, shared, _ = self._conflicts(table)
        out = []
        seen: set[tuple[int, ...]] = set()
        idx = np.flatnonzero(shared)
        if len(idx) == 0:
            return out
        bounds = np.flatnonzero(np.diff(codes[idx])) + 1
        for grp in np.split(idx, bounds):
            code = int(codes[grp[0]])
            holders = tuple(sorted(set(owners[grp].tolist())))
            kmer = kmer_string(code, self.k)
            key = holders
            if key in seen:  # the same pair shows up again through the reverse complement
                continue
            seen.add(key)
            where = []
            for o in holders:
                strand = "+" if kmer in table.sequence(o) else "-"
                where.append(f"{table.names[o]}({strand})")
            out.append(Violation(self.name, ",".join(table.names[o] for o in holders),
                                 f"{self.k}-mer {kmer} held by {' and '.join(where)}",
                                 float(len(holders) - 1), self.unit))
        return out


def admissible_kmers(k: int, alphabet: str, max_run_nt: int, max_weak_run_nt: int) -> int:
    """Number of k-mers over ``alphabet`` with no identical-base run longer than ``max_run_nt`` and
    no A/T run longer than ``max_weak_run_nt`` (dynamic programming over the run lengths).

    >>> admissible_kmers(4, "ACT", 3, 3)   # 81 words minus AAAA, TTTT, CCCC and 14 other A/T words
    64
    """
    weak = {b: b in "AT" for b in alphabet}
    states: dict[tuple[str, int, int], int] = {(b, 1, int(weak[b])): 1 for b in alphabet}
    for _ in range(k - 1):
        nxt: dict[tuple[str, int, int], int] = {}
        for (last, run, wrun), n in states.items():
            for b in alphabet:
                r = run + 1 if b == last else 1
                w = wrun + 1 if weak[b] else 0
                if r <= max_run_nt and w <= max_weak_run_nt:
                    key = (b, r, w)
                    nxt[key] = nxt.get(key, 0) + n
        states = nxt
    return sum(n for (_, r, w), n in states.items() if r <= max_run_nt and w <= max_weak_run_nt)


def kmer_demand(lengths: Sequence[int], k: int) -> int:
    """Number of k-mers (one strand) that domains of these lengths hold."""
    return int(sum(max(0, n - k + 1) for n in lengths))


def choose_kmer_k(lengths: Sequence[int], alphabet: str = THREE_LETTER, min_k: int = 6, max_load: float = 0.25,
                  max_run_nt: int = 3, max_weak_run_nt: int = 3) -> int:
    """Smallest ``k >= min_k`` whose admissible k-mer space (:func:`admissible_kmers`) is at least
    ``1 / max_load`` times the number of k-mers the domains hold.

    >>> choose_kmer_k([15] * 203 + [6] * 60)   # IRIS: 203 long/history domains + 60 toeholds
    9
    >>> choose_kmer_k([15] * 10)
    6
    """
    for k in range(min_k, 32):
        if kmer_demand(lengths, k) <= max_load * admissible_kmers(k, alphabet, max_run_nt, max_weak_run_nt):
            return k
    return 31

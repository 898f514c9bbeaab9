"""Drawing domain sequences: toehold pools (every admissible toehold of a length with its duplex
ΔG, kcal/mol), random long/history domains that meet the run rules and the GC window, and the
:class:`Drawer` the search and the refinement use to redraw and mutate domains.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass

import numpy as np

from sequences.codes import BASES, decode, encode, kmer_codes, local_ok, revcomp
from sequences.rules.base import KIND_CODE, TOEHOLD, DomainTable
from sequences.rules.composition import end_weak_runs
from sequences.rules.constraints import SequenceRules, gc_count_window
from sequences.thermo import ThermoBackend

#: Toeholds up to this length are enumerated exhaustively for the pool; longer ones are sampled.
POOL_ENUMERATE_MAX_NT = 8
POOL_SAMPLE = 4000


# --- toehold pools ---------------------------------------------------------------------------------


@dataclass
class ToeholdPool:
    """Admissible toehold sequences of one length and alphabet, with their duplex ΔG."""

    length: int
    alphabet: str
    target_kcal: float
    codes: np.ndarray  # (P, length)
    dG_kcal: np.ndarray
    candidates: int  # sequences considered (all of them up to POOL_ENUMERATE_MAX_NT)

    def __post_init__(self) -> None:
        self.key_of = {int(c): p for p, c in enumerate(kmer_codes(self.codes, self.length)[:, 0])} if len(
            self.codes) else {}

    def index(self, codes: np.ndarray) -> int | None:
        return self.key_of.get(int(kmer_codes(codes[None, :], self.length)[0, 0]))

    def indices(self, block: np.ndarray) -> np.ndarray:
        """Pool index of each row of ``block`` (-1 when not in the pool)."""
        keys = np.array(sorted(self.key_of), dtype=np.int64)
        where = np.array([self.key_of[int(k)] for k in keys], dtype=np.int64)
        row_keys = kmer_codes(block, self.length)[:, 0]
        pos = np.clip(np.searchsorted(keys, row_keys), 0, max(len(keys) - 1, 0))
        hit = len(keys) > 0
        return np.where(hit & (keys[pos] == row_keys), where[pos], -1) if hit else np.full(len(block), -1)


def toehold_dG(backend: ThermoBackend, seq: str) -> float:
    """Duplex ΔG of a toehold and its complement: MFE of the two-strand complex (1 M standard state)."""
    return backend.mfe([seq, revcomp(seq)])[1]


def make_toehold_pool(length: int, alphabet: str, rules: SequenceRules, backend: ThermoBackend,
                      rng: np.random.Generator) -> ToeholdPool:
    """All toeholds of ``length`` in ``alphabet`` (a seeded sample above 8 nt) that meet the local
    rules, and the ΔG window's centre (``rules.toehold_dG_target_kcal`` or the median ΔG)."""
    if length <= POOL_ENUMERATE_MAX_NT:
        seqs = ["".join(p) for p in itertools.product(alphabet, repeat=length)]
    else:
        letters = np.array([BASES.index(b) for b in alphabet], dtype=np.uint8)
        draws = rng.choice(letters, size=(POOL_SAMPLE, length))
        seqs = sorted({decode(r) for r in draws})
    dG = np.array([toehold_dG(backend, s) for s in seqs])
    target = rules.toehold_dG_target_kcal
    if target is None:
        target = float(statistics.median(dG.tolist()))
    codes = np.stack([encode(s) for s in seqs])
    ok = np.abs(dG - target) <= rules.toehold_dG_tolerance_kcal
    ok &= local_ok(codes, rules.max_run_nt, rules.max_weak_run_nt)
    if "toehold" in rules.gc_kinds:
        lo, hi = gc_count_window(rules, length)
        gc = ((codes == 1) | (codes == 2)).sum(axis=1)
        ok &= (gc >= lo) & (gc <= hi)
    if not ok.any():
        raise ValueError(
            f"sequences.toehold_dG_target_kcal/toehold_dG_tolerance_kcal: no {length}-nt toehold in "
            f"{alphabet} has a duplex ΔG within {target:.2f} ± {rules.toehold_dG_tolerance_kcal} kcal/mol "
            f"(observed {dG.min():.2f}..{dG.max():.2f}) under the other rules"
        )
    return ToeholdPool(length, alphabet, float(target), codes[ok], dG[ok], len(seqs))


# --- drawing domains -----------------------------------------------------------------------------


def sample_domains(rng: np.random.Generator, n: int, length: int, alphabet: str, rules: SequenceRules,
                   gc_applies: bool) -> np.ndarray:
    """``n`` random domains (codes) of ``length`` nt in ``alphabet`` with no forbidden run and, when
    ``gc_applies`` (a kind in ``rules.gc_kinds``), a GC count in the window and weak runs up to
    ``rules.long_weak_run_nt`` (a domain's ends: ``max_weak_run_nt``). The C/G probability sits at the window's middle."""
    letters = np.array([BASES.index(b) for b in alphabet], dtype=np.uint8)
    lo, hi = gc_count_window(rules, length)
    strong = np.isin(letters, [1, 2])
    if gc_applies and strong.any() and (~strong).any():
        p_strong = min(max((lo + hi) / 2 / length, 0.05), 0.95)
        probs = np.where(strong, p_strong / strong.sum(), (1 - p_strong) / (~strong).sum())
    else:
        probs = np.full(len(letters), 1 / len(letters))
    out, have = [], 0
    for _ in range(10_000):
        if have >= n:
            break
        m = max(64, 3 * (n - have))
        draw = rng.choice(letters, size=(m, length), p=probs)
        ok = local_ok(draw, rules.max_run_nt, rules.long_weak_run_nt if gc_applies else rules.max_weak_run_nt)
        if gc_applies and rules.long_weak_run_nt > rules.max_weak_run_nt:  # its ends keep the strand-wide limit
            ok &= end_weak_runs(draw, rules.max_weak_run_nt + 1) == 0
        if gc_applies:
            gc = ((draw == 1) | (draw == 2)).sum(axis=1)
            ok &= (gc >= lo) & (gc <= hi)
        draw = draw[ok]
        out.append(draw)
        have += len(draw)
    if have < n:
        raise ValueError(f"sequences: cannot draw {length}-nt domains in {alphabet} that meet the GC window "
                         f"and run rules")
    return np.concatenate(out)[:n]


class Drawer:
    """Redraws domains of a table: pool toeholds (least used first) and sampled long/history domains."""

    def __init__(self, table: DomainTable, rules: SequenceRules, pools: dict[tuple[int, str], ToeholdPool],
                 alphabets: list[str], rng: np.random.Generator, max_uses: dict[int, int]) -> None:
        self.table, self.rules, self.pools, self.alphabets, self.rng = table, rules, pools, alphabets, rng
        self.max_uses = max_uses
        self.gc_kinds = {KIND_CODE[k] for k in rules.gc_kinds}

    def pool_of(self, i: int) -> ToeholdPool:
        return self.pools[(int(self.table.length[i]), self.alphabets[i])]

    def deal_toeholds(self, ids: np.ndarray) -> None:
        """First assignment: a shuffled pass through the pool, then around again."""
        by_pool: dict[tuple[int, str], list[int]] = {}
        for i in ids.tolist():
            by_pool.setdefault((int(self.table.length[i]), self.alphabets[i]), []).append(i)
        for key, members in by_pool.items():
            pool = self.pools[key]
            order = self.rng.permutation(len(pool.codes))
            for j, i in enumerate(members):
                self.table.set(i, pool.codes[order[j % len(order)]])

    def redraw(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        toes = ids[self.table.kind[ids] == TOEHOLD]
        others = ids[self.table.kind[ids] != TOEHOLD]
        if len(toes):
            self._redraw_toeholds(toes)
        groups: dict[tuple[int, str, bool], list[int]] = {}
        for i in others.tolist():
            key = (int(self.table.length[i]), self.alphabets[i], int(self.table.kind[i]) in self.gc_kinds)
            groups.setdefault(key, []).append(i)
        for (length, alphabet, gc), members in sorted(groups.items()):
            draws = sample_domains(self.rng, len(members), length, alphabet, self.rules, gc)
            block, rows = self.table.blocks[length], self.table.row[members]
            block[rows] = draws

    def _redraw_toeholds(self, toes: np.ndarray) -> None:
        table = self.table
        for key in sorted({(int(table.length[i]), self.alphabets[i]) for i in toes.tolist()}):
            pool = self.pools[key]
            members = [i for i in toes.tolist() if (int(table.length[i]), self.alphabets[i]) == key]
            same = table.ids[key[0]][table.kind[table.ids[key[0]]] == TOEHOLD]
            current = pool.indices(table.blocks[key[0]][table.row[same]])
            uses = np.bincount(current[current >= 0], minlength=len(pool.codes))
            cap = self.max_uses.get(key[0], 1)
            for i in members:
                p_old = pool.index(table.get(i))
                if p_old is not None:
                    uses[p_old] -= 1
                free = np.flatnonzero(uses < cap)
                free = free[free != p_old] if p_old is not None and len(free) > 1 else free
                choice = int(self.rng.choice(free)) if len(free) else int(self.rng.integers(len(pool.codes)))
                uses[choice] += 1
                table.set(i, pool.codes[choice])

    def propose(self, i: int, hot: set[int], swap: bool = False) -> np.ndarray:
        """A mutation of domain ``i``: another pool toehold; or 1-2 point changes, at the positions
        its violations involve (``hot``) when there are any; or (one time in four) a fresh draw.
        With ``swap``, most proposals exchange two different bases instead (one of them at a ``hot``
        position when there are any), which keeps the composition (and so the GC window) of a domain."""
        table, rng = self.table, self.rng
        old = table.get(i)
        if table.kind[i] == TOEHOLD:
            pool = self.pool_of(i)
            return pool.codes[int(rng.integers(len(pool.codes)))].copy()
        if swap and rng.random() < (0.8 if hot else 0.5):
            new = old.copy()
            a = int(rng.choice(sorted(hot))) if hot else int(rng.integers(len(new)))
            others = np.flatnonzero(new != new[a])
            if len(others):
                b = int(others[int(rng.integers(len(others)))])
                new[a], new[b] = new[b], new[a]
            return new
        if rng.random() < 0.75:
            new = old.copy()
            letters = np.array([BASES.index(b) for b in self.alphabets[i]], dtype=np.uint8)
            where = np.array(sorted(hot)) if hot else np.arange(len(new))
            for pos in rng.choice(where, size=min(len(where), int(rng.integers(1, 3))), replace=False):
                others = letters[letters != new[pos]]
                new[pos] = others[int(rng.integers(len(others)))]
            return new
        gc = int(table.kind[i]) in self.gc_kinds
        return sample_domains(rng, 1, int(table.length[i]), self.alphabets[i], self.rules, gc)[0]

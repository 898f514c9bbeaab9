"""Drawing domain sequences: toehold pools (every admissible toehold of a length with its duplex
ΔG, kcal/mol), random long/history domains that meet the run rules and the GC window, and the
:class:`Drawer` the search and the refinement use to redraw and mutate domains.

With a ``screen`` (the ``toehold_copy`` rule, ``sequences.rules.occlusion``) the drawer also keeps
toehold sequences out of single strands at drawing time: a long/history domain that a free strand
holds is drawn in batches of :data:`SCREEN_BATCH` candidates (up to :data:`SCREEN_BATCHES`) and takes
the first that makes no stray toehold window with its neighbours as they are (else the one that
makes the fewest), and a redrawn toehold takes the free pool sequence that makes the fewest. The
domains of a redraw are drawn one after another, so each sees the ones drawn before it.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from dataclasses import dataclass

import numpy as np

from sequences.codes import BASES, decode, encode, kmer_codes, local_ok, revcomp, revcomp_codes
from sequences.rules.base import KIND_CODE, TOEHOLD, DomainTable
from sequences.rules.composition import end_weak_runs
from sequences.rules.constraints import SequenceRules, gc_count_window
from sequences.thermo import ThermoBackend

#: Toeholds up to this length are enumerated exhaustively for the pool; longer ones are sampled.
POOL_ENUMERATE_MAX_NT = 8
POOL_SAMPLE = 4000
#: Candidates per batch, and batches at most, when a screen rejects long/history draws.
SCREEN_BATCH = 128
SCREEN_BATCHES = 40
#: Candidates per batch (the fewest stray windows first) that the ``also`` rules judge.
SCREEN_ALSO = 8
#: Batches per step of tolerance around a screened draw's target GC count.
SCREEN_RELAX = 10
#: Batches after which a screened draw settles for the best candidate found (repair rounds and the
#: local search change the neighbours that make a clean draw impossible).
SCREEN_GIVE_UP = 16
#: Up to this k the k-mer index of a screened draw is a dense count array (4**11 int32 = 16 MB).
DENSE_KMER_MAX = 11


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
                   gc_applies: bool, gc_count: int | None = None) -> np.ndarray:
    """``n`` random domains (codes) of ``length`` nt in ``alphabet`` with no forbidden run and, when
    ``gc_applies`` (a kind in ``rules.gc_kinds``), a GC count in the window and weak runs up to
    ``rules.long_weak_run_nt`` (a domain's ends: ``max_weak_run_nt``). The C/G probability sits at the
    window's middle (at ``gc_count`` / ``length`` when given)."""
    letters = np.array([BASES.index(b) for b in alphabet], dtype=np.uint8)
    lo, hi = gc_count_window(rules, length)
    strong = np.isin(letters, [1, 2])
    if gc_applies and strong.any() and (~strong).any():
        p_strong = min(max((lo + hi if gc_count is None else 2 * gc_count) / 2 / length, 0.05), 0.95)
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


class KmerIndex:
    """How many times each k-mer occurs in a table (both strands of every domain of >= k nt), for
    screened draws: remove a domain, test candidates, add the one chosen."""

    def __init__(self, table: DomainTable, k: int) -> None:
        self.k = k
        codes = [kmer_codes(b, k).ravel() for length, block in table.blocks.items() if length >= k
                 for b in (block, revcomp_codes(block))]
        codes = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
        self.dense = k <= DENSE_KMER_MAX  # a count per possible k-mer (4**k int32), else a Counter
        if self.dense:
            self.count = np.bincount(codes, minlength=4 ** k).astype(np.int32)
        else:
            self.count = Counter(codes.tolist())

    def _codes(self, rows: np.ndarray) -> np.ndarray:
        rows = np.atleast_2d(rows)
        return np.concatenate([kmer_codes(rows, self.k), kmer_codes(revcomp_codes(rows), self.k)], axis=1)

    def remove(self, codes: np.ndarray) -> None:
        if self.dense:
            np.subtract.at(self.count, self._codes(codes)[0], 1)
        else:
            self.count.subtract(self._codes(codes)[0].tolist())

    def add(self, codes: np.ndarray) -> None:
        if self.dense:
            np.add.at(self.count, self._codes(codes)[0], 1)
        else:
            self.count.update(self._codes(codes)[0].tolist())

    def shared(self, cands: np.ndarray) -> np.ndarray:
        """Per candidate, how many of its k-mers (either strand) another domain holds."""
        codes = self._codes(cands)
        if self.dense:
            return (self.count[codes] > 0).sum(axis=1).astype(float)
        return np.array([sum(self.count.get(c, 0) > 0 for c in row) for row in codes.tolist()], dtype=float)


class Drawer:
    """Redraws domains of a table: pool toeholds (least used first) and sampled long/history domains."""

    def __init__(self, table: DomainTable, rules: SequenceRules, pools: dict[tuple[int, str], ToeholdPool],
                 alphabets: list[str], rng: np.random.Generator, max_uses: dict[int, int], screen=None, also=(),
                 kmer_k: int | None = None) -> None:
        self.table, self.rules, self.pools, self.alphabets, self.rng = table, rules, pools, alphabets, rng
        self.max_uses = max_uses
        self.screen = screen  # None, or the toehold_copy rule (holds, screen, copies)
        self.also = list(also)  # rules whose domain_penalty (no incremental state) a screened draw also meets
        self.kmer_k = kmer_k  # a screened draw shares no k-mer of this length with another domain
        self.gc_target: dict[int, int] = {}  # GC count each screened domain is drawn at
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
            if self.screen is not None:  # the pool sequences rarest in long/history domains first
                order = order[np.argsort(self._window_frequency(pool)[order], kind="stable")]
            for j, i in enumerate(members):
                self.table.set(i, pool.codes[order[j % len(order)]])

    def _window_frequency(self, pool: ToeholdPool, samples: int = 2000) -> np.ndarray:
        """How often each pool sequence is a window of random long/history domains (the most
        common long length, the pool's alphabet, GC window): with IRIS's 140 toeholds of the 196
        6-nt pool, the rarest 140 match a window 17 % of the time, a random 140 22 %."""
        kinds = self.table.kind != TOEHOLD
        if not kinds.any():
            return np.zeros(len(pool.codes))
        length = int(np.bincount(self.table.length[kinds]).argmax())
        draws = sample_domains(self.rng, samples, length, pool.alphabet, self.rules, True)
        w = kmer_codes(draws, pool.length).ravel()
        return np.bincount(w, minlength=4 ** pool.length)[kmer_codes(pool.codes, pool.length)[:, 0]] / len(w)

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
        index = None
        for (length, alphabet, gc), members in sorted(groups.items()):
            screened = [i for i in members if self.screen is not None and self.screen.holds(i)]
            members = [i for i in members if self.screen is None or not self.screen.holds(i)]
            if members:
                draws = sample_domains(self.rng, len(members), length, alphabet, self.rules, gc)
                block, rows = self.table.blocks[length], self.table.row[members]
                block[rows] = draws
            for i in screened:
                index = KmerIndex(self.table, self.kmer_k) if index is None and self.kmer_k else index
                if index is not None:
                    index.remove(self.table.get(i))
                self.table.set(i, self._screened_draw(i, length, alphabet, gc, index)[0])
                if index is not None:
                    index.add(self.table.get(i))

    def _screened_draw(self, i: int, length: int, alphabet: str, gc: bool, index) -> tuple[np.ndarray, float]:
        """A draw for domain i that makes no stray toehold window, shares no k-mer with another
        domain (``index``) and breaks none of the ``also`` rules (else the lowest sum found), and
        what it still breaks (0: nothing).

        The screen favours C-rich sequences (toeholds hold 1-3 C of 6, so windows with more C are
        never copies): unchecked, IRIS long domains moved from 7.3 to 8.0 C of 15 on average and
        the crosstalk of shuffled domains from 0.31 to 0.49. So each domain gets a target GC count
        (an unscreened draw's, kept across redraws: else the domains redrawn most, the hard low-GC
        ones, drift up), candidates are drawn around it, and of the candidates that break nothing
        the one nearest the target is taken once it is within ``b // SCREEN_RELAX`` of it (batch
        ``b``); the target never makes a draw break a rule."""
        if i not in self.gc_target:
            first = sample_domains(self.rng, 1, length, alphabet, self.rules, gc)[0]
            self.gc_target[i] = int(((first == 1) | (first == 2)).sum())
        target = self.gc_target[i]
        best, best_key = None, (np.inf, np.inf)
        for b in range(SCREEN_BATCHES):
            cands = sample_domains(self.rng, SCREEN_BATCH, length, alphabet, self.rules, gc,
                                   target if gc else None)
            cost = self.screen.screen(self.table, i, cands)
            if index is not None:
                cost = cost + index.shared(cands)
            dist = np.abs(((cands == 1) | (cands == 2)).sum(axis=1) - target) if gc else np.zeros(len(cands))
            for j in np.lexsort((dist, cost))[:SCREEN_ALSO].tolist():
                key = (cost[j] + sum(r.domain_penalty(self.table, i, cands[j]) for r in self.also), dist[j])
                if key < best_key:
                    best, best_key = cands[j], key
            if best_key[0] == 0 and best_key[1] <= b // SCREEN_RELAX:
                break
            if b + 1 >= SCREEN_GIVE_UP and best_key[0] == 0:
                break
        return best, float(best_key[0])

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
                if self.screen is not None and len(free) > 1:
                    free = free[self._toehold_costs(i, pool.codes[free]).argsort(kind="stable")[:1]]
                choice = int(self.rng.choice(free)) if len(free) else int(self.rng.integers(len(pool.codes)))
                uses[choice] += 1
                table.set(i, pool.codes[choice])

    def _toehold_costs(self, i: int, cands: np.ndarray) -> np.ndarray:
        """Lexicographic cost of toehold candidates: stray windows and ``also`` violations at toehold
        i's own places first (a repair round cannot remove them without redrawing i), then the
        windows elsewhere equal to the candidate (redrawing long domains removes those)."""
        here = self.screen.screen(self.table, i, cands)
        here += [sum(r.domain_penalty(self.table, i, c) for r in self.also) for c in cands]
        return here * 1e6 + self.screen.copies(self.table, cands)

    def propose(self, i: int, hot: set[int], swap: bool = False) -> np.ndarray:
        """A mutation of domain ``i``: another pool toehold; or 1-2 point changes, at the positions
        its violations involve (``hot``) when there are any; or (one time in four) a fresh draw
        (screened, when the drawer has a screen and a single strand holds the domain).
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
        if self.screen is not None and self.screen.holds(i):  # a screened draw, neighbours as they are
            index = KmerIndex(table, self.kmer_k) if self.kmer_k else None
            if index is not None:
                index.remove(old)
            return self._screened_draw(i, int(table.length[i]), self.alphabets[i], gc, index)[0]
        return sample_domains(rng, 1, int(table.length[i]), self.alphabets[i], self.rules, gc)[0]

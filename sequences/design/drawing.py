"""Drawing domain sequences: random long/history domains that meet the run rules and the GC
window, and the :class:`Drawer` the search and the refinement use to redraw and mutate domains
(toehold pools: ``sequences.design.pool``).

With a ``screen`` (the ``toehold_copy`` rule, ``sequences.rules.occlusion``) the drawer also keeps
toehold sequences out of single strands at drawing time: a long/history domain that a free strand
holds is drawn by counted walks (``sequences.design.walk``: uniform among the sequences that make
no stray toehold window with its neighbours as they are and meet the run rules and its GC target;
the first of a batch that shares no k-mer and breaks no junction rule), with rejection sampling in
batches of :data:`SCREEN_BATCH` as the fallback where no sequence is admissible; a redrawn toehold
takes the free pool sequence that makes the fewest. Where the toeholds use more than
:data:`PASSABLE_LOAD` of their pool they are dealt from a subset long domains can border cleanly
(``passable_toeholds``) and a redrawn toehold exchanges sequences with another. The domains of a
redraw are drawn one after another, so each sees the ones drawn before it.
"""

from __future__ import annotations

import statistics
from collections import Counter

import numpy as np

from sequences.codes import (
    BASES,
    THREE_LETTER,
    decode,
    kmer_codes,
    local_ok,
    revcomp_codes,
)
from sequences.design.pool import ToeholdPool, toehold_dG
from sequences.design.walk import CleanWalk, after_starts, passable_toeholds
from sequences.rules.base import KIND_CODE, TOEHOLD, DomainTable
from sequences.rules.composition import end_weak_runs
from sequences.rules.constraints import SequenceRules, gc_count_window

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
#: Batches of counted-walk candidates a screened draw tries for one without shared k-mers.
WALK_BATCHES = 8
#: Above this share of their pool the toeholds dealt are a passable subset (``passable_toeholds``).
PASSABLE_LOAD = 0.5
#: Swaps a proposal draws in the passable regime, for one that makes no stray toehold window.
CLEAN_SWAPS = 16
#: Partners a toehold redraw tries when the toeholds hold a passable subset and exchange sequences.
EXCHANGE_TRIES = 20
#: Up to this k the k-mer index of a screened draw is a dense count array (4**11 int32 = 16 MB).
DENSE_KMER_MAX = 11


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
        self.passable: dict[tuple[int, str], np.ndarray] = {}  # pool -> the subset dealt (passable_toeholds)
        # with toehold copies kept out of every single strand (``occlusion_strands: all``) no toehold of
        # the subset may lack junction slack, and toeholds move by exchanges (sequences.design.exchange)
        self.exchange_moves = rules.occlusion_strands == "all"
        self.start_weight: dict[int, int] = {}  # toehold -> nick pairs after it (sequences.rules.nicks)

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
                frequency = self._window_frequency(pool)
                order = order[np.argsort(frequency[order], kind="stable")]
                if PASSABLE_LOAD * len(pool.codes) < len(members) < len(pool.codes):  # of a subset long domains can border cleanly
                    rules = self.rules
                    letters = np.array([BASES.index(b) for b in key[1]], dtype=np.uint8)
                    keep = passable_toeholds(pool.codes, len(members), letters, rules.max_run_nt,
                                             rules.max_weak_run_nt, rules.long_weak_run_nt, frequency,
                                             swap=self.exchange_moves)
                    order = order[np.isin(order, keep)]
                    self.passable[key] = keep
            if key in self.passable and self.start_weight:
                # toeholds before two domains that meet at a nick take the sequences after which a
                # long domain has the most distinct starts
                rules, letters = self.rules, np.array([BASES.index(b) for b in key[1]], dtype=np.uint8)
                starts = after_starts(pool.codes, order, letters, rules.max_run_nt, rules.max_weak_run_nt,
                                      rules.long_weak_run_nt)
                order = order[np.argsort(-starts, kind="stable")]
                members = sorted(members, key=lambda i: -self.start_weight.get(i, 0))
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
        walked = self._walk_draw(i, length, alphabet, gc, target, index) if self.passable else None
        if walked is not None:
            return walked
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

    def _walk_draw(self, i: int, length: int, alphabet: str, gc: bool, target: int, index):
        """A screened draw by counted walks (``sequences.design.walk``): candidates that make no
        stray toehold window by construction, at the GC target (else the nearest GC counts that
        have any); the first of a batch that shares no k-mer and breaks no ``also`` rule, else the
        lowest sum over up to :data:`WALK_BATCHES` batches. None when no sequence is admissible
        (the caller falls back to rejection sampling) or the domain is shorter than the walk's state."""
        walked = self._walk(i, length, alphabet, gc, target)
        if walked is None:
            return None
        walk, counts = walked
        best, best_cost = None, np.inf
        for _ in range(WALK_BATCHES):
            cands = walk.sample(self.rng, SCREEN_BATCH, length, counts)
            cost = self.screen.screen(self.table, i, cands)
            if index is not None:
                cost = cost + index.shared(cands)
            for j in np.argsort(cost, kind="stable")[:SCREEN_ALSO].tolist():
                total = cost[j] + sum(r.domain_penalty(self.table, i, cands[j]) for r in self.also)
                if total < best_cost:
                    best, best_cost = cands[j], total
            if best_cost == 0:
                break
        return best, float(best_cost)

    def _walk(self, i: int, length: int, alphabet: str, gc: bool, target: int):
        """The counted walk of domain ``i``'s clean sequences between its neighbours as they are,
        and the GC counts to draw at (the target, else the nearest that have any); None when there
        is none or the domain is shorter than the walk's state."""
        inner, left, right = self.screen.contexts(self.table, i)
        letters = np.array([BASES.index(b) for b in alphabet], dtype=np.uint8)
        rules = self.rules
        lo, hi = gc_count_window(rules, length) if gc else (0, length)

        def make(left, right):
            return CleanWalk(letters, inner, rules.max_run_nt, rules.max_weak_run_nt,
                             rules.long_weak_run_nt if gc else rules.max_weak_run_nt, left, right)

        walk = make(left, right)
        if length <= walk.m:
            return None
        if walk.count(length, range(lo, hi + 1)) == 0:
            # a neighbour no sequence can follow or precede cleanly (e.g. a toehold t whose shifted
            # windows t[1:] + x are toeholds for every x): draw clean everywhere else; the stray
            # windows left there blame that neighbour (``ToeholdCopies.blame``)
            left = [c for c in left if make([c], []).count(length, range(lo, hi + 1)) > 0]
            right = [c for c in right if make([], [c]).count(length, range(lo, hi + 1)) > 0]
            walk = make(left, right)
            if walk.count(length, range(lo, hi + 1)) == 0:
                return None
        for spread in range(length + 1):
            counts = [g for g in range(target - spread, target + spread + 1) if lo <= g <= hi]
            if walk.count(length, counts) > 0:
                return walk, counts
            if target - spread <= lo and target + spread >= hi:
                return None
        return None

    def clean_draws(self, i: int, n: int) -> np.ndarray:
        """Up to ``n`` distinct fresh sequences for long/history domain ``i`` (a domain a single strand
        holds, with the walks' toehold screen) that make no stray toehold window, share no k-mer
        with another domain and break no ``also`` rule, from up to :data:`WALK_BATCHES` batches of
        counted walks at the domain's GC target. Empty (0 rows) when the domain is not screened or
        has no clean sequence. The refinement folds them (``sequences.refine``): where toehold
        copies are kept out of every strand, a point change of a domain between two toeholds mostly
        makes a stray window."""
        length = int(self.table.length[i])
        empty = np.zeros((0, length), dtype=np.uint8)
        if not self.passable or self.screen is None or not self.screen.holds(i) or self.table.kind[i] == TOEHOLD:
            return empty
        gc = int(self.table.kind[i]) in self.gc_kinds
        old = self.table.get(i)
        target = self.gc_target.get(i, int(((old == 1) | (old == 2)).sum()))
        walked = self._walk(i, length, self.alphabets[i], gc, target)
        if walked is None:
            return empty
        walk, counts = walked
        index = None
        if self.kmer_k:
            index = KmerIndex(self.table, self.kmer_k)
            index.remove(old)
        out, seen = [], {old.tobytes()}
        for _ in range(WALK_BATCHES):
            cands = walk.sample(self.rng, SCREEN_BATCH, length, counts)
            cost = self.screen.screen(self.table, i, cands)
            if index is not None:
                cost = cost + index.shared(cands)
            for j in np.flatnonzero(cost == 0).tolist():
                key = cands[j].tobytes()
                if key not in seen and not any(r.domain_penalty(self.table, i, cands[j]) for r in self.also):
                    seen.add(key)
                    out.append(cands[j])
                    if len(out) >= n:
                        return np.array(out, dtype=np.uint8).reshape(-1, length)
        return np.array(out, dtype=np.uint8).reshape(-1, length)

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
                if self.passable.get(key) is not None and p_old is not None:
                    # the toeholds hold the passable subset: exchange sequences with another toehold
                    uses[p_old] += 1
                    self._exchange(i, [j for j in same.tolist() if j != i and not table.fixed[j]])
                    continue
                free = free[free != p_old] if p_old is not None and len(free) > 1 else free
                if self.screen is not None and len(free) > 1:
                    free = free[self._toehold_costs(i, pool.codes[free]).argsort(kind="stable")[:1]]
                choice = int(self.rng.choice(free)) if len(free) else int(self.rng.integers(len(pool.codes)))
                uses[choice] += 1
                table.set(i, pool.codes[choice])

    def _exchange(self, i: int, partners: list[int]) -> None:
        """Give toehold i the sequence of one of ``partners`` and that partner i's: of up to
        :data:`EXCHANGE_TRIES` partners drawn at random, the exchange that leaves the fewest stray
        windows at the two toeholds' places (``screen``) and breaks the fewest ``also`` rules."""
        if not partners:
            return
        table = self.table
        picks = self.rng.choice(partners, size=min(EXCHANGE_TRIES, len(partners)), replace=False).tolist()
        mine = table.get(i).copy()
        best, best_cost = None, np.inf
        for j in picks:
            theirs = table.get(j).copy()
            table.set(i, theirs)
            table.set(j, mine)
            cost = float(self.screen.screen(table, i, theirs[None, :])[0] + self.screen.screen(table, j, mine[None, :])[0])
            cost += sum(r.domain_penalty(table, i, theirs) + r.domain_penalty(table, j, mine) for r in self.also)
            table.set(j, theirs)
            table.set(i, mine)
            if cost < best_cost:
                best, best_cost = j, cost
        theirs = table.get(best).copy()
        table.set(i, theirs)
        table.set(best, mine)

    def exchange_partners(self, i: int) -> list[int]:
        """The toeholds toehold ``i`` may exchange sequences with in the local search (same pool, not
        fixed), when its pool's toeholds hold a passable subset (every subset sequence taken) and
        ``exchange_moves``; else []."""
        table = self.table
        key = (int(table.length[i]), self.alphabets[i])
        if not self.exchange_moves or table.kind[i] != TOEHOLD or key not in self.passable:
            return []
        same = table.ids[key[0]][table.kind[table.ids[key[0]]] == TOEHOLD]
        return [j for j in same.tolist() if j != i and not table.fixed[j] and self.alphabets[j] == key[1]]

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
            if (int(table.length[i]), self.alphabets[i]) in self.passable:  # every subset sequence is taken:
                return old  # toeholds change by exchanges (redraw), not by single proposals
            return pool.codes[int(rng.integers(len(pool.codes)))].copy()
        if swap and rng.random() < (0.8 if hot else 0.5):
            clean = self.passable and self.screen is not None and self.screen.holds(i)
            cands = np.repeat(old[None, :], CLEAN_SWAPS if clean else 1, axis=0)
            for new in cands:
                a = int(rng.choice(sorted(hot))) if hot else int(rng.integers(len(new)))
                others = np.flatnonzero(new != new[a])
                if len(others):
                    b = int(others[int(rng.integers(len(others)))])
                    new[a], new[b] = new[b], new[a]
            if clean:  # where toeholds crowd their pool most swaps make a stray window: the first that makes none
                return cands[int(np.argmin(self.screen.screen(table, i, cands)))]
            return cands[0]
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


def kmer_k_safe(backend, rules: SequenceRules, rng: np.random.Generator, samples: int = 24) -> int:
    """Largest k such that the median perfect duplex of k-1 random admissible three-letter bases is
    weaker than ``rules.spurious_min_kcal``: domains that share at most k-1 consecutive
    complementary bases then keep a typical spurious duplex above the threshold."""
    threshold_kcal = rules.spurious_min_kcal
    for n in range(3, 31):
        draws = sample_domains(rng, samples, n, THREE_LETTER, rules, gc_applies=False)
        med = statistics.median(toehold_dG(backend, decode(r)) for r in draws)
        if med < threshold_kcal:
            return n  # n-1 bases still above threshold, so k = n
    return 31

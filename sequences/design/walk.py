"""Uniform draws of domain sequences that hold no forbidden window: a counted walk over the last
few bases (a de Bruijn graph), for the ``toehold_copy`` rule's screened drawing.

Rejection sampling cannot keep toehold sequences out of long domains once the toeholds use much of
their pool: the shipped IRIS system deals 140 of the 196 admissible 6-nt A/C/T toeholds, so a random
6-window of a long domain is a toehold ~20 % of the time and a 15-nt domain with its 5 + 5 junction
windows is clean ~1 time in 100 (less next to a fixed neighbour). Here the admissible sequences are
counted instead: a sequence is a walk whose *state* is its last ``m`` bases; a step appends a base
unless the window it closes is forbidden or it makes a run the rules forbid; the number of
admissible completions of every (position, state, GC count) is computed backwards, and draws follow
those counts, so every draw is admissible and all admissible sequences are equally likely
(O(length x alphabet^m x GC) work, ~1 ms for 15 nt, m = 5, A/C/T).

The domain's neighbours enter through *contexts*: for every place a single strand holds the
domain, the bases before and after it there (reverse-complemented for a complement occurrence,
whose forbidden windows are then the reverse complements). The first ``m`` bases (the *prefix*)
are chosen among all ``alphabet^m`` prefixes that break nothing with every left context; the last
``m`` (the final state) must break nothing with every right context.

Runs (``sequences.rules.composition``): no ``max_run + 1`` identical bases; no ``weak_inner + 1``
A/T inside the domain, none of ``weak_edge + 1`` touching either end, and across a junction none of
``max_run + 1`` identical or ``weak_edge + 1`` A/T bases (``junction_run``).

>>> import numpy as np
>>> from sequences.codes import decode, encode
>>> forbidden = {3: np.zeros(64, dtype=bool)}
>>> forbidden[3][int("".join(str(b) for b in encode("CCC")), 4)] = True  # no CCC
>>> walk = CleanWalk(encode("ACT"), forbidden, max_run=3, weak_edge=3, weak_inner=3,
...                  left=[(encode("TT"), forbidden)], right=[])
>>> draws = walk.sample(np.random.default_rng(0), 200, length=8, gc_counts=[3])
>>> all(decode(d).count("C") == 3 and "CCC" not in decode(d) and not decode(d).startswith("TT")
...     for d in draws)
True
>>> walk.count(8, [3]) == len({decode(d) for d in walk.sample(np.random.default_rng(1), 20000, 8, [3])})
True
"""

from __future__ import annotations

import numpy as np

from sequences.codes import kmer_codes


def _weak(codes: np.ndarray) -> np.ndarray:
    return (codes == 0) | (codes == 3)


def _strong(codes: np.ndarray) -> np.ndarray:
    return (codes == 1) | (codes == 2)


def _longest_run(block: np.ndarray, same) -> np.ndarray:
    """Per row and column, the length of the run (by ``same(prev, cur)``) ending there."""
    out = np.ones(block.shape, dtype=np.int64)
    for j in range(1, block.shape[1]):
        out[:, j] = np.where(same(block[:, j - 1], block[:, j]), out[:, j - 1] + 1, 1)
    return out


def _run_lengths(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(identical-base run, weak run) ending at each position of each row."""
    ident = _longest_run(block, lambda a, b: a == b)
    weak = _weak(block)
    wrun = np.zeros(block.shape, dtype=np.int64)
    for j in range(block.shape[1]):
        wrun[:, j] = np.where(weak[:, j], (wrun[:, j - 1] if j else 0) + 1, 0)
    return ident, wrun


def _junction(x: np.ndarray, cut: int, forbidden, max_run: int, weak_edge: int, domain: slice) -> np.ndarray:
    """Rows of ``x`` (context and domain bases side by side, the junction before column ``cut``)
    with no forbidden window that holds a base of the domain (columns ``domain``) and one of the
    context, and no run across the junction longer than ``max_run`` identical or ``weak_edge`` A/T."""
    ok = np.ones(len(x), dtype=bool)
    lo, hi = domain.start, domain.stop
    for n, table in forbidden.items():
        if x.shape[1] < n:
            continue
        w = kmer_codes(x, n)  # window j covers x[j:j+n]
        j = np.arange(w.shape[1])
        cross = (j < cut) & (j + n > cut) & (j + n > lo) & (j < hi)
        ok &= ~table[w[:, cross]].any(axis=1)
    ident, wrun = _run_lengths(x)
    col = np.arange(x.shape[1])[None, cut:]
    crossing = (((col - ident[:, cut:] + 1 < cut) & (ident[:, cut:] > max_run))
                | ((col - wrun[:, cut:] + 1 < cut) & (wrun[:, cut:] > weak_edge)))
    return ok & ~crossing.any(axis=1)


def left_clean(prefixes: np.ndarray, contexts: np.ndarray, forbidden, max_run: int, weak_edge: int) -> np.ndarray:
    """(contexts, prefixes) bool: the prefix may follow the context (bases before the domain)."""
    t, c = contexts.shape
    p, m = prefixes.shape
    x = np.concatenate([np.repeat(contexts, p, axis=0), np.tile(prefixes, (t, 1))], axis=1)
    return _junction(x, c, forbidden, max_run, weak_edge, slice(c, c + m)).reshape(t, p)


def right_clean(suffixes: np.ndarray, contexts: np.ndarray, forbidden, max_run: int, weak_edge: int) -> np.ndarray:
    """(contexts, suffixes) bool: the suffix (the domain's last bases) may precede the context."""
    t = len(contexts)
    p, m = suffixes.shape
    x = np.concatenate([np.tile(suffixes, (t, 1)), np.repeat(contexts, p, axis=0)], axis=1)
    return _junction(x, m, forbidden, max_run, weak_edge, slice(0, m)).reshape(t, p)


class CleanWalk:
    """Counted walks over ``letters`` (base codes, 0-3 = ACGT) avoiding ``forbidden`` windows.

    ``forbidden``: window length n -> bool array over the 4**n window codes (inside the domain).
    ``left`` / ``right``: contexts, each (codes of the bases before/after the domain as read along
    the domain, forbidden mapping that applies there). See the module docstring for the runs."""

    def __init__(self, letters, forbidden: dict[int, np.ndarray], max_run: int, weak_edge: int, weak_inner: int,
                 left, right) -> None:
        self.letters = np.asarray(letters, dtype=np.uint8)
        self.a = len(self.letters)
        self.forbidden = forbidden
        self.max_run, self.weak_edge, self.weak_inner = max_run, weak_edge, weak_inner
        longest = max(forbidden, default=1)
        self.m = max(longest - 1, max_run, weak_inner, weak_edge + 1, 1)
        self.left, self.right = list(left), list(right)
        self.n_states = self.a ** self.m
        # every state as its m codes (oldest first)
        digits = np.indices((self.a,) * self.m).reshape(self.m, -1).T
        self.state_codes = self.letters[digits]
        self._transitions()
        self._tables: dict[tuple[int, tuple[int, ...]], list[np.ndarray]] = {}

    # --- the graph --------------------------------------------------------------------------------

    def _transitions(self) -> None:
        """``nxt[s, b]`` (next state) and ``ok[s, b]``: appending letter b to state s closes no
        forbidden window and no run the rules forbid (an inner step: the state is all domain)."""
        s, a, m = self.n_states, self.a, self.m
        ext = np.concatenate([np.repeat(self.state_codes, a, axis=0),
                              np.tile(self.letters, s)[:, None]], axis=1)  # (s*a, m+1)
        ok = np.ones(s * a, dtype=bool)
        for n, table in self.forbidden.items():
            ok &= ~table[kmer_codes(ext[:, m + 1 - n:], n)[:, 0]]
        ident, wrun = _run_lengths(ext)
        ok &= ident[:, -1] <= self.max_run
        ok &= wrun[:, -1] <= self.weak_inner
        self.ok = ok.reshape(s, a)
        self.nxt = ((np.arange(s)[:, None] * a) % s + np.arange(a)[None, :]).astype(np.int64)
        self.gc_step = _strong(self.letters).astype(np.int64)

    def _prefix_ok(self) -> np.ndarray:
        """Per state read as the domain's first m bases: no run inside it longer than the rules
        allow (weak runs touching the start: ``weak_edge``), and nothing forbidden with any left
        context (windows and runs that reach into the prefix)."""
        p = self.state_codes
        ident, wrun = _run_lengths(p)
        ok = (ident <= self.max_run).all(axis=1) & (wrun <= self.weak_inner).all(axis=1)
        cols = np.arange(self.m)
        ok &= ~((wrun == cols + 1) & (wrun > self.weak_edge)).any(axis=1)  # a weak run from the start
        for n, table in self.forbidden.items():  # windows inside the prefix
            if n <= self.m:
                ok &= ~table[kmer_codes(p, n)].any(axis=1)
        for ctx, forbidden in self.left:
            ok &= left_clean(p, np.asarray(ctx, dtype=np.uint8)[None, :], forbidden, self.max_run, self.weak_edge)[0]
        return ok

    def _final_ok(self) -> np.ndarray:
        """Per state read as the domain's last m bases: no weak run touching the end longer than
        ``weak_edge``, nothing forbidden with any right context."""
        p = self.state_codes
        _, wrun = _run_lengths(p)
        ok = wrun[:, -1] <= self.weak_edge
        for ctx, forbidden in self.right:
            ok &= right_clean(p, np.asarray(ctx, dtype=np.uint8)[None, :], forbidden, self.max_run, self.weak_edge)[0]
        return ok

    # --- counting and drawing ---------------------------------------------------------------------

    def _counts(self, length: int, gc_counts) -> list[np.ndarray]:
        """``N[p][s, g]``: admissible completions from position p (p bases placed, the last m in
        state s, g of them C/G) for p = m .. length."""
        key = (length, tuple(sorted(gc_counts)))
        if key not in self._tables:
            top = length + 1
            last = np.zeros((self.n_states, top))
            final = self._final_ok()
            for g in gc_counts:
                if 0 <= g < top:
                    last[final, g] = 1.0
            counts = [last]
            for _ in range(length - self.m):
                after = counts[-1]
                here = np.zeros_like(after)
                for j in range(self.a):
                    step = int(self.gc_step[j])
                    moved = after[self.nxt[:, j]]
                    if step:
                        moved = np.concatenate([moved[:, 1:], np.zeros((self.n_states, 1))], axis=1)
                    here += np.where(self.ok[:, j, None], moved, 0.0)
                counts.append(here)
            self._tables[key] = counts[::-1]  # index p - m
        return self._tables[key]

    def count(self, length: int, gc_counts) -> int:
        """How many admissible sequences of ``length`` nt with a GC count in ``gc_counts``."""
        if length < self.m:
            raise ValueError(f"CleanWalk: length {length} is shorter than its state ({self.m} nt)")
        counts = self._counts(length, gc_counts)[0]
        gc0 = _strong(self.state_codes).sum(axis=1)
        start = self._prefix_ok()
        return round(float(counts[np.arange(self.n_states), gc0][start].sum()))

    def sample(self, rng: np.random.Generator, n: int, length: int, gc_counts) -> np.ndarray:
        """``n`` admissible sequences (codes, rows), uniform among all of them; an empty array when
        there are none."""
        if length < self.m:
            raise ValueError(f"CleanWalk: length {length} is shorter than its state ({self.m} nt)")
        counts = self._counts(length, gc_counts)
        gc = _strong(self.state_codes).sum(axis=1)
        weight = np.where(self._prefix_ok(), counts[0][np.arange(self.n_states), gc], 0.0)
        total = weight.sum()
        if not total > 0:
            return np.zeros((0, length), dtype=np.uint8)
        state = rng.choice(self.n_states, size=n, p=weight / total)
        out = np.zeros((n, length), dtype=np.uint8)
        out[:, : self.m] = self.state_codes[state]
        g = gc[state].copy()
        rows = np.arange(n)
        for p in range(self.m, length):
            after = counts[p + 1 - self.m]
            w = np.zeros((n, self.a))
            for j in range(self.a):
                gj = g + int(self.gc_step[j])
                ok = self.ok[state, j] & (gj < after.shape[1])
                w[:, j] = np.where(ok, after[self.nxt[state, j], np.minimum(gj, after.shape[1] - 1)], 0.0)
            cum = np.cumsum(w, axis=1)
            pick = (rng.random(n)[:, None] * cum[:, -1:] < cum).argmax(axis=1)
            out[rows, p] = self.letters[pick]
            g += self.gc_step[pick]
            state = self.nxt[state, pick]
        return out


def _clean_sides(codes: np.ndarray, chosen, letters, max_run: int, weak_edge: int, weak_inner: int):
    """Per chosen toehold (rows of ``codes`` at ``chosen``, whose sequences are the forbidden
    windows): which first ``m`` bases (the walk's states) a long domain after it can take without a
    forbidden window or a run the rules forbid across the junction, and which last ``m`` bases one
    before it can: (states, after, before), two (toeholds, states) bool matrices."""
    width = codes.shape[1]
    forbidden = {width: np.zeros(4 ** width, dtype=bool)}
    forbidden[width][kmer_codes(codes[chosen], width)[:, 0]] = True
    base = CleanWalk(letters, forbidden, max_run, weak_edge, weak_inner, [], [])
    after = left_clean(base.state_codes, codes[chosen][:, 1:], forbidden, max_run, weak_edge) & base._prefix_ok()[None, :]
    before = right_clean(base.state_codes, codes[chosen][:, :-1], forbidden, max_run, weak_edge) & base._final_ok()[None, :]
    return base.state_codes, after, before


def _junction_counts(codes: np.ndarray, chosen, letters, max_run: int, weak_edge: int, weak_inner: int):
    """Per chosen toehold: how many clean first ``m`` bases a long domain after it can take, and how
    many last ``m`` bases one before it can (:func:`_clean_sides`)."""
    _, after, before = _clean_sides(codes, chosen, letters, max_run, weak_edge, weak_inner)
    return after.sum(axis=1), before.sum(axis=1)


def after_starts(codes: np.ndarray, chosen, letters, max_run: int, weak_edge: int, weak_inner: int,
                 n: int = 2) -> np.ndarray:
    """Per chosen toehold: how many distinct first ``n`` bases the clean starts of a long domain
    after it have (the other chosen toeholds forbidden as windows). Two domains after the same
    toehold that meet at a nick should start differently (``sequences.rules.nicks``)."""
    states, after, _ = _clean_sides(codes, chosen, letters, max_run, weak_edge, weak_inner)
    starts = kmer_codes(states[:, :n], n)[:, 0]
    return np.array([len(np.unique(starts[row])) for row in after])


def junction_slack(codes: np.ndarray, chosen: np.ndarray, letters, max_run: int, weak_edge: int,
                   weak_inner: int) -> np.ndarray:
    """Per chosen toehold: the smaller of :func:`_junction_counts`' two counts (0: no long domain
    can follow or precede it cleanly)."""
    after, before = _junction_counts(np.asarray(codes, dtype=np.uint8), chosen, np.asarray(letters, dtype=np.uint8),
                                     max_run, weak_edge, weak_inner)
    return np.minimum(after, before)


def passable_toeholds(codes: np.ndarray, n: int, letters, max_run: int, weak_edge: int, weak_inner: int,
                      frequency=None, swap: bool = True) -> np.ndarray:
    """Indices of ``n`` rows of ``codes`` (a toehold pool) chosen so that long domains can follow
    and precede each of them without a stray copy of another (:func:`junction_slack` > 0).

    A pool holds families: the three extensions ``q + x`` of a 5-mer ``q`` often all have a ΔG in
    the window, and a toehold ending in ``q`` then leaves a following domain no clean first base
    (the shipped IRIS system: 75 of 140 random pool toeholds have no clean junction on some side).
    From the whole pool, one toehold at a time is dropped: the one that blocks most of the
    toeholds without slack (a window ``t[d:] + x`` or ``x + t[:-d]``, d = 1, 2, weighted 1/d),
    else (in batches) those most frequent as windows of random long domains (``frequency``, one
    value per row: a forbidden common window narrows every long domain's vocabulary and raises
    their crosstalk), else those with the least slack, until ``n`` remain; then (``swap``) members
    without slack are exchanged for rows left out (:func:`_swap_in_slack`). Deterministic (IRIS:
    196 -> 140 leaves 3 without slack, 0 with ``swap``; ~4 s)."""
    codes = np.asarray(codes, dtype=np.uint8)
    letters = np.asarray(letters, dtype=np.uint8)
    width = codes.shape[1]
    key = {int(c): i for i, c in enumerate(kmer_codes(codes, width)[:, 0])}
    keep = list(range(len(codes)))
    exts = {d: letters[np.indices((len(letters),) * d).reshape(d, -1).T] for d in (1, 2)}
    while len(keep) > n:
        chosen = np.array(keep)
        after, before = _junction_counts(codes, chosen, letters, max_run, weak_edge, weak_inner)
        present = set(keep)
        blocks = np.zeros(len(codes))
        for k in np.flatnonzero((after == 0) | (before == 0)).tolist():
            t = codes[chosen[k]]
            for d, ext in exts.items():
                windows = []
                if after[k] == 0:
                    windows.append(np.concatenate([np.broadcast_to(t[d:], (len(ext), width - d)), ext], axis=1))
                if before[k] == 0:
                    windows.append(np.concatenate([ext, np.broadcast_to(t[:width - d], (len(ext), width - d))], axis=1))
                for w in windows:
                    for c in kmer_codes(w, width)[:, 0].tolist():
                        j = key.get(int(c))
                        if j is not None and j in present and j != chosen[k]:
                            blocks[j] += 1.0 / d
        if blocks.max() > 0:
            keep.remove(int(np.argmax(blocks)))
        else:  # every toehold has slack: drop the most common (else least slack) in batches
            rank = (-np.asarray(frequency)[chosen] if frequency is not None else np.minimum(after, before))
            drop = chosen[np.argsort(rank, kind="stable")[:max(1, (len(keep) - n) // 4)]]
            keep = [k for k in keep if k not in set(drop.tolist())]
    if swap:
        keep = _swap_in_slack(codes, keep, letters, max_run, weak_edge, weak_inner, frequency)
    return np.array(keep, dtype=np.int64)


def _swap_in_slack(codes: np.ndarray, keep: list[int], letters, max_run: int, weak_edge: int, weak_inner: int,
                   frequency=None) -> list[int]:
    """Exchange members without junction slack for rows of the pool left out (those least frequent
    as long-domain windows first) while that lowers how many members have none. Dropping alone
    stops where every remaining drop would block another (IRIS: 3 of 140 without slack, each a
    weak-run start ``AATCTC``/``TAACTC``/``TTACTC`` whose only clean left neighbour ``C`` makes
    another member, ``CAATCT``...); a long domain before such a toehold breaks a rule whatever it is."""
    def without(members: list[int]) -> list[int]:
        after, before = _junction_counts(codes, np.array(members), letters, max_run, weak_edge, weak_inner)
        return [members[k] for k in np.flatnonzero((after == 0) | (before == 0)).tolist()]

    outside = [k for k in range(len(codes)) if k not in set(keep)]
    if frequency is not None:
        outside.sort(key=lambda k: frequency[k])
    zero = without(keep)
    while zero:
        for z, o in ((z, o) for z in zero for o in outside):
            trial = [k for k in keep if k != z] + [o]
            fewer = without(trial)
            if len(fewer) < len(zero):
                keep, zero = sorted(trial), fewer
                outside = [k for k in outside if k != o] + [z]
                break
        else:
            break
    return keep

"""The counted walk (sequences.design.walk) against brute-force enumeration: it counts exactly the
sequences that break no rule, and its draws are among them."""

import itertools
import re

import numpy as np
import pytest

from sequences.codes import decode, encode
from sequences.design.walk import CleanWalk


def forbidden_table(words):
    out = {}
    for w in words:
        out.setdefault(len(w), np.zeros(4 ** len(w), dtype=bool))
        out[len(w)][int("".join(str(b) for b in encode(w)), 4)] = True
    return out


def runs(s):
    """(longest identical run, longest weak run) of s."""
    ident = max(len(m.group(0)) for m in re.finditer(r"(.)\1*", s))
    weak = max((len(m) for m in re.findall(r"[AT]+", s)), default=0)
    return ident, weak


def admissible(d, words, left, right, max_run, weak_edge, weak_inner, gc):
    if sum(b in "CG" for b in d) not in gc:
        return False
    if any(w in d for w in words):
        return False
    ident, weak = runs(d)
    if ident > max_run or weak > weak_inner:
        return False
    if len(d) - len(d.lstrip("AT")) > weak_edge or len(d) - len(d.rstrip("AT")) > weak_edge:
        return False
    for ctx, ws in left:  # windows and runs that cross the junction ctx|d
        x = ctx + d
        if any(x.find(w, j) == j and j + len(w) > len(ctx) for w in ws for j in range(len(ctx))):
            return False
        for m in re.finditer(r"(.)\1*", x):
            if m.start() < len(ctx) < m.end() and len(m.group(0)) > max_run:
                return False
        for m in re.finditer(r"[AT]+", x):
            if m.start() < len(ctx) < m.end() and len(m.group(0)) > weak_edge:
                return False
    for ctx, ws in right:  # d|ctx
        x = d + ctx
        if any(x.find(w, j) == j and j + len(w) > len(d) for w in ws for j in range(len(d))):
            return False
        for m in re.finditer(r"(.)\1*", x):
            if m.start() < len(d) < m.end() and len(m.group(0)) > max_run:
                return False
        for m in re.finditer(r"[AT]+", x):
            if m.start() < len(d) < m.end() and len(m.group(0)) > weak_edge:
                return False
    return True


@pytest.mark.parametrize("seed", range(1, 9))
def test_walk_counts_exactly_the_admissible_sequences(seed):
    rng = np.random.default_rng(seed)
    n = 4 if seed % 2 else 3
    letters = "ACT"
    words = sorted({"".join(rng.choice(list(letters), n)) for _ in range(4 if n == 3 else 8)})
    rc_words = sorted({w[::-1].translate(str.maketrans("ACGT", "TGCA")) for w in words})
    left = [("".join(rng.choice(list(letters), 5)), words), ("".join(rng.choice(list(letters), 5)), rc_words)]
    right = [("".join(rng.choice(list(letters), 5)), words)]
    inner = sorted(set(words) | set(rc_words))
    max_run, weak_edge, weak_inner = 3, 3, 5 if seed > 2 else 3
    length, gc = 8, [2, 3, 4]
    walk = CleanWalk(encode(letters), forbidden_table(inner), max_run, weak_edge, weak_inner,
                     [(encode(c), forbidden_table(w)) for c, w in left],
                     [(encode(c), forbidden_table(w)) for c, w in right])
    truth = {"".join(s) for s in itertools.product(letters, repeat=length)
             if admissible("".join(s), inner, left, right, max_run, weak_edge, weak_inner, gc)}
    assert len(truth) > 0
    assert walk.count(length, gc) == len(truth)
    draws = {decode(d) for d in walk.sample(rng, 3000, length, gc)}
    assert draws <= truth
    assert len(draws) > 0.5 * min(len(truth), 3000) or len(draws) == len(truth)


def test_walk_without_admissible_sequences_draws_nothing():
    walk = CleanWalk(encode("ACT"), forbidden_table(["A", "C", "T"]), 3, 3, 3, [], [])
    assert walk.count(6, [0, 1, 2, 3]) == 0
    assert walk.sample(np.random.default_rng(0), 5, 6, [0, 1, 2, 3]).shape == (0, 6)


def test_passable_toeholds_leave_long_domains_a_clean_junction():
    """On the shipped IRIS load (140 of the 196 admissible 6-nt A/C/T toeholds) a random subset
    leaves many toeholds no clean junction; the chosen subset nearly none."""
    pytest.importorskip("RNA")
    from sequences.design.pool import make_toehold_pool
    from sequences.design.walk import junction_slack, passable_toeholds
    from sequences.rules import SequenceRules
    from sequences.thermo import get_backend

    pool = make_toehold_pool(6, "ACT", SequenceRules(), get_backend("viennarna"), np.random.default_rng(0))
    letters = encode("ACT")
    keep = passable_toeholds(pool.codes, 140, letters, 3, 3, 3)
    assert len(keep) == 140 == len(set(keep.tolist()))
    chosen = (junction_slack(pool.codes, keep, letters, 3, 3, 3) == 0).sum()
    rand = np.sort(np.random.default_rng(1).choice(len(pool.codes), 140, replace=False))
    random = (junction_slack(pool.codes, rand, letters, 3, 3, 3) == 0).sum()
    assert chosen == 0 < random


def _clean_sides(t: str, toeholds: set[str]) -> tuple[bool, bool]:
    """Brute force: some 3 A/C/T bases before ``t`` (after ``t``) make no run of 4 identical or 4 A/T
    bases and no 6-nt window equal to a toehold other than ``t`` itself."""
    import itertools
    import re

    def clean(s: str, own: int) -> bool:
        if re.search(r"AAAA|CCCC|TTTT|[AT]{4}", s):
            return False
        return not any(s[p:p + 6] in toeholds for p in range(len(s) - 5) if p != own)

    ext = ["".join(x) for x in itertools.product("ACT", repeat=3)]
    return any(clean(x + t, 3) for x in ext), any(clean(t + x, 0) for x in ext)


def test_every_passable_toehold_has_a_clean_neighbour_on_both_sides_by_brute_force():
    pytest.importorskip("RNA")
    from sequences.codes import decode
    from sequences.design.pool import make_toehold_pool
    from sequences.design.walk import passable_toeholds
    from sequences.rules import SequenceRules
    from sequences.thermo import get_backend

    pool = make_toehold_pool(6, "ACT", SequenceRules(), get_backend("viennarna"), np.random.default_rng(0))
    keep = passable_toeholds(pool.codes, 140, encode("ACT"), 3, 3, 5)
    chosen = {decode(pool.codes[k]) for k in keep.tolist()}
    blocked = [t for t in sorted(chosen) if not all(_clean_sides(t, chosen))]
    assert len(chosen) == 140 and blocked == []
    everything = {decode(c) for c in pool.codes}  # the whole pool: some have no clean side (the test can fail)
    assert any(not all(_clean_sides(t, everything)) for t in everything)


def test_after_starts_counts_the_clean_first_two_bases_by_brute_force():
    import itertools
    import re

    from sequences.design.walk import after_starts

    toeholds = ["TAACAC", "CTTCAA", "CCCTAA", "AATCTC", "CAATCT", "TCTCCA", "ACATCA", "CACTTA", "TTACTC", "CTCCTA"]

    def brute(t: str) -> int:
        starts = set()
        for x in map("".join, itertools.product("ACT", repeat=5)):
            s = t + x
            if re.search(r"AAAA|CCCC|TTTT|[AT]{4}", s) or any(s[p:p + 6] in toeholds for p in range(1, 6)):
                continue
            starts.add(x[:2])
        return len(starts)

    codes = np.stack([encode(t) for t in toeholds])
    got = after_starts(codes, np.arange(len(toeholds)), encode("ACT"), 3, 3, 5)
    assert got.tolist() == [brute(t) for t in toeholds]
    assert min(got) < max(got)  # the count differs between toeholds (the test can fail)

"""The exhaustive spurious screen (sequences.screen): it covers exactly the pairs it claims, forbids
only designed pairings, gives the same answer with one or two worker processes or on Dask, and the
lower bound it skips pairs on (sequences.screen_bound) never exceeds duplexfold's energy."""

import itertools
import random

import numpy as np
import pytest

pytest.importorskip("RNA")
from sequences.screen import ScreenStrand, designed_pairings, base_labels, run_screen, screen_pairs  # noqa: E402
from vienna_reference import revcomp  # noqa: E402


def _strands(n_free: int, n_bound: int, seed: int = 0):
    rng = random.Random(seed)
    lengths, seqs = {}, {}
    for k in range(n_free + n_bound):
        lengths[f"x{k}"] = 12
        seqs[f"x{k}"] = "".join(rng.choice("ACT") for _ in range(12))
    free = [ScreenStrand(f"F{k}", seqs[f"x{k}"], (f"x{k}",), True) for k in range(n_free)]
    bound = [ScreenStrand(f"B{k}", revcomp(seqs[f"x{k}"]), (f"x{k}*",), False) for k in range(n_bound)]
    return free + bound, lengths


def test_screen_covers_exactly_the_pairs_it_claims():
    strands, lengths = _strands(7, 5)
    rng = random.Random(1)
    rng.shuffle(strands)  # free and bound strands interleaved
    res = run_screen(strands, lengths, workers=1)
    got = sorted(map(tuple, res.pairs.tolist()))
    brute = sorted((i, j) for i, j in itertools.combinations_with_replacement(range(len(strands)), 2)
                   if strands[i].free or strands[j].free)
    assert got == brute  # each pair once, none missing
    assert len(got) == res.expected == 7 * 8 // 2 + 7 * 5
    assert len(res.dG_kcal) == len(got) and np.all(res.dG_kcal <= 0)


def test_designed_pairings_are_forbidden_and_other_pairings_counted():
    # a free strand t-x binds its gate strand x* t* by design: screened, nothing strong is left
    lengths = {"t": 6, "x": 15, "y": 15}
    seq = {"t": "TCTACC", "x": "ACTTACCATCACTTC", "y": "CATTCACCTACATCA"}
    a = ScreenStrand("S", seq["t"] + seq["x"], ("t", "x"), True)
    g = ScreenStrand("G", revcomp(seq["x"]) + revcomp(seq["t"]), ("x*", "t*"), False)
    # a strand that holds y's complement without the domain name: a stray, undesigned match
    stray = ScreenStrand("Z", revcomp(seq["x"]), ("y*",), False)
    res = run_screen([a, g, stray], {**lengths}, workers=1)
    dG = {tuple(p): v for p, v in zip(res.pairs.tolist(), res.dG_kcal)}
    assert dG[(0, 1)] > -8.0  # designed: the 21-bp duplex (about -30 kcal/mol) does not count
    assert dG[(0, 2)] < -15.0  # undesigned full match: counted


def test_designed_pairing_positions():
    ids = {}
    a = base_labels(["t", "x"], {"t": 2, "x": 3}, ids)
    b = base_labels(["x*", "t*"], {"t": 2, "x": 3}, ids)
    got = designed_pairings(a, b, np.array([2, 3]))
    # a = t0 t1 x0 x1 x2 (1..5), b = x2* x1* x0* t1* t0* (6..10): x_k pairs x_k*, t_k pairs t_k*
    assert sorted(got) == [(1, 10), (2, 9), (3, 8), (4, 7), (5, 6)]


def test_two_workers_give_the_same_energies_as_one():
    strands, lengths = _strands(20, 0, seed=3)  # 210 pairs: above the in-process cut-off
    one = run_screen(strands, lengths, workers=1)
    two = run_screen(strands, lengths, workers=2)
    assert np.array_equal(one.pairs, two.pairs)
    assert np.allclose(one.dG_kcal, two.dG_kcal)


def test_screen_pairs_without_free_strands_is_empty():
    s = [ScreenStrand("a", "ACT", ("x",), False)]
    assert screen_pairs(s).shape == (0, 2)


# --- the proven lower bound and the pairs it skips ------------------------------------------------

def _at_strands(rng: random.Random, n: int, lengths=(12, 20, 42, 63), at_rich: bool = False):
    """G-free strands (A/C/T, and A/T only when ``at_rich``: the strongest A·T-only duplexes)."""
    letters = "AT" if at_rich else "ACT"
    return ["".join(rng.choice(letters) for _ in range(rng.choice(lengths))) for _ in range(n)]


def test_skipping_on_the_bound_changes_no_verdict_and_no_folded_energy():
    rng = random.Random(11)
    seqs = _at_strands(rng, 24, lengths=(20, 42)) + _at_strands(rng, 6, lengths=(20, 42), at_rich=True)
    seqs.append(revcomp(seqs[-1]).replace("G", "C"))  # an A/C/T strand...
    seqs.append("".join({"A": "T", "T": "A"}.get(c, c) for c in reversed(seqs[-3])))  # ...and an A·T complement
    strands = [ScreenStrand(f"s{k}", s, (f"x{k}",), k % 3 != 0) for k, s in enumerate(seqs)]
    lengths = {f"x{k}": len(s) for k, s in enumerate(seqs)}
    exact = run_screen(strands, lengths, workers=1)
    fast = run_screen(strands, lengths, workers=1, threshold_kcal=-8.0)
    skipped = np.isnan(fast.dG_kcal)
    assert 0 < skipped.sum() < len(skipped) and fast.skipped + fast.failed_on_bound == skipped.sum()
    assert np.array_equal(fast.dG_kcal[~skipped], exact.dG_kcal[~skipped])
    passed = skipped & ~fast.failing
    assert np.all(exact.dG_kcal[passed] >= -8.0) and np.all(fast.bound_kcal[skipped] <= exact.dG_kcal[skipped])
    assert np.all(fast.upper_kcal[skipped] >= exact.dG_kcal[skipped])
    assert np.array_equal(fast.failing, exact.dG_kcal < -8.0) and (exact.dG_kcal < -8.0).any()
    assert np.nanmin(fast.dG_kcal) == exact.dG_kcal.min()


def test_the_worst_pair_is_folded_even_when_every_pair_passes_on_its_bound():
    rng = random.Random(5)
    strands = [ScreenStrand(f"s{k}", s, (f"x{k}",), True) for k, s in enumerate(_at_strands(rng, 8, (30,)))]
    lengths = {f"x{k}": 30 for k in range(8)}
    exact = run_screen(strands, lengths, workers=1)
    fast = run_screen(strands, lengths, workers=1, threshold_kcal=-100.0)
    w = int(np.argmin(exact.dG_kcal))
    assert fast.dG_kcal[w] == exact.dG_kcal[w] == np.nanmin(fast.dG_kcal)
    assert fast.skipped > 0


def test_pairs_with_c_g_pairs_are_bounded_and_keep_their_verdict_and_worst_rows():
    # four-letter pairs (bound strands are reverse complements): C·G pairs and G·G mismatches
    strands, lengths = _strands(10, 6, seed=2)
    rng = random.Random(3)
    strands += [ScreenStrand(f"M{k}", "".join(rng.choice("ACGT") for _ in range(30)), (f"m{k}",), True)
                for k in range(4)]
    lengths.update({f"m{k}": 30 for k in range(4)})
    exact = run_screen(strands, lengths, workers=1)
    fast = run_screen(strands, lengths, workers=1, threshold_kcal=-8.0, exact_worst=5)
    assert not np.any(np.isnan(fast.bound_kcal)) and fast.skipped > 0
    assert np.array_equal(fast.failing, exact.dG_kcal < -8.0) and 5 < fast.failing.sum() < len(fast.pairs)
    # the rows the check lists (failing pairs, worst first) carry their exact energies, in order
    assert np.array_equal(np.argsort(fast.dG_kcal, kind="stable")[:5], np.argsort(exact.dG_kcal, kind="stable")[:5])
    top = np.argsort(exact.dG_kcal, kind="stable")[:5]
    assert np.array_equal(fast.dG_kcal[top], exact.dG_kcal[top])


def test_the_screen_on_dask_workers_equals_the_local_screen():
    pytest.importorskip("distributed")
    from crn.tasks import Compute, close_clusters

    strands, lengths = _strands(16, 6, seed=4)  # 232 pairs: above the in-process cut-off of the local path
    local = run_screen(strands, lengths, workers=2, threshold_kcal=-8.0)
    try:
        dask = run_screen(strands, lengths, threshold_kcal=-8.0, compute=Compute(workers=1, progress=False))
    finally:
        close_clusters()
    assert np.array_equal(local.pairs, dask.pairs)
    assert np.array_equal(local.dG_kcal, dask.dG_kcal, equal_nan=True)

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


def test_the_lower_bound_never_exceeds_duplexfold():
    from sequences.screen import _restore, _set_globals, fold_chunk
    from sequences.screen_bound import bound_model, lower_bounds

    rng = random.Random(7)
    seqs = _at_strands(rng, 18, (12, 20, 42)) + _at_strands(rng, 18, (12, 20, 42), at_rich=True)
    pairs = [(a, b) for a, b in itertools.combinations(seqs, 2)]
    pairs += [(a, revcomp(a)) for a in seqs]  # perfect A·T duplexes (revcomp of A/C/T has G: not A·T-only)
    pairs = [(a, b) for a, b in pairs if "G" not in b]
    masked = [(a[:5] + "N" * 6 + a[11:], b) for a, b in pairs[:100]]  # designed pairings masked
    pairs += masked
    old = _set_globals(25.0, 1.0)
    try:
        model = bound_model(25.0, 1.0)
    finally:
        _restore(old)
    assert model.valid and model.loop_min >= 0
    lb = lower_bounds(pairs, model) / 100.0
    exact = fold_chunk([(p,) for p in pairs], (25.0, 1.0))[:, 0]
    assert np.all(lb <= exact + 1e-9), [(p, b, e) for p, b, e in zip(pairs, lb, exact) if b > e][:3]
    assert exact.min() < -8.0  # the sample holds pairs that fail, so the bound is tested where it matters
    assert np.mean(lb >= -8.0) > 0.5  # and it is tight enough to skip most A/C/T pairs


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
    assert 0 < skipped.sum() < len(skipped) and fast.skipped == skipped.sum()
    assert np.array_equal(fast.dG_kcal[~skipped], exact.dG_kcal[~skipped])
    assert np.all(exact.dG_kcal[skipped] >= -8.0) and np.all(fast.bound_kcal[skipped] <= exact.dG_kcal[skipped])
    assert np.array_equal(fast.dG_kcal < -8.0, exact.dG_kcal < -8.0) and (exact.dG_kcal < -8.0).any()
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


def test_pairs_with_c_g_pairs_get_no_bound_and_are_folded():
    strands, lengths = _strands(6, 4)  # bound strands are reverse complements (G): C·G pairs possible
    res = run_screen(strands, lengths, workers=1, threshold_kcal=-8.0)
    has_g = np.array(["G" in strands[i].sequence or "G" in strands[j].sequence for i, j in res.pairs.tolist()])
    assert np.all(np.isnan(res.bound_kcal[has_g])) and not np.any(np.isnan(res.dG_kcal[has_g]))


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

"""The exhaustive spurious screen (sequences.screen): it covers exactly the pairs it claims, forbids
only designed pairings, and gives the same answer with one or two worker processes."""

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

"""The bounds of sequences.screen_bound bracket ViennaRNA's duplexfold energy on random and adversarial
pairs (four-letter, the three-letter code with a few G / C, G·G mismatches, near-complements, masked
bases, strands of one or two bases), and are tight where the screen needs them."""

import random

import numpy as np
import pytest

RNA = pytest.importorskip("RNA")
from sequences.screen import _restore, _set_globals  # noqa: E402
from sequences.screen_bound import INF, SHAPES, bound_model, bounds  # noqa: E402
from vienna_reference import revcomp  # noqa: E402


def _exact_and_bounds(pairs, temperature_C=25.0, na_M=1.0):
    old = _set_globals(temperature_C, na_M)
    try:
        model = bound_model(temperature_C, na_M)
        b = bounds(pairs, model, cells=20_000)  # small batches: several per size group
        exact = np.array([RNA.duplexfold(a, c).energy * 100 for a, c in pairs])
    finally:
        _restore(old)
    return np.round(exact).astype(np.int64), b[:, 0], b[:, 1]


def _rand(rng, n, letters):
    return "".join(rng.choice(letters) for _ in range(n))


def _with_few(rng, n, letters, extra, k):
    s = list(_rand(rng, n, letters))
    for _ in range(k):
        s[rng.randrange(n)] = extra
    return "".join(s)


def _pairs(seed: int):
    rng = random.Random(seed)
    pairs = []
    for _ in range(150):  # random strands of the alphabets that occur, and four-letter ones
        la, lb = rng.choice((3, 12, 21, 42, 50)), rng.choice((2, 15, 42, 61))
        pairs.append((_rand(rng, la, rng.choice(("ACGT", "ACT", "AT", "CG", "GT"))),
                      _rand(rng, lb, rng.choice(("ACGT", "AGT", "ACT", "GC", "AG")))))
    for _ in range(120):  # one-G toeholds: A/C/T with a few G against A/G/T with a few C (and A/C/T + G)
        a = _with_few(rng, rng.choice((21, 42)), "ACT", "G", rng.randint(1, 4))
        b = _with_few(rng, rng.choice((21, 42)), rng.choice(("AGT", "ACT")), rng.choice("CG"), rng.randint(1, 4))
        pairs.append((a, b))
    for _ in range(80):  # near-complements: long helices with mismatches, bulges and G·G loops
        a = _rand(rng, rng.choice((14, 30, 44)), "ACGT")
        b = list(revcomp(a))
        for _ in range(rng.randint(0, 5)):
            k = rng.randrange(len(b))
            op = rng.random()
            b[k] = rng.choice("ACGT") if op < 0.5 else ("" if op < 0.75 else b[k] + rng.choice("ACGT"))
        pairs.append((a, "".join(b)))
    for _ in range(30):  # G·G and G·A mismatches between C·G pairs: the negative 1x1 loops
        core = "".join(rng.choice(("CGC", "GCG", "CAG")) for _ in range(6))
        pairs.append((core, revcomp(core).replace("C", "G", 3)))
    pairs += [(a[:4] + "N" * 8 + a[12:], c) for a, c in pairs[-60:] if len(a) > 12]  # masked designed bases
    pairs += [("A", "T"), ("G", "C"), ("AC", "GT"), ("A", "A"), ("NNNN", "ACGT"), ("CCCC", "CCCC")]
    return pairs


@pytest.mark.parametrize("seed", [1, 2])
def test_lower_bound_below_and_upper_bound_above_duplexfold(seed):
    pairs = _pairs(seed)
    exact, lo, up = _exact_and_bounds(pairs)
    possible = exact < INF // 2  # a pair where no base pair can form: duplexfold returns its INF
    assert np.all(lo <= exact), [(pairs[k], lo[k], exact[k]) for k in np.flatnonzero(lo > exact)][:3]
    assert np.all(up[possible] >= exact[possible]), [(pairs[k], up[k], exact[k])
                                                     for k in np.flatnonzero(possible & (up < exact))][:3]
    assert np.all(lo[~possible] >= INF) and np.all(up[~possible] >= INF)
    # both are often exact: a single helix with small loops is what most pairs form
    assert np.mean(up[possible] == exact[possible]) > 0.7
    assert np.mean(lo[possible] == exact[possible]) > 0.3
    assert exact.min() < -2000 and exact[possible].max() > -300  # strong and weak pairs both tested


def test_bounds_hold_at_other_conditions():
    pairs = _pairs(3)[::3]
    exact, lo, up = _exact_and_bounds(pairs, temperature_C=55.0, na_M=0.15)
    possible = exact < INF // 2
    assert np.all(lo <= exact) and np.all(up[possible] >= exact[possible])


def test_the_model_tables_are_viennas_own():
    old = _set_globals(25.0, 1.0)
    try:
        md = bound_model(25.0, 1.0)
        P = RNA.param(RNA.md())
        assert md.loop_min == 134  # DNA Mathews 2004, 25 °C, 1 M: 2x3 / 3x3 loops, +1.34 kcal/mol
        tier = dict((a, c) for a, _, c in md.tiers)
        assert tier[16].min() == 358 and tier[16][5] > tier[16][1]  # asymmetric loops cost more, A·T-closed more
        s = SHAPES.index((1, 1))
        # outer C-G (type 1) with G·G mismatch, inner pair C-G (type 1): the -2.2 kcal/mol 1x1 loop
        key_out, key_in = (1 * 6 + 3) * 6 + 3, (1 * 6 + 3) * 6 + 3
        assert md.loops[s][key_out * 288 + key_in] == RNA.E_IntLoop(1, 1, 1, 2, 3, 3, 3, 3, P) < 0
    finally:
        _restore(old)


def test_every_loop_shift_lies_in_exactly_one_jump_tier():
    old = _set_globals(25.0, 1.0)
    try:
        md = bound_model(25.0, 1.0)
    finally:
        _restore(old)
    covered = sorted(d for a, b, _ in md.tiers for d in range(a, b + 1))
    assert covered == list(range(-30, 31))  # |n2 - n1| <= 30 for every loop; wider jumps are impossible

"""nn.search: the Pareto front, the choice within a budget, pruning and the selection split."""

import numpy as np
import pytest

from nn.binaryconnect import TrainingConfig, accuracy
from nn.datasets import load_iris
from nn.network import Network
from nn.search import SearchSpace, best_within, default_space, pareto_front, prune, search_networks, selection_split


def brute_front(costs, scores):
    """Points no other point dominates, by the definition."""
    out = []
    for i in range(len(costs)):
        dominated = any(costs[j] <= costs[i] and scores[j] >= scores[i] and (costs[j], scores[j]) != (costs[i], scores[i])
                        for j in range(len(costs)))
        duplicate_before = any((costs[j], scores[j]) == (costs[i], scores[i]) for j in range(i))
        if not dominated and not duplicate_before:
            out.append(i)
    return sorted(out, key=lambda i: costs[i])


def test_pareto_front_keeps_exactly_the_undominated_points():
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(1, 15))
        costs = rng.integers(10, 20, n).tolist()
        scores = [(float(a), float(b)) for a, b in zip(rng.integers(0, 4, n) / 4, rng.integers(0, 3, n) / 3)]
        assert pareto_front(costs, scores) == brute_front(costs, scores)


def test_pareto_front_by_hand():
    # (strands, accuracy): 60 is cheapest; 80 beats 100 (same accuracy, cheaper); 120 is the most accurate
    assert pareto_front([100, 80, 120, 80, 60], [0.9, 0.9, 0.95, 0.85, 0.5]) == [4, 1, 2]
    assert pareto_front([], []) == []


def test_best_within_takes_the_most_accurate_that_fits_then_the_cheaper():
    costs, scores = [100, 80, 120, 60], [0.9, 0.9, 0.95, 0.5]
    assert best_within(costs, scores, 120) == 2
    assert best_within(costs, scores, 119) == 1  # 100 and 80 tie on accuracy: the cheaper
    assert best_within(costs, scores, 79) == 3
    assert best_within(costs, scores, 59) is None
    # the chosen point is always on the front
    for limit in (60, 80, 100, 120):
        assert best_within(costs, scores, limit) in pareto_front(costs, scores)


def test_selection_split_is_stratified_disjoint_and_keeps_the_test_split():
    d = selection_split(load_iris(), seed=1)
    assert len(d.val) == 30 and len(d.train) == 120 and not set(d.val) & set(d.train)
    assert np.bincount(d.y[d.val]).tolist() == [10, 10, 10]
    assert d.test is None
    assert selection_split(d) is d  # a dataset with its own val split keeps it


def test_prune_only_drops_what_the_accuracy_allows():
    d = load_iris()
    rng = np.random.default_rng(0)
    w0 = rng.choice([-1.0, 0.0, 1.0], size=(4, 6))
    w1 = rng.choice([-1.0, 1.0], size=(6, 3))
    net = Network([w0, w1], [rng.normal(size=6), rng.normal(size=3)])
    base = accuracy(net, d.x, d.y)
    for tol in (0.0, 0.05):
        pruned = prune(net, d.x, d.y, tol)
        assert accuracy(pruned, d.x, d.y) >= base - tol - 1e-12
        nz = [np.count_nonzero(w) for w in pruned.weights]
        assert sum(nz) <= sum(np.count_nonzero(w) for w in net.weights)
        # only zeros are introduced: every kept weight is the original one
        for a, b in zip(pruned.weights, net.weights):
            assert np.all((a == 0) | (a == b))
    assert sum(np.count_nonzero(w) for w in prune(net, d.x, d.y, 0.05).weights) < \
        sum(np.count_nonzero(w) for w in net.weights)


def test_default_space_starts_from_the_spec_and_scales_deep_networks():
    space = default_space(TrainingConfig(hidden=(8,), ternary_threshold=0.6))
    assert space.hidden == ((1,), (2,), (3,), (4,), (5,), (6,), (8,))
    assert ("binary", 0.5) in space.weights and ("ternary", 0.6) in space.weights
    deep = default_space(TrainingConfig(hidden=(64, 32)))
    assert (64, 32) in deep.hidden and (8, 4) in deep.hidden


def test_search_networks_trains_once_per_configuration_and_scores_on_the_held_out_split(monkeypatch):
    d = selection_split(load_iris())
    space = SearchSpace(((2,), (3,)), (("ternary", 0.5),), prune_tolerances=(0.0,))
    start = TrainingConfig(epochs=40, batch_size=16, output_gain=2.0)
    cache = {}
    calls = []
    cands = search_networks(d, start, space, data_tag="t", cache=cache, progress=lambda *a: calls.append(a))
    assert len(cache) == 2 and [c[:2] for c in calls] == [(1, 2), (2, 2)]
    x_val, y_val = d.split("val")
    for c in cands:
        assert c.val_accuracy == pytest.approx(accuracy(c.network, x_val, y_val))
        assert c.accuracy == pytest.approx(accuracy(c.network, d.x, d.y)) and c.evaluated_on == "all"
    def no_training(*args, **kwargs):
        raise AssertionError("a cached configuration was trained again")

    monkeypatch.setattr("nn.search.train", no_training)
    again = search_networks(d, start, space, data_tag="t", cache=cache)
    assert [c.name for c in again] == [c.name for c in cands]
    assert all(np.array_equal(a.network.weights[0], b.network.weights[0]) for a, b in zip(again, cands))

"""The network side of a DNA-budget search: candidate networks of several shapes and sparsities,
trained with BinaryConnect, pruned, and scored on a selection split; no chemistry here.

What a candidate costs in DNA (strands or nucleotides) is the caller's business (``dsd.pipeline.budget``
counts it with the real translation); this module only offers :func:`pareto_front` and :func:`best_within`
over ``(cost, score)`` pairs.

Search space (:class:`SearchSpace`): hidden-layer shapes (one hidden layer: widths from 1 up to
the starting width, on a ladder of widths), weight kinds (``binary``; ``ternary`` at several thresholds: a larger threshold
is a stronger sparsity pressure, more shadow weights quantise to 0 while training), and greedy
pruning after training (:func:`prune`: hidden units, then single weights, are set to 0 while the
training accuracy stays within a tolerance of the unpruned network's).

Which labels decide what: the network trains on ``train`` minus a held-out *selection* split
(:func:`selection_split`: the dataset's own ``val`` split, else a seeded, stratified fraction of the
training examples), selects its epoch and is chosen on that split (``val_accuracy``), and reports its
accuracy on ``test`` (every example when the dataset has no test split), as :func:`nn.binaryconnect.train`
does. The test labels never choose.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from nn.binaryconnect import TrainingConfig, accuracy, train
from nn.datasets import Dataset
from nn.network import Network

#: Ternary thresholds the search tries (|shadow weight| below it quantises to 0): the sparsity pressures.
TERNARY_THRESHOLDS = (0.5, 0.7, 0.85)
#: Training-accuracy drops (fractions) greedy pruning may cost; 0 prunes only what costs nothing.
PRUNE_TOLERANCES = (0.0, 0.02)
#: Fraction of the training examples held out to choose candidates when the dataset has no val split.
SELECTION_FRACTION = 0.2
#: Hidden widths tried below the starting width (every one up to 6, then about x1.5 apart).
WIDTHS = (1, 2, 3, 4, 5, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
#: Pruning decides on at most this many training examples (a seeded subsample of larger sets).
PRUNE_EXAMPLES = 2000


@dataclass(frozen=True)
class SearchSpace:
    """What the search tries: ``hidden`` shapes, ``weights`` as ``(kind, ternary_threshold)`` pairs and
    the ``prune_tolerances`` (training-accuracy drops, fractions) of :func:`prune`."""

    hidden: tuple[tuple[int, ...], ...]
    weights: tuple[tuple[str, float], ...]
    prune_tolerances: tuple[float, ...] = PRUNE_TOLERANCES

    @property
    def trainings(self) -> int:
        return len(self.hidden) * len(self.weights)


def default_space(start: TrainingConfig) -> SearchSpace:
    """The search around a starting configuration: one hidden layer of the :data:`WIDTHS` below the
    starting width and the starting width itself (a deeper start: its shape scaled by 1, 3/4, 1/2, 1/4,
    1/8), binary weights and ternary weights at the starting threshold and at :data:`TERNARY_THRESHOLDS`.

    Examples
    --------
    >>> space = default_space(TrainingConfig(hidden=(3,)))
    >>> space.hidden, space.weights
    (((1,), (2,), (3,)), (('binary', 0.5), ('ternary', 0.5), ('ternary', 0.7), ('ternary', 0.85)))
    >>> default_space(TrainingConfig(hidden=(20,))).hidden[-4:]
    ((8,), (12,), (16,), (20,))
    """
    if len(start.hidden) == 1:
        shapes = tuple((h,) for h in (*(w for w in WIDTHS if w < start.hidden[0]), start.hidden[0]))
    else:
        scaled = [tuple(max(1, round(h * f)) for h in start.hidden) for f in (1, 0.75, 0.5, 0.25, 0.125)]
        shapes = tuple(sorted(set(scaled)))
    thresholds = sorted({round(start.ternary_threshold, 6), *TERNARY_THRESHOLDS})
    return SearchSpace(shapes, (("binary", 0.5),) + tuple(("ternary", t) for t in thresholds))


@dataclass(frozen=True)
class Candidate:
    """One network of the search.

    Attributes
    ----------
    name : str
        E.g. ``4-2-3 ternary 0.7 pruned (tol 2%)``: pruned while the training accuracy stayed within 2 %.
    config : TrainingConfig
        How it was trained.
    prune_tolerance : float or None
        The training-accuracy drop its pruning allowed (None: not pruned).
    network : Network
    train_accuracy, val_accuracy, accuracy : float
        On the search's training split, on the selection split (what chooses) and on the evaluation
        set (``test``, else every example: what is reported).
    evaluated_on : str
        ``"test"`` or ``"all"``.
    """

    name: str
    config: TrainingConfig
    prune_tolerance: float | None
    network: Network
    train_accuracy: float
    val_accuracy: float
    accuracy: float
    evaluated_on: str

    @property
    def nonzero_weights(self) -> int:
        return int(sum(np.count_nonzero(w) for w in self.network.weights))

    def score(self) -> tuple[float, float]:
        """What chooses among candidates: selection-split accuracy, then training accuracy."""
        return (self.val_accuracy, self.train_accuracy)


def selection_split(dataset: Dataset, seed: int = 0, fraction: float = SELECTION_FRACTION) -> Dataset:
    """``dataset`` with a ``val`` split to choose on: its own when it has one, else a seeded stratified
    ``fraction`` of its training examples (every example when ``train`` is None) taken out of ``train``.

    Examples
    --------
    >>> from nn.datasets import load_iris
    >>> d = selection_split(load_iris())
    >>> len(d.train), len(d.val), d.test is None, len(set(d.train) & set(d.val))
    (120, 30, True, 0)
    """
    if dataset.val is not None and len(dataset.val):
        return dataset
    pool = np.arange(len(dataset.y)) if dataset.train is None else np.asarray(dataset.train)
    rng = np.random.default_rng(seed)
    val = []
    for label in np.unique(dataset.y[pool]):
        members = pool[dataset.y[pool] == label]
        k = int(round(fraction * len(members)))
        val.extend(rng.permutation(members)[:k].tolist())
    val = np.sort(np.asarray(val, int))
    return replace(dataset, train=np.setdiff1d(pool, val), val=val)


def prune(network: Network, x: np.ndarray, y: np.ndarray, tolerance: float) -> Network:
    """Greedy pruning: each hidden unit (its outgoing weights set to 0, so the compiler drops it), then
    each nonzero weight, in a fixed order, is set to 0 when the accuracy on ``(x, y)`` stays at least
    the unpruned network's minus ``tolerance`` (a fraction).

    Examples
    --------
    >>> net = Network([np.array([[1.0, 1.0]]), np.array([[1.0, -1.0], [0.0, 0.0]])], [np.zeros(2), np.array([0.0, 0.5])])
    >>> x, y = np.array([[-1.0], [1.0]]), np.array([1, 0])
    >>> [w.tolist() for w in prune(net, x, y, 0.0).weights]  # the output bias alone separates the classes
    [[[1.0, 0.0]], [[0.0, -1.0], [0.0, 0.0]]]
    """
    weights = [w.copy() for w in network.weights]
    biases = network.biases
    floor = accuracy(network, x, y) - tolerance - 1e-12

    def keeps(trial: list[np.ndarray]) -> bool:
        return accuracy(Network(tuple(trial), biases), x, y) >= floor

    for l in range(1, len(weights)):  # hidden units of layer l-1's output: rows of weights[l]
        for j in range(weights[l].shape[0]):
            if not weights[l][j].any():
                continue
            trial = [w.copy() for w in weights]
            trial[l][j] = 0.0
            if keeps(trial):
                weights = trial
    for l in range(len(weights)):
        for i, j in zip(*np.nonzero(weights[l])):
            saved = weights[l][i, j]
            weights[l][i, j] = 0.0
            if not keeps(weights):
                weights[l][i, j] = saved
    return Network(tuple(weights), biases)


def config_key(config: TrainingConfig, data_tag: str) -> str:
    """Content hash of a training run: its configuration and ``data_tag`` (what identifies the data)."""
    text = json.dumps([data_tag, config.to_dict()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _name(config: TrainingConfig, dims: tuple[int, ...], tolerance: float | None) -> str:
    kind = config.weights + (f" {config.ternary_threshold:g}" if config.weights == "ternary" else "")
    pruned = "" if tolerance is None else f" pruned (tol {tolerance:.0%})"
    return f"{'-'.join(map(str, dims))} {kind}{pruned}"


def search_networks(dataset: Dataset, start: TrainingConfig, space: SearchSpace | None = None, *,
                    data_tag: str = "", cache: dict[str, Network] | None = None,
                    progress: Callable[[int, int, str], None] | None = None) -> list[Candidate]:
    """Train every shape x weight kind of ``space`` (default :func:`default_space` of ``start``) with
    ``start``'s other hyper-parameters, then prune each at every tolerance (on at most
    :data:`PRUNE_EXAMPLES` training examples); distinct networks only.

    Parameters
    ----------
    dataset : Dataset
        With a selection split (see :func:`selection_split`).
    cache : dict, optional
        Trained networks by :func:`config_key` (with ``data_tag``): found ones are not trained again,
        new ones are added.
    progress : callable, optional
        ``progress(done, total, name)`` after every training.
    """
    space = space or default_space(start)
    cache = {} if cache is None else cache
    x_tr, y_tr = dataset.split("train")
    x_val, y_val = dataset.split("val")
    keep = np.sort(np.random.default_rng(start.seed).permutation(len(y_tr))[:PRUNE_EXAMPLES])
    x_prune, y_prune = x_tr[keep], y_tr[keep]
    if dataset.test is not None and len(dataset.test):
        (x_ev, y_ev), evaluated_on = dataset.split("test"), "test"
    else:
        (x_ev, y_ev), evaluated_on = (dataset.x, dataset.y), "all"
    out: list[Candidate] = []
    seen: set[bytes] = set()
    done = 0
    for hidden in space.hidden:
        for kind, threshold in space.weights:
            config = replace(start, hidden=hidden, weights=kind, ternary_threshold=threshold)
            key = config_key(config, data_tag)
            if key not in cache:
                cache[key] = train(dataset, config).network
            trained = cache[key]
            nets = [(None, trained)] + [(tol, prune(trained, x_prune, y_prune, tol)) for tol in space.prune_tolerances]
            for tol, net in nets:
                fingerprint = b"".join(a.tobytes() for a in (*net.weights, *net.biases))
                if fingerprint in seen:
                    continue
                seen.add(fingerprint)
                out.append(Candidate(_name(config, net.dims, tol), config, tol, net, accuracy(net, x_tr, y_tr),
                                     accuracy(net, x_val, y_val), accuracy(net, x_ev, y_ev), evaluated_on))
            done += 1
            if progress is not None:
                progress(done, space.trainings, _name(config, trained.dims, None))
    return out


def pareto_front(costs: Sequence[float], scores: Sequence) -> list[int]:
    """Indices of the points no other point dominates (cost no larger and score no smaller, one of
    them strictly), by increasing cost; of equal points the first is kept. Scores compare as tuples
    or numbers.

    Examples
    --------
    >>> pareto_front([100, 80, 120, 80, 60], [0.9, 0.9, 0.95, 0.85, 0.5])
    [4, 1, 2]
    """
    order = sorted(range(len(costs)), key=lambda i: (costs[i], _neg(scores[i]), i))
    front: list[int] = []
    for i in order:
        if not front or scores[i] > scores[front[-1]]:
            front.append(i)
    return front


def _neg(score):
    return tuple(-s for s in score) if isinstance(score, tuple) else -score


def best_within(costs: Sequence[float], scores: Sequence, limit: float) -> int | None:
    """Index of the best-scoring point whose cost is at most ``limit`` (ties: the cheaper, then the
    first), or None when nothing fits.

    Examples
    --------
    >>> best_within([100, 80, 120, 60], [0.9, 0.9, 0.95, 0.5], 110), best_within([100], [0.9], 50)
    (1, None)
    """
    fits = [i for i in range(len(costs)) if costs[i] <= limit]
    if not fits:
        return None
    return min(fits, key=lambda i: (_neg(scores[i]), costs[i], i))

"""The budget stage of a build (spec section ``budget: {strands: N}`` or ``{nucleotides: N}``): search
network shapes, sparsities and CRN forms, count each one's DNA with the real translation, and keep the
most accurate network that fits.

The networks come from :func:`nn.search.search_networks` (one hidden layer of widths up to the
spec's, binary and ternary weights at several sparsity pressures, greedy pruning). Each network is
compiled (Algorithm 1) and tried in every CRN form: reduced or not, with the cancellation reactions or
not, and every fan-out limit from 2 up to ``crn.fanout_limit`` (a maximum; no limit when the spec has
none). A point's cost is what its ``strands.csv`` will hold: :meth:`dsd.domains.DomainSystem.oligo_counts`
of :func:`dsd.translate.translate` of the formal CRN, the function the build's translate stage runs
(``strands``: rows, input and bias signal strands included, reporters excluded; ``nucleotides``: their
total length).

Choice: among the points within the budget, the best score (selection-split accuracy, then training
accuracy; :meth:`nn.search.Candidate.score`), ties to the fewest strands (nucleotides). The reported
accuracy (``model.json``) is the chosen network's on the evaluation set (``test``, else every example);
test labels never choose. The accuracy-vs-cost Pareto front of every point tried, the chosen point and
the budget go to ``budget.json`` and build.json; the trained networks go to ``budget_networks.npz`` so
that a re-run with another budget or CRN options trains nothing again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from crn.atomic import atomic_write_text
from crn.compile import compile_network
from crn.forms import formal_form
from crn.reduce import reduce_crn
from crn.textformat import format_crn
from dsd.pipeline.cache import reuse_stage, stage_key
from dsd.pipeline.records import BuildResult
from dsd.pipeline.spec import BuildSpec
from dsd.report.budget import BUDGET_FILE, form_text

NETWORKS_FILE = "budget_networks.npz"


@dataclass
class BudgetSearch:
    """What :func:`search_budget` found: ``points`` (one dict per network x CRN form, see
    :func:`_point`), the indices of the Pareto ``front`` (by increasing cost), the ``chosen`` index (None:
    nothing fits), the ``candidates`` (:class:`nn.search.Candidate`, ``point["candidate"]`` indexes them),
    the budget's ``measure`` and ``limit``, and the ``seconds`` it took."""

    points: list[dict]
    front: list[int]
    chosen: int | None
    candidates: list
    measure: str
    limit: int
    seconds: float
    selection: str

    def record(self) -> dict:
        """JSON-ready: the budget, how the choice was made, every point, the front and the chosen point."""
        return {"budget": {self.measure: self.limit}, "measure": self.measure, "limit": self.limit,
                "selection": self.selection, "seconds": self.seconds, "tried": len(self.points),
                "networks": len(self.candidates), "points": self.points, "front": self.front,
                "chosen": None if self.chosen is None else self.points[self.chosen]}


def form_space(crn_spec) -> list[dict]:
    """The CRN forms tried: reduced or not, cancellation or not, fan-out limits 2 .. ``crn.fanout_limit``
    (only no limit when the spec sets none). The spec's own form comes first."""
    limits = [None] if crn_spec.fanout_limit is None else list(range(crn_spec.fanout_limit, 1, -1))
    own = {"reduce": crn_spec.reduce, "cancellation": crn_spec.cancellation, "fanout_limit": crn_spec.fanout_limit}
    forms = [own] + [{"reduce": r, "cancellation": c, "fanout_limit": f}
                     for r in (True, False) for c in (False, True) for f in limits]
    return list({json.dumps(f, sort_keys=True): f for f in forms}.values())


def dna_counts(crn, scheme) -> dict:
    """Reactions, ``strands`` (rows of strands.csv) and ``nucleotides`` of the formal CRN ``crn``."""
    from dsd.translate import translate

    return {"reactions": len(crn.reactions), **translate(crn, scheme).oligo_counts()}


def _input_low(spec: BuildSpec, dataset) -> np.ndarray:
    low = dataset.x.min(axis=0)
    if spec.crn.input_range is not None:
        low = np.full_like(low, spec.crn.input_range[0])
    return low


def _point(index: int, cand, form: dict, counts: dict, limit: int, measure: str) -> dict:
    return {"candidate": index, "network": cand.name, "dims": list(cand.network.dims),
            "weights": cand.config.weights, "ternary_threshold": cand.config.ternary_threshold,
            "pruned": cand.prune_tolerance, "nonzero_weights": cand.nonzero_weights, **form, **counts,
            "val_accuracy": cand.val_accuracy, "train_accuracy": cand.train_accuracy, "accuracy": cand.accuracy,
            "evaluated_on": cand.evaluated_on, "fits": counts[measure] <= limit}


def search_budget(spec: BuildSpec, progress: Callable[[int, int, str], None] | None = None,
                  cache: dict | None = None, space=None) -> BudgetSearch:
    """Search networks x CRN forms of ``spec`` (which has a ``budget``) and choose; see the module
    docstring. ``progress(done, total, name)`` after every training; ``cache``: trained networks by
    :func:`nn.search.config_key` (read and extended); ``space``: a :class:`nn.search.SearchSpace`
    (default: :func:`nn.search.default_space` of the spec's network and training)."""
    from dsd.pipeline.stages_model import _dataset_for
    from dsd.schemes import make_scheme
    from nn.binaryconnect import training_config
    from nn.search import best_within, pareto_front, search_networks, selection_split

    t0 = time.perf_counter()
    measure, limit = spec.budget.measure, spec.budget.limit
    dataset = selection_split(_dataset_for(spec), spec.seed)
    start = training_config(spec.dataset.name, spec.network, spec.training, spec.seed)
    tag = spec.digest("dataset", "seed")
    candidates = search_networks(dataset, start, space, data_tag=tag, cache=cache, progress=progress)
    d = spec.dsd
    scheme = make_scheme(d.scheme, d.toehold_nt, d.long_nt, d.history_nt)
    low = _input_low(spec, dataset)
    forms = form_space(spec.crn)
    points, counted = [], {}
    for i, cand in enumerate(candidates):
        compiled = compile_network(cand.network, inputs=spec.crn.inputs, input_low=low)
        bases = {True: reduce_crn(compiled), False: compiled}
        for form in forms:
            crn = formal_form(bases[form["reduce"]], cancellation=form["cancellation"],
                              fanout_limit=form["fanout_limit"])
            text = format_crn(crn)  # equal CRNs (of different networks or forms) are translated once
            if text not in counted:
                counted[text] = dna_counts(crn, scheme)
            points.append(_point(i, cand, form, counted[text], limit, measure))
    costs = [p[measure] for p in points]
    scores = [candidates[p["candidate"]].score() for p in points]
    selection = (f"chosen on the {len(dataset.val)} examples held out of training (their accuracy, then the "
                 f"training accuracy, then fewer {measure}); the test labels never choose")
    return BudgetSearch(points, pareto_front(costs, scores), best_within(costs, scores, limit), candidates,
                        measure, limit, time.perf_counter() - t0, selection)


def chosen_spec(spec: BuildSpec, point: dict) -> BuildSpec:
    """``spec`` with the chosen point's network shape, weights and CRN form (what the build goes on with)."""
    network = replace(spec.network, hidden=tuple(point["dims"][1:-1]), weights=point["weights"])
    training = replace(spec.training, ternary_threshold=point["ternary_threshold"])
    crn = replace(spec.crn, reduce=point["reduce"], cancellation=point["cancellation"],
                  fanout_limit=point["fanout_limit"])
    return replace(spec, network=network, training=training, crn=crn)


def no_fit_message(search: BudgetSearch) -> str:
    """One line: nothing fits, and the cheapest point tried."""
    cheapest = min(search.points, key=lambda p: (p[search.measure], -p["val_accuracy"]))
    return (f"budget.{search.measure}: no network of the search fits {search.limit} {search.measure}; the smallest "
            f"tried ({cheapest['network']}) needs {cheapest[search.measure]}: raise the budget")


def _load_networks(path: Path) -> dict:
    from nn.network import Network

    if not path.is_file():
        return {}
    try:
        with np.load(path) as data:
            keys = sorted({k.split("/")[0] for k in data.files})
            out = {}
            for key in keys:
                n = sum(1 for k in data.files if k.startswith(f"{key}/w"))
                out[key] = Network(tuple(data[f"{key}/w{l}"] for l in range(n)),
                                   tuple(data[f"{key}/b{l}"] for l in range(n)))
            return out
    except (OSError, ValueError, KeyError):
        return {}


def _save_networks(path: Path, cache: dict) -> None:
    arrays = {}
    for key, net in cache.items():
        arrays.update({f"{key}/w{l}": w for l, w in enumerate(net.weights)})
        arrays.update({f"{key}/b{l}": b for l, b in enumerate(net.biases)})
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)


def stage_budget(spec: BuildSpec, work: Path, previous: Path, previous_hashes: dict[str, str], result: BuildResult,
                 log: Callable[[str], None], progress: Callable | None = None):
    """The budget stage: search (or reuse the previous build's search when nothing it reads changed),
    write budget.json, budget_networks.npz and the chosen network's model.npz / model.json; returns
    (the spec with the chosen network and CRN form, the network, its evaluation examples)."""
    from dsd.pipeline.stages_model import _dataset_for, _evaluation_examples
    from nn.modelfile import load_model, save_model

    t0 = time.perf_counter()
    d = spec.dsd
    key = stage_key(spec.digest("dataset", "network", "training", "seed", "crn", "budget"), d.scheme, d.toehold_nt,
                    d.long_nt, d.history_nt)
    reused = reuse_stage("budget", key, (BUDGET_FILE, NETWORKS_FILE, "model.npz", "model.json"), work, previous,
                         previous_hashes, result)
    dataset = _dataset_for(spec)
    if reused:
        record = json.loads((work / BUDGET_FILE).read_text())
        network = load_model(work / "model.npz").network
    else:
        cache = _load_networks(previous / NETWORKS_FILE)
        before = set(cache)

        def tick(done: int, total: int, name: str) -> None:
            if progress is not None:
                progress(done - 1, total, {"network": name})

        search = search_budget(spec, tick, cache)
        record = search.record()
        atomic_write_text(work / BUDGET_FILE, json.dumps(record, indent=1))
        _save_networks(work / NETWORKS_FILE, cache)
        if search.chosen is None:
            raise ValueError(no_fit_message(search))
        cand = search.candidates[record["chosen"]["candidate"]]
        network = cand.network
        examples = _evaluation_examples(dataset, network)
        meta = {"dataset": spec.dataset.name, "accuracy": cand.accuracy, "evaluated_on": cand.evaluated_on,
                "seed": spec.seed, "config": cand.config.to_dict(), "budget": record["budget"],
                "budget_choice": {k: record["chosen"][k] for k in ("network", "val_accuracy", "train_accuracy",
                                                                   "pruned", "strands", "nucleotides")}}
        save_model(work / "model.npz", network, meta, examples=(examples.x, examples.label))
        log(f"budget: trained {len(set(cache) - before)} networks ({len(cache)} cached), tried {len(search.points)} "
            f"network x CRN-form points in {search.seconds:.1f} s")
    chosen = record["chosen"]
    examples = _evaluation_examples(dataset, network)
    result.stages["budget"] = {"hash": key, "reused": reused, "seconds": time.perf_counter() - t0,
                               "budget": record["budget"], "chosen": chosen, "tried": record["tried"],
                               "front": [record["points"][i] for i in record["front"]]}
    result.stages["network"] = {"accuracy": chosen["accuracy"], "dims": chosen["dims"], "from": "budget"}
    log(f"budget: chose {chosen['network']} ({form_text(chosen)}): {chosen['strands']} strands, "
        f"{chosen['nucleotides']} nt, accuracy {chosen['accuracy']:.1%} ({chosen['evaluated_on']}; val "
        f"{chosen['val_accuracy']:.1%}), budget {record['limit']} {record['measure']}")
    return chosen_spec(spec, chosen), network, examples


def budget_check(spec: BuildSpec, system, work: Path, result: BuildResult) -> None:
    """The build's check that what it wrote fits the budget: the rows (nucleotides) of strands.csv
    when the design wrote it, else of the translated system it will be written from."""
    if spec.budget is None or system is None:
        return
    measure, limit = spec.budget.measure, spec.budget.limit
    path = work / "strands.csv"
    if path.is_file():
        import csv

        rows = list(csv.DictReader(path.read_text().splitlines()))
        counts = {"strands": len(rows), "nucleotides": sum(int(r["length"]) for r in rows)}
        source = "strands.csv"
    else:
        counts, source = system.oligo_counts(), "the translated system"
    result.add_check(f"the circuit fits the DNA budget: {measure} of {source} <= {limit}",
                     f"{counts[measure]} {measure}", counts[measure] <= limit)


__all__ = ["BUDGET_FILE", "NETWORKS_FILE", "BudgetSearch", "form_space", "dna_counts", "search_budget",
           "chosen_spec", "no_fit_message", "stage_budget", "budget_check", "form_text"]

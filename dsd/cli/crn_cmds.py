"""``dsd train``, ``dsd compile``, ``dsd stats``, ``dsd simulate``: the network and formal-CRN stages."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import typer
from rich.table import Table

from dsd.cli._common import (app, compute_of, console, epoch_callback, input_file, json_option, number,
                             output_file, print_warnings, progress_bar, scheduler_option, task_progress, user_errors,
                             workers_option, write_json)


@app.command()
@user_errors
def train(
    dataset: str = typer.Option("iris", metavar="NAME", help="iris | digits | heart | mnist | csv"),
    hidden: list[int] = typer.Option([8], metavar="N", callback=number(1, integer=True),
                                     help="hidden layer sizes (repeat for more layers)"),
    weights: str = typer.Option("binary", metavar="KIND", help="binary (±1) | ternary (−1/0/+1)"),
    out: Path = typer.Option(Path("model.npz"), metavar="FILE", callback=output_file,
                             help="model file to write (.npz, plus a readable .json)"),
    seed: int = typer.Option(0, metavar="N", callback=number(0, integer=True),
                             help="random seed (training is deterministic per seed)"),
    epochs: Optional[int] = typer.Option(None, metavar="N", callback=number(1, integer=True),
                                         help="override the dataset's default epoch count"),
    path: Optional[Path] = typer.Option(None, metavar="PATH", help="data file/folder for mnist (IDX files) or csv"),
    label_column: Optional[str] = typer.Option(None, metavar="NAME", help="label column of a csv dataset"),
    spec: Optional[Path] = typer.Option(None, metavar="SPEC", callback=input_file,
                                        help="take dataset, network and training from a build spec"),
):
    """Train a BinaryConnect network and write it as a model file.

    \b
    Example:  dsd train --dataset iris --hidden 8 --out model.npz
    """
    from dsd.pipeline.build import train_network
    from dsd.pipeline.spec import load_spec, parse_spec

    if spec is not None:
        build_spec = load_spec(spec)
    else:
        raw = {"name": "train", "seed": seed, "dataset": {"name": dataset},
               "network": {"hidden": list(hidden), "weights": weights}}
        if path is not None:
            raw["dataset"]["path"] = str(path.resolve())
        if label_column is not None:
            raw["dataset"]["label_column"] = label_column
        if epochs is not None:
            raw["training"] = {"epochs": epochs}
        build_spec = parse_spec(raw)
    with progress_bar() as progress:
        trained = train_network(build_spec, progress=epoch_callback(progress))
    from nn.modelfile import save_model

    save_model(out, trained)
    console.print(
        f"trained {'-'.join(map(str, trained.network.dims))} {trained.network.weights_kind} network on "
        f"{build_spec.dataset.name}: accuracy {trained.accuracy:.4f} in {trained.seconds:.1f} s -> {out}"
    )


@app.command("compile")
@user_errors
def compile_cmd(
    model: Path = typer.Argument(..., metavar="MODEL", callback=input_file,
                                 help="model file (.npz/.json/.onnx) or a reference-model JSON"),
    out: Path = typer.Option(..., metavar="FILE", callback=output_file, help="CRN text file to write"),
    reduce: bool = typer.Option(False, "--reduce", help="apply Algorithm 2 (unimolecular elimination)"),
    inputs: str = typer.Option("dual", metavar="ENCODING", help="dual | shifted input encoding"),
    input_low: Optional[float] = typer.Option(None, metavar="X", callback=number(),
                                              help="lower bound of the inputs (shifted encoding)"),
    cancellation: bool = typer.Option(False, "--cancellation", help="add S+ + S- -> W for every pair"),
    fanout_limit: Optional[int] = typer.Option(None, metavar="K", callback=number(2, integer=True),
                                               help="max products per reaction (relay tree), an integer >= 2"),
    sbml: Optional[Path] = typer.Option(None, metavar="FILE", callback=output_file,
                                        help="also write SBML Level 3 here"),
    quantize: Optional[str] = typer.Option(None, metavar="RULE",
                                           help="ternary | binary: quantise real weights first (Li & Liu 2016 TWN)"),
    dataset: Optional[str] = typer.Option(None, metavar="NAME",
                                          help="iris | digits | heart: report the accuracy change of --quantize"),
):
    """Compile a network into a formal CRN (Algorithm 1, optionally reduced).

    \b
    Example:  dsd compile model.npz --out crn.txt --reduce --fanout-limit 4
    Example:  dsd compile model.onnx --out crn.txt --quantize ternary --dataset iris
    """
    from crn.compile import compile_network
    from crn.forms import formal_form
    from crn.textformat import write_crn
    from nn.modelfile import load_model

    if inputs not in ("dual", "shifted"):
        raise ValueError(f"--inputs: unknown encoding {inputs!r}; expected dual or shifted")
    if quantize not in (None, "ternary", "binary"):
        raise ValueError(f"--quantize: unknown rule {quantize!r}; expected ternary or binary")
    if dataset is not None and quantize is None:
        raise ValueError("--dataset: only with --quantize (it measures the accuracy change)")
    if dataset not in (None, "iris", "digits", "heart"):
        raise ValueError(f"--dataset: expected iris, digits or heart, got {dataset!r}")
    loaded = load_model(model, quantize=quantize)
    notes = _quantization_notes(loaded, dataset) if quantize is not None else []
    low = None
    if inputs == "shifted":
        if input_low is not None:
            low = np.full(loaded.network.dims[0], input_low)
        elif loaded.examples is not None:
            low = loaded.examples[0].min(axis=0)
        else:
            raise ValueError("--input-low: needed for the shifted encoding of a model without stored examples")
    crn = compile_network(loaded.network, inputs=inputs, input_low=low)
    crn = formal_form(crn, reduce=reduce, cancellation=cancellation, fanout_limit=fanout_limit)
    write_crn(crn, out, header=f"compiled from {model}{' (reduced)' if reduce else ''}")
    if sbml is not None:
        from crn.atomic import atomic_write_text
        from crn.sbml import crn_to_sbml

        atomic_write_text(sbml, crn_to_sbml(crn))
    s = crn.stats()
    console.print(f"{s['reactions']} reactions ({s['unimolecular']} unimolecular, {s['bimolecular']} bimolecular), "
                  f"{s['species']} species -> {out}")
    for note in notes:
        console.print(note, markup=False, highlight=False)


def _quantization_notes(loaded, dataset: str | None) -> list[str]:
    """The rule and, on a bundled dataset's evaluation split, the accuracy before and after."""
    from nn.quantize import accuracy_change

    info = loaded.metadata["quantization"]
    notes = [f"quantised {info['rule']}: {info['method']} (outputs scaled by 1/{info['output_scale']:.4g})"]
    if dataset is None:
        return notes + ["give --dataset NAME to measure the accuracy change"]
    from nn.datasets import load_dataset

    data = load_dataset(dataset)
    x, y = data.split("test")
    if x.shape[1] != loaded.network.dims[0]:
        raise ValueError(f"--dataset: {dataset} has {x.shape[1]} features but the model has "
                         f"{loaded.network.dims[0]} inputs")
    change = accuracy_change(loaded.unquantized, loaded.network, x, y)
    return notes + [f"accuracy on {dataset} ({change['examples']} examples): {change['accuracy_before']:.4f} -> "
                    f"{change['accuracy_after']:.4f} ({100 * change['change']:+.1f} points)"]


@app.command()
@user_errors
def stats(
    crn_file: Path = typer.Argument(..., metavar="CRN", callback=input_file, help="CRN text file"),
    json_out: Optional[Path] = json_option(),
):
    """Count reactions, species and the largest fan-out of a CRN.

    \b
    Example:  dsd stats crn.txt --json stats.json
    """
    from crn.checks import check_crn
    from crn.textformat import read_crn

    crn = read_crn(crn_file)
    warnings = check_crn(crn, str(crn_file))  # errors raise; warnings print at the end
    s = crn.stats()
    table = Table(show_header=False, box=None)
    for k, v in s.items():
        table.add_row(k, str(v))
    console.print(table)
    if json_out is not None:
        write_json(json_out, s)
    print_warnings(warnings)


@app.command()
@user_errors
def simulate(
    crn_file: Path = typer.Argument(..., metavar="CRN", callback=input_file, help="CRN text file"),
    model: Optional[Path] = typer.Option(None, metavar="MODEL", callback=input_file,
                                         help="the network the CRN was compiled from (its examples are used)"),
    inputs: Optional[Path] = typer.Option(None, metavar="CSV", callback=input_file,
                                          help="input vectors (formal units): a header naming the CRN's inputs, "
                                               "one row each; writes rows to --json"),
    examples: Optional[int] = typer.Option(None, metavar="N", callback=number(1, integer=True),
                                           help="simulate the first N examples (default all)"),
    t_end: float = typer.Option(50.0, metavar="T", callback=number(0, strict=True),
                                help="simulated time (formal units; rate constants 1), > 0"),
    workers: Optional[int] = workers_option(),
    scheduler: Optional[str] = scheduler_option(),
    json_out: Optional[Path] = json_option(),
):
    """Simulate a CRN on the model's examples (compare with the network) or on --inputs rows.

    \b
    Example:  dsd simulate crn.txt --model model.npz --examples 20 --t-end 2000 --json sim.json
              dsd simulate crn.txt --inputs inputs.csv --t-end 2000 --json rows.json
              dsd simulate crn.txt --model model.npz --workers 2    (a local Dask cluster)
    """
    from crn.analysis import agreement, convergence_times
    from crn.simulate import simulate as run
    from crn.checks import check_crn
    from crn.textformat import read_crn
    from dsd.cli._inputs import read_inputs_csv, rows_json
    from dsd.pipeline.build import model_examples

    if model is None and inputs is None:
        raise typer.BadParameter("give --model (its examples) or --inputs (a CSV of input vectors)",
                                 param_hint="'--model'")
    compute_of(workers, scheduler)  # both given: an option error before anything is read
    crn = read_crn(crn_file)
    warnings = check_crn(crn, str(crn_file))  # errors raise; warnings print at the end
    network = None
    if model is not None:
        network, x = model_examples(model)
        if len(crn.inputs) != network.dims[0]:
            raise ValueError(f"the CRN has {len(crn.inputs)} inputs but the model has {network.dims[0]}")
        if len(crn.outputs) != network.dims[-1]:
            raise ValueError(f"the CRN has {len(crn.outputs)} outputs but the model has {network.dims[-1]}")
    if inputs is not None:
        x = read_inputs_csv(inputs, [s.name for s in crn.inputs])
    if examples is not None:
        x = x[:examples]
    with task_progress(f"simulating {len(x)} input vectors to t = {t_end:g}") as on_tasks:
        result = run(crn, x, t_end=t_end, keep_trajectories=False, compute=compute_of(workers, scheduler, on_tasks))
    report = {"examples": len(x), "seconds": result.seconds, "t_end": t_end}
    times = convergence_times(result)
    report["stabilisation_time_median"] = float(np.median(times["stabilisation_time"]))
    if network is not None:
        report.update(agreement(result.outputs, network.forward(x)))
        console.print(f"{report['argmax_match']}/{report['examples']} examples: CRN argmax equals the network; "
                      f"max |CRN - network| = {report['max_abs_error']:.2e}; {report['seconds']:.2f} s")
    if inputs is not None:
        # a formal run is read at its end: outputs and formal_outputs are both the values at t_end
        report["rows"] = rows_json([s.name for s in crn.inputs], [s.name for s in crn.outputs], x, result.outputs,
                                   result.outputs)
        for row in report["rows"]:
            console.print(", ".join(f"{k} = {v:g}" for k, v in row["inputs"].items()) + " -> "
                          + ", ".join(f"{k} = {v:.4g}" for k, v in row["outputs"].items()), highlight=False)
    if json_out is not None:
        write_json(json_out, report)
    print_warnings(warnings)

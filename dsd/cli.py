"""The ``dsd`` command line: one thin command per stage, calling the same functions as Python.

User errors (a missing file, a malformed CRN line, a bad spec, a wrong-shape model) print one line
``error: ...`` on stderr and exit with status 2; set ``DSD_DEBUG=1`` to see tracebacks.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Compile trained binary-weight ReLU networks into chemical reaction networks and DNA circuits.",
)
console = Console()
err_console = Console(stderr=True)


def _user_errors(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except (ValueError, FileNotFoundError, OSError, KeyError, yaml.YAMLError, RuntimeError) as exc:
            if os.environ.get("DSD_DEBUG"):
                raise
            message = " ".join(str(exc).split()) or type(exc).__name__
            err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=err_console,
        disable=not err_console.is_terminal,
    )


def _epoch_callback(progress: Progress):
    task = None

    def callback(epoch: int, n_epochs: int, metrics: dict) -> None:
        nonlocal task
        if task is None:
            task = progress.add_task("training", total=n_epochs, info="")
        acc = metrics.get("val_accuracy")
        progress.update(task, completed=epoch + 1, info=f"val acc {acc:.3f}" if acc is not None else "")

    return callback


def _write_json(path: Path, data: dict) -> None:
    from crn.atomic import atomic_write_text

    atomic_write_text(Path(path), json.dumps(data, indent=1) + "\n")


# --- train ----------------------------------------------------------------------------------------
@app.command()
@_user_errors
def train(
    dataset: str = typer.Option("iris", help="iris | digits | heart | mnist | csv"),
    hidden: list[int] = typer.Option([8], help="hidden layer sizes (repeat for more layers)"),
    weights: str = typer.Option("binary", help="binary (±1) | ternary (−1/0/+1)"),
    out: Path = typer.Option(Path("model.npz"), help="model file to write (.npz, plus a readable .json)"),
    seed: int = typer.Option(0, help="random seed (training is deterministic per seed)"),
    epochs: Optional[int] = typer.Option(None, help="override the dataset's default epoch count"),
    path: Optional[Path] = typer.Option(None, help="data file/folder for mnist (IDX files) or csv"),
    label_column: Optional[str] = typer.Option(None, help="label column of a csv dataset"),
    spec: Optional[Path] = typer.Option(None, help="take dataset, network and training from a build spec"),
):
    """Train a BinaryConnect network and write it as a model file."""
    from dsd.build import train_network
    from dsd.spec import load_spec, parse_spec

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
    with _progress() as progress:
        trained = train_network(build_spec, progress=_epoch_callback(progress))
    from nn.modelfile import save_model

    save_model(out, trained)
    console.print(
        f"trained {'-'.join(map(str, trained.network.dims))} {trained.network.weights_kind} network on "
        f"{build_spec.dataset.name}: accuracy {trained.accuracy:.4f} in {trained.seconds:.1f} s -> {out}"
    )


# --- compile --------------------------------------------------------------------------------------
@app.command("compile")
@_user_errors
def compile_cmd(
    model: Path = typer.Argument(..., help="model file (.npz/.json) or a reference-model JSON"),
    out: Path = typer.Option(..., help="CRN text file to write"),
    reduce: bool = typer.Option(False, "--reduce", help="apply Algorithm 2 (unimolecular elimination)"),
    inputs: str = typer.Option("dual", help="dual | shifted input encoding"),
    input_low: Optional[float] = typer.Option(None, help="lower bound of the inputs (shifted encoding)"),
    cancellation: bool = typer.Option(False, "--cancellation", help="add S+ + S- -> W for every pair"),
    fanout_limit: Optional[int] = typer.Option(None, help="max products per reaction (relay tree)"),
    sbml: Optional[Path] = typer.Option(None, help="also write SBML Level 3 here"),
):
    """Compile a network into a formal CRN (Algorithm 1, optionally reduced)."""
    from crn.compile import compile_network
    from crn.reduce import add_cancellation, limit_fanout, reduce_crn
    from crn.textformat import write_crn
    from nn.modelfile import load_model

    if inputs not in ("dual", "shifted"):
        raise ValueError(f"--inputs: unknown encoding {inputs!r}; expected dual or shifted")
    loaded = load_model(model)
    low = None
    if inputs == "shifted":
        if input_low is not None:
            low = np.full(loaded.network.dims[0], input_low)
        elif loaded.examples is not None:
            low = loaded.examples[0].min(axis=0)
        else:
            raise ValueError("--input-low: needed for the shifted encoding of a model without stored examples")
    crn = compile_network(loaded.network, inputs=inputs, input_low=low)
    if reduce:
        crn = reduce_crn(crn)
    if cancellation:
        crn = add_cancellation(crn)
    if fanout_limit is not None:
        crn = limit_fanout(crn, fanout_limit)
    write_crn(crn, out, header=f"compiled from {model}{' (reduced)' if reduce else ''}")
    if sbml is not None:
        from crn.atomic import atomic_write_text
        from crn.sbml import crn_to_sbml

        atomic_write_text(sbml, crn_to_sbml(crn))
    s = crn.stats()
    console.print(f"{s['reactions']} reactions ({s['unimolecular']} unimolecular, {s['bimolecular']} bimolecular), "
                  f"{s['species']} species -> {out}")


# --- stats ----------------------------------------------------------------------------------------
@app.command()
@_user_errors
def stats(
    crn_file: Path = typer.Argument(..., metavar="CRN", help="CRN text file"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="also write the counts as JSON"),
):
    """Count reactions, species and the largest fan-out of a CRN."""
    from crn.textformat import read_crn

    s = read_crn(crn_file).stats()
    table = Table(show_header=False, box=None)
    for k, v in s.items():
        table.add_row(k, str(v))
    console.print(table)
    if json_out is not None:
        _write_json(json_out, s)


# --- simulate -------------------------------------------------------------------------------------
@app.command()
@_user_errors
def simulate(
    crn_file: Path = typer.Argument(..., metavar="CRN", help="CRN text file"),
    model: Path = typer.Option(..., help="the network the CRN was compiled from (its examples are used)"),
    examples: Optional[int] = typer.Option(None, help="simulate the first N examples (default all)"),
    t_end: float = typer.Option(50.0, help="simulated time (formal units; rate constants 1)"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the results as JSON"),
):
    """Simulate a CRN on the model's examples and compare with the network."""
    from crn.analysis import agreement, convergence_times
    from crn.simulate import simulate as run
    from crn.textformat import read_crn
    from dsd.build import model_examples

    crn = read_crn(crn_file)
    network, x = model_examples(model)
    if len(crn.inputs) != network.dims[0]:
        raise ValueError(f"the CRN has {len(crn.inputs)} inputs but the model has {network.dims[0]}")
    if len(crn.outputs) != network.dims[-1]:
        raise ValueError(f"the CRN has {len(crn.outputs)} outputs but the model has {network.dims[-1]}")
    if examples is not None:
        x = x[:examples]
    with err_console.status(f"simulating {len(x)} examples to t = {t_end:g}"):
        result = run(crn, x, t_end=t_end)
    report = {"examples": len(x), **agreement(result.outputs, network.forward(x)),
              "seconds": result.seconds, "t_end": t_end}
    times = convergence_times(result)
    report["stabilisation_time_median"] = float(np.median(times["stabilisation_time"]))
    console.print(f"{report['argmax_match']}/{report['examples']} examples: CRN argmax equals the network; "
                  f"max |CRN - network| = {report['max_abs_error']:.2e}; {report['seconds']:.2f} s")
    if json_out is not None:
        _write_json(json_out, report)


# --- build ----------------------------------------------------------------------------------------
@app.command()
@_user_errors
def build(
    spec: Path = typer.Argument(..., help="build spec (YAML), e.g. protocols/iris.yaml"),
    out: Optional[Path] = typer.Option(None, help="build folder (default build/<name>)"),
    force: bool = typer.Option(False, "--force", help="re-run cached stages"),
):
    """Run the whole chain of a spec into its build folder."""
    from dsd.build import run_build
    from dsd.spec import load_spec

    build_spec = load_spec(spec)
    out_dir = out if out is not None else Path("build") / build_spec.name
    with _progress() as progress:
        result = run_build(build_spec, out_dir, force=force, progress=_epoch_callback(progress),
                           log=lambda s: err_console.print(s, markup=False, highlight=False))
    for c in result.checks:
        mark = "[green]pass[/green]" if c["pass"] else "[red]FAIL[/red]"
        console.print(f"{mark} {c['check']}: {c['value']}")
    if result.reused:
        console.print(f"reused cached stages: {', '.join(result.reused)}")
    console.print(f"build written to {out_dir}")
    if not result.ok:
        raise typer.Exit(1)


def main() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())

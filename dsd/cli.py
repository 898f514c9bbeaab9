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
    from crn.forms import formal_form
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
    crn = formal_form(crn, reduce=reduce, cancellation=cancellation, fanout_limit=fanout_limit)
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
    from dsd.pipeline.build import model_examples

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


# --- DNA: translate, verify, gatesim ----------------------------------------------------------------
def _model_inputs(model: Path | None, crn):
    """(network, x) from a model file, checked against the CRN's inputs/outputs; (None, None)."""
    if model is None:
        return None, None
    from dsd.pipeline.build import model_examples

    network, x = model_examples(model)
    if len(crn.inputs) != network.dims[0] or len(crn.outputs) != network.dims[-1]:
        raise ValueError(f"the CRN has {len(crn.inputs)} inputs and {len(crn.outputs)} outputs but the model is "
                         f"{'-'.join(map(str, network.dims))}")
    return network, x


@app.command()
@_user_errors
def translate(
    crn_file: Path = typer.Argument(..., metavar="CRN", help="formal CRN text file"),
    out: Path = typer.Option(..., help="PIL file to write (Peppercorn/Nuskell-readable)"),
    scheme: str = typer.Option("soloveichik2010", help="translation scheme"),
    toehold: int = typer.Option(6, help="toehold length (nt)"),
    long: int = typer.Option(15, help="long (and history) domain length (nt)"),
    model: Optional[Path] = typer.Option(None, help="size gates from this model's example input range"),
    input_range: Optional[tuple[float, float]] = typer.Option(None, help="size gates for inputs in [LOW, HIGH]"),
    unit_nm: float = typer.Option(10.0, "--unit-nm", help="1 formal unit of concentration (nM)"),
    safety: float = typer.Option(2.0, help="gate/fuel excess over the firing bound"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write counts (and sizing) as JSON"),
):
    """Translate a formal CRN into strand-displacement gates (a domain-level system)."""
    from crn.atomic import atomic_write_text
    from crn.textformat import format_crn, read_crn
    from dsd.schemes import make_scheme
    from dsd.pil import scheme_header
    from dsd.translate import system_summary, translate_sized
    from dsd.pil import format_pil
    from dsd.translate import translate as run

    crn = read_crn(crn_file)
    sch = make_scheme(scheme, toehold, long, long)
    network, x = _model_inputs(model, crn)
    sizing = None
    if input_range is not None:
        system, sizing = translate_sized(crn, sch, input_range[0], input_range[1], unit_nM=unit_nm, safety=safety)
    elif x is not None:
        system, sizing = translate_sized(crn, sch, x.min(axis=0), x.max(axis=0), unit_nM=unit_nm, safety=safety,
                                         examples=x)
    else:
        system = run(crn, sch)
    atomic_write_text(out, format_pil(system, scheme_header(sch, sizing), format_crn(crn)))
    counts = system.counts() if sizing is None else system_summary(system, sizing)
    console.print(f"{counts['complexes']} complexes, {counts['strands']} strands, {counts['domains']} domains, "
                  f"{counts['nucleotides']} nt ({sch.name}) -> {out}"
                  + ("" if sizing is not None else " (unsized: give --model or --input-range for concentrations)"))
    if json_out is not None:
        _write_json(json_out, counts)


@app.command()
@_user_errors
def verify(
    pil: Path = typer.Argument(..., help="domain-level system written by dsd translate"),
    crn_file: Path = typer.Option(..., "--crn", help="the formal CRN the system must implement"),
    scheme: Optional[str] = typer.Option(None, help="scheme (default: the one named in the PIL file)"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the per-shape results as JSON"),
):
    """Check the system against the formal CRN: Peppercorn enumeration + CRN bisimulation per shape."""
    from crn.textformat import read_crn
    from dsd.pil import scheme_from_header
    from dsd.verify import verification_report
    from dsd.pil import parse_pil, pil_header
    from dsd.verify import verify_system

    crn = read_crn(crn_file)
    if not pil.is_file():
        raise FileNotFoundError(f"PIL file {pil} does not exist")
    text = pil.read_text()
    sch = scheme_from_header(pil_header(text), scheme)
    system, _, _ = parse_pil(text, str(pil), sch.species_of_strands)
    with _progress() as progress:
        task = progress.add_task("verifying shapes", total=None, info="")

        def tick(res):
            progress.update(task, advance=1, info=f"{res.shape[:40]} {'ok' if res.passed else 'FAILED'}")

        results = verify_system(system, crn, sch, progress=tick)
    report = verification_report(results)
    failed = [r for r in results if not r.passed]
    for r in failed[:5]:
        line = f"FAILED {r.shape} (reactions {list(r.reactions)[:10]}): {r.detail}"
        err_console.print(line if len(line) <= 400 else line[:397] + "...", markup=False, highlight=False,
                          soft_wrap=True)
    if len(failed) > 5:
        err_console.print(f"... and {len(failed) - 5} more failures (see --json)")
    console.print(f"{sum(r.passed for r in results)}/{len(results)} shapes pass CRN bisimulation, covering "
                  f"{report['reactions']} of {len(crn.reactions)} reactions ({report['seconds']:.1f} s)")
    if json_out is not None:
        _write_json(json_out, report)
    if not report["passed"] or report["reactions"] != len(crn.reactions):
        raise typer.Exit(1)


@app.command()
@_user_errors
def gatesim(
    pil: Path = typer.Argument(..., help="sized domain-level system written by dsd translate --model"),
    model: Path = typer.Option(..., help="the network (its examples are the inputs)"),
    examples: Optional[int] = typer.Option(None, help="simulate the first N examples (default all)"),
    hours: float = typer.Option(48.0, help="simulated time (hours)"),
    leak: float = typer.Option(0.0, help="leak rate constant of every gate (/nM/s; 1e-9 is typical)"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the results as JSON"),
):
    """Simulate the gate-level system (nM, s) on the model's examples; compare with the network."""
    from crn.textformat import parse_crn
    from dsd.gatesim import gate_report
    from dsd.pil import scheme_from_header
    from dsd.pil import parse_pil, pil_header

    if not pil.is_file():
        raise FileNotFoundError(f"PIL file {pil} does not exist")
    text = pil.read_text()
    header = pil_header(text)
    if "unit_nM" not in header:
        raise ValueError(f"{pil} is not sized (no #| unit_nM); write it with dsd translate --model")
    sch = scheme_from_header(header)
    system, _, crn_text = parse_pil(text, str(pil), sch.species_of_strands)
    if not crn_text:
        raise ValueError(f"{pil} does not embed its formal CRN (#> lines); write it with dsd translate")
    crn = parse_crn(crn_text, f"{pil} (embedded CRN)")
    network, x = _model_inputs(model, crn)
    if examples is not None:
        x = x[:examples]
    with err_console.status(f"simulating the gates for {len(x)} examples, {hours:g} h"):
        report, _ = gate_report(crn, system, sch, float(header["unit_nM"]), x, network.forward(x),
                                leak_per_nM_s=leak, hours=hours)
    console.print(f"{report['argmax_match']}/{report['examples']} examples: gate-level argmax equals the network; "
                  f"max |gates - network| = {report['max_abs_error']:.2e}; decided after "
                  f"{report['hours_to_converge']:.2f} h; {report['seconds']:.1f} s")
    if json_out is not None:
        _write_json(json_out, report)


@app.command()
@_user_errors
def design(
    pil: Path = typer.Argument(..., help="domain-level system written by dsd translate"),
    out: Path = typer.Option(..., help="folder for domains.csv, strands.csv and checks.csv"),
    seed: int = typer.Option(0, help="seed of the search (same seed, same sequences)"),
    backend: Optional[str] = typer.Option(None, help="auto | nupack | viennarna (default: the spec's, else auto)"),
    spec: Optional[Path] = typer.Option(None, help="take the sequences: section (rules, conditions) from a spec"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write a summary as JSON"),
):
    """Design domain sequences for a system and check them (rules, then thermodynamics)."""
    from dataclasses import replace

    from dsd.pipeline.design import design_report, design_system
    from dsd.pil import scheme_from_header
    from dsd.pil import parse_pil, pil_header
    from dsd.pipeline.spec import SequencesSpec, load_spec
    from sequences.io import write_design

    if not pil.is_file():
        raise FileNotFoundError(f"PIL file {pil} does not exist")
    text = pil.read_text()
    header = pil_header(text)
    sch = scheme_from_header(header) if "scheme" in header else None
    system, _, _ = parse_pil(text, str(pil), sch.species_of_strands if sch else None)
    seq_spec = load_spec(spec).sequences if spec is not None else SequencesSpec()
    if backend is not None:
        if backend not in ("auto", "nupack", "viennarna"):
            raise ValueError(f"--backend: unknown backend {backend!r}; expected auto, nupack or viennarna")
        seq_spec = replace(seq_spec, backend=backend)
    with err_console.status(f"designing {len(system.domains)} domains"):
        result = design_system(system, seq_spec, seed)
    out.mkdir(parents=True, exist_ok=True)
    write_design(result, out)
    report = design_report(result)
    console.print(f"{report['domains']} domains ({result.backend}, k-mer k = {result.kmer_k}) -> {out}; "
                  f"{sum(c.passed for c in result.checks)}/{len(result.checks)} checks pass")
    if json_out is not None:
        _write_json(json_out, report)
    if not result.passed:
        for what, n in report["failures"].items():
            err_console.print(f"FAILED {what}: {n} subject(s) (see {out / 'checks.csv'})", markup=False,
                              highlight=False)
        raise typer.Exit(1)


# --- report ---------------------------------------------------------------------------------------
@app.command()
@_user_errors
def report(
    build_dir: Path = typer.Argument(..., help="a build folder written by dsd build"),
    out: Optional[Path] = typer.Option(None, help="HTML file to write (default BUILD_DIR/report.html)"),
    examples: int = typer.Option(3, help="examples whose formal and gate-level trajectories are drawn"),
    confidence: str = typer.Option("margin", help="margin | softmax: the network confidence of the scatter plot"),
    prices: Optional[Path] = typer.Option(None, help="YAML price table: currency, per_nt (by scale code), "
                                                     "per_strand (by purification), per_modification"),
):
    """(Re)write a build's self-contained HTML report, e.g. with your vendor's prices."""
    from dsd.report import write_report

    table = None
    if prices is not None:
        if not prices.is_file():
            raise FileNotFoundError(f"--prices: file {prices} does not exist")
        table = yaml.safe_load(prices.read_text())
        if not isinstance(table, dict):
            raise ValueError(f"--prices: {prices} must hold a mapping (currency, per_nt, per_strand, ...)")
    path = write_report(build_dir, out, examples_to_plot=examples, price_table=table, confidence=confidence)
    console.print(f"report written to {path}")


# --- build ----------------------------------------------------------------------------------------
@app.command()
@_user_errors
def build(
    spec: Path = typer.Argument(..., help="build spec (YAML), e.g. protocols/iris.yaml"),
    out: Optional[Path] = typer.Option(None, help="build folder (default build/<name>)"),
    force: bool = typer.Option(False, "--force", help="re-run cached stages"),
):
    """Run the whole chain of a spec into its build folder."""
    from dsd.pipeline.build import planned_stages, run_build
    from dsd.pipeline.spec import load_spec

    build_spec = load_spec(spec)
    out_dir = out if out is not None else Path("build") / build_spec.name
    stages = planned_stages(build_spec)
    with _progress() as progress:
        task = progress.add_task("build", total=len(stages), info="")
        done: list[str] = []

        def on_stage(name: str) -> None:
            if done:
                progress.advance(task)
            done.append(name)
            progress.update(task, info=name)

        result = run_build(build_spec, out_dir, force=force, progress=_epoch_callback(progress),
                           log=lambda s: progress.console.print(s, markup=False, highlight=False),
                           on_stage=on_stage)
        progress.update(task, completed=len(stages), info="done")
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

"""``dsd report`` and ``dsd build``: a whole spec into a build folder, and its HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
import yaml

from dsd.cli._common import (app, compute_of, console, epoch_callback, input_dir, input_file, number, output_file,
                             progress_bar, scheduler_option, user_errors, workers_option)


@app.command()
@user_errors
def report(
    build_dir: Path = typer.Argument(..., metavar="DIR", callback=input_dir, help="a build folder written by dsd build"),
    out: Optional[Path] = typer.Option(None, metavar="FILE", callback=output_file,
                                       help="HTML file to write (default DIR/report.html)"),
    examples: int = typer.Option(3, metavar="N", callback=number(0, integer=True),
                                 help="examples whose formal and gate-level trajectories are drawn"),
    confidence: str = typer.Option("margin", metavar="KIND",
                                   help="margin | softmax: the network confidence of the scatter plot"),
    prices: Optional[Path] = typer.Option(None, metavar="FILE", callback=input_file,
                                          help="YAML price table: currency, per_nt (by scale code), "
                                               "per_strand (by purification), per_modification"),
):
    """(Re)write a build's self-contained HTML report, e.g. with your vendor's prices.

    \b
    Example:  dsd report build/iris --prices prices.yaml
    """
    from dsd.report import write_report

    table = None
    if prices is not None:
        table = yaml.safe_load(prices.read_text())
        if not isinstance(table, dict):
            raise ValueError(f"--prices: {prices} must hold a mapping (currency, per_nt, per_strand, ...)")
    path = write_report(build_dir, out, examples_to_plot=examples, price_table=table, confidence=confidence)
    console.print(f"report written to {path}")


@app.command()
@user_errors
def build(
    spec: Path = typer.Argument(..., metavar="SPEC", callback=input_file,
                                help="build spec (YAML), e.g. protocols/iris.yaml"),
    out: Optional[Path] = typer.Option(None, metavar="DIR",  # the build checks it (only a folder it wrote)
                                       help="build folder (default build/<name>)"),
    force: bool = typer.Option(False, "--force", help="re-run cached stages"),
    workers: Optional[int] = workers_option(),
    scheduler: Optional[str] = scheduler_option(),
):
    """Run the whole chain of a spec into its build folder.

    --workers / --scheduler override the spec's compute section (they change no result).

    \b
    Example:  dsd build protocols/iris.yaml --out build/iris
    """
    from dataclasses import replace

    from dsd.pipeline.build import planned_stages, run_build
    from dsd.pipeline.spec import ComputeSpec, load_spec

    compute_of(workers, scheduler)  # both given: an option error before anything is read
    build_spec = load_spec(spec)
    if workers is not None or scheduler is not None:
        build_spec = replace(build_spec, compute=ComputeSpec(workers=workers, scheduler=scheduler))
    out_dir = out if out is not None else Path("build") / build_spec.name
    stages = planned_stages(build_spec)
    with progress_bar() as progress:
        task = progress.add_task("build", total=len(stages), info="")
        done: list[str] = []

        def on_stage(name: str) -> None:
            if done:
                progress.advance(task)
            done.append(name)
            progress.update(task, info=name)

        result = run_build(build_spec, out_dir, force=force, progress=epoch_callback(progress),
                           log=lambda s: progress.console.print(s, markup=False, highlight=False),
                           on_stage=on_stage)
        progress.update(task, completed=len(stages), info="done")
    for c in result.checks:
        mark = "[green]pass[/green]" if c["pass"] else "[red]FAIL[/red]"
        mark = "[yellow]warn[/yellow]" if c.get("status") == "warn" else mark
        console.print(f"{mark} {c['check']}: {c['value']}")
    if result.reused:
        console.print(f"reused cached stages: {', '.join(result.reused)}")
    console.print(f"build written to {out_dir}")
    if not result.ok:
        raise typer.Exit(1)

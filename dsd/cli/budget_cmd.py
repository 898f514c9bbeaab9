"""``dsd budget SPEC``: the DNA-budget search of a spec (its ``budget:`` section), printed as the
accuracy-vs-cost Pareto front, without building."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from dsd.cli._common import app, console, input_file, json_option, number, progress_bar, user_errors, write_json


def front_table(record: dict) -> Table:
    """The Pareto front of a budget record (:meth:`dsd.pipeline.budget.BudgetSearch.record`) as a rich
    table, the chosen point marked."""
    from dsd.pipeline.budget import form_text

    measure = record["measure"]
    table = Table(title=f"Pareto front: accuracy vs {measure} ({record['tried']} points tried, "
                        f"budget {record['limit']} {measure})")
    for col in ("", "strands", "nt", "network", "nonzero", "CRN form", "reactions", "val acc", "train acc",
                "accuracy"):
        table.add_column(col, justify="left" if col in ("", "network", "CRN form") else "right",
                         no_wrap=col not in ("network", "CRN form"))
    chosen = record.get("chosen")
    for i in record["front"]:
        p = record["points"][i]
        mark = "chosen" if chosen is not None and p == chosen else ("" if p["fits"] else "over")
        style = "bold green" if mark == "chosen" else ("dim" if mark == "over" else None)
        table.add_row(mark, str(p["strands"]), str(p["nucleotides"]), p["network"], str(p["nonzero_weights"]),
                      form_text(p), str(p["reactions"]), f"{p['val_accuracy']:.1%}", f"{p['train_accuracy']:.1%}",
                      f"{p['accuracy']:.1%}", style=style)
    return table


@app.command()
@user_errors
def budget(
    spec: Path = typer.Argument(..., metavar="SPEC", callback=input_file,
                                help="build spec (YAML) with a budget section, e.g. protocols/iris-budget.yaml"),
    strands: Optional[int] = typer.Option(None, metavar="N", callback=number(1, integer=True),
                                          help="budget in strands.csv rows instead of the spec's"),
    nucleotides: Optional[int] = typer.Option(None, metavar="N", callback=number(1, integer=True),
                                              help="budget in nucleotides instead of the spec's"),
    json_out: Optional[Path] = json_option(),
):
    """Search network shapes, sparsity and CRN forms against a DNA budget and print the Pareto front.

    \b
    Example:  dsd budget protocols/iris-budget.yaml --strands 100
    """
    from dataclasses import replace

    from dsd.pipeline.budget import form_text, no_fit_message, search_budget
    from dsd.pipeline.spec import BudgetSpec, load_spec

    if strands is not None and nucleotides is not None:
        raise ValueError("--strands and --nucleotides: give one budget, not both")
    build_spec = load_spec(spec)
    if strands is not None or nucleotides is not None:
        build_spec = replace(build_spec, budget=BudgetSpec(strands=strands, nucleotides=nucleotides))
    if build_spec.budget is None:
        raise ValueError(f"{spec}: the spec has no budget section (add budget: {{strands: N}}) and no --strands "
                         "or --nucleotides was given")
    if build_spec.crn.path is not None or build_spec.network.load is not None:
        raise ValueError(f"{spec}: a budget search trains its networks; the spec starts from "
                         f"{'crn.path' if build_spec.crn.path else 'network.load'}")
    with progress_bar() as progress:
        task = progress.add_task("budget search", total=None, info="")

        def tick(done: int, total: int, name: str) -> None:
            progress.update(task, total=total, completed=done, info=f"trained {name}")

        search = search_budget(build_spec, tick)
    record = search.record()
    wide = console if console.is_terminal else Console(width=200)  # a pipe or a file gets whole rows
    wide.print(front_table(record))
    if json_out is not None:
        write_json(json_out, record)
    if search.chosen is None:
        raise ValueError(no_fit_message(search))
    p = record["chosen"]
    console.print(f"chosen: {p['network']} ({form_text(p)}): {p['strands']} strands, {p['nucleotides']} nt, "
                  f"accuracy {p['accuracy']:.1%} on {'the test split' if p['evaluated_on'] == 'test' else 'every example'}"
                  f"; {record['selection']} ({search.seconds:.1f} s)", highlight=False)

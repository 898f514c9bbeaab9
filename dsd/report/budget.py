"""The report's DNA-budget section (builds with a ``budget:`` spec section): the accuracy-vs-cost
Pareto front of every network x CRN form the budget stage tried (``budget.json``), the chosen point
and the budget, as a figure and a table. A build without ``budget.json`` has no such section."""

from __future__ import annotations

import json

from dsd.report.figures import png
from dsd.report.html import Section, e, figure, note, pct, table
from dsd.report.read import BuildFolder

BUDGET_FILE = "budget.json"
TITLE = "DNA budget"


def read_budget(b: BuildFolder) -> dict | None:
    """The build's budget.json, or None (no budget, or unreadable)."""
    path = b.path / BUDGET_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def form_text(p: dict) -> str:
    """A point's CRN form in words, e.g. ``reduced, fan-out <= 4``."""
    parts = ["reduced" if p["reduce"] else "unreduced"] + (["cancellation"] if p["cancellation"] else [])
    parts.append(f"fan-out <= {p['fanout_limit']}" if p["fanout_limit"] is not None else "no fan-out limit")
    return ", ".join(parts)


def pareto_png(record: dict) -> bytes:
    """Every point tried (cost, selection accuracy), the Pareto front as a step line, the budget as a
    vertical line and the chosen point as a star."""
    from matplotlib.figure import Figure

    measure, limit = record["measure"], record["limit"]
    points = record["points"]
    fig = Figure(figsize=(7.2, 4.4), dpi=100, layout="constrained")
    ax = fig.subplots()
    ax.scatter([p[measure] for p in points], [100 * p["val_accuracy"] for p in points], s=10, color="0.7",
               label=f"tried ({len(points)} network \u00d7 CRN-form points)")
    front = [points[i] for i in record["front"]]
    ax.step([p[measure] for p in front], [100 * p["val_accuracy"] for p in front], where="post", color="C0",
            marker="o", ms=4, lw=1.4, label="Pareto front")
    ax.axvline(limit, color="C3", ls="--", lw=1.2, label=f"budget: {limit} {measure}")
    chosen = record.get("chosen")
    if chosen is not None:
        ax.scatter([chosen[measure]], [100 * chosen["val_accuracy"]], s=180, marker="*", color="C2", zorder=5,
                   edgecolor="k", label=f"chosen: {chosen['network']}")
    ax.set_xlabel(f"{measure} (rows of strands.csv)" if measure == "strands" else "nucleotides (strands.csv)")
    ax.set_ylabel("accuracy on the selection split (%)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower right", fontsize=8)
    return png(fig)


def section_budget(b: BuildFolder) -> list[Section]:
    """The budget section, or nothing when the build had no budget."""
    record = read_budget(b)
    if record is None:
        return []
    measure, limit = record["measure"], record["limit"]
    chosen = record.get("chosen")
    what = ("rows of strands.csv, input and bias signal strands included, reporters excluded"
            if measure == "strands" else "total length of the strands.csv rows")
    parts = [f"<p>Budget: at most <b>{limit} {e(measure)}</b> ({what}). The build tried {record['tried']} points "
             f"({record['networks']} networks \u00d7 CRN forms) in {record['seconds']:.1f} s; "
             f"{e(record['selection'])}.</p>"]
    if chosen is not None:
        parts.append(f"<p>Chosen: <b>{e(chosen['network'])}</b>, {e(form_text(chosen))}: {chosen['strands']} strands, "
                     f"{chosen['nucleotides']} nt, accuracy {pct(chosen['accuracy'])} "
                     f"({'test split' if chosen['evaluated_on'] == 'test' else 'every example'}).</p>")
    else:
        parts.append(note("No point of the search fits the budget."))
    parts.append(figure(pareto_png(record), f"Accuracy against {measure} of every point the budget search tried, "
                                            "its Pareto front, the budget and the chosen point", "budget-pareto"))
    rows = []
    for i in record["front"]:
        p = record["points"][i]
        rows.append(["chosen" if p == chosen else ("" if p["fits"] else "over budget"), p["strands"],
                     p["nucleotides"], p["network"], p["nonzero_weights"], form_text(p), p["reactions"],
                     pct(p["val_accuracy"]), pct(p["train_accuracy"]), pct(p["accuracy"])])
    parts.append(table(["", "strands", "nt", "network", "nonzero weights", "CRN form", "reactions",
                        "selection acc.", "training acc.", "accuracy"], rows))
    return [Section("budget", TITLE, "\n".join(parts))]

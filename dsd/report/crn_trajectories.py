"""The report's trajectories of a CRN-only build (``formal_compare.json``, written by the inputs
stage): per input vector of ``simulation.inputs``, the gate-level outputs and the formal CRN's on
one time axis (formal time mapped to hours by the fitted hours per formal time unit), the largest
difference, and how many oscillation periods each output shows at the gate level."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from dsd.report.figures import png
from dsd.report.html import figure, kv_table, note, num, table

FORMAL_COMPARE_FILE = "formal_compare.json"


def formal_compare_html(build_dir: Path) -> str:
    """The subsection for ``build_dir``'s formal_compare.json ('' when the build has none)."""
    path = Path(build_dir) / FORMAL_COMPARE_FILE
    if not path.is_file():
        return ""
    try:
        data = json.loads(path.read_text())
        t = np.asarray(data["t_hours"], float)
        gate, formal = np.asarray(data["gate"], float), np.asarray(data["formal"], float)
        outs, x = list(data["outputs"]), data["x"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return note(f"{FORMAL_COMPARE_FILE} is unreadable ({exc})")
    tau = data.get("hours_per_formal_unit")
    rows = [("time scale", f"1 formal time unit = {num(tau)} h ({data.get('time_scale')}; nominal "
                           f"{num(data.get('nominal_hours_per_formal_unit'))} h)"),
            ("window compared", f"{num(data.get('window_hours'))} h (the sizing horizon, "
                                f"{num(data.get('horizon_formal'))} formal time units, at most the "
                                f"{num(data.get('hours_simulated'))} h run)"),
            ("leaks", f"{num(data.get('leak_per_nM_s'))} /nM/s, initial leak {num(data.get('initial_leak'))}"),
            ("max |gate level \u2212 formal| over the window", f"{num(data.get('max_abs_difference'))} formal units"),
            ("per output", ", ".join(f"{o} {num(v)}" for o, v in (data.get("max_abs_difference_per_output") or {}).items()))]
    if data.get("leak_free"):
        lf = data["leak_free"]
        rows.append(("the same with leak-free gates", f"{num(lf.get('max_abs_difference'))} formal units over "
                                                      f"{num(lf.get('window_hours'))} h (1 formal time unit = "
                                                      f"{num(lf.get('hours_per_formal_unit'))} h)"))
    if "max_abs_difference_at_readout" in data:
        rows.append((f"max |gate level \u2212 formal| at the read-out ({num(data['readout_hours'])} h)",
                     num(data["max_abs_difference_at_readout"])))
    osc = data.get("oscillation") or []
    period_rows = [(", ".join(f"{n} = {num(v)}" for n, v in zip(data.get("inputs") or [], xi)),
                    *[f"{o_['gate']['periods']} (period {num(o_['gate']['period'])} h)" for o_ in
                      (e.get(o, {"gate": {"periods": 0, "period": None}}) for o in outs)])
                   for xi, e in zip(x, osc)]
    body = ("<h3>Gate level vs the formal trajectories (formal_compare.json)</h3>"
            + note("The formal CRN is compared over time, not with a network: formal time = hours / the fitted "
                   "hours per formal time unit (one number for the whole run). Periods: full cycles of an output "
                   "over the whole gate-level run (midline up-crossings).")
            + kv_table(rows)
            + table(["inputs", *[f"{o}: gate-level periods" for o in outs]], period_rows))
    if "t_hours_run" in data:  # the whole run (builds from before it: the compared window only)
        t = np.asarray(data["t_hours_run"], float)
        gate, formal = np.asarray(data["gate_run"], float), np.asarray(data["formal_run"], float)
    window = float(data.get("window_hours") or t[-1])
    for i, xi in enumerate(x):
        caption = (f"Input vector {i + 1} ({', '.join(num(v, 3) for v in xi)}): gate level (solid) and formal CRN "
                   f"(dashed, formal time x {num(tau, 3)} h), formal units; shaded: the compared window.")
        body += figure(trajectories_png(t, gate[i], formal[i], outs, window), caption, f"formal-compare-{i}")
        lf = data.get("leak_free") or {}
        if "gate_run" in lf:
            caption = (f"Input vector {i + 1} with leak-free gates (no leak, no initial leak): gate level (solid) "
                       f"and formal CRN (dashed, formal time x {num(lf.get('hours_per_formal_unit'), 3)} h).")
            body += figure(trajectories_png(np.asarray(lf["t_hours_run"], float), np.asarray(lf["gate_run"], float)[i],
                                            np.asarray(lf["formal_run"], float)[i], outs,
                                            float(lf.get("window_hours") or 0.0) or None),
                           caption, f"formal-compare-leak-free-{i}")
    return body


def trajectories_png(t: np.ndarray, gate: np.ndarray, formal: np.ndarray, outs: list[str],
                     window_hours: float | None = None) -> bytes:
    """Every output against hours: gate level solid, formal dashed in the same colour; the
    compared window shaded."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.2), dpi=100, layout="constrained")
    ax = fig.subplots()
    for k, o in enumerate(outs):
        ax.plot(t, gate[:, k], color=f"C{k % 10}", lw=1.6, label=f"{o} (gates)")
        ax.plot(t, formal[:, k], color=f"C{k % 10}", lw=1.0, ls="--", label=f"{o} (formal)")
    if window_hours is not None and len(t) and window_hours < t[-1]:
        ax.axvspan(0.0, window_hours, color="0.9", zorder=0)
    ax.set_xlabel("time (h)")
    ax.set_ylabel("concentration (formal units)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    return png(fig)

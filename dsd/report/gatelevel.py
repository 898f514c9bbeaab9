"""The report's gate-level part (from ``gatesim.json`` only): agreement with the network at the
read-out time (chosen without labels, and how) and at the end of the run, agreement against
time, the leak sweep as a table and a figure, and the reactions that hold back a read-out or
consumed species."""

from __future__ import annotations

from dsd.report.figures import png
from dsd.report.html import DASH, Raw, figure, kv_table, note, num, table


def gate_level_html(g: dict) -> str:
    """The gate-level subsection of the agreement section."""
    n = g.get("examples")
    readout = g.get("readout_hours")
    if readout is None:  # a build from before the label-free read-out
        return "<h3>Gate level (gatesim.json)</h3>" + note(
            "gatesim.json has no read-out time (a build from before the label-free read-out): rebuild to see the "
            "gate-level agreement at a read-out time a lab can use")
    rows = [("examples", n),
            ("read-out time", f"{num(readout)} h: {g.get('readout_rule', DASH)}"),
            (f"argmax agreement at the read-out ({num(readout)} h)", f"{g.get('argmax_match')}/{n}"),
            (f"argmax agreement at the end of the run ({num(g.get('hours_simulated'))} h)",
             f"{g.get('argmax_match_end')}/{n}"),
            ("max |gates \u2212 network| at the read-out / at the end",
             f"{num(g.get('max_abs_error'))} / {num(g.get('max_abs_error_end'))}"),
            ("classification decided after (max / median)",
             f"{num(g.get('hours_to_converge'))} h / {num(g.get('hours_to_converge_median'))} h"),
            ("all outputs settled after", f"{num(g.get('hours_to_settle'))} h"),
            ("leaks of this run", f"gate-fuel and bimolecular leak {num(g.get('leak_per_nM_s'))} /nM/s, initial leak "
                                  f"{num(g.get('initial_leak'))} (fraction of every gate's output free at t = 0)"),
            ("gate-level CRN", f"{g.get('gate_reactions')} reactions, {g.get('gate_species')} species, "
                               f"1 unit = {num(g.get('unit_nM'))} nM")]
    ideal = g.get("leak_free")
    if ideal:
        rows.insert(4, ("leak-free gates: agreement at the read-out / at the end",
                        f"{ideal.get('argmax_match')}/{n} / {ideal.get('argmax_match_end')}/{n}"))
    parts = ["<h3>Gate level (gatesim.json)</h3>", kv_table(rows)]
    parts.append(note("The read-out time is chosen without looking at the labels or at which examples agree: the "
                      "leak-free run's settle time plus a margin, or the time the spec gives (dsd.readout_hours). "
                      "Every leak case below is read at that same time."))
    curves = g.get("agreement_over_time") or []
    if curves and n:
        parts.append(figure(agreement_png(curves, readout, n),
                            f"Argmax agreement with the network against time, per leak case; dotted: the read-out "
                            f"time ({num(readout)} h).", "gate-agreement-time"))
    parts.append(leak_sweep_html(g))
    parts.append(designed_html(g))
    parts.append(held_back_html(g.get("held_back")))
    return "".join(parts)


def leak_sweep_html(g: dict) -> str:
    """The leak sweep (gate-fuel leak x initial leak) as a table, with what the sizing trades."""
    sweep = g.get("leak_sweep")
    if not sweep:
        return note("gatesim.json has no leak sweep (a build from before it)")
    n = g.get("examples")
    rows = [(f"{e['leak_per_nM_s']:g}", f"{e['initial_leak']:g}", e["readout_hours"],
             Raw(f"{e['argmax_match']}/{n}"), e["max_abs_error"],
             Raw(f"{e.get('argmax_match_end', DASH)}/{n}")) for e in sweep]
    return ("<h4>Leak sweep</h4>"
            + table(["leak (/nM/s)", "initial leak", "read-out (h)", "agreement at the read-out",
                     "max |gates \u2212 network| at the read-out", "agreement at the end"], rows)
            + note("Gate-fuel leak (1e-9 to 1e-8 /nM/s is measured for well-designed gates) keeps releasing output "
                   "after the computation is done, so agreement falls with time; initial leak (output free at t = 0 "
                   "from imperfect annealing) is there from the start. Tighter sizing (dsd.safety closer to 1) means "
                   "less gate to leak and less DNA, traded for a slightly slower finish and less slack for "
                   "pipetting error."))


def designed_html(g: dict) -> str:
    """Whether the kinetics used the designed sequences (toehold dG, occlusion sites), and the run
    without the occlusion sites."""
    info = g.get("designed_sequences")
    if not info or not info.get("used"):
        return note("Toehold rates from the target free energy per toehold length (no designed sequences used).")
    out = "<h4>Designed sequences in the kinetics</h4>" + "".join(note(line) for line in info.get("notes", []))
    w = g.get("without_occlusion_sites")
    if w:
        n = g.get("examples")
        out += table(["run", "read-out (h)", "agreement at the read-out", "decided after (h)"],
                     [("with the occlusion sites", g.get("readout_hours"), Raw(f"{g.get('argmax_match')}/{n}"),
                       g.get("hours_to_converge")),
                      ("without them", w.get("readout_hours"), Raw(f"{w.get('argmax_match')}/{n}"),
                       w.get("hours_to_converge"))])
    return out


def held_back_html(held: list | None) -> str:
    """The reactions whose gate holds back a species that is read out or consumed elsewhere."""
    if held is None:
        return ""
    if not held:
        return note("No gate holds back a species that is read out or consumed elsewhere (every bimolecular "
                    "gate's first input is used by that gate only).")
    rows = [(h["reaction"], h["species"], "read out" if h.get("read_out") else "consumed elsewhere",
             h["fraction"]) for h in held]
    return ("<h4>Held-back inputs</h4>" + table(["reaction", "species", "why it matters",
                                                  "fraction held back ([gate]/[helper])"], rows))


def agreement_png(curves: list[dict], readout: float, examples: int) -> bytes:
    """Argmax agreement (examples) against hours (log axis) per leak case, read-out dotted."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.2, 3.8), dpi=100, layout="constrained")
    ax = fig.subplots()
    for i, c in enumerate(curves):
        t = [h for h in c["t_hours"]]
        keep = [j for j, h in enumerate(t) if h > 0]
        ax.plot([t[j] for j in keep], [c["argmax_match"][j] for j in keep], lw=1.4, color=f"C{i % 10}",
                label=f"leak {c['leak_per_nM_s']:g} /nM/s, initial {c['initial_leak']:g}")
    ax.axvline(readout, color="0.3", ls=":", lw=1.0)
    ax.set_xscale("log")
    ax.set_xlim(left=0.01)
    ax.set_ylim(0, examples * 1.02)
    ax.set_xlabel("time (hours)")
    ax.set_ylabel(f"argmax agreement (of {examples})")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="lower left")
    return png(fig)


def inputs_html(data: dict) -> str:
    """A CRN-only build's ``simulation.inputs`` (inputs.json): a table and a figure of the gate
    level at the read-out time against the formal CRN at the end of its run."""
    outs = data.get("outputs") or []
    rows = data.get("rows") or []
    gate = data.get("gate_level")
    head = (f"Gate level read at {num(data.get('readout_hours'))} h ({data.get('readout_rule')}), leak "
            f"{num(data.get('leak_per_nM_s'))} /nM/s, initial leak {num(data.get('initial_leak'))}; formal CRN at "
            f"t = {num(data.get('formal_t_end'))}." if gate else
            "The gates were not sized (no crn.input_range): only the formal CRN was simulated.")
    table_rows = [(", ".join(f"{k} = {num(v)}" for k, v in r["inputs"].items()),
                   *[r["outputs"][o] for o in outs], *[r["formal_outputs"][o] for o in outs]) for r in rows]
    body = ("<h3>Input vectors (simulation.inputs, inputs.json)</h3>" + note(head)
            + table(["inputs", *[f"{o} (gates)" for o in outs], *[f"{o} (formal)" for o in outs]], table_rows))
    if rows and outs and gate:
        body += figure(inputs_png(rows, outs), "Each input vector's outputs: gate level at the read-out time "
                                               "(bars) and the formal CRN (black ticks), formal units.", "inputs")
    return body


def inputs_png(rows: list[dict], outs: list[str]) -> bytes:
    """Grouped bars: per input vector and output, the gate level with the formal value as a tick."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(4.0, 1.2 * len(rows) * len(outs) + 1.5), 3.4), dpi=100, layout="constrained")
    ax = fig.subplots()
    width = 0.8 / len(outs)
    for k, o in enumerate(outs):
        xs = [i + k * width for i in range(len(rows))]
        ax.bar(xs, [r["outputs"][o] for r in rows], width=width * 0.9, color=f"C{k % 10}", label=o)
        ax.scatter(xs, [r["formal_outputs"][o] for r in rows], marker="_", s=300, color="black", zorder=3)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(rows))])
    ax.set_xticklabels([", ".join(f"{v:g}" for v in r["inputs"].values()) for r in rows], fontsize=8)
    ax.set_xlabel("input vector (" + ", ".join(rows[0]["inputs"]) + ")")
    ax.set_ylabel("output (formal units)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return png(fig)

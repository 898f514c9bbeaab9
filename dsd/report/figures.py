"""The report's figures, drawn with matplotlib's Agg canvas (no pyplot state) into PNG bytes.

- :func:`trajectory_png`: one example's output trajectories, formal CRN (formal time) and, when
  the build simulated it, the gate level (hours, log axis), with the network's outputs dashed
  (ICML 2020 Figure 2 style);
- :func:`confidence_png`: stabilisation time (formal time) against the network's confidence over
  every simulated example.
"""

from __future__ import annotations

import io

import numpy as np

from dsd.report.html import num, r_text
from dsd.report.read import Trajectories


def trajectory_png(formal: Trajectories, gates: Trajectories | None, j: int, net_out: np.ndarray) -> bytes:
    """Example ``j`` of ``formal`` (and of ``gates``, row ``j`` for the same example) against the
    network's outputs ``net_out`` (formal units)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.5, 3.4) if gates is not None else (6.0, 3.4), dpi=100, layout="constrained")
    axes = fig.subplots(1, 2 if gates is not None else 1, squeeze=False)[0]
    _plot_formal(axes[0], formal, j, net_out)
    if gates is not None:
        _plot_gates(axes[1], gates, j, net_out)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize=9)
    return png(fig)


def confidence_png(conf: np.ndarray, stab: np.ndarray, correct: np.ndarray | None, confidence_label: str,
                   r: float) -> bytes:
    """Scatter of stabilisation time ``stab`` (formal time) against ``conf``; examples the network
    gets wrong (``correct`` False) drawn as red crosses when labels are known."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.4), dpi=100, layout="constrained")
    ax = fig.subplots()
    if correct is not None:
        ax.scatter(conf[correct], stab[correct], s=18, alpha=0.75, label="network correct")
        ax.scatter(conf[~correct], stab[~correct], s=28, marker="x", color="tab:red", label="network wrong")
        ax.legend(loc="upper right", fontsize=8)
    else:
        ax.scatter(conf, stab, s=18, alpha=0.75)
    ax.set_xlabel(f"network confidence: {confidence_label}")
    ax.set_ylabel("stabilisation time (formal units)")
    ax.set_title(f"Pearson r = {r_text(r)} (n = {len(stab)})")
    ax.grid(alpha=0.3)
    return png(fig)


def png(fig) -> bytes:
    """``fig`` rendered as PNG bytes at 100 dpi."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _plot_formal(ax, formal: Trajectories, j: int, net_out: np.ndarray) -> None:
    t, traj = formal.t, formal.y[j]
    stab = float(formal.stabilised[j])
    t_max = float(t[-1]) if len(t) else 1.0
    # show the dynamics, not the long 1/t tails: up to twice the time after which every output
    # stays within 1 % of its final value (relative to the largest final |value|)
    tol = 0.01 * max(float(np.max(np.abs(traj[-1]))), 1e-12) if traj.size else 0.0
    far = np.abs(traj - traj[-1]).max(axis=1) > tol if traj.size else np.zeros(0, bool)
    near = float(t[min(len(t) - 1, len(far) - int(np.argmax(far[::-1])))]) if far.any() else 0.0
    shown = min(t_max, max(2.0 * near, 3.0 * stab, 0.05 * t_max))
    for o, name in enumerate(formal.outputs):
        color = f"C{o % 10}"
        ax.plot(t, traj[:, o], color=color, lw=1.6, label=name)
        ax.axhline(net_out[o], color=color, ls="--", lw=1.0)
    if stab > 0:
        ax.axvline(stab, color="0.3", ls=":", lw=1.0)
    ax.set_xlim(0, shown)
    ax.set_xlabel("time (formal units)")
    ax.set_ylabel("output value (formal units)")
    ax.set_title("formal CRN")
    ax.grid(alpha=0.3)


def _plot_gates(ax, gates: Trajectories, j: int, net_out: np.ndarray) -> None:
    t, traj = gates.t, gates.y[j]
    keep = t > 0  # log axis: the grid is 0, then geometric from 1 s
    for o, name in enumerate(gates.outputs):
        color = f"C{o % 10}"
        ax.plot(t[keep], traj[keep, o], color=color, lw=1.6, label=name)
        ax.axhline(net_out[o], color=color, ls="--", lw=1.0)
    stab = float(gates.stabilised[j])
    if stab > 0:
        ax.axvline(stab, color="0.3", ls=":", lw=1.0)
    ax.set_xscale("log")
    ax.set_xlabel("time (hours)")
    ax.set_ylabel("([y+] \u2212 [y\u2212]) / unit_nM")
    ax.set_title(f"gate level ({num(gates.unit_nM)} nM per unit)" if gates.unit_nM else "gate level")
    ax.grid(alpha=0.3, which="both")

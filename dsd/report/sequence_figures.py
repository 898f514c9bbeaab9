"""The sequence section's figure: crosstalk of the designed long/history domains against the same
domains with their letters shuffled (same composition), from ``design.json``'s
``stats.crosstalk`` (written by ``sequences.checks.crosstalk_rows``).

Each histogram counts ordered domain pairs (a, b) by the ViennaRNA MFE ΔG of ``a + b*``
(kcal/mol, 1 kcal/mol bins); the dashed line is the threshold the ``crosstalk_rate`` check counts
below. Shown as fractions of the pairs folded, so the two curves compare although the shuffled
baseline folds a seeded sample.
"""

from __future__ import annotations

import numpy as np

from dsd.report.figures import png
from dsd.report.html import figure


def crosstalk_png(edges: list[float], designed: list[int], shuffled: list[int] | None, threshold_kcal: float,
                  rates: tuple[float, float | None]) -> bytes:
    """Step histograms (fraction of pairs per 1 kcal/mol bin) of designed and shuffled domains."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.6), dpi=100, layout="constrained")
    ax = fig.subplots()
    x = np.asarray(edges, dtype=float)
    for counts, label, colour in ((designed, f"designed ({rates[0]:.1%} below)", "tab:blue"),
                                  (shuffled, f"shuffled, same composition ({(rates[1] or 0):.1%} below)",
                                   "tab:orange")):
        if counts is None:
            continue
        c = np.asarray(counts, dtype=float)
        ax.stairs(c / max(c.sum(), 1.0), x, label=label, color=colour, linewidth=1.6)
    ax.axvline(threshold_kcal, color="k", linestyle="--", linewidth=1, label=f"{threshold_kcal:g} kcal/mol")
    ax.set_xlabel("ΔG(a + b*) of ordered long/history domain pairs (kcal/mol)")
    ax.set_ylabel("fraction of pairs")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return png(fig)


def crosstalk_html(design: dict | None) -> str:
    """The figure with its caption, or "" when the build recorded no crosstalk histogram."""
    x = ((design or {}).get("stats") or {}).get("crosstalk") or {}
    hist = x.get("histogram_kcal")
    if not hist:
        return ""
    sh = x.get("shuffled") or {}
    threshold = float(x.get("threshold_kcal", -8.0))
    caption = (f"Crosstalk: {x.get('pairs')} of {x.get('of')} ordered long/history pairs folded, "
               f"{x.get('rate', 0):.1%} below {threshold:g} kcal/mol")
    if sh:
        caption += (f"; the same domains shuffled (seeded, {sh.get('pairs')} pairs): {sh.get('rate', 0):.1%}, "
                    f"ratio {x.get('rate', 0) / max(sh.get('rate', 0), 1e-12):.2f}")
    return figure(crosstalk_png(hist["edges"], hist["counts"], sh.get("counts"), threshold,
                                (x.get("rate", 0.0), sh.get("rate"))), caption + ".", "crosstalk-histogram")

"""The build report: one self-contained ``report.html`` summarising a build folder (DESIGN §6).

Sections, in order (``SECTION_TITLES``): the network; reaction and DNA counts per CRN form; CRN vs
network agreement; formal and gate-level output trajectories for a few examples (ICML 2020
Figure 2 style: each output's dual-rail value ``y_i = y_i+ - y_i-`` against time, the network's
output as a dashed line); stabilisation time against the network's confidence over every
simulated example, with the Pearson r (the "time dimension" blog post's plot); verification per
reaction shape; sequence checks; strand and nucleotide counts with an estimated order cost; the
build's checks.

The report reads only what the build wrote. A section whose files are missing (a CRN-only build
has no network, a build without sequences no ``checks.csv``) keeps its heading and says what is
absent. Stabilisation times come from ``simulation.json`` (a build that predates them has every
example re-simulated); the formal CRN and the gate-level system are simulated here only on the
plotted examples, and the formal outputs are compared with what ``simulation.json`` stored.

Self-contained means no external file and no network access: figures are base64 PNGs drawn with
matplotlib's Agg canvas (no pyplot state), CSS is inline, and there is no script. Every piece
of text from the build is HTML-escaped.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crn.atomic import atomic_write_text

SECTION_TITLES = {
    "network": "Network",
    "counts": "Reaction and DNA counts",
    "agreement": "CRN vs network",
    "trajectories": "Output trajectories",
    "confidence": "Stabilisation time vs confidence",
    "verification": "Verification",
    "sequences": "Sequence checks",
    "order": "Order estimate",
    "checks": "Build checks",
}
"""Section id -> heading, in report order."""

DASH = "\u2014"

DEFAULT_PRICE_TABLE: dict = {
    "currency": "USD",
    "source": "illustrative defaults, not a vendor quote: pass price_table to use your own prices",
    # price per nucleotide by synthesis scale (the vendor scale codes dsd.wetlab.order writes)
    "per_nt": {"25nm": 0.20, "100nm": 0.38, "250nm": 0.75, "1um": 1.30, "4nmU": 0.65, "20nmU": 1.15},
    # added per oligo by purification code
    "per_strand": {"STD": 0.0, "PAGE": 60.0, "HPLC": 75.0},
    # added per inline modification code (reporter dyes and quenchers, dsd.wetlab.reporters)
    "per_modification": {"/56-FAM/": 40.0, "/5HEX/": 60.0, "/5Cy3/": 90.0, "/5TexRd-XN/": 90.0, "/5Cy5/": 90.0,
                         "/5Cy55/": 120.0, "/3IABkFQ/": 45.0, "/3IAbRQSp/": 45.0},
}
"""Order-cost defaults. ``price_table`` overrides any of these keys; ``per_nt`` and
``per_strand`` are merged code by code, so ``{"per_strand": {"PAGE": 45.0}}`` changes only PAGE.
Scale and purification of each oligo come from the build's ``order.csv`` (else from the rules of
:class:`dsd.wetlab.order.OrderOptions` applied to ``strands.csv`` or ``system.pil``). An oligo whose code
has no price is counted as unpriced, not guessed."""

CONFIDENCE_KINDS = {
    "margin": "margin between the network's two largest outputs",
    "softmax": "softmax probability of the network's top output",
}


# -- numbers the report shows (pure functions) -----------------------------------------------------

def network_confidence(outputs: np.ndarray, kind: str = "margin") -> np.ndarray:
    """Per-example confidence of the network from its outputs (n_examples, n_outputs).

    ``margin``: largest minus second-largest output (output units); ``softmax``: the largest
    softmax probability. A single-output network has no margin: its |output| is used.
    """
    outputs = np.atleast_2d(np.asarray(outputs, float))
    if kind not in CONFIDENCE_KINDS:
        raise ValueError(f"confidence must be one of {sorted(CONFIDENCE_KINDS)}, got {kind!r}")
    if kind == "softmax":
        z = outputs - outputs.max(axis=1, keepdims=True)
        p = np.exp(z)
        return (p / p.sum(axis=1, keepdims=True)).max(axis=1)
    if outputs.shape[1] < 2:
        return np.abs(outputs[:, 0])
    top2 = np.sort(outputs, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def pearson_r(a: Sequence[float], b: Sequence[float]) -> float:
    """Pearson correlation of two samples; NaN when either is constant or has fewer than 2 values."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def price_table_with_defaults(price_table: dict | None) -> dict:
    """``DEFAULT_PRICE_TABLE`` with ``price_table`` on top (``per_nt`` / ``per_strand`` merged by
    code), validated."""
    price_table = dict(price_table or {})
    unknown = set(price_table) - set(DEFAULT_PRICE_TABLE)
    if unknown:
        raise ValueError(f"price_table: unknown key {sorted(unknown)[0]!r}; known keys: "
                         f"{', '.join(sorted(DEFAULT_PRICE_TABLE))}")
    table = {**DEFAULT_PRICE_TABLE, **price_table}
    if price_table and "source" not in price_table:
        table["source"] = "the price_table given, over the illustrative defaults for what it does not name"
    for key in ("per_nt", "per_strand", "per_modification"):
        if not isinstance(price_table.get(key, {}), dict):
            raise ValueError(f"price_table[{key!r}] must map codes to prices")
        table[key] = {**DEFAULT_PRICE_TABLE[key], **price_table.get(key, {})}
        for code, price in table[key].items():
            if not (isinstance(price, (int, float)) and price >= 0 and math.isfinite(price)):
                raise ValueError(f"price_table[{key!r}][{code!r}] must be a finite price >= 0, got {price!r}")
    return table


@dataclass(frozen=True)
class Oligo:
    """One oligo of an order: its length, synthesis scale and purification codes."""

    length_nt: int
    scale: str
    purification: str
    modifications: tuple[str, ...] = ()  # inline codes such as /56-FAM/


def order_cost(oligos: Iterable[Oligo], price_table: dict | None = None, *, limit_nt: int | None = None) -> dict:
    """Estimated cost of ``oligos`` under ``price_table`` (see ``DEFAULT_PRICE_TABLE``).

    Returns ``strands``, ``nucleotides``, ``longest_nt``, ``by_scale`` (code -> strands, nt,
    per_nt, cost), ``by_purification`` (code -> strands, per_strand, cost), ``unpriced`` (oligos
    whose scale or purification has no price), ``over_limit`` (longer than ``limit_nt``, the
    longest strand any scale makes), ``total`` and the ``table`` used.

    >>> order_cost([Oligo(40, "25nm", "STD"), Oligo(100, "4nmU", "PAGE")])["total"]
    133.0
    """
    table = price_table_with_defaults(price_table)
    oligos = list(oligos)
    by_scale: dict[str, dict] = {}
    by_purification: dict[str, dict] = {}
    by_modification: dict[str, dict] = {}
    unpriced = 0
    for o in oligos:
        per_nt, per_strand = table["per_nt"].get(o.scale), table["per_strand"].get(o.purification)
        per_mod = [table["per_modification"].get(code) for code in o.modifications]
        for code, price in zip(o.modifications, per_mod):
            m = by_modification.setdefault(code, {"strands": 0, "per_modification": price, "cost": 0.0})
            m["strands"] += 1
            if price is not None:
                m["cost"] += price
        s = by_scale.setdefault(o.scale, {"strands": 0, "nt": 0, "per_nt": per_nt, "cost": 0.0})
        p = by_purification.setdefault(o.purification, {"strands": 0, "per_strand": per_strand, "cost": 0.0})
        s["strands"] += 1
        s["nt"] += o.length_nt
        p["strands"] += 1
        if per_nt is None or per_strand is None or None in per_mod:
            unpriced += 1
            continue
        s["cost"] += o.length_nt * per_nt
        p["cost"] += per_strand
    lengths = [o.length_nt for o in oligos]
    return {
        "strands": len(oligos),
        "nucleotides": sum(lengths),
        "longest_nt": max(lengths, default=0),
        "by_scale": by_scale,
        "by_purification": by_purification,
        "by_modification": by_modification,
        "unpriced": unpriced,
        "over_limit": 0 if limit_nt is None else sum(n > limit_nt for n in lengths),
        "total": sum(r["cost"] for d in (by_scale, by_purification, by_modification) for r in d.values()),
        "table": table,
    }


def check_summary(rows: Sequence[dict]) -> list[dict]:
    """``checks.csv`` rows grouped by check: rows, passed, failed and the worst value with its
    subject (lowest for energies, where more negative is worse; highest for defects and rule
    violations)."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["check"], []).append(r)
    out = []
    for name, rs in groups.items():
        lower_is_worse = name in _LOWER_IS_WORSE
        valued = [(v, r) for r in rs if (v := _float(r.get("value"))) is not None and not math.isnan(v)]
        worst = (min if lower_is_worse else max)(valued, key=lambda vr: vr[0], default=None)
        passed = sum(_truthy(r.get("pass")) for r in rs)
        out.append({
            "check": name,
            "rows": len(rs),
            "passed": passed,
            "failed": len(rs) - passed,
            "worst": worst[0] if worst else None,
            "worst_subject": worst[1].get("subject", "") if worst else "",
            "threshold": _float(rs[0].get("threshold")),
            "direction": "lowest" if lower_is_worse else "highest",
        })
    return out


_LOWER_IS_WORSE = {"strand_mfe", "spurious_dG", "spurious_screen"}


# -- the report ------------------------------------------------------------------------------------

def write_report(build_dir: Path, out: Path | None = None, *, examples_to_plot: int = 3,
                 price_table: dict | None = None, confidence: str = "margin", shown_path: str | None = None) -> Path:
    """Write ``report.html`` for the build in ``build_dir`` (default ``build_dir/report.html``).

    Parameters
    ----------
    build_dir : a build folder (``dsd build`` output).
    out : where to write the HTML (atomically).
    examples_to_plot : examples whose formal and gate-level trajectories are drawn.
    price_table : overrides of ``DEFAULT_PRICE_TABLE`` for the order estimate.
    confidence : ``margin`` or ``softmax`` (see :func:`network_confidence`).
    shown_path : the build folder as the report names it (default ``build_dir``; ``dsd build``
        writes the report in a temporary folder that is renamed when the build succeeds).

    Returns the path written.
    """
    build_dir = Path(build_dir)
    if not build_dir.is_dir():
        raise FileNotFoundError(f"build folder {build_dir} does not exist")
    if examples_to_plot < 0:
        raise ValueError(f"examples_to_plot must be >= 0, got {examples_to_plot}")
    if confidence not in CONFIDENCE_KINDS:
        raise ValueError(f"confidence must be one of {sorted(CONFIDENCE_KINDS)}, got {confidence!r}")
    table = price_table_with_defaults(price_table)
    out = Path(out) if out is not None else build_dir / "report.html"
    start = time.perf_counter()
    b = _Build.read(build_dir)
    timings: dict[str, float] = {}
    sections = [
        _section_network(b),
        _section_counts(b),
        _section_agreement(b, timings, examples_to_plot),
        _section_trajectories(b, examples_to_plot, timings),
        _section_confidence(b, confidence),
        _section_verification(b),
        _section_sequences(b),
        _section_order(b, table),
        _section_checks(b),
    ]
    timings["total"] = time.perf_counter() - start
    atomic_write_text(out, _page(b, sections, timings, shown_path))
    return out


@dataclass
class _Build:
    """What a build folder holds (None for what is missing), plus results computed once."""

    path: Path
    build: dict | None = None
    model: object | None = None  # nn.modelfile.LoadedModel
    model_error: str | None = None
    simulation: dict | None = None
    dsd: dict | None = None
    verification: dict | None = None
    gatesim: dict | None = None
    design: dict | None = None
    checks_rows: list[dict] | None = None
    strands_rows: list[dict] | None = None
    pil_text: str | None = None
    formal_text: str | None = None
    cache: dict = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> "_Build":
        b = cls(path)
        b.build = _json(path / "build.json")
        b.simulation = _json(path / "simulation.json")
        b.dsd = _json(path / "dsd.json")
        b.verification = _json(path / "verification.json")
        b.gatesim = _json(path / "gatesim.json")
        b.design = _json(path / "design.json")
        b.checks_rows = _csv(path / "checks.csv")
        b.strands_rows = _csv(path / "strands.csv")
        b.pil_text = _text(path / "system.pil")
        b.formal_text = _text(path / "crn_formal.txt")
        if (path / "model.npz").is_file() or (path / "model.json").is_file():
            from nn.modelfile import load_model

            try:
                b.model = load_model(path / ("model.npz" if (path / "model.npz").is_file() else "model.json"))
            except (OSError, ValueError) as exc:
                b.model_error = str(exc)
        return b

    def spec(self, section: str) -> dict:
        return ((self.build or {}).get("spec") or {}).get(section) or {}

    def stage(self, name: str) -> dict:
        return ((self.build or {}).get("stages") or {}).get(name) or {}

    # -- the simulated examples -------------------------------------------------------------
    def examples(self):
        """(x, labels, network outputs) of the simulated examples, or None."""
        if self.model is None or self.model.examples is None or self.simulation is None:
            return None
        x, labels = self.model.examples
        n = int(self.simulation.get("examples", len(x)))
        x = np.asarray(x, float)[:n]
        labels = None if labels is None else np.asarray(labels)[:n]
        return x, labels, self.model.network.forward(x)

    def formal_crn(self):
        if "formal_crn" not in self.cache:
            from crn.textformat import parse_crn

            text = self.formal_text or _embedded_crn(self.pil_text)
            self.cache["formal_crn"] = parse_crn(text, str(self.path / "crn_formal.txt")) if text else None
        return self.cache["formal_crn"]

    def _grid(self) -> tuple[float, float, int, np.ndarray]:
        """(t_end, check_t_end, n_points, time grid) of the build's simulate stage."""
        sim = self.spec("simulation")
        t_end = float(self.simulation.get("t_end", sim.get("t_end", 50.0)))
        t_final = float(self.simulation.get("check_t_end", t_end))
        n_points = int(sim.get("n_points") or 201)
        grid = np.linspace(0.0, t_end, n_points)
        if t_final > t_end:
            grid = np.append(grid, t_final)
        return t_end, t_final, n_points, grid

    def formal_simulation(self, indices: Sequence[int] | None = None):
        """Re-simulate the formal CRN on the simulated examples ``indices`` (default all), as the
        build's simulate stage did (grid ``[0, t_end]`` plus ``check_t_end``); returns (result,
        horizon, times, seconds), row j for example ``indices[j]``."""
        key = ("formal_sim", None if indices is None else tuple(int(i) for i in indices))
        if key in self.cache:
            return self.cache[key]
        from crn.analysis import convergence_times
        from crn.simulate import simulate

        ex, crn = self.examples(), self.formal_crn()
        if ex is None or crn is None:
            self.cache[key] = None
            return None
        sim = self.spec("simulation")
        t_end, t_final, n_points, grid = self._grid()
        x = ex[0] if indices is None else ex[0][list(key[1])]
        t0 = time.perf_counter()
        result = simulate(crn, x, t_end=max(t_end, t_final), t_eval=grid, rtol=float(sim.get("rtol") or 1e-6),
                          atol=float(sim.get("atol") or 1e-9), keep_trajectories=False)
        horizon = _Trajectories(result.t[:n_points], result.output_trajectories[:, :n_points])
        times = convergence_times(horizon)
        self.cache[key] = (result, horizon, times, time.perf_counter() - t0)
        return self.cache[key]

    def stabilisation_times(self) -> np.ndarray | None:
        """Per simulated example, the formal stabilisation time: as simulation.json stores it, else
        (builds before it did) from a re-simulation of every example."""
        ex = self.examples()
        if ex is None or self.formal_crn() is None:
            return None
        stored = self.simulation.get("stabilisation_times")
        if stored is not None and len(stored) == len(ex[0]):
            return np.asarray(stored, float)
        sim = self.formal_simulation()
        return None if sim is None else sim[2]["stabilisation_time"]

    def grid_step(self) -> float:
        t_end, _, n_points, _ = self._grid()
        return t_end / (n_points - 1) if n_points > 1 else 0.0


@dataclass(frozen=True)
class _Trajectories:
    t: np.ndarray
    output_trajectories: np.ndarray


# -- sections --------------------------------------------------------------------------------------

@dataclass
class _Section:
    key: str
    body: str
    absent: str | None = None  # why the section has nothing to show


def _section_network(b: _Build) -> _Section:
    if b.model is None:
        why = (f"model file unreadable: {b.model_error}" if b.model_error else
               "no model.npz / model.json in this build (a CRN-only build has no network)")
        return _Section("network", "", why)
    net, meta = b.model.network, b.model.metadata
    rows = [
        ("dimensions", " \u2192 ".join(map(str, net.dims))),
        ("weights", meta.get("weights_kind") or net.weights_kind),
        ("accuracy", _pct(meta.get("accuracy")) + (f" (evaluated on {meta['evaluated_on']})"
                                                  if meta.get("evaluated_on") else "")),
        ("dataset", meta.get("dataset") or "\u2014"),
        ("seed", meta.get("seed")),
    ]
    config = meta.get("config") or {}
    if config.get("epochs") is not None:
        rows.append(("training", f"{config['epochs']} epochs, batch {config.get('batch_size')}, best epoch "
                                 f"{meta.get('best_epoch', DASH)}, {_num(meta.get('seconds'))} s"))
    if meta.get("loaded_from") or meta.get("source"):
        rows.append(("loaded from", meta.get("loaded_from") or meta.get("source")))
    if b.model.examples is not None:
        x, labels = b.model.examples
        rows.append(("examples stored with the model", f"{len(x)}"))
        if labels is not None and len(labels):
            acc = float(np.mean(net.predict(np.asarray(x, float)) == np.asarray(labels)))
            rows.append(("accuracy on those examples", _pct(acc)))
    return _Section("network", _kv_table(rows))


def _section_counts(b: _Build) -> _Section:
    stats = {form: b.stage("crn").get(f"{form}_stats") for form in ("unreduced", "reduced", "formal")}
    if not any(stats.values()):
        from crn.textformat import read_crn

        for form, name in (("unreduced", "crn.txt"), ("reduced", "crn_reduced.txt"), ("formal", "crn_formal.txt")):
            if (b.path / name).is_file():
                stats[form] = read_crn(b.path / name).stats()
    dna = (b.dsd or {}).get("forms") or {}
    forms = [f for f in ("unreduced", "reduced", "formal") if stats.get(f) or dna.get(f)]
    forms += [f for f in dna if f not in forms]
    if not forms:
        return _Section("counts", "", "no CRN files, build.json CRN statistics or dsd.json in this build")
    crn_cols = ("reactions", "unimolecular", "bimolecular", "species", "max_products")
    dna_cols = ("complexes", "strands", "domains", "nucleotides")
    rows = []
    for f in forms:
        s, d = stats.get(f) or {}, dna.get(f) or {}
        rows.append([f] + [s.get(c, d.get(c) if c == "reactions" else None) for c in crn_cols]
                    + [d.get(c) for c in dna_cols])
    headers = ["CRN form", "reactions", "unimolecular", "bimolecular", "species", "max products",
               "complexes", "strands", "domains", "nucleotides"]
    notes = []
    if b.dsd:
        notes.append(f"DNA counts: scheme {b.dsd.get('scheme', '?')}; the formal form is what the DNA stages "
                     f"use. reduced_fanoutK: the reduced CRN with products split into trees of at most K.")
        sizing = b.dsd.get("sizing")
        if sizing:
            notes.append(f"Sizing: 1 formal unit = {_num(sizing.get('unit_nM'))} nM, safety factor "
                         f"{_num(sizing.get('safety'))}; largest reaction bound {_num(sizing.get('bound_max'))} vs "
                         f"observed {_num(sizing.get('observed_max'))} (formal units).")
        totals = b.dsd.get("total_nM_by_role")
        if totals:
            notes.append("Total concentration by role: " + ", ".join(f"{k} {_num(v)} nM" for k, v in totals.items()))
    else:
        notes.append("No dsd.json: DNA counts absent (the DNA stages did not run).")
    return _Section("counts", _table(headers, rows) + "".join(f"<p>{_e(n)}</p>" for n in notes))


def _section_agreement(b: _Build, timings: dict, k: int) -> _Section:
    if b.simulation is None:
        return _Section("agreement", "", "no simulation.json (a build without a network has no examples to "
                                         "compare on)")
    s = b.simulation
    rows = [("examples simulated", s.get("examples")),
            ("argmax agreement (CRN vs network)", f"{s.get('argmax_match', DASH)}/{s.get('examples')}"),
            (f"max |CRN \u2212 network| at t = {_num(s.get('check_t_end'))}", _num(s.get("max_abs_error"))),
            ("max |exact CRN limit \u2212 network|", _num(s.get("limit_max_abs_error"))),
            (f"stabilisation time on [0, {_num(s.get('t_end'))}]: median / max",
             f"{_num((s.get('stabilisation_time') or {}).get('median'))} / "
             f"{_num((s.get('stabilisation_time') or {}).get('max'))} (formal time)")]
    ex = b.examples()
    if ex is not None and ex[1] is not None and s.get("crn_outputs"):
        crn_out = np.asarray(s["crn_outputs"], float)
        if crn_out.shape[0] == len(ex[1]):
            rows.append(("CRN classification accuracy vs labels", _pct(float(np.mean(crn_out.argmax(1) == ex[1])))))
    picks = _picks(b, k)
    sim = b.formal_simulation([i for i, _ in picks]) if picks else None
    if sim is not None:
        result, _, _, seconds = sim
        timings["formal re-simulation"] = seconds
        stored = np.asarray(s.get("crn_outputs") or [], float)
        idx = [i for i, _ in picks]
        if stored.ndim == 2 and stored.shape[0] > max(idx) and stored.shape[1] == result.outputs.shape[1]:
            rows.append((f"re-simulated here ({len(idx)} plotted examples) vs simulation.json outputs "
                         "(max difference)", f"{_num(float(np.max(np.abs(result.outputs - stored[idx]))))} "
                                             f"({seconds:.2f} s)"))
    body = _kv_table(rows)
    g = b.gatesim
    if g is not None:
        grows = [("examples", g.get("examples")),
                 ("argmax agreement (gates vs network)", f"{g.get('argmax_match')}/{g.get('examples')}"),
                 (f"max |gates \u2212 network| after {_num(g.get('hours_simulated'))} h", _num(g.get("max_abs_error"))),
                 ("classification decided after (max / median)",
                  f"{_num(g.get('hours_to_converge'))} h / {_num(g.get('hours_to_converge_median'))} h"),
                 ("all outputs settled after", f"{_num(g.get('hours_to_settle'))} h"),
                 ("gate-level CRN", f"{g.get('gate_reactions')} reactions, {g.get('gate_species')} species, "
                                    f"1 unit = {_num(g.get('unit_nM'))} nM, leak {_num(g.get('leak_per_nM_s'))} /nM/s")]
        w = g.get("with_leak")
        if w:
            grows.append((f"with leak {_num(w.get('leak_per_nM_s'))} /nM/s",
                          f"{w.get('argmax_match')}/{g.get('examples')} agree after {_num(g.get('hours_simulated'))} h "
                          f"(max error {_num(w.get('max_abs_error'))}); best read-out "
                          f"{w.get('argmax_match_at_best_readout')}/{g.get('examples')} at "
                          f"{_num(w.get('best_readout_hours'))} h"))
        body += "<h3>Gate level (gatesim.json)</h3>" + _kv_table(grows)
    else:
        body += _note("no gatesim.json: the gate level was not simulated in this build")
    return _Section("agreement", body)


def _section_trajectories(b: _Build, k: int, timings: dict) -> _Section:
    ex = b.examples()
    if ex is None or b.stabilisation_times() is None:
        return _Section("trajectories", "", "needs a network with stored examples, simulation.json and the formal "
                                            "CRN")
    if k == 0:
        return _Section("trajectories", "", "examples_to_plot = 0")
    x, labels, net_out = ex
    picks = _picks(b, k)
    _, horizon, times, _ = b.formal_simulation([i for i, _ in picks])
    gates, gate_note = _gate_simulation(b, x[[i for i, _ in picks]], timings)
    panels = ("Left: the formal CRN in formal time units; right: the gate-level system (concentration / "
              "unit_nM) in hours, log time axis." if gates is not None else "The formal CRN in formal time units.")
    parts = [f"<p>Solid: the CRN's output <i>y<sub>i</sub>(t) = y<sub>i</sub><sup>+</sup> \u2212 "
             f"y<sub>i</sub><sup>\u2212</sup></i>; dashed: the network's output. {_e(panels)} "
             f"Dotted vertical line: stabilisation (the final winner takes the lead for good).</p>"]
    if gate_note:
        parts.append(_note(gate_note))
    from matplotlib.figure import Figure

    names = [s.name for s in b.formal_crn().outputs]
    for j, (i, why) in enumerate(picks):
        fig = Figure(figsize=(10.5, 3.4) if gates is not None else (6.0, 3.4), dpi=100, layout="constrained")
        axes = fig.subplots(1, 2 if gates is not None else 1, squeeze=False)[0]
        _plot_formal(axes[0], horizon, times, j, net_out[i], names)
        if gates is not None:
            _plot_gates(axes[1], gates, j, net_out[i], names, b.gatesim or {})
        label = "" if labels is None else f", label {labels[i]}"
        caption = (f"Example {i} ({why}): input [{', '.join(_num(v, 3) for v in x[i])}]{label}; network output "
                   f"[{', '.join(_num(v, 3) for v in net_out[i])}], class {int(np.argmax(net_out[i]))}.")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize=9)
        parts.append(_figure(fig, caption, f"trajectories-{i}"))
    return _Section("trajectories", "".join(parts))


def _section_confidence(b: _Build, kind: str) -> _Section:
    ex, stab = b.examples(), b.stabilisation_times()
    if ex is None or stab is None:
        return _Section("confidence", "", "needs a network with stored examples, simulation.json and the formal CRN")
    x, labels, net_out = ex
    conf = network_confidence(net_out, kind)
    r = pearson_r(conf, stab)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.4), dpi=100, layout="constrained")
    ax = fig.subplots()
    if labels is not None:
        right = np.argmax(net_out, axis=1) == labels
        ax.scatter(conf[right], stab[right], s=18, alpha=0.75, label="network correct")
        ax.scatter(conf[~right], stab[~right], s=28, marker="x", color="tab:red", label="network wrong")
        ax.legend(loc="upper right", fontsize=8)
    else:
        ax.scatter(conf, stab, s=18, alpha=0.75)
    ax.set_xlabel(f"network confidence: {CONFIDENCE_KINDS[kind]}")
    ax.set_ylabel("stabilisation time (formal units)")
    ax.set_title(f"Pearson r = {_r_text(r)} (n = {len(stab)})")
    ax.grid(alpha=0.3)
    grid_step = b.grid_step()
    caption = (f"Each point is one simulated example: when the formal CRN's eventual winner takes the lead for "
               f"good (on a grid of step {_num(grid_step)}) against the network's confidence, here the "
               f"{CONFIDENCE_KINDS[kind]}. Pearson r = {_r_text(r)}.")
    figure = _figure(fig, caption, "confidence-scatter", attrs={"data-pearson-r": repr(r), "data-confidence": kind})
    return _Section("confidence", figure)


def _section_verification(b: _Build) -> _Section:
    v = b.verification
    if v is None:
        return _Section("verification", "", "no verification.json (verification disabled or the DNA stages did "
                                            "not run)")
    rows = []
    for m in v.get("modules", []):
        reactions = m.get("reactions", [])
        rows.append([m.get("shape"), f"{len(reactions)}: {_short_list(reactions)}", _Raw(_badge(m.get("passed"))),
                     _num(m.get("seconds")), _Raw(f"<details><summary>detail</summary><code>{_e(m.get('detail', ''))}"
                                                  f"</code></details>")])
    head = (f"<p>{_badge(v.get('passed'))} {v.get('shapes')} reaction shapes covering {v.get('reactions')} "
            f"reactions, CRN bisimulation per shape (Peppercorn + crnverifier), {_num(v.get('seconds'))} s.</p>")
    return _Section("verification", head + _table(["shape", "reactions", "result", "seconds", "interpretation"], rows))


def _section_sequences(b: _Build) -> _Section:
    if b.checks_rows is None:
        return _Section("sequences", "", "no checks.csv (sequence design disabled in this build)")
    summary = check_summary(b.checks_rows)
    from sequences.design import ADVISORY_CHECKS

    rows = [[s["check"], s["rows"], s["passed"], s["failed"],
             _Raw('<span class="advisory">advisory</span>' if s["check"] in ADVISORY_CHECKS and s["failed"]
                  else _badge(s["failed"] == 0)),
             f"{_num(s['worst'])} ({s['direction']})" if s["worst"] is not None else "\u2014",
             _num(s["threshold"]), s["worst_subject"]] for s in summary]
    total = sum(s["rows"] for s in summary)
    failed = sum(s["failed"] for s in summary if s["check"] not in ADVISORY_CHECKS)
    advisory = sum(s["failed"] for s in summary if s["check"] in ADVISORY_CHECKS)
    head = f"<p>{total} rows, {total - failed - advisory} pass, {failed} fail, {advisory} advisory"
    if b.design:
        d = b.design
        head += (f"; backend {_e(d.get('backend'))}, design {'passed' if d.get('passed') else 'FAILED'}"
                 + (f" (failures: {_e(', '.join(f'{k}: {n}' for k, n in d['failures'].items()))})"
                    if d.get("failures") else ""))
    head += ". Advisory rows (kmer_k) do not decide the design's pass.</p>"
    return _Section("sequences", _e_safe(head) + _table(
        ["check", "rows", "pass", "fail", "result", "worst value", "threshold", "worst subject"], rows))


def _section_order(b: _Build, table: dict) -> _Section:
    from dsd.wetlab.order import OrderOptions

    oligos, source = _oligos(b)
    if oligos is None:
        return _Section("order", "", "no order.csv, strands.csv or system.pil to count strands from")
    limit_nt, limit_code = OrderOptions().scales[-1]
    cost = order_cost(oligos, table, limit_nt=limit_nt)
    cur = table["currency"]
    price = lambda v, unit: _money(v, cur) + unit if v is not None else "no price"  # noqa: E731
    in_table_order = lambda d, key: sorted(d.items(), key=lambda kv: _position(table[key], kv[0]))  # noqa: E731
    rows = [[f"scale {code}", price(r["per_nt"], " / nt"), r["strands"], r["nt"], _money(r["cost"], cur)]
            for code, r in in_table_order(cost["by_scale"], "per_nt")]
    rows += [[f"purification {code}", price(r["per_strand"], " / oligo"), r["strands"], None, _money(r["cost"], cur)]
             for code, r in in_table_order(cost["by_purification"], "per_strand")]
    rows += [[f"modification {code}", price(r["per_modification"], " each"), r["strands"], None,
              _money(r["cost"], cur)] for code, r in in_table_order(cost["by_modification"], "per_modification")]
    rows.append([_Raw("<b>total</b>"), "", cost["strands"], cost["nucleotides"],
                 _Raw(f"<b>{_e(_money(cost['total'], cur))}</b>")])
    body = (f"<p>{cost['strands']} oligos to order (one per distinct sequence), {cost['nucleotides']} nt in all, "
            f"longest {cost['longest_nt']} nt; scale and purification from {_e(source)}. "
            f"Prices: {_e(table['source'])}.</p>")
    body += _table(["item", "price", "oligos", "nt", "cost"], rows)
    if cost["unpriced"]:
        body += _note(f"{cost['unpriced']} oligos have a scale or purification code without a price and are not "
                      f"in the total: add the code to price_table.")
    if cost["over_limit"]:
        body += _note(f"{cost['over_limit']} oligos are longer than {limit_nt} nt, the longest any scale makes "
                      f"({limit_code}): they cannot be synthesised as one oligo (a smaller crn.fanout_limit shortens "
                      f"gate strands); priced here as if they could.")
    if b.strands_rows:
        roles: dict[str, int] = {}
        for r in b.strands_rows:
            roles[r.get("role", "?")] = roles.get(r.get("role", "?"), 0) + 1
        body += f"<p>strands.csv: {len(b.strands_rows)} strands of complexes; by role: " + _e(
            ", ".join(f"{k} {n}" for k, n in sorted(roles.items()))) + ".</p>"
    return _Section("order", body)


def _section_checks(b: _Build) -> _Section:
    if b.build is None:
        return _Section("checks", "", "no build.json")
    checks = b.build.get("checks") or []
    rows = [[c.get("check"), _num(c.get("value")) if isinstance(c.get("value"), float) else c.get("value"),
             _Raw(_badge(c.get("pass")))] for c in checks]
    passed = sum(bool(c.get("pass")) for c in checks)
    body = f"<p>{passed}/{len(checks)} checks pass.</p>" + _table(["check", "value", "result"], rows)
    stages = b.build.get("stages") or {}
    srows = [[name, _num(s.get("seconds")), "reused" if s.get("reused") else ""] for name, s in stages.items()]
    if srows:
        body += "<h3>Stages</h3>" + _table(["stage", "seconds", ""], srows)
    return _Section("checks", body)


# -- helpers of the sections -----------------------------------------------------------------------

def _picks(b: _Build, k: int) -> list[tuple[int, str]]:
    """The examples the report plots (see :func:`_pick_examples`), or [] without examples."""
    ex, stab = b.examples(), b.stabilisation_times()
    if ex is None or stab is None or k == 0:
        return []
    return _pick_examples(ex[2], stab, k)


def _pick_examples(net_out: np.ndarray, stab: np.ndarray, k: int) -> list[tuple[int, str]]:
    """Up to ``k`` examples: the first of each class the network predicts, then the slowest to
    stabilise; in example order."""
    picks: dict[int, str] = {}
    classes = np.argmax(net_out, axis=1)
    for c in np.unique(classes):
        if len(picks) < k:
            picks[int(np.argmax(classes == c))] = f"first predicted as class {c}"
    for i in np.argsort(-stab, kind="stable"):
        if len(picks) >= k:
            break
        picks.setdefault(int(i), "slowest to stabilise")
    return sorted(picks.items())


def _gate_simulation(b: _Build, x: np.ndarray, timings: dict):
    """The gate-level simulation of inputs ``x``, or (None, why not)."""
    if b.pil_text is None:
        return None, "no system.pil: the gate level is not shown"
    from crn.textformat import parse_crn
    from dsd.pil import scheme_from_header
    from dsd.gatesim import simulate_gates
    from dsd.kinetics import gate_crn
    from dsd.pil import parse_pil, pil_header

    header = pil_header(b.pil_text)
    if "unit_nM" not in header:
        return None, "system.pil is not sized (no unit_nM): the gate level is not shown"
    t0 = time.perf_counter()
    scheme = scheme_from_header(header)
    system, _, crn_text = parse_pil(b.pil_text, str(b.path / "system.pil"), scheme.species_of_strands)
    crn = parse_crn(crn_text, "system.pil (embedded CRN)") if crn_text else b.formal_crn()
    unit_nM = float(header["unit_nM"])
    g = b.gatesim or {}
    hours = float(g.get("hours_simulated") or b.spec("dsd").get("hours") or 48.0)
    leak = float(g.get("leak_per_nM_s") or 0.0)
    gates = gate_crn(crn, system, scheme, unit_nM, leak_per_nM_s=leak)
    sim = simulate_gates(gates, x, unit_nM, t_end_hours=hours)
    timings["gate-level simulation"] = time.perf_counter() - t0
    return sim, None


def _plot_formal(ax, horizon: _Trajectories, times: dict, i: int, net_out: np.ndarray, names: list[str]) -> None:
    t, traj = horizon.t, horizon.output_trajectories[i]
    stab = float(times["stabilisation_time"][i])
    t_max = float(t[-1]) if len(t) else 1.0
    # show the dynamics, not the long 1/t tails: up to twice the time after which every output
    # stays within 1 % of its final value (relative to the largest final |value|)
    tol = 0.01 * max(float(np.max(np.abs(traj[-1]))), 1e-12) if traj.size else 0.0
    far = np.abs(traj - traj[-1]).max(axis=1) > tol if traj.size else np.zeros(0, bool)
    near = float(t[min(len(t) - 1, len(far) - int(np.argmax(far[::-1])))]) if far.any() else 0.0
    shown = min(t_max, max(2.0 * near, 3.0 * stab, 0.05 * t_max))
    for o, name in enumerate(names):
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


def _plot_gates(ax, gates, j: int, net_out: np.ndarray, names: list[str], gatesim: dict) -> None:
    t = gates.t_hours
    traj = gates.output_trajectories[j]
    keep = t > 0  # log axis: the grid is 0, then geometric from 1 s
    for o, name in enumerate(names):
        color = f"C{o % 10}"
        ax.plot(t[keep], traj[keep, o], color=color, lw=1.6, label=name)
        ax.axhline(net_out[o], color=color, ls="--", lw=1.0)
    stab = float(gates.stabilisation_hours[j])
    if stab > 0:
        ax.axvline(stab, color="0.3", ls=":", lw=1.0)
    ax.set_xscale("log")
    ax.set_xlabel("time (hours)")
    ax.set_ylabel("([y+] \u2212 [y\u2212]) / unit_nM")
    ax.set_title(f"gate level ({_num(gatesim.get('unit_nM'))} nM per unit)" if gatesim.get("unit_nM") else
                 "gate level")
    ax.grid(alpha=0.3, which="both")


def _oligos(b: _Build) -> tuple[list[Oligo] | None, str]:
    """The oligos of the order and where their scale and purification came from."""
    from dsd.wetlab.order import OrderOptions, bases, modifications, order_rows, strand_entries

    order = _csv(b.path / "order.csv")
    if order is not None:
        return [Oligo(len(bases(r.get("Sequence") or "")), r.get("Scale") or "", r.get("Purification") or "",
                      modifications(r.get("Sequence") or "")) for r in order], "order.csv"
    if b.strands_rows:
        rows = order_rows(strand_entries(b.strands_rows))
        return ([Oligo(r.length_nt, r.scale, r.purification) for r in rows],
                "strands.csv with the default rules of dsd.wetlab.order (no order.csv)")
    if b.pil_text is not None:
        from dsd.pil import parse_pil

        system, _, _ = parse_pil(b.pil_text, str(b.path / "system.pil"))
        roles: dict[tuple[str, ...], list[str]] = {}
        for cx in system.complexes:
            for strand in cx.strands:
                roles.setdefault(strand, []).append(cx.role)
        options = OrderOptions()
        oligos = []
        for strand, rs in roles.items():
            n = sum(system.domains[d.rstrip("*")].length for d in strand)
            oligos.append(Oligo(n, options.scale(n), options.purification(n, rs)))
        return oligos, "system.pil (distinct strands; no sequences designed) with the default rules of dsd.wetlab.order"
    return None, ""


def _position(codes: dict, code: str) -> tuple[int, str]:
    keys = list(codes)
    return (keys.index(code) if code in keys else len(keys), code)


def _embedded_crn(pil_text: str | None) -> str | None:
    if pil_text is None:
        return None
    lines = [line[3:] if line.startswith("#> ") else "" for line in pil_text.splitlines() if line.startswith("#>")]
    return "\n".join(lines) + "\n" if lines else None


# -- HTML ------------------------------------------------------------------------------------------

class _Raw(str):
    """Text that is already HTML (table cells are escaped unless they are _Raw)."""


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1080px;
color:#222;line-height:1.45;padding:0 1em}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}h3{margin-top:1.4em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#fff;background:#2e7d32;border-radius:3px;padding:0 .4em;font-weight:600}
.fail{color:#fff;background:#c62828;border-radius:3px;padding:0 .4em;font-weight:600}
.advisory{color:#fff;background:#b26a00;border-radius:3px;padding:0 .4em;font-weight:600}
.note{background:#fff8e1;border-left:4px solid #f9a825;padding:.4em .8em}
section.absent .note{background:#eceff1;border-left-color:#90a4ae}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#444}code{font-size:.85em;word-break:break-all}
nav ul{columns:3;list-style:none;padding-left:0}.meta{color:#666;font-size:.9em}
"""


def _page(b: _Build, sections: list[_Section], timings: dict, shown_path: str | None = None) -> str:
    name = (b.build or {}).get("name") or b.path.name
    meta = [f"build folder {shown_path or b.path}"]
    if b.build:
        meta.append(f"spec hash {b.build.get('spec_hash')}")
        versions = b.build.get("versions") or {}
        if versions:
            meta.append("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(name)}: build report</title><style>{_CSS}</style></head><body>",
             f"<h1>{_e(name)}: build report</h1>", f'<p class="meta">{_e("; ".join(meta))}</p>',
             "<nav><ul>" + "".join(f'<li><a href="#{s.key}">{_e(SECTION_TITLES[s.key])}</a>'
                                   + (" (absent)" if s.absent else "") + "</li>" for s in sections) + "</ul></nav>"]
    for s in sections:
        cls = ' class="absent"' if s.absent else ""
        parts.append(f'<section id="{s.key}"{cls}><h2>{_e(SECTION_TITLES[s.key])}</h2>')
        parts.append(_note(f"Absent: {s.absent}.") if s.absent else s.body)
        parts.append("</section>")
    t = "; ".join(f"{k} {v:.2f} s" for k, v in timings.items())
    parts.append(f'<p class="meta">Report written by dsd.report in {_e(t)}.</p></body></html>')
    return "\n".join(parts) + "\n"


def _figure(fig, caption: str, key: str, attrs: dict | None = None) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    extra = "".join(f' {k}="{_e(v)}"' for k, v in (attrs or {}).items())
    return (f'<figure id="{_e(key)}"{extra}><img src="data:image/png;base64,{data}" alt="{_e(caption)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _table(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, _Raw):
                cells.append(f"<td>{v}</td>")
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(f'<td class="num">{_e(_num(v))}</td>')
            else:
                cells.append(f"<td>{_e(DASH if v is None else v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _kv_table(rows: Iterable[tuple]) -> str:
    return "<table><tbody>" + "".join(
        f"<tr><th>{_e(k)}</th><td>{v if isinstance(v, _Raw) else _e(DASH if v is None else v)}</td></tr>"
        for k, v in rows) + "</tbody></table>"


def _note(text: str) -> str:
    return f'<p class="note">{_e(text)}</p>'


def _badge(passed) -> str:
    return '<span class="pass">pass</span>' if passed else '<span class="fail">FAIL</span>'


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _e_safe(text: str) -> _Raw:
    """Mark a string assembled from escaped parts and fixed markup as HTML."""
    return _Raw(text)


def _num(value, digits: int = 4) -> str:
    if value is None:
        return "\u2014"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "nan"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
        return f"{v:.{max(digits - 1, 1)}e}"
    return f"{v:.{digits}g}"


def _pct(value) -> str:
    return "\u2014" if value is None else f"{100 * float(value):.2f} %"


def _money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def _r_text(r: float) -> str:
    return "undefined (constant data)" if math.isnan(r) else f"{r:.3f}"


def _short_list(items: Sequence, n: int = 8) -> str:
    shown = ", ".join(map(str, items[:n]))
    return shown + (f", \u2026 ({len(items) - n} more)" if len(items) > n else "")


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "pass")


def _json(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError:
        return None


def _csv(path: Path) -> list[dict] | None:
    if not path.is_file():
        return None
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _text(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None

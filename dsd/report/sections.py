"""The report's sections, each a function from a :class:`~dsd.report.read.BuildFolder` to a
:class:`~dsd.report.html.Section`, in the order of ``SECTION_TITLES``: the network; reaction and
DNA counts per CRN form; CRN vs network agreement; formal and gate-level output trajectories of
the examples the build plotted; stabilisation time against the network's confidence, with the
Pearson r; verification per reaction shape; sequence checks; strand and nucleotide counts with an
estimated order cost; the build's checks.

A section whose files are missing keeps its heading and says what is absent.
"""

from __future__ import annotations

import numpy as np

from dsd.report.crn_trajectories import formal_compare_html
from dsd.report.figures import confidence_png, trajectory_png
from dsd.report.gatelevel import gate_level_html, inputs_html
from dsd.report.html import (DASH, Raw, Section, badge, e, figure, kv_table, money, note, num, pct, r_text,
                             short_list, table)
from dsd.report.numbers import CONFIDENCE_KINDS, check_summary, network_confidence, pearson_r
from dsd.report.sequence_figures import crosstalk_html
from dsd.report.read import GATE_TRAJECTORIES_FILE, TRAJECTORIES_FILE, BuildFolder
from dsd.wetlab.pricing import Oligo, order_cost

SECTION_TITLES = {
    "network": "Network",
    "counts": "Reaction and DNA counts",
    "agreement": "CRN vs network",
    "trajectories": "Output trajectories",
    "confidence": "Stabilisation time vs confidence",
    "verification": "Verification",
    "sequences": "Sequence checks",
    "order": "Order estimate",
    "dna_size": "DNA size",  # dsd.report.dna_size
    "checks": "Build checks",
}
"""Section id -> heading, in report order."""


# -- sections --------------------------------------------------------------------------------------

def _section(key: str, body: str, absent: str | None = None) -> Section:
    return Section(key, SECTION_TITLES[key], body, absent)


def section_network(b: BuildFolder) -> Section:
    if b.model is None:
        why = (f"model file unreadable: {b.model_error}" if b.model_error else
               "no model.npz / model.json in this build (a CRN-only build has no network)")
        return _section("network", "", why)
    net, meta = b.model.network, b.model.metadata
    rows = [
        ("dimensions", " \u2192 ".join(map(str, net.dims))),
        ("weights", meta.get("weights_kind") or net.weights_kind),
        ("accuracy", pct(meta.get("accuracy")) + (f" (evaluated on {meta['evaluated_on']})"
                                                 if meta.get("evaluated_on") else "")),
        ("dataset", meta.get("dataset") or DASH),
        ("seed", meta.get("seed")),
    ]
    config = meta.get("config") or {}
    if config.get("epochs") is not None:
        rows.append(("training", f"{config['epochs']} epochs, batch {config.get('batch_size')}, best epoch "
                                 f"{meta.get('best_epoch', DASH)}, {num(meta.get('seconds'))} s"))
    if meta.get("loaded_from") or meta.get("source"):
        rows.append(("loaded from", meta.get("loaded_from") or meta.get("source")))
    if b.model.examples is not None:
        x, labels = b.model.examples
        rows.append(("examples stored with the model", f"{len(x)}"))
        if labels is not None and len(labels):
            acc = float(np.mean(net.predict(np.asarray(x, float)) == np.asarray(labels)))
            rows.append(("accuracy on those examples", pct(acc)))
    return _section("network", kv_table(rows))


def section_counts(b: BuildFolder) -> Section:
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
        return _section("counts", "", "no CRN files, build.json CRN statistics or dsd.json in this build")
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
            notes.append(f"Sizing: 1 formal unit = {num(sizing.get('unit_nM'))} nM, safety factor "
                         f"{num(sizing.get('safety'))}; largest reaction bound {num(sizing.get('bound_max'))} vs "
                         f"observed {num(sizing.get('observed_max'))} (formal units).")
        totals = b.dsd.get("total_nM_by_role")
        if totals:
            notes.append("Total concentration by role: " + ", ".join(f"{k} {num(v)} nM" for k, v in totals.items()))
    else:
        notes.append("No dsd.json: DNA counts absent (the DNA stages did not run).")
    return _section("counts", table(headers, rows) + "".join(f"<p>{e(n)}</p>" for n in notes))


def section_agreement(b: BuildFolder) -> Section:
    if b.simulation is None:
        if b.inputs is not None:  # a CRN-only build with simulation.inputs
            return _section("agreement", inputs_html(b.inputs) + formal_compare_html(b.path))
        return _section("agreement", "", "no simulation.json (a build without a network has no examples to "
                                         "compare on)")
    s = b.simulation
    rows = [("examples simulated", s.get("examples")),
            ("argmax agreement (CRN vs network)", f"{s.get('argmax_match', DASH)}/{s.get('examples')}"),
            (f"max |CRN \u2212 network| at t = {num(s.get('check_t_end'))}", num(s.get("max_abs_error"))),
            ("max |exact CRN limit \u2212 network|", num(s.get("limit_max_abs_error"))),
            (f"stabilisation time on [0, {num(s.get('t_end'))}]: median / max",
             f"{num((s.get('stabilisation_time') or {}).get('median'))} / "
             f"{num((s.get('stabilisation_time') or {}).get('max'))} (formal time)")]
    ex = b.examples()
    if ex is not None and ex[1] is not None and s.get("crn_outputs"):
        crn_out = np.asarray(s["crn_outputs"], float)
        if crn_out.shape[0] == len(ex[1]):
            rows.append(("CRN classification accuracy vs labels", pct(float(np.mean(crn_out.argmax(1) == ex[1])))))
    body = kv_table(rows)
    g = b.gatesim
    if g is not None:
        body += gate_level_html(g)
    else:
        body += note("no gatesim.json: the gate level was not simulated in this build")
    return _section("agreement", body)


def section_trajectories(b: BuildFolder, k: int) -> Section:
    """The first ``k`` of the examples whose trajectories the build wrote."""
    ex, formal = b.examples(), b.trajectories
    if ex is None:
        return _section("trajectories", "", "needs a network with stored examples and simulation.json")
    if formal is None:
        why = (b.problems or {}).get(TRAJECTORIES_FILE)
        return _section("trajectories", "", f"{TRAJECTORIES_FILE} is {why}" if why else
                        f"no {TRAJECTORIES_FILE}: this build predates the trajectories the build writes for the "
                        f"report (the report does not simulate; rebuild to draw them)")
    if k == 0:
        return _section("trajectories", "", "examples_to_plot = 0")
    if not formal.indices:
        return _section("trajectories", "", "the build plotted no examples (report.examples_to_plot = 0)")
    x, labels, net_out = ex
    gates, gate_note = b.gate_trajectories, None
    if gates is not None and gates.indices[:k] != formal.indices[:k]:
        gates, gate_note = None, f"{GATE_TRAJECTORIES_FILE} is of other examples than {TRAJECTORIES_FILE}"
    elif gates is None:
        why = (b.problems or {}).get(GATE_TRAJECTORIES_FILE)
        gate_note = (f"{GATE_TRAJECTORIES_FILE} is {why}" if why else
                     f"no {GATE_TRAJECTORIES_FILE}: the gate level is not shown")
    panels = ("Left: the formal CRN in formal time units; right: the gate-level system (concentration / "
              "unit_nM) in hours, log time axis." if gates is not None else "The formal CRN in formal time units.")
    parts = [f"<p>Solid: the CRN's output <i>y<sub>i</sub>(t) = y<sub>i</sub><sup>+</sup> \u2212 "
             f"y<sub>i</sub><sup>\u2212</sup></i>; dashed: the network's output. {e(panels)} "
             f"Dotted vertical line: stabilisation (the final winner takes the lead for good).</p>"]
    if gate_note:
        parts.append(note(gate_note))
    if k > len(formal.indices):
        parts.append(note(f"{k} examples asked for; the build wrote the trajectories of {len(formal.indices)} "
                          f"(report.examples_to_plot of the build spec)."))
    for j, (i, why) in enumerate(zip(formal.indices[:k], formal.why[:k])):
        label = "" if labels is None else f", label {labels[i]}"
        caption = (f"Example {i} ({why}): input [{', '.join(num(v, 3) for v in x[i])}]{label}; network output "
                   f"[{', '.join(num(v, 3) for v in net_out[i])}], class {int(np.argmax(net_out[i]))}.")
        parts.append(figure(trajectory_png(formal, gates, j, net_out[i]), caption, f"trajectories-{i}"))
    return _section("trajectories", "".join(parts))


def section_confidence(b: BuildFolder, kind: str) -> Section:
    ex, stab = b.examples(), b.stabilisation_times()
    if ex is None:
        return _section("confidence", "", "needs a network with stored examples and simulation.json")
    if stab is None:
        return _section("confidence", "", "simulation.json has no per-example stabilisation times (a build from "
                                          "before they were stored; the report does not simulate)")
    x, labels, net_out = ex
    conf = network_confidence(net_out, kind)
    r = pearson_r(conf, stab)
    correct = None if labels is None else np.argmax(net_out, axis=1) == labels
    caption = (f"Each point is one simulated example: when the formal CRN's eventual winner takes the lead for "
               f"good (on a grid of step {num(b.grid_step())}) against the network's confidence, here the "
               f"{CONFIDENCE_KINDS[kind]}. Pearson r = {r_text(r)}.")
    png = confidence_png(conf, stab, correct, CONFIDENCE_KINDS[kind], r)
    return _section("confidence", figure(png, caption, "confidence-scatter",
                                         attrs={"data-pearson-r": repr(r), "data-confidence": kind}))


def section_verification(b: BuildFolder) -> Section:
    v = b.verification
    if v is None:
        return _section("verification", "", "no verification.json (verification disabled or the DNA stages did "
                                            "not run)")
    rows = []
    for m in v.get("modules", []):
        reactions = m.get("reactions", [])
        rows.append([m.get("shape"), f"{len(reactions)}: {short_list(reactions)}", Raw(badge(m.get("passed"))),
                     num(m.get("seconds")), Raw(f"<details><summary>detail</summary><code>{e(m.get('detail', ''))}"
                                                f"</code></details>")])
    head = (f"<p>{badge(v.get('passed'))} {v.get('shapes')} reaction shapes covering {v.get('reactions')} "
            f"reactions, CRN bisimulation per shape (Peppercorn + crnverifier), {num(v.get('seconds'))} s.</p>")
    return _section("verification", head + table(["shape", "reactions", "result", "seconds", "interpretation"], rows))


def section_sequences(b: BuildFolder) -> Section:
    if b.checks_rows is None:
        return _section("sequences", "", "no checks.csv (sequence design disabled in this build)")
    summary = check_summary(b.checks_rows)
    from sequences.design import ADVISORY_CHECKS

    rows = [[s["check"], s["rows"], s["passed"], s["failed"],
             Raw('<span class="advisory">advisory</span>' if s["check"] in ADVISORY_CHECKS and s["failed"]
                 else badge(s["failed"] == 0)),
             f"{num(s['worst'])} ({s['direction']})" if s["worst"] is not None else DASH,
             num(s["threshold"]), s["worst_subject"]] for s in summary]
    total = sum(s["rows"] for s in summary)
    failed = sum(s["failed"] for s in summary if s["check"] not in ADVISORY_CHECKS)
    advisory = sum(s["failed"] for s in summary if s["check"] in ADVISORY_CHECKS)
    head = f"<p>{total} rows, {total - failed - advisory} pass, {failed} fail, {advisory} advisory"
    if b.design:
        d = b.design
        head += (f"; backend {e(d.get('backend'))}, design {'passed' if d.get('passed') else 'FAILED'}"
                 + (f" (failures: {e(', '.join(f'{k}: {n}' for k, n in d['failures'].items()))})"
                    if d.get("failures") else ""))
    head += f". Advisory rows ({', '.join(sorted(ADVISORY_CHECKS))}) do not decide the design's pass.</p>"
    return _section("sequences", head + table(
        ["check", "rows", "pass", "fail", "result", "worst value", "threshold", "worst subject"], rows)
        + crosstalk_html(b.design))


def section_order(b: BuildFolder, prices: dict) -> Section:
    """The order estimate under ``prices`` (a full price table, see :mod:`dsd.wetlab.pricing`)."""
    from dsd.wetlab.order import OrderOptions

    oligos, source = _oligos(b)
    if oligos is None:
        return _section("order", "", "no order.csv, strands.csv or system.pil to count strands from")
    limit_nt, limit_code = OrderOptions().scales[-1]
    cost = order_cost(oligos, prices, limit_nt=limit_nt)
    cur = prices["currency"]
    price = lambda v, unit: money(v, cur) + unit if v is not None else "no price"  # noqa: E731
    in_table_order = lambda d, key: sorted(d.items(), key=lambda kv: _position(prices[key], kv[0]))  # noqa: E731
    rows = [[f"scale {code}", price(r["per_nt"], " / nt"), r["strands"], r["nt"], money(r["cost"], cur)]
            for code, r in in_table_order(cost["by_scale"], "per_nt")]
    rows += [[f"purification {code}", price(r["per_strand"], " / oligo"), r["strands"], None, money(r["cost"], cur)]
             for code, r in in_table_order(cost["by_purification"], "per_strand")]
    rows += [[f"modification {code}", price(r["per_modification"], " each"), r["strands"], None,
              money(r["cost"], cur)] for code, r in in_table_order(cost["by_modification"], "per_modification")]
    rows.append([Raw("<b>total</b>"), "", cost["strands"], cost["nucleotides"],
                 Raw(f"<b>{e(money(cost['total'], cur))}</b>")])
    body = (f"<p>{cost['strands']} oligos to order (one per distinct sequence), {cost['nucleotides']} nt in all, "
            f"longest {cost['longest_nt']} nt; scale and purification from {e(source)}. "
            f"Prices: {e(prices['source'])}.</p>")
    body += table(["item", "price", "oligos", "nt", "cost"], rows)
    if cost["unpriced"]:
        body += note(f"{cost['unpriced']} oligos have a scale or purification code without a price and are not "
                     f"in the total: add the code to price_table.")
    if cost["over_limit"]:
        body += note(f"{cost['over_limit']} oligos are longer than {limit_nt} nt, the longest any scale makes "
                     f"({limit_code}): they cannot be synthesised as one oligo (a smaller crn.fanout_limit shortens "
                     f"gate strands); priced here as if they could.")
    if b.strands_rows:
        roles: dict[str, int] = {}
        for r in b.strands_rows:
            roles[r.get("role", "?")] = roles.get(r.get("role", "?"), 0) + 1
        body += f"<p>strands.csv: {len(b.strands_rows)} strands of complexes; by role: " + e(
            ", ".join(f"{k} {n}" for k, n in sorted(roles.items()))) + ".</p>"
    return _section("order", body)


def section_checks(b: BuildFolder) -> Section:
    checks = b.build.get("checks") or []
    rows = [[c.get("check"), num(c.get("value")) if isinstance(c.get("value"), float) else c.get("value"),
             Raw(badge(c.get("pass"), c.get("status")))] for c in checks]
    warned = sum(c.get("status") == "warn" for c in checks)
    passed = sum(bool(c.get("pass")) for c in checks) - warned
    body = (f"<p>{passed}/{len(checks)} checks pass" + (f", {warned} warn" if warned else "") + ".</p>"
            + table(["check", "value", "result"], rows))
    stages = b.build.get("stages") or {}
    srows = [[name, num(s.get("seconds")), "reused" if s.get("reused") else ""] for name, s in stages.items()]
    if srows:
        body += "<h3>Stages</h3>" + table(["stage", "seconds", ""], srows)
    return _section("checks", body)


# -- helpers of the sections -----------------------------------------------------------------------

def _oligos(b: BuildFolder) -> tuple[list[Oligo] | None, str]:
    """The oligos of the order and where their scale and purification came from."""
    from dsd.wetlab.order import OrderOptions, bases, modifications, order_rows, strand_entries

    if b.order_rows is not None:
        return [Oligo(len(bases(r.get("Sequence") or "")), r.get("Scale") or "", r.get("Purification") or "",
                      modifications(r.get("Sequence") or "")) for r in b.order_rows], "order.csv"
    if b.strands_rows:
        rows = order_rows(strand_entries(b.strands_rows))
        return ([Oligo(r.length_nt, r.scale, r.purification) for r in rows],
                "strands.csv with the default rules of dsd.wetlab.order (no order.csv)")
    if b.pil_path is not None:
        from dsd.pil import read_pil
        from dsd.strand_kinds import strand_kinds

        # read as a stream, strands counted by kind (length, roles): one Oligo per kind, shared by its strands
        system = read_pil(b.pil_path, need_scheme=False).system
        options = OrderOptions()
        oligos = []
        for n, roles, count in strand_kinds(system):
            oligos += [Oligo(n, options.scale(n), options.purification(n, roles))] * count
        return oligos, "system.pil (distinct strands; no sequences designed) with the default rules of dsd.wetlab.order"
    return None, ""


def _position(codes: dict, code: str) -> tuple[int, str]:
    keys = list(codes)
    return (keys.index(code) if code in keys else len(keys), code)

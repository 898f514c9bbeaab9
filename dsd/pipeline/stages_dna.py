"""The DNA stages of a build: translate (system.pil, dsd.json), verify (verification.json) and the
gate-level simulation (gatesim.json)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from crn.atomic import atomic_write_text
from crn.model import CRN
from crn.sources import reservoir_form
from crn.textformat import format_crn
from dsd.pipeline.cache import array_hash, reuse_stage, stage_key
from dsd.pipeline.records import BuildResult, Examples
from dsd.pipeline.spec import BuildSpec
from dsd.pipeline.trajectories import GATE_TRAJECTORIES_FILE, plotted_examples, write_gate_trajectories


def input_box(spec: BuildSpec, examples: Examples | None):
    """(low, high) of the inputs the gates and reporters are sized for (formal units): the spec's
    crn.input_range, else the dataset's per-feature range, else (None, None)."""
    if spec.crn.input_range is not None:
        return spec.crn.input_range
    if examples is not None:
        return examples.input_low, examples.input_high
    return None, None


def stage_dna(spec: BuildSpec, forms: dict[str, CRN], examples: Examples | None, work: Path, previous: Path,
              previous_hashes: dict[str, str], result: BuildResult, log: Callable[[str], None],
              enter: Callable[[str], None] = lambda name: None, gatesim: bool = True):
    """translate (system.pil, dsd.json), verify (verification.json) and, when ``gatesim``, the
    gate-level stage (:func:`stage_gatesim`); returns (the sized domain system, scheme, sizing).

    Verification depends only on the formal CRN and the scheme: it is reused from the previous
    build when both are unchanged."""
    from dsd.translate import system_summary, translate_sized
    from dsd.schemes import make_scheme
    from dsd.pil import scheme_header
    from dsd.verify import verification_report
    from dsd.pil import read_pil, write_pil
    from dsd.verify import coverage_problems, verify_crn

    d = spec.dsd
    crn = reservoir_form(forms["formal"], spec.simulation.t_end)  # zero-order sources (crn.sources)
    enter("translate")
    scheme = make_scheme(d.scheme, d.toehold_nt, d.long_nt, d.history_nt)
    t0 = time.perf_counter()
    low, high = input_box(spec, examples)
    if low is not None:
        system, sizing = translate_sized(crn, scheme, low, high, unit_nM=d.unit_nM, safety=d.safety,
                                         examples=examples.x if examples is not None else None,
                                         helper_excess=d.helper_excess, horizon=spec.simulation.t_end)
        summary = system_summary(system, sizing)
    else:  # a hand-written CRN without a declared input range: gates cannot be sized
        from dsd.translate import translate

        system, sizing = translate(crn, scheme), None
        summary = {**system.counts(), "sizing": None}
        log("translate: no crn.input_range, so the gates are not sized (concentrations 0)")
    crn_text = format_crn(crn)
    write_pil(work / "system.pil", system, scheme_header(scheme, sizing), crn_text)
    # what gatesim and verify will read: the file as written must implement every reaction and
    # starting species of the CRN it embeds (a short write never passes as a smaller circuit)
    written = read_pil(work / "system.pil")
    gaps = coverage_problems(written.system, written.crn, written.scheme)
    if written.truncation:
        gaps.insert(0, f"truncated ({written.truncation})")
    result.add_check("system.pil has gates for every reaction and a signal for every starting species of its CRN",
                     "; ".join(gaps) or f"{len(crn.reactions)} reactions, {len(written.system.complexes)} complexes",
                     not gaps)
    from dsd.wetlab.feasibility import dna_size

    size = dna_size(system, spec.report.price_table())  # the report's "DNA size" section and its sentence
    summary = {**summary, "scheme": scheme.name, "forms": _form_counts(forms, system, scheme, log), "dna_size": size}
    atomic_write_text(work / "dsd.json", json.dumps(summary, indent=1))
    for form, c in summary["forms"].items():
        if "complexes" not in c:
            continue
        log(f"  {form:>16}: {c['reactions']:>6} reactions {c['complexes']:>7} complexes {c['strands']:>8} strands "
            f"{c['nucleotides']:>10} nt")
    result.stages["translate"] = {"seconds": time.perf_counter() - t0,
                                  **{k: summary[k] for k in ("complexes", "strands", "domains", "nucleotides")},
                                  "dna_size": size}
    log(f"translate: {summary['complexes']} complexes, {summary['strands']} strands, {summary['nucleotides']} nt "
        f"({time.perf_counter() - t0:.1f} s)")
    log(f"  DNA size: {size['sentence']}")

    if d.verify:
        enter("verify")
        t0 = time.perf_counter()
        key = stage_key(crn_text, scheme.name, d.toehold_nt, d.long_nt, d.history_nt)
        reused = reuse_stage("verify", key, ("verification.json",), work, previous, previous_hashes, result)
        if reused:
            report = json.loads((work / "verification.json").read_text())
        else:
            report = verification_report(verify_crn(crn, scheme))
            atomic_write_text(work / "verification.json", json.dumps(report, indent=1))
        result.stages["verify"] = {"hash": key, "reused": reused, "seconds": time.perf_counter() - t0,
                                   **{k: report[k] for k in ("passed", "shapes", "reactions")}}
        failed = [m["shape"] for m in report["modules"] if not m["passed"]]
        result.add_check("every reaction shape passes CRN bisimulation (Peppercorn + crnverifier)",
                         f"{report['shapes'] - len(failed)}/{report['shapes']} shapes, {report['reactions']} reactions"
                         + (f"; failed: {failed[0]}" if failed else ""),
                         report["passed"])
        log(f"verify: {'reused' if reused else 'done'}, {report['shapes']} shapes "
            f"({time.perf_counter() - t0:.1f} s)")

    if gatesim:
        stage_gatesim(spec, crn, system, scheme, sizing, examples, work, previous, previous_hashes, result, log, enter)
    return system, scheme, sizing


FORM_COUNT_MAX_MOLECULES = 200_000
"""A CRN form whose reactions make more product molecules than this is not translated just to be counted (the
196-512-512-10 network: unreduced 738,304, 754k strands, minutes to translate; reduced ~75 million: Algorithm 2
folds the hidden layers' fan-out into the input reactions, and fan-out limiting it would take millions of relay
gates). The 196-64-10 reference mnist14 network's forms make at most 87,405 (reduced): all counted."""


def _form_counts(forms: dict[str, CRN], system, scheme, log: Callable[[str], None]) -> dict[str, dict]:
    """DNA counts per CRN form (dsd.json ``forms``): the formal form's are the translated system's; a form too
    big to translate for a count (:data:`FORM_COUNT_MAX_MOLECULES`) says so instead."""
    from dsd.translate import form_counts

    molecules = {name: sum(n for r in crn.reactions for _, n in r.products) for name, crn in forms.items()}
    big = {name for name, m in molecules.items() if m > FORM_COUNT_MAX_MOLECULES and name != "formal"}
    counts = form_counts({k: v for k, v in forms.items() if k not in big and k != "formal"}, scheme)
    counts["formal"] = {"reactions": len(forms["formal"].reactions), **system.counts()}
    for name in sorted(big):
        counts[name] = {"reactions": len(forms[name].reactions),
                        "not_translated": f"{molecules[name]:,} product molecules: too big to translate for a count"}
        log(f"  {name}: not translated ({counts[name]['not_translated']})")
    return {name: counts[name] for name in [*forms, *(k for k in counts if k not in forms)]}


def _gatesim(crn: CRN, system, scheme, spec: BuildSpec, examples: Examples, n: int, kinetics: dict) -> dict:
    """Gate-level simulation of the first ``n`` examples with the spec's leaks, the leak-free run
    (which sets the read-out time unless dsd.readout_hours is given) and the leak sweep."""
    from dsd.gatesim import gate_report

    d = spec.dsd
    report, _ = gate_report(crn, system, scheme, d.unit_nM, examples.x[:n], examples.network_outputs[:n],
                            leak_per_nM_s=d.leak_per_nM_s, initial_leak=d.initial_leak, hours=d.hours,
                            readout_hours=d.readout_hours, sweep=True, compute=spec.compute.compute(), **kinetics)
    return report


def _gatesim_checks(report: dict, n: int, d, result: BuildResult, log: Callable[[str], None], reused: bool,
                    seconds: float) -> None:
    """The build's check (ideal gates agree with the network at the read-out time) and the log."""
    ideal = report["leak_free"]
    allowed = n // 100
    readout = report["readout_hours"]
    result.add_check(f"leak-free gate-level argmax equals the network on all but {allowed} examples at the "
                     f"read-out time ({readout:.3g} h, {report['readout_source']})",
                     f"{ideal['argmax_match']}/{ideal['examples']} at {readout:.3g} h "
                     f"({ideal['argmax_match_end']}/{ideal['examples']} after {d.hours:g} h), decided after "
                     f"{ideal['hours_to_converge']:.2f} h, max error {ideal['max_abs_error']:.2e}",
                     ideal["argmax_match"] >= n - allowed)
    log(f"gatesim: {'reused, ' if reused else ''}read-out {readout:.3g} h ({report['readout_rule']}); leak "
        f"{report['leak_per_nM_s']:g} /nM/s, initial leak {report['initial_leak']:g}: {report['argmax_match']}/{n} "
        f"argmax match at the read-out, {report['argmax_match_end']}/{n} after {d.hours:g} h ({seconds:.1f} s)")
    for e in report.get("leak_sweep", []):
        log(f"  leak {e['leak_per_nM_s']:>6g} /nM/s, initial leak {e['initial_leak']:<5g}: {e['argmax_match']:>4}/{n} "
            f"at {e['readout_hours']:.3g} h, max error {e['max_abs_error']:.2g}; {e['argmax_match_end']}/{n} at the end")


GATESIM_MAX_COMPLEXES = 50_000
"""Above this many complexes the build skips the gate-level simulation and says why (hours per image and
gigabytes of Jacobian; the formal CRN is still simulated and the DNA translated and verified)."""


def stage_gatesim(spec: BuildSpec, crn: CRN, system, scheme, sizing, examples: Examples | None, work: Path,
                  previous: Path, previous_hashes: dict[str, str], result: BuildResult, log: Callable[[str], None],
                  enter: Callable[[str], None] = lambda name: None, designed: bool = False) -> None:
    """gatesim.json and gate_trajectories.json (needs sized gates and the network's examples).
    ``designed``: the design stage wrote domains.csv (toehold dG_kcal) and occlusion.csv into
    ``work``: the kinetics use them, and gatesim.json adds the run without the occlusion sites."""
    if sizing is None or examples is None or examples.network_outputs is None:
        return
    if len(system.complexes) > GATESIM_MAX_COMPLEXES:
        reason = (f"{len(system.complexes):,} complexes: a gate-level simulation of this size is not feasible (the "
                  f"limit is {GATESIM_MAX_COMPLEXES:,}; the mnist protocol's 8,406 complexes take 7-17 s per image "
                  f"and the cost grows faster than the species count), so the gate level was not simulated")
        result.stages["gatesim"] = {"skipped": reason, "complexes": len(system.complexes), "seconds": 0.0}
        result.add_check("gate-level simulation", f"skipped: {reason}", True, status="warn")
        log(f"gatesim: skipped, {reason}")
        return
    d = spec.dsd
    enter("gatesim")
    t0 = time.perf_counter()
    n = len(examples.x) if d.examples is None else min(d.examples, len(examples.x))
    if spec.simulation.examples is not None and d.examples is None:
        n = min(n, spec.simulation.examples)
    plotted = plotted_examples(work)  # the report's examples, picked by the simulate stage
    design_text = [(work / f).read_text() if (work / f).is_file() else "" for f in ("domains.csv", "occlusion.csv")]
    key = stage_key((work / "system.pil").read_text(), json.dumps(asdict(d), sort_keys=True),
                    array_hash(examples.x[:n], examples.network_outputs[:n]), plotted,
                    array_hash(examples.x[plotted]), designed, *(design_text if designed else []))
    reused = reuse_stage("gatesim", key, ("gatesim.json", GATE_TRAJECTORIES_FILE), work, previous,
                         previous_hashes, result)
    if reused:
        report = json.loads((work / "gatesim.json").read_text())
    else:
        kinetics, notes = {}, []
        if designed:
            from dsd.designed import designed_kinetics

            kinetics, notes = designed_kinetics(work, crn, system, scheme)
        report = _gatesim(crn, system, scheme, spec, examples, n, kinetics)
        report["designed_sequences"] = {"used": designed, "notes": notes}
        if kinetics.get("extra_reactions"):
            report["without_occlusion_sites"] = _without_sites(crn, system, scheme, spec, examples, n, kinetics)
        atomic_write_text(work / "gatesim.json", json.dumps(report, indent=1))
        write_gate_trajectories(work, crn, system, scheme, d.unit_nM, d.leak_per_nM_s, d.hours, examples.x,
                                plotted, initial_leak=d.initial_leak, kinetics=kinetics)
    result.stages["gatesim"] = {k: v for k, v in report.items() if k not in ("agreement_over_time",)} | {
        "hash": key, "reused": reused, "seconds": time.perf_counter() - t0}
    _gatesim_checks(report, n, d, result, log, reused, time.perf_counter() - t0)
    for line in report.get("designed_sequences", {}).get("notes", []):
        log(f"  {line}")


def _without_sites(crn, system, scheme, spec: BuildSpec, examples: Examples, n: int, kinetics: dict) -> dict:
    """The spec's run with the designed toeholds but without the occlusion sites, read at its own
    label-free read-out time."""
    from dsd.gatesim import gate_report

    d = spec.dsd
    plain = {k: v for k, v in kinetics.items() if k != "extra_reactions"}
    report, _ = gate_report(crn, system, scheme, d.unit_nM, examples.x[:n], examples.network_outputs[:n],
                            leak_per_nM_s=d.leak_per_nM_s, initial_leak=d.initial_leak, hours=d.hours,
                            readout_hours=d.readout_hours, compute=spec.compute.compute(), **plain)
    return {k: report[k] for k in ("readout_hours", "readout_rule", "argmax_match", "argmax_match_end",
                                   "max_abs_error", "hours_to_converge", "leak_per_nM_s", "initial_leak")}


INPUTS_FILE = "inputs.json"


def stage_inputs(spec: BuildSpec, crn: CRN, system, scheme, sizing, work: Path, result: BuildResult,
                 log: Callable[[str], None], enter: Callable[[str], None] = lambda name: None) -> None:
    """A CRN-only build's ``simulation.inputs`` (formal units): the formal CRN to
    simulation.check_t_end (``formal_outputs``) and, when the gates are sized, the gate level read
    at its label-free read-out time (``outputs``), with the spec's leaks; writes inputs.json."""
    from crn.simulate import simulate
    from dsd.gatesim import gate_report, input_rows

    enter("inputs")
    t0 = time.perf_counter()
    crn = reservoir_form(crn, spec.simulation.t_end)  # the CRN the gates implement (stage_dna)
    names_in, names_out = [s.name for s in crn.inputs], [s.name for s in crn.outputs]
    for i, row in enumerate(spec.simulation.inputs):
        if len(row) != len(names_in):
            raise ValueError(f"simulation.inputs: vector {i + 1} has {len(row)} values; the CRN has "
                             f"{len(names_in)} inputs ({', '.join(names_in)})")
    x = np.asarray(spec.simulation.inputs, float)
    t_end = spec.simulation.check_t_end
    formal = simulate(crn, x, t_end=t_end, rtol=spec.simulation.rtol, atol=spec.simulation.atol,
                      compute=spec.compute.compute()).outputs
    data = {"what": "simulation.inputs of a CRN-only build: outputs (gate level at the read-out time) and "
                    "formal_outputs (formal CRN at formal_t_end), formal units",
            "inputs": names_in, "outputs": names_out, "formal_t_end": t_end, "gate_level": sizing is not None}
    gates = formal
    if sizing is not None and system is not None:
        d = spec.dsd
        report, sim = gate_report(crn, system, scheme, d.unit_nM, x, formal, leak_per_nM_s=d.leak_per_nM_s,
                                  initial_leak=d.initial_leak, hours=d.hours, readout_hours=d.readout_hours,
                                  compute=spec.compute.compute())
        gates = sim.at(report["readout_hours"])
        data.update({k: report[k] for k in ("readout_hours", "readout_rule", "readout_source", "leak_per_nM_s",
                                            "initial_leak", "unit_nM")})
    else:
        log("inputs: the gates are not sized (no crn.input_range): outputs are the formal CRN's")
    data["rows"] = input_rows(names_in, names_out, x, gates, formal)
    atomic_write_text(work / INPUTS_FILE, json.dumps(data, indent=1))
    worst = max((abs(r["outputs"][o] - r["formal_outputs"][o]) for r in data["rows"] for o in names_out), default=0.0)
    result.stages["inputs"] = {"rows": len(x), "max_abs_error": worst, "seconds": time.perf_counter() - t0}
    log(f"inputs: {len(x)} input vectors, max |gates - formal| {worst:.3g}"
        + (f" at {data['readout_hours']:.3g} h" if "readout_hours" in data else "")
        + f" ({time.perf_counter() - t0:.1f} s)")
    if sizing is not None and system is not None:
        _formal_compare(spec, crn, system, scheme, sizing, x, data.get("readout_hours"), work, result, log)


FORMAL_COMPARE_FILE = "formal_compare.json"


def _formal_compare(spec: BuildSpec, crn: CRN, system, scheme, sizing, x: np.ndarray, readout: float | None,
                    work: Path, result: BuildResult, log: Callable[[str], None]) -> None:
    """formal_compare.json: the gate level of ``simulation.inputs`` against the formal CRN's
    trajectories (:func:`dsd.formal_compare.compare_trajectories`), with the spec's leaks."""
    from dsd.formal_compare import compare_trajectories

    d = spec.dsd
    data = compare_trajectories(crn, system, scheme, d.unit_nM, x, hours=d.hours, horizon=sizing.horizon,
                                leak_per_nM_s=d.leak_per_nM_s, initial_leak=d.initial_leak,
                                helper_excess=d.helper_excess, readout_hours=readout)
    if d.leak_per_nM_s > 0 or d.initial_leak > 0:  # what the leaks cost: the same comparison with ideal gates
        ideal = compare_trajectories(crn, system, scheme, d.unit_nM, x, hours=d.hours, horizon=sizing.horizon,
                                     helper_excess=d.helper_excess, readout_hours=readout)
        data["leak_free"] = {k: ideal[k] for k in ("max_abs_difference", "max_abs_difference_per_output",
                                                   "hours_per_formal_unit", "window_hours", "oscillation",
                                                   "t_hours_run", "gate_run", "formal_run")}
    atomic_write_text(work / FORMAL_COMPARE_FILE, json.dumps(data) + "\n")
    # oscillation periods are reported for a CRN whose formal trajectories oscillate in the window
    oscillates = any(o["formal"]["periods"] >= 1 for e in data["oscillation"] for o in e.values())
    periods = min((o["gate"]["periods"] for e in data["oscillation"] for o in e.values()), default=0)
    result.stages["inputs"].update(trajectories_max_abs_difference=data["max_abs_difference"],
                                   hours_per_formal_unit=data["hours_per_formal_unit"],
                                   gate_periods=periods if oscillates else None)
    log(f"inputs: gate level vs formal trajectories: max |difference| {data['max_abs_difference']:.3g} over "
        f"{data['window_hours']:.3g} h (1 formal time unit = {data['hours_per_formal_unit']:.3g} h, fitted)"
        + (f"; it oscillates: at least {periods} full periods of every output at the gate level" if oscillates else "")
        + (f"; leak-free gates: {data['leak_free']['max_abs_difference']:.3g}" if "leak_free" in data else ""))

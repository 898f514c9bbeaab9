"""The DNA stages of a build: translate (system.pil, dsd.json), verify (verification.json) and the
gate-level simulation (gatesim.json)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from crn.atomic import atomic_write_text
from crn.model import CRN
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
              enter: Callable[[str], None] = lambda name: None):
    """translate (system.pil, dsd.json), verify (verification.json) and gatesim (gatesim.json);
    returns the sized domain system.

    Verification depends only on the formal CRN and the scheme: it is reused from the previous
    build when both are unchanged."""
    from dsd.translate import form_counts, system_summary, translate_sized
    from dsd.schemes import make_scheme
    from dsd.pil import scheme_header
    from dsd.verify import verification_report
    from dsd.pil import format_pil
    from dsd.pil import read_pil
    from dsd.verify import coverage_problems, verify_crn

    d = spec.dsd
    crn = forms["formal"]
    enter("translate")
    scheme = make_scheme(d.scheme, d.toehold_nt, d.long_nt, d.history_nt)
    t0 = time.perf_counter()
    low, high = input_box(spec, examples)
    if low is not None:
        system, sizing = translate_sized(crn, scheme, low, high, unit_nM=d.unit_nM, safety=d.safety,
                                         examples=examples.x if examples is not None else None)
        summary = system_summary(system, sizing)
    else:  # a hand-written CRN without a declared input range: gates cannot be sized
        from dsd.translate import translate

        system, sizing = translate(crn, scheme), None
        summary = {**system.counts(), "sizing": None}
        log("translate: no crn.input_range, so the gates are not sized (concentrations 0)")
    crn_text = format_crn(crn)
    atomic_write_text(work / "system.pil", format_pil(system, scheme_header(scheme, sizing), crn_text))
    # what gatesim and verify will read: the file as written must implement every reaction and
    # starting species of the CRN it embeds (a short write never passes as a smaller circuit)
    written = read_pil(work / "system.pil")
    gaps = coverage_problems(written.system, written.crn, written.scheme)
    if written.truncation:
        gaps.insert(0, f"truncated ({written.truncation})")
    result.add_check("system.pil has gates for every reaction and a signal for every starting species of its CRN",
                     "; ".join(gaps) or f"{len(crn.reactions)} reactions, {written.system.counts()['complexes']} complexes",
                     not gaps)
    summary = {**summary, "scheme": scheme.name, "forms": form_counts(dict(forms), scheme)}
    atomic_write_text(work / "dsd.json", json.dumps(summary, indent=1))
    for form, c in summary["forms"].items():
        log(f"  {form:>16}: {c['reactions']:>6} reactions {c['complexes']:>7} complexes {c['strands']:>8} strands "
            f"{c['nucleotides']:>10} nt")
    result.stages["translate"] = {"seconds": time.perf_counter() - t0,
                                  **{k: summary[k] for k in ("complexes", "strands", "domains", "nucleotides")}}
    log(f"translate: {summary['complexes']} complexes, {summary['strands']} strands, {summary['nucleotides']} nt "
        f"({time.perf_counter() - t0:.1f} s)")

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

    if sizing is not None and examples is not None and examples.network_outputs is not None:
        enter("gatesim")
        t0 = time.perf_counter()
        n = len(examples.x) if d.examples is None else min(d.examples, len(examples.x))
        if spec.simulation.examples is not None and d.examples is None:
            n = min(n, spec.simulation.examples)
        plotted = plotted_examples(work)  # the report's examples, picked by the simulate stage
        key = stage_key((work / "system.pil").read_text(), json.dumps(asdict(d), sort_keys=True),
                    array_hash(examples.x[:n], examples.network_outputs[:n]), plotted,
                    array_hash(examples.x[plotted]))
        reused = reuse_stage("gatesim", key, ("gatesim.json", GATE_TRAJECTORIES_FILE), work, previous,
                             previous_hashes, result)
        if reused:
            report = json.loads((work / "gatesim.json").read_text())
        else:
            report = _gatesim(crn, system, scheme, spec, examples, n)
            atomic_write_text(work / "gatesim.json", json.dumps(report, indent=1))
            write_gate_trajectories(work, crn, system, scheme, d.unit_nM, d.leak_per_nM_s, d.hours, examples.x,
                                    plotted)
        result.stages["gatesim"] = {**report, "hash": key, "reused": reused, "seconds": time.perf_counter() - t0}
        allowed = n // 100
        result.add_check(f"gate-level argmax equals the network on all but {allowed} examples after {d.hours:g} h"
                         + (f" (leak {d.leak_per_nM_s:g} /nM/s)" if d.leak_per_nM_s else ""),
                         f"{report['argmax_match']}/{report['examples']}, decided after "
                         f"{report['hours_to_converge']:.2f} h, max error {report['max_abs_error']:.2e}",
                         report["argmax_match"] >= n - allowed)
        log(f"gatesim: {'reused, ' if reused else ''}{report['argmax_match']}/{n} argmax match, "
            f"{report['hours_to_converge']:.2f} h ({time.perf_counter() - t0:.1f} s)")
        if "with_leak" in report:
            w = report["with_leak"]
            log(f"gatesim with leak {w['leak_per_nM_s']:g} /nM/s: {w['argmax_match']}/{n} argmax match, "
                f"max error {w['max_abs_error']:.2g} after {d.hours:g} h; best read-out "
                f"{w['argmax_match_at_best_readout']}/{n} at {w['best_readout_hours']:.2g} h")
    return system


def _gatesim(crn: CRN, system, scheme, spec: BuildSpec, examples: Examples, n: int) -> dict:
    """Gate-level simulation of the first ``n`` examples (and, for ideal gates, the same with the
    default leak, reported alongside)."""
    from dsd.gatesim import gate_report
    from dsd.kinetics import DEFAULT_LEAK_PER_NM_S

    d = spec.dsd
    report, _ = gate_report(crn, system, scheme, d.unit_nM, examples.x[:n], examples.network_outputs[:n],
                            leak_per_nM_s=d.leak_per_nM_s, hours=d.hours)
    if d.leak_per_nM_s == 0:
        # what leak would do, reported next to the ideal run rather than hidden
        leaky, _ = gate_report(crn, system, scheme, d.unit_nM, examples.x[:n], examples.network_outputs[:n],
                               leak_per_nM_s=DEFAULT_LEAK_PER_NM_S, hours=d.hours)
        report["with_leak"] = {k: leaky[k] for k in ("leak_per_nM_s", "argmax_match", "max_abs_error",
                                                     "hours_to_converge", "best_readout_hours",
                                                     "argmax_match_at_best_readout", "seconds")}
    return report


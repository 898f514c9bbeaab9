"""The wet-lab stages of a build: sequences (design), order (order.csv, plates, protocol.md,
reporters) and the report."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from crn.atomic import atomic_write_text
from crn.model import CRN
from dsd.pipeline.cache import reuse_stage, stage_key, tool_version
from dsd.pipeline.records import BuildResult, Examples
from dsd.pipeline.spec import BuildSpec
from dsd.pipeline.stages_dna import input_box


DESIGN_FILES = ("domains.csv", "strands.csv", "checks.csv", "occlusion.csv", "design.json")


def stage_design(spec: BuildSpec, system, work: Path, previous: Path, previous_hashes: dict[str, str],
                 result: BuildResult, log: Callable[[str], None]) -> None:
    """Domain sequences and their checks (domains.csv, strands.csv, checks.csv, design.json),
    reused from the previous build when the system, the sequences section and the seed are unchanged."""
    from dataclasses import asdict as as_dict

    from dsd.pipeline.design import design_report, design_system
    from sequences.io import write_design

    t0 = time.perf_counter()
    system_text = (work / "system.pil").read_text()
    key = stage_key(system_text, json.dumps(as_dict(spec.sequences), sort_keys=True, default=str), spec.seed)
    reused = reuse_stage("design", key, DESIGN_FILES, work, previous, previous_hashes, result)
    if reused:
        report = json.loads((work / "design.json").read_text())
    else:
        design = design_system(system, spec.sequences, spec.seed,
                               compute=spec.compute.compute())
        write_design(design, work)
        report = design_report(design)
        atomic_write_text(work / "design.json", json.dumps(report, indent=1, default=str))
    result.stages["design"] = {"hash": key, "reused": reused, "seconds": time.perf_counter() - t0,
                               **{k: report[k] for k in ("passed", "backend", "kmer_k", "domains")}}
    failures = report["failures"]
    advisories = report.get("advisories", [])
    result.add_check(f"sequence rules and thermodynamic checks pass ({report['backend']})",
                     ("all pass" if report["passed"] else
                      "failed: " + "; ".join(f"{k}: {n}" for k, n in failures.items()))
                     + "".join(f"; {k} (advisory)" for k in advisories) + _trials_note(report),
                     report["passed"])
    log(f"design: {'reused' if reused else 'done'}, {report['domains']} domains, "
        f"{'all checks pass' if report['passed'] else 'FAILED ' + ', '.join(failures)} "
        f"({time.perf_counter() - t0:.1f} s)")


def _trials_note(report: dict) -> str:
    """What the design check adds when ``sequences.trials`` > 1: the seed taken and the trials before it.

    >>> _trials_note({"seed": 5, "stats": {"trials": [{"seed": 4, "failures": 1}, {"seed": 5, "failures": 0}]}})
    '; seed 5, design trial 2 (seed 4: 1 failure)'
    >>> _trials_note({"seed": 0, "stats": {}})
    ''
    """
    trials = report.get("stats", {}).get("trials")
    if not trials:
        return ""
    earlier = ", ".join(f"seed {t['seed']}: {t['failures']} failure{'s' * (t['failures'] != 1)}" for t in trials[:-1])
    return f"; seed {report['seed']}, design trial {len(trials)}" + (f" ({earlier})" if earlier else "")


def stage_order(spec: BuildSpec, crn: CRN, examples: Examples | None, work: Path, result: BuildResult,
                log: Callable[[str], None]) -> None:
    """What the wet lab gets: order.csv, plates.csv / plates.xlsx and protocol.md, from strands.csv,
    with the spec's ``order:`` and ``protocol:`` sections."""
    from dsd.wetlab.order import order_csv, order_rows, order_warnings, parse_strands_csv, plates, plates_csv, \
        write_plates_xlsx
    from dsd.wetlab.protocol import MixDoesNotFit, protocol_markdown

    t0 = time.perf_counter()
    options = spec.order.order_options()
    strands = parse_strands_csv((work / "strands.csv").read_text())
    reporters = _reporters(spec, crn, examples, work) if spec.order.reporters else []
    if reporters:
        from dsd.wetlab.reporters import reporter_strands
        from sequences.io import strands_table

        extra = reporter_strands(reporters, _domains(work), strands, spec.order.reporter_options())
        atomic_write_text(work / "reporters.csv", strands_table(extra, length_of=lambda e: e.length_nt))
        strands = strands + extra
    rows = order_rows(strands, options)
    warnings = order_warnings(rows, options)
    readout = ""
    if reporters:
        from dsd.wetlab.order import oligo_of
        from dsd.wetlab.reporters import readout_markdown, reporter_warnings

        readout = readout_markdown(reporters, spec.dsd.unit_nM, oligo_of(rows))
        problems = reporter_warnings(reporters)
        result.add_check("reporters read the outputs without changing the circuit",
                              "; ".join(problems) or f"{len(reporters)} reporters, "
                                       f"{max(r.read_set for r in reporters)} read-out set(s)",
                              not problems)
    wells = plates(rows, options)
    atomic_write_text(work / "order.csv", order_csv(rows))
    atomic_write_text(work / "plates.csv", plates_csv(wells))
    write_plates_xlsx(work / "plates.xlsx", wells)
    if spec.protocol.inputs:
        for i, x in enumerate(spec.protocol.inputs):
            if len(x) != len(crn.inputs):
                raise ValueError(f"protocol.inputs[{i}]: expected {len(crn.inputs)} values (inputs "
                                 f"{', '.join(s.name for s in crn.inputs)}), got {len(x)}")
        chosen = {f"input {k}": list(x) for k, x in enumerate(spec.protocol.inputs)}
    else:
        n_examples = 0 if examples is None else min(spec.protocol.examples, len(examples.x))
        chosen = {f"example {k}": examples.x[k].tolist() for k in range(n_examples)}
    # the reaction volume: the spec's, else the smallest of 100, 200, 500, 1000 uL that holds every
    # complex at its concentration with pipettable volumes (each complex costs at least the minimum volume)
    volumes = (spec.protocol.reaction_uL,) if spec.protocol.reaction_uL else (100.0, 200.0, 500.0, 1000.0)
    misfit, fits = None, False
    for volume_uL in volumes:
        try:
            text = protocol_markdown(strands, spec.protocol.protocol_options(volume_uL), unit_nM=spec.dsd.unit_nM,
                                     examples=chosen, signals=crn.inputs, order=rows, order_warnings=warnings,
                                     title=spec.name, readout=readout)
            fits = True
            break
        except MixDoesNotFit as exc:
            misfit = str(exc)
    else:
        # the order and plates stand; the protocol says why there is no mixing table
        text = (f"# Wet-lab protocol: {spec.name}\n\nNo mixing table: {misfit}. Every complex costs at least "
                f"protocol.min_volume_uL; lower dsd.unit_nM, or make fewer complexes (crn.reduce, "
                f"crn.fanout_limit, the unreduced form in dsd.json), or split the circuit over several tubes.\n")
    result.add_check("the mix fits in one reaction with pipettable volumes",
                     f"{volume_uL:g} uL" if fits else misfit,
                     fits)
    atomic_write_text(work / "protocol.md", text)
    longest = max((r.length_nt for r in rows), default=0)
    result.stages["order"] = {"seconds": time.perf_counter() - t0, "oligos": len(rows), "reaction_uL": volume_uL,
                              "plates": len({w.plate for w in wells}), "longest_nt": longest,
                              "nucleotides": sum(r.length_nt for r in rows)}
    result.add_check("every oligo can be synthesised as one strand (vendor's longest scale)",
                     f"longest {longest} nt" + (f"; {len(warnings)} too long (lower crn.fanout_limit)" if warnings else ""),
                     not warnings)
    log(f"order: {len(rows)} oligos on {result.stages['order']['plates']} plate(s), longest {longest} nt, "
        f"{volume_uL:g} uL reaction ({time.perf_counter() - t0:.1f} s)")


def _domains(work: Path) -> dict[str, str]:
    from dsd.wetlab.reporters import parse_domains_csv

    return parse_domains_csv((work / "domains.csv").read_text())


def _reporters(spec: BuildSpec, crn: CRN, examples: Examples | None, work: Path) -> list:
    """One fluorophore/quencher reporter per output rail the circuit makes, at the spec's safety
    factor over the most of that rail over the input range (nM)."""
    from dsd.schemes import make_scheme
    from dsd.wetlab.reporters import output_max_nM, plan_reporters

    d = spec.dsd
    low, high = input_box(spec, examples)
    if low is None:
        raise ValueError("order.reporters: no input range to size the reporters with (set crn.input_range)")
    scheme = make_scheme(d.scheme, d.toehold_nt, d.long_nt, d.history_nt)
    return plan_reporters(crn, scheme, output_max_nM(crn, low, high, d.unit_nM), spec.order.reporter_options())


# plates.xlsx carries a zip timestamp (its content is plates.csv's)
REPORT_INPUTS_SKIP = ("report.html", "build.json", "plates.xlsx")


def stage_report(spec: BuildSpec, work: Path, previous: Path, previous_hashes: dict[str, str], result: BuildResult,
                 log: Callable[[str], None], shown_path: Path) -> None:
    """report.html from the files the build wrote (build.json with every check included), reused
    when none of them (nor the report section) changed."""
    import hashlib

    from dsd.report import write_report

    t0 = time.perf_counter()
    h = hashlib.sha256((tool_version() + json.dumps(asdict(spec.report), sort_keys=True)).encode())
    for f in sorted(work.iterdir()):
        if f.is_file() and f.name not in REPORT_INPUTS_SKIP:
            h.update(f.name.encode() + b"\x00" + f.read_bytes())
    key = h.hexdigest()[:16]
    reused = reuse_stage("report", key, ("report.html",), work, previous, previous_hashes, result)
    if not reused:
        r = spec.report
        write_report(work, examples_to_plot=r.examples_to_plot, price_table=r.price_table(), confidence=r.confidence,
                     shown_path=str(shown_path))
    result.stages["report"] = {"hash": key, "reused": reused, "seconds": time.perf_counter() - t0}
    log(f"report: {'reused' if reused else 'done'} ({time.perf_counter() - t0:.1f} s)")


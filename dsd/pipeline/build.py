"""``dsd build``: run the stages of a spec in order into ``build/<name>/``.

Stages so far: network (train or load), crn (compile, reduce, cancellation, fan-out limit, SBML),
simulate (formal CRN vs network on the evaluation examples), translate (gates, sizing, counts),
verify (bisimulation per reaction shape) and gatesim (gate-level kinetics). Later stages
(sequences, exports) plug in the same way.

The build is atomic: it is assembled in a hidden sibling folder and renamed over the previous
build only when every stage succeeded, so a failing stage leaves the previous complete build
intact. Training is cached by a content hash of the sections it depends on: a re-run with the
same spec copies the model from the previous build instead of training again.
"""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from crn.atomic import atomic_write_text
from crn.compile import compile_network
from crn.model import CRN
from crn.forms import crn_forms as forms_of
from crn.sbml import crn_to_sbml
from crn.textformat import format_crn, read_crn, write_crn
from dsd.pipeline.spec import BuildSpec


class StageError(RuntimeError):
    """A stage failed; the message names it. The previous build is left as it was."""


@dataclass
class Examples:
    """Inputs to check the CRN on, and what the network outputs for them (if there is one)."""

    x: np.ndarray
    label: np.ndarray | None
    network_outputs: np.ndarray | None
    input_low: np.ndarray
    input_high: np.ndarray


@dataclass
class BuildResult:
    out_dir: Path
    stages: dict[str, dict] = field(default_factory=dict)
    checks: list[dict] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c["pass"] for c in self.checks)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("dsd-toolchain", "numpy", "scipy", "networkx", "python-libsbml", "peppercornenumerator", "crnverifier",
                 "viennarna", "matplotlib", "openpyxl", "nupack"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def _previous_stage_hashes(out_dir: Path) -> dict[str, str]:
    try:
        build = json.loads((out_dir / "build.json").read_text())
        return {name: s["hash"] for name, s in build.get("stages", {}).items() if "hash" in s}
    except (OSError, ValueError, KeyError):
        return {}


def _dataset_for(spec: BuildSpec):
    from nn.datasets import load_dataset

    d = spec.dataset
    kwargs = {}
    if d.path is not None:
        kwargs["path"] = str(spec.resolve(d.path))
    if d.label_column is not None:
        kwargs["label_column"] = d.label_column
    if d.feature_columns is not None:
        kwargs["feature_columns"] = list(d.feature_columns)
    if d.split is not None:
        kwargs["fractions"] = d.split
        kwargs["seed"] = spec.seed
    if d.name == "digits":
        kwargs["seed"] = spec.seed
    return load_dataset(d.name, **kwargs)


def _evaluation_examples(dataset, network) -> Examples:
    idx = dataset.test if getattr(dataset, "test", None) is not None else np.arange(len(dataset.y))
    x = dataset.x[idx]
    return Examples(
        x=x,
        label=dataset.y[idx],
        network_outputs=network.forward(x) if network is not None else None,
        input_low=dataset.x.min(axis=0),
        input_high=dataset.x.max(axis=0),
    )


def train_network(spec: BuildSpec, progress: Callable | None = None):
    """Train the spec's network on its dataset (BinaryConnect); returns a TrainedModel."""
    from nn.binaryconnect import train, training_config

    config = training_config(spec.dataset.name, spec.network, spec.training, spec.seed)
    return train(_dataset_for(spec), config, progress=progress)


def model_examples(path: str | Path):
    """A model file's network and the inputs to check a CRN on: the examples stored with the
    model (reference models, build outputs), else the evaluation set of the dataset it names."""
    from nn.datasets import load_dataset
    from nn.modelfile import load_model

    loaded = load_model(path)
    if loaded.examples is not None:
        return loaded.network, np.asarray(loaded.examples[0], float)
    name = loaded.metadata.get("dataset")
    if name not in ("iris", "heart", "digits"):
        raise ValueError(f"{path}: the model stores no examples and names no bundled dataset to take them from")
    dataset = load_dataset(name)
    idx = dataset.test if dataset.test is not None else np.arange(len(dataset.y))
    return loaded.network, dataset.x[idx]


def stage_network(spec: BuildSpec, work: Path, previous: Path, reuse: bool, progress: Callable | None):
    """Train (or load) the network; returns (network, examples, info, reused)."""
    from nn.modelfile import load_model, save_model

    if spec.network.load is not None:
        path = spec.resolve(spec.network.load)
        loaded = load_model(path)
        network = loaded.network
        if loaded.examples is not None:
            x, label = loaded.examples
            examples = Examples(x, label, network.forward(x), x.min(axis=0), x.max(axis=0))
        else:
            examples = _evaluation_examples(_dataset_for(spec), network)
        save_model(work / "model.npz", network, {**loaded.metadata, "loaded_from": str(path)},
                   examples=(examples.x, examples.label))
        return network, examples, {"source": str(path), "dims": list(network.dims)}, False

    dataset = _dataset_for(spec)
    if reuse and (previous / "model.npz").is_file() and (previous / "model.json").is_file():
        loaded = load_model(previous / "model.npz")
        shutil.copy2(previous / "model.npz", work / "model.npz")
        shutil.copy2(previous / "model.json", work / "model.json")
        network, info, reused = loaded.network, {"accuracy": loaded.metadata.get("accuracy")}, True
        examples = _evaluation_examples(dataset, network)
    else:
        trained = train_network(spec, progress)
        network, info, reused = trained.network, {"accuracy": trained.accuracy}, False
        examples = _evaluation_examples(dataset, network)
        save_model(work / "model.npz", trained, examples=(examples.x, examples.label))
    info["dims"] = list(network.dims)
    return network, examples, info, reused


def crn_forms(network, spec: BuildSpec, input_low: np.ndarray | None) -> dict[str, CRN]:
    """The CRN forms a build writes: ``unreduced``, ``reduced`` and ``formal`` (what goes on)."""
    if spec.crn.input_range is not None and input_low is not None:
        input_low = np.full_like(input_low, spec.crn.input_range[0])
    unreduced = compile_network(network, inputs=spec.crn.inputs, input_low=input_low)
    return forms_of(unreduced, reduce=spec.crn.reduce, cancellation=spec.crn.cancellation,
                    fanout_limit=spec.crn.fanout_limit)


def stage_simulate(crn: CRN, examples: Examples, spec: BuildSpec) -> dict:
    """Simulate the formal CRN on the evaluation examples.

    Trajectories and stabilisation times cover ``[0, t_end]`` (the paper's horizon); the outputs
    are compared with the network at ``check_t_end``, late enough for the slow 1/t tails of
    near-zero ReLU inputs to fall under the tolerance. When the CRN is feed-forward its exact
    limit (reactions fired to completion) is compared too.
    """
    from crn.analysis import agreement, convergence_times
    from crn.feedforward import NotFeedForward, fire_to_completion
    from crn.simulate import encode_inputs, signal_values, simulate

    sim = spec.simulation
    n = len(examples.x) if sim.examples is None else min(sim.examples, len(examples.x))
    x = examples.x[:n]
    t_final = max(sim.t_end, sim.check_t_end)
    grid = np.linspace(0.0, sim.t_end, sim.n_points)
    if t_final > sim.t_end:
        grid = np.append(grid, t_final)
    result = simulate(crn, x, t_end=t_final, t_eval=grid, rtol=sim.rtol, atol=sim.atol, keep_trajectories=False)
    report = {"examples": n, "t_end": sim.t_end, "check_t_end": t_final, "seconds": result.seconds}
    if examples.network_outputs is not None:
        report.update(agreement(result.outputs, examples.network_outputs[:n]))
        try:
            final, _ = fire_to_completion(crn, encode_inputs(crn, x))
            limit = signal_values(crn, crn.outputs, final)
            report["limit_max_abs_error"] = agreement(limit, examples.network_outputs[:n])["max_abs_error"]
        except NotFeedForward:
            pass
    horizon = slice(0, sim.n_points)
    times = convergence_times(type("R", (), {"t": result.t[horizon],
                                             "output_trajectories": result.output_trajectories[:, horizon]}))
    report["stabilisation_time"] = {
        "median": float(np.median(times["stabilisation_time"])),
        "max": float(np.max(times["stabilisation_time"])),
    }
    # per example, for the report's stabilisation-time vs confidence plot (formal time)
    report["stabilisation_times"] = times["stabilisation_time"].tolist()
    report["crn_outputs"] = result.outputs.tolist()
    return report


def _input_box(spec: BuildSpec, examples: Examples | None):
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
    from dsd.verify import verify_crn

    d = spec.dsd
    crn = forms["formal"]
    enter("translate")
    scheme = make_scheme(d.scheme, d.toehold_nt, d.long_nt, d.history_nt)
    t0 = time.perf_counter()
    low, high = _input_box(spec, examples)
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
        key = _hash(crn_text, scheme.name, d.toehold_nt, d.long_nt, d.history_nt)
        reused = _reuse("verify", key, ("verification.json",), work, previous, previous_hashes, result)
        if reused:
            report = json.loads((work / "verification.json").read_text())
        else:
            report = verification_report(verify_crn(crn, scheme))
            atomic_write_text(work / "verification.json", json.dumps(report, indent=1))
        result.stages["verify"] = {"hash": key, "reused": reused, "seconds": time.perf_counter() - t0,
                                   **{k: report[k] for k in ("passed", "shapes", "reactions")}}
        failed = [m["shape"] for m in report["modules"] if not m["passed"]]
        result.checks.append({
            "check": "every reaction shape passes CRN bisimulation (Peppercorn + crnverifier)",
            "value": f"{report['shapes'] - len(failed)}/{report['shapes']} shapes, {report['reactions']} reactions"
                     + (f"; failed: {failed[0]}" if failed else ""),
            "pass": report["passed"],
        })
        log(f"verify: {'reused' if reused else 'done'}, {report['shapes']} shapes "
            f"({time.perf_counter() - t0:.1f} s)")

    if sizing is not None and examples is not None and examples.network_outputs is not None:
        enter("gatesim")
        t0 = time.perf_counter()
        n = len(examples.x) if d.examples is None else min(d.examples, len(examples.x))
        if spec.simulation.examples is not None and d.examples is None:
            n = min(n, spec.simulation.examples)
        key = _hash((work / "system.pil").read_text(), json.dumps(asdict(d), sort_keys=True),
                    _array_hash(examples.x[:n], examples.network_outputs[:n]))
        reused = _reuse("gatesim", key, ("gatesim.json",), work, previous, previous_hashes, result)
        if reused:
            report = json.loads((work / "gatesim.json").read_text())
        else:
            report = _gatesim(crn, system, scheme, spec, examples, n)
            atomic_write_text(work / "gatesim.json", json.dumps(report, indent=1))
        result.stages["gatesim"] = {**report, "hash": key, "reused": reused, "seconds": time.perf_counter() - t0}
        allowed = n // 100
        result.checks.append({
            "check": f"gate-level argmax equals the network on all but {allowed} examples after {d.hours:g} h"
                     + (f" (leak {d.leak_per_nM_s:g} /nM/s)" if d.leak_per_nM_s else ""),
            "value": f"{report['argmax_match']}/{report['examples']}, decided after "
                     f"{report['hours_to_converge']:.2f} h, max error {report['max_abs_error']:.2e}",
            "pass": report["argmax_match"] >= n - allowed,
        })
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


DESIGN_FILES = ("domains.csv", "strands.csv", "checks.csv", "design.json")


def stage_design(spec: BuildSpec, system, work: Path, previous: Path, previous_hashes: dict[str, str],
                 result: BuildResult, log: Callable[[str], None]) -> None:
    """Domain sequences and their checks (domains.csv, strands.csv, checks.csv, design.json),
    reused from the previous build when the system, the sequences section and the seed are unchanged."""
    from dataclasses import asdict as as_dict

    from dsd.pipeline.design import design_report, design_system
    from sequences.io import write_design

    t0 = time.perf_counter()
    system_text = (work / "system.pil").read_text()
    key = _hash(system_text, json.dumps(as_dict(spec.sequences), sort_keys=True, default=str), spec.seed)
    reused = _reuse("design", key, DESIGN_FILES, work, previous, previous_hashes, result)
    if reused:
        report = json.loads((work / "design.json").read_text())
    else:
        design = design_system(system, spec.sequences, spec.seed)
        write_design(design, work)
        report = design_report(design)
        atomic_write_text(work / "design.json", json.dumps(report, indent=1, default=str))
    result.stages["design"] = {"hash": key, "reused": reused, "seconds": time.perf_counter() - t0,
                               **{k: report[k] for k in ("passed", "backend", "kmer_k", "domains")}}
    failures = report["failures"]
    result.checks.append({
        "check": f"sequence rules and thermodynamic checks pass ({report['backend']})",
        "value": ("all pass" if report["passed"] else "failed: " + "; ".join(
            f"{k}: {n}" for k, n in failures.items() if "(advisory)" not in k))
                 + "".join(f"; {k}, k = {report['kmer_k']}" for k in failures if "(advisory)" in k),
        "pass": report["passed"],
    })
    log(f"design: {'reused' if reused else 'done'}, {report['domains']} domains, "
        f"{'all checks pass' if report['passed'] else 'FAILED ' + ', '.join(k for k in failures if '(advisory)' not in k)} "
        f"({time.perf_counter() - t0:.1f} s)")


def stage_order(spec: BuildSpec, crn: CRN, examples: Examples | None, work: Path, result: BuildResult,
                log: Callable[[str], None]) -> None:
    """What the wet lab gets: order.csv, plates.csv / plates.xlsx and protocol.md, from strands.csv,
    with the spec's ``order:`` and ``protocol:`` sections."""
    from dsd.wetlab.order import order_csv, order_rows, order_warnings, parse_strands_csv, plates, plates_csv, \
        write_plates_xlsx
    from dsd.wetlab.protocol import protocol_markdown

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
        result.checks.append({"check": "reporters read the outputs without changing the circuit",
                              "value": "; ".join(problems) or f"{len(reporters)} reporters, "
                                       f"{max(r.read_set for r in reporters)} read-out set(s)",
                              "pass": not problems})
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
        except ValueError as exc:
            if "does not fit" not in str(exc):
                raise
            misfit = str(exc)
    else:
        # the order and plates stand; the protocol says why there is no mixing table
        text = (f"# Wet-lab protocol: {spec.name}\n\nNo mixing table: {misfit}. Every complex costs at least "
                f"protocol.min_volume_uL; lower dsd.unit_nM, or make fewer complexes (crn.reduce, "
                f"crn.fanout_limit, the unreduced form in dsd.json), or split the circuit over several tubes.\n")
    result.checks.append({
        "check": "the mix fits in one reaction with pipettable volumes",
        "value": f"{volume_uL:g} uL" if fits else misfit,
        "pass": fits,
    })
    atomic_write_text(work / "protocol.md", text)
    longest = max((r.length_nt for r in rows), default=0)
    result.stages["order"] = {"seconds": time.perf_counter() - t0, "oligos": len(rows), "reaction_uL": volume_uL,
                              "plates": len({w.plate for w in wells}), "longest_nt": longest,
                              "nucleotides": sum(r.length_nt for r in rows)}
    result.checks.append({
        "check": "every oligo can be synthesised as one strand (vendor's longest scale)",
        "value": f"longest {longest} nt" + (f"; {len(warnings)} too long (lower crn.fanout_limit)" if warnings else ""),
        "pass": not warnings,
    })
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
    low, high = _input_box(spec, examples)
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
    h = hashlib.sha256((_tool_version() + json.dumps(asdict(spec.report), sort_keys=True)).encode())
    for f in sorted(work.iterdir()):
        if f.is_file() and f.name not in REPORT_INPUTS_SKIP:
            h.update(f.name.encode() + b"\x00" + f.read_bytes())
    key = h.hexdigest()[:16]
    reused = _reuse("report", key, ("report.html",), work, previous, previous_hashes, result)
    if not reused:
        r = spec.report
        write_report(work, examples_to_plot=r.examples_to_plot, price_table=r.price_table(), confidence=r.confidence,
                     shown_path=str(shown_path))
    result.stages["report"] = {"hash": key, "reused": reused, "seconds": time.perf_counter() - t0}
    log(f"report: {'reused' if reused else 'done'} ({time.perf_counter() - t0:.1f} s)")


def _reuse(stage: str, key: str, files: tuple[str, ...], work: Path, previous: Path,
           previous_hashes: dict[str, str], result: BuildResult) -> bool:
    """Copy a stage's files from the previous build when its key (a hash of everything the stage
    reads) is unchanged and every file is there; records the stage as reused."""
    if previous_hashes.get(stage) != key or not all((previous / f).is_file() for f in files):
        return False
    for f in files:
        shutil.copy2(previous / f, work / f)
    result.reused.append(stage)
    return True


def _array_hash(*arrays) -> str:
    import hashlib

    h = hashlib.sha256()
    for a in arrays:
        if a is not None:
            a = np.ascontiguousarray(a, dtype=float)
            h.update(str(a.shape).encode())
            h.update(a.tobytes())
    return h.hexdigest()[:16]


def _tool_version() -> str:
    try:
        return metadata.version("dsd-toolchain")
    except metadata.PackageNotFoundError:
        return "unknown"


def _hash(*parts) -> str:
    """A stage's cache key: a hash of what it reads and of the toolchain's version (a new release
    recomputes every stage)."""
    import hashlib

    return hashlib.sha256("\x00".join(map(str, (_tool_version(), *parts))).encode()).hexdigest()[:16]


def _write_build_json(spec: BuildSpec, result: BuildResult, work: Path) -> None:
    build = {
        "name": spec.name,
        "spec_hash": spec.digest(),
        "spec": asdict(spec),
        "versions": _versions(),
        "stages": result.stages,
        "checks": result.checks,
    }
    atomic_write_text(work / "build.json", json.dumps(build, indent=1, default=str))


def planned_stages(spec: BuildSpec) -> list[str]:
    """The stages ``run_build`` will go through for ``spec``, in order."""
    out = [] if spec.crn.path is not None else ["network"]
    out += ["crn"] + ([] if spec.crn.path is not None else ["simulate"])
    if spec.dsd.enabled:
        out += ["translate"] + (["verify"] if spec.dsd.verify else []) + ([] if spec.crn.path else ["gatesim"])
        if spec.sequences.enabled:
            out += ["design", "order"]
    if spec.report.enabled:
        out.append("report")
    return out + ["build.json"]


def run_build(spec: BuildSpec, out_dir: Path, force: bool = False, progress: Callable | None = None,
              log: Callable[[str], None] = lambda s: None,
              on_stage: Callable[[str], None] | None = None) -> BuildResult:
    """Run every stage of ``spec`` into ``out_dir`` atomically (see the module docstring).

    ``force`` ignores the previous build's cache; ``progress`` gets training epochs; ``log`` one
    line per finished stage; ``on_stage`` the name of each stage as it starts."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    previous_hashes = {} if force else _previous_stage_hashes(out_dir)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    result = BuildResult(out_dir)
    current = ["setup"]

    def enter(name: str) -> None:
        current[0] = name
        if on_stage is not None:
            on_stage(name)

    try:
        network = None
        examples = None
        if spec.crn.path is None:
            enter("network")
            t0 = time.perf_counter()
            key = _hash(spec.digest("dataset", "network", "training", "seed"))
            reuse = previous_hashes.get("network") == key
            network, examples, info, reused = stage_network(spec, work, out_dir, reuse, progress)
            if reused:
                result.reused.append("network")
            result.stages["network"] = {"hash": key, "seconds": time.perf_counter() - t0, "reused": reused, **info}
            log(f"network: {'reused' if reused else 'done'} ({result.stages['network']['seconds']:.1f} s)")

        enter("crn")
        t0 = time.perf_counter()
        if spec.crn.path is not None:
            forms = forms_of(read_crn(spec.resolve(spec.crn.path)), reduce=spec.crn.reduce,
                             cancellation=spec.crn.cancellation, fanout_limit=spec.crn.fanout_limit,
                             always_reduced=False)
        else:
            forms = crn_forms(network, spec, examples.input_low)
        write_crn(forms["unreduced"], work / "crn.txt", header=f"{spec.name}: compiled (Algorithm 1)")
        write_crn(forms["reduced"], work / "crn_reduced.txt", header=f"{spec.name}: reduced (Algorithm 2)")
        write_crn(forms["formal"], work / "crn_formal.txt", header=f"{spec.name}: formal CRN for the DNA stages")
        atomic_write_text(work / "crn.sbml", crn_to_sbml(forms["formal"], model_id=f"{spec.name}_crn".replace("-", "_")))
        result.stages["crn"] = {
            "seconds": time.perf_counter() - t0,
            **{f"{k}_stats": v.stats() for k, v in forms.items()},
        }
        log(f"crn: {forms['unreduced'].stats()['reactions']} reactions -> "
            f"{forms['reduced'].stats()['reactions']} reduced -> {forms['formal'].stats()['reactions']} formal")

        if examples is not None:
            enter("simulate")
            t0 = time.perf_counter()
            key = _hash(format_crn(forms["formal"]), json.dumps(asdict(spec.simulation), sort_keys=True),
                        _array_hash(examples.x, examples.network_outputs))
            reused = _reuse("simulate", key, ("simulation.json",), work, out_dir, previous_hashes, result)
            if reused:
                sim = json.loads((work / "simulation.json").read_text())
            else:
                sim = stage_simulate(forms["formal"], examples, spec)
                atomic_write_text(work / "simulation.json", json.dumps(sim, indent=1))
            result.stages["simulate"] = {k: v for k, v in sim.items() if k not in ("crn_outputs", "stabilisation_times")}
            result.stages["simulate"].update(hash=key, reused=reused, seconds=time.perf_counter() - t0)
            if "argmax_match" in sim:
                result.checks.append({
                    "check": "CRN argmax equals the network on every simulated example",
                    "value": f"{sim['argmax_match']}/{sim['examples']}",
                    "pass": sim["argmax_match"] == sim["examples"],
                })
                tol = spec.simulation.tolerance
                result.checks.append({
                    "check": f"max |CRN - network| at t = {sim['check_t_end']:g} <= {tol:g}",
                    "value": sim["max_abs_error"],
                    "pass": sim["max_abs_error"] <= tol,
                })
            if "limit_max_abs_error" in sim:
                result.checks.append({
                    "check": "exact CRN limit (reactions fired to completion) equals the network to 1e-9",
                    "value": sim["limit_max_abs_error"],
                    "pass": sim["limit_max_abs_error"] <= 1e-9,
                })
            log(f"simulate: {'reused, ' if reused else ''}{sim.get('argmax_match', '?')}/{sim['examples']} argmax match, "
                f"max error {sim.get('max_abs_error', float('nan')):.2e} ({time.perf_counter() - t0:.1f} s)")

        if spec.dsd.enabled:
            system = stage_dna(spec, forms, examples, work, out_dir, previous_hashes, result, log, enter)
            if spec.sequences.enabled:
                enter("design")
                stage_design(spec, system, work, out_dir, previous_hashes, result, log)
                enter("order")
                stage_order(spec, forms["formal"], examples, work, result, log)

        if spec.report.enabled:
            enter("report")
            _write_build_json(spec, result, work)  # what the report reads of the checks and timings
            stage_report(spec, work, out_dir, previous_hashes, result, log, out_dir)

        enter("build.json")
        _write_build_json(spec, result, work)
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise StageError(f"stage '{current[0]}' failed: {exc}") from exc

    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        old.rmdir()
        out_dir.rename(old)
    work.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return result

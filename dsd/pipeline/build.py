"""``dsd build``: run the stages of a spec in order into ``build/<name>/``.

Stages: network (train or load), crn (compile, reduce, cancellation, fan-out limit, SBML),
simulate (formal CRN vs network on the evaluation examples) in :mod:`dsd.pipeline.stages_model`;
translate, verify and gatesim in :mod:`dsd.pipeline.stages_dna`; design, order and report in
:mod:`dsd.pipeline.stages_lab`. Caching is :mod:`dsd.pipeline.cache`.

The build is atomic: it is assembled in a hidden sibling folder and renamed over the previous
build only when every stage succeeded, so a failing stage leaves the previous complete build
intact. Training is cached by a content hash of the sections it depends on: a re-run with the
same spec copies the model from the previous build instead of training again.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from crn.atomic import atomic_write_text
from crn.sbml import crn_to_sbml
from crn.checks import check_crn
from crn.textformat import format_crn, read_crn, write_crn
from crn.forms import crn_forms as forms_of
from dsd.pipeline.budget import budget_check, stage_budget
from dsd.pipeline.cache import array_hash, previous_stage_hashes, reuse_stage, stage_key, versions
from dsd.pipeline.records import BuildResult, Examples, StageError  # noqa: F401  (part of the build API)
from dsd.pipeline.spec import BuildSpec
from dsd.report.read import BUILD_FORMAT, LEGACY_BUILD_KEYS
from dsd.pipeline.stages_dna import stage_dna, stage_gatesim, stage_inputs
from dsd.pipeline.stages_lab import stage_design, stage_order, stage_report
from dsd.pipeline.stages_model import crn_forms, model_examples, stage_network, stage_simulate, train_network  # noqa: F401



LEGACY_BUILD_FILES = frozenset({
    "model.npz", "model.json", "crn.txt", "crn_reduced.txt", "crn_formal.txt", "crn.sbml", "simulation.json",
    "system.pil", "dsd.json", "verification.json", "gatesim.json", "domains.csv", "strands.csv", "checks.csv",
    "design.json", "order.csv", "plates.csv", "plates.xlsx", "protocol.md", "reporters.csv", "report.html",
    "build.json"})
"""What builds of 0.1 (whose build.json has no ``files`` list) wrote: their folders may be replaced too."""


class OutDirError(ValueError):
    """The build folder is a path this tool may not replace (a user's file or folder, the current
    folder); the message says why, and nothing was written."""


def check_out_dir(out_dir: Path) -> None:
    """Refuse a build folder that is not this tool's to replace.

    Allowed: a path that does not exist, an empty folder, or a folder holding only the files a
    previous ``dsd build`` listed in its ``build.json``. Refused, with :class:`OutDirError`: a file, a
    symbolic link, the current folder or one of its parents, the home folder, and any folder with a
    file the previous build did not write (or with no build.json of this tool's format).
    """
    out_dir = Path(out_dir)
    where = f"refusing to build into {out_dir}"
    advice = "give --out a new folder, or one that a previous dsd build wrote"
    if out_dir.is_symlink():
        raise OutDirError(f"{where}: it is a symbolic link; {advice}")
    resolved = out_dir.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents or resolved == Path.home().resolve():
        raise OutDirError(f"{where}: it is the current folder, one of its parents or the home folder; {advice}")
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise OutDirError(f"{where}: it is a file that dsd build did not write; {advice}")
    entries = sorted(out_dir.iterdir())
    if not entries:
        return
    try:
        build = json.loads((out_dir / "build.json").read_text())
        ours = isinstance(build, dict) and (build.get("format") == BUILD_FORMAT or
                                            set(LEGACY_BUILD_KEYS) <= build.keys())
    except (OSError, ValueError):
        ours = False
    if not ours:
        raise OutDirError(f"{where}: the folder holds files and no build.json of a dsd build; {advice}")
    written = set(build.get("files") or LEGACY_BUILD_FILES) | {"build.json"}
    stray = [e.name for e in entries if e.name not in written or e.is_dir() or e.is_symlink()]
    if stray:
        shown = ", ".join(stray[:3]) + (f" and {len(stray) - 3} more" if len(stray) > 3 else "")
        raise OutDirError(f"{where}: it holds {shown}, which dsd build did not write; move them or {advice}")


def _write_build_json(spec: BuildSpec, result: BuildResult, work: Path) -> None:
    files = sorted({f.name for f in work.iterdir() if f.is_file()} | {"build.json"})
    build = {
        "format": BUILD_FORMAT,
        "files": files,
        "name": spec.name,
        "spec_hash": spec.digest(),
        "spec": asdict(spec),
        "versions": versions(),
        "stages": result.stages,
        "checks": result.checks,
    }
    atomic_write_text(work / "build.json", json.dumps(build, indent=1, default=str))


def planned_stages(spec: BuildSpec) -> list[str]:
    """The stages ``run_build`` will go through for ``spec``, in order."""
    out = [] if spec.crn.path is not None else ["budget" if spec.budget is not None else "network"]
    out += ["crn"] + ([] if spec.crn.path is not None else ["simulate"])
    if spec.dsd.enabled:
        out += ["translate"] + (["verify"] if spec.dsd.verify else [])
        gatesim = [] if spec.crn.path else ["gatesim"]  # after the design when there are sequences
        out += ["design"] + gatesim + ["order"] if spec.sequences.enabled else gatesim
    if spec.crn.path is not None and spec.simulation.inputs:
        out.append("inputs")
    if spec.report.enabled:
        out.append("report")
    return out + ["build.json"]


def run_build(spec: BuildSpec, out_dir: Path, force: bool = False, progress: Callable | None = None,
              log: Callable[[str], None] = lambda s: None,
              on_stage: Callable[[str], None] | None = None) -> BuildResult:
    """Run every stage of ``spec`` into ``out_dir`` atomically (see the module docstring).

    ``force`` ignores the previous build's cache; ``progress`` gets training epochs; ``log`` one
    line per finished stage; ``on_stage`` the name of each stage as it starts."""
    shown_dir = Path(out_dir)
    check_out_dir(shown_dir)
    out_dir = shown_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    previous_hashes = {} if force else previous_stage_hashes(out_dir)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    result = BuildResult(shown_dir)
    current = ["setup"]

    def enter(name: str) -> None:
        current[0] = name
        if on_stage is not None:
            on_stage(name)

    try:
        network = None
        examples = None
        if spec.crn.path is None and spec.budget is not None:  # the search picks the network and the CRN form
            enter("budget")
            spec, network, examples = stage_budget(spec, work, out_dir, previous_hashes, result, log, progress)
        elif spec.crn.path is None:
            enter("network")
            t0 = time.perf_counter()
            key = stage_key(spec.digest("dataset", "network", "training", "seed"))
            reuse = previous_hashes.get("network") == key
            network, examples, info, reused = stage_network(spec, work, out_dir, reuse, progress)
            if reused:
                result.reused.append("network")
            result.stages["network"] = {"hash": key, "seconds": time.perf_counter() - t0, "reused": reused, **info}
            log(f"network: {'reused' if reused else 'done'} ({result.stages['network']['seconds']:.1f} s)")

        enter("crn")
        t0 = time.perf_counter()
        if spec.crn.path is not None:
            given = read_crn(spec.resolve(spec.crn.path))
            for finding in check_crn(given, spec.crn.path):  # errors raise; warnings are recorded
                result.add_check(finding.message, list(finding.species), True, status="warn")
            forms = forms_of(given, reduce=spec.crn.reduce,
                             cancellation=spec.crn.cancellation, fanout_limit=spec.crn.fanout_limit,
                             always_reduced=False)
        else:
            forms = crn_forms(network, spec, examples.input_low)
        write_crn(forms["unreduced"], work / "crn.txt", header=f"{spec.name}: compiled (Algorithm 1)")
        write_crn(forms["reduced"], work / "crn_reduced.txt", header=f"{spec.name}: reduced (Algorithm 2)")
        write_crn(forms["formal"], work / "crn_formal.txt", header=f"{spec.name}: formal CRN for the DNA stages")
        atomic_write_text(work / "crn.sbml", crn_to_sbml(forms["formal"], model_id=f"{spec.name}_crn"))
        result.stages["crn"] = {
            "seconds": time.perf_counter() - t0,
            **{f"{k}_stats": v.stats() for k, v in forms.items()},
        }
        log(f"crn: {forms['unreduced'].stats()['reactions']} reactions -> "
            f"{forms['reduced'].stats()['reactions']} reduced -> {forms['formal'].stats()['reactions']} formal")

        if examples is not None:
            enter("simulate")
            t0 = time.perf_counter()
            checked = forms[spec.simulation.form]  # the formal CRN, or the reduced one when the spec says so
            key = stage_key(format_crn(checked), json.dumps(asdict(spec.simulation), sort_keys=True),
                        array_hash(examples.x, examples.network_outputs), spec.report.examples_to_plot)
            reused = reuse_stage("simulate", key, ("simulation.json", "trajectories.json"), work, out_dir,
                                 previous_hashes, result)
            if reused:
                sim = json.loads((work / "simulation.json").read_text())
            else:
                sim = stage_simulate(checked, examples, spec, work)
                atomic_write_text(work / "simulation.json", json.dumps(sim, indent=1))
            result.stages["simulate"] = {k: v for k, v in sim.items() if k not in ("crn_outputs", "stabilisation_times")}
            result.stages["simulate"].update(hash=key, reused=reused, seconds=time.perf_counter() - t0)
            if "argmax_match" in sim:
                which = "" if spec.simulation.form == "formal" else f"{spec.simulation.form} "
                result.add_check(f"{which}CRN argmax equals the network on every simulated example",
                                 f"{sim['argmax_match']}/{sim['examples']}",
                                 sim["argmax_match"] == sim["examples"])
                tol = spec.simulation.tolerance
                result.add_check(f"max |CRN - network| at t = {sim['check_t_end']:g} <= {tol:g}",
                                 sim["max_abs_error"],
                                 sim["max_abs_error"] <= tol)
            if "limit_max_abs_error" in sim:
                scale = sim.get("limit_scale", 1.0)  # rounding grows with the outputs (~1e4 for MNIST 512-512)
                bound = "1e-9" if scale <= 1 else f"1e-9 x {scale:.3g} (the largest |network output|)"
                result.add_check(f"exact CRN limit (reactions fired to completion) equals the network to {bound}",
                                 sim["limit_max_abs_error"],
                                 sim["limit_max_abs_error"] <= 1e-9 * scale)
            log(f"simulate: {'reused, ' if reused else ''}{sim.get('argmax_match', '?')}/{sim['examples']} argmax match, "
                f"max error {sim.get('max_abs_error', float('nan')):.2e} ({time.perf_counter() - t0:.1f} s)")

        if spec.dsd.enabled:
            designed = spec.sequences.enabled
            system, scheme, sizing = stage_dna(spec, forms, examples, work, out_dir, previous_hashes, result, log,
                                               enter, gatesim=not designed)
            if designed:  # the gate level runs on the designed toeholds' rates
                enter("design")
                stage_design(spec, system, work, out_dir, previous_hashes, result, log)
                stage_gatesim(spec, forms["formal"], system, scheme, sizing, examples, work, out_dir, previous_hashes,
                              result, log, enter, designed=True)
                enter("order")
                stage_order(spec, forms["formal"], examples, work, result, log)
            budget_check(spec, system, work, result)

        if spec.crn.path is not None and spec.simulation.inputs:
            dna = (system, scheme, sizing) if spec.dsd.enabled else (None, None, None)
            stage_inputs(spec, forms["formal"], *dna, work, result, log, enter)

        if spec.report.enabled:
            enter("report")
            _write_build_json(spec, result, work)  # what the report reads of the checks and timings
            stage_report(spec, work, out_dir, previous_hashes, result, log, shown_dir)

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

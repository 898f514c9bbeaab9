"""Benchmark the gate-level stage of a build (IRIS by default) as the build runs it.

    python benchmarks/gatesim.py [--build build/iris] [--spec protocols/iris.yaml] [--engine auto]
                                 [--profile] [--only-one] [--json FILE]

Needs a finished build folder (the design stage's domains.csv and occlusion.csv). Rebuilds the
gate-level CRN as ``dsd build`` does (formal CRN, sized system, designed toeholds and occlusion
sites) and times, wall (``time.perf_counter``) and CPU (``time.process_time``) seconds:
  * one leak-free run (rtol 1e-6, the run that sets the read-out time);
  * the whole ``gate_report`` with the 3x3 leak sweep;
  * the run without the occlusion sites (``gate_report`` without the sweep);
and prints the argmax agreement of every sweep entry and the read-out hours. ``--engine`` forces
the gate-level integrator (``crn.simulate``'s ``engine``); ``--profile`` prints the top of a
cProfile of the leak-free run.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import crn.simulate as crn_simulate  # noqa: E402
from crn.textformat import read_crn  # noqa: E402
from dsd.designed import designed_kinetics  # noqa: E402
from dsd.gatesim import gate_kinetics, gate_report, simulate_gates  # noqa: E402
from dsd.pipeline.spec import load_spec  # noqa: E402
from dsd.pipeline.stages_model import stage_network  # noqa: E402
from dsd.schemes import make_scheme  # noqa: E402
from dsd.translate import translate_sized  # noqa: E402


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=str(ROOT / "build" / "iris"), help="finished build folder")
    parser.add_argument("--spec", default=str(ROOT / "protocols" / "iris.yaml"))
    parser.add_argument("--engine", default=None, help="force crn.simulate's engine (auto, scipy, ...)")
    parser.add_argument("--profile", action="store_true", help="cProfile the leak-free run")
    parser.add_argument("--only-one", action="store_true", help="time the leak-free run only")
    parser.add_argument("--json", default=None, help="also write the numbers to this file")
    args = parser.parse_args()
    build = Path(args.build)
    if not (build / "crn_formal.txt").is_file():
        sys.exit(f"--build: {build} has no crn_formal.txt (run dsd build first)")
    if args.engine is not None:
        original = crn_simulate.simulate

        def forced(*a, **k):
            k["engine"] = args.engine
            return original(*a, **k)

        import dsd.gatesim

        dsd.gatesim.simulate = forced
    spec = load_spec(args.spec)
    d = spec.dsd
    with tempfile.TemporaryDirectory() as tmp:
        _, examples, _, _ = stage_network(spec, Path(tmp), build, True, None)
    crn = read_crn(build / "crn_formal.txt")
    scheme = make_scheme(d.scheme, d.toehold_nt, d.long_nt, d.history_nt)
    system, _ = translate_sized(crn, scheme, examples.input_low, examples.input_high, unit_nM=d.unit_nM,
                                safety=d.safety, examples=examples.x, helper_excess=d.helper_excess)
    kinetics, _ = designed_kinetics(build, crn, system, scheme)
    n = len(examples.x) if d.examples is None else min(d.examples, len(examples.x))
    x, net = examples.x[:n], examples.network_outputs[:n]
    gates = gate_kinetics(crn, system, scheme, d.unit_nM, 0.0, 0.0, kinetics)
    print(f"gate CRN: {len(gates.reactions)} reactions, {len(gates.species)} species; {n} examples; "
          f"engine {args.engine or 'default'}")

    def one():
        return simulate_gates(gates, x, d.unit_nM, t_end_hours=d.hours)

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        one()
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    sim, wall, cpu = _timed(one)
    print(f"one leak-free run: {wall:.1f} s wall, {cpu:.1f} s CPU")
    results = {"one_run": {"wall": wall, "cpu": cpu}}
    if not args.only_one:
        (report, _), wall, cpu = _timed(lambda: gate_report(
            crn, system, scheme, d.unit_nM, x, net, leak_per_nM_s=d.leak_per_nM_s, initial_leak=d.initial_leak,
            hours=d.hours, readout_hours=d.readout_hours, sweep=True, **kinetics))
        print(f"gate_report with sweep: {wall:.1f} s wall, {cpu:.1f} s CPU; read-out {report['readout_hours']:.6g} h")
        results["gate_report"] = {"wall": wall, "cpu": cpu, "readout_hours": report["readout_hours"]}
        for e in report["leak_sweep"]:
            print(f"  leak {e['leak_per_nM_s']:>6g} initial {e['initial_leak']:<5g}: {e['argmax_match']}/{n} at the "
                  f"read-out, {e['argmax_match_end']}/{n} at the end, max error {e['max_abs_error']:.4g} "
                  f"({e['seconds']:.1f} s)")
        plain = {k: v for k, v in kinetics.items() if k != "extra_reactions"}
        (other, _), wall2, cpu2 = _timed(lambda: gate_report(
            crn, system, scheme, d.unit_nM, x, net, leak_per_nM_s=d.leak_per_nM_s, initial_leak=d.initial_leak,
            hours=d.hours, readout_hours=d.readout_hours, **plain))
        print(f"without occlusion sites: {wall2:.1f} s wall, {cpu2:.1f} s CPU; read-out "
              f"{other['readout_hours']:.6g} h, {other['argmax_match']}/{n}")
        print(f"gatesim stage (both): {wall + wall2:.1f} s wall, {cpu + cpu2:.1f} s CPU")
        results["without_occlusion"] = {"wall": wall2, "cpu": cpu2, "readout_hours": other["readout_hours"],
                                        "argmax_match": other["argmax_match"]}
        results["sweep"] = [{k: e[k] for k in ("leak_per_nM_s", "initial_leak", "argmax_match", "argmax_match_end",
                                               "max_abs_error")} for e in report["leak_sweep"]]
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()}
    print(json.dumps(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    del sim


if __name__ == "__main__":
    main()

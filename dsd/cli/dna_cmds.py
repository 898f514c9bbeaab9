"""``dsd translate``, ``dsd verify``, ``dsd gatesim``, ``dsd design``: the DNA stages. Every PIL file
is loaded by :func:`dsd.pil.read_pil` and checked by :func:`dsd.verify.check_coverage` before it
is simulated (``dsd verify`` streams it through :func:`dsd.verify.verify_pil`, which makes the same
checks), so a file cut short never passes as a smaller circuit."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dsd.cli._common import (app, compute_of, console, err_console, input_dir, input_file, input_range, json_option,
                             number, output_dir, output_file, print_warnings, scheduler_option,
                             task_progress, user_errors, workers_option, write_json)
from dsd.rates import DEFAULT_INITIAL_LEAK


def _model_inputs(model: Path | None, crn):
    """(network, x) from a model file, checked against the CRN's inputs/outputs; (None, None)."""
    if model is None:
        return None, None
    from dsd.pipeline.build import model_examples

    network, x = model_examples(model)
    if len(crn.inputs) != network.dims[0] or len(crn.outputs) != network.dims[-1]:
        raise ValueError(f"the CRN has {len(crn.inputs)} inputs and {len(crn.outputs)} outputs but the model is "
                         f"{'-'.join(map(str, network.dims))}")
    return network, x


@app.command()
@user_errors
def translate(
    crn_file: Path = typer.Argument(..., metavar="CRN", callback=input_file, help="formal CRN text file"),
    out: Path = typer.Option(..., metavar="FILE", callback=output_file,
                             help="PIL file to write (Peppercorn/Nuskell-readable)"),
    scheme: str = typer.Option("soloveichik2010", metavar="NAME", help="translation scheme"),
    toehold: int = typer.Option(6, metavar="NT", callback=number(4, integer=True),
                                help="toehold length (nt), >= 4"),
    long: int = typer.Option(15, metavar="NT", callback=number(1, integer=True),
                             help="long (and history) domain length (nt), longer than a toehold"),
    model: Optional[Path] = typer.Option(None, metavar="MODEL", callback=input_file,
                                         help="size gates from this model's example input range"),
    input_range: Optional[tuple[float, float]] = typer.Option(None, metavar="LO HI", callback=input_range,
                                                              help="size gates for inputs in [LO, HI]"),
    unit_nm: float = typer.Option(10.0, "--unit-nm", metavar="NM", callback=number(0, strict=True),
                                  help="1 formal unit of concentration (nM), > 0"),
    safety: float = typer.Option(2.0, metavar="X", callback=number(1), help="gate/fuel excess over the firing bound, >= 1"),
    horizon: float = typer.Option(50.0, metavar="T", callback=number(0, strict=True),
                                  help="a CRN that is not feed-forward is sized by simulating it for T formal time "
                                       "units (most each reaction fires x safety), > 0"),
    json_out: Optional[Path] = json_option(),
):
    """Translate a formal CRN into strand-displacement gates (a domain-level system).

    \b
    Example:  dsd translate crn.txt --out system.pil --model model.npz --scheme soloveichik2010
    """
    from crn.checks import check_crn
    from crn.sources import reservoir_form
    from crn.textformat import format_crn, read_crn
    from dsd.pil import scheme_header, write_pil
    from dsd.schemes import make_scheme
    from dsd.translate import system_summary, translate_sized
    from dsd.translate import translate as run

    if long <= toehold:
        raise typer.BadParameter(f"a long domain ({long} nt) must be longer than a toehold ({toehold} nt)",
                                 param_hint="'--long'")
    crn = read_crn(crn_file)
    warnings = check_crn(crn, str(crn_file))  # errors raise; warnings print at the end
    crn = reservoir_form(crn, horizon)  # zero-order sources: a reservoir sized for the horizon (crn.sources)
    sch = make_scheme(scheme, toehold, long, long)
    network, x = _model_inputs(model, crn)
    sizing = None
    if input_range is not None:
        system, sizing = translate_sized(crn, sch, input_range[0], input_range[1], unit_nM=unit_nm, safety=safety,
                                         horizon=horizon)
    elif x is not None:
        system, sizing = translate_sized(crn, sch, x.min(axis=0), x.max(axis=0), unit_nM=unit_nm, safety=safety,
                                         examples=x, horizon=horizon)
    else:
        system = run(crn, sch)
    write_pil(out, system, scheme_header(sch, sizing), format_crn(crn))
    counts = system.counts() if sizing is None else system_summary(system, sizing)
    console.print(f"{counts['complexes']} complexes, {counts['strands']} strands, {counts['domains']} domains, "
                  f"{counts['nucleotides']} nt ({sch.name}) -> {out}"
                  + ("" if sizing is not None else " (unsized: give --model or --input-range for concentrations)"))
    from dsd.wetlab.feasibility import dna_size

    size = dna_size(system)  # distinct strands, nt, order cost at the report's default prices, and the verdict
    console.print(f"DNA size: {size['sentence']}", markup=False, highlight=False)
    if json_out is not None:
        write_json(json_out, {**counts, "dna_size": size})
    print_warnings(warnings)


@app.command()
@user_errors
def verify(
    pil: Path = typer.Argument(..., metavar="PIL", callback=input_file,
                               help="domain-level system written by dsd translate"),
    crn_file: Path = typer.Option(..., "--crn", metavar="CRN", callback=input_file,
                                  help="the formal CRN the system must implement"),
    scheme: Optional[str] = typer.Option(None, metavar="NAME", help="scheme (default: the one named in the PIL file)"),
    workers: Optional[int] = workers_option("the per-shape checks"),
    scheduler: Optional[str] = scheduler_option("the per-shape checks"),
    json_out: Optional[Path] = json_option(),
):
    """Check the system against the formal CRN: Peppercorn enumeration + CRN bisimulation per shape.

    \b
    Example:  dsd verify system.pil --crn crn.txt --json verification.json
    """
    from crn.checks import check_crn
    from crn.sources import reservoir_form
    from crn.textformat import read_crn
    from dsd.sizing import SIZING_HORIZON
    from dsd.verify import verification_report, verify_pil

    compute_of(workers, scheduler)  # both given: an option error before anything is read
    crn = read_crn(crn_file)
    warnings = check_crn(crn, str(crn_file))  # errors raise; warnings print at the end
    crn = reservoir_form(crn, SIZING_HORIZON)  # as dsd translate wrote it (the amount does not change a gate)
    with task_progress("verifying shapes") as on_tasks:
        # one streaming pass: coverage (a truncated or gate-missing file is refused), every
        # reaction's complexes against the scheme's, then one bisimulation check per shape
        _, results = verify_pil(pil, crn, scheme, compute=compute_of(workers, scheduler, on_tasks))
    report = verification_report(results)
    failed = [r for r in results if not r.passed]
    for r in failed[:5]:
        line = f"FAILED {r.shape} (reactions {list(r.reactions)[:10]}): {r.detail}"
        err_console.print(line if len(line) <= 400 else line[:397] + "...", markup=False, highlight=False)
    if len(failed) > 5:
        err_console.print(f"... and {len(failed) - 5} more failures (see --json)")
    console.print(f"{sum(r.passed for r in results)}/{len(results)} shapes pass CRN bisimulation, covering "
                  f"{report['reactions']} of {len(crn.reactions)} reactions ({report['seconds']:.1f} s)")
    if json_out is not None:
        write_json(json_out, report)
    print_warnings(warnings)
    if not report["passed"] or report["reactions"] != len(crn.reactions):
        raise typer.Exit(1)


@app.command()
@user_errors
def gatesim(
    pil: Path = typer.Argument(..., metavar="PIL", callback=input_file,
                               help="sized domain-level system written by dsd translate --model/--input-range"),
    model: Optional[Path] = typer.Option(None, metavar="MODEL", callback=input_file,
                                         help="the network: its examples are the inputs (unless --inputs) and its "
                                              "outputs the reference"),
    inputs: Optional[Path] = typer.Option(None, metavar="CSV", callback=input_file,
                                          help="input vectors (formal units): a header naming the CRN's inputs, "
                                               "one row each; writes rows to --json"),
    examples: Optional[int] = typer.Option(None, metavar="N", callback=number(1, integer=True),
                                           help="simulate the first N examples (default all)"),
    hours: float = typer.Option(48.0, metavar="H", callback=number(0, strict=True), help="simulated time (hours), > 0"),
    leak: float = typer.Option(0.0, metavar="K", callback=number(0),
                               help="gate-fuel and bimolecular leak rate constant (/nM/s, >= 0; 1e-9 is typical)"),
    initial_leak: float = typer.Option(DEFAULT_INITIAL_LEAK, "--initial-leak", metavar="F", callback=number(0, 0.99),
                                       help="fraction of every gate's output free at t = 0 (0 to 0.99)"),
    readout_hours: Optional[float] = typer.Option(None, "--readout-hours", metavar="H",
                                                  callback=number(0, strict=True),
                                                  help="read the outputs at H hours (default: the leak-free run's "
                                                       "settle time x 1.2)"),
    sweep: bool = typer.Option(False, "--sweep", help="also run the leak sweep (0, 1e-9, 1e-8 /nM/s x initial leak "
                                                      "0, 0.005, 0.02)"),
    sequences: Optional[Path] = typer.Option(None, metavar="DIR", callback=input_dir,
                                             help="designed sequences (dsd design): toehold dG_kcal from domains.csv, "
                                                  "spurious sites from occlusion.csv"),
    formal_t_end: float = typer.Option(2000.0, "--formal-t-end", metavar="T", callback=number(0, strict=True),
                                       help="formal run for formal_outputs (formal time units), > 0"),
    workers: Optional[int] = workers_option(),
    scheduler: Optional[str] = scheduler_option(),
    json_out: Optional[Path] = json_option(),
):
    """Simulate the gate-level system (nM, s) on the model's examples or on --inputs rows; compare
    with the network (or the formal CRN) at a read-out time chosen without labels and at the end.

    \b
    Example:  dsd gatesim system.pil --model model.npz --examples 30 --leak 1e-9 --initial-leak 0.005
              dsd gatesim system.pil --inputs inputs.csv --json rows.json
    """
    from crn.simulate import simulate as run_formal
    from dsd.cli._inputs import read_inputs_csv, rows_json
    from dsd.gatesim import formal_limit, gate_report
    from dsd.pil import read_pil
    from dsd.verify import check_coverage

    if model is None and inputs is None:
        raise typer.BadParameter("give --model (its examples) or --inputs (a CSV of input vectors)",
                                 param_hint="'--model'")
    compute_of(workers, scheduler)  # both given: an option error before anything is read
    loaded = read_pil(pil)
    crn = loaded.crn
    check_coverage(loaded.system, crn, loaded.scheme, source=str(pil), truncation=loaded.truncation)
    if "unit_nM" not in loaded.header:
        raise ValueError(f"{pil} is not sized (no #| unit_nM); write it with dsd translate --model or --input-range")
    network, x = _model_inputs(model, crn)
    if inputs is not None:
        x = read_inputs_csv(inputs, [s.name for s in crn.inputs])
    if examples is not None:
        x = x[:examples]
    kinetics, notes = {}, []
    if sequences is not None:
        from dsd.designed import designed_kinetics

        kinetics, notes = designed_kinetics(sequences, crn, loaded.system, loaded.scheme)
    for line in notes:
        err_console.print(line, markup=False, highlight=False)
    reference = network.forward(x) if network is not None else None
    formal = None
    if reference is None:
        formal = formal_limit(crn, x)
        if formal is None:  # not feed-forward: the formal run's end is the reference
            formal = run_formal(crn, x, t_end=formal_t_end).outputs
        reference = formal
    with task_progress(f"simulating the gates for {len(x)} input vectors, {hours:g} h") as on_tasks:
        report, sim = gate_report(crn, loaded.system, loaded.scheme, float(loaded.header["unit_nM"]), x, reference,
                                  leak_per_nM_s=leak, initial_leak=initial_leak, hours=hours,
                                  readout_hours=readout_hours, sweep=sweep,
                                  compute=compute_of(workers, scheduler, on_tasks), **kinetics)
    if network is None:
        report["compared_with"] = "formal CRN"
    report["sequences"] = {"folder": str(sequences), "notes": notes} if sequences is not None else None
    readout = report["readout_hours"]
    console.print(f"read-out {readout:.3g} h ({report['readout_rule']}); {report['argmax_match']}/{report['examples']}: "
                  f"gate-level argmax equals the {report['compared_with']} at the read-out, "
                  f"{report['argmax_match_end']}/{report['examples']} after {hours:g} h; max error at the read-out "
                  f"{report['max_abs_error']:.2e}; decided after {report['hours_to_converge']:.2f} h; "
                  f"{report['seconds']:.1f} s")
    for e in report.get("leak_sweep", []):
        console.print(f"  leak {e['leak_per_nM_s']:g} /nM/s, initial leak {e['initial_leak']:g}: "
                      f"{e['argmax_match']}/{e['examples']} at the read-out, max error {e['max_abs_error']:.2g}")
    if inputs is not None:
        formal_end = run_formal(crn, x, t_end=formal_t_end).outputs
        names_out = [s.name for s in crn.outputs]
        report["rows"] = rows_json([s.name for s in crn.inputs], names_out, x, sim.at(readout), formal_end)
        report["formal_t_end"] = formal_t_end
        from dsd.formal_compare import compare_trajectories

        horizon = float(loaded.header["horizon"]) if "horizon" in loaded.header else None
        traj = compare_trajectories(crn, loaded.system, loaded.scheme, float(loaded.header["unit_nM"]), x,
                                    hours=hours, horizon=horizon, leak_per_nM_s=leak, initial_leak=initial_leak, readout_hours=readout,
                                    kinetics=kinetics)
        report["trajectories"] = traj
        console.print(f"gate level vs formal trajectories: max |difference| {traj['max_abs_difference']:.3g} formal "
                      f"units over the first {traj['window_hours']:.3g} h (1 formal time unit = "
                      f"{traj['hours_per_formal_unit']:.3g} h, {traj['time_scale']})")
    if json_out is not None:
        write_json(json_out, report)


@app.command()
@user_errors
def design(
    pil: Path = typer.Argument(..., metavar="PIL", callback=input_file,
                               help="domain-level system written by dsd translate"),
    out: Path = typer.Option(..., metavar="DIR", callback=output_dir,
                             help="folder for domains.csv, strands.csv and checks.csv"),
    seed: int = typer.Option(0, metavar="N", callback=number(0, integer=True),
                             help="seed of the search (same seed, same sequences)"),
    backend: Optional[str] = typer.Option(None, metavar="NAME",
                                          help="auto | nupack | viennarna (default: the spec's, else auto)"),
    spec: Optional[Path] = typer.Option(None, metavar="SPEC", callback=input_file,
                                        help="take the sequences: section (rules, conditions) from a spec"),
    json_out: Optional[Path] = json_option(),
):
    """Design domain sequences for a system and check them (rules, then thermodynamics).

    \b
    Example:  dsd design system.pil --out sequences/ --seed 3 --backend viennarna
    """
    from dataclasses import replace

    from dsd.pil import read_pil
    from dsd.pipeline.design import design_report, design_system
    from dsd.pipeline.spec import SequencesSpec, load_spec
    from sequences.io import write_design

    if backend is not None and backend not in ("auto", "nupack", "viennarna"):
        raise ValueError(f"--backend: unknown backend {backend!r}; expected auto, nupack or viennarna")
    loaded = read_pil(pil, need_scheme=False)
    if loaded.truncation:
        raise ValueError(f"{pil} is truncated ({loaded.truncation})")
    seq_spec = load_spec(spec).sequences if spec is not None else SequencesSpec()
    if backend is not None:
        seq_spec = replace(seq_spec, backend=backend)
    with err_console.status(f"designing {len(loaded.system.domains)} domains"):
        result = design_system(loaded.system, seq_spec, seed)
    out.mkdir(parents=True, exist_ok=True)
    write_design(result, out)
    report = design_report(result)
    console.print(f"{report['domains']} domains ({result.backend}, k-mer k = {result.kmer_k}) -> {out}; "
                  f"{sum(c.passed for c in result.checks)}/{len(result.checks)} checks pass")
    if json_out is not None:
        write_json(json_out, report)
    if not result.passed:
        for what, n in report["failures"].items():
            err_console.print(f"FAILED {what}: {n} subject(s) (see {out / 'checks.csv'})", markup=False,
                              highlight=False)
        raise typer.Exit(1)

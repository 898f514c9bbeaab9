"""The build spec (``protocols/*.yaml``): loading and validation at the boundary, into the dataclasses of
:mod:`dsd.pipeline.spec_sections` (re-exported here).

Every field declares the values it accepts (:func:`~dsd.pipeline.spec_check.spec_field`; the rules and
their checker are in :mod:`dsd.pipeline.spec_check`): every number finite and in range, counts
integers, booleans booleans. Every problem is one :class:`SpecError` line naming the file, the YAML
line:column and the field, e.g. ``protocols/iris.yaml:12:3: crn.fanout_limit: expected an integer >= 2,
got 'many'``. Past this module the pipeline trusts the spec.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dsd.pipeline.spec_check import (
    Int, Num, Pair, Seq, SpecError, Text, check, check_files, checked_options, fail, parse_fields,
    position_of, section, type_name, yaml_positions,
)
from dsd.pipeline.spec_sections import (
    DATASETS, NAME, BudgetSpec, BuildSpec, ComputeSpec, CRNSpec, DatasetSpec, DSDSpec, NetworkSpec, OrderSpec,
    ProtocolSpec, ReportSpec, SequencesSpec, SimulationSpec, TrainingSpec,
)

__all__ = ["DATASETS", "TOP_LEVEL", "SpecError", "DatasetSpec", "NetworkSpec", "TrainingSpec", "CRNSpec",
           "SimulationSpec", "DSDSpec", "SequencesSpec", "OrderSpec", "ProtocolSpec", "ReportSpec", "BudgetSpec",
           "ComputeSpec", "BuildSpec", "parse_spec", "load_spec"]

# --- the sections -------------------------------------------------------------------------------------


def _fields(where: str, raw: Any, cls: type, extra: set[str] = frozenset()) -> dict[str, Any]:
    """A section with only ``cls``'s fields (and ``extra`` keys), each checked by its rule."""
    d = section(where, raw, set(cls.__dataclass_fields__) | set(extra))
    return parse_fields(where, d, cls)


def _dataset(raw: Any) -> DatasetSpec:
    if isinstance(raw, str):
        raw = {"name": raw}
    out = _fields("dataset", raw, DatasetSpec)
    name = out.setdefault("name", DatasetSpec.name)
    if name == "csv" and out.get("path") is None:
        raise fail("dataset.path", f"required for dataset {name!r}")
    if name == "csv" and out.get("label_column") is None:
        raise fail("dataset.label_column", "required for a csv dataset")
    if out.get("download") is not None:
        out["download"] = " ".join(out["download"].split()) or None  # one line in the error
    split = out.get("split")
    if split is not None:
        if name != "csv":
            raise fail("dataset.split", f"only for a csv dataset (dataset {name!r} has its own split)")
        if abs(sum(split) - 1.0) > 1e-9 or split[0] == 0:
            raise fail("dataset.split", f"the fractions must sum to 1 with some training data, got {list(split)}")
    return DatasetSpec(**out)


def _network(raw: Any) -> NetworkSpec:
    out = _fields("network", raw, NetworkSpec)
    if out.get("load") is not None:
        for k in ("hidden", "weights"):
            if k in out:  # only a key the YAML gives: the defaults never conflict
                raise fail(f"network.{k}", f"given next to network.load; the loaded model brings its own "
                                           f"{'layers' if k == 'hidden' else 'weight kind'} (remove network.{k})")
    return NetworkSpec(**out)


def _crn(raw: Any) -> CRNSpec:
    out = _fields("crn", raw, CRNSpec)
    if out.get("input_range") is not None:
        low, high = out["input_range"]
        if not low < high:
            raise fail("crn.input_range", f"low {low:g} must be below high {high:g}")
    return CRNSpec(**out)


def _dsd(raw: Any) -> DSDSpec:
    spec = DSDSpec(**_fields("dsd", raw, DSDSpec))
    if spec.long_nt <= spec.toehold_nt:
        raise fail("dsd.long_nt", f"a long domain ({spec.long_nt} nt) must be longer than a toehold "
                                  f"({spec.toehold_nt} nt)")
    return spec


def _sequences(raw: Any, dsd: DSDSpec) -> SequencesSpec:
    from sequences.rules import SequenceRules, gc_count_window

    rule_fields = set(SequenceRules.__dataclass_fields__)
    d = section("sequences", raw, set(SequencesSpec.__dataclass_fields__) - {"rules"} | rule_fields)
    out = parse_fields("sequences", d, SequencesSpec)
    rules = checked_options("sequences", {k: v for k, v in d.items() if k in rule_fields}, SequenceRules)
    checked = SequenceRules(**rules)
    # a GC window no domain of the spec's lengths can meet is caught here, not after the build's design
    lengths = {"toehold": dsd.toehold_nt, "long": dsd.long_nt, "history": dsd.history_nt}
    for kind in checked.gc_kinds:
        lo, hi = gc_count_window(checked, lengths[kind])
        if lo > hi:
            # name what the spec gave: the GC window, or else the domain length that cannot meet it
            given = isinstance(raw, dict) and ("gc_min" in raw or "gc_max" in raw)
            raise fail("sequences.gc_min/gc_max" if given else f"dsd.{kind}_nt", f"no {lengths[kind]}-nt {kind} domain has a GC fraction in "
                                                  f"[{checked.gc_min:g}, {checked.gc_max:g}] (it would need "
                                                  f"{lo} to {hi} G+C)")
    frozen = tuple(sorted((k, tuple(sorted(v.items())) if isinstance(v, dict) else v) for k, v in rules.items()))
    return SequencesSpec(**out, rules=frozen)


_ORDER_RULES = {"scales": Seq(Pair((Int(ge=1), Text()), example="[max_nt, code] such as [60, 25nm]"), min_len=1,
                              example="[max_nt, code] pairs such as [[60, 25nm], [90, 100nm]]"),
                "page_roles": Seq(Text(), example="a list of roles such as [gate, fuel, helper]")}


def _order(raw: Any) -> OrderSpec:
    from dsd.wetlab.order import OrderOptions

    option_fields = set(OrderOptions.__dataclass_fields__) - {"max_name_chars"}
    d = section("order", raw, set(OrderSpec.__dataclass_fields__) - {"options"} | option_fields)
    out = parse_fields("order", d, OrderSpec)
    options = checked_options("order", {k: v for k, v in d.items() if k in option_fields}, OrderOptions,
                              _ORDER_RULES, Num(ge=0))
    spec = OrderSpec(**out, options=tuple(sorted(options.items())))
    try:
        spec.reporter_options()
    except ValueError as exc:
        raise fail("order.reporter_dyes" if "dye" in str(exc) else "order", str(exc)) from None
    return spec


_PROTOCOL_RULES = {
    **{k: Num(gt=0) for k in ("stock_uM", "anneal_uM", "anneal_uL", "cool_C_per_min")},  # µM, µL, °C/min
    **{k: Num(ge=0, le=100) for k in ("anneal_high_C", "anneal_low_C", "reaction_C")},  # °C
    "top_excess": Num(ge=1), "buffer_stock_x": Num(gt=1),
}


def _protocol(raw: Any) -> ProtocolSpec:
    from dsd.wetlab.protocol import ProtocolOptions

    option_fields = set(ProtocolOptions.__dataclass_fields__)
    d = section("protocol", raw, option_fields | {"examples", "inputs"})
    reaction = d.get("reaction_uL", "auto")
    reaction_uL = None if reaction == "auto" else check("protocol.reaction_uL", reaction, Num(gt=0))
    given = {k: v for k, v in d.items() if k in option_fields - {"reaction_uL"}}
    options = {"anneal_uM": 25.0, **checked_options("protocol", given, ProtocolOptions, _PROTOCOL_RULES, Num(ge=0),
                                                    reaction_uL=reaction_uL or 1000.0)}
    out = parse_fields("protocol", {k: v for k, v in d.items() if v is not None}, ProtocolSpec,
                       skip={"reaction_uL"})
    return ProtocolSpec(reaction_uL, tuple(sorted(options.items())), **out)


def _report(raw: Any) -> ReportSpec:
    out = _fields("report", raw, ReportSpec)
    for k in ("price_per_nt", "price_per_strand", "price_per_modification"):
        out[k] = tuple(sorted((out.get(k) or {}).items()))
    return ReportSpec(**out)


def _budget(raw: Any, network: NetworkSpec, crn: CRNSpec) -> BudgetSpec | None:
    if raw is None:
        return None
    out = _fields("budget", raw, BudgetSpec)
    given = [k for k in ("strands", "nucleotides") if out.get(k) is not None]
    if len(given) != 1:
        raise fail("budget", "give exactly one of strands or nucleotides (a positive integer), e.g. "
                             f"budget: {{strands: 120}}; got {', '.join(given) or 'neither'}")
    if network.load is not None or crn.path is not None:
        raise fail("budget", f"given next to {'network.load' if network.load else 'crn.path'}; a budget trains "
                             "the network it sizes (remove one)")
    return BudgetSpec(**out)


def _compute(raw: Any) -> ComputeSpec:
    from crn.tasks import Compute, INSTALL_HINT, dask_available

    out = _fields("compute", raw, ComputeSpec)
    try:
        Compute(out.get("workers"), out.get("scheduler"))
    except ValueError as exc:
        raise fail(f"compute.{str(exc).split(':')[0]}", str(exc).split(": ", 1)[1]) from None
    if (out.get("workers") is not None or out.get("scheduler") is not None) and not dask_available():
        raise fail("compute.workers" if out.get("workers") is not None else "compute.scheduler",
                   f"running on Dask needs the [distributed] extra: {INSTALL_HINT}")
    return ComputeSpec(**out)


TOP_LEVEL = {"name", "seed", "dataset", "network", "training", "crn", "simulation", "dsd", "sequences", "order",
             "protocol", "report", "budget", "compute"}


def parse_spec(raw: Any, base_dir: str | Path = ".") -> BuildSpec:
    """Validate a spec already read from YAML (a mapping); relative paths are taken from ``base_dir``."""
    if not isinstance(raw, dict):
        raise SpecError(f"expected a mapping of sections at the top level, got {type_name(raw)}")
    for key in raw:
        if key not in TOP_LEVEL:
            raise fail(str(key), f"unknown key; allowed keys are {', '.join(sorted(TOP_LEVEL))}")
    if "name" not in raw:
        raise SpecError("name: required (the build folder is build/<name>)")
    name = check("name", raw["name"], Text())
    if not NAME.match(name):
        raise fail("name", f"{name!r} is not a usable build name (it names the build folder and the SBML model): "
                           "use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'")
    crn = _crn(raw.get("crn"))
    network = _network(raw.get("network"))
    if crn.path is not None and raw.get("network") is not None:
        raise SpecError("crn.path: a spec starts from either a network or a CRN file, not both")
    if network.load is not None and raw.get("training") is not None:
        raise SpecError("training: given next to network.load; a loaded model is not trained (remove training)")
    dataset = _dataset(raw.get("dataset"))
    base = Path(base_dir)
    check_files(network, crn, dataset, base)
    dsd_spec = _dsd(raw.get("dsd"))
    return BuildSpec(
        name=name,
        seed=check("seed", raw.get("seed", 0), Int(ge=0)),
        dataset=dataset,
        network=network,
        training=TrainingSpec(**_fields("training", raw.get("training"), TrainingSpec)),
        crn=crn,
        simulation=SimulationSpec(**_fields("simulation", raw.get("simulation"), SimulationSpec)),
        dsd=dsd_spec,
        sequences=_sequences(raw.get("sequences"), dsd_spec),
        order=_order(raw.get("order")),
        protocol=_protocol(raw.get("protocol")),
        report=_report(raw.get("report")),
        budget=_budget(raw.get("budget"), network, crn),
        compute=_compute(raw.get("compute")),
        base_dir=str(base),
    )


def load_spec(path: str | Path) -> BuildSpec:
    """Read and validate a YAML build spec; an error is one line ``<file>:<line>:<col>: <field>: <problem>``."""
    path = Path(path)
    if path.is_dir():
        raise SpecError(f"{path}: is a directory, not a spec file")
    if not path.is_file():
        raise SpecError(f"{path}: spec file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read the spec: {' '.join(str(exc).split())}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(" ".join(f"{where}: malformed YAML: {problem}".split())) from None
    except RecursionError:
        raise SpecError(f"{path}: malformed YAML: nested too deeply") from None
    try:
        return parse_spec(raw, base_dir=path.parent)
    except SpecError as exc:
        at = position_of(str(exc), yaml_positions(text))
        where = f"{path}:{at[0]}:{at[1]}" if at else str(path)
        raise SpecError(f"{where}: {exc}") from None

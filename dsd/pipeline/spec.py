"""The build spec (``protocols/*.yaml``): loading and validation at the boundary.

Every problem is reported as one :class:`SpecError` line naming the field, e.g.
``protocols/iris.yaml: crn.fanout_limit: expected an integer >= 2, got 'many'``. Past this module
the pipeline trusts the spec.
"""

from __future__ import annotations

import hashlib
import re
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

DATASETS = ("iris", "digits", "heart", "mnist", "csv")


class SpecError(ValueError):
    """An invalid build spec; the message names the file and the field."""


@dataclass(frozen=True)
class DatasetSpec:
    name: str = "iris"
    path: str | None = None  # csv: the table; mnist: folder with the IDX files
    label_column: str | None = None  # csv
    feature_columns: tuple[str, ...] | None = None  # csv
    download: str | None = None  # where to get the data: printed when dataset.path is missing
    split: tuple[float, float, float] | None = None  # csv: random train/val/test fractions (seeded)


@dataclass(frozen=True)
class NetworkSpec:
    hidden: tuple[int, ...] = (8,)
    weights: str = "binary"  # binary | ternary
    load: str | None = None  # a model .npz/.json or a reference-model JSON instead of training


@dataclass(frozen=True)
class TrainingSpec:
    epochs: int | None = None
    batch_size: int | None = None
    lr_start: float | None = None
    lr_end: float | None = None
    dropout_in: float | None = None
    dropout_hidden: float | None = None
    ternary_threshold: float | None = None


@dataclass(frozen=True)
class CRNSpec:
    reduce: bool = True
    cancellation: bool = False
    fanout_limit: int | None = None
    inputs: str = "dual"  # dual | shifted
    input_range: tuple[float, float] | None = None  # default: the dataset's min/max
    path: str | None = None  # start from a hand-written CRN text file instead of a network


@dataclass(frozen=True)
class SimulationSpec:
    t_end: float = 50.0  # horizon of the trajectories and convergence times (formal time)
    check_t_end: float = 2000.0  # the outputs are compared with the network at this time
    examples: int | None = None  # None: every example of the evaluation set
    rtol: float = 1e-6
    atol: float = 1e-9
    tolerance: float = 1e-3  # max |CRN - network| allowed at check_t_end
    n_points: int = 201


@dataclass(frozen=True)
class DSDSpec:
    enabled: bool = True  # translate, verify and simulate the gates (false: stop at the CRN)
    scheme: str = "soloveichik2010"
    toehold_nt: int = 6
    long_nt: int = 15
    history_nt: int = 15
    unit_nM: float = 10.0  # 1 formal unit of concentration, in nM
    safety: float = 2.0  # gate/fuel concentration = firing bound x safety x unit_nM
    leak_per_nM_s: float = 0.0  # leak rate constant of every gate (1e-9 /nM/s is typical)
    verify: bool = True  # Peppercorn enumeration + crnverifier bisimulation, one check per shape
    hours: float = 48.0  # gate-level simulated time
    examples: int | None = None  # gate-level examples (None: those of the formal simulation)


@dataclass(frozen=True)
class SequencesSpec:
    enabled: bool = True  # design domain sequences and check them
    backend: str = "auto"  # auto (NUPACK 4 if importable, else ViennaRNA) | nupack | viennarna
    temperature_C: float = 25.0
    na_M: float = 1.0  # the conditions DESIGN §5's energy windows are stated at
    mg_M: float = 0.0
    seed: int | None = None  # None: the spec's seed
    seconds: float = 480.0  # search budget (wall clock)
    rules: tuple[tuple[str, Any], ...] = ()  # SequenceRules fields given in the spec (sorted)

    def rules_dict(self) -> dict[str, Any]:
        return {k: (dict(v) if k == "fixed" else v) for k, v in self.rules}


@dataclass(frozen=True)
class OrderSpec:
    """The ``order:`` section: vendor format, synthesis scales, purification per role, plates and
    reporters. ``options`` holds every :class:`dsd.wetlab.order.OrderOptions` field the spec may set."""

    vendor: str = "idt"  # the bulk-order and plate-upload format (IDT's is the one written)
    options: tuple[tuple[str, Any], ...] = ()  # OrderOptions fields given in the spec (sorted)
    reporters: bool = False  # fluorophore/quencher reporter complexes for the output species
    reporter_dyes: tuple[str, ...] | None = None  # None: the default dye cycle of dsd.wetlab.reporters
    reporter_safety: float = 2.0  # reporter = safety x the most of its output rail
    reporter_calibrants: bool = True  # also order Cal_<rail> strands for the calibration curve

    def reporter_options(self):
        from dsd.wetlab.reporters import ReporterOptions

        dyes = {"dyes": self.reporter_dyes} if self.reporter_dyes else {}
        return ReporterOptions(**dyes, safety=self.reporter_safety, calibrants=self.reporter_calibrants)

    def order_options(self):
        from dsd.wetlab.order import OrderOptions

        return OrderOptions(**dict(self.options))


@dataclass(frozen=True)
class ProtocolSpec:
    """The ``protocol:`` section: volumes (µL), stocks (µM), annealing; see :class:`dsd.wetlab.protocol.ProtocolOptions`.

    ``reaction_uL`` None picks the smallest of 100, 200, 500, 1000 µL that holds every complex with
    pipettable volumes; ``anneal_uM`` defaults to 25 µM (lowered per complex where strands would
    not fit)."""

    reaction_uL: float | None = None
    options: tuple[tuple[str, Any], ...] = (("anneal_uM", 25.0),)
    examples: int = 2  # examples whose input-strand volumes the protocol lists
    inputs: tuple[tuple[float, ...], ...] = ()  # input vectors (formal units) to list instead of examples

    def protocol_options(self, reaction_uL: float):
        from dsd.wetlab.protocol import ProtocolOptions

        return ProtocolOptions(**dict(self.options), reaction_uL=reaction_uL)


@dataclass(frozen=True)
class ReportSpec:
    """The ``report:`` section: ``report.html`` and its order-cost estimate."""

    enabled: bool = True
    examples_to_plot: int = 3
    confidence: str = "margin"  # margin | softmax
    currency: str | None = None
    price_per_nt: tuple[tuple[str, float], ...] = ()  # scale code -> price per nucleotide
    price_per_strand: tuple[tuple[str, float], ...] = ()  # purification code -> price per oligo
    price_per_modification: tuple[tuple[str, float], ...] = ()  # modification code (/56-FAM/) -> price each

    def price_table(self) -> dict | None:
        table: dict[str, Any] = {}
        if self.currency is not None:
            table["currency"] = self.currency
        if self.price_per_nt:
            table["per_nt"] = dict(self.price_per_nt)
        if self.price_per_strand:
            table["per_strand"] = dict(self.price_per_strand)
        if self.price_per_modification:
            table["per_modification"] = dict(self.price_per_modification)
        if table:
            table["source"] = "the build spec's report section"
        return table or None


@dataclass(frozen=True)
class BuildSpec:
    name: str
    seed: int = 0
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    network: NetworkSpec = field(default_factory=NetworkSpec)
    training: TrainingSpec = field(default_factory=TrainingSpec)
    crn: CRNSpec = field(default_factory=CRNSpec)
    simulation: SimulationSpec = field(default_factory=SimulationSpec)
    dsd: DSDSpec = field(default_factory=DSDSpec)
    sequences: SequencesSpec = field(default_factory=SequencesSpec)
    order: OrderSpec = field(default_factory=OrderSpec)
    protocol: ProtocolSpec = field(default_factory=ProtocolSpec)
    report: ReportSpec = field(default_factory=ReportSpec)
    base_dir: str = "."  # folder relative paths in the spec are resolved against

    def resolve(self, path: str | None) -> Path | None:
        if path is None:
            return None
        p = Path(path).expanduser()
        return p if p.is_absolute() else Path(self.base_dir) / p

    def digest(self, *sections: str) -> str:
        """Content hash of some sections (all when none are named), for stage caching."""
        data = asdict(self)
        data.pop("base_dir")
        if sections:
            data = {k: data[k] for k in sections}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


# --- validation ---------------------------------------------------------------------------------


_YAML11_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+\Z")


def _type_name(value: Any) -> str:
    return type(value).__name__ if value is not None else "null"


def _check_int(where: str, value: Any, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{where}: expected an integer, got {value!r} ({_type_name(value)})")
    if minimum is not None and value < minimum:
        raise SpecError(f"{where}: expected an integer >= {minimum}, got {value}")
    return value


def _check_float(where: str, value: Any, minimum: float | None = None, strict: bool = False,
                 maximum: float | None = None) -> float:
    if isinstance(value, str) and _YAML11_EXPONENT.match(value.strip()):
        value = float(value)  # PyYAML (YAML 1.1) reads 1e-9 as a string; users mean the number
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{where}: expected a number, got {value!r} ({_type_name(value)})")
    value = float(value)
    if minimum is not None and (value <= minimum if strict else value < minimum):
        sign = ">" if strict else ">="
        word = "negative" if minimum == 0 and value < 0 else "out of range"
        raise SpecError(f"{where}: {word} value {value:g}; expected a number {sign} {minimum:g}")
    if maximum is not None and value > maximum:
        raise SpecError(f"{where}: value {value:g} out of range; expected a number <= {maximum:g}")
    return value


def _check_str(where: str, value: Any, choices: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, str):
        raise SpecError(f"{where}: expected a string, got {value!r} ({_type_name(value)})")
    if choices is not None and value not in choices:
        raise SpecError(f"{where}: unknown value {value!r}; expected one of {', '.join(choices)}")
    return value


def _check_bool(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"{where}: expected true or false, got {value!r} ({_type_name(value)})")
    return value


def _section(where: str, raw: Any, allowed: set[str]) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: expected a mapping, got {_type_name(raw)}")
    for key in raw:
        if key not in allowed:
            raise SpecError(f"{where}.{key}: unknown key; allowed keys are {', '.join(sorted(allowed))}")
    return raw


def _dataset(raw: Any) -> DatasetSpec:
    if isinstance(raw, str):
        raw = {"name": raw}
    d = _section("dataset", raw, {"name", "path", "label_column", "feature_columns", "download", "split"})
    name = _check_str("dataset.name", d.get("name", "iris"), DATASETS)
    path = d.get("path")
    if path is not None:
        _check_str("dataset.path", path)
    if name in ("mnist", "csv") and path is None:
        raise SpecError(f"dataset.path: required for dataset {name!r}")
    label = d.get("label_column")
    if label is not None:
        _check_str("dataset.label_column", label)
    if name == "csv" and label is None:
        raise SpecError("dataset.label_column: required for a csv dataset")
    features = d.get("feature_columns")
    if features is not None:
        if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
            raise SpecError("dataset.feature_columns: expected a list of column names")
        features = tuple(features)
    download = d.get("download")
    if download is not None:
        download = " ".join(_check_str("dataset.download", download).split())  # one line in the error
    split = d.get("split")
    if split is not None:
        if name != "csv":
            raise SpecError(f"dataset.split: only for a csv dataset (dataset {name!r} has its own split)")
        if not (isinstance(split, list) and len(split) == 3):
            raise SpecError(f"dataset.split: expected [train, val, test] fractions such as [0.7, 0.15, 0.15], "
                            f"got {split!r}")
        split = tuple(_check_float(f"dataset.split[{i}]", v, 0.0, maximum=1.0) for i, v in enumerate(split))
        if abs(sum(split) - 1.0) > 1e-9 or split[0] == 0:
            raise SpecError(f"dataset.split: the fractions must sum to 1 with some training data, got {list(split)}")
    return DatasetSpec(name, path, label, features, download or None, split)


def _network(raw: Any) -> NetworkSpec:
    d = _section("network", raw, {"hidden", "weights", "load"})
    hidden = d.get("hidden", [8])
    if isinstance(hidden, int) and not isinstance(hidden, bool):
        hidden = [hidden]
    if not isinstance(hidden, list) or not hidden:
        raise SpecError(f"network.hidden: expected a list of layer sizes, got {hidden!r}")
    hidden = tuple(_check_int(f"network.hidden[{i}]", h, 1) for i, h in enumerate(hidden))
    weights = _check_str("network.weights", d.get("weights", "binary"), ("binary", "ternary"))
    load = d.get("load")
    if load is not None:
        _check_str("network.load", load)
    return NetworkSpec(hidden, weights, load)


def _training(raw: Any) -> TrainingSpec:
    keys = {f for f in TrainingSpec.__dataclass_fields__}
    d = _section("training", raw, keys)
    out = {}
    for k, v in d.items():
        where = f"training.{k}"
        if k in ("epochs", "batch_size"):
            out[k] = _check_int(where, v, 1)
        elif k.startswith("dropout") or k == "ternary_threshold":
            out[k] = _check_float(where, v, 0.0, maximum=1.0 if k.startswith("dropout") else None)
        else:
            out[k] = _check_float(where, v, 0.0, strict=True)
    return TrainingSpec(**out)


def _crn(raw: Any) -> CRNSpec:
    d = _section("crn", raw, set(CRNSpec.__dataclass_fields__))
    out: dict[str, Any] = {}
    for k in ("reduce", "cancellation"):
        if k in d:
            out[k] = _check_bool(f"crn.{k}", d[k])
    if d.get("fanout_limit") is not None:
        out["fanout_limit"] = _check_int("crn.fanout_limit", d["fanout_limit"], 2)
    if "inputs" in d:
        out["inputs"] = _check_str("crn.inputs", d["inputs"], ("dual", "shifted"))
    if d.get("input_range") is not None:
        r = d["input_range"]
        if not (isinstance(r, list) and len(r) == 2):
            raise SpecError(f"crn.input_range: expected [low, high], got {r!r}")
        low = _check_float("crn.input_range[0]", r[0])
        high = _check_float("crn.input_range[1]", r[1])
        if not low < high:
            raise SpecError(f"crn.input_range: low {low:g} must be below high {high:g}")
        out["input_range"] = (low, high)
    if d.get("path") is not None:
        out["path"] = _check_str("crn.path", d["path"])
    return CRNSpec(**out)


def _simulation(raw: Any) -> SimulationSpec:
    d = _section("simulation", raw, set(SimulationSpec.__dataclass_fields__))
    out: dict[str, Any] = {}
    for k in ("t_end", "check_t_end"):
        if k in d:
            out[k] = _check_float(f"simulation.{k}", d[k], 0.0, strict=True)
    if d.get("examples") is not None:
        out["examples"] = _check_int("simulation.examples", d["examples"], 1)
    for k in ("rtol", "atol", "tolerance"):
        if k in d:
            out[k] = _check_float(f"simulation.{k}", d[k], 0.0, strict=True)
    if "n_points" in d:
        out["n_points"] = _check_int("simulation.n_points", d["n_points"], 2)
    return SimulationSpec(**out)


def _dsd(raw: Any) -> DSDSpec:
    from dsd.schemes import SCHEMES

    d = _section("dsd", raw, set(DSDSpec.__dataclass_fields__))
    out: dict[str, Any] = {}
    for k in ("enabled", "verify"):
        if k in d:
            out[k] = _check_bool(f"dsd.{k}", d[k])
    if "scheme" in d:
        out["scheme"] = _check_str("dsd.scheme", d["scheme"], tuple(sorted(SCHEMES)))
    if "toehold_nt" in d:
        out["toehold_nt"] = _check_int("dsd.toehold_nt", d["toehold_nt"], 4)
    for k in ("long_nt", "history_nt"):
        if k in d:
            out[k] = _check_int(f"dsd.{k}", d[k], 1)
    toehold = out.get("toehold_nt", DSDSpec.toehold_nt)
    if out.get("long_nt", DSDSpec.long_nt) <= toehold:
        raise SpecError(f"dsd.long_nt: a long domain ({out.get('long_nt', DSDSpec.long_nt)} nt) must be longer "
                        f"than a toehold ({toehold} nt)")
    for k in ("unit_nM", "hours"):
        if k in d:
            out[k] = _check_float(f"dsd.{k}", d[k], 0.0, strict=True)
    if "safety" in d:
        out["safety"] = _check_float("dsd.safety", d["safety"], 1.0)
    if "leak_per_nM_s" in d:
        out["leak_per_nM_s"] = _check_float("dsd.leak_per_nM_s", d["leak_per_nM_s"], 0.0)
    if d.get("examples") is not None:
        out["examples"] = _check_int("dsd.examples", d["examples"], 1)
    return DSDSpec(**out)


def _sequences(raw: Any) -> SequencesSpec:
    from sequences.rules import SequenceRules

    own = {"enabled", "backend", "temperature_C", "na_M", "mg_M", "seed", "seconds"}
    rule_fields = set(SequenceRules.__dataclass_fields__)
    d = _section("sequences", raw, own | rule_fields)
    out: dict[str, Any] = {}
    if "enabled" in d:
        out["enabled"] = _check_bool("sequences.enabled", d["enabled"])
    if "backend" in d:
        out["backend"] = _check_str("sequences.backend", d["backend"], ("auto", "nupack", "viennarna"))
    if "temperature_C" in d:
        out["temperature_C"] = _check_float("sequences.temperature_C", d["temperature_C"], 0.0, maximum=100.0)
    if "na_M" in d:
        out["na_M"] = _check_float("sequences.na_M", d["na_M"], 0.0, strict=True)
    if "mg_M" in d:
        out["mg_M"] = _check_float("sequences.mg_M", d["mg_M"], 0.0)
    if d.get("seed") is not None:
        out["seed"] = _check_int("sequences.seed", d["seed"], 0)
    if "seconds" in d:
        out["seconds"] = _check_float("sequences.seconds", d["seconds"], 0.0, strict=True)
    rules = {k: v for k, v in d.items() if k in rule_fields}
    for k, v in rules.items():
        if isinstance(v, str) and _YAML11_EXPONENT.match(v.strip()):
            rules[k] = float(v)
    try:
        SequenceRules.from_dict(rules)
    except (ValueError, TypeError) as exc:
        raise SpecError(" ".join(str(exc).split())) from None
    frozen = tuple(sorted((k, tuple(sorted(v.items())) if isinstance(v, dict) else
                           tuple(v) if isinstance(v, list) else v) for k, v in rules.items()))
    return SequencesSpec(**out, rules=frozen)


def _check_gc_window(sequences: SequencesSpec, dsd: DSDSpec) -> None:
    """A GC window no domain of the spec's lengths can meet is a spec error, caught before the build."""
    from sequences.rules import SequenceRules, gc_count_window

    rules = SequenceRules.from_dict(sequences.rules_dict())
    lengths = {"toehold": dsd.toehold_nt, "long": dsd.long_nt, "history": dsd.history_nt}
    for kind in rules.gc_kinds:
        lo, hi = gc_count_window(rules, lengths[kind])
        if lo > hi:
            raise SpecError(f"sequences.gc_min/gc_max: no {lengths[kind]}-nt {kind} domain has a GC fraction in "
                            f"[{rules.gc_min:g}, {rules.gc_max:g}] (it would need {lo} to {hi} G+C)")


def _options(where: str, d: dict, cls, skip: set[str] = frozenset()) -> dict[str, Any]:
    """Check the keys of ``d`` that are fields of the options dataclass ``cls`` against the type of
    each field's default (numbers must not be negative; a field whose default is None may be null)."""
    import dataclasses

    out: dict[str, Any] = {}
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    nullable = {f.name for f in dataclasses.fields(cls) if "None" in str(f.type)}
    for k, v in d.items():
        if k in skip or k not in defaults:
            continue
        default, at = defaults[k], f"{where}.{k}"
        if v is None and k in nullable:
            out[k] = None
        elif isinstance(default, bool):
            out[k] = _check_bool(at, v)
        elif isinstance(default, int):
            out[k] = _check_int(at, v, 0)
        elif isinstance(default, float):
            out[k] = _check_float(at, v, 0.0)
        elif isinstance(default, str):
            out[k] = _check_str(at, v)
        elif isinstance(default, tuple):
            if not isinstance(v, list):
                raise SpecError(f"{at}: expected a list, got {v!r} ({_type_name(v)})")
            out[k] = tuple(tuple(x) if isinstance(x, list) else x for x in v)
        else:  # pragma: no cover - every options field has one of the types above
            raise SpecError(f"{at}: cannot be set in a spec")
    return out


def _field_message(section: str, message: str) -> str:
    """``"order plate_wells must be ..."`` (an options class's own check) -> ``"order.plate_wells: must be ..."``."""
    m = re.match(rf"{section} (\w+)[: ]\s*(.*)", message)
    return f"{section}.{m.group(1)}: {m.group(2)}" if m else f"{section}: {message}"


def _order(raw: Any) -> OrderSpec:
    from dsd.wetlab.order import OrderOptions

    fields = set(OrderOptions.__dataclass_fields__) - {"max_name_chars"}
    d = _section("order", raw, {"vendor", "reporters", "reporter_dyes", "reporter_safety", "reporter_calibrants"}
                 | fields)
    vendor = _check_str("order.vendor", d.get("vendor", "idt"), ("idt",))
    options = _options("order", {k: v for k, v in d.items() if k in fields}, OrderOptions)
    if "scales" in options:
        scales = options["scales"]
        for i, pair in enumerate(scales):
            if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], str)):
                raise SpecError(f"order.scales[{i}]: expected [max_nt, code] such as [60, 25nm], got {list(pair) if isinstance(pair, tuple) else pair!r}")
            _check_int(f"order.scales[{i}][0]", pair[0], 1)
    if "page_roles" in options and not all(isinstance(r, str) for r in options["page_roles"]):
        raise SpecError("order.page_roles: expected a list of roles such as [gate, fuel, helper]")
    try:
        OrderOptions(**options)
    except ValueError as exc:
        raise SpecError(_field_message("order", str(exc))) from None
    reporters = _check_bool("order.reporters", d.get("reporters", False))
    dyes = d.get("reporter_dyes")
    if dyes is not None:
        if not isinstance(dyes, list) or not dyes or not all(isinstance(x, str) for x in dyes):
            raise SpecError(f"order.reporter_dyes: expected a list of dye names, got {dyes!r}")
        dyes = tuple(dyes)
    safety = _check_float("order.reporter_safety", d.get("reporter_safety", 2.0), 1.0)
    calibrants = _check_bool("order.reporter_calibrants", d.get("reporter_calibrants", True))
    spec = OrderSpec(vendor, tuple(sorted(options.items())), reporters, dyes, safety, calibrants)
    try:
        spec.reporter_options()
    except ValueError as exc:
        raise SpecError(f"order.reporter_dyes: {exc}" if "dye" in str(exc) else f"order: {exc}") from None
    return spec


def _protocol(raw: Any) -> ProtocolSpec:
    from dsd.wetlab.protocol import ProtocolOptions

    fields = set(ProtocolOptions.__dataclass_fields__)
    d = _section("protocol", raw, fields | {"examples", "inputs"})
    reaction = d.get("reaction_uL", "auto")
    reaction_uL = None if reaction == "auto" else _check_float("protocol.reaction_uL", reaction, 0.0, strict=True)
    options = {"anneal_uM": 25.0, **_options("protocol", d, ProtocolOptions, skip={"reaction_uL"})}
    try:
        ProtocolOptions(**options, reaction_uL=reaction_uL or 1000.0)
    except ValueError as exc:
        raise SpecError(_field_message("protocol", str(exc))) from None
    examples = _check_int("protocol.examples", d.get("examples", 2), 0)
    inputs = d.get("inputs") or []
    if not isinstance(inputs, list) or not all(isinstance(x, list) and x for x in inputs):
        raise SpecError(f"protocol.inputs: expected a list of input vectors such as [[0.2, 0.8]], got {inputs!r}")
    inputs = tuple(tuple(_check_float(f"protocol.inputs[{i}][{j}]", v) for j, v in enumerate(x))
                   for i, x in enumerate(inputs))
    return ProtocolSpec(reaction_uL, tuple(sorted(options.items())), examples, inputs)


def _report(raw: Any) -> ReportSpec:
    d = _section("report", raw, {"enabled", "examples_to_plot", "confidence", "currency", "price_per_nt",
                                 "price_per_strand", "price_per_modification"})
    out: dict[str, Any] = {}
    if "enabled" in d:
        out["enabled"] = _check_bool("report.enabled", d["enabled"])
    if "examples_to_plot" in d:
        out["examples_to_plot"] = _check_int("report.examples_to_plot", d["examples_to_plot"], 0)
    if "confidence" in d:
        out["confidence"] = _check_str("report.confidence", d["confidence"], ("margin", "softmax"))
    if d.get("currency") is not None:
        out["currency"] = _check_str("report.currency", d["currency"])
    for k in ("price_per_nt", "price_per_strand", "price_per_modification"):
        if d.get(k) is not None:
            table = d[k]
            if not isinstance(table, dict):
                raise SpecError(f"report.{k}: expected a mapping of code to price, got {_type_name(table)}")
            out[k] = tuple(sorted((str(code), _check_float(f"report.{k}.{code}", price, 0.0))
                                  for code, price in table.items()))
    return ReportSpec(**out)


TOP_LEVEL = {"name", "seed", "dataset", "network", "training", "crn", "simulation", "dsd", "sequences", "order",
             "protocol", "report"}


def parse_spec(raw: Any, base_dir: str | Path = ".") -> BuildSpec:
    """Validate a spec already read from YAML (a mapping)."""
    if not isinstance(raw, dict):
        raise SpecError(f"expected a mapping of sections at the top level, got {_type_name(raw)}")
    for key in raw:
        if key not in TOP_LEVEL:
            raise SpecError(f"{key}: unknown key; allowed keys are {', '.join(sorted(TOP_LEVEL))}")
    if "name" not in raw:
        raise SpecError("name: required (the build folder is build/<name>)")
    name = _check_str("name", raw["name"])
    if not name or any(c in name for c in "/\\") or name.startswith("."):
        raise SpecError(f"name: {name!r} is not a usable folder name")
    crn = _crn(raw.get("crn"))
    network = _network(raw.get("network"))
    if crn.path is not None and raw.get("network") is not None:
        raise SpecError("crn.path: a spec starts from either a network or a CRN file, not both")
    base = Path(base_dir)
    for where, path in (("network.load", network.load), ("crn.path", crn.path)):
        if path is not None and not (base / Path(path).expanduser()).is_file():
            raise SpecError(f"{where}: file not found: {path}")
    dataset = _dataset(raw.get("dataset"))
    if dataset.path is not None and network.load is None and crn.path is None:
        where = base / Path(dataset.path).expanduser()
        looked = "" if where == Path(dataset.path) else f" (looked for {where})"  # paths are spec-relative
        download = f"; {dataset.download}" if dataset.download else ""
        if dataset.name == "csv" and not where.is_file():
            raise SpecError(f"dataset.path: CSV file not found: {dataset.path}{looked}{download}")
        if dataset.name == "mnist" and not where.exists():
            raise SpecError(
                f"dataset.path: MNIST folder not found: {dataset.path}{looked} (download the four original MNIST "
                "files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
                "t10k-labels-idx1-ubyte.gz into it)" + download
            )
    dsd_spec = _dsd(raw.get("dsd"))
    sequences = _sequences(raw.get("sequences"))
    _check_gc_window(sequences, dsd_spec)
    return BuildSpec(
        name=name,
        seed=_check_int("seed", raw.get("seed", 0), 0),
        dataset=dataset,
        network=network,
        training=_training(raw.get("training")),
        crn=crn,
        simulation=_simulation(raw.get("simulation")),
        dsd=dsd_spec,
        sequences=sequences,
        order=_order(raw.get("order")),
        protocol=_protocol(raw.get("protocol")),
        report=_report(raw.get("report")),
        base_dir=str(base),
    )


def load_spec(path: str | Path) -> BuildSpec:
    """Read and validate a YAML build spec; errors name the file and the field."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: spec file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(f"{where}: malformed YAML: {problem}") from None
    try:
        return parse_spec(raw, base_dir=path.parent)
    except SpecError as exc:
        raise SpecError(f"{path}: {exc}") from None

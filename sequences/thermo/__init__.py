"""Thermodynamic backends behind one interface (:mod:`sequences.thermo.base`): NUPACK 4 when it is
importable (:mod:`sequences.thermo.nupack`), ViennaRNA with DNA parameters otherwise
(:mod:`sequences.thermo.vienna`). This module only chooses one."""

from __future__ import annotations

from sequences.thermo.base import (  # noqa: F401  (the package's public interface)
    BACKEND_NAMES,
    BackendUnavailable,
    Conditions,
    GAS_CONSTANT_KCAL,
    MG_NA_EQUIVALENCE,
    MIN_HAIRPIN_NT,
    ThermoBackend,
    WATER_MOLARITY,
    check_strands,
    defect_from_pairs,
    in_model,
    na_equivalent_M,
    parse_structure,
    strand_index,
    strand_symmetry,
    structure_symmetry,
    unpaired_structure,
    with_nicks,
)


# --- choosing a backend -------------------------------------------------------------------------


def nupack_available() -> bool:
    """Whether ``import nupack`` works here."""
    try:
        import nupack  # noqa: F401
    except Exception:  # a broken install counts as absent
        return False
    return True


def get_backend(name: str = "auto", conditions: Conditions | None = None) -> ThermoBackend:
    """Return a thermodynamic backend for ``conditions`` (default :class:`Conditions`).

    ``"auto"`` picks NUPACK 4 when ``import nupack`` works and ViennaRNA otherwise;
    ``"viennarna"`` and ``"nupack"`` ask for one backend and raise :class:`BackendUnavailable`
    (naming it) when it cannot be imported.
    """
    conditions = Conditions() if conditions is None else conditions
    if not isinstance(conditions, Conditions):
        raise TypeError(f"conditions must be a Conditions, got {type(conditions).__name__}")
    if name not in BACKEND_NAMES:
        raise ValueError(f"unknown thermodynamic backend {name!r}; choose one of {', '.join(BACKEND_NAMES)}")
    if name == "auto":
        name = "nupack" if nupack_available() else "viennarna"
    if name == "nupack":
        from sequences.thermo.nupack import NupackBackend

        return NupackBackend(conditions)
    from sequences.thermo.vienna import ViennaRNABackend

    return ViennaRNABackend(conditions)

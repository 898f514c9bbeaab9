"""NUPACK 4 backend (used when ``import nupack`` works; never a dependency).

NUPACK 4 is licensed from nupack.org for non-commercial use and may not be redistributed, so the
project only imports it when a user has installed it. Calls follow the NUPACK 4 utilities API
(``Model``, ``mfe``, ``pfunc``, ``structure_energy``, ``structure_probability``, ``defect``,
``pairs``; docs.nupack.org, "Utilities Jobs" and "Model Specification").

Model: ``material='dna'`` (dna04 parameters), ``ensemble='stacking'`` (coaxial and dangle
stacking), Na+ and Mg2+ as given: NUPACK models Mg2+ itself (valid ranges for DNA: Na+ 0.05-1.1 M,
Mg2+ 0-0.2 M), so no sodium-equivalent conversion is applied here.

Energies: NUPACK's complex and structure free energies treat same-species strands as
indistinguishable (the convention of ``sequences.thermo``) but count the strand association
penalty in mole-fraction units; ``RT ln(55.14)`` per extra strand converts them to the 1 M
standard state the ViennaRNA backend uses. Probabilities and defects need no conversion.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from sequences.thermo.base import (
    WATER_MOLARITY,
    BackendUnavailable,
    Conditions,
    check_strands,
    in_model,
    parse_structure,
    unpaired_structure,
)

#: NUPACK 4's supported salt ranges for DNA (molar).
SODIUM_RANGE_M = (0.05, 1.1)
MAGNESIUM_RANGE_M = (0.0, 0.2)


class NupackBackend:
    """Thermodynamic backend on NUPACK 4; see :class:`sequences.thermo.ThermoBackend`."""

    name = "nupack"

    def __init__(self, conditions: Conditions | None = None, cache_size: int = 8192) -> None:
        try:
            import nupack
        except Exception as exc:
            raise BackendUnavailable(
                f"thermodynamic backend 'nupack' is not available: import nupack failed ({exc}). "
                "NUPACK 4 is licensed from nupack.org and never installed by this project; "
                "use backend 'viennarna' or 'auto'."
            ) from exc
        self.conditions = Conditions() if conditions is None else conditions
        c = self.conditions
        if not SODIUM_RANGE_M[0] <= c.na_M <= SODIUM_RANGE_M[1]:
            raise ValueError(f"Conditions.na_M = {c.na_M} M is outside NUPACK's DNA range {SODIUM_RANGE_M} M")
        if not MAGNESIUM_RANGE_M[0] <= c.mg_M <= MAGNESIUM_RANGE_M[1]:
            raise ValueError(f"Conditions.mg_M = {c.mg_M} M is outside NUPACK's DNA range {MAGNESIUM_RANGE_M} M")
        self._nupack = nupack
        self._model = nupack.Model(
            material="dna", ensemble="stacking", celsius=c.temperature_C, sodium=c.na_M, magnesium=c.mg_M
        )
        self._assoc_to_molar = c.kT_kcal * math.log(WATER_MOLARITY)
        # duplex_dG asks for the same single strands again and again during a design search
        self._pfunc_cached = lru_cache(maxsize=cache_size)(self._pfunc_checked)

    def __repr__(self) -> str:
        return f"NupackBackend({self.conditions})"

    def _to_molar(self, dG_mole_fraction: float, n_strands: int) -> float:
        return float(dG_mole_fraction) + (n_strands - 1) * self._assoc_to_molar

    def mfe(self, strands: Sequence[str]) -> tuple[str, float]:
        seqs = check_strands(strands)
        results = self._nupack.mfe(strands=list(seqs), model=self._model)
        if not results or not math.isfinite(float(results[0].energy)):
            return unpaired_structure(seqs), math.inf
        best = results[0]
        return best.structure.dotparensplus(), self._to_molar(best.energy, len(seqs))

    def _pfunc_checked(self, seqs: tuple[str, ...]) -> float:
        _, free_energy = self._nupack.pfunc(strands=list(seqs), model=self._model)
        return self._to_molar(free_energy, len(seqs))

    def pfunc(self, strands: Sequence[str]) -> float:
        return self._pfunc_cached(check_strands(strands))

    def structure_dG(self, strands: Sequence[str], structure: str) -> float:
        seqs = check_strands(strands)
        table = parse_structure(seqs, structure)
        if not in_model(seqs, table):
            return math.inf
        energy = self._nupack.structure_energy(strands=list(seqs), structure=structure, model=self._model)
        return self._to_molar(energy, len(seqs))

    def prob(self, strands: Sequence[str], structure: str) -> float:
        seqs = check_strands(strands)
        table = parse_structure(seqs, structure)
        if not in_model(seqs, table) or math.isinf(self.pfunc(seqs)):
            return 0.0
        return float(self._nupack.structure_probability(strands=list(seqs), structure=structure, model=self._model))

    def ensemble_defect(self, strands: Sequence[str], structure: str) -> float:
        seqs = check_strands(strands)
        parse_structure(seqs, structure)
        if math.isinf(self.pfunc(seqs)):
            return 1.0
        return float(self._nupack.defect(strands=list(seqs), structure=structure, model=self._model))

    def pair_probabilities(self, strands: Sequence[str]) -> np.ndarray:
        seqs = check_strands(strands)
        if math.isinf(self.pfunc(seqs)):
            return np.eye(sum(map(len, seqs)))
        return np.asarray(self._nupack.pairs(strands=list(seqs), model=self._model).to_array(), dtype=float)

    def duplex_dG(self, a: str, b: str) -> float:
        a, b = check_strands([a, b])
        return self._pfunc_cached((a, b)) - self._pfunc_cached((a,)) - self._pfunc_cached((b,))

"""The rule protocol: the design as arrays (:class:`DomainTable`), :class:`Rule` and
:class:`Violation`.

Each rule (nuad style) scores a design and explains every violation: what failed, where (a domain,
or a domain junction in a named strand) and by how much. Rules see the design as a
:class:`DomainTable` (every domain's sequence as a row of 2-bit codes) and answer three questions:

* ``penalties(table)`` — one non-negative number per domain (0 = the domain satisfies the rule),
  computed for all domains at once with numpy, in time linear in the total domain length;
* ``domain_penalty(table, i, codes)`` — the same number for domain ``i`` if it had ``codes``
  (the local search asks this for one candidate at a time);
* ``violations(table)`` — :class:`Violation` records a person can read.

The rules themselves live in ``sequences.rules.composition``, ``.toeholds`` and ``.kmers``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dsd.domains import KINDS, DomainSystem
from sequences.codes import decode

#: Domain kinds as small integers (the codes in ``DomainTable.kind``).
KIND_CODE = {k: i for i, k in enumerate(KINDS)}
TOEHOLD, LONG, HISTORY = (KIND_CODE[k] for k in ("toehold", "long", "history"))


class DomainTable:
    """Every domain's sequence as 2-bit codes, grouped in one matrix per domain length.

    Domain ``i`` (in ``system.domains`` order) is row ``row[i]`` of ``blocks[length[i]]``;
    ``ids[length]`` lists the domains of each block. ``strands`` holds the system's distinct
    strands as tuples of ``(domain index, is_complement)``, 5'->3'.
    """

    def __init__(self, system: DomainSystem) -> None:
        domains = list(system.domains.values())
        self.names = [d.name for d in domains]
        self.index = {name: i for i, name in enumerate(self.names)}
        self.kind = np.array([KIND_CODE[d.kind] for d in domains], dtype=np.int8)
        self.length = np.array([d.length for d in domains], dtype=np.int64)
        self.fixed = np.zeros(len(domains), dtype=bool)
        self.row = np.zeros(len(domains), dtype=np.int64)
        self.ids: dict[int, np.ndarray] = {}
        self.blocks: dict[int, np.ndarray] = {}
        for length in sorted(set(self.length.tolist())):
            ids = np.flatnonzero(self.length == length)
            self.ids[length] = ids
            self.row[ids] = np.arange(len(ids))
            self.blocks[length] = np.zeros((len(ids), length), dtype=np.uint8)
        self.strand_names: list[str] = []
        self.strands: list[tuple[tuple[int, bool], ...]] = []
        seen: dict[tuple[str, ...], None] = {}
        for cx in system.complexes:
            for k, s in enumerate(cx.strands):
                if s in seen:
                    continue
                seen[s] = None
                self.strand_names.append(cx.strand_names[k])
                self.strands.append(tuple((self.index[d.rstrip("*")], d.endswith("*")) for d in s))

    def __len__(self) -> int:
        return len(self.names)

    def get(self, i: int) -> np.ndarray:
        return self.blocks[int(self.length[i])][self.row[i]]

    def set(self, i: int, codes: np.ndarray) -> None:
        self.blocks[int(self.length[i])][self.row[i]] = codes

    def sequence(self, i: int) -> str:
        return decode(self.get(i))

    def sequences(self) -> dict[str, str]:
        return {name: self.sequence(i) for i, name in enumerate(self.names)}

    def copy_codes(self) -> dict[int, np.ndarray]:
        return {length: block.copy() for length, block in self.blocks.items()}

    def per_domain(self, per_block: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
        """Apply ``per_block(block, ids) -> values`` to every block and scatter to domain order."""
        out = np.zeros(len(self), dtype=float)
        for length, block in self.blocks.items():
            ids = self.ids[length]
            out[ids] = per_block(block, ids)
        return out


@dataclass(frozen=True)
class Violation:
    """One broken rule: which rule, on what (a domain, a junction in a strand), what exactly, and by
    how much (``excess`` in ``unit``)."""

    rule: str
    subject: str
    detail: str
    excess: float
    unit: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}: {self.detail} (by {self.excess:g} {self.unit})"


class Rule:
    """Base of the sequence rules; see the module docstring for the protocol."""

    name = "rule"
    unit = ""
    #: An objective (e.g. ``crosstalk``) is lowered once the rules hold and never traded for a rule.
    objective = False

    def bind(self, table: DomainTable) -> None:
        """Precompute whatever depends only on the system (called once per design)."""

    def penalties(self, table: DomainTable) -> np.ndarray:
        raise NotImplementedError

    def blame(self, table: DomainTable) -> np.ndarray:
        """Domains a repair round should redraw (by default every violating one)."""
        return self.penalties(table) > 0

    def domain_penalty(self, table: DomainTable, i: int, codes: np.ndarray) -> float:
        raise NotImplementedError

    def start_incremental(self, table: DomainTable) -> None:
        """Build the structures ``domain_penalty`` and ``update`` need (before the local search)."""

    def update(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> None:
        """Domain ``i`` changed from ``old`` to ``new`` (already written into the table)."""

    def neighbours(self, table: DomainTable, i: int, old: np.ndarray, new: np.ndarray) -> set[int]:
        """Domains whose penalty may change when domain ``i`` changes."""
        return set()

    def hot_positions(self, table: DomainTable, i: int) -> set[int]:
        """Positions of domain ``i`` involved in its violations of this rule (where to mutate)."""
        return set()

    def violations(self, table: DomainTable) -> list[Violation]:
        raise NotImplementedError


def keep_priority(table: DomainTable) -> np.ndarray:
    """Who keeps a contested k-mer or toehold: fixed domains, then toeholds, then the first listed."""
    rank = np.where(table.fixed, 0, np.where(table.kind == TOEHOLD, 1, 2))
    return rank * len(table) + np.arange(len(table))

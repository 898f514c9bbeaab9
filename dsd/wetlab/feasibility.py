"""How big a DNA system is next to what has been built: its distinct strands, nucleotides and an order cost at the
report's prices (:mod:`dsd.wetlab.pricing`, default order rules of :mod:`dsd.wetlab.order`), and the one sentence
that says whether such a system is within reach of a laboratory. ``dsd translate``, the build (``build.json``) and
the report's "DNA size" section all take that sentence from :func:`feasibility_sentence`.

Lengths are in nucleotides (nt), costs in the price table's currency.
"""

from __future__ import annotations

from dsd.strand_kinds import strand_kinds
from dsd.wetlab.order import OrderOptions
from dsd.wetlab.pricing import Oligo, price_table_with_defaults

__all__ = ["BUILT_NETWORKS", "BUILT_SCALE_STRANDS", "dna_size", "feasibility_sentence", "oligo_groups", "priced",
           "strand_kinds", "system_oligos"]

BUILT_NETWORKS = (
    "Qian, Winfree & Bruck, Nature 475, 368 (2011): a Hopfield associative memory of four fully connected neurons",
    "Cherry & Qian, Nature 559, 370 (2018): winner-take-all networks classifying 100-bit patterns into up to "
    "nine classes",
)
"""The largest strand-displacement neural networks built in the laboratory (as their abstracts describe them)."""

BUILT_SCALE_STRANDS = 1000
"""A generous upper bound on the distinct strands of the networks in :data:`BUILT_NETWORKS` (they used on the
order of a hundred to a few hundred): the factor the sentence states is measured against this bound, so it
understates the gap rather than overstates it."""

WITHIN_REACH_STRANDS = BUILT_SCALE_STRANDS
"""Up to this many distinct strands a system is called comparable to what has been built."""


def system_oligos(system, options: OrderOptions | None = None) -> list[Oligo]:
    """One :class:`~dsd.wetlab.pricing.Oligo` per distinct strand of a domain-level ``system`` (a
    :class:`dsd.domains.DomainSystem`), grouped by kind (:func:`dsd.strand_kinds.strand_kinds`), with the scale
    and purification ``options`` (default order rules) give it by its length and the roles of the complexes it is
    in. No sequences are needed: lengths come from the domains. (:func:`dna_size` counts them without a list.)"""
    options = options or OrderOptions()
    oligos: list[Oligo] = []
    for n, roles, count in strand_kinds(system):  # one (frozen) Oligo per kind, shared by its strands
        oligos += [Oligo(n, options.scale(n), options.purification(n, roles))] * count
    return oligos


def feasibility_sentence(strands: int, nucleotides: int, cost: float | None = None, currency: str = "USD") -> str:
    """The verdict on a DNA system of ``strands`` distinct strands and ``nucleotides`` nt (``cost``: its
    estimated order cost), set against the largest strand-displacement neural networks built.

    Examples
    --------
    >>> feasibility_sentence(120, 6000).startswith("120 distinct strands (6,000 nt)")
    True
    >>> "times" in feasibility_sentence(500_000, 30_000_000, 1.2e7)
    True
    """
    size = f"{strands:,} distinct strands ({nucleotides:,} nt)"
    if cost is not None:
        size += f", about {currency} {cost:,.0f} to order"
    built = "; ".join(BUILT_NETWORKS)
    if strands <= WITHIN_REACH_STRANDS:
        return (f"{size}: comparable to the largest strand-displacement neural networks built, which used a few "
                f"hundred strands or fewer ({built}).")
    factor = strands / BUILT_SCALE_STRANDS
    return (f"{size}: far beyond what has been built - the largest strand-displacement neural networks built "
            f"used a few hundred strands ({built}); this is more than {factor:,.0f} times even "
            f"{BUILT_SCALE_STRANDS:,} strands, so it is a design study, not an order to place.")


def oligo_groups(oligos) -> list[dict]:
    """Oligos grouped by (scale, purification): ``strands`` and ``nt`` of each group, enough to price them again
    under any price table (:func:`priced`)."""
    return _groups((o.scale, o.purification, o.length_nt, 1) for o in oligos)


def _groups(items) -> list[dict]:
    """:func:`oligo_groups` of ``(scale, purification, nt each, how many)`` items, in first-seen order."""
    groups: dict[tuple[str, str], dict] = {}
    for scale, purification, nt, count in items:
        g = groups.setdefault((scale, purification), {"scale": scale, "purification": purification,
                                                      "strands": 0, "nt": 0})
        g["strands"] += count
        g["nt"] += nt * count
    return list(groups.values())


def priced(groups: list[dict], price_table: dict | None = None) -> tuple[float, str, int]:
    """``(cost, currency, unpriced strands)`` of :func:`oligo_groups` under ``price_table`` (over the defaults):
    per-nucleotide price of the scale times the nt, plus the purification's per-oligo price times the strands."""
    table = price_table_with_defaults(price_table)
    cost, unpriced = 0.0, 0
    for g in groups:
        per_nt, per_strand = table["per_nt"].get(g["scale"]), table["per_strand"].get(g["purification"])
        if per_nt is None or per_strand is None:
            unpriced += g["strands"]
            continue
        cost += g["nt"] * per_nt + g["strands"] * per_strand
    return cost, table["currency"], unpriced


def dna_size(system, price_table: dict | None = None) -> dict:
    """The size record of a domain-level ``system``: ``complexes``, ``strands`` (distinct), ``nucleotides``,
    ``longest_nt``, ``groups`` (:func:`oligo_groups`: to price again), ``cost`` and ``currency`` (default order
    rules, ``price_table`` over :data:`~dsd.wetlab.pricing.DEFAULT_PRICE_TABLE`), ``unpriced`` and
    ``over_limit`` strands, the prices' ``price_source`` and the :func:`feasibility_sentence`."""
    table = price_table_with_defaults(price_table)
    limit_nt = OrderOptions().scales[-1][0]
    options = OrderOptions()
    kinds = strand_kinds(system)  # (nt, roles, distinct strands): the same groups as system_oligos' oligos
    groups = _groups((options.scale(nt), options.purification(nt, roles), nt, n) for nt, roles, n in kinds)
    cost, currency, unpriced = priced(groups, table)
    strands, nucleotides = sum(n for _, _, n in kinds), sum(nt * n for nt, _, n in kinds)
    return {
        "complexes": len(system.complexes),
        "strands": strands,
        "nucleotides": nucleotides,
        "longest_nt": max((nt for nt, _, _ in kinds), default=0),
        "groups": groups,
        "cost": cost,
        "currency": currency,
        "unpriced": unpriced,
        "over_limit": sum(n for nt, _, n in kinds if nt > limit_nt),
        "price_source": table["source"],
        "sentence": feasibility_sentence(strands, nucleotides, cost, currency),
    }

"""Order pricing: the price table (per nucleotide by synthesis scale, per oligo by purification,
per inline modification) and the estimated cost of a list of oligos. Prices are in the table's
``currency``; lengths in nucleotides (nt)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_PRICE_TABLE: dict = {
    "currency": "USD",
    "source": "illustrative defaults, not a vendor quote: pass price_table to use your own prices",
    # price per nucleotide by synthesis scale (the vendor scale codes dsd.wetlab.order writes)
    "per_nt": {"25nm": 0.20, "100nm": 0.38, "250nm": 0.75, "1um": 1.30, "4nmU": 0.65, "20nmU": 1.15},
    # added per oligo by purification code
    "per_strand": {"STD": 0.0, "PAGE": 60.0, "HPLC": 75.0},
    # added per inline modification code (reporter dyes and quenchers, dsd.wetlab.reporters)
    "per_modification": {"/56-FAM/": 40.0, "/5HEX/": 60.0, "/5Cy3/": 90.0, "/5TexRd-XN/": 90.0, "/5Cy5/": 90.0,
                         "/5Cy55/": 120.0, "/3IABkFQ/": 45.0, "/3IAbRQSp/": 45.0},
}
"""Order-cost defaults. ``price_table`` overrides any of these keys; ``per_nt``, ``per_strand``
and ``per_modification`` are merged code by code, so ``{"per_strand": {"PAGE": 45.0}}`` changes
only PAGE. An oligo whose code has no price is counted as unpriced, not guessed."""


def price_table_with_defaults(price_table: dict | None) -> dict:
    """``DEFAULT_PRICE_TABLE`` with ``price_table`` on top (``per_nt`` / ``per_strand`` /
    ``per_modification`` merged by code), validated: one ValueError naming the key.

    >>> price_table_with_defaults({"per_strand": {"PAGE": 45.0}})["per_strand"]
    {'STD': 0.0, 'PAGE': 45.0, 'HPLC': 75.0}
    """
    price_table = dict(price_table or {})
    unknown = set(price_table) - set(DEFAULT_PRICE_TABLE)
    if unknown:
        raise ValueError(f"price_table: unknown key {sorted(unknown)[0]!r}; known keys: "
                         f"{', '.join(sorted(DEFAULT_PRICE_TABLE))}")
    table = {**DEFAULT_PRICE_TABLE, **price_table}
    if price_table and "source" not in price_table:
        table["source"] = "the price_table given, over the illustrative defaults for what it does not name"
    for key in ("per_nt", "per_strand", "per_modification"):
        if not isinstance(price_table.get(key, {}), dict):
            raise ValueError(f"price_table[{key!r}] must map codes to prices")
        table[key] = {**DEFAULT_PRICE_TABLE[key], **price_table.get(key, {})}
        for code, price in table[key].items():
            if not (isinstance(price, (int, float)) and price >= 0 and math.isfinite(price)):
                raise ValueError(f"price_table[{key!r}][{code!r}] must be a finite price >= 0, got {price!r}")
    return table


@dataclass(frozen=True)
class Oligo:
    """One oligo of an order: its length (nt), synthesis scale and purification codes."""

    length_nt: int
    scale: str
    purification: str
    modifications: tuple[str, ...] = ()  # inline codes such as /56-FAM/


def order_cost(oligos: Iterable[Oligo], price_table: dict | None = None, *, limit_nt: int | None = None) -> dict:
    """Estimated cost of ``oligos`` under ``price_table`` (see ``DEFAULT_PRICE_TABLE``).

    Returns ``strands``, ``nucleotides``, ``longest_nt``, ``by_scale`` (code -> strands, nt,
    per_nt, cost), ``by_purification`` (code -> strands, per_strand, cost), ``by_modification``
    (code -> strands, per_modification, cost), ``unpriced`` (oligos whose scale, purification or
    a modification has no price), ``over_limit`` (longer than ``limit_nt``, the longest strand
    any scale makes), ``total`` (in the table's currency) and the ``table`` used.

    >>> order_cost([Oligo(40, "25nm", "STD"), Oligo(100, "4nmU", "PAGE")])["total"]
    133.0
    """
    table = price_table_with_defaults(price_table)
    oligos = list(oligos)
    by_scale: dict[str, dict] = {}
    by_purification: dict[str, dict] = {}
    by_modification: dict[str, dict] = {}
    unpriced = 0
    for o in oligos:
        per_nt, per_strand = table["per_nt"].get(o.scale), table["per_strand"].get(o.purification)
        per_mod = [table["per_modification"].get(code) for code in o.modifications]
        for code, price in zip(o.modifications, per_mod):
            m = by_modification.setdefault(code, {"strands": 0, "per_modification": price, "cost": 0.0})
            m["strands"] += 1
            if price is not None:
                m["cost"] += price
        s = by_scale.setdefault(o.scale, {"strands": 0, "nt": 0, "per_nt": per_nt, "cost": 0.0})
        p = by_purification.setdefault(o.purification, {"strands": 0, "per_strand": per_strand, "cost": 0.0})
        s["strands"] += 1
        s["nt"] += o.length_nt
        p["strands"] += 1
        if per_nt is None or per_strand is None or None in per_mod:
            unpriced += 1
            continue
        s["cost"] += o.length_nt * per_nt
        p["cost"] += per_strand
    lengths = [o.length_nt for o in oligos]
    return {
        "strands": len(oligos),
        "nucleotides": sum(lengths),
        "longest_nt": max(lengths, default=0),
        "by_scale": by_scale,
        "by_purification": by_purification,
        "by_modification": by_modification,
        "unpriced": unpriced,
        "over_limit": 0 if limit_nt is None else sum(n > limit_nt for n in lengths),
        "total": sum(r["cost"] for d in (by_scale, by_purification, by_modification) for r in d.values()),
        "table": table,
    }

"""The report's "DNA size" section: what the translated system would take to make, said plainly.

It reads the size record the build wrote (``dsd.json``'s ``dna_size``, or ``build.json``'s translate stage):
distinct strands, nucleotides, the longest strand and the strands grouped by scale and purification, which it
prices at the report's prices; the verdict is :func:`dsd.wetlab.feasibility.feasibility_sentence` (the one
``dsd translate`` prints).
"""

from __future__ import annotations

from dsd.report.html import DASH, Section, e, kv_table, money, note
from dsd.wetlab.feasibility import feasibility_sentence, priced

TITLE = "DNA size"  # as in dsd.report.sections.SECTION_TITLES


def section_dna_size(b, prices: dict) -> Section:
    """The size of the build's DNA system (``b``: a :class:`~dsd.report.read.BuildFolder`) and its order cost under
    ``prices`` (a full price table, as the order estimate's)."""
    size = (b.dsd or {}).get("dna_size") or b.stage("translate").get("dna_size")
    if not size:
        why = ("no dsd.json: the DNA stages did not run" if b.dsd is None else
               "this build's dsd.json has no size record (a build from before it was written; rebuild)")
        return Section("dna_size", TITLE, "", why)
    cost, currency, unpriced = priced(size.get("groups") or [], prices)
    rows = [
        ("complexes to prepare", f"{size['complexes']:,}" if size.get("complexes") is not None else DASH),
        ("distinct strands", f"{size['strands']:,}"),
        ("nucleotides (sum over distinct strands)", f"{size['nucleotides']:,} nt"),
        ("longest strand", f"{size.get('longest_nt', DASH)} nt"),
        ("order cost", f"{money(cost, currency)} ({prices.get('source', DASH)})"),
    ]
    sentence = feasibility_sentence(size["strands"], size["nucleotides"], cost, currency)
    body = f"<p><b>{e(sentence)}</b></p>" + kv_table(rows)
    if size.get("over_limit"):
        body += note(f"{size['over_limit']:,} strands are longer than any synthesis scale makes; they are priced as "
                     f"if they could be made.")
    if unpriced:
        body += note(f"{unpriced:,} strands have a scale or purification without a price and are not in the cost.")
    return Section("dna_size", TITLE, body)

"""The distinct strands of a domain-level system, by kind: ``(length in nt, roles of the complexes the strand is in,
how many distinct strands)``. All an oligo order's rules need (scale by length, purification by length and role),
without an object per strand: :func:`dsd.translate.translate` counts them from its templates as it goes (and the
system remembers them), :func:`strand_kinds` reads any other system once.
"""

from __future__ import annotations

from dsd.domains import ROLES, DomainSystem, parse_kernel

BIT = {role: 1 << k for k, role in enumerate(ROLES)}
"""Each role's bit in a ``seen`` table's values (:func:`see`)."""
ROLE_BITS = len(ROLES)


def see(seen: dict[str, int], text: str, nt: int, bit: int) -> bool:
    """Count strand ``text`` (its domain names joined by spaces, ``nt`` long) in a complex whose role has
    ``bit``: ``seen`` maps each distinct strand to ``nt << ROLE_BITS`` or'd with its roles' bits. True if new."""
    old = seen.get(text)
    if old is None:
        packed = nt << ROLE_BITS | bit
        seen[text] = _SMALL.setdefault(packed, packed)  # one int object per value, not one per strand
        return True
    if not old & bit:
        packed = old | bit
        seen[text] = _SMALL.setdefault(packed, packed)
    return False


_SMALL: dict[int, int] = {}


def kinds_of(seen: dict[str, int]) -> list[tuple[int, tuple[str, ...], int]]:
    """:func:`strand_kinds` of a ``seen`` table (see :func:`see`), in its order."""
    kinds: dict[int, int] = {}
    for packed in seen.values():
        kinds[packed] = kinds.get(packed, 0) + 1
    return [(packed >> ROLE_BITS, tuple(r for r in sorted(ROLES) if packed & BIT[r]), count)
            for packed, count in kinds.items()]


def strand_kinds(system: DomainSystem) -> list[tuple[int, tuple[str, ...], int]]:
    """The distinct strands of ``system`` as ``(length in nt, roles of the complexes it is in (sorted), how many
    distinct strands have both)``, in the order the first strand of each kind appears: all that ordering them
    needs (e.g. :mod:`dsd.wetlab.feasibility`). A system :func:`dsd.translate.translate` made (and its sized
    copies) has them from the translation; any other is read once, a string per distinct strand, without keeping
    every complex's parsed strands (kernels not parsed yet are parsed here and let go).

    >>> from crn.textformat import parse_crn
    >>> from dsd.schemes import make_scheme
    >>> from dsd.translate import translate
    >>> system = translate(parse_crn("input X = Xp - Xn\\nXp -> Xn"), make_scheme())
    >>> strand_kinds(system)  # S_Xp, S_Xn; G_r0's two strands; T_r0's two
    [(42, ('signal',), 2), (42, ('gate',), 1), (27, ('gate',), 1), (42, ('fuel',), 1), (27, ('fuel',), 1)]
    >>> strand_kinds(DomainSystem(system.domains, list(system.complexes))) == strand_kinds(system)
    True
    """
    kinds = system.remembered_strand_kinds()
    if kinds is not None:
        return kinds
    length = {name: d.length for name, d in system.domains.items()}
    seen: dict[str, int] = {}
    for cx in system.complexes:
        bit = BIT[cx.role]
        parsed = cx.__dict__.get("strands")  # Complex.strands, if it was parsed (a cached property)
        for strand in parsed if parsed is not None else parse_kernel(cx.kernel):
            text = " ".join(strand)
            nt = 0 if text in seen else sum(length[d[:-1] if d[-1] == "*" else d] for d in strand)
            see(seen, text, nt, bit)
    return kinds_of(seen)

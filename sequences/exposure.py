"""Which bases of a strand another strand can reach: the *exposed* sequence of a strand.

A strand that is or becomes single-stranded in the tube (a signal, a helper, a strand a gate
releases) offers every base to a spurious partner. A complement strand never leaves its duplexes:
it sits in its gate or fuel, then in the waste complex the reaction leaves, and in each of them
the domains its kernel pairs are held in a designed duplex (15-nt long domains, ~-19 kcal/mol and
more, DESIGN §5), so a stray partner reaches only the domains left single-stranded — the exposed
toehold complements a kernel writes as ``.``. The spurious screen (``sequences.screen``) therefore
folds such a strand with its sequestered bases masked (``N``, which pairs with nothing): a domain
counts as exposed when it is unpaired in at least one complex of the system that holds the strand.
Without the mask, ``duplexfold`` pairs an A/C/T strand with the whole A/G/T complement strand of an
unrelated fuel (the shipped IRIS build: 29,729 of 65,682 pairs "below -8 kcal/mol", worst -53,
between strands that share no domain) — energies no strand in the tube can reach.

>>> from dsd.domains import Complex, DomainSystem
>>> s = DomainSystem()
>>> for name, n, kind in [("t", 2, "toehold"), ("x", 3, "long")]:
...     _ = s.add_domain(name, n, kind)
>>> _ = s.add(Complex("G", "x( + ) t*", "gate"))
>>> exposed_sequence(("x*", "t*"), "GGGCC", s)
'NNNCC'
>>> exposed_sequence(("x",), "CCC", s)  # the top strand: paired here, but it is released
'NNN'
"""

from __future__ import annotations

from collections.abc import Sequence

from sequences.structure import kernel_domain_structure


def exposed_domains(system) -> dict[tuple[str, ...], set[int]]:
    """Per strand (its domain tuple), the indices of its domains left unpaired (``.``) in at least
    one complex of ``system`` that holds it."""
    out: dict[tuple[str, ...], set[int]] = {}
    for cx in system.complexes:
        for strand in kernel_domain_structure(cx.kernel):
            key = tuple(name for name, _ in strand)
            out.setdefault(key, set()).update(k for k, (_, state) in enumerate(strand) if state == ".")
    return out


def exposed_sequence(domains: Sequence[str], sequence: str, system, exposed=None) -> str:
    """``sequence`` with the bases of every domain that is paired in all of the strand's complexes
    replaced by ``N`` (a strand no complex holds is left whole). ``exposed``: a precomputed
    :func:`exposed_domains`."""
    exposed = exposed_domains(system) if exposed is None else exposed
    key = tuple(domains)
    if key not in exposed:
        return sequence
    out, pos = [], 0
    for k, d in enumerate(domains):
        n = system.domains[d.rstrip("*")].length
        out.append(sequence[pos:pos + n] if k in exposed[key] else "N" * n)
        pos += n
    return "".join(out)


def expose(system, strands: Sequence, free: set[tuple[str, ...]]) -> list:
    """``strands`` (objects with ``name``, ``sequence``, ``domains``) with every strand not in
    ``free`` (by domain tuple) reduced to its :func:`exposed_sequence`; free strands unchanged."""
    exposed = exposed_domains(system)
    return [s if s.domains in free else type(s)(s.name, exposed_sequence(s.domains, s.sequence, system, exposed),
                                                   s.domains) for s in strands]

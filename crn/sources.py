"""Zero-order sources (``0 -> A @ k``) as a large reservoir consumed pseudo-first-order.

No strand-displacement gate fires without an input, so before translation every source
``0 -> P @ k`` (reaction ``i``) becomes ``Res_r{i} -> P @ k / N`` with ``init Res_r{i} = N``: a
reservoir species whose signal strand is added at ``N`` formal units. Its rate ``k [Res] / N``
starts at ``k`` and, since a source fires about ``k * horizon`` over the ``horizon`` the gates are
sized for, stays within ``1 / excess`` of ``k`` over it when ``N = excess * k * horizon`` (default
``excess`` :data:`RESERVOIR_EXCESS`). The formal simulation and sizing run the reservoir form too,
so the gates, the sizing and the formal trajectories the gate level is compared with are of one
CRN. Units: formal (concentration and time as the rate constants define them).
"""

from __future__ import annotations

from crn.model import CRN, Reaction

RESERVOIR_EXCESS = 10.0
"""Reservoir amount over what the source fires within the horizon: the rate falls by at most 1/10."""


def zero_order(crn: CRN) -> list[int]:
    """Indices of the reactions without reactants."""
    return [i for i, r in enumerate(crn.reactions) if not r.reactants]


def reservoir_form(crn: CRN, horizon: float, excess: float = RESERVOIR_EXCESS) -> CRN:
    """``crn`` with every zero-order source replaced by a reservoir (see the module docstring);
    ``crn`` itself when it has none. ``horizon``: formal time units the source must run for.

    >>> from crn.textformat import format_crn, parse_crn
    >>> print(format_crn(reservoir_form(parse_crn("output A\\n0 -> A @ 0.5\\nA -> 0"), horizon=20)), end="")
    output A
    init Res_r0 = 100
    Res_r0 -> A @ 0.005
    A -> 0
    """
    sources = zero_order(crn)
    if not sources:
        return crn
    if not (horizon > 0 and excess > 1):
        raise ValueError(f"a reservoir needs horizon > 0 and excess > 1, got {horizon:g} and {excess:g}")
    taken = set(crn.species)
    init = dict(crn.init)
    reactions = list(crn.reactions)
    for i in sources:
        r = reactions[i]
        name = f"Res_r{i}"
        while name in taken:
            name = "_" + name
        amount = excess * r.rate * horizon
        init[name] = amount
        reactions[i] = Reaction([(name, 1)], r.products, r.rate / amount)
    return crn.replace(reactions=tuple(reactions), init=init)

"""The forms of a CRN that go on to DNA: reduced (Algorithm 2) or not, with the cancellation
reactions ``S+ + S- -> W`` and a gate fan-out limit when asked. One home for that chain, used by
``dsd compile``, ``dsd build`` and the budget search."""

from __future__ import annotations

from crn.model import CRN
from crn.reduce import add_cancellation, limit_fanout, reduce_crn


def formal_form(crn: CRN, *, reduce: bool = False, cancellation: bool = False,
                fanout_limit: int | None = None) -> CRN:
    """``crn`` reduced (when ``reduce``), then with cancellation reactions (when ``cancellation``),
    then with no reaction making more than ``fanout_limit`` product molecules.

    Examples
    --------
    >>> from crn.textformat import parse_crn
    >>> crn = parse_crn("input X = Xp - Xn\\noutput Y = Yp - Yn\\nXp -> 3 Yp\\nXn -> 3 Yn\\n")
    >>> len(formal_form(crn, fanout_limit=2).reactions)
    4
    """
    if reduce:
        crn = reduce_crn(crn)
    if cancellation:
        crn = add_cancellation(crn)
    if fanout_limit is not None:
        crn = limit_fanout(crn, fanout_limit)
    return crn


def crn_forms(compiled: CRN, *, reduce: bool = True, cancellation: bool = False,
              fanout_limit: int | None = None, always_reduced: bool = True) -> dict[str, CRN]:
    """The forms a build writes: ``unreduced`` (as compiled or read), ``reduced`` (Algorithm 2; with
    ``always_reduced`` off and ``reduce`` off, the CRN as given) and ``formal`` (what the DNA stages
    take: reduced or not as ``reduce`` says, then cancellation and the fan-out limit)."""
    reduced = reduce_crn(compiled) if (reduce or always_reduced) else compiled
    base = reduced if reduce else compiled
    return {"unreduced": compiled, "reduced": reduced,
            "formal": formal_form(base, cancellation=cancellation, fanout_limit=fanout_limit)}

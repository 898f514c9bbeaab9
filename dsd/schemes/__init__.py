"""Translation schemes: how a formal species becomes a signal strand and a formal reaction
becomes strand-displacement gates. ``translate(crn, scheme)`` builds a DomainSystem."""

from __future__ import annotations

from dsd.schemes.cardelli2011_nm import Cardelli2011NM
from dsd.schemes.soloveichik2010 import Soloveichik2010

SCHEMES = {"soloveichik2010": Soloveichik2010, "cardelli2011_NM": Cardelli2011NM}


def get_scheme(name: str, **options):
    """A scheme by name (``soloveichik2010``, ``cardelli2011_NM``); unknown names are a ValueError
    listing the known ones."""
    try:
        return SCHEMES[name](**options)
    except KeyError:
        raise ValueError(f"unknown scheme {name!r}; known schemes: {', '.join(sorted(SCHEMES))}") from None


def make_scheme(name: str = "soloveichik2010", toehold_nt: int = 6, long_nt: int = 15, history_nt: int = 15):
    """A scheme by name with its domain lengths (nt)."""
    return get_scheme(name, toehold_nt=toehold_nt, long_nt=long_nt, history_nt=history_nt)

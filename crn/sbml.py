"""SBML Level 3 export of a formal CRN (via python-libsbml), for COPASI, Tellurium and friends.

Every species lives in one compartment ``tube`` of volume 1, as a concentration; every reaction
gets a mass-action kinetic law ``k * prod(reactant^stoichiometry)`` with a local parameter ``k``.
Units are the formal ones (dimensionless concentrations and time), declared as ``dimensionless``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import libsbml

from crn.model import CRN


class SBMLError(RuntimeError):
    """libsbml refused a call or the written document is inconsistent."""


def _check(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLError(f"libsbml failed to {what}: {libsbml.OperationReturnValue_toString(code)}")


def sbml_id(name: str) -> str:
    """``name`` as an SBML SId: every character that is not a letter, digit or ``_`` becomes ``_``,
    and an id that would start with a digit gets a leading ``_``.

    >>> sbml_id("iris-v2.1"), sbml_id("2x")
    ('iris_v2_1', '_2x')
    """
    out = re.sub(r"[^A-Za-z0-9_]", "_", name) or "_"
    return "_" + out if out[0].isdigit() else out


def crn_to_sbml(crn: CRN, model_id: str = "crn", initial: Mapping[str, float] | None = None) -> str:
    """The CRN as an SBML Level 3 Version 2 document (a string).

    ``initial`` overrides/extends ``crn.init`` (e.g. an encoded input example).
    """
    doc = libsbml.SBMLDocument(3, 2)
    model = doc.createModel()
    _check(model.setId(sbml_id(model_id)), "set the model id")
    for attr in ("setTimeUnits", "setSubstanceUnits", "setExtentUnits", "setVolumeUnits"):
        _check(getattr(model, attr)("dimensionless"), attr)
    comp = model.createCompartment()
    _check(comp.setId("tube"), "create the compartment")
    comp.setConstant(True)
    comp.setSize(1.0)
    comp.setSpatialDimensions(3)
    init = dict(crn.init)
    init.update(initial or {})
    for s in crn.species:
        sp = model.createSpecies()
        _check(sp.setId(s), f"add species {s}")
        sp.setCompartment("tube")
        sp.setInitialConcentration(float(init.get(s, 0.0)))
        sp.setHasOnlySubstanceUnits(False)
        sp.setBoundaryCondition(False)
        sp.setConstant(False)
    for i, r in enumerate(crn.reactions):
        rx = model.createReaction()
        _check(rx.setId(f"r{i}"), f"add reaction r{i}")
        rx.setReversible(False)
        for s, n in r.reactants:
            ref = rx.createReactant()
            ref.setSpecies(s)
            ref.setStoichiometry(n)
            ref.setConstant(True)
        for s, n in r.products:
            ref = rx.createProduct()
            ref.setSpecies(s)
            ref.setStoichiometry(n)
            ref.setConstant(True)
        law = rx.createKineticLaw()
        k = law.createLocalParameter()
        k.setId("k")
        k.setValue(r.rate)
        k.setUnits("dimensionless")
        terms = ["k"] + [s if n == 1 else f"{s}^{n}" for s, n in r.reactants]
        math = libsbml.parseL3Formula(" * ".join(terms))
        if math is None:
            raise SBMLError(f"could not build the rate law of r{i}")
        _check(law.setMath(math), f"set the rate law of r{i}")
    if doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR):
        raise SBMLError(doc.getErrorLog().toString())
    return libsbml.writeSBMLToString(doc)

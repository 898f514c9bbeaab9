import libsbml

from reference_models import reference_network
from crn.compile import compile_network
from crn.reduce import reduce_crn
from crn.sbml import crn_to_sbml
from crn.textformat import parse_crn


def test_sbml_is_valid_level3_and_keeps_reactions():
    crn = parse_crn("input A\ninput B\noutput C\ninit A = 1\ninit B = 2\n2 A + B -> C @ 0.5\nC -> 0\n")
    doc = libsbml.readSBMLFromString(crn_to_sbml(crn))
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    doc.checkConsistency()
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    model = doc.getModel()
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)
    assert model.getNumReactions() == 2 and model.getNumSpecies() == 3
    r0 = model.getReaction(0)
    assert r0.getReactant(0).getStoichiometry() == 2
    assert libsbml.formulaToL3String(r0.getKineticLaw().getMath()) == "k * A^2 * B"
    assert r0.getKineticLaw().getLocalParameter("k").getValue() == 0.5
    assert model.getSpecies("B").getInitialConcentration() == 2.0


def test_sbml_of_reduced_iris_counts():
    crn = reduce_crn(compile_network(reference_network("iris-icml")))
    model = libsbml.readSBMLFromString(crn_to_sbml(crn)).getModel()
    assert model.getNumReactions() == 16
    assert model.getNumSpecies() == len(crn.species)


def test_any_spec_name_becomes_a_valid_sbml_model_id():
    import libsbml

    from crn.sbml import crn_to_sbml
    from crn.textformat import parse_crn

    crn = parse_crn("input A\noutput B\nA -> B\n")
    for name in ("iris.v2", "2x", "a-b_c", "x"):
        doc = libsbml.readSBMLFromString(crn_to_sbml(crn, model_id=name))
        assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
        assert libsbml.SyntaxChecker.isValidSBMLSId(doc.getModel().getId())

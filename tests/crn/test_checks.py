"""CRN checks (issue 13, item 2): an output nothing produces is an error; an input nothing consumes and a
species never present are warnings, printed by the CLI and recorded by the build."""

import json

import pytest
from typer.testing import CliRunner

from crn.checks import CRNCheckError, check_crn, crn_findings
from crn.compile import compile_network
from crn.model import CRN, Signal
from crn.textformat import parse_crn
from dsd.cli import app
from reference_models import reference_network

GOOD = "input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp\nXn -> Yn\n"


def test_a_clean_crn_has_no_findings():
    assert crn_findings(parse_crn(GOOD)) == []
    assert check_crn(parse_crn(GOOD)) == []


def test_output_never_produced_is_an_error_naming_it():
    crn = parse_crn("input A\noutput C\nA -> Cc\n")
    with pytest.raises(CRNCheckError, match=r"^f.crn: output C is always 0: no reaction produces C"):
        check_crn(crn, "f.crn")


@pytest.mark.parametrize("text", ["input A\noutput C\ninit C = 1\nA -> 0\n",  # initialised: a constant
                                  "input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yn\nXn -> Yn\n"])  # one rail
def test_an_output_with_some_source_is_not_an_error(text):
    assert [f.check for f in crn_findings(parse_crn(text))] == []


def test_a_species_both_input_and_output_is_neither_error_nor_warning():
    crn = CRN([], {}, [Signal("A", "A")], [Signal("A_end", "A")])
    assert crn_findings(crn) == []


def test_unconsumed_input_is_a_warning_per_signal():
    crn = parse_crn("input A\ninput B\ninput X = Xp - Xn\noutput C\nA -> C\nXp -> C\n")
    warnings = check_crn(crn)
    assert [(w.level, w.check, w.species) for w in warnings] == [
        ("warning", "input_never_consumed", ("B",)), ("warning", "input_never_consumed", ("Xn",))]
    assert warnings[0].message == "input B is consumed by no reaction: its value reaches no output"
    assert "negative part" in warnings[1].message and "\n" not in warnings[1].message


def test_species_never_present_is_a_warning_naming_its_reactions():
    crn = parse_crn("input A\noutput C\nA + K -> C\nK -> C\ninit D = 1\nD + A -> C\n")
    (w,) = check_crn(crn)
    assert (w.check, w.species) == ("species_never_present", ("K",))
    assert w.message.startswith("species K is never produced, initialised or an input: it stays 0")
    assert "(A + K -> C, ...)" in w.message


def test_compiled_networks_are_clean():
    assert crn_findings(compile_network(reference_network("iris-icml"))) == []
    assert crn_findings(compile_network(reference_network("virus"))) == []


def run(*argv):
    return CliRunner().invoke(app, [str(a) for a in argv])


def test_cli_refuses_an_output_nothing_produces(tmp_path):
    crn = tmp_path / "bad.crn"
    crn.write_text("input A\noutput C\nA -> D\n")
    for argv in (["stats", crn], ["translate", crn, "--out", tmp_path / "s.pil"]):
        result = run(*argv)
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "output C is always 0" in lines[0]
    assert not (tmp_path / "s.pil").exists()


def test_cli_prints_warnings_and_goes_on(tmp_path):
    crn = tmp_path / "w.crn"
    crn.write_text("input A\ninput B\noutput C\nA -> C\n")
    result = run("stats", crn)
    assert result.exit_code == 0
    assert result.stderr.strip() == "warning: input B is consumed by no reaction: its value reaches no output"
    assert "reactions" in result.stdout


def test_build_records_warnings_as_checks(tmp_path):
    from dsd.pipeline.build import run_build
    from dsd.pipeline.records import StageError
    from dsd.pipeline.spec import parse_spec

    (tmp_path / "w.txt").write_text("input A\ninput B\noutput C\nA -> C\n")
    spec = {"name": "w", "crn": {"path": "w.txt", "reduce": False, "input_range": [0, 1]},
            "dsd": {"enabled": False}, "report": {"enabled": False}}
    result = run_build(parse_spec(spec, base_dir=tmp_path), tmp_path / "out")
    warn = [c for c in result.checks if c["status"] == "warn"]
    assert warn == [{"check": "input B is consumed by no reaction: its value reaches no output", "value": ["B"],
                     "pass": True, "status": "warn"}]
    assert result.ok
    assert json.loads((tmp_path / "out" / "build.json").read_text())["checks"] == result.checks
    (tmp_path / "w.txt").write_text("input A\noutput C\nA -> D\n")
    with pytest.raises(StageError, match="output C is always 0"):
        run_build(parse_spec(spec, base_dir=tmp_path), tmp_path / "out")


def test_cli_warnings_never_add_to_an_error_line(tmp_path):
    crn = tmp_path / "w.crn"
    crn.write_text("input A\ninput B\noutput C\nA -> C\n")
    result = run("translate", crn, "--out", tmp_path / "s.pil", "--scheme", "nope")
    assert result.exit_code == 2
    assert [l for l in result.stderr.splitlines() if l.strip()] == [next(
        l for l in result.stderr.splitlines() if l.startswith("error: ") and "nope" in l)]

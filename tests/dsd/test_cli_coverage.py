"""No false pass: ``dsd gatesim`` and ``dsd verify`` refuse a system.pil cut short (or missing gates)
in one line naming what is missing (dsd.verify.check_coverage), and still pass the whole file."""

import json

import pytest
from typer.testing import CliRunner

from crn.textformat import parse_crn
from dsd.cli import app
from dsd.pil import load_pil
from dsd.schemes import make_scheme
from dsd.translate import translate
from dsd.verify import CoverageError, check_coverage, coverage_problems

TINY_MODEL = {  # a 2-2-2 network with +-1 weights and four stored examples
    "dims": [2, 2, 2],
    "weights": [[[1, -1], [1, 1]], [[1, -1], [-1, 1]]],
    "biases": [[0.1, -0.2], [0.0, 0.1]],
    "tmax": 50.0,
    "examples": [{"x": x, "label": 0, "nn_label": 0} for x in ([0.5, -0.3], [-0.4, 0.8], [0.9, 0.2], [-0.7, -0.6])],
}


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line_error(result, *words):
    assert result.exit_code not in (0, None), result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


# one xdist worker runs this module (--dist loadgroup), so its module fixture is built once, not once per worker
pytestmark = pytest.mark.xdist_group("test_cli_coverage")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny")
    (d / "model.json").write_text(json.dumps(TINY_MODEL))
    assert run("compile", d / "model.json", "--out", d / "crn.txt", "--reduce").exit_code == 0
    result = run("translate", d / "crn.txt", "--out", d / "system.pil", "--model", d / "model.json")
    assert result.exit_code == 0, result.stderr
    return d


def cut(tiny, tmp_path, n_chars: int, name="cut.pil"):
    path = tmp_path / name
    path.write_text((tiny / "system.pil").read_text()[:n_chars])
    return path


def test_the_intact_file_passes(tiny, tmp_path):
    result = run("gatesim", tiny / "system.pil", "--model", tiny / "model.json", "--json", tmp_path / "g.json")
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "g.json").read_text())["examples"] == 4


@pytest.mark.parametrize("where, words", [
    ("# Domains (", ["truncated", "no domains or complexes", "reactions lack gate complexes", "G_r0"]),
    ("# Complexes (", ["truncated", "no complexes", "reactions lack gate complexes", "starting species lack"]),
    ("T_r1 = ", ["truncated", "of the", "complexes it declares", "T_r1"]),  # mid-complexes
])
def test_gatesim_refuses_a_file_cut_before_or_inside_its_complexes(tiny, tmp_path, where, words):
    text = (tiny / "system.pil").read_text()
    pil = cut(tiny, tmp_path, text.index(where))
    keep = tmp_path / "g.json"
    keep.write_text("mine\n")
    result = run("gatesim", pil, "--model", tiny / "model.json", "--json", keep)
    line = one_line_error(result, "cut.pil", *words)
    assert result.exit_code == 2 and "argmax" not in result.stdout
    assert keep.read_text() == "mine\n"  # the user's file is untouched
    assert "missing" in line or "lack" in line


def test_a_last_line_cut_mid_way_is_named(tiny, tmp_path):
    text = (tiny / "system.pil").read_text()
    pil = cut(tiny, tmp_path, len(text) - 9)  # inside the last complex's "@initial ... nM  # fuel"
    one_line_error(run("gatesim", pil, "--model", tiny / "model.json"), "last line is cut mid-way")
    one_line_error(run("verify", pil, "--crn", tiny / "crn.txt"), "last line is cut mid-way")


def test_a_file_cut_inside_the_embedded_crn_or_header(tiny, tmp_path):
    text = (tiny / "system.pil").read_text()
    one_line_error(run("gatesim", cut(tiny, tmp_path, text.index("#>")), "--model", tiny / "model.json"),
                   "embeds no formal CRN", "truncated")
    one_line_error(run("gatesim", cut(tiny, tmp_path, text.index("#| long_nt") + 5), "--model", tiny / "model.json"),
                   "truncated")
    empty = tmp_path / "empty.pil"
    empty.write_text("")
    one_line_error(run("gatesim", empty, "--model", tiny / "model.json"), "empty")


def test_verify_refuses_a_truncated_file_before_enumerating(tiny, tmp_path):
    text = (tiny / "system.pil").read_text()
    pil = cut(tiny, tmp_path, text.index("# Complexes ("))
    one_line_error(run("verify", pil, "--crn", tiny / "crn.txt"), "truncated", "reactions lack gate complexes")


def test_a_deleted_gate_line_is_named_even_without_the_count_comment(tiny, tmp_path):
    lines = [line for line in (tiny / "system.pil").read_text().splitlines()
             if not line.startswith("# ") and not line.startswith("T_r0 = ")]
    pil = tmp_path / "edited.pil"
    pil.write_text("\n".join(lines) + "\n")
    line = one_line_error(run("gatesim", pil, "--model", tiny / "model.json"), "does not implement its CRN",
                          "1 missing: T_r0")
    assert "truncated" not in line


def test_check_coverage_is_the_back_end_function():
    crn = parse_crn("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp + Z\nXn + Z -> Yn\n")
    scheme = make_scheme()
    system = translate(crn, scheme)
    assert coverage_problems(system, crn, scheme) == []
    check_coverage(system, crn, scheme)  # nothing missing: no error
    system.complexes = [c for c in system.complexes if c.name not in ("L_r1", "S_Xn")]
    problems = coverage_problems(system, crn, scheme)
    assert problems == ["1 of 2 reactions lack gate complexes (1 missing: L_r1)",
                        "1 of 2 starting species lack a signal strand (Xn)"]
    with pytest.raises(CoverageError, match="c.pil does not implement its CRN: 1 of 2 reactions") as info:
        check_coverage(system, crn, scheme, source="c.pil")
    assert isinstance(info.value, ValueError) and "\n" not in str(info.value)


def test_load_pil_reports_truncation_only_for_cut_files():
    crn = parse_crn("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp\n")
    from crn.textformat import format_crn
    from dsd.pil import format_pil, scheme_header

    scheme = make_scheme()
    text = format_pil(translate(crn, scheme), scheme_header(scheme), format_crn(crn))
    whole = load_pil(text, "s.pil")
    assert whole.truncation is None and whole.scheme.name == "soloveichik2010"
    assert len(whole.crn.reactions) == 1
    assert load_pil(text[:-3], "s.pil").truncation.endswith("the last line is cut mid-way")
    assert load_pil(text[: text.index("# Complexes")], "s.pil").truncation == "no complexes"

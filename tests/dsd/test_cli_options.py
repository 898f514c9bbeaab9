"""Every ``dsd`` option is checked at the boundary: a bad value is ONE stderr line naming the
option, a non-zero exit, no numpy/scipy text, and the user's existing output file untouched."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dsd.cli import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def files(tmp_path):
    crn = tmp_path / "crn.txt"
    crn.write_text("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp\nXn -> Yn\n")
    model = tmp_path / "model.json"
    model.write_text(json.dumps({"dims": [1, 1], "weights": [[[1]]], "biases": [[0.0]], "tmax": 50.0,
                                 "examples": [{"x": [0.5], "label": 0, "nn_label": 0}]}))
    out = tmp_path / "out.json"
    out.write_text("the user's file\n")
    return {"CRN": crn, "MODEL": model, "PIL": crn, "OUT": out, "DIR": tmp_path, "SPEC": crn}


def check_refused(files, args, *words):
    """Run ``dsd args`` (names CRN, MODEL, ... replaced by files) and check the refusal."""
    argv = [str(files.get(a, a)) for a in args]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2, (argv, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    for w in words:
        assert w in lines[0], lines[0]
    for noise in ("Traceback", "numpy", "scipy", "Errno", "Usage:"):
        assert noise not in result.stderr
    assert result.stdout == ""
    assert files["OUT"].read_text() == "the user's file\n"


SIMULATE = ["simulate", "CRN", "--model", "MODEL", "--json", "OUT"]
GATESIM = ["gatesim", "PIL", "--model", "MODEL", "--json", "OUT"]
TRANSLATE = ["translate", "CRN", "--out", "OUT"]


@pytest.mark.parametrize("args, option", [
    (SIMULATE + ["--examples", "-1"], "--examples"),
    (SIMULATE + ["--examples", "0"], "--examples"),
    (SIMULATE + ["--examples", "2.5"], "--examples"),
    *[(SIMULATE + ["--t-end", v], "--t-end") for v in ("0", "nan", "inf", "-5")],
    (GATESIM + ["--examples", "0"], "--examples"),
    *[(GATESIM + ["--hours", v], "--hours") for v in ("0", "-1", "nan")],
    *[(GATESIM + ["--leak", v], "--leak") for v in ("-1e-9", "nan", "inf")],
    *[(TRANSLATE + ["--unit-nm", v], "--unit-nm") for v in ("0", "-10", "nan")],
    *[(TRANSLATE + ["--safety", v], "--safety") for v in ("0.5", "nan")],
    *[(TRANSLATE + ["--toehold", v], "--toehold") for v in ("0", "3")],
    (TRANSLATE + ["--long", "0"], "--long"),
    (TRANSLATE + ["--long", "5"], "--long"),  # not longer than the 6-nt toehold
    (TRANSLATE + ["--input-range", "1", "0"], "--input-range"),
    (TRANSLATE + ["--input-range", "nan", "1"], "--input-range"),
    (TRANSLATE + ["--input-range", "0", "inf"], "--input-range"),
    (["compile", "MODEL", "--out", "OUT", "--fanout-limit", "1"], "--fanout-limit"),
    (["compile", "MODEL", "--out", "OUT", "--fanout-limit", "0"], "--fanout-limit"),
    (["compile", "MODEL", "--out", "OUT", "--input-low", "nan"], "--input-low"),
    (["report", "DIR", "--examples", "-1"], "--examples"),
    (["train", "--epochs", "0", "--out", "OUT"], "--epochs"),
    (["train", "--hidden", "0", "--out", "OUT"], "--hidden"),
    (["design", "PIL", "--out", "DIR", "--seed", "-1", "--json", "OUT"], "--seed"),
])
def test_out_of_range_numbers_are_refused_naming_the_option(files, args, option):
    check_refused(files, args, option)


def test_a_directory_where_a_file_is_expected(files):
    check_refused(files, ["stats", "DIR", "--json", "OUT"], "is a directory")
    check_refused(files, ["simulate", "CRN", "--model", "DIR", "--json", "OUT"], "--model", "is a directory")
    check_refused(files, ["build", "DIR"], "SPEC", "is a directory")
    check_refused(files, ["compile", "MODEL", "--out", "DIR"], "--out", "is a directory")


def test_a_missing_file_is_not_found(files, tmp_path):
    check_refused(files, ["stats", tmp_path / "nope.txt"], "nope.txt", "not found")
    check_refused(files, ["gatesim", tmp_path / "nope.pil", "--model", "MODEL", "--json", "OUT"], "not found")
    check_refused(files, ["report", tmp_path / "nobuild"], "not found")


def test_an_output_in_a_folder_that_does_not_exist(files, tmp_path):
    check_refused(files, ["stats", "CRN", "--json", tmp_path / "nodir" / "s.json"], "--json", "does not exist")
    check_refused(files, ["compile", "MODEL", "--out", tmp_path / "nodir" / "c.txt"], "--out", "does not exist")
    check_refused(files, ["design", "PIL", "--out", "OUT"], "--out", "is a file")


def test_bad_values_in_the_command_body_are_one_line_too(files):
    check_refused(files, ["translate", "CRN", "--out", "OUT", "--scheme", "nope"], "unknown scheme")
    check_refused(files, ["gatesim", "PIL", "--model", "MODEL", "--json", "OUT"], "names no scheme")


def test_flags_take_no_value_and_help_shows_them_as_flags(files):
    result = CliRunner().invoke(app, ["compile", "-h"])
    assert result.exit_code == 0
    assert "--reduce " in result.stdout and "<bool>" not in result.stdout
    assert "Example:" in result.stdout and "MODEL" in result.stdout and "--out FILE" in result.stdout
    check_refused(files, ["compile", "MODEL", "--out", "OUT", "--reduce", "true"], "unexpected extra argument")


@pytest.mark.parametrize("command", ["train", "compile", "stats", "simulate", "translate", "verify", "gatesim",
                                     "design", "report", "build"])
def test_every_command_has_short_help_an_example_and_upper_case_placeholders(command):
    result = CliRunner().invoke(app, [command, "-h"])
    assert result.exit_code == 0, result.stderr
    assert "Example:" in result.stdout and f"dsd {command} " in result.stdout
    assert "<bool>" not in result.stdout and "<str>" not in result.stdout
    options = result.stdout.split("Options:")[1]
    for line in options.splitlines():  # "--name PLACEHOLDER  help": the placeholder is upper case
        words = line.split()
        if words and words[0].startswith("--") and len(words) > 1 and not words[1].startswith("-"):
            if words[1].isalpha() and line.find(words[1]) < line.find("  ", line.find(words[0])):
                assert words[1].isupper(), line


def test_version_and_piped_output_is_not_wrapped(tmp_path):
    def dsd(*args):
        return subprocess.run([sys.executable, "-m", "dsd.cli", *map(str, args)], capture_output=True, text=True,
                              cwd=ROOT)

    from importlib.metadata import version

    proc = dsd("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"dsd {version('dsd-toolchain')}"
    crn = tmp_path / "a_rather_long_folder_name_so_that_the_summary_line_is_wider_than_eighty" / "crn.txt"
    crn.parent.mkdir()
    crn.write_text("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp\nXn -> Yn\n")
    proc = dsd("translate", crn, "--out", crn.with_suffix(".pil"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2 and len(lines[0]) > 80 and lines[0].endswith("for concentrations)")
    assert lines[1].startswith("DNA size: ") and lines[1].endswith("(2018): winner-take-all networks classifying "
                                                                   "100-bit patterns into up to nine classes).")

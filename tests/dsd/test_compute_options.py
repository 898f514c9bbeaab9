"""Where the simulations run (spec ``compute:``, ``--workers`` / ``--scheduler``): validated at the
boundary in one line naming the field or option; no part of any result or cache key."""

import re

import pytest
from typer.testing import CliRunner

from dsd.cli import app
from dsd.pipeline.spec import SpecError, load_spec


def write(tmp_path, text: str):
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_the_compute_section_is_read_and_changes_no_hash(tmp_path):
    plain = load_spec(write(tmp_path, "name: x\n"))
    assert plain.compute.compute().in_process
    local = load_spec(write(tmp_path, "name: x\ncompute:\n  workers: 2\n"))
    remote = load_spec(write(tmp_path, "name: x\ncompute: {scheduler: 'tcp://10.0.0.5:8786'}\n"))
    assert local.compute.compute().workers == 2 and remote.compute.compute().scheduler == "tcp://10.0.0.5:8786"
    assert not local.compute.compute().progress  # the build draws its own bar
    assert plain.digest() == local.digest() == remote.digest()


@pytest.mark.parametrize("text, where, words", [
    ("compute:\n  workers: 0\n", "4:3: compute.workers", ">= 1, got 0"),
    ("compute:\n  workers: two\n", "4:3: compute.workers", "an integer"),
    ("compute:\n  scheduler: not an address\n", "4:3: compute.scheduler", "tcp://host:8786"),
    ("compute:\n  workers: 2\n  scheduler: tcp://a:1\n", "compute.workers", "not both"),
    ("compute:\n  threads: 2\n", "compute.threads", "unknown key"),
])
def test_bad_compute_values_are_one_line_naming_the_field(tmp_path, text, where, words):
    path = write(tmp_path, "name: x\nseed: 0\n" + text)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert "\n" not in message and where in message and words in message, message


def test_a_missing_extra_is_named_in_the_spec(tmp_path, monkeypatch):
    import crn.tasks

    monkeypatch.setattr(crn.tasks, "dask_available", lambda: False)
    with pytest.raises(SpecError, match=re.escape("compute.workers: running on Dask needs the [distributed] extra: "
                                                  "pip install 'dsd-toolchain[distributed]'")):
        load_spec(write(tmp_path, "name: x\ncompute:\n  workers: 2\n"))


def refused(args, *words):
    result = CliRunner().invoke(app, args)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, (result.exit_code, result.stderr)
    for w in words:
        assert w in lines[0], lines[0]


@pytest.mark.parametrize("command", [["simulate", "CRN", "--model", "CRN"], ["gatesim", "CRN", "--model", "CRN"],
                                     ["build", "CRN"], ["verify", "CRN", "--crn", "CRN"]])
def test_the_options_are_checked_before_anything_is_read(tmp_path, command):
    crn = tmp_path / "not-read.txt"
    crn.write_text("this is read by no command: the options fail first\n")
    args = [str(crn) if a == "CRN" else a for a in command]
    refused(args + ["--workers", "0"], "'--workers'", ">= 1")
    refused(args + ["--scheduler", "two words"], "'--scheduler'", "tcp://host:8786")
    refused(args + ["--workers", "2", "--scheduler", "tcp://a:1"], "'--workers'", "not both")


def test_a_missing_extra_is_one_line_saying_what_to_install(tmp_path, monkeypatch):
    import crn.tasks

    monkeypatch.setattr(crn.tasks, "dask_available", lambda: False)
    crn = tmp_path / "crn.txt"
    crn.write_text("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp\nXn -> Yn\n")
    refused(["simulate", str(crn), "--model", str(crn), "--workers", "2"], "'--workers'",
            "pip install 'dsd-toolchain[distributed]'")

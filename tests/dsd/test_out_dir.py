"""``dsd build --out P`` replaces P only when a previous build wrote it: a user's file or folder,
the current folder and its parents are refused with one line, and left as they were."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dsd.pipeline.build import BUILD_FORMAT, OutDirError, check_out_dir, run_build
from dsd.pipeline.spec import parse_spec

ROOT = Path(__file__).resolve().parents[2]
MIN_CRN = "input A\ninput B\noutput C\nA + B -> C\n"
MIN_SPEC = "name: min\ncrn: {path: min.txt, reduce: false}\ndsd: {enabled: false}\nreport: {enabled: false}\n"


def _snapshot(root: Path) -> dict:
    """Every path under ``root`` with its bytes (files) or None (folders), and the link targets."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = ("link", os.readlink(p))
        elif p.is_file():
            out[rel] = p.read_bytes()
        else:
            out[rel] = None
    return out


def _build(tmp_path: Path, out: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    (tmp_path / "min.txt").write_text(MIN_CRN)
    (tmp_path / "spec.yaml").write_text(MIN_SPEC)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "dsd.cli", "build", str(tmp_path / "spec.yaml"), "--out", out],
                          capture_output=True, text=True, cwd=cwd or tmp_path, env=env)


def _refused(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "refusing to build into" in lines[0] and all(w in lines[0] for w in words), lines[0]


def test_a_users_file_at_out_is_refused_and_kept(tmp_path):
    (tmp_path / "notes.txt").write_text("my notes\n")
    before = _snapshot(tmp_path)
    proc = _build(tmp_path, "notes.txt")
    _refused(proc, "notes.txt", "is a file")
    after = _snapshot(tmp_path)
    assert after.pop("notes.txt") == b"my notes\n"
    assert {k for k in after if k not in before} == {"min.txt", "spec.yaml"}  # nothing else written


def test_a_folder_of_the_users_files_is_refused_and_kept(tmp_path):
    mine = tmp_path / "results"
    (mine / "sub").mkdir(parents=True)
    (mine / "data.csv").write_text("a,b\n1,2\n")
    (mine / "sub" / "x.txt").write_text("x")
    before = _snapshot(mine)
    _refused(_build(tmp_path, "results"), "no build.json")
    assert _snapshot(mine) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial folder


def test_a_previous_build_with_a_users_file_added_is_refused(tmp_path):
    assert _build(tmp_path, "out").returncode == 0
    (tmp_path / "out" / "my_plot.png").write_bytes(b"\x89PNG")
    before = _snapshot(tmp_path / "out")
    _refused(_build(tmp_path, "out"), "my_plot.png", "did not write")
    assert _snapshot(tmp_path / "out") == before


def test_the_current_folder_and_its_parents_are_refused(tmp_path):
    work = tmp_path / "project"
    work.mkdir()
    (work / "keep.txt").write_text("keep")
    for out in (".", "..", str(work)):
        before = _snapshot(tmp_path)
        _refused(_build(tmp_path, out, cwd=work), "current folder")
        after = _snapshot(tmp_path)
        assert {k: v for k, v in after.items() if k not in ("min.txt", "spec.yaml")} == \
            {k: v for k, v in before.items() if k not in ("min.txt", "spec.yaml")}
    assert not [p for p in tmp_path.rglob(".*partial*")]


def test_a_symbolic_link_is_refused(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    _refused(_build(tmp_path, "link"), "symbolic link")
    assert (tmp_path / "link").is_symlink() and list(target.iterdir()) == []


def test_a_previous_build_is_replaced_and_build_json_lists_its_files(tmp_path):
    assert _build(tmp_path, "out").returncode == 0
    build = json.loads((tmp_path / "out" / "build.json").read_text())
    assert build["format"] == BUILD_FORMAT
    assert build["files"] == sorted(p.name for p in (tmp_path / "out").iterdir())
    proc = _build(tmp_path, "out")
    assert proc.returncode == 0, proc.stderr


def test_check_out_dir_accepts_new_empty_and_legacy_builds(tmp_path):
    check_out_dir(tmp_path / "new" / "deeper")  # does not exist yet
    (tmp_path / "empty").mkdir()
    check_out_dir(tmp_path / "empty")
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "build.json").write_text(json.dumps({"name": "x", "spec_hash": "0", "stages": {}, "checks": []}))
    (legacy / "crn.txt").write_text("")
    check_out_dir(legacy)  # a 0.1 build: no "files" list, only files that 0.1 builds wrote
    (legacy / "thesis.tex").write_text("")
    with pytest.raises(OutDirError, match="thesis.tex"):
        check_out_dir(legacy)
    forged = tmp_path / "forged"
    forged.mkdir()
    (forged / "build.json").write_text("[1, 2]")  # JSON, but not a build's
    with pytest.raises(OutDirError, match="no build.json"):
        check_out_dir(forged)


def test_run_build_refuses_before_writing_anything(tmp_path):
    (tmp_path / "min.txt").write_text(MIN_CRN)
    (tmp_path / "target").write_text("a user's file")
    spec = parse_spec({"name": "min", "crn": {"path": "min.txt", "reduce": False}, "dsd": {"enabled": False},
                       "report": {"enabled": False}}, base_dir=tmp_path)
    with pytest.raises(OutDirError):
        run_build(spec, tmp_path / "target")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["min.txt", "target"]
    assert (tmp_path / "target").read_text() == "a user's file"

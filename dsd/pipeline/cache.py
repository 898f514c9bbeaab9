"""Stage caching: a stage's key is a content hash of what it reads (and of the toolchain's
version); a stage whose key equals the previous build's copies its files from there."""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
from importlib import metadata
from pathlib import Path

import numpy as np

from dsd.pipeline.records import BuildResult


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("dsd-toolchain", "numpy", "scipy", "networkx", "python-libsbml", "peppercornenumerator", "crnverifier",
                 "viennarna", "matplotlib", "openpyxl", "nupack"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def previous_stage_hashes(out_dir: Path) -> dict[str, str]:
    try:
        build = json.loads((out_dir / "build.json").read_text())
        return {name: s["hash"] for name, s in build.get("stages", {}).items() if "hash" in s}
    except (OSError, ValueError, KeyError):
        return {}


def reuse_stage(stage: str, key: str, files: tuple[str, ...], work: Path, previous: Path,
           previous_hashes: dict[str, str], result: BuildResult) -> bool:
    """Copy a stage's files from the previous build when its key (a hash of everything the stage
    reads) is unchanged and every file is there; records the stage as reused."""
    if previous_hashes.get(stage) != key or not all((previous / f).is_file() for f in files):
        return False
    for f in files:
        shutil.copy2(previous / f, work / f)
    result.reused.append(stage)
    return True


def array_hash(*arrays) -> str:

    h = hashlib.sha256()
    for a in arrays:
        if a is not None:
            a = np.ascontiguousarray(a, dtype=float)
            h.update(str(a.shape).encode())
            h.update(a.tobytes())
    return h.hexdigest()[:16]


def tool_version() -> str:
    try:
        return metadata.version("dsd-toolchain")
    except metadata.PackageNotFoundError:
        return "unknown"


def stage_key(*parts) -> str:
    """A stage's cache key: a hash of what it reads and of the toolchain's version (a new release
    recomputes every stage)."""

    return hashlib.sha256("\x00".join(map(str, (tool_version(), *parts))).encode()).hexdigest()[:16]


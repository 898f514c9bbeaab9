"""Every module of the DNA back end is under the import contract that keeps it free of the
pipeline (pyproject.toml, ``lint-imports``): a new back-end module cannot slip past it."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ABOVE_THE_BACK_END = {"pipeline", "wetlab", "report", "cli"}


def test_every_back_end_module_is_in_the_contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    contract = next(c for c in config if "dsd.pipeline" in c.get("forbidden_modules", [])
                    and any(m.startswith("dsd.") for m in c.get("source_modules", [])))
    back_end = {f"dsd.{p.stem}" for p in (ROOT / "dsd").glob("*.py") if p.stem != "__init__"}
    back_end |= {f"dsd.{p.name}" for p in (ROOT / "dsd").iterdir()
                 if p.is_dir() and (p / "__init__.py").is_file() and p.name not in ABOVE_THE_BACK_END}
    assert back_end and back_end <= set(contract["source_modules"]), back_end - set(contract["source_modules"])

"""The ``dsd`` command line: one thin command per stage, calling the same functions as Python.

User errors (a missing file, a bad option value, a malformed CRN line, a bad spec, a wrong-shape
model, a PIL file cut short) print one line ``error: ...`` on stderr and exit with status 2; a
failed check (verify, design, build) exits 1. Set ``DSD_DEBUG=1`` to see tracebacks.
"""

from __future__ import annotations

import os

# Before numpy loads: the stiff solver factorises many small sparse blocks, and BLAS threads only
# fight over them (IRIS gate level, 150 examples, 48 h, 2 cores: 15.6 s with OpenBLAS's threads,
# 3.3 s with one). A user's own setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from typing import Optional  # noqa: E402

import typer  # noqa: E402

# each module registers its commands on app, in this order in the help
from dsd.cli import crn_cmds  # noqa: F401, I001
from dsd.cli import dna_cmds  # noqa: F401
from dsd.cli import build_cmds  # noqa: F401
from dsd.cli import budget_cmd  # noqa: F401
from dsd.cli._common import app, console


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            console.print(f"dsd {version('dsd-toolchain')}", highlight=False)
        except PackageNotFoundError:  # running from a source tree that is not installed
            console.print("dsd (not installed)", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Optional[bool] = typer.Option(None, "--version", is_eager=True, callback=_version,
                                           help="print the version and exit"),
):
    """Compile trained binary-weight ReLU networks into chemical reaction networks and DNA circuits.

    \b
    Example:  dsd build protocols/iris.yaml
    """


def main() -> None:  # pragma: no cover - console script entry
    app()


__all__ = ["app", "main"]

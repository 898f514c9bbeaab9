"""What every ``dsd`` command shares: the Typer app, the consoles, the one-line error style, and
the validation of options at the boundary (numbers finite and in range, paths that exist).

Every user error is ONE line ``error: ...`` on stderr with a non-zero exit: option errors (found
before anything is read or written) exit 2 and name the option; errors found while running exit
2 too; a check that fails (verify, design, build) exits 1. ``DSD_DEBUG=1`` shows tracebacks.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import sys
from pathlib import Path

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

# Not a terminal (a pipe, a file): never hard-wrap at 80 columns; a terminal wraps by itself.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def _say_error(message: str) -> None:
    message = " ".join(str(message).split())
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)


class OneLineErrors(TyperGroup):
    """The ``dsd`` group: a usage error (bad option value, unknown option, missing argument) is
    one ``error: ...`` line on stderr, exit 2, instead of a usage block and a boxed message."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:
            _say_error("aborted")
            sys.exit(1)
        except typer.TyperException as exc:  # typer's click exceptions (usage errors and the like)
            if type(exc).__name__ == "NoArgsIsHelpError":  # `dsd` alone: show the help
                exc.show()
            else:
                _say_error(exc.format_message())
            sys.exit(getattr(exc, "exit_code", 2))
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
)


def user_errors(fn):
    """Run a command; a user error raised inside (ValueError, OSError, ...) is one line, exit 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except IsADirectoryError as exc:
            if os.environ.get("DSD_DEBUG"):
                raise
            _say_error(f"{exc.filename} is a directory")
            raise typer.Exit(2) from None
        except (ValueError, FileNotFoundError, OSError, KeyError, yaml.YAMLError, RuntimeError) as exc:
            if os.environ.get("DSD_DEBUG"):
                raise
            message = (f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) and exc.filename and exc.strerror
                       else str(exc))
            _say_error(message or type(exc).__name__)
            raise typer.Exit(2) from None

    return wrapper


# --- option validation (typer callbacks: they run before the command reads or writes anything) ---
def number(low: float | None = None, high: float | None = None, *, strict: bool = False, integer: bool = False):
    """A callback accepting finite numbers (each of a tuple) with ``low <= x`` (``low < x`` when
    ``strict``) and ``x <= high``; None (option not given) passes."""
    sign = ">" if strict else ">="
    what = "an integer" if integer else "a finite number"
    expect = " and ".join(filter(None, [f"{sign} {low:g}" if low is not None else "",
                                        f"<= {high:g}" if high is not None else ""]))

    def check(value):
        if value is None:
            return value
        for v in value if isinstance(value, (tuple, list)) else (value,):
            bad = not math.isfinite(v) or (low is not None and (v <= low if strict else v < low)) or (
                high is not None and v > high)
            if bad:
                raise typer.BadParameter(f"expected {what}{' ' + expect if expect else ''}, got {v:g}")
        return value

    return check


def input_range(value):
    """``--input-range LO HI``: finite, LO <= HI."""
    if value is None:
        return value
    number()(value)
    if value[0] > value[1]:
        raise typer.BadParameter(f"LO {value[0]:g} is above HI {value[1]:g}")
    return value


def input_file(value: Path | None):
    """An existing file (not a folder)."""
    if value is not None:
        if value.is_dir():
            raise typer.BadParameter(f"{value} is a directory, not a file")
        if not value.exists():
            raise typer.BadParameter(f"file not found: {value}")
    return value


def input_dir(value: Path | None):
    """An existing folder."""
    if value is not None:
        if value.exists() and not value.is_dir():
            raise typer.BadParameter(f"{value} is a file, not a folder")
        if not value.exists():
            raise typer.BadParameter(f"folder not found: {value}")
    return value


def output_file(value: Path | None):
    """A file to write: not a folder, in a folder that exists."""
    if value is not None:
        if value.is_dir():
            raise typer.BadParameter(f"{value} is a directory; give a file name")
        parent = value.parent
        if not parent.is_dir():
            raise typer.BadParameter(f"{parent} is not a folder" if parent.exists()
                                     else f"folder {parent} does not exist")
    return value


def output_dir(value: Path | None):
    """A folder to write into (made when missing): not an existing file."""
    if value is not None and value.exists() and not value.is_dir():
        raise typer.BadParameter(f"{value} is a file, not a folder")
    return value


def _workers(value: int | None):
    """``--workers N``: an integer >= 1, and Dask installed."""
    number(1, integer=True)(value)
    if value is not None:
        _need_dask()
    return value


def _scheduler(value: str | None):
    """``--scheduler ADDRESS``: a Dask scheduler address, and Dask installed."""
    if value is not None:
        from crn.tasks import ADDRESS

        if not ADDRESS.match(value.strip()):
            raise typer.BadParameter(f"expected a Dask scheduler address such as tcp://host:8786, got {value!r}")
        _need_dask()
    return value


def _need_dask() -> None:
    from crn.tasks import INSTALL_HINT, dask_available

    if not dask_available():
        raise typer.BadParameter(f"running on Dask needs the [distributed] extra: {INSTALL_HINT}")


def workers_option(tasks: str = "the simulations' tasks"):
    return typer.Option(None, "--workers", metavar="N", callback=_workers,
                        help=f"run {tasks} on a local Dask cluster of N processes (the [distributed] "
                             "extra); results are the same as in process")


def scheduler_option(tasks: str = "the simulations' tasks"):
    return typer.Option(None, "--scheduler", metavar="ADDRESS", callback=_scheduler,
                        help=f"run {tasks} on the Dask scheduler at ADDRESS, e.g. tcp://host:8786 "
                             "(its workers need this package installed)")


def compute_of(workers: int | None, scheduler: str | None, progress=None):
    """The :class:`crn.tasks.Compute` of ``--workers`` / ``--scheduler`` (at most one of them)."""
    from crn.tasks import Compute

    if workers is not None and scheduler is not None:
        raise typer.BadParameter("give --workers (a local cluster) or --scheduler (a running one), not both",
                                 param_hint="'--workers'")
    return Compute(workers=workers, scheduler=scheduler, progress=progress)


# --- output helpers ---------------------------------------------------------------------------------
def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=err_console,
        disable=not err_console.is_terminal,
    )


@contextlib.contextmanager
def task_progress(description: str):
    """A bar on stderr (when it is a terminal) over the tasks of :func:`crn.tasks.run_tasks`: yields
    the ``(done, total)`` callback to give as ``Compute(progress=...)``."""
    with progress_bar() as bar:
        task = bar.add_task(description, total=None, info="")

        def on_tasks(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, info="tasks")

        yield on_tasks


def epoch_callback(progress: Progress):
    task = None

    def callback(epoch: int, n_epochs: int, metrics: dict) -> None:
        nonlocal task
        if task is None:
            task = progress.add_task("training", total=n_epochs, info="")
        acc = metrics.get("val_accuracy")
        progress.update(task, completed=epoch + 1, info=f"val acc {acc:.3f}" if acc is not None else "")

    return callback


def write_json(path: Path, data: dict) -> None:
    from crn.atomic import atomic_write_text

    atomic_write_text(Path(path), json.dumps(data, indent=1) + "\n")


def json_option():
    return typer.Option(None, "--json", metavar="FILE", callback=output_file, help="also write the results as JSON")


def print_warnings(findings) -> None:
    """One ``warning:`` line on stderr per finding of :func:`crn.checks.check_crn` (printed after a
    command succeeded, so that an error stays the only line)."""
    for finding in findings:
        err_console.print(f"warning: {finding.message}", markup=False, highlight=False)


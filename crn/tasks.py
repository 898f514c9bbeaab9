"""Where batch work runs: in this process, on a local Dask cluster, or on a Dask scheduler.

A batch (the examples of a simulation, the points of a leak sweep) is cut into tasks that do not
depend on each other; :func:`run_tasks` runs them and returns their results in the order of the
tasks. Where they run is a :class:`Compute`:

* ``Compute()`` (the default): one after the other in this process; Dask is not imported.
* ``Compute(workers=N)``: a ``distributed.LocalCluster`` of ``N`` worker processes with one thread
  each (Dask sets ``OMP_NUM_THREADS=1`` in its workers, so N workers use N cores), started on
  first use and kept until the process exits (:func:`close_clusters`).
* ``Compute(scheduler="tcp://host:8786")``: the Dask cluster behind that scheduler; its workers
  need this package installed (the same version).

A task's result never depends on where it ran: the same function runs on the same inputs. How a
batch is cut must therefore not depend on the workers either: :func:`task_slices` cuts the
examples of a simulation by the size of the problem alone, and the in-process run uses the same
cut. Dask is the optional extra ``[distributed]`` (``pip install 'dsd-toolchain[distributed]'``).
"""

from __future__ import annotations

import atexit
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Compute", "INSTALL_HINT", "TASK_STATE", "close_clusters", "dask_available", "dask_client", "run_tasks",
           "task_slices"]

TASK_STATE = 2 ** 16
"""A simulation task holds at most this many state entries (species x examples) unless one
example is larger. mnist14 reduced (540 species): 121 examples per task, so its 100 reference
examples are one task and 1,000 images nine tasks of 111-112. The 196-512-512-10 network: a few
dozen examples per task. Measured on 1,000 mnist14 images in one process (CPU seconds, 2 cores):
2.5-3.0 in tasks of 500, 2.5 of 200, 2.8 of 112, 3.3 of 59; tasks of about 100 cost ~10 % more
than the best but give two workers 9 tasks to share (5 + 4) rather than 5 (3 + 2)."""

INSTALL_HINT = "pip install 'dsd-toolchain[distributed]'"
ADDRESS = re.compile(r"([a-z]+://)?[^\s/:]+(:\d+)?/?\Z")  # tcp://host:8786, tls://..., host:8786


def dask_available() -> bool:
    """Whether ``dask.distributed`` can be imported (the ``[distributed]`` extra)."""
    from importlib.util import find_spec

    return find_spec("distributed") is not None and find_spec("dask") is not None


@dataclass(frozen=True)
class Compute:
    """Where :func:`run_tasks` runs its tasks (see the module docstring).

    ``workers``: local Dask worker processes (an integer >= 1); ``scheduler``: the address of a
    Dask scheduler (``tcp://host:8786``); at most one of the two; neither: in this process.
    ``progress``: None draws a rich bar over the tasks on stderr when it is a terminal and there
    is more than one task; True always draws it; False never; a callable ``(done, total)`` is told
    instead (e.g. to update a bar the caller already shows).

    >>> Compute().in_process, Compute(workers=2).in_process
    (True, False)
    >>> Compute(workers=0)
    Traceback (most recent call last):
    ...
    ValueError: workers: expected an integer >= 1, got 0
    """

    workers: int | None = None
    scheduler: str | None = None
    progress: bool | Callable[[int, int], None] | None = None

    def __post_init__(self) -> None:
        w = self.workers
        if w is not None and (isinstance(w, bool) or not isinstance(w, int) or w < 1):
            raise ValueError(f"workers: expected an integer >= 1, got {w!r}")
        if self.scheduler is not None:
            if not isinstance(self.scheduler, str) or not ADDRESS.match(self.scheduler.strip()):
                raise ValueError(f"scheduler: expected a Dask scheduler address such as tcp://host:8786, "
                                 f"got {self.scheduler!r}")
            if w is not None:
                raise ValueError("workers: give workers (a local cluster) or scheduler (a running one), not both")

    @property
    def in_process(self) -> bool:
        return self.workers is None and self.scheduler is None


def task_slices(n_examples: int, n_species: int, state: int = TASK_STATE) -> list[slice]:
    """Cut ``n_examples`` examples into consecutive tasks of at most ``state // n_species`` examples
    (at least one), of equal sizes (they differ by at most one); at least one task.

    >>> task_slices(1000, 540)[:2], len(task_slices(1000, 540))
    ([slice(0, 112, None), slice(112, 223, None)], 9)
    >>> task_slices(100, 540)
    [slice(0, 100, None)]
    """
    per_task = max(1, state // max(int(n_species), 1))
    n_tasks = max(1, math.ceil(n_examples / per_task))
    base, extra = divmod(n_examples, n_tasks)
    bounds = [0]
    for i in range(n_tasks):
        bounds.append(bounds[-1] + base + (1 if i < extra else 0))
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def run_tasks(fn: Callable[..., Any], items: Sequence[Any], *, args: tuple = (), compute: Compute | None = None,
              label: str = "tasks") -> list[Any]:
    """``[fn(item, *args) for item in items]``, run where ``compute`` says; results in the order of
    ``items``. ``fn`` must be a module-level function (it is pickled for Dask workers); ``args``
    are sent to each worker once. A task's exception is raised here. ``label`` names the bar.

    >>> run_tasks(pow, [1, 2, 3], args=(2,))
    [1, 4, 9]
    """
    compute = compute or Compute()
    items = list(items)
    with _Progress(compute.progress, len(items), label) as progress:
        if compute.in_process:
            results = []
            for item in items:
                results.append(fn(item, *args))
                progress.advance()
            return results
        return _run_dask(fn, items, args, compute, progress)


def _run_dask(fn, items: list, args: tuple, compute: Compute, progress: _Progress) -> list:
    from distributed import as_completed

    client = dask_client(compute)
    shared = [client.scatter(a, broadcast=True, hash=False) for a in args]
    futures = client.map(fn, items, *[[s] * len(items) for s in shared], pure=False)
    try:
        for future in as_completed(futures):
            if future.status == "error":
                future.result()  # raises the task's exception
            progress.advance()
        return client.gather(futures)
    finally:
        client.cancel(futures + shared)


_clients: dict[tuple, Any] = {}


def dask_client(compute: Compute):
    """The Dask client for ``compute``: one per (workers, scheduler), kept for later batches."""
    key = (compute.workers, compute.scheduler)
    if key in _clients:
        return _clients[key]
    if not dask_available():
        raise RuntimeError(f"running tasks on Dask needs the [distributed] extra: {INSTALL_HINT}")
    import logging

    from distributed import Client, LocalCluster

    if compute.workers is not None:
        import dask

        # Dask starts its workers with MALLOC_TRIM_THRESHOLD_=65536, which also pins glibc's mmap
        # threshold: every temporary array of more than 128 kB is then mapped and unmapped afresh.
        # The simulator's per-step arrays are that size: 1,000 mnist14 images took 7.4 CPU s
        # instead of 3.4 in one process with that variable set. ":0": any free port for the
        # scheduler's HTTP endpoints (a second cluster would warn that 8787 is taken).
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            cluster = LocalCluster(n_workers=compute.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        address = compute.scheduler.strip()
        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise RuntimeError(f"cannot reach the Dask scheduler at {address}: "
                               f"{' '.join(str(exc).split()) or type(exc).__name__}") from None
        try:  # tasks sent to a scheduler without workers would wait for ever
            client.wait_for_workers(1, timeout=10)
        except TimeoutError:
            client.close()
            raise RuntimeError(f"the Dask scheduler at {address} has no workers (none joined within 10 s)") from None
    if not _clients:
        atexit.register(close_clusters)
    _clients[key] = client
    return client


def close_clusters() -> None:
    """Close every Dask client this process opened (and the local clusters it started)."""
    import logging

    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.ERROR)  # shutting down logs a dozen INFO lines on stderr
    try:
        while _clients:
            _, client = _clients.popitem()
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
    finally:
        logger.setLevel(level)


_bar_shown = False  # a bar inside a bar (a task that runs tasks in this process) would garble both


class _Progress:
    """The progress of ``total`` tasks: a rich bar on stderr, a callback, or nothing."""

    def __init__(self, progress, total: int, label: str) -> None:
        self.total, self.done, self.callback, self.bar = total, 0, None, None
        if callable(progress):
            self.callback = progress
        elif progress or (progress is None and total > 1 and sys.stderr.isatty()):
            self.label = label

    def __enter__(self) -> _Progress:
        global _bar_shown
        if self.callback is not None:
            self.callback(0, self.total)
        elif hasattr(self, "label") and not _bar_shown:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("tasks"), TimeElapsedColumn(), console=Console(stderr=True),
                                transient=False)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total)
            _bar_shown = True
        return self

    def advance(self) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(self.done, self.total)
        elif self.bar is not None:
            self.bar.update(self.task, completed=self.done)

    def __exit__(self, *exc) -> None:
        global _bar_shown
        if self.bar is not None:
            self.bar.stop()
            _bar_shown = False

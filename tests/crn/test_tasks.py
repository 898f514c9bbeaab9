"""Batch work as tasks (crn.tasks): the cut into tasks depends on the problem only, the in-process
run needs no Dask, and a 2-worker local Dask cluster gives exactly the in-process numbers."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from crn.compile import compile_network
from crn.forms import formal_form
from crn.simulate import simulate
from crn.tasks import TASK_STATE, Compute, close_clusters, run_tasks, task_slices
from nn.network import Network

ROOT = Path(__file__).resolve().parents[2]
MNIST14 = ROOT.parent / "shared" / "reference" / "dmp" / "mnist14.json"


@pytest.mark.parametrize("n, species", [(1000, 540), (100, 540), (7, 70000), (1, 5), (250, 131)])
def test_tasks_cover_the_examples_in_order_with_equal_sizes_under_the_cap(n, species):
    slices = task_slices(n, species)
    sizes = [s.stop - s.start for s in slices]
    assert slices[0].start == 0 and slices[-1].stop == n
    assert all(a.stop == b.start for a, b in zip(slices, slices[1:]))
    assert max(sizes) - min(sizes) <= 1
    cap = max(1, TASK_STATE // species)
    assert max(sizes) <= cap and len(slices) == -(-n // cap)


def test_compute_options_are_checked():
    with pytest.raises(ValueError, match="workers: expected an integer >= 1"):
        Compute(workers=0)
    with pytest.raises(ValueError, match="workers: expected an integer >= 1"):
        Compute(workers=True)
    with pytest.raises(ValueError, match="not both"):
        Compute(workers=2, scheduler="tcp://10.0.0.1:8786")
    with pytest.raises(ValueError, match="scheduler: expected a Dask scheduler address"):
        Compute(scheduler="two words")
    assert not Compute(scheduler="tls://dask.example.org:8786").in_process


def test_in_process_tasks_keep_order_and_report_progress():
    seen = []
    out = run_tasks(divmod, [7, 8, 9], args=(4,), compute=Compute(progress=lambda d, t: seen.append((d, t))))
    assert out == [(1, 3), (2, 0), (2, 1)]
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_the_in_process_run_does_not_import_dask():
    code = ("import sys\nfrom crn.textformat import parse_crn\nfrom crn.simulate import simulate\n"
            "crn = parse_crn('input A\\noutput C\\nA -> C')\nsimulate(crn, [[1.0], [2.0]], t_end=5)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_a_missing_extra_is_one_clear_error(monkeypatch):
    import crn.tasks

    monkeypatch.setattr(crn.tasks, "dask_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"pip install 'dsd-toolchain\[distributed\]'"):
        run_tasks(abs, [1, 2], compute=Compute(workers=2))


# one xdist worker runs this module (--dist loadgroup), so its module fixture is built once, not once per worker
pytestmark = pytest.mark.xdist_group("test_tasks")


@pytest.fixture(scope="module")
def two_workers():
    pytest.importorskip("distributed")
    yield Compute(workers=2, progress=False)
    close_clusters()


def mnist14(n: int):
    if not MNIST14.is_file():
        pytest.skip("the mnist14 reference model is not in ../shared/reference/dmp")
    d = json.loads(MNIST14.read_text())
    net = Network([np.array(w) for w in d["weights"]], [np.array(b) for b in d["biases"]])
    x = np.array([e["x"] for e in d["examples"]])
    rng = np.random.default_rng(1)
    x = np.concatenate([x] + [x + rng.normal(0.0, 0.05, x.shape) for _ in range(-(-n // len(x)) - 1)])[:n]
    return formal_form(compile_network(net), reduce=True), x


def test_two_local_workers_give_exactly_the_in_process_numbers(two_workers):
    crn, x = mnist14(250)  # 540 species: 3 tasks of 83-84 (the feed-forward path batches within a task)
    assert len(task_slices(len(x), len(crn.species))) == 3
    local = simulate(crn, x, t_end=200, keep_trajectories=False)
    dask = simulate(crn, x, t_end=200, keep_trajectories=False, compute=two_workers)
    for name in ("t", "final", "outputs", "output_trajectories"):
        assert np.array_equal(getattr(local, name), getattr(dask, name)), name
    assert (local.nfev, local.njev, local.nlu, local.min_concentration) == (
        dask.nfev, dask.njev, dask.nlu, dask.min_concentration)
    # an example's numbers come from its task alone: the last task simulated by itself agrees too
    last = simulate(crn, x[167:], t_end=200, keep_trajectories=False)
    assert np.array_equal(last.outputs, local.outputs[167:])


def test_a_task_error_reaches_the_caller(two_workers):
    with pytest.raises(ZeroDivisionError):
        run_tasks(divmod, [1, 2], args=(0,), compute=two_workers)


def test_the_leak_sweep_on_two_workers_equals_the_in_process_sweep(two_workers):
    from crn.textformat import parse_crn
    from dsd.gatesim import leak_sweep
    from dsd.schemes import get_scheme
    from dsd.translate import translate_sized

    scheme = get_scheme("soloveichik2010")
    crn = parse_crn("input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp\nXn -> Yn\n")
    system, _ = translate_sized(crn, scheme, -1.0, 1.0)
    x = np.array([[0.8], [-0.5]])
    kw = dict(leaks=(0.0, 1e-8), initial_leaks=(0.0, 0.02))
    local, local_runs = leak_sweep(crn, system, scheme, 10.0, x, x, 2.0, 6.0, **kw)
    dask, dask_runs = leak_sweep(crn, system, scheme, 10.0, x, x, 2.0, 6.0, compute=two_workers, **kw)
    strip = lambda entries: [{k: v for k, v in e.items() if k != "seconds"} for e in entries]  # noqa: E731
    assert strip(local) == strip(dask) and list(local_runs) == list(dask_runs)
    for key in local_runs:
        assert np.array_equal(local_runs[key].output_trajectories, dask_runs[key].output_trajectories)

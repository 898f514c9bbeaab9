"""General CRNs through the DNA chain: sizing from the formal simulation, the schemes' shapes
(catalysts, reversible pairs, A + A, three reactants, zero-order sources), the gate level compared
with the formal trajectories, the CLI (approximate majority) and the shipped builds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from crn.model import Reaction
from crn.textformat import parse_crn
from dsd.formal_compare import compare_trajectories, count_periods
from dsd.schemes import get_scheme, make_scheme
from dsd.sizing import SIZING_HORIZON, box_points, size_reactions
from dsd.translate import translate_sized
from dsd.verify import verify_crn, verify_reaction

PROTOCOLS = Path(__file__).resolve().parents[2] / "protocols"
AM = (PROTOCOLS / "majority.txt").read_text()
RPS = (PROTOCOLS / "oscillator.txt").read_text()


# --- sizing ------------------------------------------------------------------------------------------

def test_a_cycle_is_sized_by_its_cumulative_firing_over_the_horizon():
    # A <-> B from A = a: A(t) = a (1 + exp(-2t)) / 2, so A -> B fires a (5 + (1 - exp(-20)) / 4) by t = 10
    crn = parse_crn("input A\noutput B\nA -> B\nB -> A\n")
    s = size_reactions(crn, 0.0, 1.0, horizon=10.0)
    assert s.method == "simulated" and s.horizon == 10.0 and s.runs == 19  # 2 corners, centre, 16 samples
    np.testing.assert_allclose(s.bound, [5.25, 4.75], rtol=1e-4)
    assert s.summary()["bound_method"] == "simulated"


def test_a_feed_forward_crn_keeps_the_interval_bound():
    s = size_reactions(parse_crn("input A\ninput B\noutput C\nA + B -> C\n"), 0.0, 1.0)
    assert s.method == "interval" and s.horizon is None and s.bound.tolist() == [1.0]


def test_majority_bound_covers_every_example_and_grows_with_the_horizon():
    crn = parse_crn(AM)
    x = np.array([[0.7, 0.3], [0.3, 0.7], [0.5, 0.5]])
    short = size_reactions(crn, 0.0, 1.0, examples=x, horizon=10.0)
    long = size_reactions(crn, 0.0, 1.0, examples=x, horizon=40.0)
    assert np.all(short.observed <= short.bound) and np.all(long.bound > short.bound)
    # the tie (1, 1) sits at X = Y = B = 2/3, where every reaction fires 4/9 per time unit for ever
    assert long.bound.max() == pytest.approx(4 / 9 * 40, rel=0.05)


def test_box_points_has_every_corner_the_centre_and_the_examples():
    pts = box_points(np.zeros(3), np.ones(3), np.array([[0.25, 0.5, 0.75]]), samples=4)
    assert len(pts) == 8 + 1 + 4 + 1
    assert {tuple(p) for p in pts} >= {(0, 0, 0), (1, 1, 1), (0.5, 0.5, 0.5), (0.25, 0.5, 0.75)}


# --- schemes and verification --------------------------------------------------------------------------

@pytest.mark.parametrize("scheme, text", [
    ("soloveichik2010", "A + B -> A + C"),          # catalyst
    ("soloveichik2010", "A + B -> C\nC -> A + B"),  # reversible pair
    ("soloveichik2010", "X + B -> 2 X"),            # autocatalysis
    ("soloveichik2010", "A + A -> B"),              # reactant multiplicity
    ("cardelli2011_NM", "2 A + B -> C"),            # three reactants, one repeated
    ("cardelli2011_NM", "A + B + C -> A + D"),
])
def test_general_shapes_pass_bisimulation(scheme, text):
    results = verify_crn(parse_crn(text), make_scheme(scheme))
    assert all(r.passed for r in results), [r.detail for r in results]


def test_three_reactants_under_soloveichik_is_one_line_naming_cardelli():
    with pytest.raises(ValueError, match="use the scheme cardelli2011_NM") as err:
        verify_reaction(Reaction([("A", 1), ("B", 1), ("C", 1)], [("D", 1)]), get_scheme("soloveichik2010"))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("scheme", ["soloveichik2010", "cardelli2011_NM"])
def test_a_zero_order_source_is_refused_naming_the_reservoir(scheme):
    with pytest.raises(ValueError, match="zero-order source.*reservoir"):
        translate_sized(parse_crn("output A\n0 -> A\n"), make_scheme(scheme), 0.0, 1.0)


# --- gate level vs formal trajectories ------------------------------------------------------------------

def test_count_periods_ignores_a_transient_and_noise():
    t = np.linspace(0, 20, 4001)
    y = 5 * np.exp(-5 * t) - np.cos(2 * np.pi * t / 4) + 0.01 * np.sin(2 * np.pi * t * 7.3)
    out = count_periods(t, y)
    assert out["periods"] == 4 and out["period"] == pytest.approx(4.0, rel=0.02)
    assert count_periods(t, 1 - np.exp(-t))["periods"] == 0
    assert count_periods(t, 1 - np.exp(-t) + 1e-6 * np.sin(2 * np.pi * t * 3))["periods"] == 0  # settled + noise


def _sized(text, low, high, unit_nM=10.0, horizon=None):
    crn = parse_crn(text)
    scheme = make_scheme("soloveichik2010")
    system, sizing = translate_sized(crn, scheme, low, high, unit_nM=unit_nM, horizon=horizon)
    return crn, system, scheme, sizing


def test_majority_gates_follow_the_formal_trajectories_and_pick_the_majority():
    crn, system, scheme, sizing = _sized(AM, 0.0, 1.0, horizon=20.0)
    x = np.array([[0.7, 0.3], [0.3, 0.7]])
    out = compare_trajectories(crn, system, scheme, 10.0, x, hours=48.0, horizon=sizing.horizon)
    assert out["time_scale"] == "fitted" and 0.5 < out["hours_per_formal_unit"] < 2.0
    # leak-free gates: X (or Y) ends ~0.17 short of 1, held back in the gates that take it first
    assert out["max_abs_difference"] < 0.25
    end = np.asarray(out["gate_end"])
    assert end[0, 0] / (end[0, 0] + end[0, 1]) >= 0.9 and end[1, 1] / (end[1, 0] + end[1, 1]) >= 0.9


def test_oscillator_gates_oscillate_for_at_least_two_periods():
    crn, system, scheme, sizing = _sized(RPS, 0.0, 0.5, unit_nM=50.0, horizon=30.0)
    out = compare_trajectories(crn, system, scheme, 50.0, np.array([[0.5, 0.3, 0.2]]), hours=24.0,
                               horizon=sizing.horizon)
    periods = [o["gate"]["periods"] for o in out["oscillation"][0].values()]
    assert min(periods) >= 2, out["oscillation"]
    assert all(o["formal"]["periods"] >= 1 for o in out["oscillation"][0].values())
    assert out["max_abs_difference"] < 0.2


# --- the CLI: approximate majority ----------------------------------------------------------------------

def dsd(*args, cwd):
    return subprocess.run([sys.executable, "-m", "dsd.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_majority_from_the_cli(tmp_path):
    (tmp_path / "am.crn").write_text(AM)
    (tmp_path / "in.csv").write_text("X,Y\n0.7,0.3\n0.3,0.7\n")
    r = dsd("translate", "am.crn", "--out", "am.pil", "--input-range", 0, 1, "--json", "t.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    sizing = json.loads((tmp_path / "t.json").read_text())["sizing"]
    assert sizing["bound_method"] == "simulated" and sizing["horizon"] == SIZING_HORIZON
    assert f"#| horizon: {SIZING_HORIZON:g}" in (tmp_path / "am.pil").read_text()  # gatesim compares over it
    r = dsd("verify", "am.pil", "--crn", "am.crn", cwd=tmp_path)
    assert r.returncode == 0 and "2/2 shapes pass" in r.stdout, r.stdout + r.stderr
    r = dsd("gatesim", "am.pil", "--inputs", "in.csv", "--json", "g.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    g = json.loads((tmp_path / "g.json").read_text())
    (x1, y1), (x2, y2) = ((row["outputs"]["X"], row["outputs"]["Y"]) for row in g["rows"])
    assert x1 / (x1 + y1) >= 0.9 and y2 / (x2 + y2) >= 0.9
    assert g["trajectories"]["max_abs_difference"] > 0 and "gate level vs formal trajectories" in r.stdout


def test_zero_order_source_from_the_cli(tmp_path):
    (tmp_path / "s.crn").write_text("input X\noutput Y\n0 -> Y @ 0.05\nX + Y -> X\n")
    r = dsd("translate", "s.crn", "--out", "s.pil", "--input-range", 0.5, 1, "--horizon", 20, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "s.pil").read_text()
    assert "#> init Res_r0 = 10" in text and "#> Res_r0 -> Y @ 0.005" in text
    r = dsd("verify", "s.pil", "--crn", "s.crn", cwd=tmp_path)
    assert r.returncode == 0 and "2/2 shapes pass" in r.stdout, r.stdout + r.stderr


# --- the shipped builds ----------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", ["majority", "oscillator"])
def test_shipped_general_crn_builds_to_the_order_with_trajectories(name, tmp_path):
    from dsd.pipeline.build import run_build
    from dsd.pipeline.spec import load_spec

    out = tmp_path / name
    result = run_build(load_spec(PROTOCOLS / f"{name}.yaml"), out)
    assert result.ok, [c for c in result.checks if not c["pass"]]
    assert {"system.pil", "verification.json", "order.csv", "inputs.json", "formal_compare.json",
            "report.html"} <= {p.name for p in out.iterdir()}
    data = json.loads((out / "formal_compare.json").read_text())
    report = (out / "report.html").read_text()
    assert "Gate level vs the formal trajectories" in report and 'id="formal-compare-0"' in report
    if name == "oscillator":
        assert result.stages["inputs"]["gate_periods"] >= 2
        assert "end of the run" in json.loads((out / "inputs.json").read_text())["readout_rule"]
    else:
        rows = json.loads((out / "inputs.json").read_text())["rows"]
        assert rows[0]["outputs"]["X"] / (rows[0]["outputs"]["X"] + rows[0]["outputs"]["Y"]) >= 0.9
        assert data["leak_free"]["max_abs_difference"] < 0.25


def test_verify_runs_its_shapes_through_run_tasks(monkeypatch):
    """dsd.verify hands its per-shape checks to crn.tasks.run_tasks with the caller's Compute (in this process by
    default), one task per shape, and reads the results back in shape order."""
    import crn.tasks
    import dsd.verify
    from crn.tasks import Compute

    seen = []
    real = crn.tasks.run_tasks

    def spy(fn, items, *, args=(), compute=None, label="tasks"):
        seen.append((len(items), compute))
        return real(fn, items, args=args, compute=None, label=label)

    monkeypatch.setattr(dsd.verify, "run_tasks", spy)
    text = "input X = Xp - Xn\noutput Y = Yp - Yn\nXp -> Yp\nXn -> 2 Yn\nYp + Yn -> 0\n"
    compute = Compute(progress=False)
    results = verify_crn(parse_crn(text), make_scheme("soloveichik2010"), compute=compute)
    assert seen == [(3, compute)] and [r.reactions for r in results] == [(0,), (1,), (2,)]
    assert all(r.passed for r in results)

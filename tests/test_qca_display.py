"""Rich display of QCA results (issue 10): R-style text, escaped deterministic HTML, and
plot labels that do not overlap."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from casestudy.qca import minimize, robustness, truth_table, xy_plot


@pytest.fixture
def data() -> pd.DataFrame:
    return pd.DataFrame({"A": [1, 1, 0, 0, 1], "B": [1, 0, 1, 0, 1], "Y": [1, 1, 0, 0, 1]},
                        index=["<b>AO</b>", "BJ", "BW", "NA", "CV"])


def test_truth_table_prints_as_r_does(data):
    tt = truth_table(data, "Y")
    text = repr(tt)
    assert text == str(tt)
    lines = text.splitlines()
    assert lines[1:5] == ["  OUT: output value", "    n: number of cases in configuration",
                          " incl: sufficiency inclusion score",
                          "  PRI: proportional reduction in inconsistency"]
    header = lines[6].split()
    assert header == ["row", "A", "B", "OUT", "n", "incl", "PRI", "cases"]
    assert lines[-1].split()[-1] == "<b>AO</b>,CV"  # text repr keeps labels as they are


def test_html_is_escaped_and_deterministic(data):
    tt = truth_table(data, "Y")
    html = tt._repr_html_()
    assert html == truth_table(data, "Y")._repr_html_()
    assert "&lt;b&gt;AO&lt;/b&gt;" in html and "<b>AO</b>" not in html
    assert html.startswith('<div class="cs-qca">')
    for th in ("OUT", "n", "incl", "PRI", "cases"):
        assert f"<th>{th}</th>" in html
    assert "uuid" not in html and " id=" not in html
    # No pandas index column: the first header is the row number.
    assert html.index("<th>row</th>") < html.index("<th>A</th>")


def test_solution_and_model_display(data):
    sol = minimize(truth_table(data, "Y"), include="?", dir_exp={"A": 1, "B": 1})
    text = repr(sol)
    assert text.splitlines()[0].startswith("Intermediate solution for Y")
    assert "From C1P1:\nM1: A <-> Y" in text
    assert "inclS" in text and "covU" in text
    html = sol._repr_html_()
    assert "<p>From C1P1:</p>" in html
    assert "<code>M1: A &lt;-&gt; Y</code>" in html
    assert html == minimize(truth_table(data, "Y"), include="?",
                            dir_exp={"A": 1, "B": 1})._repr_html_()
    assert sol.models[0]._repr_html_() == '<div class="cs-qca"><code>M1: A</code></div>'


def test_robustness_display(data):
    rob = robustness(data, "Y", incl_cuts=(0.8, 1.0))
    assert repr(rob).startswith("Robustness sweep over 2 runs")
    html = rob._repr_html_()
    assert "<strong>Robustness sweep over 2 runs: share of runs with each term</strong>" in html
    assert "<th>term</th>" in html


def _overlaps(ax) -> list[tuple[str, str]]:
    renderer = ax.figure.canvas.get_renderer()
    # The text itself: an annotation's own extent also spans its leader line.
    boxes = [(t.get_text(), Text.get_window_extent(t, renderer)) for t in ax.texts]
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2) if ba.overlaps(bb)]


def test_truth_table_plot_labels_do_not_overlap():
    # 40 fuzzy cases over 5 conditions: many rows close together near incl 0.3-0.6, the
    # crowding that drew "10,14,30" over its neighbours in notebook 04.
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.choice([0.1, 0.3, 0.6, 0.8, 0.9], size=(40, 6)),
                         columns=[*"ABCDE", "Y"])
    tt = truth_table(frame, "Y")
    ax = tt.plot()
    assert len(ax.texts) == len(tt.rows.groupby([tt.rows["incl"].round(6),
                                                 tt.rows["PRI"].round(6)]))
    assert _overlaps(ax) == []
    labels = " ".join(t.get_text() for t in ax.texts).replace("\n", " ")
    assert sorted(int(r) for r in labels.replace(",", " ").split()) == sorted(tt.rows.index)
    plt.close(ax.figure)


def test_xy_plot_labels_do_not_overlap():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"X": rng.uniform(0.5, 0.9, 25).round(2),
                          "Y": rng.uniform(0.5, 0.9, 25).round(2),
                          "case": [f"S{i:02d}" for i in range(25)]})
    ax = xy_plot(frame, x="X", y="Y", label="case")
    assert _overlaps(ax) == []
    plt.close(ax.figure)

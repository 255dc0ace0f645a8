"""Cross-case analysis against hand-worked cases, HTML escaping and the XLSX export."""

from __future__ import annotations

import matplotlib.pyplot as plt
import openpyxl
import pandas as pd
import pytest

from casestudy.errors import CaseStudyError
from casestudy.qual import (
    as_evidence,
    balance,
    cooccurrence,
    direction_bars,
    evidence_html,
    framework_matrix,
    frequency,
    quotes,
    recurrence,
    theme_heatmap,
)


@pytest.fixture
def ev() -> pd.DataFrame:
    # Hand-worked: 7 segments, 3 cases, 2 tiers.
    rows = [
        ("1", "NL", "national", "d1", "finance/pooling", "barrier", "Walls between laws", "N22"),
        ("2", "NL", "regional", "d2", "culture/trust", "facilitator", "Trust built", "N16"),
        ("3", "NL", "regional", "d2", "finance/pooling", "neutral", "Three financiers", "N14"),
        ("4", "SCO", "regional", "d3", "finance/pooling", "barrier", "Set-aside not enacted",
         "S3"),
        ("5", "SCO", "regional", "d3", "culture/trust", "facilitator", "Trust takes time",
         "S13;S4"),
        ("6", "ENG", "national", "d4", "power/centralisation", "barrier", "Command and control",
         "E15"),
        ("7", "ENG", "national", "d4", "finance/pooling", "facilitator", "BCF pooled", "E9"),
    ]
    frame = pd.DataFrame(rows, columns=["segment_id", "case", "tier", "document", "theme",
                                        "direction", "text", "source_id"])
    return as_evidence(frame)


def test_framework_matrix_cells_by_hand(ev):
    fm = framework_matrix(ev)
    counts = fm.counts()
    assert list(counts.index) == ["NL", "SCO", "ENG"]  # registry order
    assert list(counts.columns) == ["culture/trust", "finance/pooling",
                                    "power/centralisation"]
    assert counts.values.tolist() == [[1, 2, 0], [1, 1, 0], [0, 1, 1]]
    assert fm.matrix().loc["NL", "finance/pooling"] == (
        "(−) Walls between laws [N22]\nThree financiers [N14]")
    assert fm.matrix().loc["ENG", "culture/trust"] == ""
    cell = fm.table().query("case == 'SCO' and theme == 'culture/trust'")
    assert cell[["tier", "n", "source_id"]].values.tolist() == [["regional", 1, "S13;S4"]]
    assert fm.counts(tier="national").values.tolist() == [[1, 0], [1, 1]]
    assert fm.abridged(max_chars=10).loc["NL", "finance/pooling"] == \
        "(−) Walls… (+1 more)"


def test_framework_matrix_top_level_themes_and_tiers_as_rows(ev):
    fm = framework_matrix(ev, rows="tier", theme_level=1)
    assert fm.counts().to_dict("index") == {
        "national": {"culture": 0, "finance": 2, "power": 1},
        "regional": {"culture": 2, "finance": 2, "power": 0}}
    with pytest.raises(CaseStudyError, match="cell must be"):
        framework_matrix(ev, cell="mean")


def test_framework_matrix_xlsx_one_sheet_per_tier(ev, tmp_path):
    path = framework_matrix(ev).to_xlsx(tmp_path / "fm.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["all", "national", "regional", "counts", "cells"]
    ws = wb["regional"]
    header = [c.value for c in ws[1]]
    assert header == ["case", "culture/trust", "finance/pooling"]
    assert ws["A3"].value == "SCO" and ws["C3"].value == "(−) Set-aside not enacted [S3]"
    again = framework_matrix(ev).to_xlsx(tmp_path / "fm2.xlsx")
    assert path.read_bytes() == again.read_bytes()


def test_framework_matrix_refuses_to_write_raw(ev, monkeypatch, tmp_path):
    monkeypatch.setenv("CASESTUDY_RAW_DIR", str(tmp_path))
    with pytest.raises(CaseStudyError, match="data/raw"):
        framework_matrix(ev).to_xlsx(tmp_path / "x.xlsx")


def test_frequency_and_balance_by_hand(ev):
    freq = frequency(ev, by=["case"], theme_level=1)
    assert freq.values.tolist() == [["NL", "culture", 1], ["NL", "finance", 2],
                                    ["SCO", "culture", 1], ["SCO", "finance", 1],
                                    ["ENG", "finance", 1], ["ENG", "power", 1]]
    bal = balance(ev, by=["case", "tier"])
    assert bal[["case", "tier", "facilitator", "barrier", "neutral", "n", "balance"]
               ].values.tolist() == [
        ["NL", "national", 0, 1, 0, 1, -1], ["NL", "regional", 1, 0, 1, 2, 1],
        ["SCO", "regional", 1, 1, 0, 2, 0], ["ENG", "national", 1, 1, 0, 2, 0]]
    by_tier = balance(ev, by="tier")
    assert by_tier.set_index("tier")["balance"].to_dict() == {"national": -1, "regional": 1}


def test_cooccurrence_by_case_count_and_jaccard(ev):
    co = cooccurrence(ev, by="case").table().set_index(["theme_a", "theme_b"])
    # trust in {NL, SCO}; pooling in {NL, SCO, ENG}; centralisation in {ENG}
    assert co.loc[("culture/trust", "finance/pooling"), "count"] == 2
    assert co.loc[("culture/trust", "finance/pooling"), "jaccard"] == pytest.approx(2 / 3)
    assert co.loc[("finance/pooling", "power/centralisation"), "count"] == 1
    assert co.loc[("finance/pooling", "power/centralisation"), "jaccard"] == \
        pytest.approx(1 / 3)
    assert ("culture/trust", "power/centralisation") not in co.index
    mat = cooccurrence(ev, by="case").matrix("count")
    assert mat.loc["finance/pooling", "finance/pooling"] == 3
    assert mat.loc["power/centralisation", "finance/pooling"] == 1
    by_doc = cooccurrence(ev, by="document").table()
    assert by_doc[["theme_a", "theme_b", "count"]].values.tolist() == [
        ["culture/trust", "finance/pooling", 2],
        ["finance/pooling", "power/centralisation", 1]]


def test_cooccurrence_spans_by_hand():
    frame = pd.DataFrame({"document": ["d", "d", "d", "d", "e"],
                          "theme": ["a", "b", "a", "c", "b"],
                          "start": [0, 5, 50, 9, 0], "end": [10, 20, 60, 10, 10]})
    co = cooccurrence(frame, by="span").table().set_index(["theme_a", "theme_b"])
    # a[0,10) overlaps b[5,20) and c[9,10); b overlaps c; a[50,60) overlaps nothing;
    # adjacent spans do not overlap (end is exclusive); document e is separate.
    assert co["count"].to_dict() == {("a", "b"): 1, ("a", "c"): 1, ("b", "c"): 1}
    assert co.loc[("a", "b"), "jaccard"] == pytest.approx(1 / (2 + 2 - 1))
    touching = pd.DataFrame({"document": ["d", "d"], "theme": ["a", "b"], "start": [0, 10],
                             "end": [10, 20]})
    assert cooccurrence(touching, by="span").table().empty


def test_quotes_and_recurrence(ev):
    got = quotes(ev, theme="finance", tier="regional")
    assert got["segment_id"].tolist() == ["3", "4"]
    assert quotes(ev, case=["ENG"], direction="barrier")["text"].tolist() == [
        "Command and control"]
    assert quotes(ev, contains="TRUST")["segment_id"].tolist() == ["2", "5"]
    assert quotes(ev, theme="finance/pool").empty  # prefix means whole levels
    rec = recurrence(ev).set_index("theme")
    assert rec.loc["finance/pooling", "pattern"] == "all"
    assert rec.loc["finance/pooling", "case"] == "NL;SCO;ENG"
    assert rec.loc["power/centralisation", "pattern"] == "particular"
    assert rec.loc["culture/trust", "pattern"] == "some"


def test_evidence_text_is_escaped_in_html(ev):
    hostile = ev.copy()
    hostile.loc[0, "text"] = '<script>alert("x")</script> & <b>bold</b>'
    fm = framework_matrix(hostile)
    for page in (fm.to_html(), fm.to_html(abridged=False), evidence_html(hostile),
                 hostile._repr_html_(), fm.table()._repr_html_()):
        assert "<script>" not in page and "<b>bold" not in page
        assert "&lt;script&gt;" in page
    assert "<br>" in fm.to_html(abridged=False)  # line breaks survive as markup


def test_plots_return_axes_and_figure(ev):
    ax = theme_heatmap(ev)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Netherlands", "Scotland",
                                                            "England"]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "culture/trust", "finance/pooling", "power/centralisation"]
    _, given = plt.subplots()
    assert direction_bars(ev, ax=given) is given
    widths = sorted(float(p.get_width()) for p in given.patches)
    assert widths == [-2.0, -1.0, 1.0, 2.0]  # barriers: national 2, regional 1
    fig = direction_bars(ev, col="case")
    assert [a.get_title() for a in fig.axes] == ["Netherlands", "Scotland", "England"]
    co_ax = cooccurrence(ev).plot(measure="jaccard")
    assert len(co_ax.get_yticklabels()) == 3
    plt.close("all")


def _heatmap_values(ax) -> list[float]:
    return sorted(float(v) for v in ax.collections[0].get_array().compressed())


def test_cooccurrence_plot_defaults_to_the_measure_asked_for(ev):
    co = cooccurrence(ev, measure="jaccard")
    assert co.measure == "jaccard"
    ax = co.plot()
    # lower triangle: trust–pooling 2/3, trust–centralisation absent (0), pooling–centr. 1/3
    assert _heatmap_values(ax) == pytest.approx([0.0, 1 / 3, 2 / 3])
    assert ax.collections[0].colorbar.ax.get_ylabel() == "Jaccard"
    counts = cooccurrence(ev).plot()
    assert _heatmap_values(counts) == [0.0, 1.0, 2.0]
    assert counts.collections[0].colorbar.ax.get_ylabel() == "units (case) with both themes"
    assert _heatmap_values(co.plot(measure="count")) == [0.0, 1.0, 2.0]
    spans = pd.DataFrame({"document": ["d", "d"], "theme": ["a", "b"], "start": [0, 5],
                          "end": [10, 20]})
    span_ax = cooccurrence(spans, by="span").plot()
    assert span_ax.collections[0].colorbar.ax.get_ylabel() == "overlapping segment pairs"
    with pytest.raises(CaseStudyError, match="measure must be"):
        cooccurrence(ev, measure="dice")
    plt.close("all")


def test_framework_matrix_plot_shows_the_counts(ev):
    ax = framework_matrix(ev, theme_level=1).plot()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Netherlands", "Scotland",
                                                            "England"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["culture", "finance", "power"]
    # themes down, cases across: culture 1 1 0, finance 2 1 1, power 0 0 1
    assert ax.collections[0].get_array().reshape(3, 3).tolist() == [
        [1, 1, 0], [2, 1, 1], [0, 0, 1]]
    plt.close("all")


def test_study_order_for_tier_and_direction_rows(ev):
    by_direction = framework_matrix(ev, rows="direction", theme_level=1).counts()
    assert list(by_direction.index) == ["facilitator", "barrier", "neutral"]
    tiers = pd.DataFrame({"tier": ["local-strategic", "national"], "theme": ["a", "a"]})
    assert recurrence(tiers, across="tier")["tier"].tolist() == ["national;local-strategic"]
    unordered = ev.sample(frac=1, random_state=1)
    got = quotes(unordered)
    assert got["case"].astype(str).tolist() == ["NL"] * 3 + ["SCO"] * 2 + ["ENG"] * 2
    assert got["tier"].astype(str).tolist()[:3] == ["national", "regional", "regional"]
    assert got.dtypes.to_dict() == ev.dtypes.to_dict()  # sorting leaves the types alone


@pytest.fixture
def voiced(ev) -> pd.DataFrame:
    # Hand-worked perspectives and stages for the 7 segments of ``ev``.
    out = ev.copy()
    out["perspective"] = ["independent researchers", "independent researchers",
                          "commissioner or funder", "scrutiny body", "independent researchers",
                          "scrutiny body", "national government"]
    out["stage"] = [None, "exploring", None, "implementing", "implementing", None,
                    "demonstrating impact"]
    return as_evidence(out)


def test_frequency_and_balance_by_perspective_and_stage(voiced):
    freq = frequency(voiced, by=["perspective"], theme_level=1)
    # perspectives in study order (PERSPECTIVES), not alphabetically
    assert freq.values.tolist() == [
        ["national government", "finance", 1], ["scrutiny body", "finance", 1],
        ["scrutiny body", "power", 1], ["commissioner or funder", "finance", 1],
        ["independent researchers", "culture", 2], ["independent researchers", "finance", 1]]
    by_stage = frequency(voiced, by="stage", theme_level=1)
    # segments without a stage (1, 3, 6) are not about improvement work: left out
    assert by_stage.values.tolist() == [["exploring", "culture", 1],
                                        ["implementing", "culture", 1],
                                        ["implementing", "finance", 1],
                                        ["demonstrating impact", "finance", 1]]
    bal = balance(voiced, by="perspective").set_index("perspective")
    assert list(bal.index) == ["national government", "scrutiny body",
                               "commissioner or funder", "independent researchers"]
    assert bal.loc["scrutiny body", ["barrier", "balance"]].tolist() == [2, -2]
    assert bal.loc["independent researchers", ["facilitator", "barrier"]].tolist() == [2, 1]
    assert balance(voiced, by="stage")["n"].sum() == 4


def test_framework_matrix_with_perspective_rows_and_layers(voiced):
    fm = framework_matrix(voiced, rows="perspective", theme_level=1)
    counts = fm.counts()
    assert list(counts.index) == ["national government", "scrutiny body",
                                  "commissioner or funder", "independent researchers"]
    assert counts.loc["independent researchers"].tolist() == [2, 1, 0]
    by_case = framework_matrix(voiced)
    assert by_case.counts(perspective="scrutiny body").values.tolist() == [[1, 0], [0, 1]]
    assert by_case.counts(stage="implementing").to_dict("index") == {
        "SCO": {"culture/trust": 1, "finance/pooling": 1}}
    assert by_case.matrix(perspective="national government").loc[
        "ENG", "finance/pooling"] == "(+) BCF pooled [E9]"
    cells = by_case.table()
    assert {"tier", "perspective", "stage"} <= set(cells.columns)
    assert cells["n"].sum() == len(voiced)


def test_voices_counts_every_perspective_and_tier_with_zeros(voiced):
    from casestudy.qual import PERSPECTIVES, TIERS, voices

    v = voices(voiced)
    table = v.table()
    assert len(table) == 3 * len(PERSPECTIVES) * len(TIERS)  # 3 cases present
    assert table["n"].sum() == len(voiced)
    sco = v.matrix("SCO")
    assert list(sco.index) == list(PERSPECTIVES) and list(sco.columns) == list(TIERS)
    assert sco.loc["scrutiny body", "regional"] == 1
    assert sco.loc["independent researchers", "regional"] == 1
    assert int(sco.to_numpy().sum()) == 2
    gaps = v.gaps().set_index("perspective")
    assert gaps.loc["independent researchers", ["NL", "SCO", "ENG", "n"]].tolist() == \
        [2, 1, 0, 3]
    assert gaps.loc["independent researchers", "share"] == pytest.approx(42.9)
    assert gaps.loc["people who use services and carers", "n"] == 0
    assert "frontline staff: 0 (0%)" in repr(v)
    page = v._repr_html_()
    assert "<table" in page
    assert ("<th>independent researchers</th><td>2</td><td>0</td><td>1</td><td>0</td><td>3</td>"
            "<td>42.9</td></tr>") in page
    fig = v.plot()
    assert [a.get_title() for a in fig.axes] == ["Netherlands", "Scotland", "England"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(PERSPECTIVES)
    plt.close("all")


def test_unknown_perspective_or_stage_names_file_row_column_and_value(voiced):
    from casestudy.errors import DataValidationError

    bad = voiced.astype({"perspective": "string", "stage": "string"})
    bad.loc[1, "perspective"] = "journalists"
    bad.loc[2, "stage"] = "sustaining"
    with pytest.raises(DataValidationError) as err:
        as_evidence(bad, file="ev.csv")
    text = str(err.value)
    assert "ev.csv, row 3, column 'perspective'" in text and "'journalists'" in text
    assert "expected one of national government," in text
    assert "ev.csv, row 4, column 'stage'" in text and "'sustaining'" in text
    assert "demonstrating impact or empty" in text


def test_voices_do_not_depend_on_row_order(voiced):
    from casestudy.qual import voices

    a = voices(voiced).table()
    b = voices(voiced.sample(frac=1, random_state=3)).table()
    pd.testing.assert_frame_equal(a, b)


def test_heatmaps_do_not_draw_the_figure_they_are_building(monkeypatch):
    """seaborn.heatmap draws the whole figure to decide label rotations; here it must not
    (four panels cost four layouts and renders), and the figure keeps its own canvas."""
    from matplotlib.figure import Figure

    from casestudy.qual.plots import perspective_heatmaps

    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(self)
                        or original(self, renderer))
    tbl = pd.DataFrame({"case": ["NL", "IT", "SCO", "ENG"], "perspective": ["frontline staff"] * 4,
                        "tier": ["national"] * 4, "n": [1, 0, 2, 3]})
    fig = perspective_heatmaps(tbl)
    assert draws == []
    assert type(fig.canvas).__name__ != "FigureCanvasBase" and fig.canvas.figure is fig
    assert all(t.get_rotation() == 0 for ax in fig.axes for t in ax.get_yticklabels())
    plt.close(fig)

"""Trend plots: registry colours and labels, gaps kept, projections dashed, source footers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from casestudy import cases
from casestudy.indicators import convergence, index_to, latest
from casestudy.plots import dispersion, indexed_trend, latest_dotplot, trend_grid

UK = "United Kingdom (Scotland and England)"


@pytest.fixture
def df() -> pd.DataFrame:
    """SYNTHETIC values, made up for these tests: not the publishers' figures.

    The rows carry real geography codes, indicator names and source ids only because the
    plots look up colours, titles and footer citations by them (the footer assertions check
    that the citations resolve); no value here comes from WB-WDI or UN-WPP2019.
    """
    rows = []
    for geo, base in (("NLD", 5.0), ("ITA", 4.0), ("GBR", 3.0)):
        for year in range(2000, 2006):
            if geo == "GBR" and year == 2003:
                continue  # a gap that must stay a gap
            rows.append((geo, "beds_per_1000", year, base - 0.1 * (year - 2000),
                         "per 1,000 people", "estimate", "WB-WDI"))
            rows.append((geo, "pop_65plus_pct_pop", year, base * 4 + (year - 2000),
                         "% of total population",
                         "projection" if year >= 2004 else "estimate", "UN-WPP2019"))
    return pd.DataFrame(rows, columns=["geography", "indicator", "year", "value", "unit",
                                       "status", "source_id"])


def _footer(fig: Figure) -> str:
    return next(t.get_text() for t in fig.texts if t.get_text().startswith("Sources:"))


def test_trend_grid_panels_colours_labels_footer(df):
    fig = trend_grid(df, titles={"beds_per_1000": "Beds"})
    assert isinstance(fig, Figure)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["Beds", "pop_65plus_pct_pop"]
    labels = [t.get_text() for t in visible[-1].get_legend().get_texts()]
    assert labels[:3] == ["Netherlands", "Italy", UK]
    assert "projection or status unstated" in labels
    colours = {to_hex(line.get_color()) for line in visible[0].lines}
    assert colours == {cases.palette()[k].lower() for k in ("NLD", "ITA", "GBR")}
    footer = _footer(fig)
    assert "World Bank" in footer and "UN DESA" in footer


def test_trend_grid_keeps_gaps_and_dashes_projections(df):
    fig = trend_grid(df, source=None)
    beds, ageing = fig.axes[0], fig.axes[1]
    gbr = next(line for line in beds.lines
               if to_hex(line.get_color()) == cases.palette()["GBR"].lower())
    ys = np.asarray(gbr.get_ydata(), dtype=float)
    assert np.isnan(ys[list(gbr.get_xdata()).index(2003)])
    dashed = [line for line in ageing.lines if line.get_linestyle() == "--"]
    assert len(dashed) == 3
    assert min(dashed[0].get_xdata()) == 2003  # joins the last estimate, 2003
    assert not fig.texts  # no source column: no footer


def test_latest_dotplot_names_the_year(df):
    fig = latest_dotplot(latest(df))
    labels = [ax.get_yticklabels()[0].get_text() for ax in fig.axes]
    # GBR lacks 2003 and 2004-2005 are projections: 2002 is the latest common estimate.
    assert labels == ["beds_per_1000 (2005)", "pop_65plus_pct_pop (2002)"]
    assert _footer(fig)


def test_indexed_trend_returns_axes_and_uses_given_ax(df):
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    indexed = index_to(df[df["indicator"] == "beds_per_1000"], 2000)
    out = indexed_trend(indexed, ax=ax)
    assert out is ax
    assert isinstance(out, Axes)
    assert out.get_ylabel() == "Index (2000 = 100)"
    assert [t.get_text() for t in out.get_legend().get_texts()] == ["Netherlands", "Italy", UK]
    assert _footer(out.figure)


def test_dispersion_plot_from_convergence(df):
    ax = convergence(df[df["status"] == "estimate"]).plot()
    assert ax.get_ylabel() == "Coefficient of variation across states"
    assert {line.get_label() for line in ax.lines} == {"Hospital beds per 1,000 people",
                                                        "Population aged 65+, % of total"}
    assert _footer(ax.figure)
    import matplotlib.pyplot as plt

    _, own = plt.subplots()
    assert dispersion(convergence(df).years, ax=own, source=None) is own
    assert not own.figure.texts
    assert {line.get_label() for line in own.lines} == {"beds_per_1000", "pop_65plus_pct_pop"}


def test_footer_cites_every_id_of_a_several_source_cell_and_skips_blank_cells(df):
    fig = trend_grid(df.assign(source_id="WB-WDI;UN-WPP2019"))
    footer = _footer(fig)
    assert "World Bank" in footer and "UN DESA" in footer
    assert not trend_grid(df.assign(source_id="")).texts


def test_unknown_source_id_is_refused(df):
    from casestudy.errors import CaseStudyError

    with pytest.raises(CaseStudyError, match="NOPE"):
        trend_grid(df.assign(source_id="NOPE"))

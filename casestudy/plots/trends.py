"""Indicator trends: small multiples, latest-year dot plot, indexed trends, dispersion.

All take tidy data (``data=`` plus column names), colour geographies by the case registry
(``NLD``/``ITA``/``GBR`` or case codes), label the UK "United Kingdom (Scotland and
England)", and write a source footer built from the ``source_id`` column.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from casestudy import cases
from casestudy.plots._style import new_axes, source_footer, use_style


def _keys(values: pd.Series) -> list[str]:
    present = [str(v) for v in values.dropna().unique()]
    return cases.order(present) + sorted(set(present) - set(cases.order(present)))


def _footer(target: Figure | Axes, data: pd.DataFrame, source: str | None,
            note: str | None) -> None:
    if not source or source not in data.columns:
        return
    # The column's distinct cells as they are: source_footer splits "A;B" cells itself.
    cells = pd.Series(data[source].dropna().astype(str).unique())
    if (cells.str.strip(" ;") != "").any():
        source_footer(target, cells, note=note)


#: Panel width in inches in ``trend_grid``; titles wrap to it.
_PANEL_WIDTH = 3.3
#: Width of an average bold character of a 9 pt panel title, in inches (≈ 0.68 em).
_TITLE_CHAR_INCH = 9 / 72 * 0.68


def _panel_title(text: str) -> str:
    """A panel title wrapped to its panel, so neighbouring titles never run together."""
    return textwrap.fill(text, width=int(_PANEL_WIDTH / _TITLE_CHAR_INCH))


def _legend(ax: Axes, keys: list[str], *, dashed_note: bool) -> None:
    """Legend beside the top-right panel: clear of a suptitle, and counted by the layout."""
    colours = cases.palette(keys)
    handles = [Line2D([], [], color=colours[k], marker="o", lw=1.5, label=cases.label(k))
               for k in keys]
    if dashed_note:
        handles.append(Line2D([], [], color="#666666", ls="--", lw=1.2,
                              label="projection or status unstated"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8,
              borderaxespad=0)


def trend_grid(data: pd.DataFrame, *, x: str = "year", y: str = "value",
               hue: str = "geography", col: str = "indicator", col_wrap: int = 3,
               status: str | None = "status", source: str | None = "source_id",
               titles: dict[str, str] | None = None, note: str | None = None) -> Figure:
    """Small multiples: one panel per ``col`` value, one line per ``hue`` value.

    Each panel has its own y scale. Points whose ``status`` is not ``estimate`` (projections,
    or years whose status the publisher does not state) are drawn dashed; gaps in a series
    stay gaps. ``titles`` maps panel keys to titles.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["NLD", "NLD", "GBR", "GBR"], "indicator": "x",
    ...                    "year": [2000, 2001] * 2, "value": [1.0, 2.0, 2.0, 3.0]})
    >>> fig = trend_grid(df, source=None)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['Netherlands', 'United Kingdom (Scotland and England)']
    """
    use_style()
    panels = list(dict.fromkeys(data[col]))
    ncols = min(col_wrap, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols,
                             figsize=(_PANEL_WIDTH * ncols + 2.4, 2.5 * nrows + 0.8),
                             layout="constrained", squeeze=False)
    keys = _keys(data[hue])
    colours = cases.palette(keys)
    dashed = False
    for ax, panel in zip(axes.flat, panels, strict=False):
        part = data[data[col] == panel]
        for key in keys:
            series = part[part[hue].astype(str) == key].sort_values(x)
            if series.empty:
                continue
            # Reindex over the full year span so missing years break the line.
            years = range(int(series[x].min()), int(series[x].max()) + 1)
            full = series.set_index(x).reindex(years)
            solid = full[y].copy()
            if status and status in full.columns:
                later = full[status].notna() & (full[status] != "estimate")
                if later.any():
                    dashed = True
                    first = later.idxmax()
                    solid[solid.index >= first] = float("nan")
                    ax.plot(full.index[full.index >= first - 1],
                            full[y][full.index >= first - 1], color=colours[key], ls="--",
                            lw=1.3)
            ax.plot(full.index, solid, color=colours[key], lw=1.6, marker="o", ms=2.2)
        ax.set_title(_panel_title((titles or {}).get(panel, str(panel))), fontsize=9)
        unit = part["unit"].iloc[0] if "unit" in part.columns and len(part) else ""
        ax.set_ylabel(unit, fontsize=8)
        ax.set_xlabel("")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    _legend(axes[0, ncols - 1], keys, dashed_note=dashed)
    _footer(fig, data, source, note)
    return fig


def latest_dotplot(data: pd.DataFrame, *, x: str = "value", y: str = "indicator",
                   hue: str = "geography", year: str | None = "year",
                   source: str | None = "source_id", titles: dict[str, str] | None = None,
                   note: str | None = None) -> Figure:
    """One strip per ``y`` value (own x scale), one dot per ``hue`` value, year in the label.

    Feed it ``indicators.latest(df)`` so each strip compares like with like; the strip's
    label names the year used.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["NLD", "ITA"], "indicator": "beds_per_1000",
    ...                    "year": 2018, "value": [3.17, 3.14]})
    >>> latest_dotplot(df, source=None).axes[0].get_yticklabels()[0].get_text()
    'beds_per_1000 (2018)'
    """
    use_style()
    rows = list(dict.fromkeys(data[y]))
    fig, axes = plt.subplots(len(rows), 1, figsize=(9, 0.75 * len(rows) + 1.0),
                             layout="constrained", squeeze=False)
    keys = _keys(data[hue])
    colours = cases.palette(keys)
    for ax, row in zip(axes[:, 0], rows, strict=True):
        part = data[data[y] == row].dropna(subset=[x])
        ax.hlines(0, part[x].min(), part[x].max(), color="#bbbbbb", lw=1, zorder=1)
        for key in keys:
            point = part[part[hue].astype(str) == key]
            if not point.empty:
                ax.scatter(point[x], [0] * len(point), color=colours[key], s=45, zorder=3,
                           edgecolor="white", linewidth=0.6)
        label = (titles or {}).get(row, str(row))
        years = sorted({int(v) for v in part[year].dropna()}) if year in part.columns else []
        if years:
            label += f" ({', '.join(map(str, years))})"
        ax.set_yticks([0], [label])
        ax.set_ylim(-1, 1)
        ax.grid(axis="y", visible=False)
        ax.margins(x=0.15)
        ax.tick_params(axis="x", labelsize=7)
    _legend(axes[0, 0], keys, dashed_note=False)
    _footer(fig, data, source, note)
    return fig


def indexed_trend(data: pd.DataFrame, *, x: str = "year", y: str = "index",
                  hue: str = "geography", base_year: int | None = None,
                  ax: Axes | None = None, source: str | None = "source_id",
                  note: str | None = None) -> Axes:
    """Indexed series (base year = 100) on one axis, one line per ``hue`` value.

    Feed it ``indicators.index_to(df, year)`` for one indicator; ``base_year`` defaults to
    the ``base_year`` column.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": "NLD", "year": [2000, 2001], "index": [100, 110.0],
    ...                    "base_year": 2000})
    >>> indexed_trend(df, source=None).get_ylabel()
    'Index (2000 = 100)'
    """
    ax = new_axes(ax)
    keys = _keys(data[hue])
    colours = cases.palette(keys)
    for key in keys:
        series = data[data[hue].astype(str) == key].sort_values(x)
        years = range(int(series[x].min()), int(series[x].max()) + 1)
        full = series.set_index(x).reindex(years)
        ax.plot(full.index, full[y], color=colours[key], lw=1.8, marker="o", ms=2.5,
                label=cases.label(key))
    if base_year is None and "base_year" in data.columns:
        base_year = int(data["base_year"].iloc[0])
    ax.axhline(100, color="#666666", lw=0.8, ls=":")
    ax.set_ylabel(f"Index ({base_year} = 100)" if base_year else "Index")
    ax.set_xlabel("")
    ax.legend(fontsize=8)
    _footer(ax, data, source, note)
    return ax


def dispersion(data: pd.DataFrame, *, x: str = "year", y: str = "cv",
               hue: str = "indicator", labels: Mapping[str, str] | None = None,
               ax: Axes | None = None, source: str | None = "source_id",
               note: str | None = None) -> Axes:
    """Coefficient of variation across geographies by year, one line per indicator.

    ``labels`` maps ``hue`` values to the names shown in the legend (e.g. indicator titles).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"indicator": "x", "year": [2000, 2001], "cv": [0.2, 0.1]})
    >>> dispersion(df).get_ylabel()
    'Coefficient of variation across states'
    """
    ax = new_axes(ax)
    for key, series in data.groupby(hue, sort=True):
        ax.plot(series[x], series[y], lw=1.6, marker="o", ms=2.5,
                label=(labels or {}).get(str(key), str(key)))
    ax.set_ylabel("Coefficient of variation across states")
    ax.set_xlabel("")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _footer(ax, data, source, note)
    return ax

"""Figures of coded evidence: theme-by-case heatmap, facilitator/barrier bars by tier,
co-occurrence heatmap. Each takes tidy ``data=`` plus column names, accepts ``ax=`` and
returns the Axes (or the Figure for small multiples), as seaborn does.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from casestudy import cases
from casestudy.plots import new_axes, use_style
from casestudy.qual.evidence import DIRECTIONS, order

#: Facilitators blue, barriers vermilion, neutral grey (Okabe & Ito), as in the bars.
DIRECTION_COLOURS = {"facilitator": "#0072B2", "barrier": "#D55E00", "neutral": "#999999"}


def _heatmap(matrix: pd.DataFrame, ax: Axes, **kwargs: Any) -> None:
    """``seaborn.heatmap`` without the whole-figure draw it makes (``fig.canvas.draw()``)
    to see whether tick labels overlap before it turns them; the callers here set both
    rotations themselves. That draw laid out and rendered the unfinished figure once per
    heatmap: four times for the four panels of ``perspective_heatmaps``, most of its cost.
    On a bare canvas, which draws nothing, seaborn measures the labels without it."""
    fig = ax.figure
    canvas = fig.canvas
    FigureCanvasBase(fig)
    try:
        sns.heatmap(matrix, ax=ax, **kwargs)
    finally:
        fig.set_canvas(canvas)


def theme_heatmap(data: pd.DataFrame, *, x: str = "case", y: str = "theme",
                  value: str | None = None, ax: Axes | None = None,
                  annot: bool = True, cmap: str = "Blues") -> Axes:
    """Counts of segments per ``y`` (themes) and ``x`` (cases), as a heatmap.

    ``data`` is either the evidence table (rows are counted) or a tidy table with the
    counts in ``value``. Cases run in registry order and are labelled by name.

    >>> ev = pd.DataFrame({"case": ["NL", "IT", "NL"], "theme": ["a", "a", "b"]})
    >>> [t.get_text() for t in theme_heatmap(ev).get_xticklabels()]
    ['Netherlands', 'Italy']
    """
    frame = data.copy()
    frame[x] = frame[x].astype("string")
    frame[y] = frame[y].astype("string")
    if value is None:
        table = frame.groupby([y, x]).size().unstack(fill_value=0)
    else:
        table = frame.pivot_table(index=y, columns=x, values=value, aggfunc="sum",
                                  fill_value=0)
    table = table.reindex(index=order(frame[y], y), columns=order(frame[x], x),
                          fill_value=0)
    table.index.name, table.columns.name = y, x
    return count_heatmap(table, ax=ax, annot=annot, cmap=cmap,
                         fmt="d" if value is None else "g")


def count_heatmap(matrix: pd.DataFrame, *, ax: Axes | None = None, annot: bool = True,
                  cmap: str = "Blues", fmt: str = "g") -> Axes:
    """A wide table of counts (e.g. ``FrameworkMatrix.counts().T``: themes down, cases
    across) as a heatmap, in the table's own order; case columns (``columns.name ==
    "case"``) are labelled by name.

    >>> m = pd.DataFrame({"NL": [2, 0]}, index=["a", "b"]).rename_axis(columns="case")
    >>> [t.get_text() for t in count_heatmap(m).get_xticklabels()]
    ['Netherlands']
    """
    ax = new_axes(ax, figsize=(1.2 * max(len(matrix.columns), 3) + 3,
                               0.32 * max(len(matrix), 4) + 1.2))
    _heatmap(matrix, ax, annot=annot, fmt=fmt, cmap=cmap, cbar=False, linewidths=0.5,
             linecolor="white")
    if matrix.columns.name == "case":
        ax.set_xticklabels([cases.label(c) for c in matrix.columns])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=0)
    ax.tick_params(axis="y", rotation=0)
    ax.grid(False)
    return ax


def direction_bars(data: pd.DataFrame, *, y: str = "tier", direction: str = "direction",
                   col: str | None = None, ax: Axes | None = None) -> Axes | Figure:
    """Facilitators (right) and barriers (left) per ``y`` (tier), from the evidence table.

    With ``col="case"`` draws one panel per case and returns the Figure.

    >>> ev = pd.DataFrame({"tier": ["national", "national"], "direction": ["barrier",
    ...                    "facilitator"], "case": ["NL", "NL"]})
    >>> [float(p.get_width()) for p in direction_bars(ev).patches]
    [1.0, -1.0]
    """
    if col is not None:
        use_style()
        panels = order(data[col], col)
        fig, axes = plt.subplots(1, len(panels), figsize=(2.6 * len(panels) + 1, 3.2),
                                 sharey=True, sharex=True, layout="constrained",
                                 squeeze=False)
        for a, key in zip(axes[0], panels, strict=True):
            direction_bars(data[data[col].astype("string") == key], y=y,
                           direction=direction, ax=a)
            a.set_title(cases.label(key) if col == "case" else key)
            a.get_legend().remove()
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside upper right", fontsize=7, ncols=2)
        return fig
    ax = new_axes(ax, figsize=(6, 3.2))
    frame = data.copy()
    frame[y] = frame[y].astype("string")
    levels = order(frame[y], y)
    counts = pd.crosstab(frame[y], frame[direction].astype("string")).reindex(
        index=levels, columns=list(DIRECTIONS), fill_value=0)
    pos = np.arange(len(levels))[::-1]
    ax.barh(pos, counts["facilitator"], color=DIRECTION_COLOURS["facilitator"],
            label="facilitator")
    ax.barh(pos, -counts["barrier"], color=DIRECTION_COLOURS["barrier"], label="barrier")
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_yticks(pos, levels)
    # Barriers are drawn leftwards; label their counts without the minus sign.
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):g}"))
    ax.set_xlabel("segments: barriers ← → facilitators")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="best", fontsize=7)
    return ax


def cooccurrence_heatmap(matrix: pd.DataFrame, *, measure: str = "count",
                         ax: Axes | None = None, annot: bool = True,
                         label: str | None = None) -> Axes:
    """A theme-by-theme co-occurrence matrix (``Cooccurrence.matrix()``) as a heatmap;
    the lower triangle only, since the matrix is symmetric. ``label`` names the colour
    scale (default: what ``measure`` counts)."""
    n = len(matrix)
    ax = new_axes(ax, figsize=(0.45 * n + 3, 0.4 * n + 2))
    mask = np.triu(np.ones((n, n), dtype=bool))
    _heatmap(matrix.astype(float), ax, mask=mask, annot=annot and n <= 25,
             fmt=".0f" if measure == "count" else ".2f", cmap="Purples", cbar=True,
             cbar_kws={"label": label or ("units with both themes" if measure == "count"
                                          else "Jaccard")},
             linewidths=0.5, linecolor="white", square=True)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=90)
    ax.tick_params(axis="y", rotation=0)
    ax.grid(False)
    return ax


def perspective_heatmaps(data: pd.DataFrame, *, x: str = "tier", y: str = "perspective",
                         col: str = "case", value: str = "n") -> Figure:
    """Counts of segments per ``y`` (perspective) and ``x`` (tier), one panel per ``col``
    (case, labelled by name), on one colour scale; zero cells are left blank so that the
    missing voices stand out. ``data`` is tidy (``Voices.table()``). Returns the Figure.

    >>> tbl = pd.DataFrame({"case": ["NL", "IT"], "perspective": ["frontline staff"] * 2,
    ...                     "tier": ["national"] * 2, "n": [1, 0]})
    >>> [a.get_title() for a in perspective_heatmaps(tbl).axes]
    ['Netherlands', 'Italy']
    """
    use_style()
    panels = order(data[col].astype("string"), col)
    rows = order(data[y].astype("string"), y)
    cols = order(data[x].astype("string"), x)
    top = max(int(data[value].max()), 1)
    fig, axes = plt.subplots(1, len(panels), figsize=(2.3 * len(panels) + 2.6,
                                                      0.36 * len(rows) + 1.9),
                             sharey=True, layout="constrained", squeeze=False)
    for ax, key in zip(axes[0], panels, strict=True):
        sub = data[data[col].astype("string") == key]
        grid = (sub.assign(**{x: sub[x].astype("string"), y: sub[y].astype("string")})
                .pivot_table(index=y, columns=x, values=value, aggfunc="sum", fill_value=0)
                .reindex(index=rows, columns=cols, fill_value=0))
        _heatmap(grid, ax, mask=grid.to_numpy() == 0, annot=True, fmt="d", cmap="Blues",
                 vmin=0, vmax=top, cbar=False, linewidths=0.5, linecolor="#dddddd")
        ax.set_facecolor("white")
        ax.set_title(cases.label(key) if col == "case" else key)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", rotation=90)
        ax.tick_params(axis="y", rotation=0)
        ax.grid(False)
    return fig

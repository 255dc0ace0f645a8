"""Figures of the synthesis: the joint display grid (lessons by strands) and the bars of one
lesson's evidence trail. Each takes tidy ``data=`` plus column names, accepts ``ax=`` and
returns the Axes, as seaborn does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from casestudy.plots._style import new_axes

#: Support → (fill, hatch, legend label); the hatches keep the grid readable in greyscale.
SUPPORT_STYLE: dict[str, tuple[str, str, str]] = {
    "agreement": ("#0072B2", "", "agreement (for only)"),
    "partial agreement": ("#CC79A7", "..", "partial agreement (for and against)"),
    "dissonance": ("#D55E00", "//", "dissonance (against only)"),
    "silence": ("#FFFFFF", "", "silence (no reference)"),
}


def _label(n_for: int, n_against: int) -> str:
    return " / ".join(p for p in (f"+{n_for}" if n_for else "",
                                  f"−{n_against}" if n_against else "") if p)


def joint_display_grid(data: pd.DataFrame, *, x: str = "strand", y: str = "lesson_id",
                       support: str = "support", n_for: str = "n_for",
                       n_against: str = "n_against", ax: Axes | None = None) -> Axes:
    """Lessons (``y``, top to bottom in data order) by strands (``x``): each cell filled by
    its support (agreement, partial agreement, dissonance, silence) and labelled with its
    references for (+) and against (−). ``data`` is ``JointDisplay.table()``.

    >>> cells = pd.DataFrame({"lesson_id": ["L01", "L01"], "strand": ["evidence", "impact"],
    ...     "support": ["agreement", "silence"], "n_for": [2, 0], "n_against": [0, 0]})
    >>> [t.get_text() for t in joint_display_grid(cells).texts]
    ['+2']
    """
    rows = list(dict.fromkeys(data[y]))
    cols = list(dict.fromkeys(data[x]))
    levels = list(SUPPORT_STYLE)
    ax = new_axes(ax, figsize=(1.3 * len(cols) + 1.6, 0.34 * len(rows) + 1.6))
    codes = np.full((len(rows), len(cols)), levels.index("silence"))
    for r in data.itertuples(index=False):
        codes[rows.index(getattr(r, y)), cols.index(getattr(r, x))] = \
            levels.index(getattr(r, support))
    # A grid of categories is a heatmap; the hatches are drawn over it for greyscale print.
    ax.pcolormesh(np.arange(len(cols) + 1), np.arange(len(rows) + 1), codes,
                  cmap=ListedColormap([SUPPORT_STYLE[k][0] for k in levels]),
                  norm=BoundaryNorm(np.arange(len(levels) + 1) - 0.5, len(levels)),
                  edgecolors="#bbbbbb", linewidth=0.6)
    for r in data.itertuples(index=False):
        i, j = rows.index(getattr(r, y)), cols.index(getattr(r, x))
        hatch = SUPPORT_STYLE[getattr(r, support)][1]
        if hatch:
            ax.add_patch(Rectangle((j, i), 1, 1, fill=False, hatch=hatch,
                                   edgecolor="#f4f4f4", linewidth=0))
        text = _label(int(getattr(r, n_for)), int(getattr(r, n_against)))
        if text:
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=8,
                    color="#111111", bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                                           "edgecolor": "none", "alpha": 0.85})
    ax.set_xlim(0, len(cols))
    ax.set_ylim(len(rows), 0)
    ax.set_xticks(np.arange(len(cols)) + 0.5, cols)
    ax.set_yticks(np.arange(len(rows)) + 0.5, rows)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    handles = [Patch(facecolor=fill, hatch=hatch, edgecolor="#999999", label=label)
               for fill, hatch, label in SUPPORT_STYLE.values()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7,
              frameon=False, title="support", title_fontsize=7)
    return ax


def trail_bars(data: pd.DataFrame, *, y: str = "strand", stance: str = "stance",
               ax: Axes | None = None, title: str | None = None) -> Axes:
    """References for (right, blue) and against (left, vermilion) per ``y`` (strand), from
    ``Trail.table()``; every strand of the synthesis gets a row.

    >>> t = pd.DataFrame({"strand": ["evidence", "evidence"], "stance": ["for", "against"]})
    >>> sorted(float(p.get_width()) for p in trail_bars(t).patches if p.get_width())
    [-1.0, 1.0]
    """
    from casestudy.synthesis import STRANDS

    ax = new_axes(ax, figsize=(5.5, 2.6))
    counts = pd.crosstab(data[y], data[stance]).reindex(
        index=list(STRANDS), columns=["for", "against"], fill_value=0)
    pos = np.arange(len(counts))[::-1]
    ax.barh(pos, counts["for"], color="#0072B2", label="for")
    ax.barh(pos, -counts["against"], color="#D55E00", label="against", hatch="//",
            edgecolor="white")
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_yticks(pos, counts.index)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):g}"))
    ax.set_xlabel("references: against ← → for")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="best", fontsize=7)
    if title:
        ax.set_title(title)
    return ax

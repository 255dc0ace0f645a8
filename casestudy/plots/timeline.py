"""Dated events per case: one panel per case, labels packed so none overlap."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator

from casestudy import cases
from casestudy.plots._style import use_style

_FONT = 7.0
#: Width of an average character of the label font, in inches (DejaVu Sans ≈ 0.55 em).
_CHAR_INCH = _FONT / 72 * 0.55


def _levels(starts: list[float], widths: list[float], gap: float) -> list[int]:
    """Greedy interval packing: each label goes on the lowest level where it fits."""
    ends: list[float] = []
    out = []
    for start, width in zip(starts, widths, strict=True):
        for level, end in enumerate(ends):
            if start > end + gap:
                ends[level] = start + width
                out.append(level)
                break
        else:
            ends.append(start + width)
            out.append(len(ends) - 1)
    return out


def timeline(data: pd.DataFrame, *, x: str = "date", y: str = "case", label: str = "event",
             width: float = 10.0) -> Figure:
    """Small multiples of dated events: one row per case or unit (registry order), shared
    time axis.

    Each event is a dot on its case's line with a stem up to its label; labels are stacked
    on as many levels as they need so that none overlap.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"case": ["SCO", "ENG"], "event": ["Act", "ICBs"],
    ...                    "date": pd.to_datetime(["2014-04-01", "2022-07-01"])})
    >>> [ax.get_ylabel() for ax in timeline(df).axes]
    ['Scotland', 'England']
    """
    use_style()
    frame = data.assign(**{x: pd.to_datetime(data[x]), y: data[y].astype(str)})
    # Registry order; unit codes get lanes too (after the cases), in their case's colour.
    lanes = cases.order(set(frame[y]))
    lo, hi = frame[x].min(), frame[x].max()
    pad = (hi - lo) * 0.02 + pd.Timedelta(days=60)
    # Room on the right for the labels of the latest events (about 40 characters).
    x0, x1 = mdates.date2num(lo - pad), mdates.date2num(hi + (hi - lo) * 0.27 + pad)
    days_per_inch = (x1 - x0) / (width * 0.86)
    placed = {}
    for code in lanes:
        sub = frame[frame[y] == code].sort_values(x, kind="mergesort")
        starts = list(mdates.date2num(sub[x]))
        widths = [(len(str(t)) + 1) * _CHAR_INCH * days_per_inch for t in sub[label]]
        placed[code] = (sub, _levels(starts, widths, gap=0.05 * days_per_inch))
    heights = [1.2 + 0.22 * (max(levels) + 1) for _, levels in placed.values()]
    fig, axes = plt.subplots(len(lanes), 1, sharex=True, squeeze=False, layout="constrained",
                             figsize=(width, sum(heights)), height_ratios=heights)
    colour = cases.palette(lanes)
    for ax, code in zip(axes[:, 0], lanes, strict=True):
        sub, levels = placed[code]
        top = max(levels) + 1
        ax.axhline(0, color=colour[code], lw=3, alpha=0.35, zorder=0)
        ax.scatter(sub[x], [0] * len(sub), color=colour[code], s=22, zorder=3,
                   edgecolor="white", linewidth=0.6)
        # The stems as one collection per lane, not one per event: half the artists to lay
        # out and draw, in each of the figure's files.
        ax.vlines(sub[x], 0, [level + 0.7 for level in levels], color=colour[code], lw=0.6,
                  alpha=0.6)
        for when, text, level in zip(sub[x], sub[label], levels, strict=True):
            ax.text(when, level + 0.75, f" {text}", fontsize=_FONT, va="center", ha="left")
        ax.set_ylim(-0.6, top + 0.4)
        ax.set_yticks([])
        ax.set_ylabel(cases.label(code), rotation=0, ha="right", va="center",
                      fontweight="bold", color=colour[code])
        ax.spines[["left", "top", "right"]].set_visible(False)
        ax.grid(axis="y", visible=False)
    axes[-1, 0].set_xlim(x0, x1)
    # The ticks YearLocator(2) would give (1 January of even years), placed once: the
    # locator recomputed them with dateutil's rrule for every lane at every draw.
    first, last = mdates.num2date(x0).year, mdates.num2date(x1).year
    years = [mdates.date2num(pd.Timestamp(year=y, month=1, day=1))
             for y in range(first + first % 2, last + 1, 2)]
    axes[-1, 0].xaxis.set_major_locator(FixedLocator([t for t in years if x0 <= t <= x1]))
    axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    return fig

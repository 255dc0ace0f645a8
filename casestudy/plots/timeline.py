"""Dated events per case on a shared time axis."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from casestudy import cases
from casestudy.plots._style import new_axes


def timeline(data: pd.DataFrame, *, x: str = "date", y: str = "case", label: str = "event",
             ax: Axes | None = None, start: str | None = None) -> Axes:
    """One lane per case (registry order), a dot and a label per dated event.

    Labels alternate above and below the lane so neighbouring events stay legible.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"case": ["SCO", "ENG"], "event": ["Act", "ICBs"],
    ...                    "date": pd.to_datetime(["2014-04-01", "2022-07-01"])})
    >>> timeline(df).get_yticklabels()[0].get_text()
    'England'
    """
    ax = new_axes(ax, figsize=(9, 4.5))
    frame = data.copy()
    if start is not None:
        frame = frame[frame[x] >= pd.Timestamp(start)]
    lanes = [c for c in cases.codes() if c in set(frame[y].astype(str))]
    lane_pos = {code: i for i, code in enumerate(reversed(lanes))}
    colours = cases.palette()
    for code in lanes:
        sub = frame[frame[y].astype(str) == code].sort_values(x)
        ypos = lane_pos[code]
        ax.axhline(ypos, color=colours[code], alpha=0.25, lw=6, zorder=0)
        ax.scatter(sub[x], [ypos] * len(sub), color=colours[code], zorder=3, s=28,
                   edgecolor="white", linewidth=0.6)
        for i, (when, text) in enumerate(zip(sub[x], sub[label], strict=True)):
            offset = 0.18 if i % 2 == 0 else -0.18
            ax.annotate(str(text), xy=(when, ypos), xytext=(when, ypos + offset),
                        textcoords="data", fontsize=6.5, ha="left",
                        va="bottom" if offset > 0 else "top", annotation_clip=False)
    ax.set_yticks(list(lane_pos.values()), [cases.label(c) for c in lane_pos])
    ax.set_ylim(-0.7, len(lanes) - 0.3)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("")
    return ax

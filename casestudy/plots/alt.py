"""Alternative text generated from a matplotlib Figure: what a sighted reader sees.

``describe(fig)`` reads the figure's artists, not the code that drew it: the kind of chart
(line, bar, dot, scatter, heatmap), its panels, what the axes show, the series in the
legends, the range of years or periods on the horizontal axis and the study's cases that
appear. ``alt_text(fig, caption)`` adds the finding, so the result says both what the
chart is and what it shows, in full sentences.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = ax.plot([2000, 2010, 2020], [1, 2, 3], label="Italy")
>>> _ = ax.set_ylabel("% of GDP")
>>> for sentence in describe(fig).split(". "):
...     print(sentence)
Line chart
Vertical axis: % of GDP
Horizontal axis: 2000 to 2020
Series: Italy
Cases shown: Italy.
>>> plt.close(fig)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.collections import LineCollection, PathCollection, PolyCollection, QuadMesh
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.text import Text

#: Panel titles and series named in full before "and N more".
MAX_NAMED = 8


def _join(items: list[str]) -> str:
    """"a, b and c"; with semicolons when an item has its own commas."""
    sep = "; " if any("," in item for item in items) else ", "
    if len(items) > MAX_NAMED:
        return f"{sep.join(items[:MAX_NAMED])} and {len(items) - MAX_NAMED} more"
    if len(items) <= 2:
        return " and ".join(items)
    return f"{sep.join(items[:-1])} and {items[-1]}"


def _data_lines(ax: Axes) -> list[Line2D]:
    """Lines that carry data: not reference lines spanning the axes (axhline, axvline)."""
    out = []
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        x = np.asarray(line.get_xdata(orig=False), dtype=float)
        if x.size < 2:
            continue
        # axhline/axvline use a transform blended with axes coordinates, not the data's.
        if not line.get_transform().contains_branch(ax.transData):
            continue
        out.append(line)
    return out


def _kind(ax: Axes) -> str | None:
    """The chart kind an Axes shows, judged from its artists (None for an empty Axes)."""
    if any(isinstance(a, AxesImage | QuadMesh) for a in [*ax.images, *ax.collections]):
        return "heatmap"
    # Boxes joined by arrows (governance maps): a diagram, whatever bands sit behind it.
    if any(isinstance(p, FancyArrowPatch) for p in ax.patches):
        return "network diagram"
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    # Rectangles in data coordinates only: a shaded span (axvspan) is a marker, not a bar.
    rects = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() != 0
             and p.get_height() != 0 and p.get_transform().contains_branch(ax.transData)]
    if bars or rects:
        return "bar chart"
    points = [c for c in ax.collections if isinstance(c, PathCollection)
              and len(c.get_offsets())]
    lines = _data_lines(ax)
    # Straight two-point lines beside points are guides (a diagonal, a fit), not series.
    if lines and not (points and all(len(line.get_xdata()) <= 2 for line in lines)):
        return "line chart"
    if points:
        offsets = np.vstack([np.asarray(c.get_offsets(), dtype=float) for c in points])
        # Every point on one line (a strip): a dot plot, not an x-y scatter.
        on_a_line = min(len(np.unique(np.round(offsets[:, i], 9))) for i in (0, 1)) == 1
        return "dot plot" if on_a_line else "scatter plot"
    if any(isinstance(c, LineCollection | PolyCollection) for c in ax.collections):
        return "line chart"
    return None


def _is_dates(ax: Axes) -> bool:
    formatter = ax.xaxis.get_major_formatter()
    return isinstance(formatter, mdates.DateFormatter | mdates.AutoDateFormatter
                      | mdates.ConciseDateFormatter)


def _x_values(ax: Axes) -> np.ndarray:
    values = [np.asarray(line.get_xdata(orig=False), dtype=float) for line in _data_lines(ax)]
    for coll in ax.collections:
        if isinstance(coll, PathCollection) and len(coll.get_offsets()):
            values.append(np.asarray(coll.get_offsets(), dtype=float)[:, 0])
    finite = [v[np.isfinite(v)] for v in values]
    return np.concatenate(finite) if finite else np.array([])


def _period(axes: list[Axes]) -> str | None:
    """The span of the horizontal axis as years or months, when it is a time axis."""
    lo: float | None = None
    hi: float | None = None
    dates = False
    for ax in axes:
        x = _x_values(ax)
        if not x.size:
            continue
        if _is_dates(ax):
            dates = True
        elif not (np.allclose(x, np.round(x)) and x.min() >= 1800 and x.max() <= 2100):
            continue
        lo = x.min() if lo is None else min(lo, x.min())
        hi = x.max() if hi is None else max(hi, x.max())
    if lo is None or hi is None:
        return None
    if dates:
        start: dt.datetime = mdates.num2date(lo)
        end: dt.datetime = mdates.num2date(hi)
        if (start.month, start.day, end.month, end.day) == (1, 1, 1, 1) or start.day != 1:
            return f"{start.year} to {end.year}"
        return f"{start:%B %Y} to {end:%B %Y}"
    return f"{int(lo)} to {int(hi)}"


def _legend_labels(fig: Figure, axes: list[Axes]) -> list[str]:
    legends = [ax.get_legend() for ax in axes] + list(fig.legends)
    labels: dict[str, None] = {}
    for legend in legends:
        if legend is not None:
            for text in legend.get_texts():
                if text.get_text().strip():
                    labels.setdefault(text.get_text().strip(), None)
    if not labels:
        for ax in axes:
            for line in _data_lines(ax):
                name = str(line.get_label())
                if name and not name.startswith("_"):
                    labels.setdefault(name, None)
    return list(labels)


def _all_text(fig: Figure) -> str:
    # Tick labels exist only once the figure is drawn: describe a saved figure.
    from casestudy.plots._style import FOOTER_GID

    return " ".join(t.get_text() for t in fig.findobj(Text)
                    if t.get_visible() and t.get_gid() != FOOTER_GID)


def cases_shown(fig: Figure, series: Iterable[str] = ()) -> list[str]:
    """The study's cases (registry names) whose name or code appears in the figure's text
    or in the names of its ``series``.

    A UK label ("United Kingdom (Scotland and England)") names both UK cases, so it counts
    as the United Kingdom, not as Scotland or England.
    """
    from casestudy import cases

    text = " ".join([_all_text(fig), *series])
    uk = cases.label("GBR")
    plain = text.replace(uk, " ")
    found = []
    for code in cases.codes():
        name = cases.label(code)
        if re.search(rf"\b{re.escape(name)}\b", plain) or re.search(
                rf"(?<![\w-]){re.escape(code)}(?![\w-])", plain):
            found.append(name)
    if uk in text:
        found.append(uk)
    return found


def _panel_axes(fig: Figure) -> list[Axes]:
    """Visible Axes that show something (colour bars and empty panels left out)."""
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"
            and _kind(ax) is not None]


def _unique(items: Iterable[str]) -> list[str]:
    """Distinct non-empty texts in order, each on one line (wrapped titles unwrapped)."""
    return [s for s in dict.fromkeys(" ".join(i.split()) for i in items) if s]


def _categories(axis: Axis) -> list[str]:
    """Tick labels of a categorical axis (text, not numbers); empty for a numeric axis."""
    labels = _unique(t.get_text() for t in axis.get_ticklabels())
    numeric = re.compile(r"^[−\-+]?[\d.,]+%?$")
    return [] if not labels or all(numeric.match(x) for x in labels) else labels


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).rstrip(".").casefold() == " ".join(b.split()).rstrip(".").casefold()


def describe(fig: Figure | Axes, caption: str | None = None) -> str:
    """What the figure is, in sentences: kind, panels, axes, period, series, cases.

    A title that only repeats ``caption`` is not said twice. Tick labels (categories, and
    cases named on them) count only once the figure has been drawn (``plots.show``
    describes it after saving).
    """
    fig = fig.figure if isinstance(fig, Axes) else fig
    axes = _panel_axes(fig)
    if not axes:
        return "Figure without data."
    kinds = _unique(k for ax in axes if (k := _kind(ax)))
    kind = _join(kinds)
    sentences = []
    if len(axes) > 1:
        titles = _unique(ax.get_title() for ax in axes)
        what = f"{kind[0].upper()}{kind[1:]} in {len(axes)} panels"
        sentences.append(f"{what}: {_join(titles)}." if titles else f"{what}.")
    else:
        title = " ".join(axes[0].get_title().split())
        repeated = not title or (caption is not None and _same(title, caption))
        sentences.append(f"{kind[0].upper()}{kind[1:]}" + ("." if repeated
                                                            else f" titled {title}."))
    if kinds in (["heatmap"], ["bar chart"], ["dot plot"]):
        rows = _unique(c for ax in axes for c in _categories(ax.yaxis))
        cols = _unique(c for ax in axes for c in _categories(ax.xaxis))
        if rows:
            sentences.append(f"Rows: {_join(rows)}.")
        if cols:
            sentences.append(f"Columns: {_join(cols)}.")
    ylabels = _unique(ax.get_ylabel() for ax in axes)
    xlabels = _unique(ax.get_xlabel() for ax in axes)
    period = _period(axes)
    if ylabels:
        sentences.append(f"Vertical axis: {_join(ylabels)}.")
    if xlabels or period:
        shown = _join(xlabels) if xlabels else ""
        if period:
            shown = f"{shown}, {period}" if shown else period
        sentences.append(f"Horizontal axis: {shown}.")
    series = _legend_labels(fig, axes)
    if series:
        sentences.append(f"Series: {_join(series)}.")
    shown_cases = cases_shown(fig, series)
    if shown_cases:
        sentences.append(f"Cases shown: {_join(shown_cases)}.")
    return " ".join(sentences)


def sentence(text: str) -> str:
    """``text`` stripped, with a full stop unless it already ends a sentence."""
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?" else f"{text}."


def alt_text(fig: Figure | Axes, caption: str, extra: str | None = None) -> str:
    """Alternative text: the finding (the caption), then the description, then ``extra``."""
    finding = sentence(caption)
    parts = [finding, describe(fig, caption), (extra or "").strip()]
    return " ".join(p for p in parts if p)

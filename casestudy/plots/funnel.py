"""Funnel plot: the units of one case against the case's pooled value, with control limits.

Limits and flags come from ``casestudy.indicators.units.funnel`` (Spiegelhalter 2005; PHE
conventions, stated there). Points take their case's registry colour; units outside the
99.8% limits are labelled with their registry names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from casestudy import cases
from casestudy.errors import CaseStudyError
from casestudy.plots._style import new_axes, source_footer

if TYPE_CHECKING:
    from casestudy.indicators.units import Funnel

# The unit comparisons (and scipy.stats, which they need) load when a funnel is drawn:
# ``casestudy.plots`` imports this module, and most notebooks draw no funnel.


def funnel(data: pd.DataFrame, *, x: str, y: str, unit: str = "geography",
           case: str = "case", y_is: str = "numerator", statistic: str = "proportion",
           method: str | None = None, multiplier: float = 100, target: float | None = None,
           overdispersion_adjust: bool = False, max_labels: int = 8,
           source: str | None = "source_id", note: str | None = None,
           xlabel: str | None = None, ylabel: str | None = None, title: str | None = None,
           ax: Axes | None = None) -> Axes:
    """Funnel plot of one case's units: ``y`` against the denominator ``x``.

    ``y`` is the numerator (``y_is="numerator"``), or the rate already multiplied by
    ``multiplier`` (``y_is="rate"``: the numerator is recovered as rate × x / multiplier).
    The solid line is the case's pooled value; dashed lines the 95% limits, dotted the
    99.8% limits (``overdispersion_adjust`` widens them, see
    ``casestudy.indicators.units.funnel``). Up to ``max_labels`` units outside the 99.8%
    limits are named, the furthest first; when the units differ by more than chance
    (overdispersion, p < 0.05) and the limits are not adjusted, the plot says so. A source
    footer is built from the ``source`` column under the figure the Axes belongs to.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["S08000015", "S08000016", "S08000017"],
    ...                    "case": "SCO", "seen": [100, 500, 1000],
    ...                    "within": [80, 450, 930]})
    >>> ax = funnel(df, x="seen", y="within", source=None)
    >>> [t.get_text() for t in ax.texts]
    ['NHS Ayrshire and Arran']
    """
    if y_is not in ("numerator", "rate"):
        raise ValueError(f"y_is must be 'numerator' or 'rate', not {y_is!r}")
    frame = data.copy()
    numerator = y
    if y_is == "rate":
        numerator = "_numerator"
        frame[numerator] = pd.to_numeric(frame[y]) * pd.to_numeric(frame[x]) / multiplier
    from casestudy.indicators.units import funnel as funnel_table

    result = funnel_table(frame, numerator=numerator, denominator=x, unit=unit, case=case,
                          statistic=statistic, method=method, multiplier=multiplier,
                          target=target, overdispersion_adjust=overdispersion_adjust)
    ax = draw_funnel(result, unit=unit, max_labels=max_labels, xlabel=xlabel or x,
                     ylabel=ylabel or (y if y_is == "rate" else f"{y} per {multiplier:g} {x}"),
                     title=title, ax=ax)
    if source and source in frame.columns:
        cells = pd.Series(frame[source].dropna().astype(str).unique())
        if (cells.str.strip(" ;") != "").any():
            source_footer(ax, cells, note=note)
    return ax


def draw_funnel(result: Funnel, *, unit: str = "geography", max_labels: int = 8,
                xlabel: str = "denominator", ylabel: str = "value",
                title: str | None = None, ax: Axes | None = None) -> Axes:
    """Draw a ``Funnel`` result: pooled value, limits, units, names of 99.8% outliers."""
    from casestudy.indicators.units import LEVELS

    ax = new_axes(ax)
    colour = cases.palette([result.case])[result.case]
    curve = result.curve
    ax.plot(curve["denominator"], curve["target"], color="#333333", lw=1.2,
            label=f"{cases.label(result.case)} pooled value")
    for level, style in zip(LEVELS, ("--", ":"), strict=True):
        name = f"{level * 100:g}"
        if f"lower_{name}" not in curve.columns:
            continue
        ax.plot(curve["denominator"], curve[f"upper_{name}"], color="#666666", ls=style,
                lw=1, label=f"{name}% limits")
        ax.plot(curve["denominator"], curve[f"lower_{name}"], color="#666666", ls=style, lw=1)
    units = result.units
    ax.scatter(units["denominator"], units["value"], s=28, color=colour, edgecolor="white",
               linewidth=0.6, zorder=3, label=f"{cases.label(result.case)}: units")
    outside = units[units["flag"].isin(["below 99.8%", "above 99.8%"])]
    outside = outside.loc[outside["z"].abs().sort_values(ascending=False).index[:max_labels]]
    middle = (units["denominator"].min() + units["denominator"].max()) / 2
    for code, x, y in zip(outside[unit], outside["denominator"], outside["value"],
                          strict=True):
        # Names of units in the right half run leftwards, so they stay inside the axes.
        right = x > middle
        ax.annotate(_label(code), (x, y), xytext=(-4 if right else 4, 3),
                    textcoords="offset points", ha="right" if right else "left",
                    fontsize=7, color="#333333")
    legend_title = None
    if not result.adjusted and result.phi_p < 0.05:
        legend_title = (f"Units differ by more than chance\n(overdispersion φ = "
                        f"{result.phi:.3g}); limits not adjusted")
    elif result.adjusted:
        legend_title = f"Limits widened for overdispersion (φ = {result.phi:.3g})"
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or f"{cases.label(result.case)}: units against the pooled value "
                 f"({result.method} {result.statistic} limits)")
    ax.legend(fontsize=7, title=legend_title, title_fontsize=7)
    return ax


def _label(code: str) -> str:
    try:
        return cases.label(code)
    except CaseStudyError:  # a unit the registry does not list keeps its code
        return code

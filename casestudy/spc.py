"""Statistical process control: XmR, p and u charts with the NHS "Making Data Count" rules.

The rules and options follow NHSRplotthedots (NHS-R Community), the reference implementation
of NHS England's *Making Data Count*:

* centre line: the mean; process limits: mean ± 2.66 × mean moving range (XmR), or
  p̄ ± 3√(p̄(1−p̄)/nᵢ) (p chart) and ū ± 3√(ū/nᵢ) (u chart), which vary with the denominator;
* screening (XmR): moving ranges at or above 3.267 × the mean moving range are dropped and
  the mean moving range recomputed once;
* ``fix_after=n`` computes the mean and limits from the first n points of each period;
  ``rebase`` starts a new period (new mean and limits) at the given index values;
* each point carries the first special-cause rule that holds, in this order: outside the
  limits; part of a trend of 7 points each higher (or each lower) than the one before; part
  of two of three consecutive points beyond the 2-sigma line on the same side of the mean
  (points beyond the limits do not count, unless ``two_of_three_counts_outside=True``, the
  Nov 2023 variant); part of a shift of 7 points on one side of the mean (a point on the mean
  breaks it). Runs never span two periods.
* the variation type follows the direction of the rule (high/increasing or low/decreasing)
  and ``improvement``; the assurance compares the latest period's limits with ``target``.

``run_chart`` applies Anhøj's rules instead (Anhøj & Olesen 2014, PLoS ONE 9:e113825).

>>> import pandas as pd
>>> df = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=14, freq="MS"),
...                    "beds": [5, 6, 5, 7, 6, 5, 6, 7, 5, 6, 6, 5, 7, 20]})
>>> chart = xmr(df, "beds", index="month", improvement="decrease")
>>> chart.table()[["value", "rule", "variation"]].tail(1)
    value            rule              variation
13   20.0  outside_limits  special_cause_concern
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from scipy import stats

from casestudy._display import summary_html, summary_text
from casestudy._frames import check_columns
from casestudy.errors import CaseStudyError

Improvement = Literal["increase", "decrease", "neutral"]

#: Special-cause rules in the order in which a point is labelled.
RULES = ("outside_limits", "trend", "two_of_three", "shift")
#: Constants of the XmR chart (Wheeler): limits at 2.66 mean moving ranges, screening at 3.267.
XMR_LIMIT = 2.66
MR_SCREEN = 3.267
#: Run and trend lengths that signal (Making Data Count).
SHIFT_LENGTH = 7
TREND_LENGTH = 7
#: A period with fewer points than this gets a warning (limits are unreliable).
MIN_POINTS = 13
#: Colours of NHSRplotthedots' point types.
VARIATION_COLOURS = {
    "common_cause": "#7B7D7D",
    "special_cause_improvement": "#289DE0",
    "special_cause_concern": "#FAB428",
    "special_cause_neutral_high": "#361475",
    "special_cause_neutral_low": "#361475",
}
VARIATION_TEXT = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause variation: improvement",
    "special_cause_concern": "Special cause variation: concern",
    "special_cause_neutral_high": "Special cause variation: neutral (higher)",
    "special_cause_neutral_low": "Special cause variation: neutral (lower)",
}
ASSURANCE_TEXT = {
    "consistent_pass": "Consistently passes the target",
    "consistent_fail": "Consistently fails the target",
    "inconsistent": "Inconsistent: passes and fails the target at random",
}


# --------------------------------------------------------------------------- rules

def _windows_flag(ok: np.ndarray, length: int) -> np.ndarray:
    """Mark every point inside a window of ``length`` consecutive points that all pass."""
    n = len(ok)
    out = np.zeros(n, dtype=bool)
    for i in range(n - length + 1):
        if ok[i:i + length].all():
            out[i:i + length] = True
    return out


def _trend(y: np.ndarray) -> np.ndarray:
    """Direction (+1/−1) of the 7-point trend each point belongs to, 0 if none.

    A point at the end of a rising trend and the start of a falling one takes the direction
    of the later trend, as NHSRplotthedots does.
    """
    n = len(y)
    out = np.zeros(n, dtype=int)
    steps = np.sign(np.diff(y))
    for i in range(n - TREND_LENGTH + 1):
        window = steps[i:i + TREND_LENGTH - 1]
        if (window == 1).all() or (window == -1).all():
            out[i:i + TREND_LENGTH] = int(window[0])
    return out


def _two_of_three(near: np.ndarray, side: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Points beyond the 2-sigma line in a run of 3 on one side with 2 or more beyond it."""
    n = len(side)
    out = np.zeros(n, dtype=bool)
    for i in range(n - 2):
        s = side[i:i + 3]
        if abs(s.sum()) == 3 and eligible[i:i + 3].sum() >= 2:
            out[i:i + 3] |= near[i:i + 3]
    return out


def label_points(y: Sequence[float], centre: Sequence[float], lower: Sequence[float],
                 upper: Sequence[float], *, two_of_three_counts_outside: bool = False
                 ) -> pd.DataFrame:
    """The special-cause rule and its direction for each point of one period.

    ``lower`` and ``upper`` are the process limits; the 2-sigma lines lie two thirds of the
    way from the centre to them. Returns columns ``rule`` (one of ``RULES`` or missing) and
    ``direction`` (+1 high or increasing, −1 low or decreasing, 0 common cause).

    >>> label_points([1, 2, 3, 4, 5, 6, 7], [4] * 7, [-10] * 7, [20] * 7).rule.tolist()
    ['trend', 'trend', 'trend', 'trend', 'trend', 'trend', 'trend']
    """
    y, centre = np.asarray(y, float), np.asarray(centre, float)
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    side = np.sign(y - centre).astype(int)
    outside = (y > upper) | (y < lower)
    near_upper = centre + 2 / 3 * (upper - centre)
    near_lower = centre - 2 / 3 * (centre - lower)
    near = ~outside & ((y > near_upper) | (y < near_lower))
    eligible = near | outside if two_of_three_counts_outside else near
    trend = _trend(y)
    two3 = _two_of_three(near, side, eligible)
    shift = _windows_flag(side == 1, SHIFT_LENGTH) | _windows_flag(side == -1, SHIFT_LENGTH)
    rule = np.select([outside, trend != 0, two3, shift], list(RULES), default="")
    direction = np.where(rule == "trend", trend, np.where(rule == "", 0, side))
    return pd.DataFrame({"rule": pd.Series(rule, dtype=object).replace("", None),
                         "direction": direction.astype(int)})


def _variation(direction: np.ndarray, improvement: str) -> np.ndarray:
    if improvement == "neutral":
        return np.select([direction > 0, direction < 0],
                         ["special_cause_neutral_high", "special_cause_neutral_low"],
                         "common_cause")
    sign = 1 if improvement == "increase" else -1
    return np.select([direction * sign > 0, direction * sign < 0],
                     ["special_cause_improvement", "special_cause_concern"], "common_cause")


# --------------------------------------------------------------------------- limits

def _xmr_limits(y: np.ndarray, n_fix: int | None, screen: bool) -> dict[str, np.ndarray]:
    base = y[:n_fix] if n_fix else y
    mean = base.mean()
    mr = np.abs(np.diff(base))
    amr = mr.mean() if len(mr) else np.nan
    if screen and len(mr):
        # NHSRplotthedots keeps moving ranges strictly below 3.267 × mean moving range.
        amr = mr[mr < MR_SCREEN * amr].mean()
    n = len(y)
    return {"mean": np.full(n, mean), "lpl": np.full(n, mean - XMR_LIMIT * amr),
            "upl": np.full(n, mean + XMR_LIMIT * amr)}


def _attribute_limits(num: np.ndarray, den: np.ndarray, n_fix: int | None,
                      kind: str) -> dict[str, np.ndarray]:
    sl = slice(None, n_fix)
    centre = num[sl].sum() / den[sl].sum()
    var = centre * (1 - centre) if kind == "p" else centre
    sigma = np.sqrt(var / den)
    lpl = np.maximum(centre - 3 * sigma, 0.0)
    upl = centre + 3 * sigma
    if kind == "p":
        upl = np.minimum(upl, 1.0)
    return {"mean": np.full(len(num), centre), "lpl": lpl, "upl": upl}


# --------------------------------------------------------------------------- checks

def _numeric(frame: pd.DataFrame, column: str, what: str, *, positive: bool = False,
             nonnegative: bool = False) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if positive:
        bad |= values <= 0
    if nonnegative:
        bad |= values < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        need = "a positive number" if positive else (
            "a non-negative number" if nonnegative else "a number")
        raise CaseStudyError(f"{what}: column {column!r} at index {frame.index[i]!r} holds "
                             f"{frame[column].iloc[i]!r}; expected {need} (no gaps)")
    return values


def _prepare(data: pd.DataFrame, index: str | None, facet: str | None,
             what: str) -> pd.DataFrame:
    # A fresh row index: the labels are joined back by it, and frames stacked with
    # pd.concat repeat theirs (which multiplied every point by the number of facets).
    frame = data.reset_index(drop=True)
    if index is None:
        frame["_index"] = np.arange(len(frame))
    else:
        frame["_index"] = frame[index]
    if frame["_index"].isna().any():
        raise CaseStudyError(f"{what}: column {index!r} has missing values")
    frame["_facet"] = frame[facet] if facet else "all"
    dup = frame.duplicated(["_facet", "_index"])
    if dup.any():
        row = frame[dup].iloc[0]
        where = f" in facet {row['_facet']!r}" if facet else ""
        raise CaseStudyError(f"{what}: {index!r} value {row['_index']!r} appears twice{where}; "
                             "expected one point per period")
    return frame.sort_values(["_facet", "_index"], kind="mergesort")


def _rebase_groups(frame: pd.DataFrame, rebase: Any, what: str) -> np.ndarray:
    """Period number of each row: 0, then +1 at each rebase point of its facet."""
    groups = np.zeros(len(frame), dtype=int)
    if rebase is None:
        return groups
    for f, idx in frame.groupby("_facet", sort=False).indices.items():
        points = rebase.get(f, []) if isinstance(rebase, Mapping) else rebase
        if isinstance(points, (str, pd.Timestamp)) or np.isscalar(points):
            points = [points]
        values = frame["_index"].iloc[idx]
        for p in points:
            p = pd.Timestamp(p) if pd.api.types.is_datetime64_any_dtype(values) else p
            hit = np.flatnonzero((values == p).to_numpy())
            if not len(hit):
                raise CaseStudyError(f"{what}: rebase point {p!r} is not in the index"
                                     + (f" of facet {f!r}" if f != "all" else ""))
            groups[idx[hit[0]:]] += 1
    return groups


# --------------------------------------------------------------------------- result

@dataclass
class SPCResult:
    """A control chart: one row per point (``.table()``), one per series (``.summary()``)."""

    points: pd.DataFrame
    chart: str
    value: str
    index: str | None
    facet: str | None
    improvement: str
    target: Any = None
    options: dict[str, Any] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Tidy points: facet, index, value, mean, lpl, upl, period, rule, variation, …"""
        return self.points.copy()

    def summary(self) -> pd.DataFrame:
        """One row per series: latest point, its variation (with icon text) and assurance."""
        rows = []
        for f, g in self.points.groupby("facet", sort=False):
            last = g.iloc[-1]
            latest_period = g[g["period"] == last["period"]]
            flagged = g.loc[g["rule"].notna(), "index"]
            assurance = _assurance(last, self.improvement)
            rows.append({
                "facet": f, "n": len(g), "periods": int(g["period"].nunique()),
                "latest_index": last["index"], "latest_value": last["value"],
                "mean": last["mean"], "lpl": last["lpl"], "upl": last["upl"],
                "special_cause_points": int(g["rule"].notna().sum()),
                "first_special_cause": flagged.iloc[0] if len(flagged) else None,
                "special_cause_latest_period": int(latest_period["rule"].notna().sum()),
                "variation": last["variation"],
                "variation_text": VARIATION_TEXT[last["variation"]],
                "target": last["target"], "assurance": assurance,
                "assurance_text": ASSURANCE_TEXT.get(assurance) if assurance else None,
            })
        return pd.DataFrame(rows)

    def _facts(self) -> list[tuple[str, str]]:
        facets = self.points["facet"].nunique()
        return [("chart", self.chart), ("value", self.value),
                ("improvement", self.improvement), ("series", str(facets)),
                ("points", str(len(self.points)))]

    def _display_table(self) -> pd.DataFrame:
        cols = ["facet", "n", "latest_index", "latest_value", "mean", "lpl", "upl",
                "special_cause_points", "variation_text", "assurance_text"]
        return self.summary()[cols]

    def __repr__(self) -> str:
        return summary_text(f"SPC {self.chart} chart: summary", self._facts(),
                            self._display_table())

    def _repr_html_(self) -> str:
        return summary_html(f"SPC {self.chart} chart: summary", self._facts(),
                            self._display_table())

    def plot(self, ax: Axes | None = None, *, title: str | None = None,
             ncols: int = 4, sharey: bool = False) -> Axes | Figure:
        """The chart in the house style; small multiples (a Figure) when there are facets.

        ``ax`` draws a single-series chart on that Axes; with several facets there is no one
        Axes to draw on, so giving ``ax`` raises rather than dropping all but one facet.
        In small multiples the points' markers belong to the figure's ``PanelMarkers``
        (one raster in an SVG when there are many), not to the panels; the panels carry
        no axis labels.
        """
        from casestudy.plots import new_axes, use_style

        facets = list(dict.fromkeys(self.points["facet"]))
        if ax is not None and len(facets) > 1:
            raise CaseStudyError(
                f"{self.chart} chart: ax= draws one series, but this chart has "
                f"{len(facets)} facets ({self.facet!r}); call plot() without ax for small "
                "multiples, or chart one facet's rows")
        if len(facets) == 1:
            ax = new_axes(ax)
            _draw(self.points[self.points["facet"] == facets[0]], ax, self)
            ax.set_title(title if title is not None else
                         (_facet_title(facets[0]) if self.facet else self.value))
            return ax
        import matplotlib.pyplot as plt

        use_style()
        nrows = math.ceil(len(facets) / ncols)
        # Independent axes with one fixed set of ticks and limits, and a fixed grid rather
        # than a layout engine: shared axes and constrained layout make matplotlib measure
        # every panel's ticks against every other's (quadratic in the panels), which took
        # seconds for 33 partnerships.
        # Inches kept free above the panels: their own titles, and the figure's title.
        head = 0.45 + (0.5 if title else 0.0)
        height = 1.9 * nrows + 0.4 + head
        fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols, height), squeeze=False)
        fig.subplots_adjust(left=0.05, right=0.99, bottom=0.4 / height + 0.02,
                            top=1 - head / height, wspace=0.25, hspace=0.55)
        index = self.points["index"]
        ticks, labels = _shared_ticks(index)
        lo, hi = _padded(index)
        ylims = (_padded(self.points[["value", "lpl", "upl"]].stack()) if sharey else None)
        groups = dict(tuple(self.points.groupby("facet", sort=False)))
        markers = []
        for k, (a, f) in enumerate(zip(axes.flat, facets, strict=False)):
            markers.append(_draw(groups[f], a, self, small=True))
            # The title at the top (y=1, where matplotlib would put it: nothing is drawn
            # above a panel) and the panels' empty axis labels at fixed places: placed
            # automatically, each makes matplotlib measure the panel's tick labels again,
            # in every rendering of a shown figure (measure, PNG, SVG, page image).
            a.set_title(_facet_title(f), fontsize=8, y=1.0)
            a.xaxis.set_label_coords(0.5, -0.15)
            a.yaxis.set_label_coords(-0.15, 0.5)
            a.set_xlim(lo, hi)
            a.set_xticks(ticks, labels)
            # Two to four values give a panel its scale; matplotlib's five to seven ticks,
            # each with its label and grid line, were a quarter of drawing 42 panels.
            a.yaxis.set_major_locator(MaxNLocator(nbins=3))
            if ylims is not None:
                a.set_ylim(*ylims)
            # Years under the bottom panel of each column only and, on a shared scale,
            # values beside the first column only (as matplotlib's own shared axes do);
            # switched off (not blanked) elsewhere, so that they are neither laid out nor
            # drawn: 36 of the ICB chart's 42 columns of values went.
            row, col = divmod(k, ncols)
            a.tick_params(labelsize=6, labelbottom=k >= len(facets) - ncols,
                          labelleft=not sharey or col == 0)
            # A panel with neighbours on all four sides lies inside the box they span
            # (its titles and tick labels sit in the gaps between them): left out of the
            # figure's tight box, it is not measured for it.
            a.set_in_layout(not (row > 0 and 0 < col < ncols - 1
                                 and k + ncols < len(facets)))
        for a in axes.flat[len(facets):]:
            a.set_visible(False)
        fig.add_artist(PanelMarkers(markers))
        if title:
            fig.suptitle(title, y=1 - 0.12 / height, va="top")
        return fig


#: Above this many markers in all, a small multiple's markers are one raster in vector files.
#: An SVG writes each marker as a few dozen bytes, and a raster of the whole figure costs
#: a fixed 0.15-0.2 s to draw and encode: measured on the real set, the 42 ICBs' 1680
#: markers wrote faster as vectors (0.68-0.84 s against 0.83-1.02 s) and 1 % smaller; the
#: 36 partnerships' 3630 markers faster as a raster (0.94-0.96 s against 1.01-1.07 s) and
#: 8 % smaller.
RASTER_MARKERS = 3000


class PanelMarkers(Artist):
    """The markers of every panel of a small multiple, drawn after the panels, as one
    rasterised image in vector files when there are more than ``RASTER_MARKERS``.

    Each rasterised artist drawn on its own makes an SVG (or PDF) renderer allocate,
    scan and re-encode a raster the size of the whole figure: once per panel, that was
    a third of the time spent writing the SVG of 42 panels. Drawn one after another, the
    markers share one raster. The markers keep their panel's data transform and clipping,
    and nothing of a panel lies above them (they were its topmost artists), so the image
    is unchanged. They are not among the panels' own ``collections``: ``markers`` holds
    them, in panel order.
    """

    def __init__(self, markers: Sequence[PathCollection]) -> None:
        super().__init__()
        self.markers = list(markers)
        for m in self.markers:
            # Taken off its panel after its data limits were set by it.
            m.remove()
        self.set_rasterized(sum(len(m.get_offsets()) for m in self.markers) > RASTER_MARKERS)
        self.set_in_layout(False)
        # Above the panels (zorder 0), which would otherwise paint their background over.
        self.set_zorder(1)

    def set_figure(self, fig: Figure) -> None:  # type: ignore[override]
        super().set_figure(fig)
        for m in self.markers:
            m.set_figure(fig)

    @allow_rasterization
    def draw(self, renderer: RendererBase) -> None:
        if not self.get_visible():
            return
        for m in self.markers:
            m.draw(renderer)
        self.stale = False


def _facet_title(facet: Any) -> str:
    """A registry name for a case or unit code (an ICB's or a board's), else the value."""
    from casestudy import cases

    try:
        return cases.label(str(facet))
    except CaseStudyError:
        return str(facet)


def _shared_ticks(index: pd.Series) -> tuple[list[Any], list[str]]:
    """At most about five ticks for every panel: whole years for dates."""
    if pd.api.types.is_datetime64_any_dtype(index):
        first, last = index.min().year, index.max().year
        step = max(1, math.ceil((last - first + 1) / 5))
        dates = [pd.Timestamp(year=y, month=1, day=1) for y in range(first, last + 1, step)]
        dates = [d for d in dates if index.min() <= d <= index.max()] or [index.min()]
        return [mdates.date2num(d) for d in dates], [str(d.year) for d in dates]
    values = pd.Series(index).astype(float)
    ticks = np.unique(np.linspace(values.min(), values.max(), 5).round())
    return list(ticks), [f"{t:g}" for t in ticks]


def _padded(values: pd.Series) -> tuple[float, float]:
    if pd.api.types.is_datetime64_any_dtype(values):
        values = pd.Series(mdates.date2num(values))
    lo, hi = float(values.min()), float(values.max())
    pad = (hi - lo) * 0.04 or 1.0
    return lo - pad, hi + pad


def _assurance(last: pd.Series, improvement: str) -> str | None:
    target = last["target"]
    if target is None or pd.isna(target) or improvement == "neutral":
        return None
    up = improvement == "increase"
    if target > last["upl"]:
        return "consistent_fail" if up else "consistent_pass"
    if target < last["lpl"]:
        return "consistent_pass" if up else "consistent_fail"
    return "inconsistent"


def _draw(points: pd.DataFrame, ax: Axes, result: SPCResult, *, small: bool = False
          ) -> PathCollection:
    """One series on ``ax``; returns its markers (the points coloured by variation)."""
    x = points["index"]
    ax.plot(x, points["value"], color="#7B7D7D", lw=0.8 if small else 1.2, zorder=2)
    for period, g in points.groupby("period"):
        first = period == points["period"].iloc[0]
        ax.plot(g["index"], g["mean"], color="#231F20", lw=0.8,
                label="mean" if first else None)
        for col in ("lpl", "upl"):
            ax.plot(g["index"], g[col], color="#231F20", lw=0.8, ls="--",
                    label="process limits" if first and col == "upl" else None)
    # One RGBA row per point from the few variation colours: far cheaper than a colour
    # name per point, which matplotlib parses one by one.
    codes, kinds = pd.factorize(points["variation"])
    colours = to_rgba_array([VARIATION_COLOURS[k] for k in kinds])[codes]
    # Not rasterised here: in small multiples PanelMarkers decides for all panels at once.
    markers = ax.scatter(x, points["value"], c=colours, s=6 if small else 18, zorder=3)
    if points["target"].notna().any():
        ax.plot(x, points["target"], color="#DE1B1B", lw=0.8, ls=":", label="target")
    if not small:
        ax.set_ylabel(result.value)
        ax.legend(loc="best", fontsize=7)
    return markers


def _finish(frame: pd.DataFrame, limits: list[dict[str, np.ndarray]], *, chart: str,
            value: str, index: str | None, facet: str | None, improvement: str,
            target: Any, counts_outside: bool, options: dict[str, Any]) -> SPCResult:
    lim = {k: np.concatenate([d[k] for d in limits]) for k in ("mean", "lpl", "upl")}
    frame = frame.assign(**lim)
    parts = []
    for _, g in frame.groupby(["_facet", "period"], sort=False):
        lab = label_points(g["value"], g["mean"], g["lpl"], g["upl"],
                           two_of_three_counts_outside=counts_outside)
        lab.index = g.index
        parts.append(lab)
    lab = pd.concat(parts)
    frame = frame.join(lab)
    frame["variation"] = _variation(frame["direction"].to_numpy(), improvement)
    frame["target"] = [target.get(f) if isinstance(target, Mapping) else target
                       for f in frame["_facet"]]
    frame["target"] = pd.to_numeric(frame["target"], errors="coerce")
    sizes = frame.groupby(["_facet", "period"])["value"].transform("size")
    frame["short_period"] = sizes < MIN_POINTS
    if frame["short_period"].any():
        warnings.warn(f"{chart}: a period has fewer than {MIN_POINTS} points; its limits "
                      "are unreliable", UserWarning, stacklevel=3)
    cols = ["facet", "index", "value", "mean", "lpl", "upl", "period", "rule", "direction",
            "variation", "target", "short_period"]
    extra = [c for c in ("numerator", "denominator") if c in frame.columns]
    out = frame.rename(columns={"_facet": "facet", "_index": "index"})
    return SPCResult(out[["facet", "index", *extra, *cols[2:]]].reset_index(drop=True),
                     chart=chart, value=value, index=index, facet=facet,
                     improvement=improvement, target=target, options=options)


def _check_options(improvement: str, fix_after: int | None, what: str) -> None:
    if improvement not in ("increase", "decrease", "neutral"):
        raise CaseStudyError(f"{what}: improvement must be 'increase', 'decrease' or "
                             f"'neutral', got {improvement!r}")
    if fix_after is not None and (not isinstance(fix_after, (int, np.integer))
                                  or fix_after < 12):
        raise CaseStudyError(f"{what}: fix_after must be a whole number of at least 12 "
                             f"points, got {fix_after!r}")


# --------------------------------------------------------------------------- charts

def xmr(data: pd.DataFrame, value: str, *, index: str | None = None,
        improvement: Improvement = "increase", rebase: Any = None,
        fix_after: int | None = None, screen_outliers: bool = True, target: Any = None,
        facet: str | None = None, two_of_three_counts_outside: bool = False) -> SPCResult:
    """XmR chart (individuals and moving range) with Making Data Count's rules.

    ``rebase``: index values where new limits start (a dict by facet when faceted);
    ``target``: a number, or a dict by facet. See the module docstring for the rules.

    >>> import pandas as pd
    >>> chart = xmr(pd.DataFrame({"v": [1, 2] * 7}), "v", screen_outliers=False)
    >>> round(float(chart.table().upl[0]), 2)
    4.16
    """
    what = "xmr"
    check_columns(data, [value, index, facet], what=what)
    _check_options(improvement, fix_after, what)
    frame = _prepare(data, index, facet, what)
    frame["value"] = _numeric(frame, value, what)
    frame["period"] = _rebase_groups(frame, rebase, what)
    limits = [_xmr_limits(g["value"].to_numpy(), fix_after, screen_outliers)
              for _, g in frame.groupby(["_facet", "period"], sort=False)]
    return _finish(frame, limits, chart="xmr", value=value, index=index, facet=facet,
                   improvement=improvement, target=target,
                   counts_outside=two_of_three_counts_outside,
                   options={"screen_outliers": screen_outliers, "fix_after": fix_after,
                            "rebase": rebase})


def _attribute_chart(kind: str, data: pd.DataFrame, numerator: str, denominator: str, *,
                     index: str | None, improvement: str, rebase: Any,
                     fix_after: int | None, target: Any, facet: str | None,
                     two_of_three_counts_outside: bool) -> SPCResult:
    what = f"{kind}_chart"
    check_columns(data, [numerator, denominator, index, facet], what=what)
    _check_options(improvement, fix_after, what)
    frame = _prepare(data, index, facet, what)
    frame["numerator"] = _numeric(frame, numerator, what, nonnegative=True)
    frame["denominator"] = _numeric(frame, denominator, what, positive=True)
    if kind == "p" and (frame["numerator"] > frame["denominator"]).any():
        i = frame.index[(frame["numerator"] > frame["denominator"]).to_numpy()][0]
        raise CaseStudyError(f"{what}: at index {frame.at[i, '_index']!r} {numerator!r} "
                             f"exceeds {denominator!r}; a proportion needs numerator ≤ "
                             "denominator")
    frame["value"] = frame["numerator"] / frame["denominator"]
    frame["period"] = _rebase_groups(frame, rebase, what)
    limits = [_attribute_limits(g["numerator"].to_numpy(), g["denominator"].to_numpy(),
                                fix_after, kind)
              for _, g in frame.groupby(["_facet", "period"], sort=False)]
    return _finish(frame, limits, chart=what, value=f"{numerator}/{denominator}",
                   index=index, facet=facet, improvement=improvement, target=target,
                   counts_outside=two_of_three_counts_outside,
                   options={"fix_after": fix_after, "rebase": rebase})


def p_chart(data: pd.DataFrame, numerator: str, denominator: str, *,
            index: str | None = None, improvement: Improvement = "increase",
            rebase: Any = None, fix_after: int | None = None, target: Any = None,
            facet: str | None = None, two_of_three_counts_outside: bool = False
            ) -> SPCResult:
    """p chart of the proportion numerator/denominator; limits p̄ ± 3√(p̄(1−p̄)/nᵢ).

    p̄ is the pooled proportion (Σ numerator / Σ denominator); limits are clipped to [0, 1].

    >>> import pandas as pd
    >>> df = pd.DataFrame({"seen": [85] * 13, "all": [100] * 13})
    >>> round(float(p_chart(df, "seen", "all").table().upl[0]), 4)
    0.9571
    """
    return _attribute_chart("p", data, numerator, denominator, index=index,
                            improvement=improvement, rebase=rebase, fix_after=fix_after,
                            target=target, facet=facet,
                            two_of_three_counts_outside=two_of_three_counts_outside)


def u_chart(data: pd.DataFrame, numerator: str, denominator: str, *,
            index: str | None = None, improvement: Improvement = "increase",
            rebase: Any = None, fix_after: int | None = None, target: Any = None,
            facet: str | None = None, two_of_three_counts_outside: bool = False
            ) -> SPCResult:
    """u chart of the rate numerator/denominator; limits ū ± 3√(ū/nᵢ), the lower one ≥ 0.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"events": [4] * 13, "exposure": [1] * 13})
    >>> float(u_chart(df, "events", "exposure").table().upl[0])
    10.0
    """
    return _attribute_chart("u", data, numerator, denominator, index=index,
                            improvement=improvement, rebase=rebase, fix_after=fix_after,
                            target=target, facet=facet,
                            two_of_three_counts_outside=two_of_three_counts_outside)


# --------------------------------------------------------------------------- run chart

@dataclass
class RunChartResult:
    """A run chart with Anhøj's rules: ``.table()`` per point, ``.summary()`` per series."""

    points: pd.DataFrame
    runs: pd.DataFrame
    value: str

    def table(self) -> pd.DataFrame:
        return self.points.copy()

    def summary(self) -> pd.DataFrame:
        return self.runs.copy()

    def _facts(self) -> list[tuple[str, str]]:
        return [("value", self.value), ("points", str(len(self.points))),
                ("rules", "Anhøj: longest run and number of crossings")]

    def __repr__(self) -> str:
        return summary_text("Run chart: summary", self._facts(), self.runs)

    def _repr_html_(self) -> str:
        return summary_html("Run chart: summary", self._facts(), self.runs)

    def plot(self, ax: Axes | None = None, *, title: str | None = None) -> Axes:
        from casestudy.plots import new_axes

        ax = new_axes(ax)
        for f, g in self.points.groupby("facet", sort=False):
            signal = bool(self.runs.loc[self.runs["facet"] == f, "signal"].iloc[0])
            ax.plot(g["index"], g["value"], marker="o", ms=3, lw=1, color="#7B7D7D")
            ax.plot(g["index"], g["median"], color="#289DE0" if not signal else "#FAB428",
                    ls="--" if signal else "-", lw=1)
        ax.set_ylabel(self.value)
        ax.set_title(title if title is not None else self.value)
        return ax


def anhoej(values: Sequence[float], median: float | None = None) -> dict[str, Any]:
    """Anhøj's run-chart rules for one series.

    Points on the median are not counted. With n useful points, the longest run signals when
    it exceeds round(log2 n) + 3; too few crossings signal when they are fewer than the 5th
    percentile of Binomial(n − 1, 0.5).

    >>> anhoej([1, 2, 1, 2, 1, 2, 1, 2, 1, 2])["signal"]
    False
    """
    y = np.asarray(values, dtype=float)
    med = float(np.median(y)) if median is None else float(median)
    side = np.sign(y - med)
    useful = side[side != 0]
    n = len(useful)
    if n == 0:
        longest, crossings = 0, 0
    else:
        changes = np.flatnonzero(np.diff(useful) != 0)
        crossings = len(changes)
        bounds = np.concatenate([[-1], changes, [n - 1]])
        longest = int(np.diff(bounds).max())
    longest_max = round(math.log2(n)) + 3 if n else 0
    crossings_min = int(stats.binom.ppf(0.05, n - 1, 0.5)) if n > 1 else 0
    run_signal = n > 0 and longest > longest_max
    cross_signal = n > 1 and crossings < crossings_min
    return {"median": med, "n_useful": n, "longest_run": longest,
            "longest_run_max": longest_max, "crossings": crossings,
            "crossings_min": crossings_min, "runs_signal": bool(run_signal),
            "crossings_signal": bool(cross_signal), "signal": bool(run_signal or cross_signal)}


def run_chart(data: pd.DataFrame, value: str, *, index: str | None = None,
              facet: str | None = None) -> RunChartResult:
    """Run chart around the median with Anhøj's rules (unusually long runs, few crossings).

    >>> import pandas as pd
    >>> r = run_chart(pd.DataFrame({"v": [1] * 8 + [5] * 8}), "v")
    >>> s = r.summary().iloc[0]
    >>> int(s.longest_run), int(s.longest_run_max), bool(s.signal)
    (8, 7, True)
    """
    what = "run_chart"
    check_columns(data, [value, index, facet], what=what)
    frame = _prepare(data, index, facet, what)
    frame["value"] = _numeric(frame, value, what)
    rows, parts = [], []
    for f, g in frame.groupby("_facet", sort=False):
        res = anhoej(g["value"].to_numpy())
        rows.append({"facet": f, **res})
        parts.append(g.assign(median=res["median"]))
    points = pd.concat(parts).rename(columns={"_facet": "facet", "_index": "index"})
    return RunChartResult(points[["facet", "index", "value", "median"]].reset_index(drop=True),
                          pd.DataFrame(rows), value)

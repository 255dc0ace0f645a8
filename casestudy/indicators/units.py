"""Comparisons of local units within their case: rank, gap to the case mean, dispersion,
latest common period, and funnel-plot limits.

Every function takes a tidy table with one value per unit, indicator and period: columns
``unit`` (default ``geography``: a code of ``casestudy.cases.units()``), ``case``,
``indicator``, ``time`` (default ``period``: a month or quarter start, or ``year``) and
``value``. Units are compared only with the other units of their own case, never across
cases, whose definitions differ. As in ``casestudy.indicators.compare``, nothing is
interpolated: a period in which a unit of the case has no value gets no case mean and a
``note`` naming who is missing, so the comparison group never changes silently.

Means are unweighted means of the units' values (each unit counts once, as in the
case-level comparisons); for a rate whose case value is the pooled rate (total numerator
over total denominator) use ``funnel``, whose target is the pooled rate.

>>> import pandas as pd
>>> df = pd.DataFrame({"geography": ["A", "B", "C"], "case": "SCO", "indicator": "x",
...                    "period": pd.Timestamp("2020-01-01"), "value": [1.0, 2.0, 6.0]})
>>> gap_to_case_mean(df)[["geography", "case_mean", "gap"]].values.tolist()
[['A', 3.0, -2.0], ['B', 3.0, -1.0], ['C', 3.0, 3.0]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from casestudy.errors import CaseStudyError
from casestudy.indicators.compare import _carry

#: Control-limit levels of a funnel plot: 95% (about 2 SD) and 99.8% (about 3 SD).
LEVELS = (0.95, 0.998)


def _check(df: pd.DataFrame, unit: str, case: str, time: str) -> pd.DataFrame:
    need = [unit, case, "indicator", time, "value"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise CaseStudyError(f"the unit table lacks column(s) {', '.join(missing)}; expected "
                             f"{', '.join(need)}")
    frame = df.dropna(subset=["value"]).copy()
    frame[unit] = frame[unit].astype(str)
    frame[case] = frame[case].astype(str)
    dup = frame.duplicated([unit, "indicator", time])
    if dup.any():
        row = frame[dup].iloc[0]
        raise CaseStudyError(f"two values for {row[unit]}, {row['indicator']}, {row[time]}: "
                             "filter the table to one value per unit, indicator and period")
    cases_per_unit = frame.groupby(unit)[case].nunique()
    if (cases_per_unit > 1).any():
        raise CaseStudyError(f"unit {cases_per_unit.index[cases_per_unit > 1][0]!r} is given "
                             "more than one case")
    return frame


def latest_common(df: pd.DataFrame, *, unit: str = "geography", case: str = "case",
                  time: str = "period") -> pd.DataFrame:
    """Per case and indicator, the latest period in which every unit of the case has a value.

    ``n_units`` counts the case's units with the indicator; ``latest`` is the latest period
    any of them has, and ``lagging`` names the units without a value then (why the common
    period is earlier). ``common`` is missing when no period has every unit.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["A", "A", "B"], "case": "SCO", "indicator": "x",
    ...                    "year": [2019, 2020, 2019], "value": 1.0})
    >>> latest_common(df, time="year")[["common", "latest", "lagging"]].values.tolist()
    [[2019, 2020, 'B']]
    """
    frame = _check(df, unit, case, time)
    rows = []
    for (key, indicator), part in frame.groupby([case, "indicator"], sort=True):
        members = sorted(set(part[unit]))
        counts = part.groupby(time)[unit].nunique()
        full = counts[counts == len(members)].index
        last = part[time].max()
        have_last = set(part.loc[part[time] == last, unit])
        rows.append({case: key, "indicator": indicator, "n_units": len(members),
                     "common": full.max() if len(full) else pd.NA, "latest": last,
                     "lagging": ";".join(m for m in members if m not in have_last),
                     **_carry(part)})
    return pd.DataFrame(rows)


def rank_within_case(df: pd.DataFrame, *, unit: str = "geography", case: str = "case",
                     time: str = "period", ascending: bool = False,
                     latest: bool = False) -> pd.DataFrame:
    """Rank of each unit among its case's units per indicator and period (1 = highest
    unless ``ascending``); ties share the lower rank, as in ``compare.rank``.

    ``latest=True`` keeps each case's latest common period only (see ``latest_common``).
    ``n_ranked`` is the number of the case's units with a value in that period; ``pct_rank``
    is the unit's position from 0 (first) to 1 (last).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["A", "B", "C", "D"], "case": ["SCO"] * 3 + ["ENG"],
    ...                    "indicator": "x", "year": 2020, "value": [2.0, 3.0, 2.0, 9.0]})
    >>> rank_within_case(df, time="year")[["geography", "rank", "n_ranked"]].values.tolist()
    [['D', 1, 1], ['A', 2, 3], ['B', 1, 3], ['C', 2, 3]]
    """
    frame = _check(df, unit, case, time)
    if latest:
        common = latest_common(frame, unit=unit, case=case, time=time)
        keep = common.dropna(subset=["common"])[[case, "indicator", "common"]]
        frame = frame.merge(keep, left_on=[case, "indicator", time],
                            right_on=[case, "indicator", "common"]).drop(columns="common")
    groups = frame.groupby([case, "indicator", time])["value"]
    frame["rank"] = groups.rank(method="min", ascending=ascending).astype("Int64")
    frame["n_ranked"] = groups.transform("count").astype(int)
    spread = (frame["n_ranked"] - 1).replace(0, np.nan)
    frame["pct_rank"] = (frame["rank"].astype(float) - 1) / spread
    return frame.sort_values([case, "indicator", time, unit]).reset_index(drop=True)


def gap_to_case_mean(df: pd.DataFrame, *, unit: str = "geography", case: str = "case",
                     time: str = "period") -> pd.DataFrame:
    """Each unit's distance from the unweighted mean of its case's units, per period.

    ``gap`` = value − ``case_mean``; ``gap_pct`` is the gap as a percentage of the mean.
    The mean includes the unit itself (every unit is set against the same case mean). A
    period in which some unit of the case has no value gets no mean, and a ``note``
    naming the missing units.
    """
    frame = _check(df, unit, case, time)
    rows = []
    for (key, indicator), part in frame.groupby([case, "indicator"], sort=True):
        members = sorted(set(part[unit]))
        wide = part.pivot(index=time, columns=unit, values="value").reindex(columns=members)
        means = wide.mean(axis=1).where(wide.notna().all(axis=1))
        absent = wide.isna().apply(lambda r: ", ".join(r.index[r]), axis=1)
        cited = _carry(part)
        for when, values in wide.iterrows():
            mean = means[when]
            for member in members:
                if np.isnan(values[member]):
                    continue
                gap = values[member] - mean
                rows.append({unit: member, case: key, "indicator": indicator, time: when,
                             "value": values[member], "case_mean": mean, "gap": gap,
                             "gap_pct": gap / mean * 100 if mean else np.nan,
                             "n_units": len(members),
                             "note": f"no value for {absent[when]}" if absent[when] else "",
                             **cited})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Dispersion:
    """Spread of the units' values within each case, per indicator and period.

    ``periods`` has, per case, indicator and period in which every unit of the case has a
    value: ``n``, ``mean``, ``sd`` (``ddof`` as given), ``cv`` (sd / mean), ``min``,
    ``max``, ``iqr`` and ``ratio`` (max / min, missing when min ≤ 0). Periods in which a
    unit lacks a value are left out (named in ``periods_left_out`` of ``table()``), so the
    spread is always over the same units.
    """

    unit: str
    case: str
    time: str
    periods: pd.DataFrame
    summary: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """One row per case and indicator: first and last cv, and the periods left out."""
        return self.summary.copy()

    def __repr__(self) -> str:
        rows = [f"{r[self.case]} {r['indicator']}: {r['n_units']} units, {r['n_periods']} "
                f"periods, cv {r['cv_first']:.3g} → {r['cv_last']:.3g}"
                for r in self.summary.to_dict("records")]
        return "Dispersion(" + "; ".join(rows) + ")"

    def _repr_html_(self) -> str:
        return self.summary.to_html(index=False)

    def plot(self, *, indicator: str | None = None, ax: Axes | None = None) -> Axes:
        """Coefficient of variation over time, one line per case, in the registry colours."""
        from casestudy import cases
        from casestudy.plots._style import new_axes

        data = self.periods
        indicators = list(dict.fromkeys(data["indicator"]))
        if indicator is None and len(indicators) > 1:
            raise CaseStudyError(f"several indicators ({', '.join(indicators)}): pass "
                                 "indicator= to plot one")
        chosen = indicator or (indicators[0] if indicators else None)
        part = data[data["indicator"] == chosen]
        ax = new_axes(ax)
        keys = cases.order(set(part[self.case]))
        colours = cases.palette(keys)
        for key in keys:
            series = part[part[self.case] == key].sort_values(self.time)
            ax.plot(series[self.time], series["cv"], color=colours[key], lw=1.6,
                    label=cases.label(key))
        ax.set_ylabel("Coefficient of variation across units")
        ax.set_xlabel(self.time)
        ax.set_title(f"Spread between units within each case: {chosen}")
        ax.legend()
        return ax


def dispersion(df: pd.DataFrame, *, unit: str = "geography", case: str = "case",
               time: str = "period", ddof: int = 0) -> Dispersion:
    """Dispersion of the units' values within each case over time (see ``Dispersion``).

    ``ddof=0`` treats a case's units as the whole set compared, not a sample.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["A", "B"] * 2, "case": "SCO", "indicator": "x",
    ...                    "year": [2019, 2019, 2020, 2020], "value": [1.0, 3.0, 2.0, 2.0]})
    >>> dispersion(df, time="year").periods["cv"].tolist()
    [0.5, 0.0]
    """
    frame = _check(df, unit, case, time)
    period_rows, summary_rows = [], []
    for (key, indicator), part in frame.groupby([case, "indicator"], sort=True):
        members = part[unit].nunique()
        counts = part.groupby(time)[unit].nunique()
        used = part[part[time].isin(counts[counts == members].index)]
        cited = _carry(used)
        for when, values in used.groupby(time)["value"]:
            v = values.to_numpy(dtype=float)
            mean, sd = v.mean(), v.std(ddof=ddof) if len(v) > ddof else np.nan
            q1, q3 = np.quantile(v, [0.25, 0.75])
            period_rows.append({case: key, "indicator": indicator, time: when, "n": len(v),
                                "mean": mean, "sd": sd, "cv": sd / mean if mean else np.nan,
                                "min": v.min(), "max": v.max(), "iqr": q3 - q1,
                                "ratio": v.max() / v.min() if v.min() > 0 else np.nan,
                                **cited})
        left_out = sorted(set(part[time]) - set(used[time]))
        kept = [r for r in period_rows if r[case] == key and r["indicator"] == indicator]
        summary_rows.append({
            case: key, "indicator": indicator, "n_units": members, "n_periods": len(kept),
            "first": kept[0][time] if kept else pd.NA, "last": kept[-1][time] if kept else pd.NA,
            "cv_first": kept[0]["cv"] if kept else np.nan,
            "cv_last": kept[-1]["cv"] if kept else np.nan,
            "periods_left_out": ", ".join(str(p)[:10] for p in left_out), **cited})
    return Dispersion(unit, case, time, pd.DataFrame(period_rows), pd.DataFrame(summary_rows))


# --------------------------------------------------------------------------- funnel limits

def _z(level: float) -> float:
    return float(stats.norm.ppf(1 - (1 - level) / 2))


def _exact(dist: stats.rv_discrete, n: np.ndarray, q: float) -> np.ndarray:
    """Spiegelhalter's (2005, appendix) interpolated quantile of a discrete count, over n.

    r = the q-quantile (smallest r with F(r) ≥ q); a = (F(r) − q) / (F(r) − F(r − 1));
    the limit is (r − a) / n, which makes the funnel smooth rather than stepped.
    """
    r = dist.ppf(q)
    f_r, f_below = dist.cdf(r), dist.cdf(r - 1)
    step = f_r - f_below
    a = np.divide(f_r - q, step, out=np.zeros_like(step, dtype=float), where=step > 0)
    return (r - a) / n


def funnel_limits(denominator: float | np.ndarray | pd.Series, target: float, *,
                  statistic: str = "proportion", method: str | None = None,
                  levels: tuple[float, ...] = LEVELS, phi: float = 1.0) -> pd.DataFrame:
    """Funnel-plot control limits around ``target`` for units of size ``denominator``.

    Spiegelhalter (2005), "Funnel plots for comparing institutional performance", Stat Med
    24:1185–1202. ``statistic``:

    - ``proportion`` (numerator ≤ denominator; target a proportion in [0, 1]).
      ``method="normal"`` (default): target ± z·√(target(1 − target)/n), clipped to
      [0, 1]. This is the Public Health England Fingertips convention: the formula of
      PHEindicatormethods (``sigma_adjustment``, used by ``calculate_funnel_limits``)
      reduces algebraically to it, as a test checks. ``method="exact"``: binomial limits
      with Spiegelhalter's interpolation.
    - ``rate`` (events over person-time or population; target events per unit of
      denominator). ``method="exact"`` (default, as PHE uses exact Poisson limits for
      rates): Poisson limits with Spiegelhalter's interpolation; ``method="normal"``:
      target ± z·√(target/n).

    Levels are two-sided: 0.95 puts 2.5% in each tail (z = 1.960), 0.998 puts 0.1% in each
    (z = 3.090). Returns one row per denominator: ``denominator``, ``target``, and
    ``lower_95``, ``upper_95``, ``lower_99.8``, ``upper_99.8`` (as proportions or rates,
    not multiplied by 100). ``phi`` > 1 widens normal limits for overdispersion
    (Spiegelhalter 2005, section 6: the variance times ``phi``; see ``overdispersion``);
    exact limits take no ``phi``.

    >>> funnel_limits([100], 0.5).round(4).iloc[0].tolist()
    [100.0, 0.5, 0.402, 0.598, 0.3455, 0.6545]
    """
    n = np.atleast_1d(np.asarray(denominator, dtype=float))
    if (n <= 0).any() or np.isnan(n).any():
        raise CaseStudyError("funnel_limits: every denominator must be a positive number")
    if statistic not in ("proportion", "rate"):
        raise CaseStudyError(f"funnel_limits: statistic must be 'proportion' or 'rate', "
                             f"not {statistic!r}")
    method = method or ("normal" if statistic == "proportion" else "exact")
    if method not in ("normal", "exact"):
        raise CaseStudyError(f"funnel_limits: method must be 'normal' or 'exact', not "
                             f"{method!r}")
    if statistic == "proportion" and not 0 <= target <= 1:
        raise CaseStudyError(f"funnel_limits: a proportion's target must be in [0, 1], "
                             f"found {target}")
    if statistic == "rate" and target < 0:
        raise CaseStudyError(f"funnel_limits: a rate's target must be ≥ 0, found {target}")
    if phi != 1.0 and method != "normal":
        raise CaseStudyError("funnel_limits: limits widened for overdispersion (phi) use the "
                             "normal approximation; pass method='normal'")
    out = pd.DataFrame({"denominator": n, "target": float(target)})
    for level in levels:
        name = f"{level * 100:g}"
        tail = (1 - level) / 2
        if method == "normal":
            spread = target * (1 - target) if statistic == "proportion" else target
            half = _z(level) * np.sqrt(phi * spread / n)
            lower, upper = target - half, target + half
        elif statistic == "proportion":
            dist = stats.binom(np.round(n).astype(int), target)
            lower, upper = _exact(dist, n, tail), _exact(dist, n, 1 - tail)
        else:
            dist = stats.poisson(target * n)
            lower, upper = _exact(dist, n, tail), _exact(dist, n, 1 - tail)
        lower = np.maximum(lower, 0)
        if statistic == "proportion":
            upper = np.minimum(upper, 1)
        out[f"lower_{name}"], out[f"upper_{name}"] = lower, upper
    return out


def overdispersion(value: np.ndarray | pd.Series, denominator: np.ndarray | pd.Series,
                   target: float, *, statistic: str = "proportion",
                   winsor: float = 0.1) -> float:
    """Spiegelhalter's (2005, section 6) multiplicative overdispersion factor phi.

    z = (value − target) / √V, with V = target(1 − target)/n for a proportion and
    target/n for a rate; phi is the mean of z², after the z-scores below their 10th and
    above their 90th percentile are set to those percentiles (winsorising, so a few true
    outliers do not inflate it). Percentiles interpolate linearly (R's default, type 7).
    phi near 1: the units vary as chance would; well above 1 (I·phi beyond the upper
    χ² quantile with I degrees of freedom): they differ by more than chance, and most
    "outliers" of unadjusted limits reflect that rather than exceptional units.

    >>> # z = 0, 2, -2; winsorised at the 10th/90th percentiles (-1.6, 1.6): (0 + 2 × 2.56)/3
    >>> round(overdispersion([0.5, 0.6, 0.4], [100, 100, 100], 0.5), 6)
    1.706667
    """
    n = np.asarray(denominator, dtype=float)
    v = np.asarray(value, dtype=float)
    var = target * (1 - target) / n if statistic == "proportion" else target / n
    z = (v - target) / np.sqrt(var)
    lo, hi = np.quantile(z, [winsor, 1 - winsor])
    return float(np.mean(np.clip(z, lo, hi) ** 2))


_FLAGS = ("below 99.8%", "below 95%", "within 95%", "above 95%", "above 99.8%")


@dataclass(frozen=True)
class Funnel:
    """Units of one case against the case's pooled value, with funnel-plot limits.

    ``units`` has one row per unit: ``numerator``, ``denominator``, ``value`` (numerator /
    denominator × ``multiplier``), ``target`` (× multiplier), the limits at the unit's
    denominator (× multiplier), ``z`` (the unit's z-score, unadjusted) and ``flag`` (one of
    below 99.8%, below 95%, within 95%, above 95%, above 99.8%). ``curve`` holds the limits
    over a grid of denominators, for drawing. ``phi`` is the overdispersion estimate and
    ``phi_p`` its χ² p-value; ``adjusted`` says whether the limits were widened by it.
    """

    case: str
    statistic: str
    method: str
    multiplier: float
    target: float
    units: pd.DataFrame
    curve: pd.DataFrame
    phi: float
    phi_p: float
    adjusted: bool

    def table(self) -> pd.DataFrame:
        return self.units.copy()

    def plot(self, *, ax: Axes | None = None, **kwargs: object) -> Axes:
        from casestudy.plots.funnel import draw_funnel

        return draw_funnel(self, ax=ax, **kwargs)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        counts = self.units["flag"].value_counts()
        shown = ", ".join(f"{counts.get(f, 0)} {f}" for f in _FLAGS)
        how = f"widened by phi={self.phi:.3g}" if self.adjusted else \
            f"overdispersion phi={self.phi:.3g} (p={self.phi_p:.2g}) not adjusted"
        return (f"Funnel({self.case}: {len(self.units)} units, target "
                f"{self.target:.4g}; {shown}; {self.method} {self.statistic} limits, {how})")

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.units.to_html(index=False)


def funnel(data: pd.DataFrame, *, numerator: str, denominator: str,
           unit: str = "geography", case: str = "case", statistic: str = "proportion",
           method: str | None = None, multiplier: float = 100,
           target: float | None = None, levels: tuple[float, ...] = LEVELS,
           overdispersion_adjust: bool = False) -> Funnel:
    """Funnel-plot comparison of one case's units against the case's pooled value.

    The target is the pooled value of the case's units, Σ numerator / Σ denominator (the
    PHE convention), unless ``target`` (as a proportion or rate, before ``multiplier``) is
    given. Limits as in ``funnel_limits``. ``data`` has one row per unit (filter to one
    period and indicator first); units of several cases are refused, since a funnel
    compares units with their own case only. The overdispersion factor ``phi`` is always
    estimated (see ``overdispersion``); ``overdispersion_adjust=True`` widens the (normal)
    limits by it when it exceeds 1, as Spiegelhalter (2005) proposes for units that differ
    by more than chance.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["A", "B", "C"], "case": "SCO",
    ...                    "within": [80, 450, 935], "seen": [100, 500, 1000]})
    >>> f = funnel(df, numerator="within", denominator="seen")
    >>> round(f.target, 2), f.units["flag"].tolist()
    (91.56, ['below 99.8%', 'within 95%', 'above 95%'])
    """
    need = [unit, case, numerator, denominator]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise CaseStudyError(f"funnel: the table lacks column(s) {', '.join(missing)}")
    frame = data.loc[:, list(dict.fromkeys([*need, *(
        c for c in ("source_id",) if c in data.columns)]))].copy()
    found = sorted(set(frame[case].astype(str)))
    if len(found) != 1:
        raise CaseStudyError(f"funnel: one case at a time (units are compared with their own "
                             f"case's value); found {', '.join(found) or 'none'}")
    if frame[unit].duplicated().any():
        raise CaseStudyError(f"funnel: unit {frame.loc[frame[unit].duplicated(), unit].iloc[0]!r}"
                             " has several rows: filter to one period and indicator")
    num = pd.to_numeric(frame[numerator], errors="coerce")
    den = pd.to_numeric(frame[denominator], errors="coerce")
    if num.isna().any() or den.isna().any() or (den <= 0).any() or (num < 0).any():
        raise CaseStudyError("funnel: numerators must be numbers ≥ 0 and denominators > 0 "
                             "for every unit")
    if statistic == "proportion" and (num > den).any():
        bad = frame.loc[num > den, unit].iloc[0]
        raise CaseStudyError(f"funnel: unit {bad!r} has a numerator above its denominator; "
                             "use statistic='rate' for counts that are not proportions")
    pooled = float(num.sum() / den.sum()) if target is None else float(target)
    value = num / den
    phi = overdispersion(value, den, pooled, statistic=statistic)
    phi_p = float(stats.chi2.sf(len(den) * phi, len(den)))
    adjusted = overdispersion_adjust and phi > 1
    if adjusted:
        if method == "exact":
            raise CaseStudyError("funnel: limits adjusted for overdispersion use the normal "
                                 "approximation; drop method='exact'")
        method = "normal"
    method = method or ("normal" if statistic == "proportion" else "exact")
    widen = phi if adjusted else 1.0
    at = funnel_limits(den.to_numpy(), pooled, statistic=statistic, method=method,
                       levels=levels, phi=widen)
    lo_in, hi_in = f"lower_{levels[0] * 100:g}", f"upper_{levels[0] * 100:g}"
    lo_out, hi_out = f"lower_{levels[-1] * 100:g}", f"upper_{levels[-1] * 100:g}"
    flag = np.select(
        [value.to_numpy() < at[lo_out], value.to_numpy() < at[lo_in],
         value.to_numpy() > at[hi_out], value.to_numpy() > at[hi_in]],
        [_FLAGS[0], _FLAGS[1], _FLAGS[4], _FLAGS[3]], default=_FLAGS[2])
    units = pd.DataFrame({unit: frame[unit].astype(str).to_numpy(), case: found[0],
                          "numerator": num.to_numpy(), "denominator": den.to_numpy(),
                          "value": value.to_numpy() * multiplier})
    for col in at.columns.drop("denominator"):
        units[col] = at[col].to_numpy() * multiplier
    var = pooled * (1 - pooled) / den if statistic == "proportion" else pooled / den
    units["z"] = ((value - pooled) / np.sqrt(var)).to_numpy()
    units["flag"] = flag
    if "source_id" in frame.columns:
        units["source_id"] = frame["source_id"].to_numpy()
    lo, hi = den.min(), den.max()
    grid = np.unique(np.concatenate([np.geomspace(max(lo * 0.5, 1e-9), hi * 1.1, 200),
                                     den.to_numpy()]))
    curve = funnel_limits(grid, pooled, statistic=statistic, method=method, levels=levels,
                          phi=widen)
    for col in curve.columns.drop("denominator"):
        curve[col] = curve[col] * multiplier
    return Funnel(found[0], statistic, method, multiplier, pooled * multiplier,
                  units.sort_values(unit).reset_index(drop=True), curve, phi, phi_p,
                  adjusted)

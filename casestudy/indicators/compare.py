"""Cross-country comparison of tidy indicator tables: index, change, rank, gap, convergence.

Every function takes the tidy indicator table (``by``, ``indicator``, ``year``, ``value``;
``by`` is ``geography`` unless given) and returns a tidy DataFrame, or a result object with
``.table()``. Missing years are never interpolated: a value that cannot be computed is
missing, with a ``note`` saying why, and functions that need a common year say in a column
which year they used.

>>> import pandas as pd
>>> df = pd.DataFrame({"geography": ["NLD", "NLD", "ITA", "ITA"],
...                    "indicator": "beds_per_1000", "year": [2000, 2010] * 2,
...                    "value": [5.0, 4.0, 4.0, 3.0]})
>>> change(df, start=2000, end=2010)[["geography", "abs_change", "pct_change"]]
  geography  abs_change  pct_change
0       ITA        -1.0       -25.0
1       NLD        -1.0       -20.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from casestudy import cases
from casestudy.errors import CaseStudyError

KEY = ("indicator", "year", "value")


def _check(df: pd.DataFrame, by: str) -> pd.DataFrame:
    missing = [c for c in (by, *KEY) if c not in df.columns]
    if missing:
        raise CaseStudyError(f"the indicator table lacks column(s) {', '.join(missing)}; "
                             f"expected {by}, indicator, year, value")
    frame = df.dropna(subset=["value"]).copy()
    frame[by] = frame[by].astype(str)
    frame["year"] = frame["year"].astype(int)
    dup = frame.duplicated([by, "indicator", "year"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise CaseStudyError(f"two values for {row[by]}, {row['indicator']}, {row['year']}: "
                             "filter the table to one value per key first")
    return frame


def _carry(part: pd.DataFrame) -> dict[str, str]:
    """Unit and source ids of the rows a result rests on, so figures can cite them."""
    out = {}
    for col in ("unit", "source_id"):
        if col in part.columns:
            out[col] = ";".join(dict.fromkeys(str(v) for v in part[col].dropna()))
    return out


def _ranges(years: list[int]) -> str:
    """Years as compact ranges: [2001, 2002, 2003, 2007] → '2001-2003, 2007'."""
    out: list[str] = []
    for y in sorted(years):
        if out and int(out[-1].split("-")[-1]) == y - 1:
            out[-1] = f"{out[-1].split('-')[0]}-{y}"
        else:
            out.append(str(y))
    return ", ".join(out)


def missing_years(df: pd.DataFrame, *, by: str = "geography", start: int | None = None,
                  end: int | None = None) -> pd.DataFrame:
    """Which years each series lacks between ``start`` and ``end``.

    Defaults: the first and last year of the indicator in any geography, so a series that
    stops early is reported as missing its last years.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["NLD"] * 3 + ["GBR"] * 4, "indicator": "x",
    ...                    "year": [2012, 2013, 2015, 2012, 2013, 2014, 2015], "value": 1.0})
    >>> missing_years(df)[["geography", "missing", "n_missing"]]  # doctest: +NORMALIZE_WHITESPACE
      geography missing  n_missing
    0       GBR                  0
    1       NLD    2014          1
    """
    frame = _check(df, by)
    rows = []
    for indicator, part in frame.groupby("indicator", sort=True):
        lo = part["year"].min() if start is None else start
        hi = part["year"].max() if end is None else end
        for key, series in part.groupby(by, sort=True):
            have = set(series["year"])
            gaps = [y for y in range(lo, hi + 1) if y not in have]
            rows.append({by: key, "indicator": indicator, "first_year": series["year"].min(),
                         "last_year": series["year"].max(), "n_years": len(have),
                         "missing": _ranges(gaps), "n_missing": len(gaps)})
    return pd.DataFrame(rows)


def index_to(df: pd.DataFrame, base_year: int, *, by: str = "geography") -> pd.DataFrame:
    """Each series as an index, ``base_year`` = 100.

    A series with no value in ``base_year`` keeps its rows with a missing ``index`` and a
    ``note`` saying so; no value is borrowed from a neighbouring year.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["NLD", "NLD", "ITA"], "indicator": "x",
    ...                    "year": [2000, 2001, 2001], "value": [4.0, 5.0, 3.0]})
    >>> index_to(df, 2000)[["geography", "year", "index", "note"]]  # doctest: +NORMALIZE_WHITESPACE
      geography  year  index                  note
    0       ITA  2001    NaN  no value in base year 2000
    1       NLD  2000  100.0
    2       NLD  2001  125.0
    """
    frame = _check(df, by)
    base = frame[frame["year"] == base_year].set_index([by, "indicator"])["value"]
    keys = pd.MultiIndex.from_frame(frame[[by, "indicator"]])
    base_value = base.reindex(keys).to_numpy()
    frame["base_year"] = base_year
    frame["index"] = frame["value"].to_numpy() / base_value * 100
    frame["note"] = np.where(np.isnan(base_value), f"no value in base year {base_year}", "")
    return frame.sort_values([by, "indicator", "year"]).reset_index(drop=True)


def change(df: pd.DataFrame, *, start: int, end: int, by: str = "geography") -> pd.DataFrame:
    """Change of each series from ``start`` to ``end``: absolute, percent and annual growth.

    ``cagr_pct`` is the compound annual growth rate, (end / start) ** (1 / years) - 1, in
    percent; it is missing when either value is not positive. A series lacking either year
    gets missing changes and a ``note``.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": "NLD", "indicator": "x", "year": [2000, 2002],
    ...                    "value": [100.0, 121.0]})
    >>> round(float(change(df, start=2000, end=2002).loc[0, "cagr_pct"]), 6)
    10.0
    """
    if end <= start:
        raise CaseStudyError(f"change: end ({end}) must be after start ({start})")
    frame = _check(df, by)
    rows = []
    for (key, indicator), part in frame.groupby([by, "indicator"], sort=True):
        values = part.set_index("year")["value"]
        v0, v1 = values.get(start, np.nan), values.get(end, np.nan)
        absent = [str(y) for y, v in ((start, v0), (end, v1)) if np.isnan(v)]
        note = f"no value in {' and '.join(absent)}" if absent else ""
        positive = v0 > 0 and v1 > 0
        if not absent and not positive:
            note = "growth rate undefined for values that are not positive"
        rows.append({by: key, "indicator": indicator, "start_year": start, "end_year": end,
                     "start_value": v0, "end_value": v1, "abs_change": v1 - v0,
                     "pct_change": (v1 - v0) / v0 * 100 if v0 else np.nan,
                     "cagr_pct": ((v1 / v0) ** (1 / (end - start)) - 1) * 100
                     if positive else np.nan,
                     "note": note, **_carry(part)})
    return pd.DataFrame(rows)


def _common_years(frame: pd.DataFrame, by: str) -> dict[str, list[int]]:
    """Per indicator, the years in which every geography of that indicator has a value."""
    out = {}
    for indicator, part in frame.groupby("indicator", sort=True):
        members = part[by].nunique()
        counts = part.groupby("year")[by].nunique()
        out[indicator] = sorted(counts[counts == members].index)
    return out


def latest(df: pd.DataFrame, *, by: str = "geography",
           exclude_projections: bool = True) -> pd.DataFrame:
    """Values in the latest year in which every geography has a value, per indicator.

    ``year`` is that common year; ``latest_own_year`` is each geography's own latest year,
    and ``note`` names any later value left out to keep the comparison like for like.
    Rows whose ``status`` is ``projection`` are left out unless ``exclude_projections`` is
    false. An indicator with no common year gives each geography's row with a missing
    value and a note.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["NLD", "NLD", "GBR"], "indicator": "x",
    ...                    "year": [2018, 2019, 2018], "value": [1.0, 2.0, 3.0]})
    >>> latest(df)[["geography", "year", "value", "note"]]  # doctest: +NORMALIZE_WHITESPACE
      geography  year  value                          note
    0       GBR  2018    3.0
    1       NLD  2018    1.0  later value in 2019 left out
    """
    frame = _check(df, by)
    if exclude_projections and "status" in frame.columns:
        frame = frame[frame["status"] != "projection"]
    common = _common_years(frame, by)
    rows = []
    for indicator, part in frame.groupby("indicator", sort=True):
        year = common[indicator][-1] if common[indicator] else None
        for key, series in part.groupby(by, sort=True):
            own = int(series["year"].max())
            value = series.loc[series["year"] == year, "value"]
            if year is None:
                note = "no year in which every geography has a value"
            else:
                note = f"later value in {own} left out" if own > year else ""
            rows.append({by: key, "indicator": indicator,
                         "year": year if year is not None else pd.NA,
                         "value": float(value.iloc[0]) if len(value) else np.nan,
                         "latest_own_year": own, "note": note, **_carry(series)})
    out = pd.DataFrame(rows)
    out["year"] = out["year"].astype("Int64")
    return out


def rank(df: pd.DataFrame, year: int | None = None, *, by: str = "geography",
         ascending: bool = False, exclude_projections: bool = True) -> pd.DataFrame:
    """Rank of each geography per indicator in ``year`` (1 = highest unless ``ascending``).

    Without ``year``, each indicator is ranked in its latest common year (see ``latest``,
    which also explains ``exclude_projections``), given in the ``year`` column. A geography
    with no value in that year gets no rank and a ``note``; ties share the lower rank.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["NLD", "ITA", "GBR"], "indicator": "x",
    ...                    "year": 2020, "value": [2.0, 3.0, 1.0]})
    >>> rank(df)[["geography", "rank"]].values.tolist()
    [['GBR', 3], ['ITA', 1], ['NLD', 2]]
    """
    if year is None:
        table = latest(df, by=by, exclude_projections=exclude_projections)
    else:
        frame = _check(df, by)
        rows = []
        for (key, indicator), series in frame.groupby([by, "indicator"], sort=True):
            value = series.loc[series["year"] == year, "value"]
            rows.append({by: key, "indicator": indicator, "year": year,
                         "value": float(value.iloc[0]) if len(value) else np.nan,
                         "note": "" if len(value) else f"no value in {year}",
                         **_carry(series)})
        table = pd.DataFrame(rows)
        table["year"] = table["year"].astype("Int64")
    ranks = table.groupby("indicator")["value"].rank(method="min", ascending=ascending)
    table["rank"] = ranks.astype("Int64")
    table["n_ranked"] = table.groupby("indicator")["value"].transform("count")
    return table


def gap_to_peers(df: pd.DataFrame, focus: str, *, by: str = "geography") -> pd.DataFrame:
    """Distance of ``focus`` from the mean of the other geographies, per indicator and year.

    ``gap`` = focus value - mean of the peers; ``gap_pct`` is the gap as a percentage of
    that mean. ``focus`` is a value of ``by``, or a case code standing for its state (NL for
    NLD); SCO and ENG are refused against GBR figures, which are the UK's. The peers are
    every other geography with the indicator; a year in which one of them (or the focus) has
    no value gets no gap and a ``note`` naming who is missing, so the peer group never
    changes silently from year to year.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["NLD", "ITA", "GBR"], "indicator": "x",
    ...                    "year": 2020, "value": [10.0, 6.0, 8.0]})
    >>> gap_to_peers(df, "NLD")[["peers_mean", "gap", "gap_pct"]].values.tolist()
    [[7.0, 3.0, 42.857142857142854]]
    """
    frame = _check(df, by)
    focus = _resolve_focus(focus, frame, by)
    if focus not in set(frame[by]):
        raise CaseStudyError(f"gap_to_peers: {focus!r} is not in column {by!r} (found: "
                             f"{', '.join(sorted(set(frame[by])))})")
    rows = []
    for indicator, part in frame.groupby("indicator", sort=True):
        members = sorted(set(part[by]))
        peers = [m for m in members if m != focus]
        wide = part.pivot(index="year", columns=by, values="value").reindex(columns=members)
        for year, values in wide.iterrows():
            absent = [m for m in members if np.isnan(values[m])]
            mean = values[peers].mean() if peers and not absent else np.nan
            gap = values[focus] - mean
            rows.append({"focus": focus, "indicator": indicator, "year": int(year),
                         "value": values[focus], "peers": ";".join(peers),
                         "peers_mean": mean, "gap": gap,
                         "gap_pct": gap / mean * 100 if mean else np.nan,
                         "note": f"no value for {', '.join(absent)}" if absent else
                         ("no peers" if not peers else ""), **_carry(part)})
    return pd.DataFrame(rows)


def _resolve_focus(focus: str, frame: pd.DataFrame, by: str) -> str:
    """A case code names its state in a table of states: NL → NLD; SCO and ENG never GBR."""
    if focus in set(frame[by]) or focus not in cases.codes():
        return focus
    state = cases.get(focus).state_iso3
    if cases.case_for_state(state) != focus:
        raise CaseStudyError(
            f"gap_to_peers: {state} figures stand for {cases.label(state)}, not for "
            f"{cases.label(focus)} alone; compare {focus} with a {focus}-level series")
    return state


@dataclass(frozen=True)
class Convergence:
    """Sigma convergence: dispersion across geographies per year, and its trend.

    ``years`` holds the coefficient of variation (standard deviation / mean) across the
    geographies in each year in which all of them have a value, with the source ids it
    rests on; ``trend`` regresses ``cv`` on year (OLS) per indicator: a negative slope is
    convergence. The ``p_value`` assumes independent residuals, which annual series rarely
    have: read it as a description of the trend, not a test.
    """

    by: str
    ddof: int
    years: pd.DataFrame
    trend: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """The trend, one row per indicator (``slope_per_year``, ``p_value``, …)."""
        return self.trend.copy()

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Coefficient of variation by year, one line per indicator."""
        from casestudy.indicators.context import TITLES
        from casestudy.plots.trends import dispersion

        return dispersion(self.years, labels=TITLES, ax=ax)


def convergence(df: pd.DataFrame, *, by: str = "geography", ddof: int = 0,
                alpha: float = 0.05) -> Convergence:
    """Coefficient of variation across geographies by year and its linear trend per indicator.

    Only years in which every geography of an indicator has a value are used (the years
    left out are listed in the trend's ``years_left_out``). ``ddof=0`` treats the
    geographies as the whole set compared rather than a sample of a larger population.
    ``direction`` is ``converging`` or ``diverging`` when the slope's p-value is below
    ``alpha``, ``no clear trend`` otherwise, and ``too few years`` with fewer than three.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"geography": ["A", "B"] * 3, "indicator": "x",
    ...                    "year": [2000, 2000, 2001, 2001, 2002, 2002],
    ...                    "value": [1.0, 3.0, 1.5, 2.5, 2.0, 2.0]})
    >>> # cv falls by exactly 0.25 a year: a perfect fit, p = 0
    >>> convergence(df).years["cv"].round(3).tolist()
    [0.5, 0.25, 0.0]
    >>> result = convergence(df).table()
    >>> round(float(result.loc[0, "slope_per_year"]), 9), result.loc[0, "direction"]
    (-0.25, 'converging')
    """
    # statsmodels takes seconds to import; ``casestudy.plots`` (via the funnel) imports
    # this module, so the import waits until a trend is fitted.
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    frame = _check(df, by)
    common = _common_years(frame, by)
    year_rows, trend_rows = [], []
    for indicator, part in frame.groupby("indicator", sort=True):
        used = part[part["year"].isin(common[indicator])]
        stats = used.groupby("year")["value"].agg(["mean", lambda v: v.std(ddof=ddof), "count"])
        stats.columns = ["mean", "sd", "n"]
        stats["cv"] = stats["sd"] / stats["mean"]
        cited = _carry(used).get("source_id", "")
        for year, s in stats.iterrows():
            year_rows.append({"indicator": indicator, "year": int(year), "n": int(s["n"]),
                              "mean": s["mean"], "sd": s["sd"], "cv": s["cv"],
                              "source_id": cited})
        all_years = range(part["year"].min(), part["year"].max() + 1)
        left_out = [y for y in all_years if y not in set(common[indicator])]
        slope = p_value = np.nan
        if len(stats) >= 2:
            # Years counted from the first one keep the design matrix well conditioned.
            elapsed = stats.index.to_numpy(dtype=float) - stats.index.min()
            fit = OLS(stats["cv"].to_numpy(), add_constant(elapsed)).fit()
            slope = float(fit.params[1])
            p_value = float(fit.pvalues[1]) if len(stats) >= 3 else np.nan
        if len(stats) < 3:
            direction = "too few years"
        elif not p_value < alpha:
            direction = "no clear trend"
        else:
            direction = "converging" if slope < 0 else "diverging"
        trend_rows.append({
            "indicator": indicator, "first_year": int(stats.index.min()) if len(stats) else
            pd.NA, "last_year": int(stats.index.max()) if len(stats) else pd.NA,
            "n_years": len(stats), "cv_first": stats["cv"].iloc[0] if len(stats) else np.nan,
            "cv_last": stats["cv"].iloc[-1] if len(stats) else np.nan,
            "slope_per_year": slope, "p_value": p_value, "direction": direction,
            "years_left_out": _ranges(left_out)})
    return Convergence(by=by, ddof=ddof, years=pd.DataFrame(year_rows),
                       trend=pd.DataFrame(trend_rows))

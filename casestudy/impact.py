"""Impact evaluation: interrupted time series, controlled ITS and difference-in-differences.

``its`` is segmented regression as Bernal, Cummins & Gasparrini (2017, *Int J Epidemiol*
46:348–355, "Interrupted time series regression for the evaluation of public health
interventions: a tutorial") set it out:

    g(E[Yₜ]) = β₀ + β₁·t + Σₖ (β₂ₖ·Xₖₜ + β₃ₖ·(t − tₖ)·Xₖₜ) + seasonality [+ log population]

where t counts periods from the first (0, 1, 2, …), Xₖₜ is 1 from the first period in which
interruption k is in effect (tₖ), so β₂ₖ is the level change and β₃ₖ the slope change.
Counts use a log link (Poisson; quasi-Poisson, which is Poisson with the Pearson dispersion
as scale; or negative binomial) and a population ``offset``; seasonality is ``seasonality``
pairs of Fourier terms sin/cos(2πk·t/period); ``hac_lags`` gives Newey–West standard errors.
Estimation is by statsmodels.

>>> import numpy as np, pandas as pd
>>> t = np.arange(48)
>>> df = pd.DataFrame({"month": pd.date_range("2015-01-01", periods=48, freq="MS"),
...                    "y": 10 + 0.5 * t + 5 * (t >= 24)})  # simulated, no noise
>>> res = its(df, "y", time="month", intervention="2017-01-01")
>>> round(float(res.effects.set_index("effect").loc["level change", "estimate"]), 6)
5.0
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes
from scipy import stats
from statsmodels.stats.diagnostic import acorr_breusch_godfrey, acorr_ljungbox
from statsmodels.tsa.stattools import acf, pacf

from casestudy._display import summary_html, summary_text
from casestudy._frames import check_columns
from casestudy.errors import CaseStudyError

Family = Literal["gaussian", "poisson", "quasipoisson", "negbin"]
FAMILIES: tuple[str, ...] = get_args(Family)
SlopeOrigin = Literal["first_post", "last_pre"]


# --------------------------------------------------------------------------- time axis

def _time_steps(values: pd.Series, what: str, column: str) -> np.ndarray:
    """Consecutive period numbers 0, 1, 2, … after checking order, duplicates and gaps.

    Dates must be monthly (any day; the month counts); numbers must be equally spaced.
    """
    if values.isna().any():
        raise CaseStudyError(f"{what}: time column {column!r} has missing values")
    if pd.api.types.is_datetime64_any_dtype(values) or values.dtype == object or \
            pd.api.types.is_string_dtype(values):
        try:
            dates = pd.to_datetime(values)
        except (ValueError, TypeError):
            raise CaseStudyError(f"{what}: time column {column!r} holds "
                                 f"{values.iloc[0]!r}; expected dates or numbers") from None
        steps = (dates.dt.year * 12 + dates.dt.month).to_numpy()
    else:
        steps = pd.to_numeric(values).to_numpy(dtype=float)
    diffs = np.diff(steps)
    if (diffs == 0).any():
        i = int(np.flatnonzero(diffs == 0)[0]) + 1
        raise CaseStudyError(f"{what}: time {values.iloc[i]!r} appears twice (rows {i} and "
                             f"{i + 1}); expected one observation per period")
    if (diffs < 0).any():
        i = int(np.flatnonzero(diffs < 0)[0]) + 1
        raise CaseStudyError(f"{what}: time is not increasing at row {i + 1} "
                             f"({values.iloc[i - 1]!r} then {values.iloc[i]!r}); sort the "
                             "data by time")
    if len(diffs) and not np.allclose(diffs, diffs[0]):
        i = int(np.flatnonzero(~np.isclose(diffs, diffs[0]))[0]) + 1
        raise CaseStudyError(f"{what}: a gap in time between {values.iloc[i - 1]!r} and "
                             f"{values.iloc[i]!r}; ITS needs equally spaced periods with "
                             "none missing")
    step = diffs[0] if len(diffs) else 1
    return np.rint((steps - steps[0]) / step).astype(int)


def _locate(values: pd.Series, when: Any, what: str) -> int:
    """Position of the first period at or after ``when``; error if outside the series."""
    if pd.api.types.is_datetime64_any_dtype(values):
        when = pd.Timestamp(when)
    hits = np.flatnonzero((values >= when).to_numpy())
    if not len(hits) or hits[0] == 0:
        raise CaseStudyError(f"{what}: intervention {when!r} is outside the series "
                             f"({values.iloc[0]!r} to {values.iloc[-1]!r}); it needs "
                             "periods before and after it")
    return int(hits[0])


# --------------------------------------------------------------------------- design

@dataclass
class _Design:
    full: pd.DataFrame           # all rows (including the transition periods)
    X: pd.DataFrame              # design for ``full``
    labels: list[str]            # one label per interruption
    # (intervention, first period of its effect) positions within the series
    transition: list[tuple[int, int]]
    fourier: list[str]
    keep: np.ndarray             # rows of ``full`` used for estimation
    # Rows of ``full`` that are the series the result describes: in a controlled ITS the
    # treated series (the control's rows only inform the fit); None means every row.
    series: np.ndarray | None = None

    @property
    def frame(self) -> pd.DataFrame:
        """Rows kept for estimation, in time order."""
        return self.full.loc[self.keep]

    @property
    def starts(self) -> list[int]:
        """Position at which each effect starts."""
        return [start for _, start in self.transition]


def _design(data: pd.DataFrame, y: str, *, time: str, intervention: Any, offset: str | None,
            seasonality: int, period: float, slope_change: bool, transition: int,
            what: str, slope_origin: SlopeOrigin = "first_post") -> _Design:
    check_columns(data, [y, time, offset or None], what=what)
    frame = data.reset_index(drop=True)
    t = _time_steps(frame[time], what, time)
    if len(frame) < 8:
        raise CaseStudyError(f"{what}: {len(frame)} periods; an ITS needs at least 8")
    values = pd.to_numeric(frame[y], errors="coerce")
    if values.isna().any():
        i = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise CaseStudyError(f"{what}: column {y!r} at row {i + 1} ({frame[time].iloc[i]!r}) "
                             f"holds {frame[y].iloc[i]!r}; expected a number")
    if transition < 0:
        raise CaseStudyError(f"{what}: transition must be ≥ 0 periods, got {transition!r}")
    if slope_origin not in ("first_post", "last_pre"):
        raise CaseStudyError(f"{what}: slope_origin must be 'first_post' or 'last_pre', "
                             f"got {slope_origin!r}")
    X = pd.DataFrame({"const": 1.0, "trend": t.astype(float)})
    labels, spans = [], []
    if isinstance(intervention, str) and intervention in frame.columns:
        flag = pd.to_numeric(frame[intervention], errors="coerce")
        if not flag.isin([0, 1]).all():
            raise CaseStudyError(f"{what}: intervention column {intervention!r} must hold "
                                 "0 or 1 in every row")
        on = np.flatnonzero(flag.to_numpy() == 1)
        if not len(on) or on[0] == 0:
            raise CaseStudyError(f"{what}: intervention column {intervention!r} must be 0 "
                                 "before and 1 from some period on")
        if not (flag.to_numpy()[on[0]:] == 1).all():
            raise CaseStudyError(f"{what}: intervention column {intervention!r} switches "
                                 "back to 0; give several interruptions as a list of times")
        positions, labels = [int(on[0])], [intervention]
    else:
        whens = list(intervention) if isinstance(intervention, (list, tuple)) else [intervention]
        tvals = frame[time]
        if not pd.api.types.is_numeric_dtype(tvals):
            tvals = pd.to_datetime(tvals)
        positions = [_locate(tvals, w, what) for w in whens]
        labels = [str(frame[time].iloc[p])[:10] for p in positions]
        if sorted(positions) != positions or len(set(positions)) != len(positions):
            raise CaseStudyError(f"{what}: interventions must be distinct and in time order")
    keep = np.ones(len(frame), dtype=bool)
    for k, pos in enumerate(positions, start=1):
        start = pos + transition
        if start >= len(frame) - 1:
            raise CaseStudyError(f"{what}: intervention {labels[k - 1]} (+{transition} "
                                 "transition periods) leaves fewer than 2 periods after it")
        keep[pos:start] = False
        spans.append((pos, start))
        suffix = "" if len(positions) == 1 else f"_{k}"
        step = (t >= t[start]).astype(float)
        X[f"level{suffix}"] = step
        if slope_change:
            X[f"slope{suffix}"] = step * (t - t[start] + (slope_origin == "last_pre"))
    fourier = []
    for k in range(1, seasonality + 1):
        X[f"sin{k}"] = np.sin(2 * np.pi * k * t / period)
        X[f"cos{k}"] = np.cos(2 * np.pi * k * t / period)
        fourier += [f"sin{k}", f"cos{k}"]
    return _Design(frame, X, labels, spans, fourier, keep)


def _fit(design: _Design, y: str, *, family: str, offset: str | None, hac_lags: int | None,
         what: str, use_t: bool | None = None) -> Any:
    if family not in FAMILIES:
        raise CaseStudyError(f"{what}: family must be one of {', '.join(FAMILIES)}, "
                             f"got {family!r}")
    endog = pd.to_numeric(design.frame[y]).to_numpy(dtype=float)
    exog = design.X.loc[design.keep]
    # R's lm()/coeftest() report t for least squares (with or without Newey-West errors);
    # glm() and glm.nb() report Wald z for Poisson and negative binomial. statsmodels
    # switches OLS to z once a robust covariance is asked for, so say it explicitly.
    cov: dict[str, Any] = {"use_t": family == "gaussian" if use_t is None else bool(use_t)}
    if hac_lags is not None:
        cov |= {"cov_type": "HAC", "cov_kwds": {"maxlags": int(hac_lags)}}
    off = None
    if family != "gaussian" and (endog < 0).any():
        i = int(np.flatnonzero(endog < 0)[0])
        raise CaseStudyError(f"{what}: {family} needs counts ≥ 0; {y!r} is {endog[i]:g} in "
                             f"row {design.frame.index[i] + 1}")
    if offset:
        pop = pd.to_numeric(design.frame[offset], errors="coerce").to_numpy(dtype=float)
        if family == "gaussian":
            raise CaseStudyError(f"{what}: offset needs a log-link family (poisson, "
                                 "quasipoisson or negbin)")
        if not (np.isfinite(pop) & (pop > 0)).all():
            raise CaseStudyError(f"{what}: offset column {offset!r} must be a positive "
                                 "population in every row")
        off = np.log(pop)
    if family == "gaussian":
        return sm.OLS(endog, exog).fit(**cov)
    glm = sm.GLM(endog, exog, family=sm.families.Poisson(), offset=off)
    if family == "negbin":
        # Poisson estimates are good starting values; Newton from zero often fails.
        start = np.append(glm.fit().params.to_numpy(), 0.1)
        model = sm.NegativeBinomial(endog, exog, offset=off)
        fit = model.fit(start_params=start, method="bfgs", disp=0, maxiter=500, **cov)
        if not fit.mle_retvals.get("converged", True):
            raise CaseStudyError(f"{what}: the negative binomial fit did not converge "
                                 "(often because the counts are not overdispersed); use "
                                 "poisson or quasipoisson")
        return fit
    scale = "X2" if family == "quasipoisson" else None
    return glm.fit(scale=scale, **cov)


def _effects_table(model: Any, names: list[tuple[str, str, str]], *, log_link: bool,
                   alpha: float) -> pd.DataFrame:
    params, bse, pvalues = model.params, model.bse, model.pvalues
    z = _crit(model, alpha)
    rows = []
    for term, effect, label in names:
        est, se = float(params[term]), float(bse[term])
        lo, hi = est - z * se, est + z * se
        if log_link:
            est, lo, hi = np.exp(est), np.exp(lo), np.exp(hi)
        rows.append({"effect": effect, "intervention": label, "term": term,
                     "estimate": est, "ci_lower": lo, "ci_upper": hi,
                     "std_error": se, "p_value": float(pvalues[term]),
                     "scale": "rate ratio" if log_link else "difference"})
    return pd.DataFrame(rows)


def _errors_text(model: Any) -> str:
    kind = getattr(model, "cov_type", "nonrobust")
    if kind == "HAC":
        return f"Newey–West (HAC), {model.cov_kwds['maxlags']} lag(s)"
    if kind == "cluster":
        return f"clustered by unit ({_clusters(model)} clusters)"
    return "model-based"


def _clusters(model: Any) -> int:
    return int(getattr(model, "n_groups", None) or len(np.unique(model.cov_kwds["groups"])))


def _inference_text(model: Any, alpha: float) -> str:
    level = f"{100 * (1 - alpha):g}% intervals"
    if getattr(model, "use_t", False):
        df = getattr(model, "df_resid_inference", None) or model.df_resid
        return f"t with {df:g} df, {level}"
    return f"normal (z), {level}"


def _crit(model: Any, alpha: float) -> float:
    # The same reference distribution as the model's own p-values: t with the inference
    # degrees of freedom (G - 1 for clustered errors) when ``use_t``, else the normal.
    if getattr(model, "use_t", False):
        df = getattr(model, "df_resid_inference", None) or model.df_resid
        return float(stats.t.ppf(1 - alpha / 2, df))
    return float(stats.norm.ppf(1 - alpha / 2))


# --------------------------------------------------------------------------- ITS result

@dataclass
class ITSResult:
    """A fitted interrupted time series.

    ``effects`` is a tidy table (trend, level change and slope change with estimate, 95%
    Wald CI and p-value; rate ratios for log-link families), ``model`` the statsmodels
    result.
    """

    effects: pd.DataFrame
    model: Any
    y: str
    time: str
    family: str
    offset: str | None
    design: _Design = field(repr=False)
    alpha: float = 0.05

    def table(self) -> pd.DataFrame:
        return self.effects.copy()

    def _facts(self) -> list[tuple[str, str]]:
        controlled = self.design.series is not None
        periods = int(self.design.keep[self._rows()].sum())
        return [("design", "controlled ITS (treated vs control series)" if controlled
                 else "single-series ITS"),
                ("outcome", self.y), ("family", self.family),
                ("offset", f"log({self.offset})" if self.offset else "none"),
                ("interventions", ", ".join(self.design.labels)),
                ("periods in the fit", str(periods)),
                ("seasonality", f"{len(self.design.fourier) // 2} Fourier pair(s)"
                 if self.design.fourier else "none"),
                ("standard errors", _errors_text(self.model)),
                ("inference", _inference_text(self.model, self.alpha))]

    def _display_table(self) -> pd.DataFrame:
        return self.effects.drop(columns="term")

    def __repr__(self) -> str:
        return summary_text("Interrupted time series: effects", self._facts(),
                            self._display_table())

    def _repr_html_(self) -> str:
        return summary_html("Interrupted time series: effects", self._facts(),
                            self._display_table())

    def _predict(self, X: pd.DataFrame) -> pd.DataFrame:
        kwargs: dict[str, Any] = {}
        if self.offset:
            kwargs["offset"] = np.log(pd.to_numeric(self.design.full[self.offset])
                                      .to_numpy(dtype=float))
        with warnings.catch_warnings():
            # statsmodels' count models note that they predict on the log link: expected.
            warnings.filterwarnings("ignore", "using default log-link", UserWarning)
            frame = self.model.get_prediction(X, **kwargs).summary_frame(alpha=self.alpha)
        # Linear and GLM results name the columns mean/mean_ci_*, count models predicted/ci_*.
        mean = frame["mean"] if "mean" in frame else frame["predicted"]
        lower = frame["mean_ci_lower"] if "mean_ci_lower" in frame else frame["ci_lower"]
        upper = frame["mean_ci_upper"] if "mean_ci_upper" in frame else frame["ci_upper"]
        return pd.DataFrame({"mean": np.asarray(mean), "lower": np.asarray(lower),
                             "upper": np.asarray(upper)})

    def _switched_off(self) -> pd.DataFrame:
        """The design with the reported level and slope changes set to zero.

        Exactly the terms in ``effects`` other than the trend: in a controlled ITS these are
        the treated series' own changes, while the change both series share stays on.
        """
        X = self.design.X.copy()
        terms = self.effects.loc[self.effects["effect"].isin(_CHANGES), "term"]
        X[list(terms)] = 0.0
        return X

    def _rows(self) -> np.ndarray:
        series = self.design.series
        return np.ones(len(self.design.full), dtype=bool) if series is None else series

    def counterfactual(self) -> pd.DataFrame:
        """Every period: observed, fitted and the fitted values with the intervention off.

        The counterfactual carries its confidence interval (from the model's covariance,
        HAC when ``hac_lags`` was set). ``in_model`` is False for transition periods. For a
        controlled ITS the rows are the treated series', and its counterfactual keeps the
        change the control shares.
        """
        rows = self._rows()
        full = self.design.full[rows]
        fitted = self._predict(self.design.X)[rows]
        cf = self._predict(self._switched_off())[rows]
        return pd.DataFrame({
            self.time: full[self.time].to_numpy(),
            "observed": pd.to_numeric(full[self.y]).to_numpy(dtype=float),
            "fitted": fitted["mean"].to_numpy(), "fitted_lower": fitted["lower"].to_numpy(),
            "fitted_upper": fitted["upper"].to_numpy(),
            "counterfactual": cf["mean"].to_numpy(),
            "counterfactual_lower": cf["lower"].to_numpy(),
            "counterfactual_upper": cf["upper"].to_numpy(),
            "in_model": self.design.keep[rows],
        })

    def deseasonalised(self) -> pd.Series:
        """Fitted values with the Fourier terms set to zero (the underlying trend), for the
        rows of ``counterfactual()``."""
        X = self.design.X.copy()
        X[self.design.fourier] = 0.0
        return self._predict(X)["mean"][self._rows()].reset_index(drop=True)

    def diagnostics(self, *, lags: int = 12) -> pd.DataFrame:
        """Residual autocorrelation and overdispersion, one row per check.

        ``acf``/``pacf`` of the (Pearson) residuals by lag; Ljung–Box Q by lag; one
        Breusch–Godfrey LM test of order ``lags``; for count families the Pearson dispersion
        (χ²/df: above 1 means overdispersion relative to Poisson). The Breusch–Godfrey test
        regresses the residuals on the design and their own lags, as for OLS.
        """
        resid = np.asarray(getattr(self.model, "resid_pearson", None)
                           if self.family != "gaussian" else self.model.resid)
        if self.family == "negbin":
            mu = self.model.predict()
            alpha_nb = float(self.model.params["alpha"])
            endog = self.model.model.endog
            resid = (endog - mu) / np.sqrt(mu + alpha_nb * mu ** 2)
        n = len(resid)
        lags = max(1, min(lags, n // 2 - 1))
        rows = []
        for k, v in enumerate(acf(resid, nlags=lags, fft=False)[1:], start=1):
            rows.append({"check": "acf", "lag": k, "statistic": float(v), "p_value": np.nan})
        for k, v in enumerate(pacf(resid, nlags=lags, method="ywm")[1:], start=1):
            rows.append({"check": "pacf", "lag": k, "statistic": float(v), "p_value": np.nan})
        lb = acorr_ljungbox(resid, lags=lags)
        for k, (q, p) in enumerate(zip(lb["lb_stat"], lb["lb_pvalue"], strict=True), start=1):
            rows.append({"check": "ljung_box", "lag": k, "statistic": float(q),
                         "p_value": float(p)})
        exog = self.design.X.loc[self.design.keep].to_numpy()
        aux = sm.OLS(resid, exog).fit()
        with warnings.catch_warnings():
            # statsmodels 0.15 announces a change of return type; the tuple serves 0.14 too.
            warnings.simplefilter("ignore", FutureWarning)
            lm, lm_p, _, _ = acorr_breusch_godfrey(aux, nlags=lags)
        rows.append({"check": "breusch_godfrey", "lag": lags, "statistic": float(lm),
                     "p_value": float(lm_p)})
        if self.family != "gaussian":
            df_resid = n - self.design.X.shape[1]
            rows.append({"check": "pearson_dispersion", "lag": np.nan,
                         "statistic": float((resid ** 2).sum() / df_resid),
                         "p_value": float(stats.chi2.sf((resid ** 2).sum(), df_resid))})
        return pd.DataFrame(rows)

    def plot(self, ax: Axes | None = None, *, deseasonalised: bool = False,
             title: str | None = None, colour: str = "#0072B2") -> Axes:
        """Observed points, fitted line, counterfactual with its CI, interventions marked."""
        from casestudy.plots import new_axes

        ax = new_axes(ax)
        cf = self.counterfactual()
        x = cf[self.time]
        ax.scatter(x[cf.in_model], cf.observed[cf.in_model], s=8, color="#555555",
                   label="observed", zorder=3)
        if (~cf.in_model).any():
            ax.scatter(x[~cf.in_model], cf.observed[~cf.in_model], s=8, facecolor="none",
                       edgecolor="#555555", label="transition (left out)", zorder=3)
        ax.plot(x, cf.fitted, color=colour, lw=1.5, label="fitted")
        post = np.zeros(len(cf), dtype=bool)
        post[self.design.starts[0]:] = True
        ax.plot(x[post], cf.counterfactual[post], color=colour, ls="--", lw=1.2,
                label="counterfactual (no intervention)")
        ax.fill_between(x[post], cf.counterfactual_lower[post], cf.counterfactual_upper[post],
                        color=colour, alpha=0.15, lw=0)
        if deseasonalised and self.design.fourier:
            ax.plot(x, self.deseasonalised(), color="#D55E00", lw=1, label="deseasonalised")
        for (pos, start), label in zip(self.design.transition, self.design.labels,
                                       strict=True):
            ax.axvline(x.iloc[pos], color="#231F20", lw=0.8, ls=":")
            if start > pos:
                ax.axvspan(x.iloc[pos], x.iloc[start], color="#999999", alpha=0.15, lw=0)
            ax.annotate(label, (x.iloc[pos], 1), xycoords=("data", "axes fraction"),
                        fontsize=7, ha="left", va="top")
        ax.set_ylabel(self.y)
        ax.legend(loc="best", fontsize=7)
        if title:
            ax.set_title(title)
        return ax


#: The effects ``_effect_names`` reports besides the trend: what the counterfactual removes.
_CHANGES = ("level change", "slope change")


def _effect_names(labels: Sequence[str], slope_change: bool, *, prefix: str,
                  trend: str) -> list[tuple[str, str, str]]:
    """(design column, effect, interruption) for the trend and each level/slope change."""
    names = [(f"{prefix}trend", trend, "pre-intervention")]
    for k, label in enumerate(labels, start=1):
        suffix = "" if len(labels) == 1 else f"_{k}"
        names.append((f"{prefix}level{suffix}", _CHANGES[0], label))
        if slope_change:
            names.append((f"{prefix}slope{suffix}", _CHANGES[1], label))
    return names


def its(data: pd.DataFrame, y: str, *, time: str, intervention: Any,
        offset: str | None = None, family: Family = "gaussian", seasonality: int = 0,
        period: float = 12, slope_change: bool = True, hac_lags: int | None = None,
        transition: int = 0, alpha: float = 0.05, use_t: bool | None = None,
        slope_origin: SlopeOrigin = "first_post") -> ITSResult:
    """Segmented regression for an interrupted time series (Bernal et al. 2017).

    ``intervention``: the first time at which it is in effect, a list of such times (several
    interruptions), or the name of a 0/1 column. ``transition``: periods from the
    intervention on that are left out of the fit; the level and slope changes are then
    measured from the first period after them. ``offset``: a population column (its log is
    taken). ``family``: ``gaussian`` (OLS), ``poisson``, ``quasipoisson`` (Poisson with the
    Pearson χ²/df as scale) or ``negbin`` (negative binomial, dispersion estimated).
    ``hac_lags``: Newey–West standard errors with that many lags.

    Inference: ``use_t=None`` follows R. The Gaussian family reports t intervals and
    p-values with the residual degrees of freedom, with or without HAC errors (as
    ``lmtest::coeftest(fit, vcov = NeweyWest(fit))``; statsmodels alone would switch to z
    under HAC); the count families report Wald z (as ``glm``/``MASS::glm.nb``).
    ``use_t=True`` or ``False`` forces t or z.

    Parameterisation: the slope-change term counts time from 0 at the first period of the
    effect (``slope_origin="first_post"``), so the level change is the jump measured at
    that period. Bernal et al. (2017, their model with a change in slope) count from the
    last pre-intervention period, ``I(time - 36):smokban``, so their level change is the
    jump one period earlier (0.8765 rather than 0.8778 on their Sicily data);
    ``slope_origin="last_pre"`` reproduces that. The slope change itself is the same.

    Rows must be equally spaced in time (monthly for dates), increasing, with no duplicate
    or missing period.
    """
    what = "its"
    design = _design(data, y, time=time, intervention=intervention, offset=offset,
                     seasonality=seasonality, period=period, slope_change=slope_change,
                     transition=transition, slope_origin=slope_origin, what=what)
    model = _fit(design, y, family=family, offset=offset, hac_lags=hac_lags, what=what,
                 use_t=use_t)
    names = _effect_names(design.labels, slope_change, prefix="", trend="trend")
    effects = _effects_table(model, names, log_link=family != "gaussian", alpha=alpha)
    return ITSResult(effects, model, y, time, family, offset, design, alpha)


# --------------------------------------------------------------------------- controlled ITS

def controlled_its(data: pd.DataFrame, y: str, *, time: str, group: str, treated: Any,
                   intervention: Any, offset: str | None = None,
                   family: Family = "gaussian", seasonality: int = 0, period: float = 12,
                   slope_change: bool = True, hac_lags: int | None = None,
                   transition: int = 0, alpha: float = 0.05, use_t: bool | None = None,
                   slope_origin: SlopeOrigin = "first_post") -> ITSResult:
    """ITS with a control series: the effects are the treated series' level and slope
    changes over and above the control's (Bernal et al. 2018, *J Clin Epidemiol*, on
    controls in ITS).

    ``data`` is long: both series stacked, ``group`` naming the series and ``treated`` the
    value of ``group`` that received the intervention. The model is the ITS design for both
    series plus its interaction with a treated indicator; the reported effects are the
    interaction terms (``treated × level`` etc.). ``use_t`` and ``slope_origin`` as in
    :func:`its`.

    >>> import numpy as np, pandas as pd
    >>> t = np.arange(36); m = pd.date_range("2018-01-01", periods=36, freq="MS")
    >>> a = pd.DataFrame({"m": m, "g": "A", "y": 5 + 0.2 * t + 3 * (t >= 18)})  # simulated
    >>> b = pd.DataFrame({"m": m, "g": "B", "y": 4 + 0.2 * t + 1 * (t >= 18)})  # simulated
    >>> r = controlled_its(pd.concat([a, b]), "y", time="m", group="g", treated="A",
    ...                    intervention="2019-07-01")
    >>> round(float(r.effects.set_index("effect").loc["level change", "estimate"]), 6)
    2.0
    """
    what = "controlled_its"
    check_columns(data, [group], what=what)
    series = list(dict.fromkeys(data[group]))
    if treated not in series or len(series) != 2:
        raise CaseStudyError(f"{what}: {group!r} must hold exactly two series, one of them "
                             f"{treated!r}; found {series}")
    designs = []
    for g in series:
        part = data[data[group] == g].sort_values(time, kind="mergesort")
        d = _design(part, y, time=time, intervention=intervention, offset=offset,
                    seasonality=seasonality, period=period, slope_change=slope_change,
                    transition=transition, slope_origin=slope_origin,
                    what=f"{what} ({group}={g!r})")
        is_t = float(g == treated)
        X = d.X.copy()
        for c in [c for c in d.X.columns if c not in d.fourier]:
            X[f"treated_{c}" if c != "const" else "treated"] = X[c] * is_t
        designs.append((d, X))
    if len(designs[0][0].full) != len(designs[1][0].full) or not np.array_equal(
            designs[0][0].full[time].to_numpy(), designs[1][0].full[time].to_numpy()):
        raise CaseStudyError(f"{what}: the two series must cover the same periods")
    full = pd.concat([d.full for d, _ in designs], ignore_index=True)
    X = pd.concat([x for _, x in designs], ignore_index=True)
    keep = np.concatenate([d.keep for d, _ in designs])
    is_treated = np.concatenate([np.full(len(d.full), g == treated)
                                 for g, (d, _) in zip(series, designs, strict=True)])
    d0 = designs[series.index(treated)][0]
    design = _Design(full, X, d0.labels, d0.transition, d0.fourier, keep, is_treated)
    model = _fit(design, y, family=family, offset=offset, hac_lags=hac_lags, what=what,
                 use_t=use_t)
    names = _effect_names(design.labels, slope_change, prefix="treated_",
                          trend="trend difference")
    effects = _effects_table(model, names, log_link=family != "gaussian", alpha=alpha)
    return ITSResult(effects, model, y, time, family, offset, design, alpha)


# --------------------------------------------------------------------------- DiD

@dataclass
class DiDResult:
    """Two-way fixed-effects difference-in-differences: ``effects`` and the model."""

    effects: pd.DataFrame
    model: Any
    data: pd.DataFrame = field(repr=False)
    y: str = ""
    time: str = ""
    treated: str = ""
    unit: str = ""
    alpha: float = 0.05

    def table(self) -> pd.DataFrame:
        return self.effects.copy()

    def _facts(self) -> list[tuple[str, str]]:
        return [("outcome", self.y), ("fixed effects", f"{self.unit} and {self.time}"),
                ("observations", str(int(self.model.nobs))),
                ("standard errors", _errors_text(self.model)),
                ("inference", _inference_text(self.model, self.alpha))]

    def __repr__(self) -> str:
        return summary_text("Difference-in-differences (two-way fixed effects)",
                            self._facts(), self.effects.drop(columns="term"))

    def _repr_html_(self) -> str:
        return summary_html("Difference-in-differences (two-way fixed effects)",
                            self._facts(), self.effects.drop(columns="term"))

    def plot(self, ax: Axes | None = None, *, title: str | None = None) -> Axes:
        """Mean outcome over time in units ever treated against units never treated."""
        from casestudy.plots import new_axes

        ax = new_axes(ax)
        ever = self.data.groupby(self.unit)[self.treated].transform("max") > 0
        for flag, label, colour in ((True, "ever treated", "#D55E00"),
                                    (False, "never treated", "#0072B2")):
            means = self.data[ever == flag].groupby(self.time)[self.y].mean()
            ax.plot(means.index, means.to_numpy(), color=colour, label=label, lw=1.5)
        ax.set_ylabel(self.y)
        ax.legend(loc="best", fontsize=7)
        if title:
            ax.set_title(title)
        return ax


def did(data: pd.DataFrame, y: str, *, unit: str, time: str, treated: str,
        alpha: float = 0.05, use_t: bool = True) -> DiDResult:
    """Difference-in-differences with unit and time fixed effects (two-way FE), OLS with
    standard errors clustered by unit.

    Inference follows Stata and fixest: intervals and p-values from t with G − 1 degrees
    of freedom (G clusters), the convention applied researchers expect when clusters are
    few. ``use_t=False`` gives statsmodels' default for clustered covariances, the normal
    (z). The standard error carries Stata's small-sample factor
    G/(G − 1) · (N − 1)/(N − K), with K counting the unit and time dummies as
    ``regress … i.unit i.time, vce(cluster unit)`` does; fixest's default
    (``ssc(fixef.K = "nested")``) leaves out the unit effects nested in the clusters, so its
    standard error is slightly smaller.

    ``treated`` names a 0/1 column that is 1 where the unit is under the intervention in
    that period. With staggered adoption and effects that vary over time, the two-way FE
    estimate is a weighted average that can mislead (Goodman-Bacon 2021); it is exact for
    the classic two-group, two-period design.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"u": list("aabbccdd"), "t": [0, 1] * 4,
    ...                    "d": [0, 1, 0, 1, 0, 0, 0, 0],
    ...                    "y": [1, 4, 2, 5, 1, 2, 2, 3]})  # simulated
    >>> float(did(df, "y", unit="u", time="t", treated="d").effects.estimate[0])
    2.0
    """
    what = "did"
    missing = [c for c in (y, unit, time, treated) if c not in data.columns]
    if missing:
        raise CaseStudyError(f"{what}: column(s) {', '.join(map(repr, missing))} not in the "
                             "data")
    frame = data.reset_index(drop=True)
    if frame.duplicated([unit, time]).any():
        row = frame[frame.duplicated([unit, time])].iloc[0]
        raise CaseStudyError(f"{what}: unit {row[unit]!r} has two rows for time "
                             f"{row[time]!r}; expected one per unit and period")
    d = pd.to_numeric(frame[treated], errors="coerce")
    if not d.isin([0, 1]).all():
        raise CaseStudyError(f"{what}: column {treated!r} must hold 0 or 1 in every row")
    outcome = pd.to_numeric(frame[y], errors="coerce")
    if outcome.isna().any():
        raise CaseStudyError(f"{what}: column {y!r} must be a number in every row")
    if d.sum() == 0 or d.sum() == len(d):
        raise CaseStudyError(f"{what}: {treated!r} must be 1 in some rows and 0 in others")
    X = pd.concat([d.astype(float).rename("treated"),
                   pd.get_dummies(frame[unit].astype(str), prefix="unit", drop_first=True,
                                  dtype=float),
                   pd.get_dummies(frame[time].astype(str), prefix="time", drop_first=True,
                                  dtype=float)], axis=1)
    X.insert(0, "const", 1.0)
    groups = pd.factorize(frame[unit])[0]
    model = sm.OLS(outcome.to_numpy(dtype=float), X).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=use_t)
    effects = _effects_table(model, [("treated", "treatment effect", treated)],
                             log_link=False, alpha=alpha)
    return DiDResult(effects, model, frame.assign(**{y: outcome, treated: d}), y, time,
                     treated, unit, alpha)


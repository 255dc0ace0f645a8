"""Interrupted time series, controlled ITS and DiD on SIMULATED series with known effects.

Every series here is simulated (seeded) so the true level and slope changes are known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from casestudy import impact
from casestudy.errors import CaseStudyError

N, T0 = 72, 36
MONTHS = pd.date_range("2014-01-01", periods=N, freq="MS")
START = MONTHS[T0]


def simulated_gaussian(seed=1, level=5.0, slope=-0.3, sd=1.0):
    """Simulated: y = 20 + 0.2 t + level·X + slope·(t − 36)·X + N(0, sd²)."""
    rng = np.random.default_rng(seed)
    t = np.arange(N)
    x = (t >= T0).astype(float)
    y = 20 + 0.2 * t + level * x + slope * (t - T0) * x + rng.normal(0, sd, N)
    return pd.DataFrame({"month": MONTHS, "y": y})


LOG_1_3, LOG_0_99 = np.log(1.3), np.log(0.99)


def simulated_counts(seed=2, level=LOG_1_3, slope=LOG_0_99, seasonal=0.15):
    """Simulated Poisson counts with a population offset and a yearly season."""
    rng = np.random.default_rng(seed)
    t = np.arange(N)
    x = (t >= T0).astype(float)
    pop = 50_000 + 100 * t
    log_rate = -6 + 0.004 * t + level * x + slope * (t - T0) * x + \
        seasonal * np.sin(2 * np.pi * t / 12)
    return pd.DataFrame({"month": MONTHS, "y": rng.poisson(pop * np.exp(log_rate)),
                         "pop": pop})


def effect(res, name, intervention=None):
    e = res.effects[res.effects.effect == name]
    if intervention is not None:
        e = e[e.intervention == intervention]
    assert len(e) == 1
    return e.iloc[0]


# --------------------------------------------------------------------------- recovery

def test_gaussian_its_recovers_level_and_slope_within_ci():
    res = impact.its(simulated_gaussian(), "y", time="month", intervention=START)
    for name, true in (("level change", 5.0), ("slope change", -0.3), ("trend", 0.2)):
        row = effect(res, name)
        assert row.ci_lower <= true <= row.ci_upper, name
    assert effect(res, "level change").p_value < 0.001
    assert res.effects.scale.eq("difference").all()


def test_noise_free_series_gives_exact_effects_and_counterfactual():
    df = simulated_gaussian(sd=0.0)
    res = impact.its(df, "y", time="month", intervention="2017-01-01")
    assert effect(res, "level change").estimate == pytest.approx(5.0)
    assert effect(res, "slope change").estimate == pytest.approx(-0.3)
    cf = res.counterfactual()
    t = np.arange(N)
    assert np.allclose(cf.counterfactual, 20 + 0.2 * t)
    assert np.allclose(cf.fitted, df.y)


def test_poisson_with_offset_and_season_recovers_rate_ratios():
    res = impact.its(simulated_counts(), "y", time="month", intervention=START,
                     family="poisson", offset="pop", seasonality=1)
    for name, true in (("level change", 1.3), ("slope change", 0.99)):
        row = effect(res, name)
        assert row.ci_lower <= true <= row.ci_upper, name
    assert res.effects.scale.eq("rate ratio").all()
    assert {"sin1", "cos1"} <= set(res.model.params.index)


def test_quasipoisson_ci_is_poisson_ci_scaled_by_root_pearson_dispersion():
    df = simulated_counts()
    df["y"] = df["y"] + np.random.default_rng(3).poisson(30, N)  # extra variation
    p = impact.its(df, "y", time="month", intervention=START, family="poisson",
                   offset="pop", seasonality=1)
    q = impact.its(df, "y", time="month", intervention=START, family="quasipoisson",
                   offset="pop", seasonality=1)
    phi = p.model.pearson_chi2 / p.model.df_resid
    assert q.model.scale == pytest.approx(phi)
    assert np.allclose(p.effects.estimate, q.effects.estimate)
    half_p = np.log(p.effects.ci_upper) - np.log(p.effects.estimate)
    half_q = np.log(q.effects.ci_upper) - np.log(q.effects.estimate)
    assert np.allclose(half_q, half_p * np.sqrt(phi))


def test_negative_binomial_recovers_level_change():
    rng = np.random.default_rng(5)
    t = np.arange(N)
    mu = np.exp(5 + 0.01 * t + np.log(0.7) * (t >= T0))
    df = pd.DataFrame({"month": MONTHS, "y": rng.negative_binomial(15, 15 / (15 + mu))})
    res = impact.its(df, "y", time="month", intervention=START, family="negbin",
                     slope_change=False)
    row = effect(res, "level change")
    assert row.ci_lower <= 0.7 <= row.ci_upper
    assert "slope change" not in set(res.effects.effect)


def test_hac_uses_newey_west_covariance():
    df = simulated_gaussian()
    plain = impact.its(df, "y", time="month", intervention=START)
    hac = impact.its(df, "y", time="month", intervention=START, hac_lags=3)
    assert hac.model.cov_type == "HAC"
    assert np.allclose(plain.effects.estimate, hac.effects.estimate)
    assert not np.allclose(plain.effects.std_error, hac.effects.std_error)


def test_several_interruptions_and_column_intervention():
    t = np.arange(N)
    y = 10 + 0.1 * t + 3 * (t >= 24) - 4 * (t >= 48)  # simulated, noise free
    df = pd.DataFrame({"month": MONTHS, "y": y, "on": (t >= 24).astype(int)})
    res = impact.its(df, "y", time="month", intervention=[MONTHS[24], MONTHS[48]])
    assert effect(res, "level change", "2016-01-01").estimate == pytest.approx(3)
    assert effect(res, "level change", "2018-01-01").estimate == pytest.approx(-4)
    by_col = impact.its(df.assign(y=10 + 0.1 * t + 3 * (t >= 24)), "y", time="month",
                        intervention="on")
    assert effect(by_col, "level change").estimate == pytest.approx(3)


def test_transition_periods_are_left_out():
    df = simulated_gaussian(sd=0.0)
    df.loc[T0:T0 + 2, "y"] += 50  # a disturbed changeover, left out of the fit
    res = impact.its(df, "y", time="month", intervention=START, transition=3)
    assert res.model.nobs == N - 3
    cf = res.counterfactual()
    assert not cf.in_model.iloc[T0:T0 + 3].any()
    # the effect is measured from the first period after the transition (t = 39)
    assert effect(res, "level change").estimate == pytest.approx(5 - 0.3 * 3)


def test_seasonal_terms_absorb_a_known_season():
    t = np.arange(N)
    y = 20 + 0.2 * t + 5 * (t >= T0) + 3 * np.sin(2 * np.pi * t / 12)  # simulated
    df = pd.DataFrame({"month": MONTHS, "y": y})
    res = impact.its(df, "y", time="month", intervention=START, seasonality=2)
    assert effect(res, "level change").estimate == pytest.approx(5)
    assert res.model.params["sin1"] == pytest.approx(3)
    assert np.allclose(res.deseasonalised(), 20 + 0.2 * t + 5 * (t >= T0))


def test_diagnostics_detect_autocorrelated_residuals():
    rng = np.random.default_rng(7)
    e = np.zeros(N)
    for i in range(1, N):
        e[i] = 0.8 * e[i - 1] + rng.normal()
    df = simulated_gaussian(sd=0.0)
    df["y"] += e
    d = impact.its(df, "y", time="month", intervention=START).diagnostics(lags=6)
    assert set(d.check) == {"acf", "pacf", "ljung_box", "breusch_godfrey"}
    assert d[d.check == "acf"].statistic.iloc[0] > 0.4
    assert d[(d.check == "ljung_box") & (d.lag == 6)].p_value.iloc[0] < 0.01
    assert d[d.check == "breusch_godfrey"].p_value.iloc[0] < 0.01


def test_diagnostics_report_pearson_dispersion_for_counts():
    res = impact.its(simulated_counts(), "y", time="month", intervention=START,
                     family="poisson", offset="pop", seasonality=1)
    disp = res.diagnostics().query("check == 'pearson_dispersion'").statistic.iloc[0]
    assert disp == pytest.approx(res.model.pearson_chi2 / res.model.df_resid)
    assert 0.5 < disp < 1.6  # simulated Poisson: no overdispersion


def test_plot_returns_axes():
    import matplotlib.pyplot as plt

    res = impact.its(simulated_gaussian(), "y", time="month", intervention=START,
                     seasonality=1, transition=2)
    _, ax = plt.subplots()
    assert res.plot(ax=ax, deseasonalised=True) is ax
    plt.close("all")


# --------------------------------------------------------------------------- controlled, DiD

def test_controlled_its_recovers_the_difference_from_the_control():
    rng = np.random.default_rng(11)
    t = np.arange(N)
    common = 1.5 * (t >= T0)  # a concurrent change hitting both series
    treated = 20 + 0.2 * t + common + 4 * (t >= T0) + rng.normal(0, 0.5, N)
    control = 15 + 0.2 * t + common + rng.normal(0, 0.5, N)
    df = pd.concat([pd.DataFrame({"month": MONTHS, "area": "T", "y": treated}),
                    pd.DataFrame({"month": MONTHS, "area": "C", "y": control})])
    res = impact.controlled_its(df, "y", time="month", group="area", treated="T",
                                intervention=START)
    row = effect(res, "level change")
    assert row.ci_lower <= 4 <= row.ci_upper
    slope = effect(res, "slope change")
    assert slope.ci_lower <= 0 <= slope.ci_upper


def test_controlled_counterfactual_removes_only_the_treated_series_own_change():
    """Simulated, noise-free: a concurrent jump of +1.5 in both series and +4 more (and a
    slope change of +0.1) in the treated one from month 36, so the treated counterfactual
    is its pre-period line plus the shared jump; the control's rows are not shown."""
    t = np.arange(N)
    after = (t >= T0).astype(float)
    treated = 20 + 0.2 * t + 1.5 * after + 4 * after + 0.1 * (t - T0) * after
    control = 15 + 0.2 * t + 1.5 * after
    rows = pd.concat([pd.DataFrame({"month": MONTHS, "area": "C", "y": control}),
                      pd.DataFrame({"month": MONTHS, "area": "T", "y": treated})])
    # Rows shuffled (seeded): the result must not depend on the input's row order.
    df = rows.sample(frac=1, random_state=5)
    res = impact.controlled_its(df, "y", time="month", group="area", treated="T",
                                intervention=START)
    assert effect(res, "level change").estimate == pytest.approx(4.0)
    assert effect(res, "slope change").estimate == pytest.approx(0.1)
    cf = res.counterfactual()
    assert len(cf) == N
    assert (cf["month"].to_numpy() == MONTHS.to_numpy()).all()
    assert np.allclose(cf.observed, treated)
    assert np.allclose(cf.fitted, treated)
    assert np.allclose(cf.counterfactual, 20 + 0.2 * t + 1.5 * after)
    assert cf.counterfactual[T0] == pytest.approx(28.7)


def test_controlled_plot_draws_the_treated_series_from_its_start():
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(12)
    t = np.arange(N)
    df = pd.concat([pd.DataFrame({"month": MONTHS, "area": g, "y": base + 0.2 * t +
                                  jump * (t >= T0) + rng.normal(0, 0.3, N)})
                    for g, base, jump in (("T", 20, 5.5), ("C", 15, 1.5))])
    res = impact.controlled_its(df, "y", time="month", group="area", treated="T",
                                intervention=START, seasonality=1)
    _, ax = plt.subplots()
    res.plot(ax=ax, deseasonalised=True)
    lines = {line.get_label(): line for line in ax.get_lines()}
    cf = res.counterfactual()
    assert len(lines["fitted"].get_xdata()) == N
    assert len(lines["deseasonalised"].get_xdata()) == N
    dashed = lines["counterfactual (no intervention)"]
    assert len(dashed.get_xdata()) == N - T0
    assert np.allclose(dashed.get_ydata(), cf.counterfactual[T0:])
    plt.close("all")


def test_controlled_its_needs_two_series():
    df = simulated_gaussian().assign(area="T")
    with pytest.raises(CaseStudyError, match="exactly two series"):
        impact.controlled_its(df, "y", time="month", group="area", treated="T",
                              intervention=START)


def test_did_two_way_fixed_effects_with_clustered_errors():
    rng = np.random.default_rng(13)
    rows = []
    for u in range(20):
        treated_unit = u < 10
        for t in range(12):
            d = int(treated_unit and t >= 6)
            rows.append({"unit": u, "t": t, "d": d,
                         "y": u * 0.5 + t * 0.3 + 2.0 * d + rng.normal(0, 0.5)})
    res = impact.did(pd.DataFrame(rows), "y", unit="unit", time="t", treated="d")
    row = res.effects.iloc[0]
    assert row.ci_lower <= 2.0 <= row.ci_upper
    assert res.model.cov_type == "cluster"


def test_did_refuses_duplicate_unit_periods():
    df = pd.DataFrame({"u": [1, 1, 2, 2], "t": [0, 0, 0, 1], "d": [0, 1, 0, 0],
                       "y": [1.0, 2, 3, 4]})
    with pytest.raises(CaseStudyError, match="two rows"):
        impact.did(df, "y", unit="u", time="t", treated="d")


# --------------------------------------------------------------------------- bad input

def test_non_monotonic_time_is_refused():
    df = simulated_gaussian().iloc[[1, 0, *range(2, N)]]
    with pytest.raises(CaseStudyError, match="not increasing"):
        impact.its(df, "y", time="month", intervention=START)


def test_duplicated_time_is_refused():
    df = simulated_gaussian()
    df.loc[5, "month"] = df.loc[4, "month"]
    with pytest.raises(CaseStudyError, match="appears twice"):
        impact.its(df, "y", time="month", intervention=START)


def test_gap_in_time_is_refused():
    df = simulated_gaussian().drop(index=10)
    with pytest.raises(CaseStudyError, match="gap"):
        impact.its(df, "y", time="month", intervention=START)


def test_negative_counts_are_refused_for_poisson():
    df = simulated_counts()
    df.loc[3, "y"] = -1
    with pytest.raises(CaseStudyError, match="counts ≥ 0"):
        impact.its(df, "y", time="month", intervention=START, family="poisson")


@pytest.mark.parametrize("when", ["2010-01-01", "2014-01-01", "2030-01-01"])
def test_intervention_outside_the_series_is_refused(when):
    with pytest.raises(CaseStudyError, match="outside the series"):
        impact.its(simulated_gaussian(), "y", time="month", intervention=when)


def test_unknown_family_and_missing_column():
    with pytest.raises(CaseStudyError, match="family"):
        impact.its(simulated_gaussian(), "y", time="month", intervention=START,
                   family="binomial")
    with pytest.raises(CaseStudyError, match="'rate'"):
        impact.its(simulated_gaussian(), "rate", time="month", intervention=START)


def test_offset_needs_a_count_family_and_positive_population():
    df = simulated_counts()
    with pytest.raises(CaseStudyError, match="log-link"):
        impact.its(df, "y", time="month", intervention=START, offset="pop")
    df.loc[2, "pop"] = 0
    with pytest.raises(CaseStudyError, match="positive population"):
        impact.its(df, "y", time="month", intervention=START, offset="pop",
                   family="poisson")


def test_wald_ci_uses_t_for_ols():
    res = impact.its(simulated_gaussian(), "y", time="month", intervention=START)
    row = effect(res, "level change")
    crit = stats.t.ppf(0.975, res.model.df_resid)
    assert row.ci_upper - row.estimate == pytest.approx(crit * row.std_error)

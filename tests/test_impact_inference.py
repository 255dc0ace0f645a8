"""Inference conventions of ITS and DiD, Bernal et al.'s published parameterisation, and
how the results display.

The DiD and Gaussian ITS series are SIMULATED (seeded). The Sicily series is the published
example of Lopez Bernal, Cummins & Gasparrini (2017), *Int J Epidemiol* 46(1):348–355,
as distributed with their code (github.com/gasparrini/2017_lopezbernal_IJE_codedata,
``sicily.csv``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from casestudy import impact, spc

SICILY = Path(__file__).parent / "fixtures" / "bernal2017_sicily.csv"


def simulated_panel(seed=13, units=8):
    """Simulated: y = 0.5·unit + 0.3·t + 2·d + N(0, 0.5²), half the units treated from t=6."""
    rng = np.random.default_rng(seed)
    rows = [{"unit": u, "t": t, "d": int(u < units // 2 and t >= 6),
             "y": u * 0.5 + t * 0.3 + 2.0 * int(u < units // 2 and t >= 6)
             + rng.normal(0, 0.5)}
            for u in range(units) for t in range(12)]
    return pd.DataFrame(rows)


def half_width(row) -> float:
    return (row.ci_upper - row.ci_lower) / 2


def test_did_reports_t_with_clusters_minus_one_degrees_of_freedom():
    res = impact.did(simulated_panel(), "y", unit="unit", time="t", treated="d")
    row = res.effects.iloc[0]
    g = 8
    assert half_width(row) == pytest.approx(stats.t.ppf(0.975, g - 1) * row.std_error)
    tstat = row.estimate / row.std_error
    assert row.p_value == pytest.approx(2 * stats.t.sf(abs(tstat), g - 1))


def test_did_z_on_request_gives_statsmodels_default():
    res = impact.did(simulated_panel(), "y", unit="unit", time="t", treated="d", use_t=False)
    row = res.effects.iloc[0]
    assert half_width(row) == pytest.approx(stats.norm.ppf(0.975) * row.std_error)
    assert row.p_value == pytest.approx(2 * stats.norm.sf(abs(row.estimate / row.std_error)))


def simulated_series(seed=3):
    rng = np.random.default_rng(seed)
    t = np.arange(40)
    y = 10 + 0.1 * t + 2.0 * (t >= 20) + rng.normal(0, 1, 40)
    return pd.DataFrame({"month": pd.date_range("2018-01-01", periods=40, freq="MS"), "y": y})


def test_gaussian_its_with_hac_errors_reports_t_like_coeftest():
    res = impact.its(simulated_series(), "y", time="month", intervention="2019-09-01",
                     hac_lags=2)
    df = 40 - 4
    level = res.effects.set_index("effect").loc["level change"]
    assert half_width(level) == pytest.approx(stats.t.ppf(0.975, df) * level.std_error)
    assert level.p_value == pytest.approx(
        2 * stats.t.sf(abs(level.estimate / level.std_error), df))


def test_its_use_t_false_gives_wald_z():
    res = impact.its(simulated_series(), "y", time="month", intervention="2019-09-01",
                     hac_lags=2, use_t=False)
    level = res.effects.set_index("effect").loc["level change"]
    assert half_width(level) == pytest.approx(stats.norm.ppf(0.975) * level.std_error)


def sicily() -> pd.DataFrame:
    df = pd.read_csv(SICILY)
    df["month_start"] = pd.to_datetime(dict(year=df.year, month=df.month, day=1))
    return df


@pytest.mark.parametrize(("origin", "level_rr"), [("first_post", 0.8778),
                                                 ("last_pre", 0.8765)])
def test_sicily_level_change_under_both_slope_origins(origin, level_rr):
    """Bernal et al.'s model with a change in slope: quasi-Poisson, offset log(stdpop), two
    harmonic pairs; ``I(time - 36):smokban`` counts from the last pre-ban month."""
    res = impact.its(sicily(), "aces", time="month_start", intervention="2005-01-01",
                     offset="stdpop", family="quasipoisson", seasonality=2,
                     slope_origin=origin)
    eff = res.effects.set_index("effect")
    assert eff.loc["level change", "estimate"] == pytest.approx(level_rr, abs=5e-5)


def test_the_slope_change_does_not_depend_on_its_origin():
    kw = dict(time="month_start", intervention="2005-01-01", offset="stdpop",
              family="quasipoisson", seasonality=2)
    a = impact.its(sicily(), "aces", slope_origin="first_post", **kw).effects
    b = impact.its(sicily(), "aces", slope_origin="last_pre", **kw).effects
    assert a.estimate[a.effect == "slope change"].item() == pytest.approx(
        b.estimate[b.effect == "slope change"].item())


def test_results_display_as_summaries_not_dataclass_dumps():
    its = impact.its(simulated_series(), "y", time="month", intervention="2019-09-01")
    did = impact.did(simulated_panel(), "y", unit="unit", time="t", treated="d")
    chart = spc.xmr(simulated_series(), "y", index="month")
    run = spc.run_chart(simulated_series(), "y", index="month")
    for res, words in ((its, "level change"), (did, "treatment effect"),
                       (chart, "variation"), (run, "Run chart")):
        text, page = repr(res), res._repr_html_()
        assert words in text and words in page
        assert "Result(" not in text and "array(" not in text
        assert len(text) < 2500
        assert "<table>" in page
    assert "t with 36 df" in repr(its)
    assert "t with 7 df" in repr(did)

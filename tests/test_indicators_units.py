"""Comparisons by unit within a case, and funnel limits worked by hand.

The tables here are made up for the tests (synthetic values on real unit codes)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, norm

from casestudy import cases, plots
from casestudy.errors import CaseStudyError
from casestudy.indicators import units as u

Z95, Z998 = 1.959963984540054, 3.090232306167813


def series(values: dict[tuple[str, str, int], float]) -> pd.DataFrame:
    return pd.DataFrame([{"geography": g, "case": c, "indicator": "x", "year": y, "value": v,
                          "source_id": "PHS-DD"} for (g, c, y), v in values.items()])


SYNTH = series({("S12000005", "SCO", 2019): 2.0, ("S12000006", "SCO", 2019): 4.0,
                ("S12000008", "SCO", 2019): 6.0, ("S12000005", "SCO", 2020): 3.0,
                ("S12000006", "SCO", 2020): 3.0,
                ("E54000052", "ENG", 2019): 10.0, ("E54000061", "ENG", 2019): 30.0,
                ("E54000052", "ENG", 2020): 20.0, ("E54000061", "ENG", 2020): 20.0})


def test_gap_to_case_mean_never_mixes_cases_and_names_missing_units():
    gaps = u.gap_to_case_mean(SYNTH, time="year").set_index(["geography", "year"])
    assert gaps.loc[("S12000008", 2019), ["case_mean", "gap"]].tolist() == [4.0, 2.0]
    assert gaps.loc[("E54000052", 2019), ["case_mean", "gap", "gap_pct"]].tolist() == [
        20.0, -10.0, -50.0]
    # S12000008 has no 2020 value: no mean for SCO in 2020, and the note says why.
    assert np.isnan(gaps.loc[("S12000005", 2020), "case_mean"])
    assert gaps.loc[("S12000005", 2020), "note"] == "no value for S12000008"
    assert gaps.loc[("S12000005", 2019), "source_id"] == "PHS-DD"


def test_rank_within_case_and_latest_common_period():
    ranks = u.rank_within_case(SYNTH, time="year").set_index(["geography", "year"])
    assert ranks.loc[("S12000008", 2019), ["rank", "n_ranked", "pct_rank"]].tolist() == [
        1, 3, 0.0]
    assert ranks.loc[("E54000061", 2019), "rank"] == 1
    assert ranks.loc[[("S12000005", 2020), ("S12000006", 2020)], "rank"].tolist() == [1, 1]
    common = u.latest_common(SYNTH, time="year").set_index("case")
    assert common.loc["SCO", ["common", "latest", "lagging"]].tolist() == [2019, 2020,
                                                                          "S12000008"]
    assert common.loc["ENG", "common"] == 2020
    latest = u.rank_within_case(SYNTH, time="year", latest=True)
    assert set(zip(latest["case"], latest["year"], strict=True)) == {("SCO", 2019),
                                                                     ("ENG", 2020)}


def test_dispersion_uses_only_periods_with_every_unit():
    result = u.dispersion(SYNTH, time="year")
    sco = result.periods[result.periods["case"] == "SCO"]
    assert sco["year"].tolist() == [2019]
    # values 2, 4, 6: mean 4, population sd sqrt(8/3), cv 0.408..., ratio 3, iqr 2
    row = sco.iloc[0]
    assert row["sd"] == pytest.approx(math.sqrt(8 / 3))
    assert row["cv"] == pytest.approx(math.sqrt(8 / 3) / 4)
    assert (row["ratio"], row["iqr"]) == (3.0, 2.0)
    table = result.table().set_index("case")
    assert table.loc["SCO", "periods_left_out"] == "2020"
    assert "ENG x: 2 units, 2 periods, cv 0.5 → 0" in repr(result)
    assert result._repr_html_().startswith("<table")
    assert table.loc["ENG", ["cv_first", "cv_last"]].tolist() == [0.5, 0.0]
    ax = result.plot()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Scotland", "England"]
    assert ax.lines[0].get_color().upper() == cases.get("SCO").colour
    plt.close("all")


def test_unit_tables_refuse_duplicates_and_missing_columns():
    with pytest.raises(CaseStudyError, match="two values for S12000005"):
        u.gap_to_case_mean(pd.concat([SYNTH, SYNTH.iloc[:1]]), time="year")
    with pytest.raises(CaseStudyError, match="lacks column"):
        u.dispersion(SYNTH.drop(columns="case"), time="year")


# --------------------------------------------------------------------------- funnel limits

def test_normal_limits_for_a_proportion_by_hand():
    lim = u.funnel_limits([100], 0.5).iloc[0]
    se = math.sqrt(0.5 * 0.5 / 100)
    assert lim["lower_95"] == pytest.approx(0.5 - Z95 * se)
    assert lim["upper_95"] == pytest.approx(0.5 + Z95 * se)
    assert lim["lower_99.8"] == pytest.approx(0.5 - Z998 * se)
    assert lim["upper_99.8"] == pytest.approx(0.6545116, abs=1e-7)


def _phe_sigma_adjustment(p: float, population: float, average: float, side: str) -> float:
    """PHEindicatormethods' sigma_adjustment (Fingertips funnels), written out by hand."""
    z2 = norm.ppf(p) ** 2
    first = average * (population / z2 + 1)
    adj = math.sqrt((-8 * average * (population / z2 + 1)) ** 2 - 64 * (1 / z2 + 1 / population)
                    * average * (population * (average * (population / z2 + 2) - 1)
                                 + z2 * (average - 1)))
    last = 1 / z2 + 1 / population
    return ((first - adj / 8) if side == "low" else (first + adj / 8)) / last / population


@pytest.mark.parametrize(("n", "p0"), [(50, 0.3), (1234, 0.91), (20, 0.05), (5000, 0.5)])
def test_normal_limits_equal_the_phe_fingertips_formula(n, p0):
    lim = u.funnel_limits([n], p0).iloc[0]
    assert lim["lower_95"] == pytest.approx(max(0, _phe_sigma_adjustment(0.975, n, p0, "low")))
    assert lim["upper_95"] == pytest.approx(_phe_sigma_adjustment(0.975, n, p0, "high"))
    assert lim["lower_99.8"] == pytest.approx(
        max(0, _phe_sigma_adjustment(0.999, n, p0, "low")))
    assert lim["upper_99.8"] == pytest.approx(
        min(1, _phe_sigma_adjustment(0.999, n, p0, "high")))


def test_exact_binomial_limits_by_hand():
    # Binomial(10, 0.5): F(1) = 11/1024, F(2) = 56/1024, F(7) = 968/1024, F(8) = 1013/1024.
    lim = u.funnel_limits([10], 0.5, method="exact").iloc[0]
    a_low = (56 / 1024 - 0.025) / (45 / 1024)
    a_high = (1013 / 1024 - 0.975) / (45 / 1024)
    assert lim["lower_95"] == pytest.approx((2 - a_low) / 10)
    assert lim["upper_95"] == pytest.approx((8 - a_high) / 10)


def test_exact_poisson_limits_by_hand():
    # Rate 0.01 over 200: Poisson mean 2. Upper 97.5%: F(4) < 0.975 <= F(5).
    f = [sum(math.exp(-2) * 2 ** k / math.factorial(k) for k in range(r + 1)) for r in range(6)]
    lim = u.funnel_limits([200], 0.01, statistic="rate").iloc[0]
    a = (f[5] - 0.975) / (f[5] - f[4])
    assert lim["upper_95"] == pytest.approx((5 - a) / 200)
    assert lim["lower_95"] == 0.0  # (0 - a) / 200 < 0, clipped
    normal = u.funnel_limits([10_000], 0.01, statistic="rate", method="normal").iloc[0]
    assert normal["upper_95"] == pytest.approx(0.01 + Z95 * math.sqrt(0.01 / 10_000))


def test_funnel_limits_refuse_bad_input():
    with pytest.raises(CaseStudyError, match="positive"):
        u.funnel_limits([0], 0.5)
    with pytest.raises(CaseStudyError, match=r"in \[0, 1\]"):
        u.funnel_limits([10], 1.5)
    with pytest.raises(CaseStudyError, match="method"):
        u.funnel_limits([10], 0.5, method="wilson")


BOARDS = pd.DataFrame({"geography": ["S08000015", "S08000016", "S08000017", "S08000019"],
                       "case": "SCO", "seen": [100, 500, 1000, 2000],
                       "within": [80, 450, 935, 1840], "source_id": "PHS-AE"})


def test_funnel_flags_units_against_the_pooled_value():
    result = u.funnel(BOARDS, numerator="within", denominator="seen")
    assert result.target == pytest.approx(100 * 3305 / 3600)
    table = result.table().set_index("geography")
    p0, n = 3305 / 3600, 100
    assert table.loc["S08000015", "lower_99.8"] == pytest.approx(
        100 * (p0 - Z998 * math.sqrt(p0 * (1 - p0) / n)))
    assert table.loc["S08000015", "flag"] == "below 99.8%"
    assert "units" in repr(result) and "<table" in result._repr_html_()
    with pytest.raises(CaseStudyError, match="one case at a time"):
        u.funnel(BOARDS.assign(case=["SCO", "SCO", "ENG", "ENG"]), numerator="within",
                 denominator="seen")
    with pytest.raises(CaseStudyError, match="numerator above its denominator"):
        u.funnel(BOARDS.assign(within=[101, 1, 1, 1]), numerator="within",
                 denominator="seen")


def test_funnel_plot_draws_on_a_given_axes_in_the_case_colour():
    fig, ax = plt.subplots()
    out = plots.funnel(BOARDS, x="seen", y="within", ax=ax)
    assert out is ax
    colours = {tuple(np.round(c[:3], 3)) for c in ax.collections[0].get_facecolors()}
    sco = tuple(round(int(cases.get("SCO").colour[i:i + 2], 16) / 255, 3) for i in (1, 3, 5))
    assert colours == {sco}
    assert [t.get_text() for t in ax.texts] == ["NHS Ayrshire and Arran"]
    assert any("Public Health Scotland" in t.get_text() for t in fig.texts)
    same = plots.funnel(BOARDS.assign(pct=100 * BOARDS["within"] / BOARDS["seen"]),
                        x="seen", y="pct", y_is="rate", source=None)
    assert same.collections[0].get_offsets().tolist() == ax.collections[0].get_offsets(
    ).tolist()
    plt.close("all")


def test_case_plots_accept_unit_codes():
    events = pd.DataFrame({"case": ["SCO", "S37000031", "ENG"], "event": ["a", "b", "c"],
                           "date": pd.to_datetime(["2014-04-01", "2016-04-01", "2022-07-01"])})
    fig = plots.timeline(events)
    assert [ax.get_ylabel() for ax in fig.axes] == ["Scotland", "England", "Western Isles"]
    grid = plots.trend_grid(SYNTH, hue="geography", status=None, source=None)
    labels = [t.get_text() for t in grid.axes[0].get_legend().get_texts()]
    assert labels == ["Clackmannanshire", "Dumfries and Galloway", "East Ayrshire",
                      "NHS South Yorkshire Integrated Care Board",
                      "NHS Surrey Heartlands Integrated Care Board"]
    plt.close("all")


def test_overdispersion_by_hand_and_widened_limits():
    # Five units of 400 at target 0.5 (se 0.025): z = -4, -2, 0, 2, 4. Percentiles (R type 7)
    # of z: 10th = -3.2, 90th = 3.2; winsorised z² = 10.24, 4, 0, 4, 10.24: phi = 5.696.
    df = pd.DataFrame({"geography": list("ABCDE"), "case": "ENG",
                       "num": [160, 180, 200, 220, 240], "den": 400})
    assert u.overdispersion(df["num"] / df["den"], df["den"], 0.5) == pytest.approx(5.696)
    plain = u.funnel(df, numerator="num", denominator="den")
    assert plain.phi == pytest.approx(5.696) and not plain.adjusted
    assert plain.phi_p == pytest.approx(chi2.sf(5 * 5.696, 5))
    assert plain.table()["z"].tolist() == pytest.approx([-4, -2, 0, 2, 4])
    wide = u.funnel(df, numerator="num", denominator="den", overdispersion_adjust=True)
    half = 100 * Z998 * math.sqrt(5.696 * 0.25 / 400)
    assert wide.table()["upper_99.8"].iloc[0] == pytest.approx(50 + half)
    # se widened to 0.025 × √5.696 = 0.0597: even z = ±4 lies within the 95% limits.
    assert set(wide.table()["flag"]) == {"within 95%"}
    assert "widened by phi=5.7" in repr(wide)
    with pytest.raises(CaseStudyError, match="normal approximation"):
        u.funnel(df, numerator="num", denominator="den", method="exact",
                 overdispersion_adjust=True)

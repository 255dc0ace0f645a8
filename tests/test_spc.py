"""SPC charts: hand-worked examples for every rule and option (NHSRplotthedots' behaviour)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from casestudy import spc
from casestudy.errors import CaseStudyError

# Fixed limits for rule tests: centre 0, limits ±3, so the 2-sigma lines are at ±2.
C, L, U = 0.0, -3.0, 3.0


def rules(y, *, counts_outside=False):
    n = len(y)
    lab = spc.label_points(y, [C] * n, [L] * n, [U] * n,
                           two_of_three_counts_outside=counts_outside)
    return lab.rule.tolist(), lab.direction.tolist()


def series(values, start="2020-01-01"):
    return pd.DataFrame({"month": pd.date_range(start, periods=len(values), freq="MS"),
                         "v": values})


# --------------------------------------------------------------------------- limits

def test_limits_are_mean_plus_minus_2_66_mean_moving_range():
    # mean 1.5, every moving range 1 → limits 1.5 ± 2.66
    t = spc.xmr(series([1, 2] * 7), "v", index="month", screen_outliers=False).table()
    assert t["mean"].iloc[0] == pytest.approx(1.5)
    assert t["upl"].iloc[0] == pytest.approx(4.16)
    assert t["lpl"].iloc[0] == pytest.approx(-1.16)


def test_screening_drops_moving_ranges_at_or_above_3_267_mean_mr_once():
    y = [5, 6] * 6 + [5, 20]  # moving ranges: twelve of 1, then 15
    mean = np.mean(y)
    unscreened = spc.xmr(series(y), "v", screen_outliers=False).table()
    screened = spc.xmr(series(y), "v").table()
    # mean MR = 27/13 ≈ 2.08; 3.267 × 2.08 ≈ 6.79 ≤ 15, so 15 goes and the mean MR is 1
    assert unscreened["upl"].iloc[0] == pytest.approx(mean + 2.66 * 27 / 13)
    assert screened["upl"].iloc[0] == pytest.approx(mean + 2.66 * 1)
    assert screened["rule"].iloc[-1] == "outside_limits"


def test_screening_keeps_ranges_just_below_the_cut():
    # moving ranges 1 (×12) and 3: mean 15/13 ≈ 1.15, cut ≈ 3.77 > 3, nothing dropped
    y = [5, 6] * 6 + [5, 8]
    a = spc.xmr(series(y), "v").table()
    b = spc.xmr(series(y), "v", screen_outliers=False).table()
    assert a["upl"].iloc[0] == pytest.approx(b["upl"].iloc[0])


def test_fix_after_uses_only_the_first_n_points():
    y = [1, 2] * 6 + [10, 11, 10, 11]
    t = spc.xmr(series(y), "v", fix_after=12).table()
    assert t["mean"].iloc[-1] == pytest.approx(1.5)
    assert t["upl"].iloc[-1] == pytest.approx(4.16)
    assert (t["rule"].iloc[12:] == "outside_limits").all()


@pytest.mark.parametrize("bad", [11, 0, 12.5])
def test_fix_after_needs_at_least_12_whole_points(bad):
    with pytest.raises(CaseStudyError, match="fix_after"):
        spc.xmr(series([1, 2] * 8), "v", fix_after=bad)


def test_rebase_starts_new_limits_and_runs_do_not_cross_it():
    y = [1, 2] * 7 + [11, 12] * 7
    t = spc.xmr(series(y), "v", index="month", rebase=["2021-03-01"]).table()
    assert t["period"].tolist() == [0] * 14 + [1] * 14
    assert t["mean"].iloc[0] == pytest.approx(1.5)
    assert t["mean"].iloc[-1] == pytest.approx(11.5)
    assert t["rule"].isna().all()  # each period is stable on its own limits
    unrebased = spc.xmr(series(y), "v").table()
    assert unrebased["rule"].notna().all()  # one set of limits: two long shifts


def test_rebase_point_must_be_in_the_index():
    with pytest.raises(CaseStudyError, match="rebase point"):
        spc.xmr(series([1, 2] * 7), "v", index="month", rebase=["1999-01-01"])


def test_short_period_warns_below_13_points():
    with pytest.warns(UserWarning, match="fewer than 13"):
        t = spc.xmr(series([1, 2] * 6), "v").table()
    assert t["short_period"].all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spc.xmr(series([1, 2] * 6 + [1]), "v")


# --------------------------------------------------------------------------- rules

def test_outside_limits_high_and_low():
    rule, direction = rules([0, 3.5, 0, -3.01, 0, 3])
    assert rule == [None, "outside_limits", None, "outside_limits", None, None]
    assert direction == [0, 1, 0, -1, 0, 0]  # a point on the limit is inside


def test_trend_of_seven_rising_and_six_not():
    assert rules([-0.3, -0.2, -0.1, 0.1, 0.2, 0.3, 0.4])[0] == ["trend"] * 7
    assert rules([-0.3, -0.2, -0.1, 0.1, 0.2, 0.3, 0.25])[0] == [None] * 7
    rule, direction = rules([0.4, 0.3, 0.2, 0.1, -0.1, -0.2, -0.3, 0.0])
    assert rule == ["trend"] * 7 + [None]
    assert direction == [-1] * 7 + [0]


def test_a_tie_breaks_a_trend():
    assert rules([-0.3, -0.2, -0.1, -0.1, 0.2, 0.3, 0.4, 0.5])[0] == [None] * 8


def test_peak_between_two_trends_takes_the_later_direction():
    up = [-0.6, -0.5, -0.4, -0.3, -0.2, -0.1, 0.9]
    down = [0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    rule, direction = rules(up + down)
    assert rule == ["trend"] * 13
    assert direction[5] == 1 and direction[6] == -1 and direction[7] == -1


def test_two_of_three_beyond_two_sigma_same_side():
    rule, direction = rules([0, 2.5, 0.5, 2.5, 0, -0.5])
    # only the two points beyond the 2-sigma line are flagged, not the one between them
    assert rule == [None, "two_of_three", None, "two_of_three", None, None]
    assert direction[1] == 1


def test_two_of_three_needs_same_side_and_no_point_on_the_mean():
    assert rules([2.5, -0.5, 2.5])[0] == [None] * 3
    assert rules([2.5, 0.0, 2.5])[0] == [None] * 3
    assert rules([-2.5, -1, -2.2])[0] == ["two_of_three", None, "two_of_three"]


def test_two_of_three_excludes_points_beyond_the_limits_unless_nov_2023_variant():
    assert rules([0.5, 3.5, 2.5, 0.5])[0] == [None, "outside_limits", None, None]
    assert rules([0.5, 3.5, 2.5, 0.5], counts_outside=True)[0] == [
        None, "outside_limits", "two_of_three", None]


def test_shift_of_seven_on_one_side_and_the_mean_breaks_it():
    above = [1, 0.5, 1, 0.5, 1, 0.5, 1]
    assert rules(above)[0] == ["shift"] * 7
    assert rules([-x for x in above])[1] == [-1] * 7
    assert rules([1, 0.5, 1, 0.0, 1, 0.5, 1, 0.5])[0] == [None] * 8
    assert rules([*above[:6], -0.5])[0] == [None] * 7


def test_first_rule_in_order_labels_each_point():
    y = [1, 0.5, 1, 3.5, 1, 0.5, 1]  # a shift, with one point also outside the limits
    assert rules(y)[0] == ["shift", "shift", "shift", "outside_limits", "shift", "shift",
                           "shift"]


# --------------------------------------------------------------------------- variation

@pytest.mark.parametrize(("improvement", "expected"), [
    ("increase", "special_cause_improvement"), ("decrease", "special_cause_concern"),
    ("neutral", "special_cause_neutral_high")])
def test_variation_follows_the_improvement_direction(improvement, expected):
    y = [5, 6] * 7 + [30]
    # limits from the first 14 points, so the last point does not move the mean
    t = spc.xmr(series(y), "v", improvement=improvement, fix_after=14).table()
    assert t["variation"].iloc[-1] == expected
    assert (t["variation"].iloc[:-1] == "common_cause").all()


def test_falling_trend_is_improvement_when_decrease_is_good():
    y = [5, 6] * 6 + [7, 6.5, 6, 5.5, 5.2, 5.1, 5.05]
    t = spc.xmr(series(y), "v", improvement="decrease").table()
    assert (t["rule"].iloc[-7:] == "trend").all()
    assert (t["variation"].iloc[-7:] == "special_cause_improvement").all()


def test_bad_improvement_is_refused():
    with pytest.raises(CaseStudyError, match="improvement"):
        spc.xmr(series([1, 2] * 7), "v", improvement="up")


# --------------------------------------------------------------------------- assurance

@pytest.mark.parametrize(("target", "improvement", "expected"), [
    (10, "increase", "consistent_fail"), (10, "decrease", "consistent_pass"),
    (-5, "increase", "consistent_pass"), (-5, "decrease", "consistent_fail"),
    (1.5, "increase", "inconsistent"), (1.5, "neutral", None)])
def test_assurance_compares_target_with_latest_limits(target, improvement, expected):
    s = spc.xmr(series([1, 2] * 7), "v", target=target, improvement=improvement).summary()
    assert s["assurance"].iloc[0] == expected


def test_facets_are_charted_separately_with_targets_by_facet():
    a = series([1, 2] * 7).assign(area="A")
    b = series([10, 14] * 7).assign(area="B")
    res = spc.xmr(pd.concat([a, b]), "v", index="month", facet="area",
                  target={"A": 10, "B": 12})
    s = res.summary().set_index("facet")
    assert s.loc["A", "mean"] == pytest.approx(1.5)
    assert s.loc["B", "mean"] == pytest.approx(12)
    assert s.loc["A", "assurance"] == "consistent_fail"
    assert s.loc["B", "assurance"] == "inconsistent"
    assert s.loc["A", "variation_text"] == "Common cause variation"
    fig = res.plot()
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2


def test_single_chart_plot_returns_axes_and_accepts_ax():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    out = spc.xmr(series([1, 2] * 7), "v", index="month").plot(ax=ax)
    assert out is ax
    plt.close("all")


def test_plot_on_one_axes_refuses_several_facets():
    import matplotlib.pyplot as plt

    two = pd.concat([series([1, 2] * 7).assign(area="A"), series([3, 4] * 7).assign(area="B")])
    res = spc.xmr(two, "v", index="month", facet="area")
    _, ax = plt.subplots()
    with pytest.raises(CaseStudyError, match=r"2 facets \('area'\)"):
        res.plot(ax=ax)
    assert not ax.lines  # nothing half-drawn
    plt.close("all")


# --------------------------------------------------------------------------- p and u

def test_p_chart_limits_vary_with_the_denominator():
    df = pd.DataFrame({"seen": [90, 40] * 7, "all": [100, 50] * 7})
    t = spc.p_chart(df, "seen", "all").table()
    p = 130 / 150  # pooled: (90 + 40) / (100 + 50)
    assert t["mean"].iloc[0] == pytest.approx(p)
    assert t["upl"].iloc[0] == pytest.approx(p + 3 * np.sqrt(p * (1 - p) / 100))
    assert t["lpl"].iloc[1] == pytest.approx(p - 3 * np.sqrt(p * (1 - p) / 50))
    assert t["upl"].iloc[0] < t["upl"].iloc[1]


def test_p_chart_clips_limits_to_zero_and_one():
    df = pd.DataFrame({"x": [1, 0] * 7, "n": [2, 2] * 7})
    t = spc.p_chart(df, "x", "n").table()
    assert t["lpl"].min() == 0 and t["upl"].max() == 1


def test_p_chart_refuses_numerator_above_denominator():
    with pytest.raises(CaseStudyError, match="exceeds"):
        spc.p_chart(pd.DataFrame({"x": [5] * 13, "n": [4] * 13}), "x", "n")


def test_u_chart_limits_and_zero_floor():
    df = pd.DataFrame({"events": [2, 8] * 7, "exposure": [1, 4] * 7})
    t = spc.u_chart(df, "events", "exposure").table()
    u = 70 / 35
    assert t["upl"].iloc[0] == pytest.approx(u + 3 * np.sqrt(u / 1))
    assert t["lpl"].iloc[0] == 0  # u − 3√(u/1) < 0
    assert t["lpl"].iloc[1] == pytest.approx(max(u - 3 * np.sqrt(u / 4), 0))


def test_u_chart_refuses_zero_exposure():
    with pytest.raises(CaseStudyError, match="positive"):
        spc.u_chart(pd.DataFrame({"e": [1] * 13, "x": [1] * 12 + [0]}), "e", "x")


# --------------------------------------------------------------------------- run chart

def test_anhoej_long_run_and_few_crossings():
    r = spc.anhoej([1] * 8 + [5] * 8)
    # n = 16: longest run limit round(log2 16) + 3 = 7; crossings limit qbinom(.05, 15, .5) = 4
    assert (r["longest_run"], r["longest_run_max"]) == (8, 7)
    assert (r["crossings"], r["crossings_min"]) == (1, 4)
    assert r["runs_signal"] and r["crossings_signal"]


def test_anhoej_points_on_the_median_are_not_counted():
    r = spc.anhoej([1, 5, 3, 1, 5, 3, 1, 5, 3])
    assert r["median"] == 3
    assert r["n_useful"] == 6
    assert r["crossings"] == 5 and r["longest_run"] == 1
    assert r["crossings_min"] == 1  # qbinom(0.05, 5, 0.5)
    assert not r["signal"]


def test_anhoej_limits_for_n_20():
    r = spc.anhoej(np.arange(20.0))
    assert r["longest_run_max"] == 7  # round(log2 20 = 4.32) + 3
    assert r["crossings_min"] == 6    # qbinom(0.05, 19, 0.5)
    assert r["longest_run"] == 10 and r["signal"]


def test_run_chart_by_facet():
    df = pd.concat([series([1, 2] * 8).assign(g="x"), series([1] * 8 + [5] * 8).assign(g="y")])
    s = spc.run_chart(df, "v", index="month", facet="g").summary().set_index("facet")
    assert not s.loc["x", "signal"] and s.loc["y", "signal"]


# --------------------------------------------------------------------------- bad input

def test_missing_column_is_named():
    with pytest.raises(CaseStudyError, match="'w'"):
        spc.xmr(series([1, 2] * 7), "w")


def test_non_numeric_value_is_reported():
    df = series([1, 2] * 7).astype({"v": object})
    df.loc[3, "v"] = "n/a"
    with pytest.raises(CaseStudyError, match="'n/a'"):
        spc.xmr(df, "v")


def test_duplicated_index_is_refused():
    df = series([1, 2] * 7)
    df.loc[5, "month"] = df.loc[4, "month"]
    with pytest.raises(CaseStudyError, match="appears twice"):
        spc.xmr(df, "v", index="month")


def test_unsorted_input_is_charted_in_index_order():
    df = series([1, 2] * 6 + [1, 9])
    t = spc.xmr(df.iloc[::-1], "v", index="month").table()
    assert t["value"].tolist() == df["v"].astype(float).tolist()


def test_summary_gives_the_first_special_cause_and_latest_variation():
    df = series([5, 6] * 7 + [30])
    s = spc.xmr(df, "v", index="month", improvement="decrease", fix_after=14).summary()
    assert s["first_special_cause"].iloc[0] == df["month"].iloc[-1]
    assert s["variation"].iloc[0] == "special_cause_concern"
    assert s["special_cause_points"].iloc[0] == 1


def test_facets_stacked_with_repeated_row_labels_keep_one_row_per_point():
    """Simulated: three facets stacked with pd.concat, each with row labels 0..19."""
    rng = np.random.default_rng(4)
    parts = [pd.DataFrame({"i": range(20), "f": name, "y": rng.normal(10, 1, 20)})
             for name in "abc"]
    res = spc.xmr(pd.concat(parts), "y", index="i", facet="f")
    assert len(res.table()) == 60
    assert res.table().groupby("facet").size().tolist() == [20, 20, 20]


def test_facet_titles_name_registry_units():
    """Simulated values for two NHS boards given by their codes."""
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"i": list(range(15)) * 2, "board": ["S08000015"] * 15 + ["XX"] * 15,
                       "y": rng.normal(10, 1, 30)})
    fig = spc.xmr(df, "y", index="i", facet="board").plot()
    titles = [a.get_title() for a in fig.axes if a.get_visible()]
    assert titles == ["NHS Ayrshire and Arran", "XX"]


def test_small_multiples_label_years_under_each_column_only():
    """Simulated: eight facets in rows of three; the years show under the last three panels,
    the other panels' tick labels are switched off (not blank texts laid out and measured),
    and the markers, drawn after the panels, are vectors (192 of them)."""
    import io

    import matplotlib.pyplot as plt

    rng = np.random.default_rng(6)
    months = pd.date_range("2020-01-01", periods=24, freq="MS")
    df = pd.DataFrame({"month": np.tile(months, 8), "unit": np.repeat(list("abcdefgh"), 24),
                       "y": rng.normal(10, 1, 24 * 8)})
    fig = spc.xmr(df, "y", index="month", facet="unit").plot(ncols=3)
    panels = [a for a in fig.axes if a.get_visible()]
    fig.canvas.draw()
    labelled = [[t.get_text() for t in a.get_xticklabels() if t.get_visible()]
                for a in panels]
    assert labelled[:5] == [[]] * 5
    assert labelled[5:] == [["2020", "2021"]] * 3
    layer = next(a for a in fig.artists if isinstance(a, spc.PanelMarkers))
    assert [len(m.get_offsets()) for m in layer.markers] == [24] * 8
    assert [m.axes for m in layer.markers] == [None] * 8
    assert [m.get_offset_transform() for m in layer.markers] == [a.transData for a in panels]
    svg = io.StringIO()
    fig.savefig(svg, format="svg")
    assert svg.getvalue().count("<image") == 0
    plt.close(fig)


@pytest.mark.parametrize("months", [spc.RASTER_MARKERS // 4, spc.RASTER_MARKERS // 4 + 1])
def test_many_markers_of_small_multiples_are_one_raster_in_an_svg(months):
    """Simulated: four facets; at most RASTER_MARKERS markers in all are vectors, one more
    makes them one image (not one per panel). Either way the PNG has the pixels it would
    have with each panel drawing its own markers."""
    import io

    import matplotlib.pyplot as plt

    rng = np.random.default_rng(9)
    df = pd.DataFrame({"i": np.tile(np.arange(months), 4), "unit": np.repeat(list("abcd"), months),
                       "y": rng.normal(10, 1, months * 4)})
    fig = spc.xmr(df, "y", index="i", facet="unit").plot(ncols=2)
    layer = next(a for a in fig.artists if isinstance(a, spc.PanelMarkers))
    many = 4 * months > spc.RASTER_MARKERS
    assert layer.get_rasterized() is many
    assert not any(m.get_rasterized() for m in layer.markers)
    svg = io.StringIO()
    fig.savefig(svg, format="svg")
    assert svg.getvalue().count("<image") == int(many)
    fig.canvas.draw()
    by_layer = np.asarray(fig.canvas.buffer_rgba()).copy()
    panels = [a for a in fig.axes if a.get_visible()]
    layer.remove()
    for m, a in zip(layer.markers, panels, strict=True):
        a.add_collection(m, autolim=False)
    fig.canvas.draw()
    assert np.array_equal(by_layer, np.asarray(fig.canvas.buffer_rgba()))
    plt.close(fig)


@pytest.mark.parametrize("sharey", [False, True])
def test_small_multiples_on_one_scale_label_values_beside_the_first_column_only(sharey):
    """Simulated: five facets in rows of three. On a shared scale the values show beside
    panels 1 and 4 only; on panels' own scales, beside every panel."""
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(8)
    df = pd.DataFrame({"i": np.tile(np.arange(20), 5), "unit": np.repeat(list("abcde"), 20),
                       "y": rng.normal(10, 1, 20 * 5) * np.repeat([1, 2, 3, 4, 5], 20)})
    fig = spc.xmr(df, "y", index="i", facet="unit").plot(ncols=3, sharey=sharey)
    fig.canvas.draw()
    labelled = [any(t.get_visible() and t.get_text() for t in a.get_yticklabels())
                for a in fig.axes if a.get_visible()]
    assert labelled == ([True, False, False, True, False] if sharey else [True] * 5)
    plt.close(fig)


def test_small_multiples_tight_box_is_the_box_of_every_panel():
    """Simulated: the one panel with neighbours on all sides (the middle of a 3 x 3 grid)
    is left out of the tight box, which is the same as with every panel measured."""
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(7)
    df = pd.DataFrame({"i": np.tile(np.arange(20), 9), "unit": np.repeat(list("abcdefghi"), 20),
                       "y": rng.normal(10, 1, 20 * 9)})
    fig = spc.xmr(df, "y", index="i", facet="unit").plot(ncols=3, title="Nine units")
    panels = [a for a in fig.axes if a.get_visible()]
    assert [a.get_in_layout() for a in panels] == [True] * 4 + [False] + [True] * 4
    renderer = fig.canvas.get_renderer()
    box = fig.get_tightbbox(renderer)
    for a in panels:
        a.set_in_layout(True)
    assert fig.get_tightbbox(renderer).bounds == pytest.approx(box.bounds)
    plt.close(fig)

"""The robustness protocol of Oana and Schneider (2021), as SetMethods implements it
(rob.fit, rob.corefit, rob.inclrange, rob.ncutrange, rob.calibrange), by hand."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from casestudy.errors import CaseStudyError
from casestudy.qca import (
    minimize,
    robustness,
    robustness_fit,
    robustness_ranges,
    truth_table,
)


@pytest.fixture
def fuzzy() -> pd.DataFrame:
    return pd.DataFrame({"A": [0.9, 0.8, 0.3, 0.2, 0.6, 0.7],
                         "B": [0.2, 0.7, 0.9, 0.1, 0.4, 0.8],
                         "Y": [0.9, 0.7, 0.6, 0.1, 0.6, 0.5]}, index=list("pqrstu"))


def test_robustness_fit_by_hand(fuzzy):
    initial = minimize(truth_table(fuzzy, "Y", incl_cut=0.8), include="?")
    strict = minimize(truth_table(fuzzy, "Y", incl_cut=0.95), include="?")
    assert str(initial) == "M1: A + B <-> Y"
    assert str(strict) == "M1: A*~B -> Y"
    fit = robustness_fit(initial, [strict, minimize(truth_table(fuzzy, "Y"))])
    row = fit.table().iloc[0]
    # IS = A + B = .9 .8 .9 .2 .6 .8 (sum 4.2), min(IS, Y) sums to 3.4 = sum Y.
    # RC = IS ∩ A*~B ∩ (A + B) = A*~B = .8 .3 .1 .2 .6 .2 (2.2), min(RC, Y) = 2.1.
    assert row["RF_cons"] == pytest.approx((3.4 / 4.2) / (2.1 / 2.2))
    assert row["RF_cov"] == pytest.approx((2.1 / 3.4) / 1.0)
    # minTS = A*~B lies inside IS: sum min = 2.2, sum max = 4.2; maxTS = A + B = IS.
    assert row["RF_SC_minTS"] == pytest.approx(2.2 / 4.2)
    assert row["RF_SC_maxTS"] == pytest.approx(1.0)
    assert row["n_tests"] == 2
    assert repr(fit).startswith("Robustness fit of 2 test solutions against M1: A + B")
    assert "<th>RF_cov</th>" in fit._repr_html_()
    ax = fit.plot()
    assert ax.get_xlabel() == "initial solution M1: A + B"
    plt.close(ax.figure)


def test_robustness_fit_takes_min_and_max_over_every_test_solution(fuzzy):
    # SetMethods' rob.fit loops over length(test_sol) only, so a middle test solution
    # never enters minTS; here every one does: with A*~B in the middle, minTS is A*~B.
    initial = minimize(truth_table(fuzzy, "Y", incl_cut=0.8), include="?")
    strict = minimize(truth_table(fuzzy, "Y", incl_cut=0.95), include="?")
    fit = robustness_fit(initial, [initial, strict, initial])
    assert fit.members["minTS"].tolist() == pytest.approx([0.8, 0.3, 0.1, 0.2, 0.6, 0.2])
    assert fit.table().loc[0, "RF_SC_minTS"] == pytest.approx(2.2 / 4.2)


def test_robustness_fit_refuses_other_cases(fuzzy):
    initial = minimize(truth_table(fuzzy, "Y"), include="?")
    other = minimize(truth_table(fuzzy.iloc[:5], "Y"), include="?")
    with pytest.raises(CaseStudyError, match="other cases"):
        robustness_fit(initial, [other])
    with pytest.raises(CaseStudyError, match="at least one"):
        robustness_fit(initial, [])


def test_sweep_grows_into_the_fit(fuzzy):
    rob = robustness(fuzzy, "Y", incl_cuts=(0.8, 0.95))
    row = rob.fit("as given", 0.8).table().iloc[0]
    # The test set is the 0.95 run alone: minTS = maxTS = RC = A*~B.
    assert row["RF_SC_maxTS"] == pytest.approx(2.2 / 4.2)
    assert row["RF_cov"] == pytest.approx(2.1 / 3.4)
    with pytest.raises(CaseStudyError, match="no solution for scenario"):
        rob.fit("as given", 0.5)


def test_incl_cut_and_n_cut_ranges_by_hand(fuzzy):
    # Row incl: 00 .611, 01 .944, 10 .955, 11 .917. Upwards A + B holds to 0.90 and
    # becomes A*~B at 0.95; downwards it holds to 0.65 and changes at 0.60, where row 00
    # turns positive. n_cut 2 makes rows 00 and 01 (one case each) remainders.
    r = robustness_ranges(fuzzy, "Y", incl_cut=0.8, incl_step=0.05).table()
    r = r.set_index("parameter")
    assert r.loc["incl_cut", ["lower", "upper"]].tolist() == pytest.approx([0.65, 0.9])
    assert r.loc["incl_cut", ["lower_stop", "upper_stop"]].tolist() == \
        ["solution changes", "solution changes"]
    assert r.loc["n_cut", ["lower", "upper"]].tolist() == [1, 1]
    assert r.loc["n_cut", ["lower_stop", "upper_stop"]].tolist() == \
        ["scale end", "solution changes"]


def test_calibration_range_by_hand():
    raw = pd.DataFrame({"X": [1.0, 2, 3, 4, 5, 6], "Y": [0, 0, 0, 1, 1, 1]})
    ranges = robustness_ranges(raw, "Y", incl_cut=0.8, include="",
                               calibrations={"X": (3.5,)}, threshold_steps={"X": 0.5})
    r = ranges.table().set_index("parameter").loc["X threshold 1"]
    # At 3.0 the X row holds 3, 4, 5, 6 (incl 3/4 < 0.8): nothing to minimise. Up to
    # 6.0 the solution stays X (fewer cases, still consistent); at 6.5 no case is in X.
    assert (r["lower"], r["upper"]) == (3.5, 6.0)
    assert (r["lower_stop"], r["upper_stop"]) == ("solution changes", "solution changes")
    runs = ranges.runs[ranges.runs["parameter"] == "X threshold 1"]
    assert runs.loc[~runs["same"], "value"].tolist() == [3.0, 6.5]
    assert repr(ranges).startswith("Sensitivity ranges of M1: X")
    ax = ranges.plot()
    assert len(ax.get_yticklabels()) == 3
    plt.close(ax.figure)


def test_fuzzy_thresholds_keep_their_order():
    raw = pd.DataFrame({"X": [10.0, 20, 30, 40, 50, 60], "Y": [0.1, 0.2, 0.3, 0.8, 0.9, 0.9]})
    r = robustness_ranges(raw, "Y", incl_cut=0.8, include="",
                          calibrations={"X": (20, 35, 50)},
                          threshold_steps={"X": 5}).table().set_index("parameter")
    # The crossover can never reach an anchor: its search stops at the order.
    assert r.loc["X crossover", "lower"] > 20 and r.loc["X crossover", "upper"] < 50
    stops = set(r.loc["X crossover", ["lower_stop", "upper_stop"]])
    assert stops <= {"threshold order", "solution changes"}
    with pytest.raises(CaseStudyError, match="no solution to test"):
        robustness_ranges(raw, "Y", incl_cut=1.0, calibrations={"X": (55, 58, 59)})


def test_robust_case_types_by_hand(fuzzy):
    initial = minimize(truth_table(fuzzy, "Y", incl_cut=0.8), include="?")
    strict = minimize(truth_table(fuzzy, "Y", incl_cut=0.95), include="?")
    types = robustness_fit(initial, [strict]).cases().set_index("case")["type"]
    # IS = A + B = .9 .8 .9 .2 .6 .8; minTS = maxTS = A*~B = .8 .3 .1 .2 .6 .2;
    # Y = .9 .7 .6 .1 .6 .5. p: IS*minTS = .8, Y .9 -> robust typical; q: IS*~minTS =
    # .7, Y .7 -> shaky typical; r: .9, Y .6 -> shaky typical; s: outside both, Y .1 ->
    # irrelevant; t: IS*minTS = .6, Y .6 -> robust typical; u: Y = 0.5 -> ambiguous.
    assert types.to_dict() == {"p": "robust typical", "q": "shaky typical",
                               "r": "shaky typical", "s": "irrelevant",
                               "t": "robust typical", "u": "ambiguous"}


def test_ranges_minimise_each_distinct_truth_table_once(monkeypatch: pytest.MonkeyPatch):
    """Simulated: most steps of a scan leave the truth table's rows and their OUT as they
    were; each distinct one is minimised once (after the initial solution), not once per
    step."""
    import importlib

    # The package's robustness() function hides its module of the same name.
    module = importlib.import_module("casestudy.qca.robustness")
    raw = pd.DataFrame({"X": [1.0, 2, 3, 4, 5, 6], "Y": [0, 0, 0, 1, 1, 1]})
    calls = []
    real = module.minimize

    def counting(tt, **kwargs):
        calls.append((tuple(tt.rows.index), tuple(tt.rows["OUT"])))
        return real(tt, **kwargs)

    monkeypatch.setattr(module, "minimize", counting)
    ranges = robustness_ranges(raw, "Y", incl_cut=0.8, include="",
                               calibrations={"X": (3.5,)}, threshold_steps={"X": 0.5})
    assert len(calls) == len(set(calls[1:])) + 1
    assert len(calls) < len(ranges.runs) / 2


@pytest.mark.parametrize("column", ["A", "B", "Y", "Z"])
@pytest.mark.parametrize("outcome", ["Y", "~Y"])
def test_tables_from_read_sets_with_one_column_replaced_are_truth_tables(fuzzy, column,
                                                                          outcome):
    """robustness_ranges reads the sets once and replaces the moved column: the tables are
    those truth_table builds on the frame with that column replaced (Z: not analysed)."""
    import numpy as np

    from casestudy.qca._sets import case_labels, read_sets, with_column
    from casestudy.qca.truthtable import from_sets

    data = fuzzy.assign(Z=0.3)
    base = read_sets(data, outcome, ["A", "B"], None)
    rng = np.random.default_rng(7)
    for values in (rng.uniform(0, 1, 6), [0.0, 1, 1, 0, 1, 0], [0.5, 0.2, 0.9, 0.1, 0.7, 0.6]):
        moved = data.assign(**{column: values})
        for cut, n_cut in ((0.7, 1), (0.9, 2)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # cases at 0.5, in both
                ours = from_sets(with_column(base, moved[[column]], column),
                                 case_labels(data), incl_cut=cut, n_cut=n_cut)
                theirs = truth_table(moved, outcome, ["A", "B"], incl_cut=cut, n_cut=n_cut)
            pd.testing.assert_frame_equal(ours.rows, theirs.rows)
            assert ours.types == theirs.types and ours.levels == theirs.levels

"""Necessity, robustness sweeps and the XY plot."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from casestudy.errors import CaseStudyError, DataValidationError
from casestudy.qca import minimize, necessity, necessity_fit, robustness, truth_table, xy_plot


@pytest.fixture
def fuzzy() -> pd.DataFrame:
    return pd.DataFrame({"A": [0.8, 0.6, 0.3, 0.2], "B": [0.9, 0.4, 0.7, 0.1],
                         "Y": [0.9, 0.3, 0.6, 0.2]}, index=["c1", "c2", "c3", "c4"])


def test_necessity_of_single_conditions_by_hand(fuzzy):
    nec = necessity(fuzzy, "Y").set_index("expression")
    assert list(nec.index) == ["A", "~A", "B", "~B"]
    # A = [.8 .6 .3 .2], min(A, Y) = 1.6, sum Y = 2.0, sum A = 1.9,
    # sum(1 - A) = 2.1, sum(1 - min(A, Y)) = 2.4.
    assert nec.loc["A", ["inclN", "RoN", "covN"]].tolist() == pytest.approx(
        [0.8, 2.1 / 2.4, 1.6 / 1.9])
    # ~A = [.2 .4 .7 .8], min(~A, Y) = 1.3, sum ~A = 2.1, sum(1 - min) = 2.7.
    assert nec.loc["~A", ["inclN", "RoN", "covN"]].tolist() == pytest.approx(
        [0.65, 1.9 / 2.7, 1.3 / 2.1])


def test_necessary_disjunctions(fuzzy):
    nec = necessity(fuzzy, "Y", max_size=2, incl_cut=0.96).set_index("expression")
    # A + B = [.9 .6 .7 .2]: min with Y = 2.0 of 2.0, RoN 1.6 / 2.0, covN 2.0 / 2.4.
    assert nec.loc["A + B", ["inclN", "RoN", "covN"]].tolist() == pytest.approx(
        [1.0, 0.8, 2.0 / 2.4])
    assert bool(nec.loc["A + B", "passes"])
    assert "A + ~A" not in nec.index  # never a condition with its own negation
    # B alone passes at 0.9, so no disjunction containing B is listed then.
    lower = necessity(fuzzy, "Y", max_size=2, incl_cut=0.9)
    assert not lower["expression"].str.contains(r"\+ B|B \+").any()


def test_necessity_uses_a_case_at_half_and_warns_nothing(fuzzy):
    # A case at exactly 0.5 belongs to no truth-table row but counts for necessity, and
    # necessity has no truth table to warn about it.
    data = pd.concat([fuzzy, pd.DataFrame({"A": [0.5], "B": [0.5], "Y": [0.5]},
                                          index=["edge"])])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nec = necessity(data, "Y").set_index("expression")
    # A = [.8 .6 .3 .2 .5], Y = [.9 .3 .6 .2 .5]: min = 2.1, sum Y = 2.5, sum A = 2.4.
    assert nec.loc["A", ["inclN", "covN"]].tolist() == pytest.approx([2.1 / 2.5, 2.1 / 2.4])


def test_necessity_checks_max_size_first_and_names_multi_value_literals():
    with pytest.raises(CaseStudyError, match="max_size must be at least 1"):
        necessity(pd.DataFrame({"A": [0.2, 7.0]}), "Y", max_size=0)
    data = pd.DataFrame({"A": [0, 1, 2, 2], "B": [1, 0, 1, 0], "Y": [0, 1, 1, 1]})
    nec = necessity(data, "Y").set_index("expression")
    assert list(nec.index) == ["A[0]", "A[1]", "A[2]", "B[0]", "B[1]"]
    # A[2] = [0 0 1 1]: two of the three Y cases, and both A[2] cases are Y.
    assert nec.loc["A[2]", ["inclN", "covN"]].tolist() == pytest.approx([2 / 3, 1.0])


def test_necessity_refuses_bad_input_with_its_place():
    data = pd.DataFrame({"A": [0.2, 1.4], "Y": [0.1, 0.9]}, index=["p", "q"])
    with pytest.raises(DataValidationError, match=r"column 'A'.*case 'q': got 1.4"):
        necessity(data, "Y")
    with pytest.raises(DataValidationError, match="also listed"):
        necessity(data, "Y", ["A", "Y"])


def test_necessity_fit_function():
    assert necessity_fit(pd.Series([1.0, 0.0]).to_numpy(), pd.Series([1.0, 0.0]).to_numpy()) \
        == {"inclN": 1.0, "RoN": 1.0, "covN": 1.0}


def test_robustness_sweep_reports_surviving_terms(fuzzy):
    rob = robustness(fuzzy, "Y", incl_cuts=(0.8, 0.9, 0.95), include="")
    runs = rob.runs
    # At 0.8 both B rows are positive (solution B); at 0.9 only A*B; at 0.95 none.
    assert runs.loc[runs["incl_cut"] == 0.8, "term"].tolist() == ["B"]
    assert runs.loc[runs["incl_cut"] == 0.9, "term"].tolist() == ["A*B"]
    assert "OUT = 1" in runs.loc[runs["incl_cut"] == 0.95, "status"].iloc[0]
    table = rob.table().set_index("term")
    assert table.loc["B", "share"] == pytest.approx(1 / 3)
    assert rob.plot().get_title().startswith("Solution terms")


def test_robustness_recalibrates_raw_columns():
    raw = pd.DataFrame({"GDP": [100.0, 300, 500, 700], "Y": [0, 0, 1, 1]})
    rob = robustness(raw, "Y", incl_cuts=(0.8,),
                     calibrations={"cut 400": {"GDP": (400,)}, "cut 200": {"GDP": (200,)}})
    runs = rob.runs.set_index("scenario")
    # Cut at 400, GDP = [0 0 1 1] matches Y exactly; cut at 200, GDP = [0 1 1 1] makes
    # the GDP row 2/3 consistent, below 0.8, so nothing is left to minimise.
    assert runs.loc["cut 400", "term"] == "GDP"
    assert "OUT = 1" in runs.loc["cut 200", "status"]


def test_xy_plot_contract(fuzzy):
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    out = xy_plot(fuzzy, x="A", y="Y", label=None, ax=ax)
    assert out is ax
    assert out.get_legend().get_texts()[0].get_text().startswith("inclS 0.842")
    sol = minimize(truth_table(fuzzy, "Y"))
    assert sol.plot(labels=True).get_xlabel() == "M1: B"

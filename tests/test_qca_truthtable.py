"""Truth tables worked by hand, and bad input refused with the place named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from casestudy.errors import DataValidationError
from casestudy.qca import truth_table


@pytest.fixture
def fuzzy() -> pd.DataFrame:
    """Four cases, two fuzzy conditions; every number below is worked by hand."""
    return pd.DataFrame({"A": [0.8, 0.6, 0.3, 0.2], "B": [0.9, 0.4, 0.7, 0.1],
                         "Y": [0.9, 0.3, 0.6, 0.2]}, index=["c1", "c2", "c3", "c4"])


def test_fuzzy_incl_and_pri_by_hand(fuzzy):
    tt = truth_table(fuzzy, "Y", incl_cut=0.8)
    t = tt.table().set_index("row")
    # Row 4 = A*B: X = [.8 .4 .3 .1], min(X,Y) = 1.5, sum X = 1.6, min(X,Y,~Y) = 0.8.
    assert t.loc[4, "incl"] == pytest.approx(1.5 / 1.6)
    assert t.loc[4, "PRI"] == pytest.approx(0.7 / 0.8)
    # Row 2 = ~A*B: X = [.2 .4 .7 .1]: 1.2 / 1.4; PRI (1.2 - 0.9) / (1.4 - 0.9).
    assert t.loc[2, "incl"] == pytest.approx(1.2 / 1.4)
    assert t.loc[2, "PRI"] == pytest.approx(0.6)
    # Row 3 = A*~B: X = [.1 .6 .3 .2]: 0.9 / 1.2, and PRI 0 (all overlap is with ~Y too).
    assert t.loc[3, "incl"] == pytest.approx(0.75)
    assert t.loc[3, "PRI"] == pytest.approx(0.0)
    assert t.loc[1, "incl"] == pytest.approx(0.9 / 1.6)
    assert t["OUT"].to_dict() == {1: "0", 2: "1", 3: "0", 4: "1"}
    assert t["n"].tolist() == [1, 1, 1, 1]
    assert t.loc[4, "cases"] == "c1"


def test_pri_cut_and_contradictions(fuzzy):
    assert truth_table(fuzzy, "Y", pri_cut=0.7).table().set_index("row").loc[2, "OUT"] == "0"
    out = truth_table(fuzzy, "Y", incl_cut=(0.9, 0.7)).table().set_index("row")["OUT"]
    assert out.to_dict() == {1: "0", 2: "C", 3: "C", 4: "1"}


def test_n_cut_makes_remainders(fuzzy):
    tt = truth_table(fuzzy, "Y", n_cut=2)
    assert set(tt.table()["OUT"]) == {"?"}
    assert tt.remainders().tolist() == [1, 2, 3, 4]


def test_negated_outcome(fuzzy):
    t = truth_table(fuzzy, "~Y").table().set_index("row")
    # ~A*~B = [.1 .4 .3 .8] against ~Y = [.1 .7 .4 .8]: fully consistent.
    assert t.loc[1, "incl"] == pytest.approx(1.0)
    assert t.loc[1, "OUT"] == "1"


def test_case_at_exactly_half_is_reported(fuzzy):
    data = pd.concat([fuzzy, pd.DataFrame({"A": [0.5], "B": [0.9], "Y": [1.0]},
                                          index=["edge"])])
    with pytest.warns(UserWarning, match="edge"):
        tt = truth_table(data, "Y")
    assert tt.ambiguous_cases == ["edge"]
    assert tt.table()["n"].sum() == 4
    assert "edge" in str(tt)


def test_crisp_rows_numbered_as_r_does():
    data = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "C": [1, 1, 1], "Y": [1, 0, 1]})
    tt = truth_table(data, "Y", incl_cut=1)
    # First condition varies slowest: 101 is row 6, 011 row 4, 111 row 8.
    assert tt.table()["row"].tolist() == [4, 6, 8]
    assert len(tt.table(complete=True)) == 8
    assert len(tt.remainders()) == 5


def test_multi_value_rows():
    data = pd.DataFrame({"A": [0, 1, 2, 2], "B": [1, 0, 1, 1], "Y": [0, 1, 1, 0]})
    tt = truth_table(data, "Y", incl_cut=1)
    assert tt.levels == (3, 2)
    t = tt.table().set_index("row")
    assert t.loc[6, "n"] == 2 and t.loc[6, "incl"] == pytest.approx(0.5)
    assert t.loc[3, "OUT"] == "1"


def test_multi_value_outcome_needs_a_level():
    data = pd.DataFrame({"A": [0, 1, 1], "Y": [0, 1, 2]})
    with pytest.raises(DataValidationError, match=r"Y\[1\]"):
        truth_table(data, "Y")
    t = truth_table(data, "Y[2]").table().set_index("row")
    assert t.loc[2, "incl"] == pytest.approx(0.5)


def test_non_binary_value_in_declared_crisp_set():
    data = pd.DataFrame({"A": [0, 1, 2], "Y": [0, 1, 1]})
    with pytest.raises(DataValidationError) as err:
        truth_table(data, "Y", set_types={"A": "crisp"})
    problem = err.value.problems[0]
    # An in-memory frame has no spreadsheet rows: the case names the place instead.
    assert (problem.column, problem.row, problem.rule) == ("A", None, "crisp-value")
    assert problem.message.startswith("case 2: got 2")


def test_membership_outside_unit_interval():
    data = pd.DataFrame({"A": [0.2, 1.2, 0.7], "Y": [0.1, 0.9, 0.8]})
    with pytest.raises(DataValidationError) as err:
        truth_table(data, "Y")
    problem = err.value.problems[0]
    assert (problem.file, problem.column, problem.row) == ("<DataFrame>", "A", None)
    assert problem.message == "case 1: got 1.2, expected a fuzzy membership in [0, 1]"


def test_missing_value_named():
    data = pd.DataFrame({"A": [0.2, np.nan, 0.7], "Y": [0.1, 0.9, 0.8]}, index=list("xyz"))
    with pytest.raises(DataValidationError, match=r"^<DataFrame>, column 'A': "
                                                  r"case 'y'"):
        truth_table(data, "Y")


def test_problems_name_the_file_in_attrs_and_plain_case_ids():
    data = pd.DataFrame({"A": [0.2, 0.4], "Y": [0.1, 0.9]}, index=pd.Index([10, 20]))
    data.loc[20, "A"] = 1.5
    data.attrs["path"] = "data/raw/qca_sites.csv"
    with pytest.raises(DataValidationError) as err:
        truth_table(data, "Y")
    assert str(err.value) == ("data/raw/qca_sites.csv, column 'A': case 20: "
                              "got 1.5, expected a fuzzy membership in [0, 1]")


def test_bad_conditions_and_outcome_reported_together():
    # One check over conditions and outcome: every bad column is listed at once, and a
    # set type for a column outside the analysis is refused once, naming it.
    data = pd.DataFrame({"A": [0.2, 1.2], "B": [0, 1], "Y": [0.1, -0.5]})
    with pytest.raises(DataValidationError) as err:
        truth_table(data, "Y", ["A", "B"])
    assert [(p.column, p.rule) for p in err.value.problems] == [("A", "membership"),
                                                                ("Y", "membership")]
    with pytest.raises(DataValidationError) as err:
        truth_table(data, "Y", ["B"], set_types={"A": "fuzzy", "Y": "fuzzy"})
    assert len(err.value.problems) == 1
    assert "not analysed: ['A']" in str(err.value)
    with pytest.raises(DataValidationError, match="unknown set type 'crsp'"):
        truth_table(data.assign(Y=[0, 1]), "Y", ["B"], set_types={"Y": "crsp"})


def test_missing_outcome_value_named():
    data = pd.DataFrame({"A": [0.2, 0.3], "Y": [0.1, None]})
    with pytest.raises(DataValidationError, match="column 'Y'"):
        truth_table(data, "Y")


@pytest.mark.parametrize("name", ["A*B", "~A", "A+B", "A[1]", "my set", "1A"])
def test_condition_named_like_an_operator(name):
    data = pd.DataFrame({name: [0, 1], "Y": [0, 1]})
    with pytest.raises(DataValidationError, match="QCA notation"):
        truth_table(data, "Y")


def test_unknown_outcome_and_bad_cuts():
    data = pd.DataFrame({"A": [0, 1], "Y": [0, 1]})
    with pytest.raises(DataValidationError, match="no column 'Z'"):
        truth_table(data, "Z")
    with pytest.raises(DataValidationError, match="incl_cut"):
        truth_table(data, "Y", incl_cut=(0.7, 0.9))
    with pytest.raises(DataValidationError, match="also listed"):
        truth_table(data, "Y", ["A", "Y"])


def test_str_and_plot(fuzzy):
    tt = truth_table(fuzzy, "Y")
    assert str(tt).splitlines()[0] == "Truth table for Y (incl_cut=0.8, n_cut=1, pri_cut=0)"
    ax = tt.plot()
    assert ax.get_xlabel().startswith("incl")
    assert len(ax.collections) == 2  # OUT = 1 and OUT = 0 rows


def _membership_by_definition(values, fuzzy, cfg):
    """Each case's membership in each row as the minimum over its literals (rows x cases)."""
    lit = np.where(fuzzy[None, None, :],
                   np.where(cfg[:, None, :] == 1, values[None], 1 - values[None]),
                   (cfg[:, None, :] == values[None]).astype(float))
    return lit.min(axis=2)


@pytest.mark.parametrize("partial_share", [0.1, 0.5, 1.0])
def test_row_scores_equal_the_definition_whichever_pairs_they_sum(partial_share):
    # Few partial memberships take the sparse sum over (case, row) pairs; all partial, the
    # dense one; both must equal incl and PRI computed from the literal-wise definition.
    rng = np.random.default_rng(7)
    n, k = 300, 6
    x = rng.integers(0, 2, size=(n, k)).astype(float)
    part = rng.random((n, k)) < partial_share
    x = np.where(part, rng.uniform(0.05, 0.95, size=(n, k)).round(2), x)
    x[x == 0.5] = 0.55
    y = rng.uniform(0, 1, n).round(2)
    df = pd.DataFrame(x, columns=list("ABCDEF")).assign(Y=y)
    tt = truth_table(df, "Y", incl_cut=0.8)
    cfg = tt.rows[list("ABCDEF")].to_numpy()
    memb = _membership_by_definition(x, np.ones(k, bool), cfg)
    incl = np.minimum(memb, y).sum(axis=1) / memb.sum(axis=1)
    xyn = np.minimum(np.minimum(memb, y), 1 - y).sum(axis=1)
    pri = (np.minimum(memb, y).sum(axis=1) - xyn) / (memb.sum(axis=1) - xyn)
    np.testing.assert_allclose(tt.rows["incl"], incl, rtol=0, atol=1e-12)
    np.testing.assert_allclose(tt.rows["PRI"], pri, rtol=0, atol=1e-12)

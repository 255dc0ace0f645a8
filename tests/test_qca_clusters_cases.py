"""Cluster diagnostics (García-Castro and Ariño 2016, as SetMethods' cluster()) and case
selection after QCA (Schneider and Rohlfing 2013, as SetMethods' smmr()), by hand."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from casestudy.errors import CaseStudyError
from casestudy.qca import cluster_diagnostics, cluster_fit, minimize, truth_table
from casestudy.qca.case_selection import case_selection
from casestudy.qca.clusters import distance

X = np.array([0.8, 0.6, 0.3, 0.9, 0.2, 0.7])
Y = np.array([0.9, 0.4, 0.7, 0.8, 0.1, 0.7])
UNIT = ["a", "a", "b", "b", "c", "c"]
YEAR = [1, 2, 1, 2, 1, 2]


def test_cluster_fit_by_hand():
    fit = cluster_fit(X, Y, UNIT, YEAR).set_index(["level", "group"])
    # min(X, Y) = .8 .4 .3 .8 .1 .7 (3.1); sum X = 3.5; sum Y = 3.6.
    assert fit.loc[("pooled", "(all)"), ["consistency", "coverage"]].tolist() == \
        pytest.approx([3.1 / 3.5, 3.1 / 3.6])
    # Year 1: min 1.2, X 1.3, Y 1.7; year 2: min 1.9, X 2.2, Y 1.9.
    assert fit.loc["between", "consistency"].tolist() == pytest.approx([1.2 / 1.3, 1.9 / 2.2])
    assert fit.loc["between", "coverage"].tolist() == pytest.approx([1.2 / 1.7, 1.0])
    # Units: a 1.2/1.4, b 1.1/1.2, c 0.8/0.9; coverage a 1.2/1.3, b 1.1/1.5, c 0.8/0.8.
    assert fit.loc["within", "consistency"].tolist() == pytest.approx([1.2 / 1.4, 1.1 / 1.2,
                                                                       0.8 / 0.9])
    assert fit.loc["within", "coverage"].tolist() == pytest.approx([1.2 / 1.3, 1.1 / 1.5, 1.0])
    assert fit.loc["within", "n"].tolist() == [2, 2, 2]


def test_distances_by_hand():
    b = np.array([1.2 / 1.3, 1.9 / 2.2])
    # dBP = sqrt(sum((b / sum b - 1/2)^2)): the two shares differ from 1/2 by the same d.
    d = b[0] / b.sum() - 0.5
    assert distance(b) == pytest.approx(np.sqrt(2 * d * d))
    assert distance(np.array([0.7, 0.7, 0.7])) == pytest.approx(0.0, abs=1e-12)
    # An undefined consistency (no case in X) is left out, not scored 1 as SetMethods does.
    assert distance(np.array([0.5, 1.0, np.nan])) == pytest.approx(np.sqrt(2 / 36))
    assert np.isnan(distance(np.array([np.nan])))


@pytest.fixture
def fuzzy() -> pd.DataFrame:
    return pd.DataFrame({
        "A": [0.9, 0.8, 0.7, 0.2, 0.1, 0.3, 0.6, 0.2],
        "B": [0.2, 0.7, 0.1, 0.9, 0.2, 0.1, 0.8, 0.3],
        "C": [0.9, 0.8, 0.6, 0.2, 0.2, 0.7, 0.1, 0.3],
        "Y": [0.9, 0.9, 0.3, 0.8, 0.2, 0.7, 0.7, 0.6]}, index=list("pqrstuvw"))


@pytest.fixture
def solution(fuzzy):
    sol = minimize(truth_table(fuzzy, "Y", incl_cut=0.8), include="?")
    assert str(sol) == "M1: B + C -> Y"
    return sol


def test_cluster_diagnostics_of_a_solution(solution, fuzzy):
    frame = fuzzy.assign(region=list("NNNNSSSS"), board=list("abcdabcd"))
    diag = cluster_diagnostics(solution, frame, unit="board", cluster="region")
    fit = diag.table()
    assert list(dict.fromkeys(fit["term"])) == ["solution", "B", "C"]
    # Solution B + C = max(B, C) = .9 .8 .6 .9 .2 .7 .8 .3; region N = p q r s.
    sol_n = fit[(fit["term"] == "solution") & (fit["group"] == "N")].iloc[0]
    assert sol_n["consistency"] == pytest.approx((0.9 + 0.8 + 0.3 + 0.8) / 3.2)
    dist = diag.distances().set_index("term")
    assert dist.loc["solution", "pooled_consistency"] == pytest.approx(
        solution.summary().loc[0, "inclS"])
    assert "Cluster diagnostics of M1: B + C" in repr(diag)
    page = diag._repr_html_()
    assert page == cluster_diagnostics(solution, frame, unit="board",
                                       cluster="region")._repr_html_()
    assert page.startswith('<div class="cs-qca"><p><strong>Cluster diagnostics of M1: B + C')
    # The by-cluster table: one header per column and no blank index cell in the rows.
    by_cluster = page.split("Consistency by cluster (between) and by unit (within):")[1]
    headers = [h.split("</th>")[0] for h in by_cluster.split("<th>")[1:]]
    assert headers == ["level", "group", "solution", "B", "C"]
    assert "<td>between</td>\n      <td>N</td>\n      <td>0.875</td>" in by_cluster
    ax = diag.plot("C", level="within")
    assert [t.get_text() for t in ax.get_xticklabels()] == list("abcd")
    plt.close(ax.figure)
    with pytest.raises(CaseStudyError, match="no column"):
        cluster_diagnostics(solution, frame, unit="ward", cluster="region")
    with pytest.raises(CaseStudyError, match="8 cases"):
        cluster_diagnostics(solution, frame.iloc[:3], unit="board", cluster="region")


def test_case_types_by_hand(solution):
    sel = case_selection(solution)
    cases = sel.table().set_index("case")
    # X = max(B, C): p .9/.9 typical; q .8/.9 typical; r .6/.3 deviant consistency;
    # s .9/.8 and v .8/.7 consistent in kind only; t .2/.2 irrelevant; u .7/.7 typical;
    # w .3/.6 deviant coverage.
    assert cases["type"].to_dict() == {
        "p": "typical", "q": "typical", "r": "deviant consistency",
        "s": "deviant consistency in degree", "t": "individually irrelevant",
        "u": "typical", "v": "deviant consistency in degree", "w": "deviant coverage"}
    assert cases["uniquely_covered"].to_dict() == {
        "p": True, "q": False, "r": True, "s": True, "t": False, "u": True, "v": True,
        "w": False}
    assert cases.loc["w", "tt_row"] == cases.loc["t", "tt_row"] == 1
    assert cases.loc["w", "row_membership"] == pytest.approx(0.7)


def test_recommended_cases_by_hand(solution):
    rec = case_selection(solution).recommend()
    got = {(r.purpose, r.group): (r.case, r.partner, round(r.score, 6))
           for r in rec.itertuples()}
    # Typical, 2(Y - T) + (1 - T): B's only typical case is q (0.7); for C, p scores 0.1.
    assert got[("typical (mechanism)", "B")] == ("q", "", 0.7)
    assert got[("typical (mechanism)", "C")] == ("p", "", 0.1)
    # Deviant consistency, 1 - (T - Y) + (1 - T): r in C, 0.7 + 0.4.
    assert got[("deviant consistency (why no outcome)", "C")] == ("r", "", 1.1)
    # Deviant coverage, 1 - w: w in row 1 (membership 0.7).
    assert got[("deviant coverage (missing path)", "row 1")] == ("w", "", 0.3)
    # Pairs: (p, r) = .3 + .4 + .1 + .4 ties (q, r) but p is uniquely covered.
    assert got[("typical vs deviant consistency", "C")] == ("p", "r", 1.2)
    # (p, t) = (1 - .7) + (1 - .7) + 0 + 0.
    assert got[("typical vs individually irrelevant", "C")] == ("p", "t", 0.6)
    # (q, t) = .5 + .3 + .4 + 0 beats (q, r) = 1.4, and t lies outside the solution.
    assert got[("typical vs individually irrelevant", "B")] == ("q", "t", 1.2)
    # Same truth-table row: (w, t) = .1 + (1 - .4) + .3 + .2.
    assert got[("deviant coverage vs individually irrelevant", "row 1")] == ("w", "t", 1.2)
    assert set(rec["design"]) == {"single-case", "comparative"}


def test_case_selection_display_and_plot(solution):
    sel = case_selection(solution)
    assert repr(sel).startswith("Case selection for M1: B + C")
    assert "<th>purpose</th>" in sel._repr_html_()
    ax = sel.plot()
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {
        "typical", "deviant consistency in degree", "deviant consistency",
        "deviant coverage", "individually irrelevant"}
    plt.close(ax.figure)


def test_cluster_fit_for_necessity_swaps_the_sums():
    fit = cluster_fit(X, Y, UNIT, YEAR, necessity=True).set_index(["level", "group"])
    # Necessity: consistency = sum min / sum Y, coverage = sum min / sum X.
    assert fit.loc[("pooled", "(all)"), ["consistency", "coverage"]].tolist() == \
        pytest.approx([3.1 / 3.6, 3.1 / 3.5])
    assert fit.loc["between", "consistency"].tolist() == pytest.approx([1.2 / 1.7, 1.0])

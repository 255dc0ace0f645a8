"""Published reference results: Lipset's crisp data (LC) as R's QCA package documents it.

Data: LC, Lipset's indicators for the survival of democracy in 18 inter-war European
countries, binary crisp version (Lipset 1959; Rihoux and De Meur 2009, in Rihoux and
Ragin (eds.) Configurational Comparative Methods, SAGE), shipped with R's QCA package
(Dușa) as ``data(LC)``. The package's own regression tests (testthat snapshot of
``minimize()``, github.com/dusadrian/QCA, tests/testthat/_snaps/minimize.md) print the
truth table ``ttLC <- truthTable(LC, "SURV")`` (row numbers, n, incl, PRI) and the cases
of each term; the 18 cases (``LC_ROWS`` and the ``lc`` fixture, in tests/conftest.py) are
that truth table, row by row. The only inference is which of AU and DE sits in row 23 and
which in row 31: the snapshot lists ~STB's cases as "GR,PT,ES; HU,PL; AU; DE", and R
prints cases in row order. No expected value below depends on that choice except the
order of those two labels.

Expected solutions and parameters of fit are copied from the same snapshot.
"""

from __future__ import annotations

import pandas as pd
import pytest

from casestudy.qca import minimize, necessity, truth_table


def test_truth_table(lc):
    t = truth_table(lc, "SURV", incl_cut=1).table().set_index("row")
    # ttLC: rows 32, 22, 24 positive with n 4, 2, 2; rows 1, 2, 5, 6, 23, 31 negative.
    assert t["n"].to_dict() == {1: 3, 2: 2, 5: 2, 6: 1, 22: 2, 23: 1, 24: 2, 31: 1, 32: 4}
    assert t.loc[t["OUT"] == "1"].index.tolist() == [22, 24, 32]
    assert t["incl"].to_dict() == {r: float(r in (22, 24, 32)) for r in t.index}


def test_conservative(lc):
    sol = minimize(truth_table(lc, "SURV", incl_cut=1))
    assert str(sol) == "M1: DEV*~URB*LIT*STB + DEV*LIT*IND*STB <-> SURV"
    fit = sol.table().set_index("term")
    assert fit["inclS"].tolist() == pytest.approx([1.0, 1.0])
    assert fit["PRI"].tolist() == pytest.approx([1.0, 1.0])
    assert fit["covS"].tolist() == pytest.approx([0.5, 0.75])
    assert fit["covU"].tolist() == pytest.approx([0.25, 0.5])
    assert fit["cases"].tolist() == ["FI,IE; FR,SE", "FR,SE; BE,CZ,NL,UK"]
    assert sol.summary().loc[0, ["inclS", "PRI", "covS"]].tolist() == pytest.approx([1, 1, 1])


def test_parsimonious_and_its_simplifying_assumptions(lc):
    sol = minimize(truth_table(lc, "SURV", incl_cut=1), include="?")
    assert str(sol) == "M1: DEV*STB <-> SURV"
    assert sol.table().loc[0, "cases"] == "FI,IE; FR,SE; BE,CZ,NL,UK"
    # pLC$SA: rows 18, 20, 26, 28, 30.
    sa = sol.simplifying_assumptions()
    assert sa["row"].tolist() == [18, 20, 26, 28, 30]
    assert sa[["DEV", "URB", "LIT", "IND", "STB"]].values.tolist() == [
        [1, 0, 0, 0, 1], [1, 0, 0, 1, 1], [1, 1, 0, 0, 1], [1, 1, 0, 1, 1], [1, 1, 1, 0, 1]]


def test_negated_outcome(lc):
    tt = truth_table(lc, "~SURV", incl_cut=1)
    assert str(minimize(tt)) == "M1: ~DEV*~URB*~IND + DEV*LIT*IND*~STB <-> ~SURV"
    sol = minimize(tt, include="?")
    assert str(sol) == "M1: ~DEV + ~STB <-> ~SURV"
    fit = sol.table().set_index("term")
    assert fit["covS"].tolist() == pytest.approx([0.8, 0.7])
    assert fit["covU"].tolist() == pytest.approx([0.3, 0.2])
    assert fit["cases"].tolist() == ["GR,PT,ES; IT,RO; HU,PL; EE", "GR,PT,ES; HU,PL; AU; DE"]


def test_necessity_by_hand_on_lc(lc):
    # Every surviving democracy is developed (8 of 8) and 8 of the 10 developed survive.
    nec = necessity(lc, "SURV").set_index("expression")
    assert nec.loc["DEV", "inclN"] == pytest.approx(1.0)
    assert nec.loc["DEV", "covN"] == pytest.approx(0.8)
    # RoN = Σ(1 − X) / Σ(1 − min(X, Y)) = 8 undeveloped / 10 cases outside DEV*SURV.
    assert nec.loc["DEV", "RoN"] == pytest.approx(0.8)


# --- multi-value data d.mmv, from the same test file and snapshot ------------------------
# tests/testthat/test-minimize.R builds d.mmv (8 cases, A-E multi-value) and the snapshot
# prints mmv.s <- minimize(d.mmv, outcome = "D[2], E[3]", relation = "sufnec") and
# mmv.e3 <- minimize(d.mmv, outcome = "~E[3]", include = "?").

MMV = pd.DataFrame({"A": [2, 0, 0, 1, 1, 1, 2, 2], "B": [2, 2, 2, 2, 1, 1, 0, 0],
                    "C": [0, 1, 0, 0, 0, 2, 1, 0], "D": [2, 1, 2, 2, 3, 1, 3, 0],
                    "E": [3, 2, 3, 3, 0, 1, 3, 2]}, index=list("abcdefgh"))


def test_multi_value_conservative_solutions():
    assert str(minimize(truth_table(MMV, "E[3]", incl_cut=1))) == \
        "M1: B[2]*C[0]*D[2] + A[2]*B[0]*C[1]*D[3] <-> E[3]"
    assert str(minimize(truth_table(MMV, "D[2]", incl_cut=1))) == \
        "M1: B[2]*C[0]*E[3] <-> D[2]"


def test_negated_multi_value_outcome_ten_models_numbered_as_r():
    sol = minimize(truth_table(MMV, "~E[3]", incl_cut=1), include="?")
    assert str(sol).splitlines() == [
        "M01: B[1] + D[0] + D[1] <-> ~E[3]",
        "M02: B[1] + D[0] + A[0]*C[1] <-> ~E[3]",
        "M03: B[1] + D[0] + B[2]*C[1] <-> ~E[3]",
        "M04: B[1] + D[1] + B[0]*C[0] <-> ~E[3]",
        "M05: B[1] + A[0]*C[1] + B[0]*C[0] <-> ~E[3]",
        "M06: B[1] + B[0]*C[0] + B[2]*C[1] <-> ~E[3]",
        "M07: D[0] + D[1] + A[1]*D[3] <-> ~E[3]",
        "M08: D[0] + D[1] + C[0]*D[3] <-> ~E[3]",
        "M09: D[1] + A[1]*D[3] + B[0]*C[0] <-> ~E[3]",
        "M10: D[1] + B[0]*C[0] + C[0]*D[3] <-> ~E[3]"]
    assert sol.expression("M1") == sol.expression("M01") == "B[1] + D[0] + D[1]"


def test_every_column_as_outcome_bau_data():
    # d.Bau and Bau.cna <- minimize(d.Bau, outcome = names(d.Bau), include = "?", ...)
    # from the same test file; the snapshot prints these models, and for E the fit and
    # cases below (print(Bau.cna$E, details = TRUE, show.cases = TRUE)).
    bau = pd.DataFrame({"U": [1, 1, 1, 1, 0, 0, 0, 0], "D": [1, 1, 0, 0, 1, 1, 0, 0],
                        "L": [1, 1, 1, 1, 1, 1, 0, 0], "G": [1, 0, 1, 0, 1, 0, 1, 0],
                        "E": [1, 1, 1, 1, 1, 1, 1, 0]}, index=list("abcdefgh"))
    expected = {"U": "M1: ~D*L -> U", "D": "M1: ~U*L -> D", "L": "M1: U + D <-> L",
                "G": "M1: ~L*E -> G\nM2: ~U*~D*E -> G", "E": "M1: L + G <-> E"}
    for outcome, text in expected.items():
        assert str(minimize(truth_table(bau, outcome, incl_cut=1), include="?")) == text
    fit = minimize(truth_table(bau, "E", incl_cut=1), include="?").table()
    assert fit["covS"].round(3).tolist() == [0.857, 0.571]
    assert fit["covU"].round(3).tolist() == [0.429, 0.143]
    assert fit["cases"].tolist() == ["f; e; d; c; b; a", "g; e; c; a"]

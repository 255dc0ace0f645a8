"""Minimisation: hand-worked solutions, brute-force checks and property tests."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casestudy.errors import CaseStudyError
from casestudy.qca import minimal_covers, minimize, prime_implicants, truth_table
from casestudy.qca.minimize import covered_rows, covers


@pytest.fixture
def remainders() -> pd.DataFrame:
    """ON rows 111 and 110, OFF rows 000 and 010; 001, 011, 100, 101 are remainders."""
    return pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 1, 0, 1], "C": [1, 0, 0, 0],
                         "Y": [1, 1, 0, 0]}, index=list("abcd"))


def test_conservative_and_parsimonious_with_remainders(remainders):
    tt = truth_table(remainders, "Y")
    assert str(minimize(tt)) == "M1: A*B <-> Y"
    pars = minimize(tt, include="?")
    # Primes A and C both avoid the OFF rows; only A covers row 110, and it covers 111.
    assert [pars.term(i) for i in range(len(pars.primes))] == ["A", "C"]
    assert str(pars) == "M1: A <-> Y"
    assert pars.simplifying_assumptions()["row"].tolist() == [5, 6]  # 100 and 101
    assert minimize(tt).simplifying_assumptions().empty


def test_intermediate_uses_easy_counterfactuals_only(remainders):
    tt = truth_table(remainders, "Y")
    # Expecting presence of B: dropping B from A*B would assume 100/101, which hold B
    # absent, so they are difficult counterfactuals and the complex term stays.
    hard = minimize(tt, include="?", dir_exp={"A": 1, "B": 1, "C": 1})
    assert str(hard) == "From C1P1:\nM1: A*B <-> Y"
    assert hard.simplifying_assumptions().empty
    # Expecting absence of B makes 100 and 101 easy: A*B simplifies to A.
    easy = minimize(tt, include="?", dir_exp={"B": 0})
    assert str(easy) == "From C1P1:\nM1: A <-> Y"
    assert easy.simplifying_assumptions()["row"].tolist() == [5, 6]
    assert easy.kind == "intermediate"


def test_model_ambiguity_in_stable_order():
    # f = m(0,1,2,5,6,7): the textbook cyclic chart with two minimal sums.
    cyc = pd.DataFrame([(0, 0, 0, 1), (0, 0, 1, 1), (0, 1, 0, 1), (1, 0, 1, 1),
                        (1, 1, 0, 1), (1, 1, 1, 1), (0, 1, 1, 0), (1, 0, 0, 0)],
                       columns=list("ABCY"))
    sol = minimize(truth_table(cyc, "Y"))
    assert len(sol.primes) == 6
    assert str(sol) == ("M1: ~A*~B + A*C + B*~C <-> Y\n"
                        "M2: ~A*~C + A*B + ~B*C <-> Y")
    assert sol.summary()["model"].tolist() == ["M1", "M2"]
    assert not sol.table()["in_all_models"].any()
    # The negated outcome: the two OFF rows, neither simplifiable.
    assert str(minimize(truth_table(cyc, "~Y"))) == "M1: ~A*B*C + A*~B*~C <-> ~Y"


def test_common_terms_print_first_and_the_rest_in_parentheses():
    # The cyclic chart again on D = 0, and every row with D = 1 positive: D is essential
    # (only it covers 0111, whose D = 0 twin is negative) and the two cycles remain.
    off = {(0, 1, 1), (1, 0, 0)}
    rows = [(*abc, d, int(d == 1 or abc not in off))
            for abc in itertools.product((0, 1), repeat=3) for d in (0, 1)]
    sol = minimize(truth_table(pd.DataFrame(rows, columns=list("ABCDY")), "Y"))
    assert str(sol) == ("M1: D + (~A*~B + A*C + B*~C) <-> Y\n"
                        "M2: D + (~A*~C + A*B + ~B*C) <-> Y")
    table = sol.table()
    assert table.loc[table["term"] == "D", "in_all_models"].all()
    assert table["model"].value_counts().to_dict() == {"M1": 4, "M2": 4}


def test_contradictions_excluded_unless_included():
    data = pd.DataFrame({"A": [1, 1, 1, 1, 0, 0], "B": [1, 1, 0, 0, 1, 0],
                         "Y": [1, 1, 1, 0, 0, 0]})
    tt = truth_table(data, "Y", incl_cut=(1, 0.5))
    assert tt.table().set_index("row").loc[3, "OUT"] == "C"
    assert str(minimize(tt)) == "M1: A*B -> Y"
    assert str(minimize(tt, include="C")) == "M1: A <-> Y"  # A now covers every Y case
    assert minimize(tt, include="C").simplifying_assumptions()["row"].tolist() == [3]


def test_intermediate_counts_included_contradictions_as_assumptions():
    # Row 3 (A*~B) is a contradiction and there are no remainders: with include='?,C'
    # every solution covers row 3 by treating it as positive, the intermediate one too.
    data = pd.DataFrame({"A": [1, 1, 1, 1, 0, 0], "B": [1, 1, 0, 0, 1, 0],
                         "Y": [1, 1, 1, 0, 0, 0]})
    tt = truth_table(data, "Y", incl_cut=(1, 0.5))
    assert tt.remainders().size == 0
    inter = minimize(tt, include="?,C", dir_exp={"A": 1, "B": 1})
    pars = minimize(tt, include="?,C")
    assert str(pars) == "M1: A <-> Y"
    assert str(inter) == "From C1P1:\nM1: A <-> Y"
    assert inter.simplifying_assumptions()["row"].tolist() == [3]
    assert inter.summary()["n_assumptions"].tolist() == [1]
    assert pars.summary()["n_assumptions"].tolist() == [1]


@pytest.mark.parametrize("include", ["?,C", "C?", " ? , C ", "?\tC", "C,?"])
def test_include_flags_in_any_spelling(remainders, include):
    tt = truth_table(remainders, "Y")
    sol = minimize(tt, include=include)
    assert sol.kind == "parsimonious"
    assert sol.simplifying_assumptions()["row"].tolist() == [5, 6]


def test_multi_value_minimisation():
    data = pd.DataFrame({"A": [2, 2, 1, 1, 0, 0], "B": [1, 0, 1, 0, 1, 0],
                         "Y": [1, 1, 1, 0, 0, 0]})
    sol = minimize(truth_table(data, "Y"))
    assert str(sol) == "M1: A[2] + A[1]*B[1] <-> Y"


def test_fit_by_hand():
    data = pd.DataFrame({"A": [0.8, 0.6, 0.3, 0.2], "B": [0.9, 0.4, 0.7, 0.1],
                         "Y": [0.9, 0.3, 0.6, 0.2]}, index=["c1", "c2", "c3", "c4"])
    sol = minimize(truth_table(data, "Y"))
    assert str(sol) == "M1: B -> Y"
    row = sol.table().iloc[0]
    # B = [.9 .4 .7 .1], min(B, Y) = 1.9, sum B = 2.1, sum Y = 2.0, min(B, Y, ~Y) = 0.9.
    assert row["inclS"] == pytest.approx(1.9 / 2.1)
    assert row["PRI"] == pytest.approx(1.0 / 1.2)
    assert row["covS"] == pytest.approx(0.95)
    assert row["covU"] == pytest.approx(0.95)
    assert row["cases"] == "c3; c1"  # grouped by truth-table row (2, then 4)
    ax = sol.plot()
    assert ax.get_legend().get_texts()[0].get_text() == "inclS 0.905, PRI 0.833, covS 0.950"
    assert len(ax.lines) == 3  # the diagonal and the two 0.5 guides


def test_bad_minimize_arguments(remainders):
    tt = truth_table(remainders, "Y")
    with pytest.raises(CaseStudyError, match="include"):
        minimize(tt, include="X")
    with pytest.raises(CaseStudyError, match="include"):
        minimize(tt, include="?;C")
    with pytest.raises(CaseStudyError, match="needs include='\\?'"):
        minimize(tt, dir_exp={"A": 1})
    with pytest.raises(CaseStudyError, match="not conditions"):
        minimize(tt, include="?", dir_exp={"Z": 1})
    with pytest.raises(CaseStudyError, match="level"):
        minimize(tt, include="?", dir_exp={"A": 2})
    with pytest.raises(CaseStudyError, match="OUT = 1"):
        minimize(truth_table(remainders.assign(Y=0), "Y"))


# --- brute force: the definitions themselves, for small spaces ------------------------


def brute_primes(levels, on, dc):
    allowed = set(on) | set(dc)
    space = list(itertools.product(*[range(n) for n in levels]))
    row = {cfg: i + 1 for i, cfg in enumerate(space)}
    terms = list(itertools.product(*[range(-1, n) for n in levels]))

    def rows_of(term):
        return {row[c] for c in space if all(t < 0 or t == v for t, v in zip(term, c, strict=True))}

    implicants = {t for t in terms if rows_of(t) <= allowed and rows_of(t) & set(on)}
    primes = []
    for t in implicants:
        wider = [(*t[:j], -1, *t[j + 1:]) for j in range(len(t)) if t[j] >= 0]
        if not any(w in implicants for w in wider):
            primes.append(t)
    return primes


def brute_covers(chart):
    n_pi = chart.shape[0]
    for size in range(1, n_pi + 1):
        found = [c for c in itertools.combinations(range(n_pi), size)
                 if chart[list(c)].any(axis=0).all()]
        if found:
            return found
    return []


@st.composite
def chart_problems(draw):
    levels = draw(st.lists(st.integers(2, 3), min_size=1, max_size=3))
    size = int(np.prod(levels))
    status = draw(st.lists(st.sampled_from("10?"), min_size=size, max_size=size))
    on = [i + 1 for i, s in enumerate(status) if s == "1"]
    dc = [i + 1 for i, s in enumerate(status) if s == "?"]
    return levels, on, dc


@settings(max_examples=80, deadline=None)
@given(chart_problems())
def test_primes_match_brute_force(problem):
    levels, on, dc = problem
    if not on:
        return
    got = {tuple(int(v) for v in t) for t in prime_implicants(levels, np.array(on),
                                                                np.array(dc, dtype=int))}
    assert got == set(brute_primes(levels, on, dc))


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 7).flatmap(lambda m: st.lists(
    st.lists(st.booleans(), min_size=m, max_size=m), min_size=1, max_size=6)))
def test_minimal_covers_match_brute_force(rows):
    chart = np.array(rows, dtype=bool)
    if not chart.any(axis=0).all():
        return
    assert minimal_covers(chart) == brute_covers(chart)


# --- properties on random crisp and fuzzy data ----------------------------------------


@st.composite
def datasets(draw, fuzzy: bool):
    k = draw(st.integers(2, 4))
    n = draw(st.integers(3, 14))
    cells = st.sampled_from([0.0, 0.1, 0.3, 0.6, 0.8, 1.0]) if fuzzy else st.sampled_from([0, 1])
    rows = draw(st.lists(st.lists(cells, min_size=k + 1, max_size=k + 1), min_size=n,
                         max_size=n))
    return pd.DataFrame(rows, columns=[*"ABCD"[:k], "Y"])


def _solutions(data):
    tt = truth_table(data, "Y", incl_cut=0.75)
    if not len(tt.rows_with("1")):
        return tt, None
    dir_exp = {c: 1 for c in tt.conditions}
    return tt, (minimize(tt), minimize(tt, include="?"),
                minimize(tt, include="?", dir_exp=dir_exp))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.booleans().flatmap(lambda f: datasets(fuzzy=f)))
def test_terms_cover_positive_rows_and_fit_in_unit_interval(data):
    tt, sols = _solutions(data)
    if sols is None:
        return
    on_cfg = tt.row_config(tt.rows_with("1"))
    off = set(tt.rows_with("0"))
    for sol in sols:
        assert covers(sol.primes, on_cfg).any(axis=1).all()
        for m in sol.models:
            assert not set(covered_rows(sol.primes[list(m.terms)], tt.levels)) & off
        fit = pd.concat([sol.table()[["inclS", "PRI", "covS", "covU"]],
                         sol.summary()[["inclS", "PRI", "covS"]]])
        values = fit.to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        assert ((values >= -1e-12) & (values <= 1 + 1e-12)).all()

"""Comparison functions on hand-worked numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from casestudy.errors import CaseStudyError
from casestudy.indicators import (
    change,
    convergence,
    gap_to_peers,
    index_to,
    latest,
    missing_years,
    rank,
)


def table(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["geography", "indicator", "year", "value"])


# Three states, one indicator, 2000-2003; GBR lacks 2002, ITA stops in 2002.
BEDS = table([
    ("NLD", "beds", 2000, 5.0), ("NLD", "beds", 2001, 4.5), ("NLD", "beds", 2002, 4.0),
    ("NLD", "beds", 2003, 3.5),
    ("ITA", "beds", 2000, 4.0), ("ITA", "beds", 2001, 4.0), ("ITA", "beds", 2002, 3.0),
    ("GBR", "beds", 2000, 4.0), ("GBR", "beds", 2001, 3.0), ("GBR", "beds", 2003, 2.0),
])


def test_missing_years_reports_holes_and_early_ends():
    out = missing_years(BEDS).set_index("geography")
    assert out.loc["GBR", "missing"] == "2002"
    assert out.loc["ITA", "missing"] == "2003"
    assert out.loc["NLD", "n_missing"] == 0


def test_missing_years_compacts_ranges():
    df = table([("NLD", "x", y, 1.0) for y in (2000, 2004, 2005)])
    out = missing_years(df, start=1999, end=2007)
    assert out.loc[0, "missing"] == "1999, 2001-2003, 2006-2007"
    assert out.loc[0, "n_missing"] == 6


def test_index_to_hand_worked():
    out = index_to(BEDS, 2000).set_index(["geography", "year"])
    assert out.loc[("NLD", 2003), "index"] == 70.0  # 3.5 / 5.0 * 100
    assert out.loc[("GBR", 2003), "index"] == 50.0
    assert (out["base_year"] == 2000).all()
    assert ("GBR", 2002) not in out.index  # the gap stays a gap


def test_index_to_without_base_value_says_so():
    out = index_to(BEDS, 2003)
    ita = out[out["geography"] == "ITA"]
    assert ita["index"].isna().all()
    assert set(ita["note"]) == {"no value in base year 2003"}


def test_change_hand_worked():
    out = change(BEDS, start=2000, end=2003).set_index("geography")
    assert out.loc["NLD", "abs_change"] == -1.5
    assert out.loc["NLD", "pct_change"] == -30.0
    assert math.isclose(out.loc["NLD", "cagr_pct"], ((3.5 / 5) ** (1 / 3) - 1) * 100)
    assert math.isclose(out.loc["GBR", "cagr_pct"], (0.5 ** (1 / 3) - 1) * 100)
    assert np.isnan(out.loc["ITA", "abs_change"])
    assert out.loc["ITA", "note"] == "no value in 2003"


def test_change_growth_rate_needs_positive_values():
    out = change(table([("NLD", "x", 2000, 0.0), ("NLD", "x", 2001, 2.0)]), start=2000,
                 end=2001)
    assert np.isnan(out.loc[0, "cagr_pct"])
    assert "not positive" in out.loc[0, "note"]


def test_change_rejects_reversed_years():
    with pytest.raises(CaseStudyError, match="after start"):
        change(BEDS, start=2003, end=2000)


def test_latest_uses_latest_common_year_and_says_so():
    out = latest(BEDS).set_index("geography")
    # 2003 lacks ITA, 2002 lacks GBR: 2001 is the latest year all three have.
    assert set(out["year"]) == {2001}
    assert out.loc["NLD", "value"] == 4.5
    assert out.loc["NLD", "note"] == "later value in 2003 left out"
    assert out.loc["ITA", "latest_own_year"] == 2002


def test_latest_skips_projections_unless_asked():
    df = table([("NLD", "x", 2020, 1.0), ("NLD", "x", 2021, 2.0),
                ("ITA", "x", 2020, 3.0), ("ITA", "x", 2021, 4.0)])
    df["status"] = ["estimate", "projection"] * 2
    assert set(latest(df)["year"]) == {2020}
    assert set(latest(df, exclude_projections=False)["year"]) == {2021}


def test_latest_without_common_year():
    out = latest(table([("NLD", "x", 2000, 1.0), ("ITA", "x", 2001, 2.0)]))
    assert out["year"].isna().all()
    assert out["value"].isna().all()
    assert set(out["note"]) == {"no year in which every geography has a value"}


def test_rank_in_given_year_and_missing_value():
    out = rank(BEDS, 2003).set_index("geography")
    assert out.loc["NLD", "rank"] == 1
    assert out.loc["GBR", "rank"] == 2
    assert pd.isna(out.loc["ITA", "rank"])
    assert out.loc["ITA", "note"] == "no value in 2003"
    assert set(out["n_ranked"]) == {2}


def test_rank_defaults_to_common_year_with_ties_sharing_the_lower_rank():
    out = rank(BEDS).set_index("geography")
    assert set(out["year"]) == {2001}
    assert out["rank"].to_dict() == {"GBR": 3, "ITA": 2, "NLD": 1}
    ties = rank(BEDS, 2000).set_index("geography")["rank"].to_dict()
    assert ties == {"GBR": 2, "ITA": 2, "NLD": 1}
    assert rank(BEDS, 2000, ascending=True).set_index("geography")["rank"]["NLD"] == 3


def test_gap_to_peers_hand_worked_and_missing_peer_reported():
    out = gap_to_peers(BEDS, "NLD").set_index("year")
    assert out.loc[2000, "peers_mean"] == 4.0
    assert out.loc[2000, "gap"] == 1.0
    assert out.loc[2000, "gap_pct"] == 25.0
    assert out.loc[2001, "gap"] == 1.0  # 4.5 - (4.0 + 3.0) / 2
    assert np.isnan(out.loc[2002, "gap"])
    assert out.loc[2002, "note"] == "no value for GBR"
    assert out.loc[2003, "note"] == "no value for ITA"
    assert set(out["peers"]) == {"GBR;ITA"}


def test_gap_to_peers_case_code_names_its_state_but_never_the_uk():
    assert gap_to_peers(BEDS, "NL").equals(gap_to_peers(BEDS, "NLD"))
    for code in ("SCO", "ENG"):
        with pytest.raises(CaseStudyError, match=r"not for .* alone"):
            gap_to_peers(BEDS, code)


def test_rank_default_year_skips_projections():
    df = table([("NLD", "x", 2020, 1.0), ("NLD", "x", 2030, 9.0),
                ("ITA", "x", 2020, 2.0), ("ITA", "x", 2030, 3.0)])
    df["status"] = ["estimate", "projection"] * 2
    assert rank(df).set_index("geography")["rank"].to_dict() == {"ITA": 1, "NLD": 2}
    assert set(rank(df, exclude_projections=False)["year"]) == {2030}


def test_gap_to_peers_unknown_focus():
    with pytest.raises(CaseStudyError, match="'XYZ' is not in column"):
        gap_to_peers(BEDS, "XYZ")


def test_convergence_hand_worked():
    # Two states whose values meet: sd (ddof=0) = |a-b|/2, mean = (a+b)/2.
    df = table([("A", "x", 2000, 2.0), ("B", "x", 2000, 6.0),
                ("A", "x", 2001, 3.0), ("B", "x", 2001, 5.0),
                ("A", "x", 2002, 4.0), ("B", "x", 2002, 4.0),
                ("A", "x", 2003, 4.0)])
    result = convergence(df)
    assert result.years["cv"].tolist() == [0.5, 0.25, 0.0]
    trend = result.table().iloc[0]
    assert math.isclose(trend["slope_per_year"], -0.25)
    assert trend["direction"] == "converging"
    assert trend["years_left_out"] == "2003"
    assert trend["n_years"] == 3
    assert math.isclose(trend["p_value"], 0.0, abs_tol=1e-6)


def test_convergence_cites_sources_in_first_seen_order():
    df = table([("A", "x", 2000, 2.0), ("B", "x", 2000, 6.0),
                ("A", "x", 2001, 3.0), ("B", "x", 2001, 5.0)])
    df["source_id"] = ["WB-WDI", "GAPMINDER-SG", "WB-WDI", "GAPMINDER-SG"]
    # First seen, as the other results' _carry cites them; sorted would put GAPMINDER first.
    assert convergence(df).years["source_id"].tolist() == ["WB-WDI;GAPMINDER-SG"] * 2


def test_convergence_sample_sd_option():
    df = table([("A", "x", 2000, 2.0), ("B", "x", 2000, 6.0)])
    assert math.isclose(convergence(df, ddof=1).years.loc[0, "cv"], math.sqrt(8) / 4)


def test_direction_needs_a_clear_trend_and_three_years():
    df = table([("A", "x", 2000, 4.0), ("B", "x", 2000, 4.0),
                ("A", "x", 2001, 3.0), ("B", "x", 2001, 5.0),
                ("A", "x", 2002, 2.0), ("B", "x", 2002, 6.0),
                ("A", "x", 2003, 1.0), ("B", "x", 2003, 7.0),
                ("A", "y", 2000, 1.0), ("B", "y", 2000, 2.0),
                ("A", "y", 2001, 1.0), ("B", "y", 2001, 3.0),
                ("A", "z", 2000, 1.0), ("B", "z", 2000, 3.0), ("A", "z", 2001, 2.0),
                ("B", "z", 2001, 2.0), ("A", "z", 2002, 1.0), ("B", "z", 2002, 3.0)])
    trend = convergence(df).table().set_index("indicator")
    assert trend.loc["x", "direction"] == "diverging"  # cv 0, .25, .5, .75
    assert trend.loc["x", "p_value"] < 1e-6
    assert trend.loc["y", "direction"] == "too few years"
    assert np.isnan(trend.loc["y", "p_value"])  # two points: no test
    assert trend.loc["z", "direction"] == "no clear trend"  # cv .5, 0, .5: slope 0


def test_duplicate_keys_and_missing_columns_are_refused():
    with pytest.raises(CaseStudyError, match="two values for NLD"):
        index_to(pd.concat([BEDS, BEDS.head(1)]), 2000)
    with pytest.raises(CaseStudyError, match="lacks column"):
        change(BEDS.drop(columns="year"), start=2000, end=2001)


def test_by_case_column():
    df = BEDS.assign(case=BEDS["geography"].map({"NLD": "NL", "ITA": "IT", "GBR": "UK"}))
    out = latest(df.drop(columns="geography"), by="case")
    assert set(out["case"]) == {"NL", "IT", "UK"}

"""The partnership dataset of notebook 08's exploratory QCA, from the committed extracts."""

from __future__ import annotations

import pytest

from casestudy.errors import CaseStudyError
from casestudy.indicators import local


@pytest.fixture(scope="module")
def conditions():
    return local.partnership_conditions().set_index("name")


def test_one_row_per_partnership_with_every_measure(conditions):
    assert len(conditions) == 31
    assert not conditions.isna().any().any()
    assert conditions["lead_agency"].sum() == 1
    assert conditions.at["Highland", "lead_agency"] == 1


def test_measures_by_hand(conditions):
    # Glasgow City's delayed bed days, 18+, all reasons, Mar 2017-Feb 2018 and
    # Mar 2019-Feb 2020, and Greater Glasgow and Clyde's six partnerships.
    row = conditions.loc["Glasgow City"]
    assert (row["dd_before"], row["dd_after"]) == (29573, 44191)
    assert row["dd_change_pct"] == pytest.approx(100 * (44191 - 29573) / 29573)
    assert row["partnerships_in_board"] == 6
    # Clackmannanshire and Stirling: the unweighted mean of its two councils' 2018 rates.
    assert conditions.at["Clackmannanshire and Stirling", "partnerships_in_board"] == 2
    assert 8 < conditions["care_at_home"].min() < conditions["care_at_home"].max() < 20
    # A board's A&E share is shared by its partnerships.
    assert conditions.loc[conditions["board"] == "S08000024", "board_ae_4h_pct"].nunique() == 1


def test_sets_follow_the_stated_thresholds(conditions):
    sets = local.partnership_sets(conditions.reset_index())
    assert sets.loc["Highland", "LEAD"] == 1
    # South Ayrshire's delayed bed days doubled: fully out of REDUCED.
    assert sets.loc["South Ayrshire", "REDUCED"] < 0.05
    assert sets.loc["East Lothian", "REDUCED"] > 0.95
    # No partnership sits on a crossover (it would belong to no truth-table row).
    assert (sets[["CAH", "CAHUP", "SHARED", "AE", "REDUCED"]] != 0.5).all().all()
    raw = local.raw_sets(conditions.reset_index())
    assert raw.loc["Glasgow City", "SHARED"] == 6
    table = local.calibration_table()
    assert set(table["set"]) == {"CAH", "CAHUP", "SHARED", "AE", "LEAD", "REDUCED"}
    assert table["basis"].str.len().min() > 20


def test_thresholds_refuse_an_unknown_set():
    with pytest.raises(CaseStudyError, match="no set NOPE"):
        local.thresholds(NOPE=(1.0, 2.0, 3.0))

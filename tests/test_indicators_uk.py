"""Readers and recipes for the Scottish and English service data."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from casestudy import extract
from casestudy.errors import DataValidationError
from casestudy.indicators import uk

DD_PUBLISHER = (
    "MonthOfDelay,CA,AgeGroup,ReasonForDelay,NumberOfDelayedBedDays,"
    "AverageDailyNumberOfDelayedBeds\n"
    "201607,S12000005,18plus,All Delay Reasons,236,8\n"
    "201607,,18plus,All Delay Reasons,4,0\n"
    "201607,S92000003,18plus,All Delay Reasons,240,8\n")
DD_RENAMED = (
    "ltla_code,date,age_group,delay_reason,num_delayed_bed_days,average_daily_delayed_beds\n"
    "S12000005,2016-07-01,18plus,All Delay Reasons,236.0,8.0\n"
    ",2016-07-01,18plus,All Delay Reasons,4.0,0.0\n"
    "S92000003,2016-07-01,18plus,All Delay Reasons,240.0,8.0\n")



def test_delayed_discharge_publisher_and_renamed_columns_agree(write_csv):
    a = uk.read_phs_delayed_discharge(write_csv(DD_PUBLISHER, "a.csv"))
    b = uk.read_phs_delayed_discharge(write_csv(DD_RENAMED, "b.csv"))
    pd.testing.assert_frame_equal(a, b)
    assert a["period"].iloc[0] == pd.Timestamp("2016-07-01")
    assert a["geography"].isna().sum() == 2  # the unassigned row, for both indicators
    assert set(a["source_id"]) == {"PHS-DD"} and set(a["case"]) == {"SCO"}


def test_delayed_discharge_board_file_uses_hbt(write_csv):
    text = DD_PUBLISHER.replace(",CA,", ",HBT,").replace("S12000005", "S08000015")
    assert "S08000015" in set(uk.read_phs_delayed_discharge(write_csv(text)).geography)


@pytest.mark.parametrize(("old", "new", "column"), [
    ("All Delay Reasons,236", "Any Reason,236", "delay_reason"),
    ("201607,S12000005", "2016-13,S12000005", "date"),
    ("S12000005", "X12000005", "geography"),
    ("Reasons,236,8", "Reasons,-236,8", "num_delayed_bed_days"),
    ("Reasons,236,8", "Reasons,lots,8", "num_delayed_bed_days"),
])
def test_delayed_discharge_bad_cells_name_row_and_column(write_csv, old, new, column):
    with pytest.raises(DataValidationError) as err:
        uk.read_phs_delayed_discharge(write_csv(DD_PUBLISHER.replace(old, new, 1)))
    problem = err.value.problems[0]
    assert problem.row == 2 and problem.column == column


def test_delayed_discharge_missing_column_and_duplicate_rows(write_csv):
    with pytest.raises(DataValidationError, match=r"AgeGroup|age_group"):
        uk.read_phs_delayed_discharge(write_csv(DD_PUBLISHER.replace("AgeGroup", "Age")))
    dup = DD_PUBLISHER + DD_PUBLISHER.splitlines()[1] + "\n"
    with pytest.raises(DataValidationError, match=r"repeat the key .*geography=.S12000005."):
        uk.read_phs_delayed_discharge(write_csv(dup))


def test_ae_publisher_columns_and_exact_sums(write_csv):
    text = ("LocationCode,LocationName,MonthEndingDate,NumberOfAttendancesAll,"
            "NumberWithin4HoursAll,NumberOver4HoursAll\n"
            "A111H,Crosshouse,20070731,5414,5290,124\n"
            "A101H,Arran,20070731,252,252,0\n")
    hospitals = uk.read_phs_ae_hospital(write_csv(text))
    scot = uk.ae_scotland(hospitals).set_index("indicator")["value"]
    assert scot["ae_attendances"] == 5666
    assert scot["ae_within_4_hours"] == 5542
    assert scot["ae_within_4_hours_pct"] == pytest.approx(100 * 5542 / 5666)
    bad = text.replace("5414,5290,124", "5414,5290,125")
    with pytest.raises(DataValidationError, match="attendances"):
        uk.read_phs_ae_hospital(write_csv(bad))


def test_nhse_month_names_and_share(write_csv):
    text = ("icb22_code,total_attendances,attendances_over_4hours,total_emergency_admissions,"
            "emergency_admissions_over_4hours,pct_attendance_over_4hours,"
            "pct_emergency_admissions_over_4hours,date\n"
            "E54000040,25706.0,7170.0,8454.0,2070.0,0.28,0.24,April 2022\n")
    t = uk.read_nhse_ae_icb(write_csv(text)).set_index("indicator")
    assert t.loc["ae_within_4_hours_pct", "value"] == pytest.approx(100 * (1 - 7170 / 25706))
    assert t["period"].iloc[0] == pd.Timestamp("2022-04-01")
    assert set(t["case"]) == {"ENG"}
    with pytest.raises(DataValidationError, match="ICB code"):
        uk.read_nhse_ae_icb(write_csv(text.replace("E54000040", "Q1")))


def test_care_at_home_quarters(write_csv):
    text = ("ltla24_code,ltla24_name,date,care_at_home_per_1000\n"
            "S12000033,Aberdeen City,Q3 2018,9.1\n")
    t = uk.read_phs_care_at_home(write_csv(text))
    assert t["period"].iloc[0] == pd.Timestamp("2018-07-01")
    with pytest.raises(DataValidationError, match="quarter"):
        uk.read_phs_care_at_home(write_csv(text.replace("Q3 2018", "Q5 2018")))


# --------------------------------------------------------------------------- official files

def test_official_delayed_discharge_scotland_is_councils_plus_unassigned(shared_data):
    dd = uk.read_phs_delayed_discharge(shared_data / "phs_delayed_discharge_council_area.csv")
    assert len(dd) == 2 * 56_100
    sel = dd[(dd.indicator == "delayed_bed_days") & (dd.age_group == "18plus")
             & (dd.delay_reason == "All Delay Reasons")]
    scotland = sel[sel.geography == uk.SCOTLAND].set_index("period").value
    parts = sel[sel.geography != uk.SCOTLAND].fillna({"geography": "?"})
    assert (parts.groupby("period").value.sum() - scotland).abs().max() == 0


def test_recipes_build_curated_extracts_byte_stably(shared_data):
    counts = {}
    for name in ("phs_delayed_discharge", "phs_ae_scotland", "phs_care_at_home",
                 "nhse_ae_icb", "uk_areas"):
        _, _, first = extract.build(name, [shared_data])
        _, _, second = extract.build(name, [shared_data])
        assert first == second
        counts[name] = first.count(b"\n") - 1
    assert counts == {"phs_delayed_discharge": 33 * 110 * 5, "phs_ae_scotland": 212 * 3,
                      "phs_care_at_home": 800, "nhse_ae_icb": 42 * 40 * 5,
                      "uk_areas": 32 + 1 + 42}


def test_ae_scotland_sums_every_hospital(shared_data):
    raw = pd.read_csv(shared_data / "phs_ae_monthly_hospital.csv")
    hospitals = uk.read_phs_ae_hospital(shared_data / "phs_ae_monthly_hospital.csv")
    scot = uk.ae_scotland(hospitals)
    att = scot[scot.indicator == "ae_attendances"].set_index("period").value
    assert att.sum() == raw.attendances.sum()
    assert att.loc[pd.Timestamp("2007-07-01")] == raw[raw.date == "2007-07-31"].attendances.sum()


def test_uk_areas_name_every_icb_as_ons_does(shared_data):
    from casestudy.indicators import england

    _, _, content = extract.build("uk_areas", [shared_data])
    areas = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
    icbs = areas[areas["level"] == "integrated care board"].set_index("geography")
    ons = england.read_ons_icb_lookup(
        shared_data / "ons_sicbl22_icb22_nhser22_lookup_july2022.csv").set_index("icb")
    assert len(icbs) == 42
    assert icbs["geography_name"].to_dict() == ons["icb_name"].to_dict()

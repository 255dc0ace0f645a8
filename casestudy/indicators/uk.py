"""Scottish and English service data: readers and the extract recipes built on them.

Readers accept the publishers' own column names (Public Health Scotland's open data:
``MonthOfDelay``, ``CA``/``HBT``, ``AgeGroup``, ``ReasonForDelay``,
``NumberOfDelayedBedDays``, ``AverageDailyNumberOfDelayedBeds``; the A&E "Hospitals" sheet:
``LocationCode``, ``MonthEndingDate``, ``NumberOfAttendancesAll``, …) as well as the
renamed columns of the redistributed files in ``shared/data`` (see its PROVENANCE.md), and
return the tidy indicator table of ``casestudy.indicators.tidy`` with ``period`` the first
day of the month (or quarter). Breakdown columns (``age_group``, ``delay_reason``,
``geography_name``) follow the tidy columns where a file has them.

Area names: council area names come from the care-at-home file; S92000003 is Scotland
(PROVENANCE.md); ICB names from the ONS lookup (``uk_areas``, and the by-unit extracts of
``casestudy.indicators.england``). Boards and hospitals by board: see
``casestudy.indicators.scotland``.

>>> from casestudy.indicators import uk
>>> days = uk.month_start(["202401", "2024-01-31", "20240131", "March 2024"])
>>> days.dt.strftime("%Y-%m-%d").tolist()
['2024-01-01', '2024-01-01', '2024-01-01', '2024-03-01']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from casestudy.errors import DataValidationError, Problem
from casestudy.extract import PERIOD_FIELD, SOURCE_FIELD, UNIT_FIELD, VALUE_FIELD, Recipe, register
from casestudy.extract import schema_field as _field
from casestudy.indicators.tidy import (
    check_codes,
    check_pattern,
    check_unique,
    read_table,
    to_number,
)

SCOTLAND = "S92000003"
OGL = ({"name": "OGL-UK-3.0", "path":
        "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "title": "Open Government Licence v3.0"},)

# --------------------------------------------------------------------------- dates

_PATTERNS = (
    (re.compile(r"^\d{6}$"), "%Y%m"),
    (re.compile(r"^\d{8}$"), "%Y%m%d"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (re.compile(r"^[A-Za-z]+ \d{4}$"), "%B %Y"),
)


def month_start(values: Sequence[str] | pd.Series, *, file: str = "<data>",
                column: str = "date") -> pd.Series:
    """Parse publisher dates (``yyyymm``, ``yyyymmdd``, ``yyyy-mm-dd``, ``Month yyyy``) to
    the first day of their month; an unreadable cell is reported with its row."""
    text = pd.Series(values, dtype="object").astype(str).str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for pattern, fmt in _PATTERNS:
        hit = text.str.match(pattern) & out.isna()
        if hit.any():
            out[hit] = pd.to_datetime(text[hit].str[:10] if fmt == "%Y-%m-%d" else text[hit],
                                      format=fmt, errors="coerce")
    bad = out.isna()
    if bad.any():
        raise DataValidationError([
            Problem(file, "date", f"expected a month (yyyymm, yyyymmdd, yyyy-mm-dd or "
                    f"'Month yyyy'), found {text[i]!r}", row=int(i) + 2, column=column)
            for i in text.index[bad][:20]])
    return out.dt.to_period("M").dt.to_timestamp()


def quarter_start(values: pd.Series, *, file: str, column: str = "date") -> pd.Series:
    """Parse ``Q1 2018`` (or ``2018Q1``) to the first day of the quarter."""
    text = values.astype(str).str.strip()
    m = text.str.extract(r"^(?:Q([1-4]) (\d{4})|(\d{4}) ?Q([1-4]))$")
    bad = m.isna().all(axis=1) | (m[0].isna() & m[2].isna())
    if bad.any():
        i = text.index[bad][0]
        raise DataValidationError(Problem(file, "date", f"expected a quarter like 'Q1 2018', "
                                          f"found {text[i]!r}", row=int(i) + 2, column=column))
    quarter = m[0].fillna(m[3]).astype(int)
    year = m[1].fillna(m[2]).astype(int)
    return pd.to_datetime({"year": year, "month": 3 * quarter - 2, "day": 1})


def _nonnegative(values: pd.Series, column: str, *, file: str) -> None:
    if (values < 0).any():
        i = values.index[values < 0][0]
        raise DataValidationError(Problem(file, "value", f"expected a count ≥ 0, found "
                                          f"{values[i]:g}", row=int(i) + 2, column=column))


# --------------------------------------------------------------------------- readers

DD_REASONS = ("All Delay Reasons", "Health and Social Care Reasons",
              "Patient and Family Related Reasons", "Code 9 AWI", "Code 9 Non-AWI")
DD_AGES = ("18plus", "18-74", "75plus")
_DD_ALIASES = {"MonthOfDelay": "date", "CA": "geography", "ltla_code": "geography",
               "HBT": "geography", "hb_code": "geography", "AgeGroup": "age_group",
               "ReasonForDelay": "delay_reason",
               "NumberOfDelayedBedDays": "num_delayed_bed_days",
               "AverageDailyNumberOfDelayedBeds": "average_daily_delayed_beds"}


def read_phs_delayed_discharge(path: str | Path) -> pd.DataFrame:
    """PHS delayed discharge bed days by council area (``CA``) or NHS board (``HBT``).

    Indicators ``delayed_bed_days`` (bed days in the month) and
    ``average_daily_delayed_beds``, by ``age_group`` and ``delay_reason``. Rows without an
    area code (PHS publishes delays it cannot assign to an area; Scotland's total includes
    them) keep a missing ``geography``.
    """
    file = str(path)
    frame = read_table(path, what="PHS delayed discharge", aliases=_DD_ALIASES,
                       required=["date", "geography", "age_group", "delay_reason",
                                 "num_delayed_bed_days", "average_daily_delayed_beds"])
    check_pattern(frame, "geography", r"S(12|08|92)\d{6}", file=file,
                  what="a council area (S12…), NHS board (S08…) or Scotland (S92…) code",
                  allow_empty=True)
    check_codes(frame, "age_group", DD_AGES, file=file)
    check_codes(frame, "delay_reason", DD_REASONS, file=file)
    check_unique(frame, ["geography", "date", "age_group", "delay_reason"], file=file)
    period = month_start(frame["date"], file=file)
    parts = []
    for column, indicator, unit in (
            ("num_delayed_bed_days", "delayed_bed_days", "bed days"),
            ("average_daily_delayed_beds", "average_daily_delayed_beds", "beds")):
        value = to_number(frame, column, file=file, allow_missing=False)
        _nonnegative(value, column, file=file)
        parts.append(pd.DataFrame({
            "geography": frame["geography"].str.strip().replace("", None),
            "case": "SCO", "period": period, "indicator": indicator, "value": value,
            "unit": unit, "source_id": "PHS-DD", "age_group": frame["age_group"],
            "delay_reason": frame["delay_reason"]}))
    return pd.concat(parts, ignore_index=True)


_AE_ALIASES = {"LocationCode": "hospital_code", "LocationName": "hospital_name",
               "MonthEndingDate": "date", "NumberOfAttendancesAll": "attendances",
               "NumberWithin4HoursAll": "within_4_hours",
               "NumberOver4HoursAll": "over_4_hours"}


def read_phs_ae_hospital(path: str | Path) -> pd.DataFrame:
    """PHS A&E attendances and those seen within 4 hours, monthly, by hospital.

    Indicators ``ae_attendances`` and ``ae_within_4_hours`` (counts); ``geography`` is the
    PHS location code, ``geography_name`` the hospital's name as PHS gives it (a code can
    carry two sites in a month while one replaces the other). Each row must have within 4
    hours + over 4 hours = attendances.
    """
    file = str(path)
    frame = read_table(path, what="PHS A&E monthly (hospitals)", aliases=_AE_ALIASES,
                       required=["hospital_code", "hospital_name", "date", "attendances",
                                 "within_4_hours", "over_4_hours"])
    check_pattern(frame, "hospital_code", r"[A-Z]\d{3}[A-Z]", file=file,
                  what="a PHS location code like A111H")
    # PHS reuses a location code for a new site opening beside the old one (G306H: Victoria
    # Infirmary and New Victoria Hospital both report in 2009-2010), so the name is part of
    # the key and both sites' attendances count.
    check_unique(frame, ["hospital_code", "hospital_name", "date"], file=file)
    period = month_start(frame["date"], file=file)
    att = to_number(frame, "attendances", file=file, allow_missing=False)
    within = to_number(frame, "within_4_hours", file=file, allow_missing=False)
    over = to_number(frame, "over_4_hours", file=file, allow_missing=False)
    for col, v in (("attendances", att), ("within_4_hours", within), ("over_4_hours", over)):
        _nonnegative(v, col, file=file)
    off = (within + over - att).abs() > 0
    if off.any():
        i = frame.index[off][0]
        raise DataValidationError(Problem(
            file, "sum", f"within 4 hours ({within[i]:g}) + over 4 hours ({over[i]:g}) ≠ "
            f"attendances ({att[i]:g})", row=int(i) + 2, column="attendances"))
    base = {"geography": frame["hospital_code"], "case": "SCO", "period": period,
            "unit": "attendances", "source_id": "PHS-AE",
            "geography_name": frame["hospital_name"]}
    return pd.concat([pd.DataFrame(base | {"indicator": "ae_attendances", "value": att}),
                      pd.DataFrame(base | {"indicator": "ae_within_4_hours",
                                           "value": within})], ignore_index=True)


def read_phs_care_at_home(path: str | Path) -> pd.DataFrame:
    """People receiving care at home per 1,000 population, by council area, quarterly.

    ``period`` is the first day of the quarter; ``geography_name`` the council's name.
    """
    file = str(path)
    frame = read_table(path, what="PHS care at home", aliases={
        "ltla24_code": "geography", "ltla24_name": "geography_name", "CA": "geography"},
        required=["geography", "geography_name", "date", "care_at_home_per_1000"])
    check_pattern(frame, "geography", r"S12\d{6}", file=file, what="a council area code")
    check_unique(frame, ["geography", "date"], file=file)
    value = to_number(frame, "care_at_home_per_1000", file=file, allow_missing=False)
    _nonnegative(value, "care_at_home_per_1000", file=file)
    return pd.DataFrame({"geography": frame["geography"], "case": "SCO",
                         "period": quarter_start(frame["date"], file=file),
                         "indicator": "care_at_home_per_1000_population", "value": value,
                         "unit": "people per 1,000 population", "source_id": "PHS-CAH",
                         "geography_name": frame["geography_name"].str.strip()})


_NHSE_INDICATORS = {
    "total_attendances": ("ae_attendances", "attendances"),
    "attendances_over_4hours": ("ae_over_4_hours", "attendances"),
    "total_emergency_admissions": ("emergency_admissions", "admissions"),
    "emergency_admissions_over_4hours": ("emergency_admissions_over_4_hours", "admissions"),
}


def read_nhse_ae_icb(path: str | Path) -> pd.DataFrame:
    """NHS England A&E attendances and emergency admissions by ICB, monthly.

    Counts as given, plus ``ae_within_4_hours_pct`` = 100 × (1 − over 4 hours /
    attendances), computed from the counts rather than the file's rounded share.
    """
    file = str(path)
    frame = read_table(path, what="NHS England A&E by ICB", aliases={"icb22_code": "geography"},
                       required=["geography", "date", *_NHSE_INDICATORS])
    check_pattern(frame, "geography", r"E54\d{6}", file=file, what="an ICB code (E54…)")
    check_unique(frame, ["geography", "date"], file=file)
    period = month_start(frame["date"], file=file)
    parts, values = [], {}
    for column, (indicator, unit) in _NHSE_INDICATORS.items():
        v = to_number(frame, column, file=file, allow_missing=False)
        _nonnegative(v, column, file=file)
        values[column] = v
        parts.append(pd.DataFrame({"geography": frame["geography"], "case": "ENG",
                                   "period": period, "indicator": indicator, "value": v,
                                   "unit": unit, "source_id": "NHSE-AE"}))
    att, over = values["total_attendances"], values["attendances_over_4hours"]
    if (over > att).any() or (att <= 0).any():
        i = frame.index[(over > att) | (att <= 0)][0]
        raise DataValidationError(Problem(
            file, "value", f"{over[i]:g} attendances over 4 hours of {att[i]:g} in all; "
            "expected a positive total at least as large", row=int(i) + 2,
            column="attendances_over_4hours"))
    parts.append(pd.DataFrame({"geography": frame["geography"], "case": "ENG",
                               "period": period, "indicator": "ae_within_4_hours_pct",
                               "value": 100 * (1 - over / att),
                               "unit": "% of attendances", "source_id": "NHSE-AE"}))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- derived

def ae_scotland(hospitals: pd.DataFrame) -> pd.DataFrame:
    """Scotland's monthly A&E totals: exact sums over hospitals, and the 4-hour share.

    >>> import pandas as pd
    >>> h = pd.DataFrame({"geography": ["A", "B", "A", "B"], "period": ["m"] * 4,
    ...                   "indicator": ["ae_attendances"] * 2 + ["ae_within_4_hours"] * 2,
    ...                   "value": [100.0, 50.0, 90.0, 30.0]})
    >>> ae_scotland(h).set_index("indicator").value.tolist()
    [150.0, 120.0, 80.0]
    """
    wide = hospitals.pivot_table(index="period", columns="indicator", values="value",
                                 aggfunc="sum")
    wide["ae_within_4_hours_pct"] = 100 * wide["ae_within_4_hours"] / wide["ae_attendances"]
    units = {"ae_attendances": "attendances", "ae_within_4_hours": "attendances",
             "ae_within_4_hours_pct": "% of attendances"}
    out = wide[list(units)].reset_index().melt(id_vars="period", var_name="indicator",
                                               value_name="value")
    return out.assign(geography=SCOTLAND, case="SCO", unit=out["indicator"].map(units),
                      source_id="PHS-AE")[
        ["geography", "case", "period", "indicator", "value", "unit", "source_id"]]


# --------------------------------------------------------------------------- recipes

_GEO = _field("geography", required=True, pattern="S(12|08|92)[0-9]{6}|E54[0-9]{6}")
_CASE = _field("case", required=True, enum=["SCO", "ENG"])
_INDICATOR = _field("indicator", required=True)


def _build_delayed_discharge(paths: list[Path]) -> pd.DataFrame:
    dd = read_phs_delayed_discharge(paths[0])
    keep = (dd["indicator"] == "delayed_bed_days") & (dd["age_group"] == "18plus") & \
        dd["geography"].notna()
    return dd.loc[keep, ["geography", "case", "period", "indicator", "delay_reason",
                         "value", "unit", "source_id"]]


register(Recipe(
    name="phs_delayed_discharge", version="1", output="phs_delayed_discharge.csv",
    title="Delayed discharge bed days, people aged 18+, monthly, Scotland and its 32 council "
          "areas, all reasons and by reason",
    description="From Public Health Scotland's delayed discharge open data (council area "
                "file): bed days occupied by people aged 18+ whose discharge was delayed, "
                "each month from July 2016, for Scotland (S92000003) and each council area "
                "(the area of its health and social care partnership), for all delay "
                "reasons and for each reason group. Rows PHS publishes without an area code "
                "are left out; Scotland's total includes them.",
    source_ids=("PHS-DD",), licences=OGL,
    schema={"fields": [_GEO, _CASE, PERIOD_FIELD, _INDICATOR,
                       _field("delay_reason", required=True, enum=list(DD_REASONS)),
                       VALUE_FIELD, UNIT_FIELD, SOURCE_FIELD],
            "primaryKey": ["geography", "period", "indicator", "delay_reason"]},
    inputs=("phs_delayed_discharge_council_area.csv",),
    build=_build_delayed_discharge))


def _build_ae(paths: list[Path]) -> pd.DataFrame:
    return ae_scotland(read_phs_ae_hospital(paths[0]))


register(Recipe(
    name="phs_ae_scotland", version="1", output="phs_ae_scotland.csv",
    title="A&E attendances and the share seen within 4 hours, monthly, Scotland",
    description="From Public Health Scotland's monthly A&E activity and waiting times by "
                "hospital (sheet 'Hospitals', category 'All'): attendances and attendances "
                "seen within 4 hours summed exactly over every hospital, each month from "
                "July 2007, and the share within 4 hours computed from the sums. Boards are "
                "not given: the project has no sourced hospital-to-board lookup.",
    source_ids=("PHS-AE",), licences=OGL,
    schema={"fields": [_GEO, _CASE, PERIOD_FIELD, _INDICATOR,
                       VALUE_FIELD, UNIT_FIELD, SOURCE_FIELD],
            "primaryKey": ["geography", "period", "indicator"]},
    inputs=("phs_ae_monthly_hospital.csv",), build=_build_ae))


def _build_care_at_home(paths: list[Path]) -> pd.DataFrame:
    return read_phs_care_at_home(paths[0])


register(Recipe(
    name="phs_care_at_home", version="1", output="phs_care_at_home.csv",
    title="People receiving care at home per 1,000 population, quarterly, by council area",
    description="From Public Health Scotland / Scottish Government care at home statistics: "
                "people receiving care at home per 1,000 population for each of Scotland's "
                "32 council areas, quarterly, with the council's name as given.",
    source_ids=("PHS-CAH",), licences=OGL,
    schema={"fields": [_GEO, _CASE, PERIOD_FIELD, _INDICATOR, VALUE_FIELD,
                       UNIT_FIELD, SOURCE_FIELD, _field("geography_name", required=True)],
            "primaryKey": ["geography", "period", "indicator"]},
    inputs=("phs_care_at_home_council_area.csv",), build=_build_care_at_home))


def _build_nhse(paths: list[Path]) -> pd.DataFrame:
    return read_nhse_ae_icb(paths[0])


register(Recipe(
    name="nhse_ae_icb", version="1", output="nhse_ae_icb.csv",
    title="A&E attendances, 4-hour performance and emergency admissions, monthly, by ICB",
    description="From NHS England's monthly A&E attendances and emergency admissions, "
                "aggregated to the 42 integrated care boards: attendances, attendances over "
                "4 hours, emergency admissions and the admissions counted over 4 hours, from "
                "April 2022, with the share of attendances within 4 hours computed from the "
                "counts. ICBs are given by code only (no sourced name lookup).",
    source_ids=("NHSE-AE",), licences=OGL,
    schema={"fields": [_GEO, _CASE, PERIOD_FIELD, _INDICATOR, VALUE_FIELD,
                       UNIT_FIELD, SOURCE_FIELD],
            "primaryKey": ["geography", "period", "indicator"]},
    inputs=("nhse_ae_emergency_admissions_icb.csv",), build=_build_nhse))


def _build_areas(paths: list[Path]) -> pd.DataFrame:
    # england imports this module for its date and count helpers, so its lookup reader is
    # imported when the recipe runs rather than at the top.
    from casestudy.indicators.england import read_ons_icb_lookup

    cah = read_phs_care_at_home(paths[0])
    councils = cah.drop_duplicates("geography")[["geography", "geography_name"]]
    icbs = read_nhse_ae_icb(paths[1])["geography"].drop_duplicates()
    names = read_ons_icb_lookup(paths[2]).set_index("icb")["icb_name"]
    unnamed = sorted(set(icbs) - set(names.index))
    if unnamed:
        raise DataValidationError(Problem(str(paths[2]), "unknown-code", f"ICB code(s) "
                                          f"{', '.join(unnamed)} are not in the ONS lookup"))
    return pd.concat([
        councils.assign(level="council area", case="SCO", source_id="PHS-CAH"),
        pd.DataFrame({"geography": [SCOTLAND], "geography_name": ["Scotland"],
                      "level": ["country"], "case": ["SCO"], "source_id": ["PHS-DD"]}),
        pd.DataFrame({"geography": icbs, "geography_name": icbs.map(names).to_numpy(),
                      "level": "integrated care board", "case": "ENG",
                      "source_id": "NHSE-AE;ONS-ICB22"}),
    ], ignore_index=True)


register(Recipe(
    name="uk_areas", version="2", output="uk_areas.csv",
    title="Area codes of the Scottish and English series: name, level and case",
    description="Scotland's 32 council areas with the names Public Health Scotland gives "
                "in the care at home file; Scotland (S92000003, as the delayed discharge "
                "release labels its national rows); the 42 ICB codes of NHS England's file "
                "with their names from the ONS July 2022 ICB lookup.",
    source_ids=("PHS-CAH", "PHS-DD", "NHSE-AE", "ONS-ICB22"), licences=OGL,
    schema={"fields": [_GEO, _field("geography_name"),
                       _field("level", required=True,
                              enum=["country", "council area", "integrated care board"]),
                       _CASE, SOURCE_FIELD],
            "primaryKey": ["geography"]},
    inputs=("phs_care_at_home_council_area.csv", "nhse_ae_emergency_admissions_icb.csv",
            "ons_sicbl22_icb22_nhser22_lookup_july2022.csv"),
    build=_build_areas))

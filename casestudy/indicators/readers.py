"""Readers for the publishers' national statistics: WHO GHED, World Bank WDI, Gapminder, UN WPP.

Each reader accepts the publisher's own layout and column names as well as the layout of
the redistributed copy described in ``shared/data/PROVENANCE.md``, checks the file at the
door (format, columns, codes, numbers, duplicate keys) and returns the tidy indicator table
(``casestudy.indicators.tidy``) with two more columns:

``status``       ``estimate`` or ``projection`` where the file says so; empty where it does not
``source_code``  the publisher's own code for the series (``GHED_CHEGDP_SHA2011``)

Values are returned exactly as the file gives them; missing cells become absent rows.
Geographies are ISO 3166-1 alpha-3 codes; ``case`` is set only where a state is one case
(NLD→NL, ITA→IT): UK figures belong to no case.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "ghed.csv"
>>> _ = p.write_text("IndicatorCode,SpatialDim,TimeDim,NumericValue\\n"
...                  "GHED_CHEGDP_SHA2011,NLD,2020,11.1\\n")
>>> row = read_ghed(p).iloc[0]
>>> row.geography, row.case, row.indicator, int(row.year), float(row.value)
('NLD', 'NL', 'che_pct_gdp', 2020, 11.1)
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from casestudy import cases
from casestudy.errors import DataValidationError, Problem
from casestudy.indicators.tidy import (
    check_codes,
    check_pattern,
    check_unique,
    read_table,
    require_columns,
    to_number,
)

#: Columns of every reader's output, in order.
COLUMNS = ("geography", "case", "year", "indicator", "value", "unit", "status", "source_id",
           "source_code")

ESTIMATE, PROJECTION = "estimate", "projection"

#: WHO GHED indicator codes → (indicator, unit).
GHED_CODES: dict[str, tuple[str, str]] = {
    "GHED_CHEGDP_SHA2011": ("che_pct_gdp", "% of GDP"),
    "GHED_CHE_pc_US_SHA2011": ("che_per_capita_usd", "current US$ per person"),
    "GHED_GGHE-DCHE_SHA2011": ("gghe_d_pct_che", "% of current health expenditure"),
    "GHED_GGHE-DGDP_SHA2011": ("gghe_d_pct_gdp", "% of GDP"),
    "GHED_GGHE-D_pc_US_SHA2011": ("gghe_d_per_capita_usd", "current US$ per person"),
    "GHED_OOPSCHE_SHA2011": ("oop_pct_che", "% of current health expenditure"),
    "GHED_OOP_pc_US_SHA2011": ("oop_per_capita_usd", "current US$ per person"),
    "GHED_PVT-DCHE_SHA2011": ("pvt_d_pct_che", "% of current health expenditure"),
}

#: World Bank WDI indicator codes → (indicator, unit).
WDI_CODES: dict[str, tuple[str, str]] = {
    "SH.MED.BEDS.ZS": ("beds_per_1000", "per 1,000 people"),
}

#: Gapminder Systema Globalis concepts → (indicator, unit).
GAPMINDER_CODES: dict[str, tuple[str, str]] = {
    "medical_doctors_per_1000_people": ("doctors_per_1000", "per 1,000 people"),
    "life_expectancy_female": ("life_expectancy_female_years", "years at birth"),
    "life_expectancy_male": ("life_expectancy_male_years", "years at birth"),
    "median_age_years": ("median_age_years", "years"),
    "children_and_elderly_per_100_adults": ("dependency_per_100_adults",
                                            "people aged 0-14 and 65+ per 100 aged 15-64"),
    "total_health_spending_percent_of_gdp": ("che_pct_gdp", "% of GDP"),
    "total_health_spending_per_person_us": ("che_per_capita_usd", "current US$ per person"),
    "total_health_spending_per_person_international_dollar": (
        "che_per_capita_ppp", "international $ (PPP) per person"),
    "government_health_spending_per_person_international_dollar": (
        "gghe_per_capita_ppp", "international $ (PPP) per person"),
    "government_share_of_total_health_spending_percent": (
        "gghe_pct_the", "% of total health expenditure"),
    "out_of_pocket_share_of_total_health_spending_percent": (
        "oop_pct_the", "% of total health expenditure"),
}

#: Gapminder concepts taken from UN World Population Prospects, whose recent years may be
#: projections; the file does not say which, so their status is left empty.
GAPMINDER_UN_BASED = frozenset({"life_expectancy_female", "life_expectancy_male",
                                "median_age_years", "children_and_elderly_per_100_adults"})

#: UN M49 numeric codes of the study's states (WPP's ``LocID``).
M49_ISO3 = {"528": "NLD", "380": "ITA", "826": "GBR"}
#: WPP 2019: 1950–2020 are estimates, later years the projection variants.
WPP2019_LAST_ESTIMATE = 2020
_WPP_STATUS = {"estimate": ESTIMATE, "projection_medium": PROJECTION,
               "projection": PROJECTION}
_WPP_SERIES = {
    "pop_total_thousands": ("pop_total_thousands", "thousand people"),
    "pop_65plus_thousands": ("pop_65plus_thousands", "thousand people"),
    "pop_80plus_thousands": ("pop_80plus_thousands", "thousand people"),
    "share_65plus_pct": ("pop_65plus_pct_pop", "% of total population"),
    "share_80plus_pct": ("pop_80plus_pct_pop", "% of total population"),
}

_YEAR = "[12][0-9]{3}"


# --------------------------------------------------------------------------- helpers

def _years(frame: pd.DataFrame, column: str, *, file: str) -> pd.Series:
    return check_pattern(frame, column, _YEAR, file=file, what="a four-digit year",
                         rule="type").astype(int)


def _iso3(frame: pd.DataFrame, column: str, *, file: str) -> pd.Series:
    return check_pattern(frame, column, "[A-Z]{3}", file=file, rule="type", upper=True,
                         what="an ISO 3166-1 alpha-3 country code")


def _empty(file: str, what: str) -> DataValidationError:
    return DataValidationError(Problem(file, "empty", f"the file has a header but no data "
                                       f"rows; expected a {what} file"))


def _tidy(frame: pd.DataFrame, codes: dict[str, tuple[str, str]], *, code_col: str,
          source_id: str) -> pd.DataFrame:
    """Finish a reader's frame (geography, year, code, value, status): tidy columns, order."""
    out = frame.dropna(subset=["value"]).copy()
    out["indicator"] = out[code_col].map(lambda c: codes[c][0])
    out["unit"] = out[code_col].map(lambda c: codes[c][1])
    out["case"] = out["geography"].map(cases.case_for_state).astype(object)
    out["source_id"] = source_id
    out["source_code"] = out[code_col]
    out["year"] = out["year"].astype("int64")
    out["value"] = out["value"].astype("float64")
    out = out.loc[:, list(COLUMNS)].sort_values(["geography", "indicator", "year"])
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- WHO GHED

GHED_ALIASES = {
    # Global Health Observatory OData API, flattened to CSV
    "SpatialDim": "iso3", "TimeDim": "year", "NumericValue": "value",
    "Date": "who_last_updated",
    # GHO data portal export ("Download data as CSV")
    "SpatialDimValueCode": "iso3", "Period": "year", "FactValueNumeric": "value",
}


def read_ghed(path: str | Path) -> pd.DataFrame:
    """WHO Global Health Expenditure Database, one row per indicator, country and year.

    Accepts the Global Health Observatory's layouts (API: ``IndicatorCode``, ``SpatialDim``,
    ``TimeDim``, ``NumericValue``; portal CSV export: ``IndicatorCode``,
    ``SpatialDimValueCode``, ``Period``, ``FactValueNumeric``) and the redistributed copy
    (``IndicatorCode``, ``iso3``, ``year``, ``value``). Numeric values are read, never
    the display ``Value`` column, which WHO rounds. Indicator codes must be among
    ``GHED_CODES``. GHED figures are WHO estimates (status ``estimate``).
    """
    file, what = str(path), "WHO GHED export"
    frame = read_table(path, required=["IndicatorCode", "iso3", "year", "value"], what=what,
                       aliases=GHED_ALIASES)
    if frame.empty:
        raise _empty(file, what)
    check_codes(frame, "IndicatorCode", list(GHED_CODES), file=file)
    out = pd.DataFrame({
        "geography": _iso3(frame, "iso3", file=file),
        "year": _years(frame, "year", file=file),
        "code": frame["IndicatorCode"],
        "value": to_number(frame, "value", file=file),
        "status": ESTIMATE,
    })
    check_unique(out, ["code", "geography", "year"], file=file)
    return _tidy(out, GHED_CODES, code_col="code", source_id="WHO-GHED")


# --------------------------------------------------------------------------- World Bank WDI

def _wdi_preamble(path: Path) -> int:
    """Lines before the header in a WDI download ("Data Source", "Last Updated Date", blanks)."""
    try:
        head = path.read_bytes()[:4096].decode("utf-8-sig", errors="replace").splitlines()
    except OSError:
        return 0
    for i, line in enumerate(head[:10]):
        if line.lstrip('"').startswith("Country Name"):
            return i
    return 0


def read_wdi(path: str | Path) -> pd.DataFrame:
    """World Bank World Development Indicators, one row per indicator, country and year.

    Accepts the WDI wide CSV (``Country Name``, ``Country Code``, ``Indicator Name``,
    ``Indicator Code``, one column per year, with or without the download's preamble
    lines) and the redistributed long copy (``Country``, ``iso3``, ``year`` and a value
    column named after the indicator, e.g. ``beds_per_1000``). Aggregates such as ``EUU``
    are kept as geographies (they belong to no case).
    """
    path = Path(path)
    file, what = str(path), "World Bank WDI"
    frame = read_table(path, required=["iso3"], what=what, aliases={"Country Code": "iso3"},
                       skip_lines=_wdi_preamble(path))
    if frame.empty:
        raise _empty(file, what)
    if "Indicator Code" in frame.columns:
        check_codes(frame, "Indicator Code", list(WDI_CODES), file=file)
        years = [c for c in frame.columns if re.fullmatch(_YEAR, str(c))]
        if not years:
            raise DataValidationError(Problem(file, "missing-column", "not a WDI wide file: "
                                              "no year columns (1960, 1961, …)", row=1))
        frame = frame.loc[:, ["iso3", "Indicator Code", *years]]
        frame["iso3"] = _iso3(frame, "iso3", file=file)
        # Keep each row's line number so errors point at the original cell.
        frame["_row"] = frame.index + 2
        long = frame.melt(id_vars=["iso3", "Indicator Code", "_row"], value_vars=years,
                          var_name="year", value_name="value")
        out = pd.DataFrame({"geography": long["iso3"], "year": long["year"].astype(int),
                            "code": long["Indicator Code"], "value": _wdi_values(long, file),
                            "status": ESTIMATE, "_row": long["_row"]})
        dup = out.duplicated(["code", "geography", "year"], keep=False)
        if dup.any():
            rows = sorted(set(out.loc[dup, "_row"]))[:20]
            raise DataValidationError(Problem(
                file, "duplicate-key", f"rows {', '.join(map(str, rows))} repeat the key "
                "(Country Code, Indicator Code)"))
    else:
        value_cols = [c for c in frame.columns if c in {v[0] for v in WDI_CODES.values()}]
        require_columns(frame.columns, ["year"], file=file, what=what)
        if len(value_cols) != 1:
            raise DataValidationError(Problem(
                file, "missing-column", f"not a {what} file: expected 'Indicator Code' and "
                f"year columns, or one value column named "
                f"{' or '.join(v[0] for v in WDI_CODES.values())}", row=1))
        by_name = {v[0]: k for k, v in WDI_CODES.items()}
        out = pd.DataFrame({"geography": _iso3(frame, "iso3", file=file),
                            "year": _years(frame, "year", file=file),
                            "code": by_name[value_cols[0]],
                            "value": to_number(frame, value_cols[0], file=file),
                            "status": ESTIMATE})
        check_unique(out, ["code", "geography", "year"], file=file)
    return _tidy(out, WDI_CODES, code_col="code", source_id="WB-WDI")


def _wdi_values(long: pd.DataFrame, file: str) -> pd.Series:
    text = long["value"].astype(str).str.strip()
    values = pd.to_numeric(text.where(text != "", None), errors="coerce")
    bad = values.isna() & (text != "")
    if bad.any():
        raise DataValidationError([
            Problem(file, "type", f"expected a number, found {text[i]!r}",
                    row=int(long.at[i, "_row"]), column=str(long.at[i, "year"]))
            for i in long.index[bad][:20]])
    return values.astype("float64")


# --------------------------------------------------------------------------- Gapminder

def read_gapminder(path: str | Path) -> pd.DataFrame:
    """Gapminder Systema Globalis datapoints, one row per indicator, country and year.

    Accepts a DDF datapoints file as Gapminder publishes it (``geo``, ``time`` and one
    column named after the concept, e.g. ``medical_doctors_per_1000_people``) and the
    redistributed stacked copy (``indicator``, ``geo``, ``time``, ``value``). Concepts must
    be among ``GAPMINDER_CODES``. Concepts Gapminder takes from UN population estimates and
    projections (life expectancy, median age, dependency) get an empty ``status``: the file
    does not say which years are projections.
    """
    path = Path(path)
    file, what = str(path), "Gapminder DDF datapoints"
    frame = read_table(path, required=["geo", "time"], what=what)
    if frame.empty:
        raise _empty(file, what)
    if "indicator" in frame.columns or "value" in frame.columns:
        require_columns(frame.columns, ["indicator", "value"], file=file, what=what)
        codes = frame["indicator"].astype(str).str.strip()
        frame = frame.assign(indicator=codes)
        value_col = "value"
    else:
        concepts = [c for c in frame.columns if c not in ("geo", "time")]
        if len(concepts) != 1:
            raise DataValidationError(Problem(
                file, "missing-column", f"not a {what} file: expected 'geo', 'time' and one "
                f"concept column, found {', '.join(map(str, frame.columns))}", row=1))
        value_col = concepts[0]
        frame = frame.assign(indicator=value_col)
    check_codes(frame, "indicator", list(GAPMINDER_CODES), file=file)
    out = pd.DataFrame({
        "geography": _iso3(frame, "geo", file=file),
        "year": _years(frame, "time", file=file),
        "code": frame["indicator"],
        "value": to_number(frame, value_col, file=file),
    })
    out["status"] = out["code"].map(lambda c: "" if c in GAPMINDER_UN_BASED else ESTIMATE)
    check_unique(out, ["code", "geography", "year"], file=file)
    return _tidy(out, GAPMINDER_CODES, code_col="code", source_id="GAPMINDER-SG")


# --------------------------------------------------------------------------- UN WPP

_WPP_UN_COLUMNS = ["LocID", "Variant", "Time", "AgeGrpStart", "PopTotal"]


def read_wpp(path: str | Path) -> pd.DataFrame:
    """UN World Population Prospects 2019: population in total, aged 65+ and 80+, and shares.

    Accepts the UN's ``WPP2019_PopulationByAgeSex_Medium.csv`` (``LocID``, ``Location``,
    ``Variant``, ``Time``, ``AgeGrp``, ``AgeGrpStart``, ``PopTotal``, … in thousands; the
    study's states by M49 code, other locations under their ``LocID``; only the Medium
    variant; years after 2020 are projections) and the redistributed copy (``iso3``,
    ``year``, ``pop_total_thousands``, ``pop_65plus_thousands``, ``pop_80plus_thousands``,
    ``share_65plus_pct``, ``share_80plus_pct``, ``wpp2019_status``). Shares are percentages
    of the total population; the copy's shares are taken as given.
    """
    path = Path(path)
    file, what = str(path), "UN WPP population by age"
    frame = read_table(path, required=[], what=what)
    if frame.empty:
        raise _empty(file, what)
    if "LocID" in frame.columns:
        wide = _wpp_from_un(frame, file=file, what=what)
    else:
        require_columns(frame.columns, ["iso3", "year", *_WPP_SERIES, "wpp2019_status"],
                        file=file, what=what)
        check_codes(frame, "wpp2019_status", list(_WPP_STATUS), file=file)
        wide = pd.DataFrame({"geography": _iso3(frame, "iso3", file=file),
                             "year": _years(frame, "year", file=file),
                             "status": frame["wpp2019_status"].map(_WPP_STATUS)})
        for col in _WPP_SERIES:
            wide[col] = to_number(frame, col, file=file)
        check_unique(wide, ["geography", "year"], file=file)
    long = wide.melt(id_vars=["geography", "year", "status"], value_vars=list(_WPP_SERIES),
                     var_name="code", value_name="value")
    return _tidy(long, _WPP_SERIES, code_col="code", source_id="UN-WPP2019")


def _wpp_from_un(frame: pd.DataFrame, *, file: str, what: str) -> pd.DataFrame:
    require_columns(frame.columns, _WPP_UN_COLUMNS, file=file, what=what)
    frame = frame[frame["Variant"].str.strip() == "Medium"]
    if frame.empty:
        raise DataValidationError(Problem(file, "empty", "no rows of the Medium variant",
                                          column="Variant"))
    loc = frame["LocID"].astype(str).str.strip()
    parsed = pd.DataFrame({
        "geography": loc.map(lambda c: M49_ISO3.get(c, c)),
        "year": _years(frame, "Time", file=file),
        "start": to_number(frame, "AgeGrpStart", file=file, allow_missing=False),
        "pop": to_number(frame, "PopTotal", file=file, allow_missing=False),
    })
    check_unique(parsed, ["geography", "year", "start"], file=file)
    grouped = parsed.groupby(["geography", "year"], sort=True)
    wide = pd.DataFrame({
        "pop_total_thousands": grouped["pop"].sum(),
        "pop_65plus_thousands": parsed[parsed["start"] >= 65].groupby(
            ["geography", "year"])["pop"].sum(),
        "pop_80plus_thousands": parsed[parsed["start"] >= 80].groupby(
            ["geography", "year"])["pop"].sum(),
    }).fillna(0.0)
    wide["share_65plus_pct"] = wide["pop_65plus_thousands"] / wide["pop_total_thousands"] * 100
    wide["share_80plus_pct"] = wide["pop_80plus_thousands"] / wide["pop_total_thousands"] * 100
    wide = wide.reset_index()
    wide["status"] = wide["year"].map(
        lambda y: ESTIMATE if y <= WPP2019_LAST_ESTIMATE else PROJECTION)
    return wide


# --------------------------------------------------------------------------- WHO GHO workforce

#: WHO GHO / National Health Workforce Accounts densities → (indicator, unit). WHO gives
#: them per 10,000 population; ``read_gho_hwf`` divides by 10 so they sit beside the other
#: per-1,000 series.
GHO_HWF_DENSITY: dict[str, tuple[str, str]] = {
    "HWF_0001": ("medical_doctors_per_1000", "per 1,000 people"),
    "HWF_0006": ("nurses_midwives_per_1000", "per 1,000 people"),
}
#: Head counts in the same exports, recognised and not read.
GHO_HWF_COUNTS = ("HWF_0002", "HWF_0003", "HWF_0004", "HWF_0005", "HWF_0007", "HWF_0008",
                  "HWF_0009")


def read_gho_hwf(path: str | Path) -> pd.DataFrame:
    """WHO Global Health Observatory health workforce densities, converted to per 1,000.

    Accepts the GHO portal export (``IndicatorCode``, ``SpatialDimValueCode``, ``Period``,
    ``FactValueNumeric``, ``Dim1``) and the API layout (``SpatialDim``, ``TimeDim``,
    ``NumericValue``). Medical doctors (HWF_0001) and nursing and midwifery personnel
    (HWF_0006) are published **per 10,000 population**; the reader divides by 10 and says
    so in ``unit`` ("per 1,000 people"); ``source_code`` keeps WHO's code. Head counts
    (HWF_0002-0005, 0007-0009) are recognised and left out; rows broken down by ``Dim1``
    (e.g. sex) are left out too. Other codes are refused. Figures are WHO's (status
    ``estimate``).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "gho.csv"
    >>> _ = p.write_text("IndicatorCode,SpatialDimValueCode,Period,FactValueNumeric,Dim1\\n"
    ...                  "HWF_0006,NLD,2020,116.4,\\n")
    >>> float(read_gho_hwf(p).value[0])
    11.64
    """
    file, what = str(path), "WHO GHO health workforce export"
    frame = read_table(path, required=["IndicatorCode", "iso3", "year", "value"], what=what,
                       aliases={"SpatialDimValueCode": "iso3", "Period": "year",
                                "FactValueNumeric": "value", "SpatialDim": "iso3",
                                "TimeDim": "year", "NumericValue": "value"})
    if frame.empty:
        raise _empty(file, what)
    check_codes(frame, "IndicatorCode", [*GHO_HWF_DENSITY, *GHO_HWF_COUNTS], file=file)
    keep = frame["IndicatorCode"].isin(list(GHO_HWF_DENSITY))
    if "Dim1" in frame.columns:
        keep &= frame["Dim1"].str.strip() == ""
    frame = frame[keep]
    out = pd.DataFrame({
        "geography": _iso3(frame, "iso3", file=file),
        "year": _years(frame, "year", file=file),
        "code": frame["IndicatorCode"],
        "value": to_number(frame, "value", file=file) / 10,
        "status": ESTIMATE,
    })
    check_unique(out, ["code", "geography", "year"], file=file)
    return _tidy(out, GHO_HWF_DENSITY, code_col="code", source_id="WHO-GHO-HWF")

"""Readers of the publishers' formats: layouts, exact values, and bad input at the door."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casestudy.errors import DataValidationError
from casestudy.indicators import readers, tidy

GHED_GHO = ("IndicatorCode,SpatialDimType,SpatialDim,TimeDimType,TimeDim,NumericValue,Date\n"
            "GHED_CHEGDP_SHA2011,COUNTRY,NLD,YEAR,2020,11.14,2024-12-10T14:55:59Z\n"
            "GHED_CHEGDP_SHA2011,COUNTRY,GBR,YEAR,2020,12.16,2024-12-10T14:55:59Z\n"
            "GHED_OOPSCHE_SHA2011,COUNTRY,ITA,YEAR,2020,,2024-12-10T14:55:59Z\n")
WDI_WIDE = ('"Data Source","World Development Indicators",\n\n'
            '"Last Updated Date","2024-06-28",\n\n'
            '"Country Name","Country Code","Indicator Name","Indicator Code","2017","2018",\n'
            '"Netherlands","NLD","Hospital beds (per 1,000 people)","SH.MED.BEDS.ZS",'
            '"3.28","3.17",\n'
            '"Italy","ITA","Hospital beds (per 1,000 people)","SH.MED.BEDS.ZS","","3.14",\n')
GAPMINDER_DDF = "geo,time,medical_doctors_per_1000_people\nnld,2021,3.875\ngbr,2021,3.16\n"
WPP_UN = ("LocID,Location,VarID,Variant,Time,MidPeriod,AgeGrp,AgeGrpStart,AgeGrpSpan,"
          "PopMale,PopFemale,PopTotal\n"
          "528,Netherlands,2,Medium,2020,2020.5,0-4,0,5,1,1,800\n"
          "528,Netherlands,2,Medium,2020,2020.5,65-69,65,5,1,1,150\n"
          "528,Netherlands,2,Medium,2020,2020.5,80-84,80,5,1,1,50\n"
          "528,Netherlands,2,Medium,2021,2021.5,0-4,0,5,1,1,700\n"
          "528,Netherlands,2,Medium,2021,2021.5,80-84,80,5,1,1,300\n")



def test_ghed_gho_layout_exact_values_and_case(write_csv):
    out = readers.read_ghed(write_csv(GHED_GHO))
    assert list(out.columns) == list(readers.COLUMNS)
    assert out[["geography", "year", "value"]].values.tolist() == [
        ["GBR", 2020, 12.16], ["NLD", 2020, 11.14]]  # empty ITA cell: no row, no zero
    assert out.set_index("geography")["case"].fillna("none").to_dict() == {
        "GBR": "none", "NLD": "NL"}
    assert set(out["indicator"]) == {"che_pct_gdp"}
    assert set(out["source_id"]) == {"WHO-GHED"}


def test_ghed_gho_portal_export_reads_the_unrounded_value(write_csv):
    text = ('"IndicatorCode","Indicator","SpatialDimValueCode","Location","Period",'
            '"Value","FactValueNumeric"\n'
            '"GHED_CHEGDP_SHA2011","Current health expenditure (CHE) as percentage of gross '
            'domestic product (GDP) (%)","ITA","Italy","2022","9.03","9.02753"\n')
    out = readers.read_ghed(write_csv(text))
    assert out[["geography", "case", "year", "value"]].values.tolist() == [
        ["ITA", "IT", 2022, 9.02753]]


def test_wdi_wide_with_preamble(write_csv):
    out = readers.read_wdi(write_csv(WDI_WIDE))
    assert out[["geography", "year", "value"]].values.tolist() == [
        ["ITA", 2018, 3.14], ["NLD", 2017, 3.28], ["NLD", 2018, 3.17]]
    assert set(out["indicator"]) == {"beds_per_1000"}


def test_wdi_wide_bad_number_names_line_and_year(write_csv):
    path = write_csv(WDI_WIDE.replace('"3.17"', '"n/a"'))
    with pytest.raises(DataValidationError) as err:
        readers.read_wdi(path)
    problem = err.value.problems[0]
    assert (problem.row, problem.column) == (6, "2018")
    assert str(path) in str(err.value)


def test_gapminder_ddf_layout(write_csv):
    out = readers.read_gapminder(write_csv(GAPMINDER_DDF))
    assert out[["geography", "indicator", "value"]].values.tolist() == [
        ["GBR", "doctors_per_1000", 3.16], ["NLD", "doctors_per_1000", 3.875]]
    assert set(out["status"]) == {"estimate"}


def test_gapminder_un_based_series_have_no_status(write_csv):
    text = "indicator,geo,time,value\nlife_expectancy_female,ita,2024,85.5\n"
    out = readers.read_gapminder(write_csv(text))
    assert out.loc[0, "status"] == ""
    assert out.loc[0, "indicator"] == "life_expectancy_female_years"


def test_wpp_un_layout_sums_bands_and_marks_projections(write_csv):
    out = readers.read_wpp(write_csv(WPP_UN)).set_index(["year", "indicator"])
    assert out.loc[(2020, "pop_total_thousands"), "value"] == 1000
    assert out.loc[(2020, "pop_65plus_thousands"), "value"] == 200
    assert out.loc[(2020, "pop_65plus_pct_pop"), "value"] == 20
    assert out.loc[(2020, "pop_80plus_pct_pop"), "value"] == 5
    assert out.loc[(2021, "pop_80plus_pct_pop"), "value"] == 30
    assert out.loc[(2020, "pop_total_thousands"), "status"] == "estimate"
    assert out.loc[(2021, "pop_total_thousands"), "status"] == "projection"
    assert set(out["geography"]) == {"NLD"}


# --------------------------------------------------------------------------- bad input

BAD = {
    "empty": b"",
    "header only": b"IndicatorCode,iso3,year,value\n",
    "zip": b"PK\x03\x04" + b"\x00" * 40,
    "other format": b'{"value": []}\n',
    "missing column": b"IndicatorCode,iso3,year\nGHED_CHEGDP_SHA2011,NLD,2020\n",
    "unknown code": b"IndicatorCode,iso3,year,value\nGHED_NOPE,NLD,2020,1\n",
    "not a number": b"IndicatorCode,iso3,year,value\nGHED_CHEGDP_SHA2011,NLD,2020,high\n",
    "bad year": b"IndicatorCode,iso3,year,value\nGHED_CHEGDP_SHA2011,NLD,20x0,1\n",
    "bad country": b"IndicatorCode,iso3,year,value\nGHED_CHEGDP_SHA2011,Holland,2020,1\n",
    "duplicate": (b"IndicatorCode,iso3,year,value\nGHED_CHEGDP_SHA2011,NLD,2020,1\n"
                  b"GHED_CHEGDP_SHA2011,NLD,2020,2\n"),
    "latin-1": "IndicatorCode,iso3,year,value\nGHED_CHEGDP_SHA2011,NLD,2020,1\nÉ,,,\n"
               .encode("latin-1"),
}
EXPECT = {"empty": "empty", "header only": "no data rows", "zip": "binary",
          "other format": "missing", "missing column": "'value' is missing",
          "unknown code": "GHED_NOPE", "not a number": "'high'", "bad year": "'20x0'",
          "bad country": "'Holland'", "duplicate": "rows 2, 3 repeat", "latin-1": "UTF-8"}


@pytest.mark.parametrize("case", sorted(BAD))
def test_ghed_bad_input_names_file_and_fault(write_csv, case):
    path = write_csv(BAD[case], name=f"{case.replace(' ', '_')}.csv")
    with pytest.raises(DataValidationError) as err:
        readers.read_ghed(path)
    assert str(path) in str(err.value)
    assert EXPECT[case] in str(err.value)


def test_check_pattern_and_require_columns_name_file_row_and_column():
    frame = pd.DataFrame({"iso3": ["nld ", "Holland"]})
    with pytest.raises(DataValidationError) as err:
        tidy.check_pattern(frame, "iso3", "[A-Z]{3}", file="f.csv", what="a code",
                           upper=True)
    [problem] = err.value.problems
    assert (problem.file, problem.row, problem.column) == ("f.csv", 3, "iso3")
    assert problem.message == "expected a code, found 'Holland'"
    assert tidy.check_pattern(frame.iloc[:1], "iso3", "[A-Z]{3}", file="f.csv", what="a code",
                              upper=True).tolist() == ["NLD"]
    with pytest.raises(DataValidationError) as err:
        tidy.require_columns(["a"], ["a", "b", "c"], file="f.csv", what="X", row=4,
                             header=["A"])
    assert [(p.row, p.column) for p in err.value.problems] == [(4, "b"), (4, "c")]
    assert "(found: A)" in err.value.problems[0].message


@pytest.mark.parametrize(("reader", "text", "expect"), [
    (readers.read_wdi, "Country Name,Country Code,Indicator Code,2000\nNL,NLD,SP.POP.TOTL,1\n",
     "SP.POP.TOTL"),
    (readers.read_wdi, "Country,iso3,year\nNetherlands,NLD,2000\n", "value column"),
    (readers.read_wdi, ("Country Name,Country Code,Indicator Code,2000\n"
                        "NL,NLD,SH.MED.BEDS.ZS,1\nNL,NLD,SH.MED.BEDS.ZS,2\n"), "repeat"),
    (readers.read_gapminder, "geo,time,unknown_concept\nnld,2000,1\n", "unknown_concept"),
    (readers.read_gapminder, "geo,time,a,b\nnld,2000,1,2\n", "one concept column"),
    (readers.read_gapminder, "indicator,geo,time\nx,nld,2000\n", "'value' is missing"),
    (readers.read_gapminder, "geo,time,life_expectancy_male\nnld,2000,old\n", "'old'"),
    (readers.read_wpp, "iso3,year,pop_total_thousands\nNLD,2000,1\n", "share_65plus_pct"),
    (readers.read_wpp, WPP_UN.replace("Medium", "High"), "Medium variant"),
    (readers.read_wpp, WPP_UN + WPP_UN.splitlines()[1] + "\n", "repeat"),
])
def test_other_readers_reject_bad_input(write_csv, reader, text, expect):
    path = write_csv(text)
    with pytest.raises(DataValidationError) as err:
        reader(path)
    assert str(path) in str(err.value)
    assert expect in str(err.value)


# --------------------------------------------------------------------------- round trips

ISO3 = st.sampled_from(["NLD", "ITA", "GBR", "DEU", "FRA"])
VALUES = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
YEARS = st.integers(min_value=1960, max_value=2030)
KEYS = st.lists(st.tuples(st.sampled_from(sorted(readers.GHED_CODES)), ISO3, YEARS),
                min_size=1, max_size=25, unique=True)
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(keys=KEYS, data=st.data())
def test_ghed_round_trip(write_csv, keys, data):
    values = data.draw(st.lists(VALUES, min_size=len(keys), max_size=len(keys)))
    lines = ["IndicatorCode,SpatialDim,TimeDim,NumericValue"]
    lines += [f"{c},{g},{y},{v!r}" for (c, g, y), v in zip(keys, values, strict=True)]
    out = readers.read_ghed(write_csv("\n".join(lines) + "\n"))
    got = {(r.source_code, r.geography, r.year): r.value for r in out.itertuples()}
    assert got == dict(zip(keys, values, strict=True))


@SETTINGS
@given(table=st.dictionaries(ISO3, st.dictionaries(YEARS, st.one_of(st.none(), VALUES),
                                                       min_size=1, max_size=8),
                             min_size=1, max_size=5),
       preamble=st.booleans())
def test_wdi_wide_round_trip(write_csv, table, preamble):
    years = sorted({y for row in table.values() for y in row})
    head = '"Data Source","World Development Indicators",\n\n"Last Updated Date","x",\n\n'
    lines = ['"Country Name","Country Code","Indicator Name","Indicator Code",'
             + ",".join(f'"{y}"' for y in years) + ","]
    for iso, row in table.items():
        cells = ",".join('""' if row.get(y) is None else f'"{row[y]!r}"' for y in years)
        lines.append(f'"{iso} name","{iso}","Hospital beds","SH.MED.BEDS.ZS",{cells},')
    out = readers.read_wdi(write_csv((head if preamble else "") + "\n".join(lines)))
    expected = {(iso, y): v for iso, row in table.items() for y, v in row.items()
                if v is not None}
    assert {(r.geography, r.year): r.value for r in out.itertuples()} == expected


@SETTINGS
@given(rows=st.dictionaries(st.tuples(ISO3, YEARS), VALUES, min_size=1, max_size=30),
       concept=st.sampled_from(sorted(readers.GAPMINDER_CODES)), stacked=st.booleans())
def test_gapminder_round_trip(write_csv, rows, concept, stacked):
    if stacked:
        lines = ["indicator,geo,time,value"]
        lines += [f"{concept},{g.lower()},{y},{v!r}" for (g, y), v in rows.items()]
    else:
        lines = [f"geo,time,{concept}"]
        lines += [f"{g.lower()},{y},{v!r}" for (g, y), v in rows.items()]
    out = readers.read_gapminder(write_csv("\n".join(lines) + "\n"))
    assert {(r.geography, r.year): r.value for r in out.itertuples()} == rows
    assert set(out["indicator"]) == {readers.GAPMINDER_CODES[concept][0]}


@SETTINGS
@given(bands=st.lists(st.tuples(st.sampled_from([0, 20, 65, 70, 80, 95]),
                                st.floats(min_value=0.001, max_value=1e5)),
                      min_size=1, max_size=6, unique_by=lambda t: t[0]),
       year=st.integers(min_value=2015, max_value=2025))
def test_wpp_un_shares_match_band_sums(write_csv, bands, year):
    head = WPP_UN.splitlines()[0]
    lines = [head] + [f"380,Italy,2,Medium,{year},{year}.5,{a}-{a + 4},{a},5,0,0,{p!r}"
                      for a, p in bands]
    out = readers.read_wpp(write_csv("\n".join(lines) + "\n"))
    got = out.set_index("indicator")["value"]
    total = sum(p for _, p in bands)
    old = sum(p for a, p in bands if a >= 65)
    assert math.isclose(got["pop_total_thousands"], total)
    assert math.isclose(got["pop_65plus_pct_pop"], old / total * 100)
    assert set(out["geography"]) == {"ITA"}
    assert set(out["status"]) == {"estimate" if year <= 2020 else "projection"}


# --------------------------------------------------------------------------- official files

@pytest.mark.parametrize(("reader", "name", "rows"), [
    (readers.read_ghed, "who_ghed_nld_ita_gbr.csv", 552),
    (readers.read_wdi, "wdi_hospital_beds_per_1000_nld_ita_gbr.csv", 121),
    (readers.read_gapminder, "gapminder_health_nld_ita_gbr.csv", 885),
    (readers.read_wpp, "unwpp2019_population_age_nld_ita_gbr.csv", 123 * 5),
])
def test_official_files_read_every_row(shared_data, reader, name, rows):
    out = reader(shared_data / name)
    assert len(out) == rows
    assert set(out["geography"]) == {"NLD", "ITA", "GBR"}
    assert out.loc[out["geography"] == "GBR", "case"].isna().all()


def test_official_ghed_values_are_the_files(shared_data):
    raw = pd.read_csv(shared_data / "who_ghed_nld_ita_gbr.csv", dtype=str)
    out = readers.read_ghed(shared_data / "who_ghed_nld_ita_gbr.csv")
    got = {(r.source_code, r.geography, r.year): r.value for r in out.itertuples()}
    for r in raw.itertuples():
        assert got[(r.IndicatorCode, r.iso3, int(r.year))] == float(r.value)


# --------------------------------------------------------------------------- WHO GHO workforce

GHO_HWF = ("IndicatorCode,Indicator,SpatialDimValueCode,Period,Dim1,FactValueNumeric,Value\n"
           'HWF_0006,"Nursing and midwifery personnel (per 10,000)",NLD,2020,,116.4,116.4\n'
           'HWF_0001,"Medical doctors (per 10,000)",ITA,2020,,39.5,39.5\n'
           'HWF_0001,"Medical doctors (per 10,000)",ITA,2020,FEMALE,18.0,18.0\n'
           "HWF_0002,Medical doctors (number),ITA,2020,,240000,240000\n")


def test_gho_workforce_is_converted_to_per_1000_and_says_so(write_csv):
    out = readers.read_gho_hwf(write_csv(GHO_HWF)).set_index("indicator")
    assert out.at["nurses_midwives_per_1000", "value"] == pytest.approx(11.64)
    assert out.at["medical_doctors_per_1000", "value"] == pytest.approx(3.95)
    assert set(out["unit"]) == {"per 1,000 people"}
    assert out.at["medical_doctors_per_1000", "source_code"] == "HWF_0001"
    assert len(out) == 2  # head counts and the breakdown by sex are left out


@pytest.mark.parametrize(("old", "new", "message"), [
    ("HWF_0002", "HWF_0099", "unknown code 'HWF_0099'"),
    ("NLD,2020,,116.4", "NLD,2020,,many", "expected a number"),
    ("SpatialDimValueCode", "Country", "column 'iso3' is missing"),
])
def test_gho_workforce_refuses_bad_files(write_csv, old, new, message):
    with pytest.raises(DataValidationError, match=message):
        readers.read_gho_hwf(write_csv(GHO_HWF.replace(old, new)))

"""Another team's study: the registry is data, so two made-up cases need no code change.

Everything in this test study is made up (labelled so in the files themselves): two
invented cases with invented units and invented values, in a temporary folder.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from casestudy import cases, data, plots
from casestudy.errors import CaseStudyError
from casestudy.indicators import units as unit_compare

REPO_RAW = Path(__file__).resolve().parent.parent / "data" / "raw"

SOURCES = ("source_id,title,publisher,year,url,licence,accessed,note\n"
           "MADE-UP,Made-up registry and values for a test study,Test team,2026,,CC-BY-4.0,,"
           "Invented for a test: not a real source\n")
CASES = ("code,name,state_iso3,state_name,state_colour,iso3166_2,system,system_body,colour,"
         "source_id\n"
         "XA,Made-up case A,XXA,Made-up state A,#56B4E9,,invented system,invented body,"
         "#56B4E9,MADE-UP\n"
         "XB,Made-up case B,XXB,Made-up state B,#F0E442,,invented system,invented body,"
         "#F0E442,MADE-UP\n")
UNITS = ("unit,unit_id,name,kind,case,parent,start,end,vintages,source_id\n"
         "A01,A01,Made-up district 1,region,XA,,,,,MADE-UP\n"
         "A02,A02,Made-up district 2,region,XA,,,,,MADE-UP\n"
         "A03,A03,Made-up district 3,region,XA,,,,,MADE-UP\n"
         "B01,B01,Made-up area 1,region,XB,,,,,MADE-UP\n"
         "B02,B02,Made-up area 2,region,XB,,,,,MADE-UP\n")
SERIES = ("geography,case,year,indicator,numerator,denominator,value,source_id\n"
          "A01,XA,2024,seen_on_time,40,100,40.0,MADE-UP\n"
          "A02,XA,2024,seen_on_time,500,1000,50.0,MADE-UP\n"
          "A03,XA,2024,seen_on_time,2100,3000,70.0,MADE-UP\n"
          "B01,XB,2024,seen_on_time,90,100,90.0,MADE-UP\n"
          "B02,XB,2024,seen_on_time,160,200,80.0,MADE-UP\n")
SERIES_SCHEMA = {"fields": [
    {"name": "geography", "type": "string", "constraints": {"required": True}},
    {"name": "case", "type": "string", "constraints": {"required": True}},
    {"name": "year", "type": "integer"},
    {"name": "indicator", "type": "string"},
    {"name": "numerator", "type": "number"},
    {"name": "denominator", "type": "number"},
    {"name": "value", "type": "number"},
    {"name": "source_id", "type": "string", "constraints": {"required": True}}],
    "primaryKey": ["geography", "year", "indicator"]}


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with only the made-up study's files, and the package pointed at it."""
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    for name, text in (("sources.csv", SOURCES), ("cases.csv", CASES),
                       ("units.csv", UNITS), ("series.csv", SERIES)):
        (raw / name).write_text(text, encoding="utf-8")
    real = data.read_manifest(REPO_RAW)
    units_schema = copy.deepcopy(data.resource("units", real)["schema"])
    units_schema["fields"][0]["constraints"].pop("pattern")
    units_schema["fields"][4]["constraints"].pop("enum")
    resources = [copy.deepcopy(data.resource(n, real)) for n in ("sources", "cases")]
    resources += [{"name": "units", "path": "units.csv", "schema": units_schema},
                  {"name": "series", "path": "series.csv", "schema": SERIES_SCHEMA}]
    manifest = {"name": "made-up-study", "resources": [
        {k: v for k, v in r.items() if k != "recipe"} for r in resources]}
    (raw / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv("CASESTUDY_ROOT", str(tmp_path))
    monkeypatch.setenv("CASESTUDY_RAW_DIR", str(raw))
    data.rehash(raw=raw)
    assert data.validate(raw) == []
    return raw


def test_a_study_of_other_cases_edits_files_not_code(study):
    assert cases.codes() == ("XA", "XB")
    assert cases.label("A02") == "Made-up district 2"
    assert cases.palette(["B01"]) == {"B01": "#F0E442"}
    assert cases.case_for_state("XXA") == "XA"
    series = data.load("series")  # the loader types case by the study's own registry
    assert list(series["case"].cat.categories) == ["XA", "XB"]
    gaps = unit_compare.gap_to_case_mean(series, time="year").set_index("geography")
    assert gaps.loc["A01", "case_mean"] == pytest.approx(160 / 3)
    assert gaps.loc["B01", "case_mean"] == 85.0
    ax = plots.funnel(series[series["case"] == "XA"], x="denominator", y="numerator")
    assert sorted(t.get_text() for t in ax.texts) == [
        "Made-up district 1", "Made-up district 2", "Made-up district 3"]
    assert any("Test team (2026)" in t.get_text() for t in ax.figure.texts)
    fig = plots.trend_grid(series, hue="geography", status=None, source=None)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "Made-up district 1", "Made-up district 2", "Made-up district 3",
        "Made-up area 1", "Made-up area 2"]
    plt.close("all")


def test_the_shipped_registry_returns_when_the_study_folder_is_left(study, monkeypatch):
    assert cases.codes() == ("XA", "XB")
    monkeypatch.delenv("CASESTUDY_RAW_DIR")
    monkeypatch.delenv("CASESTUDY_ROOT")
    assert cases.codes() == ("NL", "IT", "SCO", "ENG")


@pytest.mark.parametrize(("row", "message"), [
    ("A04,A01,Made-up district 4,region,XA,ZZ9,,,,MADE-UP\n", "parent 'ZZ9' is not"),
    ("B03,A01,Made-up area 3,region,XB,,,,,MADE-UP\nA05,B03,x,region,XB,,,,,MADE-UP\n",
     "'B03' is the unit_id of one unit and a code of unit 'A01'"),
    ("C01,C01,Made-up elsewhere,region,XC,,,,,MADE-UP\n", "unknown case code 'XC'"),
])
def test_a_broken_units_file_is_refused(study, row, message):
    (study / "units.csv").write_text(UNITS + row, encoding="utf-8")
    data.rehash(["units"], raw=study)
    with pytest.raises(CaseStudyError, match=message):
        cases.label("A01")


def test_cases_of_one_state_must_agree_on_its_name_and_colour(study):
    two_in_one = CASES.replace("XXB,Made-up state B,#F0E442", "XXA,Made-up state A,#F0E442")
    (study / "cases.csv").write_text(two_in_one, encoding="utf-8")
    data.rehash(["cases"], raw=study)
    with pytest.raises(CaseStudyError, match=r"row 3, column 'state_colour'.*state XXA"):
        cases.codes()

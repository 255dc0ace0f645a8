"""The case registry: one place for codes, names, ISO codes, systems and colours."""

from __future__ import annotations

import re

import pytest

from casestudy import cases
from casestudy.errors import CaseStudyError


def test_four_cases_in_registry_order():
    assert cases.codes() == ("NL", "IT", "SCO", "ENG")
    assert [cases.get(c).name for c in cases.codes()] == [
        "Netherlands", "Italy", "Scotland", "England"]


@pytest.mark.parametrize(("code", "iso3", "iso2"), [
    ("NL", "NLD", None), ("IT", "ITA", None), ("SCO", "GBR", "GB-SCT"),
    ("ENG", "GBR", "GB-ENG")])
def test_iso_codes(code, iso3, iso2):
    case = cases.get(code)
    assert (case.state_iso3, case.iso3166_2) == (iso3, iso2)


def test_integrated_system_names():
    assert "integration joint boards" in cases.get("SCO").system_body.lower()
    assert "integrated care systems" in cases.get("ENG").system.lower()


def test_colours_are_distinct_and_from_the_okabe_ito_palette():
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    colours = [cases.get(c).colour for c in cases.codes()]
    assert set(colours) <= okabe_ito and len(set(colours)) == 4
    assert set(cases.palette(cases.STATES).values()) <= okabe_ito


def test_uk_is_labelled_as_the_uk_and_belongs_to_no_case():
    assert cases.label("GBR") == "United Kingdom (Scotland and England)"
    assert cases.case_for_state("GBR") is None
    assert cases.case_for_state("NLD") == "NL"


def test_palette_and_order():
    assert all(re.fullmatch(r"#[0-9A-F]{6}", v) for v in cases.palette().values())
    assert list(cases.palette(["ENG", "NL"])) == ["ENG", "NL"]
    assert cases.order(["GBR", "ENG", "NL"]) == ["NL", "ENG", "GBR"]


def test_unknown_codes_raise_with_the_known_ones():
    with pytest.raises(CaseStudyError, match="expected one of NL, IT, SCO, ENG"):
        cases.get("UK")
    with pytest.raises(CaseStudyError, match="unknown case code 'XX'"):
        cases.categorical(["NL", "XX"])
    with pytest.raises(CaseStudyError, match="no colour"):
        cases.palette(["FRA"])


def test_categorical_sorts_in_registry_order():
    cat = cases.categorical(["ENG", "NL", "SCO"])
    assert list(cat.sort_values()) == ["NL", "SCO", "ENG"]


# --------------------------------------------------------------------------- units

def test_unit_codes_are_accepted_like_case_codes():
    assert cases.label("S08000018") == cases.label("S08000029") == "NHS Fife"
    assert cases.label("QXU") == "NHS Surrey Heartlands Integrated Care Board"
    assert cases.palette(["E54000052", "S37000014", "010-201"]) == {
        "E54000052": cases.get("ENG").colour, "S37000014": cases.get("SCO").colour,
        "010-201": cases.get("IT").colour}
    assert cases.order(["E54000052", "GBR", "S12000005", "S08000015", "IT", "nope"]) == [
        "IT", "GBR", "S08000015", "S12000005", "E54000052"]


def test_recoded_units_share_one_unit_id():
    assert cases.unit_ids(["E54000052", "E54000063", "QXU", "S08000021"]).tolist() == [
        "QXU", "QXU", "QXU", "S08000031"]
    assert cases.unit("QXU").unit == "E54000063"  # the latest code
    assert cases.unit("S08000018").end.isoformat() == "2018-02-01"
    assert cases.case_of("S37000005") == "SCO" and cases.case_of("NL") == "NL"
    with pytest.raises(CaseStudyError, match=r"1 code.*XX1"):
        cases.unit_ids(["S08000018", "XX1"])


def test_units_filter_by_case_and_kind():
    icbs = cases.units("ENG", kind="icb")
    assert icbs["unit_id"].nunique() == 42 and set(icbs["case"]) == {"ENG"}
    assert cases.units("NL").empty
    with pytest.raises(CaseStudyError, match="unknown kind of unit 'ward'"):
        cases.units(kind="ward")


def test_latest_codes_and_children():
    latest = cases.units("ENG", kind="icb", latest=True)
    assert len(latest) == 42
    assert {"E54000063", "E54000064"} <= set(latest["unit"])
    assert not {"E54000052", "E54000053"} & set(latest["unit"])
    assert len(cases.units("SCO", kind="council_area", latest=True)) == 32
    # Partnerships sharing a board: Greater Glasgow and Clyde has six, by either board code.
    assert len(cases.children("S08000021")) == len(cases.children("S08000031")) == 6
    assert cases.children("S37000005") == ["S12000005", "S12000030"]

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

"""The case base: the committed facts and the comparison functions."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from casestudy import casebase, cases, sources
from casestudy.errors import CaseStudyError

FACT_SHEET = Path(__file__).resolve().parents[2] / "shared" / "reference" / "case-facts.md"


@pytest.fixture(scope="module")
def facts() -> pd.DataFrame:
    return casebase.load_casebase()


def test_at_least_fifteen_facts_per_case_each_cited(facts):
    counts = facts["case"].value_counts()
    assert all(counts[c] >= 15 for c in cases.codes())
    listed = set(sources.table()["source_id"])
    assert set(sources.split_ids(facts["source_id"])) <= listed


def test_profile_has_one_fact_per_case_for_each_profile_attribute(facts):
    for dimension, attribute in casebase.PROFILE:
        sub = facts[(facts["dimension"] == dimension) & (facts["attribute"] == attribute)]
        assert sorted(sub["case"].astype(str)) == sorted(cases.codes()), attribute


def test_facts_the_sheet_marks_unverified_stay_unverified(facts):
    marked_u = facts["sheet_code"].str.fullmatch(r"U")
    assert (facts.loc[marked_u, "confidence"] == "U").all()
    assert marked_u.any()


def test_unverified_highland_change_is_u(facts):
    highland = facts[facts["value"].str.contains("Highland councillors", na=False)]
    assert list(highland["confidence"]) == ["U"]


@pytest.mark.skipif(not FACT_SHEET.is_file(), reason="shared/reference/case-facts.md absent")
def test_every_cited_id_is_in_the_fact_sheet_source_list(facts):
    sheet = FACT_SHEET.read_text(encoding="utf-8")
    listed = set(re.findall(r"^- \*\*([A-Z]\d+)\*\*", sheet, flags=re.M))
    assert set(sources.split_ids(facts["source_id"])) <= listed


def _toy() -> pd.DataFrame:
    return pd.DataFrame({
        "case": cases.categorical(["ENG", "NL", "NL", "SCO"]),
        "dimension": ["legal_basis"] * 4,
        "attribute": ["law", "law", "law", "other"],
        "value": ["Act 2022", "Wmo 2015", "Jeugdwet", "x"],
        "date": ["2022-04-28", "2015", None, "2014-04"],
        "event": ["Act", None, None, "Scot Act"],
        "source_id": ["E3", "N1;N2", "N1", "S1"],
        "confidence": ["V", "V", "U", "S"],
        "tier": ["national"] * 4,
    })


def test_compare_joins_facts_marks_unverified_and_leaves_gaps_empty():
    table = casebase.compare("legal_basis", facts=_toy())
    assert list(table.index) == ["Netherlands", "Italy", "Scotland", "England"]
    assert table.loc["Netherlands", "law"] == "Wmo 2015 [N1, N2] | Jeugdwet (unverified) [N1]"
    assert table.loc["Italy", "law"] == ""
    assert table.loc["England", "other"] == ""


def test_compare_rejects_unknown_dimension():
    with pytest.raises(CaseStudyError, match="no facts for dimension"):
        casebase.compare("weather", facts=_toy())


def test_timeline_pads_partial_dates_and_keeps_events_only():
    tl = casebase.timeline(facts=_toy())
    assert list(tl["event"]) == ["Scot Act", "Act"]
    assert list(tl["date"]) == [pd.Timestamp("2014-04-01"), pd.Timestamp("2022-04-28")]
    assert list(tl["precision"]) == ["month", "day"]
    every = casebase.timeline(facts=_toy(), events_only=False, since=2015)
    assert list(every["event"]) == ["law", "Act"]

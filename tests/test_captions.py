"""Numbering of tables and figures per report, and source notes that link to References."""

from __future__ import annotations

import pytest

from casestudy import captions
from casestudy.errors import CaseStudyError


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASESTUDY_NOTEBOOK", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    captions.reset()


def test_number_from_builder_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASESTUDY_NOTEBOOK", "03_evidence")
    assert [captions.next_number("table") for _ in range(3)] == ["3.1", "3.2", "3.3"]
    # Figures are counted separately from tables.
    assert captions.next_number("figure") == "3.1"


def test_lab_session_path_is_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/casestudy/notebooks/12_lessons.ipynb")
    assert captions.report_number() == 12
    monkeypatch.setenv("CASESTUDY_NOTEBOOK", "04_qca")
    assert captions.report_number() == 4


def test_no_prefix_outside_a_numbered_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JPY_SESSION_NAME", "scratch.ipynb")
    assert captions.next_number("table") == "1"
    assert captions.anchor("tbl", "1") == "tbl-1"


def test_anchor_replaces_the_dot() -> None:
    assert captions.anchor("fig", "10.12") == "fig-10-12"


def test_source_ids_split_dedupe_in_study_order() -> None:
    # The order of sources.csv (E, S, N, I, statistics), numbers as numbers: E3 before E10.
    assert captions.source_ids(["N2;E10", "E3", None, "S2 ; E10", "WB-WDI", "I1"]) == [
        "E3", "E10", "S2", "N2", "I1", "WB-WDI"]


def test_unknown_source_id_is_named() -> None:
    with pytest.raises(CaseStudyError, match=r"ZZ9 not in data/raw/sources\.csv"):
        captions.source_ids(["E1", "ZZ9"])


def test_sources_sentence_links_every_id() -> None:
    assert captions.sources_sentence(["E3", "N2"]) == (
        'Sources: <a class="cite" href="#ref-E3">E3</a>, '
        '<a class="cite" href="#ref-N2">N2</a>.')
    assert captions.sources_sentence([]) == ""

"""Lessons and the synthesis: a hand-worked lessons table, bad input, the committed lessons."""

from __future__ import annotations

import dataclasses
import json
import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casestudy import data, synthesis
from casestudy.errors import DataValidationError
from casestudy.synthesis import STATUS, Known, Lessons, example_lesson

G = "@06_governance#tbl-6-1"


def _known() -> Known:
    base = Known.example()
    ev = pd.DataFrame({
        "segment_id": ["SCO-1", "SCO-2", "ENG-1", "NL-1", "IT-1"],
        "case": ["SCO", "SCO", "ENG", "NL", "IT"],
        "tier": ["local-strategic", "local-strategic", "local-strategic", "regional",
                 "frontline"],
        "perspective": ["scrutiny body", "scrutiny body", "independent researchers",
                        "commissioner or funder", "regulator or inspector"],
        "direction": ["facilitator", "barrier", "barrier", "barrier", "barrier"],
        "text": ["Budgets delegated", "Set-aside not enacted", "Budgets vary",
                 "Walls between laws", "Few staffed community houses"],
        "source_id": ["S1", "S3", "E20", "N22;N14", "I6"]})
    return dataclasses.replace(base, evidence=ev)


@pytest.fixture
def known() -> Known:
    return _known()


def _lessons() -> pd.DataFrame:
    """Three lessons worked by hand (see the expected joint display below)."""
    return pd.DataFrame([
        # L01: evidence 1 for + 1 against (partial), governance 1 for (agreement),
        # configurations 1 for (agreement) -> agreement 2, partial 1, score 2.5
        example_lesson(results_for=f"governance:SCO:pooled_budget_holder{G};"
                                   "qca:intermediate:POOL*STABLE@04_qca#fig-4-3"),
        # L02: evidence 2 for (agreement), context 1 for (agreement), impact 1 against
        # (dissonance) -> score 1.0
        example_lesson(lesson_id="L02", audience="regional bodies", tier="regional",
                       holds_in="NL;ENG", not_in="SCO", england="has",
                       evidence_for="NL-1;ENG-1", evidence_against="",
                       results_for="indicator:beds_per_1000@02_context#fig-2-3",
                       results_against="impact:its:phs_ae_scotland:ae_within_4_hours_pct:"
                                       "2016-04@05_impact#fig-5-2",
                       source_id="E20;N14;N22"),
        # L03: England only; evidence 1 for (agreement), governance 1 for and 1 against
        # (partial) -> score 1.5
        example_lesson(lesson_id="L03", audience="frontline leaders", tier="frontline",
                       holds_in="ENG", england="lacks", evidence_for="ENG-1",
                       evidence_against="",
                       results_for=f"governance:ENG:pooled_budget_holder{G}",
                       results_against=f"governance:SCO:pooled_budget_holder{G}",
                       source_id="E20"),
    ])


def test_joint_display_by_hand(known):
    jd = Lessons.from_frame(_lessons(), known).joint_display()
    cells = jd.table().set_index(["lesson_id", "strand"])
    assert len(cells) == 3 * len(synthesis.STRANDS)
    assert cells.loc[("L01", "evidence"), ["n_for", "n_against", "support"]].tolist() == [
        1, 1, "partial agreement"]
    assert cells.loc[("L01", "configurations"), "refs_for"] == "qca:intermediate:POOL*STABLE"
    assert cells.loc[("L01", "impact"), "support"] == "silence"
    assert cells.loc[("L02", "impact"), ["n_for", "n_against", "support"]].tolist() == [
        0, 1, "dissonance"]
    assert cells.loc[("L03", "governance"), "support"] == "partial agreement"
    wide = jd.matrix()
    assert list(wide.columns) == list(synthesis.STRANDS)
    assert wide.loc["L01"].tolist() == ["1 for, 1 against", "1 for", "1 for", "–", "–"]
    assert wide.loc["L02"].tolist() == ["2 for", "–", "–", "1 for", "1 against"]
    assert "<table" in jd._repr_html_() and "L03" in repr(jd)


def test_strength_by_hand(known):
    got = Lessons.from_frame(_lessons(), known).strength().set_index("lesson_id")
    assert list(got.index) == ["L01", "L03", "L02"]  # 2.5, 1.5, 1.0
    assert got.loc["L01", ["strands_for", "strands_against", "agreement", "partial",
                           "dissonance", "silence", "refs_for", "refs_against"]
                   ].tolist() == [3, 1, 2, 1, 0, 2, 3, 1]
    assert got["score"].tolist() == [2.5, 1.5, 1.0]
    assert got.loc["L02", ["strands_for", "strands_against", "dissonance"]].tolist() == \
        [2, 1, 1]
    assert got["rank"].tolist() == [1, 2, 3]


@settings(max_examples=25, deadline=None)
@given(st.permutations(range(3)))
def test_strength_and_display_do_not_depend_on_row_order(order):
    known, frame = _known(), _lessons()
    base = Lessons.from_frame(frame, known)
    shuffled = Lessons.from_frame(frame.iloc[list(order)], known)
    pd.testing.assert_frame_equal(base.strength(), shuffled.strength())
    cells = base.joint_display().table().sort_values(["lesson_id", "strand"])
    other = shuffled.joint_display().table().sort_values(["lesson_id", "strand"])
    pd.testing.assert_frame_equal(cells.reset_index(drop=True), other.reset_index(drop=True))


def test_transfer_to_england(known):
    out = Lessons.from_frame(_lessons(), known).transfer().set_index("lesson_id")
    # L01 holds in Scotland, England could have its condition; L02 holds in NL and England
    # has it; L03 holds in England only (and England lacks the condition).
    assert out["transfers"].to_dict() == {"L01": True, "L02": True, "L03": False}
    assert out.loc["L02", "holds_in_other"] == "NL"
    assert out.loc["L03", "holds_in_other"] == ""


def test_trail_lists_segments_with_texts_sources_and_report_links(known):
    trail = Lessons.from_frame(_lessons(), known).trail("L01")
    table = trail.table()
    seg = table[table["strand"] == "evidence"]
    assert seg[["stance", "ref", "text", "source_id"]].values.tolist() == [
        ["for", "SCO-1", "Budgets delegated", "S1"],
        ["against", "SCO-2", "Set-aside not enacted", "S3"]]
    res = table[table["strand"] != "evidence"].set_index("strand")
    assert res.loc["governance", "shown_in"] == "[Table 6.1](06_governance.html#tbl-6-1)"
    assert res.loc["governance", "text"] == "pooled_budget_holder = 1 (Scotland)"
    assert res.loc["configurations", "shown_in"] == "[Figure 4.3](04_qca.html#fig-4-3)"
    assert "ILLUSTRATIVE CODING" in res.loc["configurations", "text"]
    page = trail._repr_html_()
    assert '<a href="06_governance.html#tbl-6-1">Table 6.1</a>' in page
    assert STATUS in page and "Hand-made example." in page
    assert "[against] evidence SCO-2" in repr(trail)
    ax = trail.plot()
    widths = sorted(float(p.get_width()) for p in ax.patches if p.get_width())
    assert widths == [-1.0, 1.0, 1.0, 1.0]
    plt.close("all")
    with pytest.raises(synthesis.CaseStudyError, match="no lesson 'L99'"):
        Lessons.from_frame(_lessons(), known).trail("L99")


def test_joint_display_plot_shows_support_and_counts(known):
    lessons = Lessons.from_frame(_lessons(), known)
    ax = lessons.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["L01", "L02", "L03"]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(synthesis.STRANDS)
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == sorted(["+1 / −1", "+1", "+1", "+2", "+1", "−1", "+1", "+1 / −1"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "agreement (for only)" and len(legend) == 4
    plt.close("all")


def test_by_audience_and_tier_shows_every_level(known):
    grid = Lessons.from_frame(_lessons(), known).by_audience_and_tier()
    assert list(grid.index) == list(synthesis.AUDIENCES)
    assert list(grid.columns) == ["national", "regional", "local-strategic", "frontline"]
    assert int(grid.to_numpy().sum()) == 3
    assert grid.loc["regional bodies", "regional"] == 1


# --------------------------------------------------------------------------- bad input

def _problems(frame: pd.DataFrame, known: Known) -> list[str]:
    with pytest.raises(DataValidationError) as err:
        Lessons.from_frame(frame, known, file="lessons.csv")
    return [str(p) for p in err.value.problems]


def test_one_strand_lesson_is_an_error(known):
    frame = pd.DataFrame([example_lesson(results_for="")])
    (msg,) = _problems(frame, known)
    assert msg.startswith("lessons.csv, row 2, column 'results_for': the lesson rests")
    assert "rests on 1 strand(s) (evidence)" in msg and "at least two of evidence" in msg


@pytest.mark.parametrize(("change", "column", "found", "expected"), [
    ({"evidence_for": "SCO-9"}, "evidence_for", "'SCO-9'", "not in data/raw/evidence.csv"),
    ({"holds_in": "SCO;WAL"}, "holds_in", "'WAL'", "NL, IT, SCO, ENG"),
    ({"tier": "place"}, "tier", "'place'", "national; regional; local-strategic; frontline"),
    ({"audience": "everyone"}, "audience", "'everyone'", "national policymakers"),
    ({"results_for": f"governance:SCO:pooled{G}"}, "results_for", "pooled",
     "measures of SCO: pooled_budget_holder"),
    ({"results_for": f"governance:WAL:pooled_budget_holder{G}"}, "results_for", "WAL",
     "measures of WAL: none"),
    ({"results_for": "qca:intermediate:MONEY@04_qca#fig-4-3"}, "results_for", "'MONEY'",
     "terms: POOL*STABLE"),
    ({"results_for": "qca:best:POOL*STABLE@04_qca#fig-4-3"}, "results_for", "qca:best",
     "solution one of conservative"),
    ({"results_for": "indicator:nurses@02_context#fig-2-1"}, "results_for", "nurses",
     "beds_per_1000"),
    ({"results_for": "impact:its:phs_ae_scotland:waits@05_impact#fig-5-2"}, "results_for",
     "'waits'", "phs_ae_scotland:ae_within_4_hours_pct"),
    ({"results_for": "impact:its:phs_ae_scotland:ae_within_4_hours_pct:2030-01"
                     "@05_impact#fig-5-2"}, "results_for", "2030-01", "2007-07 to 2025-02"),
    ({"results_for": "governance:SCO:pooled_budget_holder"}, "results_for",
     "governance:SCO:pooled_budget_holder", "@NN_name#fig-N-M"),
    ({"results_for": "governance:SCO:pooled_budget_holder@09_other#tbl-9-1"}, "results_for",
     "09_other", "which does not exist"),
    ({"results_for": "governance:SCO:pooled_budget_holder@06_governance#tbl-5-1"},
     "results_for", "tbl-5-1", "6.M"),
    ({"results_for": "policy:more-money@06_governance#tbl-6-1"}, "results_for", "'policy'",
     "governance:, qca:, indicator:, impact:"),
    ({"source_id": "S1"}, "source_id", "'S1'", "S1;S3"),
    ({"status": "finding"}, "status", "'finding'", STATUS),
    ({"not_in": "SCO"}, "not_in", "'SCO'", "both holds_in and not_in"),
])
def test_bad_input_names_row_column_value_and_expectation(known, change, column, found,
                                                          expected):
    frame = pd.DataFrame([example_lesson(), example_lesson(lesson_id="L02", **change)])
    messages = _problems(frame, known)
    hits = [m for m in messages if m.startswith(f"lessons.csv, row 3, column '{column}'")]
    assert hits, messages
    assert any(found in m and expected in m for m in hits), hits


def test_every_problem_is_reported_at_once_and_nothing_is_returned(known):
    frame = pd.DataFrame([example_lesson(tier="place", evidence_for="SCO-9",
                                         lesson_id="L01"),
                          example_lesson(lesson_id="L01")])
    msgs = _problems(frame, known)
    assert any("column 'tier'" in m for m in msgs)
    assert any("column 'evidence_for'" in m for m in msgs)
    assert any("row 3, column 'lesson_id'" in m and "more than once" in m for m in msgs)
    missing = pd.DataFrame([example_lesson()]).drop(columns=["rationale"])
    (msg,) = _problems(missing, known)
    assert "column 'rationale'" in msg and "missing" in msg


def test_anchor_link_and_parse_ref():
    assert synthesis.anchor_link("02_context#tbl-2-10") == \
        "[Table 2.10](02_context.html#tbl-2-10)"
    with pytest.raises(synthesis.CaseStudyError, match="not a report anchor"):
        synthesis.anchor_link("02_context#figure-1")
    ref = synthesis.parse_ref("impact:spc:phs_delayed_discharge:delayed_bed_days"
                              "@05_impact#fig-5-1")
    assert (ref.strand, ref.shown_in) == ("impact", "05_impact#fig-5-1")


# --------------------------------------------------------------------------- committed data

def test_lessons_schema_matches_the_module():
    res = data.resource("lessons", data.read_manifest())
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    assert tuple(fields) == synthesis.COLUMNS
    assert tuple(fields["audience"]["constraints"]["enum"]) == synthesis.AUDIENCES
    assert tuple(fields["england"]["constraints"]["enum"]) == synthesis.ENGLAND
    assert fields["status"]["constraints"]["enum"] == [STATUS]
    assert "not a finding of its own" in res["title"]


@pytest.fixture(scope="module")
def committed() -> Lessons:
    pytest.importorskip("casestudy.governance", reason="governance measures are needed")
    return synthesis.load_lessons()


def test_committed_lessons_validate_and_cover_tiers_and_audiences(committed):
    table = committed.table()
    assert len(table) >= 12
    assert set(table["tier"].astype(str)) == set(synthesis.TIERS)
    assert set(table["audience"].astype(str)) == set(synthesis.AUDIENCES)
    assert (table["status"] == STATUS).all()
    strength = committed.strength()
    assert (strength["strands_for"] >= 2).all()
    assert committed.transfer()["transfers"].any()


def test_committed_anchors_exist_in_their_notebooks(committed):
    """Each anchor's number is at most the figures (or tables) its notebook shows, counting
    ``plots.show``/``tables.show`` calls; notebooks not yet on the report contract skip."""
    root = data.project_root() / "notebooks"
    calls = {}
    for path in root.glob("*.ipynb"):
        code = "\n".join("".join(c["source"]) for c in
                         json.loads(path.read_text(encoding="utf-8"))["cells"]
                         if c["cell_type"] == "code")
        calls[path.stem] = {"fig": len(re.findall(r"\bplots\.show\(", code)),
                            "tbl": len(re.findall(r"\btables\.show\(", code))}
    for anchor in committed.links()["shown_in"].dropna().unique():
        nb, _, ident = anchor.partition("#")
        kind, _, m = ident.split("-")
        if not sum(calls[nb].values()):
            continue
        assert int(m) <= calls[nb][kind], f"{anchor}: {nb} shows {calls[nb][kind]} {kind}"


@settings(max_examples=20, deadline=None)
@given(st.randoms(use_true_random=False))
def test_support_does_not_depend_on_the_order_of_references_in_a_cell(rnd):
    known, frame = _known(), _lessons()
    shuffled = frame.copy()
    for col in ("evidence_for", "evidence_against", "results_for", "results_against"):
        parts = [cell.split(";") if cell else [] for cell in shuffled[col]]
        for p in parts:
            rnd.shuffle(p)
        shuffled[col] = [";".join(p) for p in parts]
    cols = ["lesson_id", "strand", "n_for", "n_against", "support"]
    a = Lessons.from_frame(frame, known).joint_display().table()[cols]
    b = Lessons.from_frame(shuffled, known).joint_display().table()[cols]
    pd.testing.assert_frame_equal(a, b)


def test_contrary_gathers_every_reference_against(known):
    out = Lessons.from_frame(_lessons(), known).contrary()
    assert out[["lesson_id", "strand", "ref"]].values.tolist() == [
        ["L01", "evidence", "SCO-2"],
        ["L02", "impact", "impact:its:phs_ae_scotland:ae_within_4_hours_pct:2016-04"],
        ["L03", "governance", "governance:SCO:pooled_budget_holder"]]
    assert out.loc[0, "text"] == "Set-aside not enacted"
    assert out.loc[1, "shown_in"] == "[Figure 5.2](05_impact.html#fig-5-2)"
    assert (out["stance"] == "against").all()


def test_every_support_level_has_a_fill_and_a_greyscale_cue():
    from casestudy.plots.synthesis import SUPPORT_STYLE

    assert tuple(SUPPORT_STYLE) == synthesis.SUPPORT
    fills = [fill for fill, _, _ in SUPPORT_STYLE.values()]
    assert len(set(fills)) == len(fills)
    # the two mid-tone fills carry hatches, so they differ in greyscale print too
    assert SUPPORT_STYLE["partial agreement"][1] and SUPPORT_STYLE["dissonance"][1]
    assert SUPPORT_STYLE["partial agreement"][1] != SUPPORT_STYLE["dissonance"][1]

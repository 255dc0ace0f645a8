"""The shipped evidence table and demonstration project."""

from __future__ import annotations

import pandas as pd

from casestudy import cases, data, sources
from casestudy.qual import COLUMNS, DIRECTIONS, TIERS, load_evidence, read_qdpx
from casestudy.qual.demo import DEMO_SEGMENTS, demo_tables, write_demo_project


def test_evidence_validates_and_covers_every_case_and_tier():
    ev = load_evidence()
    assert len(ev) >= 80
    grid = pd.crosstab(ev["case"], ev["tier"])
    assert list(grid.index) == ["NL", "IT", "SCO", "ENG"]
    assert list(grid.columns) == list(TIERS)
    assert (grid.to_numpy() > 0).all()
    assert set(ev["direction"].dropna()) == {"facilitator", "barrier", "neutral"}
    assert (ev["coder"] == "casestudy documentary coding").all()
    assert ev["start"].isna().all()  # summaries, not spans of a source
    known = set(data.load_sources()["source_id"])
    cited = set(sources.split_ids(ev["source_id"]))
    assert cited <= known
    res = data.resource("evidence", data.read_manifest())
    assert set(res["source_ids"]) == cited


def test_demo_project_is_reproducible_and_reads_back(tmp_path):
    ev = load_evidence()
    shipped = data.raw_dir() / "demo_project.qdpx"
    rebuilt = write_demo_project(ev, tmp_path / "demo.qdpx")
    assert rebuilt.read_bytes() == shipped.read_bytes()
    project = read_qdpx(shipped)
    assert len(project.sources) == len(DEMO_SEGMENTS)
    themes = project.codings[~project.codings["code"].str.startswith("direction/")]
    wanted = ev.set_index("segment_id").loc[
        [s for _, _, segs in DEMO_SEGMENTS.values() for s in segs]]
    assert sorted(themes["text"]) == sorted(wanted["text"])
    back = project.to_evidence()
    assert set(back["case"].astype(str)) == {"NL", "IT", "SCO", "ENG"}
    sco = back[back["case"] == "SCO"]
    assert set(sco["tier"].astype(str)) == {"local-strategic"}


def test_tiers_directions_and_columns_match_the_evidence_schema():
    fields = {f["name"]: f for f in data.resource("evidence", data.read_manifest())
              ["schema"]["fields"]}
    assert tuple(fields) == COLUMNS
    assert tuple(fields["tier"]["constraints"]["enum"]) == TIERS
    assert tuple(fields["direction"]["constraints"]["enum"]) == DIRECTIONS
    assert tuple(fields["case"]["constraints"]["enum"]) == cases.codes()


def test_load_evidence_types_case_tier_and_direction_in_study_order():
    ev = load_evidence()
    for col, levels in (("case", cases.codes()), ("tier", TIERS), ("direction", DIRECTIONS)):
        assert ev[col].dtype == pd.CategoricalDtype(list(levels), ordered=True), col


def test_demo_tables_takes_its_segments_without_touching_the_module():
    ev = load_evidence()
    before = dict(DEMO_SEGMENTS)
    src, cod, cas = demo_tables(ev, segments={"I9": ("IT", "national", ("IT-016",))})
    assert before == DEMO_SEGMENTS
    assert src["source"].tolist() == ["I9 findings, as summarised by the project"]
    seg = ev.set_index("segment_id").loc["IT-016"]
    assert cod.loc[0, ["code", "start", "end"]].tolist() == [seg["theme"], 0, len(seg["text"])]
    assert cas[["case", "tier", "source_id"]].values.tolist() == [["Italy", "national", "I9"]]
    assert len(demo_tables(ev)[0]) == len(DEMO_SEGMENTS)


def test_every_segment_has_a_perspective_and_stages_are_known():
    from casestudy.qual import PERSPECTIVES, STAGES

    ev = load_evidence()
    fields = {f["name"]: f for f in data.resource("evidence", data.read_manifest())
              ["schema"]["fields"]}
    assert tuple(fields["perspective"]["constraints"]["enum"]) == PERSPECTIVES
    assert fields["perspective"]["constraints"]["required"] is True
    assert tuple(fields["stage"]["constraints"]["enum"]) == STAGES
    assert ev["perspective"].notna().all()
    for col, levels in (("perspective", PERSPECTIVES), ("stage", STAGES)):
        assert ev[col].dtype == pd.CategoricalDtype(list(levels), ordered=True), col
    # The documentary record's gap the reports state: almost no service users' or carers'
    # voice and none of frontline staff; if coding adds them, the reports' numbers change.
    counts = ev["perspective"].value_counts()
    assert counts["frontline staff"] == 0
    assert counts["people who use services and carers"] == 1
    # Audit, inspection and monitoring segments are coded by who speaks in them.
    by_id = ev.set_index("segment_id")
    assert by_id.loc["SCO-007", "perspective"] == "scrutiny body"  # Audit Scotland
    assert by_id.loc["ENG-034", "perspective"] == "regulator or inspector"  # CQC
    assert by_id.loc["ENG-007", "perspective"] == "scrutiny body"  # NAO via Health Fdn
    assert by_id.loc["IT-008", "stage"] == "implementing"
    assert pd.isna(by_id.loc["ENG-001", "stage"])  # legislation is not improvement work

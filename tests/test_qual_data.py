"""The shipped evidence table and demonstration project."""

from __future__ import annotations

import pandas as pd

from casestudy import data, sources
from casestudy.qual import TIERS, load_evidence, read_qdpx
from casestudy.qual.demo import DEMO_SEGMENTS, write_demo_project


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

"""Governance maps: checks, measures on hand-built graphs, properties, committed data, maps."""

from __future__ import annotations

import shutil

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.patches import FancyArrowPatch

from casestudy import data, governance, plots
from casestudy.errors import CaseStudyError, DataValidationError
from casestudy.governance.measures import measures as raw_measures


def frames(bodies: list[tuple], relations: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bodies as (case, id, tier, sector); relations as (case, from, relation, to[, conf])."""
    b = pd.DataFrame(bodies, columns=["case", "body_id", "tier", "sector"]).assign(
        source_id="S1", short_name=lambda d: d["body_id"])
    rows = [r if len(r) == 5 else (*r, "V") for r in relations]
    r = pd.DataFrame(rows, columns=["case", "from_body", "relation", "to_body", "confidence"])
    r = r.assign(source_id="S1", sheet_code=r["confidence"])
    return b, r


def value(table: pd.DataFrame, measure: str, body: str | None = None, case: str = "SCO"):
    rows = table[(table["case"] == case) & (table["measure"] == measure)]
    rows = rows[rows["body"].isna()] if body is None else rows[rows["body"] == body]
    assert len(rows) == 1, (measure, body)
    return rows["value"].item()


# A small Scotland-like map, worked by hand: two funders from either side pool in the IJB.
HAND_BODIES = [("SCO", "SG", "national", "general"), ("SCO", "HB", "regional", "health"),
               ("SCO", "CO", "local-strategic", "social care"),
               ("SCO", "IJB", "local-strategic", "health and social care")]
HAND_RELATIONS = [("SCO", "HB", "funds", "IJB"), ("SCO", "CO", "funds", "IJB"),
                  ("SCO", "IJB", "accountable_to", "SG"), ("SCO", "HB", "accountable_to", "SG"),
                  ("SCO", "CO", "accountable_to", "SG"), ("SCO", "SG", "regulates", "HB"),
                  ("SCO", "IJB", "commissions", "HB"), ("SCO", "IJB", "commissions", "CO")]


@pytest.fixture
def hand() -> governance.Governance:
    return governance.from_frames(*frames(HAND_BODIES, HAND_RELATIONS))


def test_hand_worked_measures(hand):
    m = hand.measures()
    assert value(m, "funders", "IJB") == 2
    assert value(m, "pooled_budget", "IJB") == 1
    assert value(m, "pooled_budget", "HB") == 0  # commissioned, not funded, by the IJB
    assert value(m, "funders", "HB") == 1
    assert value(m, "fund_and_regulate", "HB") == 0  # SG regulates HB but pays nothing
    assert value(m, "accountability_lines", "IJB") == 1
    assert value(m, "accountability_steps", "IJB") == 1
    assert value(m, "bodies") == 4
    assert value(m, "bodies_local_strategic") == 2
    assert value(m, "relations_commissions") == 2
    assert value(m, "pooled_budget_holders") == 1
    assert value(m, "max_funders") == 2
    assert value(m, "bodies_with_several_funders") == 1
    assert value(m, "bodies_without_accountability_line") == 0
    # Every accountable_to points at SG, which pays no one; no payee answers to its payer.
    assert value(m, "accountability_without_money") == 3
    assert value(m, "money_without_accountability") == 4
    # Power: 2 funds + 2 commissions (payers), 1 regulates (SG), 3 answered-to (SG) = 8.
    assert value(m, "power_share_national") == pytest.approx(4 / 8)
    assert set(m.loc[m["body"].notna(), "body"]) == {"HB", "CO", "IJB"}  # not national SG


def test_accountability_lines_count_every_chain_and_survive_cycles():
    b, r = frames([("NL", "A", "frontline", "health"), ("NL", "B", "local-strategic", "health"),
                   ("NL", "C", "regional", "health"), ("NL", "D", "national", "health")],
                  [("NL", "A", "accountable_to", "B"), ("NL", "B", "accountable_to", "C"),
                   ("NL", "B", "accountable_to", "D"), ("NL", "C", "accountable_to", "D")])
    m = raw_measures(b, r)
    assert value(m, "accountability_lines", "A", "NL") == 2  # A-B-C-D and A-B-D
    assert value(m, "accountability_steps", "A", "NL") == 3
    assert value(m, "max_accountability_lines", case="NL") == 2
    b, r = frames([("NL", "A", "regional", "health"), ("NL", "B", "regional", "health")],
                  [("NL", "A", "accountable_to", "B"), ("NL", "B", "accountable_to", "A")])
    m = raw_measures(b, r)
    assert value(m, "accountability_lines", "A", "NL") == 1
    assert value(m, "accountability_steps", "B", "NL") == 1


def test_fund_and_regulate_pooling_and_agreements():
    b, r = frames([("IT", "G", "national", "general"), ("IT", "R", "regional", "health"),
                   ("IT", "M", "local-strategic", "social care"),
                   ("IT", "L", "local-strategic", "health"),
                   ("IT", "J", "local-strategic", "health and social care")],
                  [("IT", "G", "funds", "R"), ("IT", "G", "regulates", "R"),
                   ("IT", "R", "commissions", "L"), ("IT", "R", "inspects", "L"),
                   ("IT", "M", "funds", "L"),  # lead agency: a health body funded by social care
                   ("IT", "R", "funds", "J"),  # joint body funded by one side only
                   ("IT", "R", "agrees_with", "M"), ("IT", "R", "agrees_with", "L")])
    m = raw_measures(b, r)
    assert value(m, "fund_and_regulate", "R", "IT") == 1
    assert value(m, "fund_and_regulate", "L", "IT") == 1
    assert value(m, "fund_and_regulate_pairs", case="IT") == 2
    assert value(m, "pooled_budget", "R", "IT") == 0  # a general funder pools nothing
    assert value(m, "pooled_budget", "L", "IT") == 1
    assert value(m, "pooled_budget", "J", "IT") == 0
    assert value(m, "pooling_agreements", case="IT") == 1  # R-M joins the sides; R-L does not
    assert value(m, "funders", "L", "IT") == 2


def test_min_confidence_drops_weaker_relations():
    b, r = frames(HAND_BODIES, [("SCO", "HB", "funds", "IJB", "V"),
                                ("SCO", "CO", "funds", "IJB", "U")])
    assert value(raw_measures(b, r), "funders", "IJB") == 2
    assert value(raw_measures(b, r, min_confidence="S"), "funders", "IJB") == 1
    with pytest.raises(CaseStudyError, match="expected one of V, S, U"):
        raw_measures(b, r, min_confidence="X")


# --------------------------------------------------------------------------- properties

TIERS = ["national", "regional", "local-strategic", "frontline"]


@st.composite
def maps(draw):
    n = draw(st.integers(2, 7))
    bodies = [("ENG", f"B{i}", draw(st.sampled_from(TIERS)),
               draw(st.sampled_from(governance.SECTORS))) for i in range(n)]
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                    st.sampled_from(list(governance.RELATIONS))),
                          max_size=14, unique=True))
    rels = [("ENG", f"B{a}", kind, f"B{b}") for a, b, kind in pairs if a != b]
    return bodies, rels


@settings(max_examples=40, deadline=None)
@given(maps(), st.randoms(use_true_random=False))
def test_measures_do_not_depend_on_row_order(drawn, rnd):
    b, r = frames(*drawn)
    expected = raw_measures(b, r)
    shuffled = raw_measures(b.sample(frac=1, random_state=rnd.randrange(1000)),
                            r.sample(frac=1, random_state=rnd.randrange(1000)))
    pd.testing.assert_frame_equal(expected, shuffled)


@settings(max_examples=40, deadline=None)
@given(maps(), st.integers(0, 20))
def test_every_accepted_relation_has_both_endpoints(drawn, pick):
    b, r = frames(*drawn)
    gov = governance.from_frames(b, r)
    ids = set(gov.bodies["body_id"])
    assert set(gov.relations["from_body"]) <= ids and set(gov.relations["to_body"]) <= ids
    if len(r):
        broken = r.copy()
        row = pick % len(r)
        broken.loc[row, "to_body"] = "NOPE"
        problems = governance.check(b, broken)
        assert any(p.column == "to_body" and p.row == row + 2 and "'NOPE'" in p.message
                   for p in problems)


# --------------------------------------------------------------------------- bad input

def problems_for(bodies_edit=None, relations_edit=None) -> list[str]:
    b, r = frames(HAND_BODIES, HAND_RELATIONS)
    if bodies_edit:
        b = bodies_edit(b)
    if relations_edit:
        r = relations_edit(r)
    with pytest.raises(DataValidationError) as err:
        governance.from_frames(b, r, known_sources={"S1"})
    return [str(p) for p in err.value.problems]


def test_unknown_body_names_row_column_value_and_expected():
    msgs = problems_for(relations_edit=lambda r: r.assign(
        to_body=r["to_body"].where(r.index != 2, "SCO-X")))
    assert msgs == ["relations, row 4, column 'to_body': body 'SCO-X' is not a "
                    "body of case SCO in bodies (expected one of CO, HB, IJB, SG)"]


def test_relation_to_a_body_of_another_case_is_refused():
    def other(b):
        return pd.concat([b, pd.DataFrame([{"case": "ENG", "body_id": "ENG-ICB",
                                            "tier": "regional", "sector": "health",
                                            "source_id": "S1"}])], ignore_index=True)
    msgs = problems_for(other, lambda r: r.assign(to_body=r["to_body"].where(
        r.index != 0, "ENG-ICB")))
    assert any("'ENG-ICB'" in m and "belongs to case ENG" in m and "row 2" in m for m in msgs)


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda b: b.assign(tier=b["tier"].where(b.index != 1, "district")),
     "bodies, row 3, column 'tier': unknown tier 'district': expected one of national, "
     "regional, local-strategic, frontline"),
    (lambda b: b.assign(sector=b["sector"].where(b.index != 0, "education")),
     "bodies, row 2, column 'sector': unknown sector 'education'"),
    (lambda b: b.assign(case=b["case"].where(b.index != 0, "FR")),
     "bodies, row 2, column 'case': unknown case 'FR'"),
    (lambda b: b.assign(source_id=b["source_id"].where(b.index != 3, "")),
     "bodies, row 5, column 'source_id': no source id"),
    (lambda b: b.assign(source_id=b["source_id"].where(b.index != 3, "S1;Z9")),
     "bodies, row 5, column 'source_id': source id(s) 'Z9' not in sources.csv"),
    (lambda b: pd.concat([b, b.iloc[[0]]], ignore_index=True),
     "bodies, row 6, column 'body_id': body id 'SG' is repeated (first on row 2)"),
    (lambda b: b.drop(columns="tier"), "bodies, row 1, column 'tier': "),
])
def test_bad_bodies(edit, expected):
    assert any(m.startswith(expected) for m in problems_for(bodies_edit=edit)), expected


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda r: r.assign(relation=r["relation"].where(r.index != 0, "owns")),
     "relations, row 2, column 'relation': unknown relation 'owns': expected one of "
     "accountable_to, funds"),
    (lambda r: r.assign(to_body=r["to_body"].where(r.index != 0, "HB")),
     "relations, row 2, column 'to_body': "),
    (lambda r: pd.concat([r, r.iloc[[1]]], ignore_index=True),
     "relations, row 10: CO funds IJB is recorded twice (first on row 3)"),
    (lambda r: r.assign(confidence=r["confidence"].where(r.index != 0, "U")),
     "relations, row 2, column 'confidence': confidence 'U' but sheet code 'V'"),
    (lambda r: r.assign(source_id=r["source_id"].where(r.index != 4, None)),
     "relations, row 6, column 'source_id': no source id"),
    (lambda r: r.drop(columns="from_body"), "relations, row 1, column 'from_body'"),
])
def test_bad_relations(edit, expected):
    assert any(m.startswith(expected) for m in problems_for(relations_edit=edit)), expected


def test_not_a_dataframe():
    with pytest.raises(DataValidationError, match="expected a pandas DataFrame, got list"):
        governance.from_frames([], pd.DataFrame())


def test_committed_file_with_unknown_body_names_the_file(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(data.raw_dir(), raw)
    path = raw / "governance.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace("NL-NZA", "NL-NZX", 1)
    path.write_text("".join(lines), encoding="utf-8")
    data.rehash(["governance"], raw)
    with pytest.raises(DataValidationError) as err:
        governance.load(raw)
    assert str(err.value).startswith("data/raw/governance.csv, row 4, column 'from_body': "
                                     "body 'NL-NZX' is not a body of case NL "
                                     "in data/raw/governance_bodies.csv")


# --------------------------------------------------------------------------- committed data

@pytest.fixture(scope="module")
def committed() -> governance.Governance:
    return governance.load()


def test_committed_maps_cover_every_case_with_enough_bodies_and_relations(committed):
    counts = committed.counts().set_index("case")
    assert list(counts.index) == ["NL", "IT", "SCO", "ENG"]
    assert (counts["bodies"] >= 12).all() and (counts["relations"] >= 20).all()
    known = data.known_sources()
    for frame in (committed.bodies, committed.relations):
        cited = {s for cell in frame["source_id"] for s in cell.split(";")}
        assert cited <= known
    manifest = data.read_manifest()
    for name in ("governance_bodies", "governance"):
        assert data.validate_resource(data.resource(name, manifest),
                                      known_sources=known) == []


def test_committed_measures_carry_every_id(committed):
    m = committed.measures()
    assert set(m["measure"]) == set(governance.MEASURES)
    assert list(m.columns) == ["case", "measure", "body", "value"]
    assert m.loc[m["body"].isna()].groupby("case", observed=True).size().eq(
        len(governance.CASE_MEASURES)).all()
    # The fact sheet: only Scotland delegates budgets to a body holding both sides' money.
    holders = m[(m["measure"] == "pooled_budget") & (m["value"] == 1)]
    assert set(holders["body"]) == {"SCO-IJB", "SCO-NHSH"}
    table = committed.compare()
    assert list(table.columns) == ["measure", "meaning", "NL", "IT", "SCO", "ENG"]


def test_resolve_and_measure_ids(committed):
    m = committed.measures()
    assert governance.resolve("governance:ENG:relations", m) == 22
    assert governance.resolve("governance:SCO:funders:SCO-IJB", m) == 2
    assert len(governance.measure_ids()) == 4 * len(governance.CASE_MEASURES)
    for bad, msg in [("governance:FR:bodies", "unknown case 'FR'"),
                     ("gov:ENG:bodies", "expected 'governance:<CASE>:<measure>'"),
                     ("governance:ENG:funders:ENG-DHSC", "no value for body 'ENG-DHSC'")]:
        with pytest.raises(CaseStudyError, match=msg):
            governance.resolve(bad, m)


def test_table_repr_and_html(committed):
    table = committed.table()
    assert {"from_name", "from_tier", "to_name", "to_tier"} <= set(table.columns)
    assert table.loc[table["relation_id"] == "ENG-R04", "to_name"].item() == "ICB chair"
    assert repr(committed).startswith("Governance(NL 17 bodies/27 relations;")
    page = committed._repr_html_()
    assert "<strong>Governance maps of 4 case(s)</strong>" in page
    assert "relation types: accountable_to, funds," in page
    assert "<th>case</th><th>bodies</th><th>relations</th>" in page
    assert "<tr><td>NL</td><td>17</td><td>27</td>" in page


# --------------------------------------------------------------------------- maps

def test_map_draws_every_relation_with_distinct_styles(committed):
    ax = committed.plot("SCO")
    try:
        rels = committed.relations[committed.relations["case"] == "SCO"]
        assert sum(isinstance(p, FancyArrowPatch) for p in ax.patches) == len(rels)
        assert ax.get_title() == "Scotland"
        assert [t.get_text() for t in ax.get_yticklabels()] == [
            "Frontline", "Local-strategic", "Regional", "National"]
        shown = [t.get_text() for t in ax.get_legend().get_texts()]
        assert set(shown) == {r.replace("_", " ") for r in rels["relation"]}
    finally:
        plt.close(ax.figure)
    dashes = [s.dashes for s in governance.STYLES.values()]
    colours = [s.colour for s in governance.STYLES.values()]
    assert len(set(map(str, dashes))) == len(dashes) == len(governance.RELATIONS)
    assert len(set(colours)) == len(colours)


def test_maps_side_by_side_and_deterministic(committed, tmp_path):
    fig = committed.plot()
    assert [a.get_title() for a in fig.axes] == ["Netherlands", "Italy", "Scotland", "England"]
    assert len(fig.legends) == 1
    plt.close(fig)

    def svg(name):
        ax = committed.plot("IT")
        paths = plots.savefig(ax.figure, name, directory=tmp_path)
        plt.close(ax.figure)
        return paths[1].read_bytes()

    assert svg("a") == svg("b")


def test_map_refuses_bad_input(committed):
    with pytest.raises(CaseStudyError, match="pass case="):
        governance.governance_map(committed.relations, bodies=committed.bodies)
    with pytest.raises(CaseStudyError, match="column\\(s\\) 'relation' not in the data"):
        governance.governance_map(committed.relations.drop(columns="relation"),
                                  bodies=committed.bodies, case="NL")
    stray = committed.relations.assign(to_body="NL-NOPE")
    with pytest.raises(CaseStudyError, match="'NL-NOPE' not among the bodies of case NL"):
        governance.governance_map(stray, bodies=committed.bodies, case="NL")


def test_alt_text_lists_every_relation(committed):
    for case in ["NL", "IT", "SCO", "ENG"]:
        text = committed.alt(case)
        n = int((committed.relations["case"] == case).sum())
        assert f"and {n} relations" in text
        assert text.count(" → ") == n + 1  # the "(from → to, type)" key, then one per relation
    assert "NHS England → ICB chair (appoints)" in committed.alt("ENG")


def test_wide_views_and_sensitivity(hand):
    by_case = hand.by_case()
    assert list(by_case.columns) == ["case", *governance.CASE_MEASURES]
    assert by_case["pooled_budget_holders"].tolist() == [1.0]
    by_body = hand.by_body()
    assert list(by_body.columns) == ["case", "body", "name", "tier", *governance.BODY_MEASURES]
    assert by_body["body"].tolist() == ["HB", "CO", "IJB"]  # tier order, national SG left out
    # The council's funding of the IJB is coded S: without it the IJB pools nothing.
    b, r = frames(HAND_BODIES, HAND_RELATIONS)
    r.loc[1, ["confidence", "sheet_code"]] = "S"
    changed = governance.from_frames(b, r).sensitivity(min_confidence="V")
    row = changed[changed["measure"] == "pooled_budget_holders"]
    assert row[["value", "value_strict"]].values.tolist() == [[1.0, 0.0]]
    assert hand.source_ids() == ["S1"] and hand.source_ids("SCO") == ["S1"]


def test_relations_without_a_code_count_only_at_the_weakest_threshold():
    b, r = frames(HAND_BODIES, HAND_RELATIONS)
    gov = governance.from_frames(b, r.drop(columns=["confidence", "sheet_code"]))
    assert value(gov.measures(), "relations") == len(HAND_RELATIONS)
    assert value(gov.measures(min_confidence="S"), "relations") == 0


def test_generated_alt_text_calls_a_map_a_diagram(committed):
    from casestudy.plots import alt

    ax = committed.plot("NL")
    try:
        assert alt.describe(ax.figure).startswith("Network diagram titled Netherlands.")
    finally:
        plt.close(ax.figure)

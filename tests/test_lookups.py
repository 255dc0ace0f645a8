"""Official lookups → units.csv: counts per kind, recodes as one unit, the readers' door rules."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from casestudy import extract, lookups
from casestudy.errors import DataValidationError


@pytest.fixture(scope="module")
def built(shared_data) -> pd.DataFrame:
    _, _, content = extract.build("units", [shared_data])
    return pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)


def test_units_per_kind(built):
    counts = built.groupby(["case", "kind"]).agg(codes=("unit", "size"),
                                                 units=("unit_id", "nunique"))
    assert counts.to_dict("index") == {
        ("ENG", "icb"): {"codes": 44, "units": 42},
        ("ENG", "region"): {"codes": 7, "units": 7},
        ("IT", "asl"): {"codes": 180, "units": 180},
        ("IT", "region"): {"codes": 21, "units": 21},
        ("SCO", "council_area"): {"codes": 36, "units": 32},
        ("SCO", "health_board"): {"codes": 18, "units": 14},
        ("SCO", "hscp"): {"codes": 35, "units": 31},
    }


def test_icb_recodes_are_one_unit_joined_on_the_ods_code(built):
    icb = built.set_index("unit")
    assert icb.loc[["E54000052", "E54000063"], "unit_id"].tolist() == ["QXU", "QXU"]
    assert icb.loc[["E54000053", "E54000064"], "unit_id"].tolist() == ["QNX", "QNX"]
    assert icb.loc[["E54000052", "E54000063"], "vintages"].tolist() == ["ICB22", "ICB23"]
    assert icb.loc["E54000061", "vintages"] == "ICB22;ICB23"
    assert icb.loc["E54000061", "source_id"] == "ONS-ICB22;ONS-ICB23"
    assert icb.loc["E54000063", "name"] == "NHS Surrey Heartlands Integrated Care Board"


def test_icb_names_equal_the_ons_lookup(built, shared_data):
    ons = pd.read_csv(shared_data / "ons_sicbl23_icb23_nhser23_lookup_april2023.csv",
                      encoding="utf-8-sig", dtype=str)
    names = ons.drop_duplicates("ICB23CD").set_index("ICB23CD")["ICB23NM"]
    ours = built[built["kind"] == "icb"].set_index("unit")["name"]
    assert ours.reindex(names.index).tolist() == names.tolist()


def test_scottish_recodes_chain_by_name_and_dates(built):
    rows = built.set_index("unit")
    assert rows.loc["S08000018", ["unit_id", "end"]].tolist() == ["S08000029", "2018-02-01"]
    assert rows.loc["S08000029", "start"] == "2018-02-02"
    assert rows.loc["S08000021", "unit_id"] == "S08000031"
    # A partnership whose board was recoded keeps one parent: the board's unit_id.
    assert rows.loc["S37000011", "parent"] == "S08000031"
    assert rows.loc["S12000005", "parent"] == rows.loc["S12000030", "parent"] == "S37000005"
    assert rows.loc["S37000014", "unit_id"] == "S37000032"


def test_every_parent_is_a_unit_and_codes_are_never_reused(built):
    parents = set(built["parent"]) - {""}
    assert parents <= set(built["unit_id"])
    assert built["unit"].is_unique
    asl = built[built["kind"] == "asl"]
    assert set(asl["parent"]) <= set(built.loc[built["kind"] == "region", "unit"])
    assert asl.set_index("unit").loc["050-501", "vintages"] == "2017-2019"


def test_chain_refuses_a_name_without_consecutive_dates():
    frame = pd.DataFrame({"code": ["S08000001", "S08000002"], "name": ["NHS X", "NHS X"],
                          "start": pd.to_datetime(["2014-04-01", "2016-01-01"]),
                          "end": pd.to_datetime(["2014-12-31", None])})
    with pytest.raises(DataValidationError, match="share the name 'NHS X'"):
        lookups.chain_recodes(frame, file="hb.csv")


def test_ons_lookup_conflict_is_refused(write_csv):
    path = write_csv("ICB22CD,ICB22CDH,ICB22NM,NHSER22CD,NHSER22CDH,NHSER22NM\n"
                     "E54000001,QAA,A,E40000001,Y1,R\nE54000001,QAB,A,E40000001,Y1,R\n")
    with pytest.raises(DataValidationError, match="code 'E54000001' is given with two"):
        lookups.read_ons_icb_lookup(path)


def test_ons_lookup_needs_its_vintage_columns(write_csv):
    path = write_csv("code,name\nE54000001,A\n")
    with pytest.raises(DataValidationError, match="expected columns ICByyCD"):
        lookups.read_ons_icb_lookup(path)


def minsal(*rows: str) -> bytes:
    """The Ministry's layout (Latin-1, CRLF, padded names) via the beds reader's fixture."""
    from test_indicators_italy import published

    return published(list(rows))


def beds_row(year: str, region: str, name: str, azienda: str, tipo: str) -> str:
    return (f"{year};{region};{name:<20};{azienda};{tipo};{region}001;OSPEDALE CITTÀ      ;"
            "VIA ROMA;001272;TORINO;TO;1;Ospedale a gestione diretta;ACUTI;10;0;0;0;10")


def test_italian_units_from_the_beds_file(write_csv):
    path = write_csv(minsal(beds_row("2018", "010", "PIEMONTE", "201", "1"),
                            beds_row("2019", "010", "PIEMONTE", "201", "1"),
                            beds_row("2019", "020", "VALLE D`AOSTA", "101", "2")),
                     name="beds.csv")
    units = lookups.italy_units(lookups.read_minsal_units(path))
    assert units[["unit", "name", "kind", "parent", "vintages"]].values.tolist() == [
        ["010", "Piemonte", "region", "", "2018-2019"],
        ["010-201", "ASL 201 (Piemonte)", "asl", "010", "2018-2019"],
        ["020", "Valle d'Aosta", "region", "", "2019"]]


def test_a_region_with_two_names_is_refused(write_csv):
    path = write_csv(minsal(beds_row("2018", "010", "PIEMONTE", "201", "1"),
                            beds_row("2019", "010", "PIEDMONT", "201", "1")), name="beds.csv")
    with pytest.raises(DataValidationError, match="region 010 has more than one name"):
        lookups.read_minsal_units(path)


def test_an_asl_code_with_a_gap_in_years_is_refused(write_csv):
    path = write_csv(minsal(beds_row("2016", "010", "PIEMONTE", "201", "1"),
                            beds_row("2018", "010", "PIEMONTE", "201", "1")), name="beds.csv")
    with pytest.raises(DataValidationError, match="with a gap"):
        lookups.italy_units(lookups.read_minsal_units(path))


def test_a_partnership_in_two_boards_is_refused(write_csv):
    hb = write_csv("HB,HBName,HBDateEnacted,HBDateArchived\n"
                   "S08000015,NHS A,20140401,\nS08000016,NHS B,20140401,\n", name="hb.csv")
    ca = write_csv(",".join(lookups._CA_COLUMNS) + "\n"
                   "S12000005,C1,19960401,,S37000005,P1,20160401,,S08000015\n"
                   "S12000006,C2,19960401,,S37000005,P1,20160401,,S08000016\n", name="ca.csv")
    with pytest.raises(DataValidationError, match="code 'S37000005' is given more than once"):
        lookups.scotland_units(lookups.read_phs_health_boards(hb),
                               lookups.read_phs_council_areas(ca), file=str(ca))

"""England by ICB: ONS and ODS lookups, trust A&E to ICBs, criteria to reside."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from casestudy import extract
from casestudy.errors import DataValidationError
from casestudy.indicators import england, uk

ONS22 = ("\ufeffSICBL22CD,SICBL22CDH,SICBL22NM,ICB22CD,ICB22CDH,ICB22NM,NHSER22CD,NHSER22CDH,"
         "NHSER22NM,ObjectId\n"
         "E38000006,02P,NHS South Yorkshire ICB - 02P,E54000061,QF7,NHS South Yorkshire "
         "Integrated Care Board,E40000012,Y63,North East and Yorkshire,1\n"
         "E38000007,99E,NHS Mid and South Essex ICB - 99E,E54000026,QH8,NHS Mid and South Essex"
         " Integrated Care Board,E40000007,Y61,East of England,2\n"
         "E38000008,09N,NHS Surrey Heartlands ICB - 09N,E54000052,QXU,NHS Surrey Heartlands "
         "Integrated Care Board,E40000005,Y59,South East,3\n")
ONS23 = (ONS22.replace("22", "23").replace("E54000052", "E54000063"))
ODS = ('"Organisation Code","Name","National Grouping","Higher Level Health Geography",'
       '"Address Line 1","Close Date"\n'
       '"RFR","THE ROTHERHAM NHS FOUNDATION TRUST","Y63","QF7","MOORGATE ROAD",""\n'
       '"RAJ","MID AND SOUTH ESSEX NHS FOUNDATION TRUST","Y61","QH8","PRITTLEWELL",""\n'
       '"RTK","ASHFORD AND ST PETER\'S HOSPITALS NHS FOUNDATION TRUST","Y59","QXU","x",""\n'
       '"RHQ","SHEFFIELD TEACHING HOSPITALS NHS FOUNDATION TRUST","Y63","QF7","x",""\n')
TRUSTS = ('"nhs_trust22_code","total_attendances","attendances_over_4hours",'
          '"total_emergency_admissions","emergency_admissions_over_4hours",'
          '"pct_attendance_over_4hours","pct_emergency_admissions_over_4hours","date"\n'
          '"RFR",10000,2000,3000,300,0.2,0.1,"July 2022"\n'
          '"RHQ",20000,NA,5000,500,NA,0.1,"July 2022"\n'
          '"RAJ",15000,3000,4000,400,0.2,0.1,"July 2022"\n'
          '"RTK",8000,1600,2000,200,0.2,0.1,"July 2022"\n')


@pytest.fixture
def names(write_csv):
    return england.icb_names(england.read_ons_icb_lookup(write_csv(ONS22, "a.csv")),
                             england.read_ons_icb_lookup(write_csv(ONS23, "b.csv")))


def test_vintages_join_on_the_ods_code(names):
    row = names.set_index("qcode").loc["QXU"]
    assert (row["icb"], row["icb_2023"]) == ("E54000052", "E54000063")
    assert row["icb_name"] == "NHS Surrey Heartlands Integrated Care Board"


def test_a_name_that_changes_between_vintages_is_refused(write_csv):
    a = england.read_ons_icb_lookup(write_csv(ONS22, "a.csv"))
    b = england.read_ons_icb_lookup(write_csv(ONS23.replace("Essex Integrated", "Essex ICB"),
                                              "b.csv"))
    with pytest.raises(DataValidationError, match="QH8 is 'NHS Mid and South Essex"):
        england.icb_names(a, b)


def test_trusts_sum_to_icbs_and_four_hours_count_reporting_trusts(write_csv, names):
    out = england.ae_by_icb(england.read_nhse_ae_trust(write_csv(TRUSTS, "t.csv")),
                            england.read_ods_trusts(write_csv(ODS, "o.csv")), names)
    sy = out[out["geography"] == "E54000061"].set_index("indicator")["value"]
    assert sy["ae_attendances"] == 30000
    assert sy["ae_attendances_reporting"] == 10000  # RHQ did not report over 4 hours
    assert sy["ae_within_4_hours_pct"] == pytest.approx(80.0)
    assert set(out.loc[out["geography"] == "E54000061", "geography_name"]) == {
        "NHS South Yorkshire Integrated Care Board"}
    assert set(out["period"]) == {pd.Timestamp("2022-07-01")}


def test_a_trust_outside_the_ods_list_is_named(write_csv, names):
    trusts = england.read_nhse_ae_trust(write_csv(TRUSTS.replace('"RAJ"', '"RZZ"'), "t.csv"))
    with pytest.raises(DataValidationError, match="RZZ"):
        england.ae_by_icb(trusts, england.read_ods_trusts(write_csv(ODS, "o.csv")), names)


@pytest.mark.parametrize(("reader", "text", "message"), [
    (england.read_ons_icb_lookup, ONS22.replace("ICB22CD,", "ICB_CODE,"),
     "column 'ICB22CD' is missing"),
    (england.read_ons_icb_lookup, ONS22.replace("QF7", "XX7"), "expected an ODS ICB code"),
    (england.read_ods_trusts, ODS.replace('"QH8"', '"E54000026"'), "expected an ODS ICB"),
    (england.read_nhse_ae_trust, TRUSTS.replace("10000", "-10"), "expected a count"),
    (england.read_nhse_ae_trust, TRUSTS.replace('"July 2022"', '"Julember 2022"', 1),
     "expected a month"),
    (england.read_nhse_ae_trust, TRUSTS + TRUSTS.splitlines()[1] + "\n", "repeat the key"),
    (england.read_nhse_ctr, "icb22_code,date,do_not_meet_criteria_to_reside\n"
                            "E54000061,01/04/2022,10\n", "expected a date"),
])
def test_readers_refuse_bad_files(write_csv, reader, text, message):
    with pytest.raises(DataValidationError, match=message):
        reader(write_csv(text))


def test_criteria_to_reside_monthly_mean_of_days_reported(write_csv, names):
    text = ("icb22_code,date,do_not_meet_criteria_to_reside\n"
            "E54000061,2022-04-01,10\nE54000061,2022-04-02,20\nE54000061,2022-05-01,7\n")
    out = england.ctr_monthly(england.read_nhse_ctr(write_csv(text)), names)
    assert out[["value", "days_reported"]].values.tolist() == [[15.0, 2], [7.0, 1]]
    assert (out["unit"] == "patients (monthly mean of daily counts)").all()


# --------------------------------------------------------------------------- official files

@pytest.fixture(scope="module")
def icb_trusts(shared_data):
    return pd.read_csv(io.BytesIO(extract.build("nhse_ae_icb_trusts", [shared_data])[2]),
                       parse_dates=["period"])


def test_icb_names_are_onss(shared_data, icb_trusts):
    ons = england.read_ons_icb_lookup(
        shared_data / "ons_sicbl22_icb22_nhser22_lookup_july2022.csv")
    shown = icb_trusts.drop_duplicates("geography").set_index("geography")["geography_name"]
    assert len(shown) == 42
    assert shown.to_dict() == ons.set_index("icb")["icb_name"].to_dict()
    ctr = pd.read_csv(io.BytesIO(extract.build("nhse_ctr_icb", [shared_data])[2]))
    assert ctr.drop_duplicates("geography").set_index("geography")["geography_name"].to_dict() \
        == shown.to_dict()


def test_trust_based_series_against_nhs_englands_icb_file(shared_data, icb_trusts):
    theirs = uk.read_nhse_ae_icb(shared_data / "nhse_ae_emergency_admissions_icb.csv")
    check = england.icb_extract_check(icb_trusts, theirs)
    assert check["period"].nunique() == 40 and check["geography"].nunique() == 42
    admissions = check[check["indicator"] == "emergency_admissions"]
    monthly = admissions.groupby("period")[["ours", "theirs"]].sum()
    # Emergency admissions: England's monthly totals agree within 0.11%.
    assert ((monthly["ours"] / monthly["theirs"] - 1).abs() < 0.0011).all()
    attendances = check[check["indicator"] == "ae_attendances"]
    exact = attendances.groupby("geography")["difference"].apply(lambda d: (d == 0).all())
    # Attendances: NHS trusts only, so below NHS England's ICB totals where independent
    # providers run A&E units; 15 ICBs agree exactly in every month.
    assert exact.sum() == 15
    monthly = attendances.groupby("period")[["ours", "theirs"]].sum()
    assert (monthly["ours"] / monthly["theirs"]).between(0.93, 0.95).all()


def test_an_icb_month_without_reporting_trusts_has_no_four_hour_figures(write_csv, names):
    text = TRUSTS.replace('"RFR",10000,2000', '"RFR",10000,NA')
    out = england.ae_by_icb(england.read_nhse_ae_trust(write_csv(text, "t.csv")),
                            england.read_ods_trusts(write_csv(ODS, "o.csv")), names)
    sy = set(out.loc[out["geography"] == "E54000061", "indicator"])
    assert sy == {"ae_attendances", "emergency_admissions"}

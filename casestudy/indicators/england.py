"""England by integrated care board: trust A&E through the ODS list, ICB names, discharge delays.

- **Trusts → ICBs.** NHS England's A&E file by provider gives each NHS trust's monthly
  counts from April 2021; the ODS ``etr`` list gives each trust's ICB as its ODS Q-code
  (``Higher Level Health Geography``); the ONS July 2022 lookup turns Q-codes into the
  E54 codes and names of the 42 ICBs. The ODS list is one vintage (late 2023): each
  trust is counted in that ICB in every month, including the 15 months before ICBs
  existed (July 2022), so a series "by ICB" before then is the trusts that later formed
  it. The list has no history of a trust moving ICB; a trust that closed (merged) keeps the
  ICB of its last record.
- **Codes across vintages.** The April 2023 lookup recodes Surrey Heartlands
  (E54000052 → E54000063) and Sussex (E54000053 → E54000064); their Q-codes (QXU, QNX)
  are unchanged, so vintages are joined on the Q-code and every extract uses the July 2022
  codes, as NHS England's own ICB series do. ``icb_names`` checks both vintages.
- **4-hour figures.** Fourteen trusts of the clinical review of standards' field test did
  not report attendances over 4 hours in some months (``NA``); an ICB-month's 4-hour share
  counts only the attendances of its trusts that reported (``ae_attendances_reporting``).
- **Discharge delays.** Patients in acute beds who no longer meet the criteria to reside,
  a daily count, as the monthly mean of the days reported. This is *not* Scotland's
  delayed discharge measure (bed days of patients whose discharge is delayed once
  clinically ready, counted at the census and over the month): the two are never one
  series and never compared as levels.

>>> from casestudy.indicators import england
>>> england.ICB
'E54\\\\d{6}'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from casestudy.errors import DataValidationError, Problem
from casestudy.extract import PERIOD_FIELD, SOURCE_FIELD, UNIT_FIELD, VALUE_FIELD, Recipe, register
from casestudy.extract import schema_field as _field
from casestudy.indicators import uk
from casestudy.indicators.tidy import (
    check_pattern,
    check_unique,
    read_table,
    require_columns,
    to_number,
)

ICB = r"E54\d{6}"
QCODE = r"Q[A-Z0-9]{2}"


# --------------------------------------------------------------------------- lookups

def read_ons_icb_lookup(path: str | Path) -> pd.DataFrame:
    """ONS *Sub ICB Locations to ICBs to NHS England (Region)* lookup, any vintage
    (``ICB22CD``/``ICB23CD``…): one row per ICB with ``icb`` (E54…), ``qcode`` (ODS),
    ``icb_name``, ``region`` and ``vintage`` (the two-digit year of the columns)."""
    file = str(path)
    frame = read_table(path, what="ONS ICB lookup", required=[])
    years = sorted({c[3:5] for c in frame.columns if c[:3] == "ICB" and c[3:5].isdigit()})
    if len(years) != 1:
        raise DataValidationError(Problem(file, "missing-column", "not an ONS ICB lookup: "
                                          "expected columns ICB<yy>CD, ICB<yy>CDH, ICB<yy>NM "
                                          f"(found: {', '.join(frame.columns)})", row=1))
    yy = years[0]
    cols = [f"ICB{yy}CD", f"ICB{yy}CDH", f"ICB{yy}NM", f"NHSER{yy}NM"]
    require_columns(list(frame.columns), cols, file=file, what="ONS ICB lookup")
    check_pattern(frame, cols[0], ICB, file=file, what="an ICB code (E54…)")
    check_pattern(frame, cols[1], QCODE, file=file, what="an ODS ICB code (Q…)")
    out = pd.DataFrame({"icb": frame[cols[0]].str.strip(), "qcode": frame[cols[1]].str.strip(),
                        "icb_name": frame[cols[2]].str.strip(),
                        "region": frame[cols[3]].str.strip()}).drop_duplicates()
    check_unique(out, ["icb"], file=file)
    check_unique(out, ["qcode"], file=file)
    return out.assign(vintage=f"20{yy}").reset_index(drop=True)


_ODS_ALIASES = {"Organisation Code": "trust", "Higher Level Health Geography": "qcode",
                "Name": "trust_name", "Close Date": "closed"}


def read_ods_trusts(path: str | Path) -> pd.DataFrame:
    """ODS ``etr`` (NHS trusts) in its standard 27-field layout, with the header the
    redistributor added (``Organisation Code``, ``Name``, …, ``Higher Level Health
    Geography``, ``Close Date``): ``trust``, ``trust_name``, ``qcode`` (the trust's ICB),
    ``closed`` (yyyymmdd or empty)."""
    file = str(path)
    frame = read_table(path, what="ODS etr (NHS trusts)", aliases=_ODS_ALIASES,
                       required=["trust", "trust_name", "qcode", "closed"])
    check_pattern(frame, "trust", r"R[A-Z0-9]{2}", file=file, what="an NHS trust code (R…)")
    check_pattern(frame, "qcode", QCODE, file=file, what="an ODS ICB code (Q…)")
    check_unique(frame, ["trust"], file=file)
    return frame[["trust", "trust_name", "qcode", "closed"]].apply(lambda s: s.str.strip())


def icb_names(*lookups: pd.DataFrame) -> pd.DataFrame:
    """One name per ICB code of the July 2022 vintage, joined across vintages on the ODS
    Q-code; raises if a Q-code's name differs between vintages.

    >>> import pandas as pd
    >>> a = pd.DataFrame({"icb": ["E54000052"], "qcode": ["QXU"], "icb_name": ["NHS Surrey"],
    ...                   "vintage": ["2022"]})
    >>> b = a.assign(icb="E54000063", vintage="2023")
    >>> icb_names(a, b)[["icb", "icb_2023"]].values.tolist()
    [['E54000052', 'E54000063']]
    """
    first = lookups[0][["icb", "qcode", "icb_name"]]
    for later in lookups[1:]:
        year = later["vintage"].iloc[0]
        joined = first.merge(later[["qcode", "icb", "icb_name"]], on="qcode", how="left",
                             suffixes=("", "_later"))
        clash = joined["icb_name_later"].notna() & (joined["icb_name"] != joined["icb_name_later"])
        if clash.any():
            r = joined[clash].iloc[0]
            raise DataValidationError(Problem("ONS ICB lookups", "lookup", f"{r.qcode} is "
                                              f"'{r.icb_name}' in one vintage and "
                                              f"'{r.icb_name_later}' in {year}"))
        first = first.assign(**{f"icb_{year}": joined["icb_later"].to_numpy()})
    return first.reset_index(drop=True)


# --------------------------------------------------------------------------- A&E by ICB

_TRUST_COUNTS = ("total_attendances", "attendances_over_4hours", "total_emergency_admissions",
                 "emergency_admissions_over_4hours")


def read_nhse_ae_trust(path: str | Path) -> pd.DataFrame:
    """NHS England A&E attendances and emergency admissions by provider, monthly, as the
    redistributor reshaped them (``nhs_trust22_code``, the four counts, ``date`` as
    "April 2021"; ``NA`` for a count the trust did not report): one row per trust and
    month, ``trust``, ``period`` and the four counts (NaN where not reported)."""
    file = str(path)
    frame = read_table(path, what="NHS England A&E by provider",
                       aliases={"nhs_trust22_code": "trust"},
                       required=["trust", "date", *_TRUST_COUNTS])
    check_pattern(frame, "trust", r"R[A-Z0-9]{2}", file=file, what="an NHS trust code (R…)")
    check_unique(frame, ["trust", "date"], file=file)
    out = pd.DataFrame({"trust": frame["trust"].str.strip(),
                        "period": uk.month_start(frame["date"], file=file)})
    for column in _TRUST_COUNTS:
        # The redistributor writes R's NA where NHS England leaves a cell blank.
        frame[column] = frame[column].replace("NA", "")
        value = to_number(frame, column, file=file,
                          allow_missing=column != "total_attendances")
        uk._nonnegative(value, column, file=file)
        out[column] = value
    return out


def ae_by_icb(trusts: pd.DataFrame, ods: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """Monthly A&E by ICB (July 2022 codes) from trust counts.

    Indicators ``ae_attendances``, ``emergency_admissions`` (all trusts);
    ``ae_attendances_reporting`` and ``ae_over_4_hours`` (trusts that reported the 4-hour
    count that month) and ``ae_within_4_hours_pct`` = 100 × (1 − over / reporting); an
    ICB-month with no reporting trust has none of the three. Raises naming a trust the ODS
    list lacks.
    """
    qcode = trusts["trust"].map(ods.set_index("trust")["qcode"])
    if qcode.isna().any():
        bad = sorted(set(trusts.loc[qcode.isna(), "trust"]))
        raise DataValidationError(Problem("ODS etr", "unknown-code", f"trust(s) "
                                          f"{', '.join(bad)} are not in the ODS list"))
    by_q = names.set_index("qcode")
    icb = qcode.map(by_q["icb"])
    if icb.isna().any():
        bad = sorted(set(qcode[icb.isna()]))
        raise DataValidationError(Problem("ONS ICB lookup", "unknown-code", f"ODS ICB "
                                          f"code(s) {', '.join(bad)} are not in the lookup"))
    reporting = trusts["attendances_over_4hours"].notna()
    frame = trusts.assign(icb=icb, reporting=trusts["total_attendances"].where(reporting))
    grouped = frame.groupby(["icb", "period"])
    sums = grouped[["total_attendances", "total_emergency_admissions"]].sum()
    sums.columns = ["ae_attendances", "emergency_admissions"]
    # An ICB-month in which no trust reported the 4-hour count (Frimley, August 2022) has no
    # 4-hour figures, rather than zeros.
    sums["ae_attendances_reporting"] = grouped["reporting"].sum(min_count=1)
    sums["ae_over_4_hours"] = grouped["attendances_over_4hours"].sum(min_count=1)
    sums["ae_within_4_hours_pct"] = 100 * (1 - sums["ae_over_4_hours"]
                                           / sums["ae_attendances_reporting"])
    units = {"ae_attendances": "attendances", "emergency_admissions": "admissions",
             "ae_attendances_reporting": "attendances", "ae_over_4_hours": "attendances",
             "ae_within_4_hours_pct": "% of attendances"}
    out = sums.reset_index().melt(id_vars=["icb", "period"], var_name="indicator",
                                  value_name="value").dropna(subset=["value"])
    return out.assign(geography=out["icb"], geography_name=out["icb"].map(
        names.set_index("icb")["icb_name"]), case="ENG", unit=out["indicator"].map(units),
        source_id="NHSE-AE-TRUST;ODS-ETR;ONS-ICB22;ONS-ICB23")


def icb_extract_check(ours: pd.DataFrame, icb_file: pd.DataFrame) -> pd.DataFrame:
    """The trust-based ICB series against NHS England's ICB file (``uk.read_nhse_ae_icb``)
    where both cover a month: per ICB, month and count, ``ours``, ``theirs``,
    ``difference`` and ``ratio`` (ours / theirs)."""
    pairs = {"ae_attendances": "ae_attendances",
             "emergency_admissions": "emergency_admissions"}
    a = ours[ours["indicator"].isin(list(pairs))][["geography", "period", "indicator",
                                                   "value"]]
    b = icb_file[icb_file["indicator"].isin(list(pairs.values()))][
        ["geography", "period", "indicator", "value"]]
    both = a.merge(b, on=["geography", "period", "indicator"], suffixes=("_ours", "_theirs"))
    both = both.rename(columns={"value_ours": "ours", "value_theirs": "theirs"})
    return both.assign(difference=both["ours"] - both["theirs"],
                       ratio=both["ours"] / both["theirs"])


# --------------------------------------------------------------------------- criteria to reside

def read_nhse_ctr(path: str | Path) -> pd.DataFrame:
    """NHS England acute discharge situation report, daily, by ICB (``icb22_code``,
    ``date`` yyyy-mm-dd, ``do_not_meet_criteria_to_reside``): ``icb``, ``day``, ``value``."""
    file = str(path)
    frame = read_table(path, what="NHS England discharge sitrep (criteria to reside)",
                       aliases={"icb22_code": "icb"},
                       required=["icb", "date", "do_not_meet_criteria_to_reside"])
    check_pattern(frame, "icb", ICB, file=file, what="an ICB code (E54…)")
    check_pattern(frame, "date", r"\d{4}-\d{2}-\d{2}", file=file, what="a date yyyy-mm-dd",
                  rule="date")
    check_unique(frame, ["icb", "date"], file=file)
    value = to_number(frame, "do_not_meet_criteria_to_reside", file=file, allow_missing=False)
    uk._nonnegative(value, "do_not_meet_criteria_to_reside", file=file)
    return pd.DataFrame({"icb": frame["icb"].str.strip(),
                         "day": pd.to_datetime(frame["date"].str.strip(), format="%Y-%m-%d"),
                         "value": value})


def ctr_monthly(daily: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """Monthly mean of the daily counts of patients not meeting the criteria to reside,
    with the number of days reported (``days_reported``) beside it.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"icb": ["E54000008"] * 3, "value": [10.0, 20.0, 30.0],
    ...                   "day": pd.to_datetime(["2022-04-01", "2022-04-02", "2022-05-01"])})
    >>> n = pd.DataFrame({"icb": ["E54000008"], "icb_name": ["NHS Cheshire and Merseyside"]})
    >>> ctr_monthly(d, n)[["period", "value", "days_reported"]].values.tolist()[0][1:]
    [15.0, 2]
    """
    month = daily["day"].dt.to_period("M").dt.to_timestamp()
    out = daily.assign(period=month).groupby(["icb", "period"], as_index=False).agg(
        value=("value", "mean"), days_reported=("value", "size"))
    unknown = sorted(set(out["icb"]) - set(names["icb"]))
    if unknown:
        raise DataValidationError(Problem("ONS ICB lookup", "unknown-code", f"ICB code(s) "
                                          f"{', '.join(unknown)} are not in the lookup"))
    return out.assign(geography=out["icb"], geography_name=out["icb"].map(
        names.set_index("icb")["icb_name"]), case="ENG",
        indicator="not_meeting_criteria_to_reside_daily_mean",
        unit="patients (monthly mean of daily counts)", source_id="NHSE-CTR;ONS-ICB22;ONS-ICB23")


# --------------------------------------------------------------------------- recipes

_GEO = _field("geography", required=True, pattern="E54[0-9]{6}")
_NAME = _field("geography_name", required=True)
_CASE = _field("case", required=True, enum=["ENG"])
_LICENCES = uk.OGL


def _names(july: Path, april: Path) -> pd.DataFrame:
    return icb_names(read_ons_icb_lookup(july), read_ons_icb_lookup(april))


def _build_ae(paths: list[Path]) -> pd.DataFrame:
    trusts, ods, july, april = paths
    return ae_by_icb(read_nhse_ae_trust(trusts), read_ods_trusts(ods), _names(july, april))


AE_ICB = register(Recipe(
    name="nhse_ae_icb_trusts", version="1", output="nhse_ae_icb_trusts.csv",
    title="A&E attendances, 4-hour performance and emergency admissions, monthly, by ICB, "
          "built from NHS trusts, from April 2021",
    description="From NHS England's monthly A&E attendances and emergency admissions by "
                "provider (NHS trusts, April 2021 onwards), each trust counted in the ICB "
                "the ODS etr list (late 2023) gives it in every month, named from the ONS "
                "July 2022 lookup (codes of that vintage; April 2023 recodes joined on the "
                "ODS Q-code). Months before July 2022 are the trusts that later formed each "
                "ICB. The 4-hour share counts only trusts that reported attendances over 4 "
                "hours that month (ae_attendances_reporting). NHS trusts only: independent "
                "and other providers in NHS England's ICB totals are not in the provider "
                "file, so attendances run below NHS England's ICB file in some ICBs.",
    source_ids=("NHSE-AE-TRUST", "ODS-ETR", "ONS-ICB22", "ONS-ICB23"), licences=_LICENCES,
    schema={"fields": [_GEO, _NAME, _CASE, PERIOD_FIELD,
                       _field("indicator", required=True,
                              enum=["ae_attendances", "ae_attendances_reporting",
                                    "ae_over_4_hours", "ae_within_4_hours_pct",
                                    "emergency_admissions"]),
                       VALUE_FIELD, UNIT_FIELD, SOURCE_FIELD],
            "primaryKey": ["geography", "period", "indicator"]},
    inputs=("nhse_ae_trust_monthly.csv", "ods_etr_trusts_with_icb.csv",
            "ons_sicbl22_icb22_nhser22_lookup_july2022.csv",
            "ons_sicbl23_icb23_nhser23_lookup_april2023.csv"),
    build=_build_ae))


def _build_ctr(paths: list[Path]) -> pd.DataFrame:
    daily, july, april = paths
    return ctr_monthly(read_nhse_ctr(daily), _names(july, april))


CTR_ICB = register(Recipe(
    name="nhse_ctr_icb", version="1", output="nhse_ctr_icb.csv",
    title="Patients in acute beds no longer meeting the criteria to reside, monthly mean of "
          "daily counts, by ICB, from April 2022",
    description="From NHS England's acute discharge situation report (daily, by ICB): the "
                "mean over each month's reported days of the number of patients who no "
                "longer meet the criteria to reside, with the days reported. Not the same "
                "measure as Scotland's delayed discharges (bed days of delayed patients): "
                "never one series with them. ICB names from the ONS July 2022 lookup.",
    source_ids=("NHSE-CTR", "ONS-ICB22", "ONS-ICB23"), licences=_LICENCES,
    schema={"fields": [_GEO, _NAME, _CASE, PERIOD_FIELD,
                       _field("indicator", required=True,
                              enum=["not_meeting_criteria_to_reside_daily_mean"]),
                       VALUE_FIELD, _field("days_reported", "integer", required=True, minimum=1),
                       UNIT_FIELD, SOURCE_FIELD],
            "primaryKey": ["geography", "period", "indicator"]},
    inputs=("nhse_discharge_not_meeting_criteria_to_reside_icb_daily.csv",
            "ons_sicbl22_icb22_nhser22_lookup_july2022.csv",
            "ons_sicbl23_icb23_nhser23_lookup_april2023.csv"),
    build=_build_ctr))

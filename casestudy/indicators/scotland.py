"""Scotland by NHS board and by health and social care partnership: lookups, readers, recipes.

Public Health Scotland publishes A&E by hospital, delayed discharges by council area and
beds by board. The lookups that place them in boards and partnerships are PHS's own:

- hospital → board: the *A&E sites* list (``HB``, ``TreatmentLocationCode``) first; the
  two gaps it leaves in the A&E hospital file are filled from the *Hospital Codes* lists
  (2023 layout ``HospitalCode``/``HealthBoard``, then 2021 layout ``Location``/``HB``:
  S319H, the Royal Hospital for Children and Young People, Edinburgh) and from ``HBT`` of
  the publisher's monthly A&E file (H221B, Grantown-on-Spey Health Centre, which reported
  Sep-Dec 2019 and is in neither hospital list). Two sources that disagree on a hospital's
  board stop the recipe; a hospital no source places stops it too.
- council area → partnership → board: the *Geography codes and labels* file (``CA``,
  ``HSCP``, ``HB``), current board codes only (the 2018/2019 recodes S08000018/21/23/27 →
  S08000029-32 keep one row per council area).

Every board code is a current (2019) code; names come from the board code list.

>>> from casestudy.indicators import scotland
>>> scotland.LOOKUP_ORDER[0]
'A&E sites list'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from casestudy.errors import DataValidationError, Problem
from casestudy.extract import PERIOD_FIELD, SOURCE_FIELD, UNIT_FIELD, VALUE_FIELD, Recipe, register
from casestudy.extract import schema_field as _field
from casestudy.indicators import uk
from casestudy.indicators.tidy import check_pattern, check_unique, read_table, to_number

BOARD = r"S08\d{6}"
#: Hospital lists also place sites in the special (national) boards, SB0801 and SB0802.
ANY_BOARD = r"S08\d{6}|SB\d{4}"
#: Where a hospital's board comes from, in the order the lookups are tried.
LOOKUP_ORDER = ("A&E sites list", "hospital codes 2023", "hospital codes 2021",
                "monthly A&E file (HBT)")
AE_SOURCES = "PHS-AE;PHS-AE-SITES;PHS-AE-HOSP;PHS-AE-MONTHLY;PHS-HB"


# --------------------------------------------------------------------------- lookups

def read_phs_board_codes(path: str | Path) -> pd.DataFrame:
    """PHS health board codes and names (``HB``, ``HBName``, ``HBDateEnacted``,
    ``HBDateArchived``), one row per code, archived codes included."""
    file = str(path)
    frame = read_table(path, what="PHS health board codes",
                       required=["HB", "HBName", "HBDateEnacted", "HBDateArchived"])
    check_pattern(frame, "HB", BOARD, file=file, what="an NHS board code (S08…)")
    check_unique(frame, ["HB"], file=file)
    return pd.DataFrame({"board": frame["HB"].str.strip(),
                         "board_name": frame["HBName"].str.strip(),
                         "enacted": frame["HBDateEnacted"].str.strip(),
                         "archived": frame["HBDateArchived"].str.strip()})


def read_phs_council_lookup(path: str | Path) -> pd.DataFrame:
    """Council area → health and social care partnership → current NHS board.

    From PHS's ``ca11_ca19`` file; rows whose board code is archived are dropped, so each
    council area code appears once. Columns ``council_area``, ``council_name``, ``hscp``,
    ``hscp_name``, ``hscp_enacted`` (yyyymmdd), ``board``, ``board_name``.
    """
    file = str(path)
    frame = read_table(path, what="PHS council area lookup",
                       required=["CA", "CAName", "HSCP", "HSCPName", "HSCPDateEnacted", "HB",
                                 "HBName", "HBDateArchived"])
    check_pattern(frame, "CA", r"S12\d{6}", file=file, what="a council area code (S12…)")
    check_pattern(frame, "HSCP", r"S37\d{6}", file=file, what="a partnership code (S37…)")
    check_pattern(frame, "HB", BOARD, file=file, what="an NHS board code (S08…)")
    current = frame[frame["HBDateArchived"].str.strip() == ""]
    check_unique(current, ["CA"], file=file)
    return pd.DataFrame({
        "council_area": current["CA"].str.strip(), "council_name": current["CAName"].str.strip(),
        "hscp": current["HSCP"].str.strip(), "hscp_name": current["HSCPName"].str.strip(),
        "hscp_enacted": current["HSCPDateEnacted"].str.strip(),
        "board": current["HB"].str.strip(), "board_name": current["HBName"].str.strip()})


def _hospital_boards(frame: pd.DataFrame, code: str, board: str, board_pattern: str,
                     board_what: str, *, file: str) -> pd.DataFrame:
    """``hospital_code`` → ``board`` from a PHS codes list, one row per hospital code."""
    codes = check_pattern(frame, code, r"[A-Z]\d{3}[A-Z]", file=file,
                          what="a PHS location code like A111H")
    check_pattern(frame, board, board_pattern, file=file, what=board_what)
    out = pd.DataFrame({"hospital_code": codes, "board": frame[board].str.strip()})
    check_unique(out, ["hospital_code"], file=file)
    return out


def read_phs_ae_sites(path: str | Path) -> pd.DataFrame:
    """PHS *NHS Scotland A&E sites*: ``hospital_code`` → ``board`` (closed sites included)."""
    file = str(path)
    frame = read_table(path, what="PHS A&E sites list",
                       required=["HB", "TreatmentLocationCode", "TreatmentLocationName"])
    return _hospital_boards(frame, "TreatmentLocationCode", "HB", BOARD,
                            "an NHS board code (S08…)", file=file)


_HOSPITAL_ALIASES = {"HospitalCode": "hospital_code", "HealthBoard": "board",
                     "Location": "hospital_code", "HB": "board"}


def read_phs_hospitals(path: str | Path) -> pd.DataFrame:
    """PHS *Hospital Codes* (2023 layout ``HospitalCode``, ``HealthBoard``; 2021 layout
    ``Location``, ``HB``): ``hospital_code`` → ``board``."""
    file = str(path)
    frame = read_table(path, what="PHS hospital codes", aliases=_HOSPITAL_ALIASES,
                       required=["hospital_code", "board"])
    return _hospital_boards(frame, "hospital_code", "board", ANY_BOARD,
                            "an NHS board code (S08…, SB…)", file=file)


_MONTHLY_ALIASES = {"NumberOfAttendancesAggregate": "attendances",
                    "NumberMeetingTargetAggregate": "within_4_hours",
                    "TreatmentLocation": "hospital_code", "HBT": "board", "Month": "date"}


def read_phs_ae_monthly(path: str | Path) -> pd.DataFrame:
    """PHS *A&E activity and waiting times* in the publisher's monthly layout (``Month``,
    ``HBT``, ``TreatmentLocation``, ``NumberOfAttendancesAggregate``,
    ``NumberMeetingTargetAggregate``): one row per hospital, department type and month,
    columns ``hospital_code``, ``board``, ``period``, ``attendances``, ``within_4_hours``
    (two rows for one code and month are two sites sharing the code)."""
    file = str(path)
    frame = read_table(path, what="PHS monthly A&E (publisher's layout)",
                       aliases=_MONTHLY_ALIASES,
                       required=["date", "board", "hospital_code", "DepartmentType",
                                 "attendances", "within_4_hours"])
    codes = check_pattern(frame, "hospital_code", r"[A-Z]\d{3}[A-Z]", file=file,
                          what="a PHS location code like A111H")
    check_pattern(frame, "board", BOARD, file=file, what="an NHS board code (S08…)")
    # PHS reuses a location code while a new site replaces an old one (G405H: Queen
    # Elizabeth University Hospital and Southern General Hospital, May 2015) and this
    # layout has no site name, so only a row repeated in full is a duplicate.
    check_unique(frame, list(frame.columns), file=file)
    att = to_number(frame, "attendances", file=file, allow_missing=False)
    within = to_number(frame, "within_4_hours", file=file, allow_missing=False)
    return pd.DataFrame({"hospital_code": codes, "board": frame["board"].str.strip(),
                         "period": uk.month_start(frame["date"], file=file),
                         "attendances": att, "within_4_hours": within})


def hospital_boards(codes: pd.Series, sources: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The board of every hospital code in ``codes``, and which lookup gave it.

    ``sources`` maps each name of ``LOOKUP_ORDER`` to a frame with ``hospital_code`` and
    ``board``; the first source that has a code gives its board. Raises if two sources
    place one hospital in different boards, or if no source places a hospital.

    >>> import pandas as pd
    >>> a = pd.DataFrame({"hospital_code": ["A111H"], "board": ["S08000015"]})
    >>> b = pd.DataFrame({"hospital_code": ["S319H"], "board": ["S08000024"]})
    >>> hospital_boards(pd.Series(["A111H", "S319H"]), {"A&E sites list": a,
    ...                 "hospital codes 2023": b}).lookup.tolist()
    ['A&E sites list', 'hospital codes 2023']
    """
    wanted = pd.Index(sorted(set(codes)))
    found = pd.DataFrame(index=wanted, columns=["board", "lookup"], dtype=object)
    for name in LOOKUP_ORDER:
        if name not in sources:
            continue
        pairs = sources[name].drop_duplicates(["hospital_code", "board"])
        if pairs["hospital_code"].duplicated().any():
            code = pairs.loc[pairs["hospital_code"].duplicated(), "hospital_code"].iloc[0]
            raise DataValidationError(Problem(name, "lookup", f"hospital {code} is in more "
                                              "than one board"))
        board = pairs.set_index("hospital_code")["board"].reindex(wanted)
        clash = found["board"].notna() & board.notna() & (found["board"] != board)
        if clash.any():
            code = clash[clash].index[0]
            raise DataValidationError(Problem(
                name, "lookup", f"hospital {code}: board {board[code]} here, but "
                f"{found.at[code, 'board']} in the {found.at[code, 'lookup']}"))
        new = found["board"].isna() & board.notna()
        found.loc[new, "board"] = board[new]
        found.loc[new, "lookup"] = name
    if found["board"].isna().any():
        missing = ", ".join(found.index[found["board"].isna()])
        raise DataValidationError(Problem("hospital-to-board lookup", "unknown-code",
                                          f"no lookup places hospital(s) {missing} in a "
                                          "board"))
    return found.rename_axis("hospital_code").reset_index()


# --------------------------------------------------------------------------- A&E by board

def ae_by_board(hospitals: pd.DataFrame, lookup: pd.DataFrame,
                names: pd.DataFrame) -> pd.DataFrame:
    """Monthly A&E attendances, those within 4 hours and the 4-hour share, by NHS board.

    ``hospitals`` is ``uk.read_phs_ae_hospital``'s table, ``lookup`` that of
    ``hospital_boards``, ``names`` that of ``read_phs_board_codes``. Sums are exact; the
    share is computed from the sums.
    """
    board = hospitals["geography"].map(lookup.set_index("hospital_code")["board"])
    wide = hospitals.assign(board=board).pivot_table(
        index=["board", "period"], columns="indicator", values="value", aggfunc="sum")
    wide["ae_within_4_hours_pct"] = 100 * wide["ae_within_4_hours"] / wide["ae_attendances"]
    units = {"ae_attendances": "attendances", "ae_within_4_hours": "attendances",
             "ae_within_4_hours_pct": "% of attendances"}
    out = wide[list(units)].reset_index().melt(id_vars=["board", "period"],
                                               var_name="indicator", value_name="value")
    label = names.set_index("board")["board_name"]
    return out.assign(geography=out["board"], geography_name=out["board"].map(label),
                      case="SCO", unit=out["indicator"].map(units), source_id=AE_SOURCES)


def board_totals_check(boards: pd.DataFrame, monthly: pd.DataFrame) -> pd.DataFrame:
    """Board A&E attendances and within-4-hours counts against the publisher's monthly file.

    One row per board, month and measure both files cover: ``ours`` (the hospital file
    through the lookup), ``publisher`` (the monthly file's ``HBT`` totals) and
    ``difference`` (ours − publisher). Boards are summed to Scotland as well
    (``geography`` S92000003).
    """
    ours = boards[boards["indicator"].isin(["ae_attendances", "ae_within_4_hours"])]
    ours = ours.pivot_table(index=["geography", "period"], columns="indicator",
                            values="value", aggfunc="sum")
    theirs = monthly.groupby(["board", "period"])[["attendances", "within_4_hours"]].sum()
    theirs.index.names = ["geography", "period"]
    theirs.columns = ["ae_attendances_publisher", "ae_within_4_hours_publisher"]
    both = ours.join(theirs, how="inner")
    scot = both.groupby(level="period").sum()
    scot.index = pd.MultiIndex.from_product([[uk.SCOTLAND], scot.index],
                                            names=["geography", "period"])
    both = pd.concat([both, scot])
    rows = []
    for measure in ("ae_attendances", "ae_within_4_hours"):
        rows.append(pd.DataFrame({"indicator": measure, "ours": both[measure],
                                  "publisher": both[f"{measure}_publisher"]}))
    out = pd.concat(rows).reset_index()
    return out.assign(difference=out["ours"] - out["publisher"]).sort_values(
        ["indicator", "geography", "period"], ignore_index=True)


# --------------------------------------------------------------------------- beds

_BEDS_REQUIRED = ["Quarter", "HB", "Location", "SpecialtyName", "SpecialtyNameQF",
                  "AverageAvailableStaffedBeds", "PercentageOccupancy"]


def read_phs_beds(path: str | Path) -> pd.DataFrame:
    """PHS *Hospital beds information*, quarterly by board of treatment, location and
    specialty: the board totals (rows whose ``Location`` is the board itself) of the
    specialty groups PHS aggregates (``SpecialtyNameQF`` = ``d``: *All Specialties*, *All
    Acute*, *Mental Health Grouping*, …). Indicators ``staffed_beds`` (average available
    staffed beds) and ``bed_occupancy_pct``; ``specialty`` names the group. ``geography``
    is the board code (S08…; SB0801 is a special board; S92000003 is Scotland)."""
    file = str(path)
    frame = read_table(path, what="PHS beds by board and specialty", required=_BEDS_REQUIRED)
    check_pattern(frame, "HB", r"S08\d{6}|S92000003|SB\d{4}", file=file,
                  what="a board code (S08…, SB…) or Scotland (S92000003)")
    frame = frame[(frame["Location"] == frame["HB"]) & (frame["SpecialtyNameQF"] == "d")]
    if frame.empty:
        raise DataValidationError(Problem(file, "empty", "no board-level rows of PHS's "
                                          "specialty groups (Location = HB, SpecialtyNameQF "
                                          "= d)"))
    check_unique(frame, ["HB", "Quarter", "SpecialtyName"], file=file)
    period = uk.quarter_start(frame["Quarter"], file=file, column="Quarter")
    parts = []
    for column, indicator, unit in (
            ("AverageAvailableStaffedBeds", "staffed_beds", "average available staffed beds"),
            ("PercentageOccupancy", "bed_occupancy_pct", "% of staffed beds occupied")):
        value = to_number(frame, column, file=file)
        parts.append(pd.DataFrame({
            "geography": frame["HB"], "case": "SCO", "period": period,
            "specialty": frame["SpecialtyName"].str.strip(), "indicator": indicator,
            "value": value, "unit": unit, "source_id": "PHS-BEDS"}).dropna(subset=["value"]))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- recipes

_CASE = _field("case", required=True, enum=["SCO"])
_NAME = _field("geography_name")


def _board_lookup(paths: list[Path], hospitals: pd.DataFrame) -> pd.DataFrame:
    _, sites, h23, h21, monthly, _ = paths
    return hospital_boards(hospitals["geography"], {
        LOOKUP_ORDER[0]: read_phs_ae_sites(sites), LOOKUP_ORDER[1]: read_phs_hospitals(h23),
        LOOKUP_ORDER[2]: read_phs_hospitals(h21),
        LOOKUP_ORDER[3]: read_phs_ae_monthly(monthly)})


def _build_ae_board(paths: list[Path]) -> pd.DataFrame:
    hospitals = uk.read_phs_ae_hospital(paths[0])
    lookup = _board_lookup(paths, hospitals)
    return ae_by_board(hospitals, lookup, read_phs_board_codes(paths[5]))


AE_BOARD = register(Recipe(
    name="phs_ae_board", version="1", output="phs_ae_board.csv",
    title="A&E attendances and the share seen within 4 hours, monthly, by NHS board, "
          "Scotland, from July 2007",
    description="From Public Health Scotland's monthly A&E activity by hospital (release of "
                "1 Apr 2025), each hospital placed in its board by PHS's A&E sites list, "
                "with the two hospitals it lacks placed by PHS's hospital codes lists "
                "(S319H) and by HBT of PHS's monthly A&E file (H221B). Attendances and "
                "attendances within 4 hours are exact sums; the share is computed from "
                "them. Board codes are the current (2019) codes, names from PHS's board "
                "code list. The 14 board totals sum to Scotland's total every month.",
    source_ids=("PHS-AE", "PHS-AE-SITES", "PHS-AE-HOSP", "PHS-AE-MONTHLY", "PHS-HB"),
    licences=uk.OGL,
    schema={"fields": [_field("geography", required=True, pattern="S08[0-9]{6}"),
                       _field("geography_name", required=True), _CASE, PERIOD_FIELD,
                       _field("indicator", required=True,
                              enum=["ae_attendances", "ae_within_4_hours",
                                    "ae_within_4_hours_pct"]),
                       VALUE_FIELD, UNIT_FIELD, SOURCE_FIELD],
            "primaryKey": ["geography", "period", "indicator"]},
    inputs=("phs_ae_monthly_hospital.csv", "phs_hospital_site_list.csv", "phs_hospitals.csv",
            "phs_current-hospital_flagged20211216.csv",
            "phs_monthly_ae_waitingtimes_202204.csv", "phs_hb14_hb19.csv"),
    build=_build_ae_board))


def delayed_discharge_by_partnership(councils: pd.DataFrame,
                                     lookup: pd.DataFrame) -> pd.DataFrame:
    """Delayed bed days (people aged 18+) by partnership: council areas summed through the
    lookup (Clackmannanshire and Stirling form one partnership, so 32 areas give 31).

    ``councils`` is ``uk.read_phs_delayed_discharge``'s table of the council-area file;
    rows of Scotland (S92000003) and rows without an area are left out. Raises naming any
    council area code the lookup lacks.
    """
    keep = (councils["indicator"] == "delayed_bed_days") & (councils["age_group"] == "18plus")
    keep &= councils["geography"].str.match(r"S12\d{6}", na=False)
    part = councils[keep]
    known = lookup.set_index("council_area")
    unknown = sorted(set(part["geography"]) - set(known.index))
    if unknown:
        raise DataValidationError(Problem("council area lookup", "unknown-code",
                                          f"council area(s) {', '.join(unknown)} are not in "
                                          "the lookup"))
    part = part.assign(hscp=part["geography"].map(known["hscp"]))
    out = part.groupby(["hscp", "period", "delay_reason"], as_index=False)["value"].sum()
    names = lookup.drop_duplicates("hscp").set_index("hscp")
    return out.assign(geography=out["hscp"], geography_name=out["hscp"].map(names["hscp_name"]),
                      board=out["hscp"].map(names["board"]), case="SCO",
                      indicator="delayed_bed_days", unit="bed days", source_id="PHS-DD;PHS-CA")


def _build_dd_hscp(paths: list[Path]) -> pd.DataFrame:
    return delayed_discharge_by_partnership(uk.read_phs_delayed_discharge(paths[0]),
                                            read_phs_council_lookup(paths[1]))


DD_HSCP = register(Recipe(
    name="phs_delayed_discharge_hscp", version="1", output="phs_delayed_discharge_hscp.csv",
    title="Delayed discharge bed days, people aged 18+, monthly, by health and social care "
          "partnership, all reasons and by reason",
    description="From Public Health Scotland's delayed discharge open data by council area "
                "(release of Aug 2025), summed to the 31 health and social care partnerships "
                "through PHS's council area lookup (Clackmannanshire and Stirling share one "
                "partnership), with each partnership's current NHS board. Bed days occupied "
                "by people aged 18+ whose discharge was delayed, from July 2016, for all "
                "delay reasons and each reason group.",
    source_ids=("PHS-DD", "PHS-CA"), licences=uk.OGL,
    schema={"fields": [_field("geography", required=True, pattern="S37[0-9]{6}"),
                       _field("geography_name", required=True),
                       _field("board", required=True, pattern="S08[0-9]{6}"), _CASE, PERIOD_FIELD,
                       _field("indicator", required=True, enum=["delayed_bed_days"]),
                       _field("delay_reason", required=True, enum=list(uk.DD_REASONS)),
                       VALUE_FIELD, UNIT_FIELD, SOURCE_FIELD],
            "primaryKey": ["geography", "period", "indicator", "delay_reason"]},
    inputs=("phs_delayed_discharge_council_area.csv", "phs_ca11_ca19.csv"),
    build=_build_dd_hscp))


def _build_beds(paths: list[Path]) -> pd.DataFrame:
    beds = read_phs_beds(paths[0])
    names = read_phs_board_codes(paths[1]).set_index("board")["board_name"]
    names[uk.SCOTLAND] = "Scotland"
    return beds.assign(geography_name=beds["geography"].map(names).fillna(""),
                       source_id="PHS-BEDS;PHS-HB")


BEDS = register(Recipe(
    name="phs_beds_board", version="1", output="phs_beds_board.csv",
    title="Staffed beds and bed occupancy, quarterly, by NHS board of treatment and specialty "
          "group, Scotland, 2017Q3-2022Q3",
    description="From Public Health Scotland's hospital beds information: each board's "
                "average available staffed beds and percentage occupancy for PHS's specialty "
                "groups (All Specialties, All Acute, the groupings), quarterly. S92000003 is "
                "Scotland; SB0801 is a special (national) board, which the board code list "
                "does not name.",
    source_ids=("PHS-BEDS", "PHS-HB"), licences=uk.OGL,
    schema={"fields": [_field("geography", required=True,
                              pattern="S08[0-9]{6}|S92000003|SB[0-9]{4}"), _NAME, _CASE,
                       PERIOD_FIELD, _field("specialty", required=True),
                       _field("indicator", required=True,
                              enum=["staffed_beds", "bed_occupancy_pct"]),
                       VALUE_FIELD, UNIT_FIELD, SOURCE_FIELD],
            "primaryKey": ["geography", "period", "specialty", "indicator"]},
    inputs=("phs_beds_board_specialty_quarterly_2022q3.csv", "phs_hb14_hb19.csv"),
    build=_build_beds))


__all__ = ["AE_BOARD", "BEDS", "DD_HSCP", "ae_by_board", "board_totals_check",
           "delayed_discharge_by_partnership", "hospital_boards",
           "read_phs_ae_monthly", "read_phs_ae_sites", "read_phs_beds", "read_phs_board_codes",
           "read_phs_council_lookup", "read_phs_hospitals"]

"""Official lookups of the local units inside each case, and the recipe for ``units.csv``.

``casestudy extract units --from /path/to/shared/data`` writes ``data/raw/units.csv``: one
row per code a publisher gives a local unit, from

- ONS's *Sub ICB Locations to Integrated Care Boards to NHS England (Region)* lookups of
  July 2022 and April 2023 (England: 42 ICBs and the 7 NHS England regions above them);
- Public Health Scotland's geography codes: health boards 2014–2019 (``hb14_hb19``) and
  council areas with their health and social care partnership (``ca11_ca19``);
- the Ministero della Salute's beds by hospital, 2010–2019 (Italy: the regions and the
  local health authorities, ``Tipo Azienda`` 1, that run or contract the hospitals).

**Codes across vintages.** A publisher sometimes gives one unit a new code (a boundary
change, or a new code for an old area). Such codes are never merged silently and never
re-used: each code keeps its own row (``unit``), and every code of one unit carries the
same ``unit_id``:

- ICBs: ``unit_id`` is the ICB's ODS code (the ``ICB22CDH``/``ICB23CDH`` Q-code), which the
  April 2023 recodes kept: Surrey Heartlands E54000052 and E54000063 are both ``QXU``,
  Sussex E54000053 and E54000064 both ``QNX``. ``vintages`` says which lookups list a code
  (``ICB22``, ``ICB23``); the lookups give no dates, so ``start``/``end`` stay empty.
- Scotland: PHS has no code that survives a recode, so ``unit_id`` is the unit's latest
  code. The codes of one unit are chained by name where one is archived the day before (or
  the day) the next is enacted, as PHS's enacted/archived dates give them (``start``,
  ``end``): NHS Fife S08000018 (to 2018-02-01) and S08000029 (from 2018-02-02) are unit
  S08000029. A name that recurs without such a chain is an error, not a merge.
- Italy: the file's codes are ``Codice Regione`` (``010``) and, for a local health authority,
  the region and ``Codice Azienda`` joined by a hyphen (``010-201``), since azienda codes
  repeat across regions. Reorganisations give new codes (Veneto's 1xx ULSS became 5xx in
  2017), so ``unit_id`` is the code itself; ``vintages`` gives the years the file lists
  it. The file names no ASL, so an ASL's name is built from its codes (``ASL 201
  (Piemonte)``), and it names regions in capitals, given here in title case.

``parent`` is the parent's ``unit_id`` (stable, so a partnership whose board was recoded
keeps one parent): council area → partnership → health board; ICB → NHS England region;
ASL → region.

>>> from casestudy.lookups import asl_code
>>> asl_code("10", "201")
'010-201'
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from casestudy.errors import DataValidationError, Problem
from casestudy.extract import Recipe, register
from casestudy.extract import schema_field as _field
from casestudy.indicators.tidy import check_pattern, read_table

KINDS = ("health_board", "hscp", "council_area", "icb", "region", "asl")
OGL = {"name": "OGL-UK-3.0",
       "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
       "title": "Open Government Licence v3.0 (ONS, Public Health Scotland)"}
IODL = {"name": "IODL-2.0", "path": "https://www.dati.gov.it/content/italian-open-data-license-v20",
        "title": "Italian Open Data Licence v2.0 (Ministero della Salute)"}


def asl_code(region: str, azienda: str) -> str:
    """The unit code of an Italian local health authority: region and azienda codes joined."""
    return f"{int(region):03d}-{int(azienda):03d}"


# --------------------------------------------------------------------------- England

def read_ons_icb_lookup(path: str | Path) -> pd.DataFrame:
    """ICBs and their NHS England regions from an ONS SICBL→ICB→NHSER lookup (any vintage).

    The vintage is read from the header (``ICB22CD`` → ``ICB22``). Returns one row per ICB:
    ``code``, ``ods_code``, ``name``, ``region_code``, ``region_ods_code``, ``region_name``,
    ``vintage``.
    """
    file = str(path)
    path = Path(path)
    header = path.read_bytes()[:2000].decode("utf-8-sig", errors="replace").splitlines()
    first = next(csv.reader(header[:1])) if header else []
    years = sorted({c[3:5] for c in first if c.startswith("ICB") and c[3:5].isdigit()})
    if len(years) != 1:
        raise DataValidationError(Problem(
            file, "format", "not an ONS Sub ICB Location to ICB to NHS England (Region) "
            f"lookup: expected columns ICByyCD, ICByyCDH, ICByyNM (found: {', '.join(first)})",
            row=1))
    yy = years[0]
    names = {f"ICB{yy}CD": "code", f"ICB{yy}CDH": "ods_code", f"ICB{yy}NM": "name",
             f"NHSER{yy}CD": "region_code", f"NHSER{yy}CDH": "region_ods_code",
             f"NHSER{yy}NM": "region_name"}
    frame = read_table(path, what=f"ONS ICB{yy} lookup", aliases=names,
                       required=list(names.values()))
    check_pattern(frame, "code", r"E54\d{6}", file=file, what="an ICB code (E54…)")
    check_pattern(frame, "ods_code", r"Q[A-Z0-9]{2}", file=file, what="an ICB ODS code (Q…)")
    check_pattern(frame, "region_code", r"E40\d{6}", file=file,
                  what="an NHS England region code (E40…)")
    out = frame[list(names.values())].apply(lambda s: s.str.strip())
    icbs = out.drop_duplicates()
    for column in ("code", "ods_code"):
        clash = icbs[icbs.duplicated(column, keep=False)]
        if not clash.empty:
            raise DataValidationError(Problem(
                file, "conflict", f"{column} {clash.iloc[0][column]!r} is given with two "
                "different ICBs (codes, names or regions differ between its rows)",
                column=column))
    return icbs.assign(vintage=f"ICB{yy}").reset_index(drop=True)


def england_units(lookups: list[pd.DataFrame]) -> pd.DataFrame:
    """ICB and NHS England region rows from one or more ONS lookups, joined on ODS codes.

    >>> import pandas as pd
    >>> a = pd.DataFrame({"code": ["E54000052"], "ods_code": ["QXU"], "name": ["Surrey"],
    ...                   "region_code": ["E40000005"], "region_ods_code": ["Y59"],
    ...                   "region_name": ["South East"], "vintage": ["ICB22"]})
    >>> b = a.assign(code="E54000063", vintage="ICB23")
    >>> england_units([a, b])[["unit", "unit_id", "vintages"]].values.tolist()[1:]
    [['E54000063', 'QXU', 'ICB23'], ['E40000005', 'E40000005', 'ICB22;ICB23']]
    """
    stacked = pd.concat(lookups, ignore_index=True)
    ids = stacked.groupby("code")["ods_code"].nunique()
    if (ids > 1).any():
        code = ids.index[ids > 1][0]
        raise DataValidationError(Problem("ONS ICB lookups", "conflict", f"ICB {code} has "
                                          "different ODS codes in different vintages"))
    rows = []
    for kind, code, stable, name, parent in (
            ("icb", "code", "ods_code", "name", "region_code"),
            ("region", "region_code", "region_code", "region_name", None)):
        for key, part in stacked.groupby(code, sort=False):
            latest = part.iloc[-1]
            rows.append({"unit": key, "unit_id": latest[stable], "name": latest[name],
                         "kind": kind, "case": "ENG",
                         "parent": latest[parent] if parent else "",
                         "start": None, "end": None,
                         "vintages": ";".join(dict.fromkeys(part["vintage"])),
                         "source_id": ";".join(dict.fromkeys(
                             "ONS-" + part["vintage"]))})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- Scotland

def _phs_date(frame: pd.DataFrame, column: str, *, file: str) -> pd.Series:
    text = check_pattern(frame, column, r"(19|20)\d{6}", file=file,
                         what="a date as yyyymmdd", allow_empty=True)
    return pd.to_datetime(text.where(text != "", None), format="%Y%m%d")


def read_phs_health_boards(path: str | Path) -> pd.DataFrame:
    """PHS health board codes with their enacted and archived dates (``hb14_hb19``)."""
    file = str(path)
    frame = read_table(path, what="PHS health board codes (hb14_hb19)",
                       required=["HB", "HBName", "HBDateEnacted", "HBDateArchived"])
    check_pattern(frame, "HB", r"S08\d{6}", file=file, what="a health board code (S08…)")
    out = pd.DataFrame({"code": frame["HB"].str.strip(), "name": frame["HBName"].str.strip(),
                        "start": _phs_date(frame, "HBDateEnacted", file=file),
                        "end": _phs_date(frame, "HBDateArchived", file=file)})
    _unique(out, "code", file=file)
    return out


_CA_COLUMNS = ("CA", "CAName", "CADateEnacted", "CADateArchived", "HSCP", "HSCPName",
               "HSCPDateEnacted", "HSCPDateArchived", "HB")


def read_phs_council_areas(path: str | Path) -> pd.DataFrame:
    """PHS council areas with their partnership and board (``ca11_ca19``), one row per line.

    A council area is listed once for each board code it has had (the 2018/2019 board
    recodes give some two lines).
    """
    file = str(path)
    frame = read_table(path, what="PHS council area codes (ca11_ca19)",
                       required=list(_CA_COLUMNS))
    check_pattern(frame, "CA", r"S12\d{6}", file=file, what="a council area code (S12…)")
    check_pattern(frame, "HSCP", r"S37\d{6}", file=file, what="a partnership code (S37…)")
    check_pattern(frame, "HB", r"S08\d{6}", file=file, what="a health board code (S08…)")
    out = frame[list(_CA_COLUMNS)].apply(lambda s: s.str.strip())
    for level in ("CA", "HSCP"):
        for column in (f"{level}DateEnacted", f"{level}DateArchived"):
            out[column] = _phs_date(frame, column, file=file)
    return out


def _unique(frame: pd.DataFrame, column: str, *, file: str) -> None:
    dup = frame.duplicated(column, keep=False)
    if dup.any():
        rows = [int(i) + 2 for i in frame.index[dup][:10]]
        raise DataValidationError(Problem(
            file, "duplicate-key", f"code {frame.loc[dup, column].iloc[0]!r} is given more "
            f"than once with different details (rows {', '.join(map(str, rows))}); expected "
            "one name, date range and parent per code", column=column))


def chain_recodes(frame: pd.DataFrame, *, file: str) -> pd.Series:
    """``unit_id`` for each code: the latest code of the chain of codes sharing its name.

    Codes of one name must follow each other (each ends the day before, or the day, the next
    starts); otherwise the name is ambiguous and the codes are refused rather than merged.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"code": ["S08000018", "S08000029", "S08000015"],
    ...                   "name": ["NHS Fife", "NHS Fife", "NHS Ayrshire and Arran"],
    ...                   "start": pd.to_datetime(["2014-04-01", "2018-02-02", "2014-04-01"]),
    ...                   "end": pd.to_datetime(["2018-02-01", None, None])})
    >>> chain_recodes(f, file="f.csv").tolist()
    ['S08000029', 'S08000029', 'S08000015']
    """
    out = pd.Series(frame["code"].to_numpy(), index=frame.index, dtype=object)
    for name, part in frame.groupby("name", sort=False):
        part = part.sort_values("start")
        ends, starts = part["end"].iloc[:-1].to_numpy(), part["start"].iloc[1:].to_numpy()
        gaps = [(s - e) / pd.Timedelta(days=1) if not pd.isna(e) else None
                for e, s in zip(ends, starts, strict=True)]
        if any(g not in (0, 1) for g in gaps):
            raise DataValidationError(Problem(
                file, "recode", f"the codes {', '.join(part['code'])} share the name {name!r} "
                "but do not follow one another (each archived the day before, or the day, "
                "the next is enacted): cannot tell whether they are one unit"))
        out[part.index] = part["code"].iloc[-1]
    return out


def _level(areas: pd.DataFrame, level: str, parent: str, *, file: str) -> pd.DataFrame:
    """One row per code of a level (``HSCP`` or ``CA``) of the council area file."""
    rows = areas.rename(columns={level: "code", f"{level}Name": "name",
                                 f"{level}DateEnacted": "start", f"{level}DateArchived": "end"})
    rows = rows[["code", "name", "start", "end", parent]].drop_duplicates()
    # A unit sits in one parent unit, whichever of the parent's codes a line gives.
    _unique(rows, "code", file=file)
    return rows.rename(columns={parent: "parent"}).assign(
        unit_id=lambda f: chain_recodes(f, file=file))


def scotland_units(boards: pd.DataFrame, areas: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """Health board, partnership and council area rows, recodes chained into units.

    Parents are given by unit_id: a partnership's board, a council area's partnership.
    """
    boards = boards.assign(unit_id=chain_recodes(boards, file=file))
    board_id = boards.set_index("code")["unit_id"]
    unknown = sorted(set(areas["HB"]) - set(board_id.index))
    if unknown:
        raise DataValidationError(Problem(file, "unknown-code", f"board code(s) "
                                          f"{', '.join(unknown)} are not in the board list",
                                          column="HB"))
    hscp = _level(areas.assign(board=areas["HB"].map(board_id)), "HSCP", "board", file=file)
    council = _level(areas.assign(partnership=areas["HSCP"].map(
        hscp.set_index("code")["unit_id"])), "CA", "partnership", file=file)
    out = pd.concat([boards.assign(kind="health_board", parent="", source_id="PHS-HB"),
                     hscp.assign(kind="hscp", source_id="PHS-CA"),
                     council.assign(kind="council_area", source_id="PHS-CA")],
                    ignore_index=True)
    return out.rename(columns={"code": "unit"}).assign(case="SCO", vintages="")


# --------------------------------------------------------------------------- Italy

#: ``Tipo Azienda`` of a local health authority (ASL, ASP, ULSS; ATS in Lombardy from 2016).
LOCAL_HEALTH_AUTHORITY = "1"


def read_minsal_units(path: str | Path) -> pd.DataFrame:
    """Regions and aziende per year from the Ministry's beds-by-hospital file (dataset 18).

    One row per year, region and azienda: ``year``, ``region``, ``region_name``,
    ``azienda``, ``tipo_azienda``. The file is read by the beds reader
    (:func:`casestudy.indicators.italy.read_minsal_beds`), so the two recipes that use it
    accept and refuse the same files.
    """
    from casestudy.indicators.italy import read_minsal_beds

    beds = read_minsal_beds(path)
    out = (beds[["year", "region", "region_name", "azienda", "azienda_type"]]
           .rename(columns={"azienda_type": "tipo_azienda"}).drop_duplicates())
    names = out.groupby("region")["region_name"].nunique()
    if (names > 1).any():
        raise DataValidationError(Problem(str(path), "conflict",
                                          f"region {names.index[names > 1][0]} has more than "
                                          "one name", column="Descrizione Regione"))
    return out.reset_index(drop=True)


def region_name(text: str) -> str:
    """The file's capitals in title case: ``VALLE D`AOSTA`` → ``Valle d'Aosta``.

    >>> region_name("PROV. AUTON. BOLZANO"), region_name("VALLE D`AOSTA")
    ('Prov. Auton. Bolzano', "Valle d'Aosta")
    """
    return text.replace("`", "'").title().replace("D'", "d'")


def _years(years: pd.Series) -> str:
    lo, hi = int(years.min()), int(years.max())
    if sorted(set(years)) != list(range(lo, hi + 1)):
        raise DataValidationError(Problem("Ministero della Salute beds by hospital", "recode",
                                          f"a code is listed in years {sorted(set(years))} "
                                          "with a gap: it may have been re-used"))
    return f"{lo}-{hi}" if hi > lo else str(lo)


def italy_units(minsal: pd.DataFrame) -> pd.DataFrame:
    """Region and local health authority rows; ``vintages`` gives the years listed."""
    rows = []
    for region, part in minsal.groupby("region", sort=True):
        name = region_name(part["region_name"].iloc[0])
        rows.append({"unit": region, "unit_id": region, "name": name, "kind": "region",
                     "parent": "", "vintages": _years(part["year"])})
        local = part[part["tipo_azienda"] == LOCAL_HEALTH_AUTHORITY]
        for azienda, years in local.groupby("azienda", sort=True)["year"]:
            code = asl_code(region, azienda)
            rows.append({"unit": code, "unit_id": code, "name": f"ASL {azienda} ({name})",
                         "kind": "asl", "parent": region, "vintages": _years(years)})
    return pd.DataFrame(rows).assign(case="IT", start=None, end=None,
                                     source_id="MINSAL-BEDS")


# --------------------------------------------------------------------------- recipe

def build(paths: list[Path]) -> pd.DataFrame:
    """Every unit of the three lookups, one row per publisher code."""
    icb22, icb23, hb, ca, beds = paths
    england = england_units([read_ons_icb_lookup(icb22), read_ons_icb_lookup(icb23)])
    boards = read_phs_health_boards(hb)
    areas = read_phs_council_areas(ca)
    scotland = scotland_units(boards, areas, file=str(ca))
    italy = italy_units(read_minsal_units(beds))
    out = pd.concat([england, scotland, italy], ignore_index=True)
    _unique(out, "unit", file="units (all lookups)")
    orphans = sorted(set(out["parent"]) - set(out["unit_id"]) - {""})
    if orphans:
        raise DataValidationError(Problem("units (all lookups)", "unknown-code",
                                          f"parent(s) {', '.join(orphans)} are not units"))
    return out


SCHEMA = {
    "fields": [
        _field("unit", description="The code as the publisher gives it (ASL: region and "
               "azienda codes joined by a hyphen)", required=True,
               pattern="E54[0-9]{6}|E40[0-9]{6}|S(08|12|37)[0-9]{6}|[0-9]{3}(-[0-9]{3})?"),
        _field("unit_id", description="The same for every code of one unit: an ICB's ODS "
               "code; otherwise the unit's latest code", required=True),
        _field("name", required=True),
        _field("kind", required=True, enum=list(KINDS)),
        _field("case", required=True, enum=["IT", "SCO", "ENG"]),
        _field("parent", description="unit_id of the unit this one sits in"),
        _field("start", "date", description="Date the code was enacted, where the lookup "
               "gives one"),
        _field("end", "date", description="Date the code was archived, where the lookup "
               "gives one"),
        _field("vintages", description="Releases that list the code where the lookup gives "
               "no dates: ONS ICB22/ICB23; Ministero della Salute years"),
        _field("source_id", required=True),
    ],
    "primaryKey": ["unit"],
}

UNITS = register(Recipe(
    name="units", version="1", output="units.csv",
    title="Local units inside each case: NHS boards, partnerships and council areas "
          "(Scotland), ICBs and NHS England regions (England), regions and local health "
          "authorities (Italy)",
    description=(
        "One row per code a publisher gives a local unit, with its name, kind, case, the "
        "unit it sits in, and the dates (PHS) or releases (ONS, Ministero della Salute) in "
        "which the code is in force. Codes of one unit share a unit_id: the April 2023 ICB "
        "recodes are joined on the ICB's ODS code, the 2018/2019 Scottish recodes by name "
        "and consecutive dates. No Dutch sub-national lookup is available."),
    source_ids=("ONS-ICB22", "ONS-ICB23", "PHS-HB", "PHS-CA", "MINSAL-BEDS"),
    licences=(OGL, IODL),
    schema=SCHEMA,
    inputs=("ons_sicbl22_icb22_nhser22_lookup_july2022.csv",
            "ons_sicbl23_icb23_nhser23_lookup_april2023.csv",
            "phs_hb14_hb19.csv", "phs_ca11_ca19.csv",
            "minsal_beds_by_hospital_2010_2019.csv"),
    build=build,
))

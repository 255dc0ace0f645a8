"""Italy's hospital beds by region and local health unit, 2010-2019 (Ministero della Salute).

The Ministry's open-data file *Posti letto per stabilimento ospedaliero e disciplina*
(dataset 18) has one row per year, hospital and type of ward, ``;``-separated, in Latin-1,
with CRLF line ends and names padded with spaces to a fixed width. ``read_minsal_beds``
reads it as published and says which of the three a file breaks (a comma-separated copy,
a file that is not Latin-1 text, a missing column); padding is stripped from every field.

Units: the 21 regions and autonomous provinces (``Codice Regione``, e.g. ``030``
Lombardia; Trento ``042`` and Bolzano ``041`` are separate), and the local health units
(ASL; ``Codice Azienda`` with ``Tipo Azienda`` = 1): an ASL's beds are those of the
hospitals it runs and of the accredited private hospitals attached to it, not those of
the independent hospital trusts (aziende ospedaliere, ``Tipo Azienda`` = 2), which count
in their region only. ASL codes are the file's, year by year: regions that merged their
ASLs in 2010-2019 (e.g. Lombardia's ATS/ASST reform of 2016) change codes, so an ASL
series is not continuous across a reorganisation. The file names no ASL.

Bed types: ``ACUTI`` → ``acute``, ``RIABILITAZIONE`` → ``rehabilitation``,
``LUNGODEGENZA`` → ``long_stay``. Three rows of 2010 (Lazio) give ``N.D.`` (not
available) for their type and beds; they are left out, and counted in ``NOT_AVAILABLE``.

>>> from casestudy.indicators import italy
>>> italy.BED_TYPES["LUNGODEGENZA"]
'long_stay'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from casestudy.errors import DataValidationError, Problem
from casestudy.extract import SOURCE_FIELD, UNIT_FIELD, VALUE_FIELD, Recipe, register
from casestudy.extract import schema_field as _field
from casestudy.indicators.tidy import check_codes, check_pattern, read_table, to_number

BED_TYPES = {"ACUTI": "acute", "RIABILITAZIONE": "rehabilitation",
             "LUNGODEGENZA": "long_stay"}
NOT_AVAILABLE = "N.D."
_COLUMNS = {"Anno": "year", "Codice Regione": "region", "Descrizione Regione": "region_name",
            "Codice Azienda": "azienda", "Tipo Azienda": "azienda_type",
            "Codice struttura": "hospital", "Tipo di Disciplina": "bed_type",
            "Totale posti letto": "beds"}
_WHAT = "Ministero della Salute beds file (';'-separated, Latin-1)"


def _check_latin1(path: Path) -> None:
    """A copy re-saved as UTF-8 decodes as Latin-1 without error but garbles every accented
    name (``Ã``), so a file that is valid UTF-8 with non-ASCII bytes is refused."""
    raw = path.read_bytes()
    if max(raw, default=0) < 0x80:
        return
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    raise DataValidationError(Problem(str(path), "encoding", "the file is UTF-8 text; "
                                      f"expected the {_WHAT} as the Ministry publishes it"))


def read_minsal_beds(path: str | Path) -> pd.DataFrame:
    """One row per year, hospital and bed type: ``year``, ``region`` (3-digit code),
    ``region_name``, ``azienda`` (3-digit code), ``azienda_type`` (1 = ASL, 2 = hospital
    trust), ``hospital``, ``bed_type`` (``acute``/``rehabilitation``/``long_stay``) and
    ``beds`` (``Totale posti letto``: ordinary, paying, day hospital and day surgery).

    Raises naming the file, row and column for a comma-separated or UTF-8 copy, a
    missing column, an unknown bed type, a number that is not one, or a repeated
    (year, region, azienda, hospital, bed type).
    """
    path = Path(path)
    file = str(path)
    if path.is_file():
        _check_latin1(path)
    frame = read_table(path, what=_WHAT, aliases=_COLUMNS, sep=";", encoding="latin-1",
                       required=list(_COLUMNS.values()))
    if frame.empty:
        raise DataValidationError(Problem(file, "empty", f"no data rows; expected a {_WHAT}"))
    frame = frame.apply(lambda s: s.str.strip())
    available = frame["bed_type"] != NOT_AVAILABLE
    frame = frame[available]
    check_codes(frame, "bed_type", list(BED_TYPES), file=file)
    year = check_pattern(frame, "year", r"20[0-9]{2}", file=file, what="a year", rule="type")
    check_pattern(frame, "region", r"\d{3}", file=file, what="a 3-digit region code")
    check_pattern(frame, "azienda", r"\d{3}", file=file, what="a 3-digit azienda code")
    check_codes(frame, "azienda_type", ["1", "2"], file=file)
    beds = to_number(frame, "beds", file=file, allow_missing=False)
    if (beds < 0).any():
        i = beds.index[beds < 0][0]
        raise DataValidationError(Problem(file, "value", f"expected a count ≥ 0, found "
                                          f"{beds[i]:g}", row=int(i) + 2, column="beds"))
    out = frame[["region", "region_name", "azienda", "azienda_type", "hospital"]].assign(
        year=year.astype("int64"), bed_type=frame["bed_type"].map(BED_TYPES), beds=beds)
    key = ["year", "region", "azienda", "hospital", "bed_type"]
    dup = out.duplicated(key, keep=False)
    if dup.any():
        rows = ", ".join(str(int(i) + 2) for i in out.index[dup][:20])
        raise DataValidationError(Problem(file, "duplicate-key", f"rows {rows} repeat the "
                                          f"key ({', '.join(key)})"))
    return out


def beds_by_unit(hospitals: pd.DataFrame) -> pd.DataFrame:
    """Beds by region and by ASL, year and bed type (plus ``all`` types), tidy.

    ``geography`` is ``IT-R<region>`` for a region, ``IT-ASL<region>-<azienda>`` for an
    ASL; ``level`` says which; ``geography_name`` is the region's name as the file spells
    it (for an ASL, its region's).

    >>> import pandas as pd
    >>> h = pd.DataFrame({"year": [2019, 2019], "region": ["030", "030"],
    ...                   "region_name": ["LOMBARDIA"] * 2, "azienda": ["321", "920"],
    ...                   "azienda_type": ["1", "2"], "hospital": ["a", "b"],
    ...                   "bed_type": ["acute", "acute"], "beds": [100.0, 50.0]})
    >>> t = beds_by_unit(h)
    >>> t[t.bed_type == "acute"].set_index("geography").value.to_dict()
    {'IT-R030': 150.0, 'IT-ASL030-321': 100.0}
    """
    names = hospitals.groupby("region")["region_name"].agg(lambda s: s.mode().iloc[0])
    both = pd.concat([hospitals, hospitals.assign(bed_type="all")])
    region = both.groupby(["region", "year", "bed_type"], as_index=False)["beds"].sum()
    region = region.assign(geography="IT-R" + region["region"], level="region")
    asl = both[both["azienda_type"] == "1"]
    asl = asl.groupby(["region", "azienda", "year", "bed_type"], as_index=False)["beds"].sum()
    asl = asl.assign(geography="IT-ASL" + asl["region"] + "-" + asl["azienda"], level="asl")
    out = pd.concat([region, asl], ignore_index=True)
    return out.assign(geography_name=out["region"].map(names).str.title(), case="IT",
                      indicator="hospital_beds", value=out["beds"], unit="beds",
                      source_id="MINSAL-BEDS")[
        ["geography", "level", "geography_name", "case", "year", "bed_type", "indicator",
         "value", "unit", "source_id"]]


def _build(paths: list[Path]) -> pd.DataFrame:
    return beds_by_unit(read_minsal_beds(paths[0]))


BEDS = register(Recipe(
    name="minsal_beds", version="1", output="minsal_beds.csv",
    title="Hospital beds by region and local health unit (ASL), by type, Italy, 2010-2019",
    description="From the Ministero della Salute's open data on beds by hospital and ward "
                "type (dataset 18): total beds (ordinary, paying, day hospital, day surgery) "
                "summed by region or autonomous province (all hospitals) and by ASL (the "
                "hospitals it runs and the private accredited hospitals attached to it; "
                "hospital trusts count in their region only), for acute, rehabilitation and "
                "long-stay wards and all types, each year 2010-2019. ASL codes are as the "
                "file gives them each year; three 2010 rows marked N.D. are left out.",
    source_ids=("MINSAL-BEDS",),
    licences=({"name": "IODL-2.0", "path": "https://www.dati.gov.it/content/italian-open-data-license-v20",
               "title": "Italian Open Data Licence v2.0"},),
    schema={"fields": [_field("geography", required=True,
                              pattern="IT-R[0-9]{3}|IT-ASL[0-9]{3}-[0-9]{3}"),
                       _field("level", required=True, enum=["region", "asl"]),
                       _field("geography_name", required=True),
                       _field("case", required=True, enum=["IT"]),
                       _field("year", "integer", required=True, minimum=2010, maximum=2019),
                       _field("bed_type", required=True,
                              enum=["acute", "rehabilitation", "long_stay", "all"]),
                       _field("indicator", required=True, enum=["hospital_beds"]),
                       VALUE_FIELD, UNIT_FIELD, SOURCE_FIELD],
            "primaryKey": ["geography", "year", "bed_type", "indicator"]},
    inputs=("minsal_beds_by_hospital_2010_2019.csv",), build=_build))

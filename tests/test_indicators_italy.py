"""Italy's beds by region and ASL from the Ministero della Salute file (';', Latin-1, padded)."""

from __future__ import annotations

import io
import time

import pandas as pd
import pytest

from casestudy import extract
from casestudy.errors import DataValidationError
from casestudy.indicators import italy

HEADER = ("Anno;Codice Regione;Descrizione Regione;Codice Azienda;Tipo Azienda;Codice struttura;"
          "Denominazione struttura;Indirizzo;Codice Comune;Comune;Sigla provincia;"
          "Codice tipo struttura;Descrizione tipo struttura;Tipo di Disciplina;"
          "Posti letto degenza ordinaria;Posti letto degenza a pagamento;"
          "Posti letto Day Hospital;Posti letto Day Surgery;Totale posti letto")
ROWS = [
    "2019;030;LOMBARDIA;321;1;030001;OSPEDALE DI CITTÀ    ;VIA ROMA   ;015146;MILANO  ;MI;1;"
    "Ospedale a gestione diretta;ACUTI;200;0;20;4;224",
    "2019;030;LOMBARDIA;321;1;030002;CASA DI CURA S. LUCA ;VIA PO     ;015146;MILANO  ;MI;5.1;"
    "Casa di cura privata accreditata;RIABILITAZIONE;40;0;0;0;40",
    "2019;030;LOMBARDIA;920;2;030901;AZIENDA OSPEDALIERA  ;VIA TEVERE ;015146;MILANO  ;MI;0;"
    "Azienda Ospedaliera;ACUTI;500;5;30;15;550",
    "2019;030;LOMBARDIA;920;2;030901;AZIENDA OSPEDALIERA  ;VIA TEVERE ;015146;MILANO  ;MI;0;"
    "Azienda Ospedaliera;LUNGODEGENZA;30;0;0;0;30",
    "2010;120;LAZIO     ;101;1;120001;OSPEDALE            ;VIA APPIA  ;058091;ROMA    ;RM;1;"
    "Ospedale a gestione diretta;N.D.;N.D.;N.D.;N.D.;N.D.;N.D.",
]


def published(rows: list[str] = ROWS, header: str = HEADER) -> bytes:
    """The file as the Ministry publishes it: Latin-1, CRLF line ends, padded names."""
    return ("\r\n".join([header, *rows]) + "\r\n").encode("latin-1")


def test_reads_the_published_format(write_csv):
    out = italy.read_minsal_beds(write_csv(published()))
    assert len(out) == 4  # the N.D. row is left out
    assert set(out["bed_type"]) == {"acute", "rehabilitation", "long_stay"}
    assert out["region_name"].iloc[0] == "LOMBARDIA"  # padding stripped
    assert out["beds"].sum() == 224 + 40 + 550 + 30


def test_regions_count_every_hospital_asls_their_own(write_csv):
    table = italy.beds_by_unit(italy.read_minsal_beds(write_csv(published())))
    t = table.set_index(["geography", "bed_type"])["value"]
    assert t[("IT-R030", "acute")] == 774
    assert t[("IT-R030", "all")] == 844
    assert t[("IT-ASL030-321", "all")] == 264  # the hospital trust (Tipo Azienda 2) is not in it
    assert ("IT-ASL030-920", "all") not in t.index
    assert set(table.loc[table["level"] == "region", "geography_name"]) == {"Lombardia"}


@pytest.mark.parametrize(("content", "message"), [
    (published().replace(b";", b","), "separated by commas; expected a semicolon-separated"),
    (published().decode("latin-1").encode("utf-8"), "the file is UTF-8 text"),
    (published(header=HEADER.replace("Tipo di Disciplina", "Disciplina")),
     "column 'bed_type' is missing"),
    (published([ROWS[0].replace(";ACUTI;", ";ACUTE;")]), "unknown code 'ACUTE'"),
    (published([ROWS[0].replace(";224", ";molti")]), "expected a number"),
    (published([ROWS[0], ROWS[0]]), "repeat the key"),
    (published([]), "no data rows"),
])
def test_files_that_do_not_match_say_how(write_csv, content, message):
    with pytest.raises(DataValidationError, match=message):
        italy.read_minsal_beds(write_csv(content))


def test_official_file_regions_and_years(shared_data):
    recipe = extract.get("minsal_beds")
    paths = extract.resolve_inputs(recipe, [shared_data])
    start = time.perf_counter()
    table = recipe.build(paths)
    assert time.perf_counter() - start < 5
    regions = table[table["level"] == "region"]
    assert regions["geography"].nunique() == 21
    assert sorted(set(regions["year"])) == list(range(2010, 2020))
    total = regions[regions["bed_type"] == "all"].groupby("year")["value"].sum()
    raw = pd.read_csv(paths[0], sep=";", encoding="latin-1", dtype=str)
    beds = pd.to_numeric(raw["Totale posti letto"].str.strip(), errors="coerce")
    assert total.to_dict() == beds.groupby(raw["Anno"].astype(int)).sum().to_dict()
    content = pd.read_csv(io.BytesIO(extract.build("minsal_beds", [shared_data])[2]))
    # Every region-year has a total; one region-year has no ward of one of the three types.
    region_rows = content[content["level"] == "region"]
    assert (region_rows["bed_type"] == "all").sum() == 21 * 10
    assert len(region_rows) == 21 * 10 * 4 - 1

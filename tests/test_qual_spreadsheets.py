"""Spreadsheet exports (QualCoder, Taguette, generic) into the evidence table."""

from __future__ import annotations

import csv
import zipfile

import openpyxl
import pandas as pd
import pytest

from casestudy.errors import CaseStudyError, DataValidationError
from casestudy.qual import QdaImportWarning, read_codings

CASES = pd.DataFrame({"document": ["Audit 2018", "NAO 2022"], "case": ["Scotland", "ENG"],
                      "tier": ["regional", "national"]})


def write_csv(path, rows, bom=False):
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows)
    return path


def write_xlsx(path, sheets):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


QUALCODER = [
    ["File", "Coder", "Coded", "Id", "Codename", "Coded_Memo", "Category", "Category",
     "FileVar_tier"],
    ["Audit 2018", "ann", "Set-aside budgets not enacted", "ctid:4", "pooling", "",
     "finance", "", "regional"],
    ["NAO 2022", "bob", "Oversight not aligned", "ctid:9", "oversight", "", "central",
     "power", ""],
    ["NAO 2022", "bob", "image", "imid:2", "oversight", "", "central", "power", ""],
]


def test_qualcoder_csv_with_bom_categories_and_file_variables(tmp_path):
    path = write_csv(tmp_path / "report.csv", QUALCODER, bom=True)
    with pytest.warns(QdaImportWarning, match="1 image or audio/video"):
        ev = read_codings(path, cases=CASES)
    assert ev["theme"].tolist() == ["finance/pooling", "power/central/oversight"]
    assert ev["segment_id"].tolist() == ["ctid:4", "ctid:9"]
    assert ev["case"].astype(str).tolist() == ["SCO", "ENG"]
    # the export's own tier wins; the case sheet fills the gap
    assert ev["tier"].astype(str).tolist() == ["regional", "national"]
    assert ev["coder"].tolist() == ["ann", "bob"]


def test_qualcoder_xlsx_by_case_with_cases_sheet(tmp_path):
    rows = [["Case", "Filename", "Coder", "Coded", "Id", "Codename", "Coded_Memo"],
            ["Italy", "DM77 review", "c", "Uniform targets", "ctid:1", "design", ""]]
    path = write_xlsx(tmp_path / "r.xlsx", {"Sheet": rows, "cases": [
        ["document", "tier"], ["DM77 review", "national"]]})
    ev = read_codings(path, format="qualcoder")
    assert ev.loc[0, ["case", "tier", "document", "theme"]].tolist() == [
        "IT", "national", "DM77 review", "design"]


@pytest.mark.parametrize("newer", [False, True])
def test_taguette_csv_old_and_new_layout(tmp_path, newer):
    if newer:
        rows = [["id", "document", "tag", "tag_parent", "tag_full_path", "tag_description",
                 "content"],
                ["3", "NAO 2022", "pooling", "finance", "finance::pooling", "", "BCF pooled"],
                ["3", "NAO 2022", "trust", "", "trust", "", "BCF pooled"]]
    else:
        rows = [["id", "document", "tag", "content"],
                ["3", "NAO 2022", "finance.pooling", "BCF pooled"],
                ["3", "NAO 2022", "trust", "BCF pooled"]]
    ev = read_codings(write_csv(tmp_path / "h.csv", rows), cases=CASES, coder="team",
                      source_id="E14")
    assert ev["theme"].tolist() == (["finance/pooling", "trust"] if newer
                                    else ["finance.pooling", "trust"])
    assert ev["segment_id"].nunique() == 2  # one highlight, two tags: two segments
    assert set(ev["coder"]) == {"team"} and set(ev["source_id"]) == {"E14"}


def test_taguette_xlsx(tmp_path):
    path = write_xlsx(tmp_path / "h.xlsx", {"highlights": [
        ["id", "document", "tag", "content"], [1, "Audit 2018", "leadership", "Turnover"]]})
    ev = read_codings(path, cases=CASES)
    assert ev.loc[0, ["case", "theme", "text"]].tolist() == ["SCO", "leadership", "Turnover"]


def test_generic_layout_with_aliases_and_backslash_paths(tmp_path):
    rows = [["Document name", "Code", "Segment", "Begin", "End", "Case", "Tier",
             "Direction"],
            ["d1", "power\\centralisation", "Command and control", "0", "19", "England",
             "national", "barrier"]]
    ev = read_codings(write_csv(tmp_path / "g.csv", rows), format="generic")
    assert ev.loc[0, ["case", "theme", "direction", "start", "end"]].tolist() == [
        "ENG", "power/centralisation", "barrier", 0, 19]


def test_errors_name_file_row_and_column(tmp_path):
    rows = [["document", "theme", "text", "case", "tier"],
            ["d1", "a", "x", "NL", "national"],
            ["", "", "", "", ""],
            ["d2", "b", "y", "Atlantis", "galactic"]]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(DataValidationError) as err:
        read_codings(path)
    text = str(err.value)
    assert "bad.csv, row 4, column 'case'" in text and "Atlantis" in text
    assert "row 4, column 'tier'" in text and "galactic" in text
    with pytest.raises(DataValidationError, match="needs a 'text' column"):
        read_codings(write_csv(tmp_path / "g.csv", [["document", "theme"], ["d", "t"]]),
                     format="generic")
    with pytest.raises(DataValidationError, match="'case' is empty"):
        read_codings(write_csv(tmp_path / "h.csv", [["id", "document", "tag", "content"],
                                                    ["1", "unknown doc", "t", "x"]]))
    with pytest.raises(CaseStudyError, match="format must be"):
        read_codings(path, format="nvivo")
    (tmp_path / "x.docx").write_text("x")
    with pytest.raises(CaseStudyError, match=r"expected a \.csv or \.xlsx"):
        read_codings(tmp_path / "x.docx")


def test_non_utf8_csv_refused(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("document,theme,text\nd,t,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataValidationError, match="not UTF-8"):
        read_codings(path)


def test_hostile_xlsx_refused_before_openpyxl(tmp_path):
    path = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../evil.xml", "x")
    with pytest.raises(DataValidationError, match="zip-slip"):
        read_codings(path)


@pytest.mark.parametrize("suffix", ["xlsx", "xlsm"])
def test_corrupt_workbook_is_named_as_a_workbook_not_a_qdpx(tmp_path, suffix):
    path = tmp_path / f"broken.{suffix}"
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DataValidationError, match=rf"not a zip archive; an \.{suffix} "
                       "workbook") as err:
        read_codings(path)
    assert "qdpx" not in str(err.value) and "broken." in str(err.value)
    good = write_csv(tmp_path / "g.csv", [["document", "case", "tier"],
                                          ["d", "NL", "national"]])
    export = write_csv(tmp_path / "e.csv", [["document", "theme", "text"], ["d", "t", "x"]])
    with pytest.raises(DataValidationError, match=rf"\.{suffix} workbook"):
        read_codings(export, cases=path)
    assert read_codings(export, cases=good).loc[0, "case"] == "NL"

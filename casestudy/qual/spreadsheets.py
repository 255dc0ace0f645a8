"""Coded segments from spreadsheet exports of CAQDAS tools, as an evidence table.

Layouts read (``format=``):

``"qualcoder"``
    QualCoder's *Coding reports* exported to CSV or XLSX (``report_codes.py``,
    ``export_csv_file``/``export_xlsx_file``): columns ``File`` (or ``Case`` then
    ``Filename``), ``Coder``, ``Coded`` (the text, or ``image``/``a/v``), ``Id``
    (``ctid:N``), ``Codename``, ``Coded_Memo``, one ``Category`` column per parent level
    (nearest first), and optionally ``FileVar_<name>``/``CaseVar_<name>`` attribute
    columns. The CSV is UTF-8 with a BOM. The theme is the categories from the top down,
    then the code name, joined by ``/`` (``THEME_SEP``).
``"taguette"``
    Taguette's highlight export (``taguette/export.py``, ``highlights_csv`` and
    ``highlights_xlsx``): ``id``, ``document``, ``tag``, ``content`` and, in newer
    versions, ``tag_parent``, ``tag_full_path``, ``tag_description``. One row per
    highlight and tag; the theme is ``tag_full_path`` where present, else ``tag``.
``"generic"``
    One row per coded segment with the evidence columns by name (case and spaces in
    headers ignored): ``document`` and ``theme`` and ``text`` required; ``segment_id``,
    ``case``, ``tier``, ``direction``, ``start``, ``end``, ``coder``, ``source_id``
    optional. For NVivo, ATLAS.ti and MAXQDA table exports, rename columns to these
    (a few common aliases are accepted: ``code``/``codes`` for theme, ``segment``/
    ``quotation``/``coded text``/``content`` for text, ``document name``/``file``/
    ``source`` for document, ``begin`` for start). Code paths written with ``\\`` or
    ``::`` become ``/`` paths.

Case and tier come from columns of the export (``case``/``tier`` in the generic layout,
``FileVar_``/``CaseVar_`` columns in QualCoder) or from a case sheet (``cases=``: a table
or a CSV/XLSX file with columns ``document``, ``case``, ``tier``; a workbook's own sheet
named ``cases`` is used when present). Case names ("Scotland") are mapped to codes.

Spreadsheets are untrusted: an XLSX is a zip and is checked like a ``.qdpx`` (entry
count, declared size, no absolute or ``..`` paths) before openpyxl reads it; openpyxl
parses its XML with defusedxml when installed (``openpyxl.xml.DEFUSEDXML``).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from casestudy.errors import CaseStudyError, DataValidationError, Problem
from casestudy.qual._io import MAX_ENTRY_BYTES, check_zip, warn_import
from casestudy.qual.evidence import THEME_SEP, as_evidence, split_code_path

FORMATS = ("auto", "qualcoder", "taguette", "generic")
_ALIASES = {
    "segment_id": ("segment_id", "segment id", "id", "quotation id"),
    "case": ("case",),
    "tier": ("tier", "level"),
    "document": ("document", "document name", "file", "filename", "source", "document_name"),
    "theme": ("theme", "code", "codes", "code path"),
    "direction": ("direction",),
    "text": ("text", "segment", "coded text", "quotation", "quotation content", "content",
             "coded"),
    "start": ("start", "begin", "start position"),
    "end": ("end", "end position"),
    "coder": ("coder", "creator", "created by", "user"),
    "source_id": ("source_id", "source id"),
}


def _rows_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    if len(raw) > MAX_ENTRY_BYTES:
        raise DataValidationError(Problem(str(path), "too-large", (
            f"refused: {len(raw):,} bytes, more than the limit of {MAX_ENTRY_BYTES:,}")))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(Problem(str(path), "encoding", (
            f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8; save the "
            "export as UTF-8"))) from None
    return [row for row in csv.reader(io.StringIO(text, newline=""))]


def _workbook_sheets(path: Path) -> dict[str, list[list[str]]]:
    with check_zip(path, kind=path.suffix.lower().lstrip(".")):
        pass  # checked before openpyxl inflates anything
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise DataValidationError(Problem(str(path), "bad-xlsx", f"cannot be read as an "
                                          f"XLSX workbook: {exc}")) from None
    try:
        return {ws.title: [["" if v is None else str(v) for v in row]
                           for row in ws.iter_rows(values_only=True)]
                for ws in wb.worksheets}
    finally:
        wb.close()


def _table(rows: list[list[str]], label: str) -> pd.DataFrame:
    numbered = [(i + 1, r) for i, r in enumerate(rows) if any(str(c).strip() for c in r)]
    if not numbered:
        raise DataValidationError(Problem(label, "empty", "no header row"))
    header = [str(h).strip() for h in numbered[0][1]]
    seen: dict[str, int] = {}
    names = []
    for h in header:  # QualCoder repeats "Category" once per level
        seen[h] = seen.get(h, 0) + 1
        names.append(h if seen[h] == 1 else f"{h}#{seen[h]}")
    width = len(names)
    body = [list(r[:width]) + [""] * (width - len(r)) for _, r in numbered[1:]]
    # The index is the spreadsheet row number, so errors can point at the right line.
    return pd.DataFrame(body, columns=names, dtype="string",
                        index=[n for n, _ in numbered[1:]])


def _detect(columns: list[str]) -> str:
    low = {c.lower() for c in columns}
    if {"coder", "coded", "codename"} <= low:
        return "qualcoder"
    if {"id", "document", "tag", "content"} <= low:
        return "taguette"
    return "generic"


def _split_path(code: str) -> str:
    return THEME_SEP.join(split_code_path(code))


def _qualcoder(t: pd.DataFrame, label: str) -> pd.DataFrame:
    cols = {c.lower(): c for c in t.columns}
    first = t.columns[0]
    doc = cols.get("filename", first) if first.lower() == "case" else first
    cats = [c for c in t.columns if c.split("#")[0].lower() == "category"]
    themes = []
    for _, row in t.iterrows():
        parents = [row[c] for c in cats if pd.notna(row[c]) and str(row[c]).strip()]
        themes.append(THEME_SEP.join([*reversed(parents),
                                      str(row[cols["codename"]]).strip()]))
    out = pd.DataFrame({
        "segment_id": t[cols["id"]] if "id" in cols else pd.NA,
        "document": t[doc], "theme": themes, "text": t[cols["coded"]],
        "coder": t[cols["coder"]],
    })
    for prefix in ("filevar_", "casevar_"):
        for var in ("case", "tier", "direction", "source_id"):
            if prefix + var in cols:
                out[var] = t[cols[prefix + var]].where(t[cols[prefix + var]] != "",
                                                       out.get(var))
    if first.lower() == "case" and "case" not in out:
        out["case"] = t[first]
    media = out["text"].isin(["image", "a/v"])
    if media.any():
        warn_import(f"{label}: {int(media.sum())} image or audio/video coding(s) skipped (only "
              "coded text goes into the evidence table)")
    return out[~media]


def _taguette(t: pd.DataFrame) -> pd.DataFrame:
    cols = {c.lower(): c for c in t.columns}
    theme = t[cols["tag"]]
    if "tag_full_path" in cols:
        full = t[cols["tag_full_path"]]
        theme = full.where(full.notna() & (full != ""), theme)
    seg = t[cols["id"]] + ":" + theme.fillna("")
    return pd.DataFrame({"segment_id": seg, "document": t[cols["document"]],
                         "theme": theme.map(lambda v: _split_path(v) if pd.notna(v) else v),
                         "text": t[cols["content"]]})


def _generic(t: pd.DataFrame, label: str) -> pd.DataFrame:
    norm = {re.sub(r"[\s_]+", " ", c.strip().lower()): c for c in t.columns}
    out = {}
    for target, aliases in _ALIASES.items():
        for a in aliases:
            key = re.sub(r"[\s_]+", " ", a)
            if key in norm:
                out[target] = t[norm[key]]
                break
    missing = [c for c in ("document", "theme", "text") if c not in out]
    if missing:
        raise DataValidationError([Problem(label, "missing-column", (
            f"the generic layout needs a '{c}' column (found: {', '.join(t.columns)})"),
            row=1, column=c) for c in missing])
    frame = pd.DataFrame(out)
    frame["theme"] = frame["theme"].map(lambda v: _split_path(v) if pd.notna(v) else v)
    return frame


def _case_sheet(cases: pd.DataFrame | str | Path, label: str) -> pd.DataFrame:
    if isinstance(cases, pd.DataFrame):
        sheet = cases.astype("string")
    else:
        p = Path(cases)
        sheet = (_table(next(iter(_workbook_sheets(p).values())), str(p))
                 if p.suffix.lower() in (".xlsx", ".xlsm") else _table(_rows_csv(p), str(p)))
    sheet.columns = [str(c).strip().lower() for c in sheet.columns]
    if "document" not in sheet.columns:
        raise DataValidationError(Problem(label, "missing-column", (
            "the case sheet needs a 'document' column (and 'case' and/or 'tier')"),
            column="document"))
    return sheet[[c for c in ("document", "case", "tier") if c in sheet.columns]]


def read_codings(path: str | Path, *, format: str = "auto",
                 cases: pd.DataFrame | str | Path | None = None, coder: str | None = None,
                 source_id: str | None = None) -> pd.DataFrame:
    """Read coded segments from a CAQDAS spreadsheet export into an evidence table.

    Args:
        path: a ``.csv`` or ``.xlsx`` file.
        format: ``"auto"`` (from the header), ``"qualcoder"``, ``"taguette"`` or
            ``"generic"`` (see the module docstring for each layout).
        cases: a case sheet mapping ``document`` to ``case`` and ``tier``; it fills
            values the export does not give.
        coder: coder name for exports without one (Taguette).
        source_id: citation id(s) for rows without their own.

    Returns the evidence table (``casestudy.qual.evidence.COLUMNS``), validated: a missing
    case or tier, or an unknown one, raises ``DataValidationError`` naming the row.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "highlights.csv"
    >>> _ = p.write_text("id,document,tag,content\\n7,S3 report,finance::pooling,Set-aside\\n")
    >>> ev = read_codings(p, cases=pd.DataFrame({"document": ["S3 report"],
    ...                                          "case": ["Scotland"], "tier": ["regional"]}))
    >>> ev.loc[0, ["case", "theme", "text"]].tolist()
    ['SCO', 'finance/pooling', 'Set-aside']
    """
    if format not in FORMATS:
        raise CaseStudyError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    path = Path(path)
    label = str(path)
    if not path.is_file():
        raise CaseStudyError(f"{path}: no such file")
    suffix = path.suffix.lower()
    sheet_cases = None
    if suffix in (".xlsx", ".xlsm"):
        sheets = _workbook_sheets(path)
        names = list(sheets)
        main = next((n for n in names if n.lower() != "cases"), names[0])
        table = _table(sheets[main], f"{label}[{main}]")
        if cases is None and any(n.lower() == "cases" for n in names):
            cname = next(n for n in names if n.lower() == "cases")
            sheet_cases = _case_sheet(_table(sheets[cname], f"{label}[{cname}]"), label)
    elif suffix in (".csv", ".txt"):
        table = _table(_rows_csv(path), label)
    else:
        raise CaseStudyError(f"{path}: expected a .csv or .xlsx export, got {suffix!r}")
    fmt = _detect(list(table.columns)) if format == "auto" else format
    if fmt == "qualcoder":
        frame = _qualcoder(table, label)
    elif fmt == "taguette":
        frame = _taguette(table)
    else:
        frame = _generic(table, label)
    if cases is not None:
        sheet_cases = _case_sheet(cases, label)
    if sheet_cases is not None:
        lookup = sheet_cases.drop_duplicates("document").set_index("document")
        for col in ("case", "tier"):
            if col in lookup.columns:
                mapped = frame["document"].map(lookup[col])
                frame[col] = frame[col].where(frame[col].notna() & (frame[col] != ""),
                                              mapped) if col in frame else mapped
    if coder is not None:
        frame["coder"] = frame["coder"].where(frame["coder"].notna(), coder) \
            if "coder" in frame else coder
    if source_id is not None:
        frame["source_id"] = frame["source_id"].where(frame["source_id"].notna(), source_id) \
            if "source_id" in frame else source_id
    if "segment_id" not in frame or frame["segment_id"].isna().all():
        frame["segment_id"] = [f"{path.stem}-{n}" for n in frame.index]
    for col in ("case", "tier"):
        if col not in frame:
            frame[col] = pd.NA
    return as_evidence(frame, file=label, rows=list(frame.index))

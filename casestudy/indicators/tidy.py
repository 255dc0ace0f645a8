"""The tidy indicator table and the checks every publisher reader applies at the door.

A reader returns one row per geography, period and indicator:

=============  ==============================================================================
geography      ISO 3166-1 alpha-3 (``GBR``), ISO 3166-2 (``GB-SCT``) or the publisher's
               area code (``S12000033``, ``E54000040``)
case           the case the geography belongs to (``NL``, ``IT``, ``SCO``, ``ENG``) or missing:
               UK figures belong to no case
period         ``year`` (int) for annual data, or ``period`` (first day of the month) for
               monthly and quarterly data
indicator      snake_case code naming its denominator (``beds_per_1000``)
value          float
unit           e.g. ``% of GDP``, ``US$ per person``, ``per 1,000 people``, ``bed days``
source_id      an id in ``data/raw/sources.csv``
=============  ==============================================================================
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from casestudy.errors import DataValidationError, Problem

TIDY_COLUMNS = ("geography", "case", "indicator", "value", "unit", "source_id")


_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}


def read_table(path: str | Path, *, required: Sequence[str], what: str,
               aliases: dict[str, str] | None = None, skip_lines: int = 0,
               sep: str = ",", encoding: str = "utf-8-sig") -> pd.DataFrame:
    """Read a publisher's CSV as strings, after checking it is the format the reader expects.

    ``aliases`` maps alternative column names (a publisher's own, or a redistributor's) onto
    the names the reader uses; ``skip_lines`` skips a preamble above the header (as in a
    World Bank download), and row numbers in later messages count it. ``sep`` and
    ``encoding`` are the publisher's (``";"`` and ``"latin-1"`` for the Ministero della
    Salute). Raises ``DataValidationError`` naming the file when it is empty, not text in
    ``encoding``, separated by another character than ``sep``, or lacks a required column.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("Country Code,1990\\nNLD,1.5\\n")
    >>> read_table(p, required=["iso3"], what="WDI", aliases={"Country Code": "iso3"}).iso3[0]
    'NLD'
    """
    path = Path(path)
    label = str(path)
    if not path.is_file():
        raise DataValidationError(Problem(label, "missing-file", f"{what} file not found"))
    raw = path.read_bytes()
    if not raw.strip():
        raise DataValidationError(Problem(label, "empty", f"the file is empty; expected a "
                                          f"{what} CSV"))
    if raw[:4] == b"PK\x03\x04" or b"\x00" in raw[:4096]:
        raise DataValidationError(Problem(label, "format", f"this is a binary file (zip, "
                                          f"xlsx or similar), not a {what} CSV"))
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        name = "UTF-8" if encoding.lower().startswith("utf-8") else encoding
        raise DataValidationError(Problem(label, "encoding", f"byte offset {exc.start} is "
                                          f"not {name}; expected a {what} CSV")) from None
    lines = text.splitlines()
    if len(lines) <= skip_lines:
        raise DataValidationError(Problem(label, "empty", f"no header row; expected a {what} "
                                          "CSV"))
    header = next(csv.reader([lines[skip_lines]], delimiter=sep))
    if len(header) == 1:
        other = [name for s, name in _SEPARATORS.items() if s != sep and s in header[0]]
        if other:
            raise DataValidationError(Problem(
                label, "format", f"the header is separated by {other[0]}s; expected a "
                f"{_SEPARATORS.get(sep, repr(sep))}-separated {what} CSV", row=skip_lines + 1))
    require_columns([(aliases or {}).get(h.strip(), h.strip()) for h in header], required,
                    file=label, what=what, row=skip_lines + 1, header=header)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding,
                            skiprows=skip_lines, sep=sep)
    except pd.errors.ParserError as exc:
        raise DataValidationError(Problem(label, "format", f"not a readable {what} CSV: "
                                          f"{exc}")) from None
    # Index = data line number minus 2, so messages built on it name the file's own rows.
    frame.index = frame.index + skip_lines
    return frame.rename(columns=lambda c: (aliases or {}).get(c.strip(), c.strip()))


def require_columns(columns: Sequence[str], required: Sequence[str], *, file: str, what: str,
                    row: int = 1, header: Sequence[str] | None = None) -> None:
    """Raise naming every ``required`` column missing from ``columns`` (on header ``row``).

    ``header`` is the header as the file spells it, shown in the message when the reader
    has renamed its columns (``columns``) through aliases.

    >>> try:
    ...     require_columns(["iso3", "year"], ["iso3", "value"], file="f.csv", what="WDI")
    ... except DataValidationError as err:
    ...     print(err.problems[0].message)
    not a WDI file: column 'value' is missing (found: iso3, year)
    """
    missing = [c for c in required if c not in columns]
    if missing:
        found = ", ".join(map(str, columns if header is None else header))
        raise DataValidationError([
            Problem(file, "missing-column",
                    f"not a {what} file: column '{c}' is missing (found: {found})",
                    row=row, column=c) for c in missing])


def check_pattern(frame: pd.DataFrame, column: str, pattern: str, *, file: str, what: str,
                  rule: str = "code", allow_empty: bool = False,
                  upper: bool = False) -> pd.Series:
    """The column's cells, stripped (and upper-cased if ``upper``), after checking that each
    matches ``pattern`` in full; the first cell that does not is reported with its row.

    ``what`` describes a good cell for the message ("a council area code").

    >>> import pandas as pd
    >>> check_pattern(pd.DataFrame({"iso3": [" nld"]}), "iso3", "[A-Z]{3}", file="f.csv",
    ...               what="an ISO 3166-1 alpha-3 code", upper=True).tolist()
    ['NLD']
    """
    text = frame[column].astype(str).str.strip()
    if upper:
        text = text.str.upper()
    ok = text.str.fullmatch(pattern)
    if allow_empty:
        ok |= text == ""
    if not ok.all():
        i = frame.index[~ok][0]
        raise DataValidationError(Problem(file, rule, f"expected {what}, found "
                                          f"{frame.at[i, column]!r}", row=int(i) + 2,
                                          column=column))
    return text


def to_number(frame: pd.DataFrame, column: str, *, file: str,
              allow_missing: bool = True) -> pd.Series:
    """Parse a column as floats; any cell that is not a number is reported with its row."""
    text = frame[column].astype(str).str.strip()
    values = pd.to_numeric(text.where(text != "", None), errors="coerce")
    bad = values.isna() & (text != "")
    if not allow_missing:
        bad |= text == ""
    if bad.any():
        raise DataValidationError([
            Problem(file, "type", f"expected a number, found {text[i]!r}", row=int(i) + 2,
                    column=column) for i in frame.index[bad][:20]])
    return values.astype("float64")


def check_unique(frame: pd.DataFrame, key: Sequence[str], *, file: str) -> None:
    """Raise if two rows share ``key``, naming the rows (as a spreadsheet numbers them)."""
    dup = frame.duplicated(list(key), keep=False)
    if dup.any():
        rows = [int(i) + 2 for i in frame.index[dup][:20]]
        first = frame.loc[frame.index[dup][0], list(key)]
        shown = ", ".join(f"{k}={v!r}" for k, v in first.items())
        raise DataValidationError(Problem(
            file, "duplicate-key",
            f"rows {', '.join(map(str, rows))} repeat the key ({', '.join(key)}), first "
            f"({shown}); expected one row per key"))


def check_codes(frame: pd.DataFrame, column: str, known: Sequence[str], *, file: str) -> None:
    """Raise if ``column`` holds a code outside ``known`` (e.g. an unknown indicator code)."""
    bad = ~frame[column].isin(list(known))
    if bad.any():
        first = frame.index[bad][0]
        raise DataValidationError(Problem(
            file, "unknown-code",
            f"unknown code {frame.at[first, column]!r}; expected one of {', '.join(known)}",
            row=int(first) + 2, column=column))

"""The evidence table: one row per coded segment, and its checks.

Columns (in this order): ``segment_id``, ``case`` (NL, IT, SCO, ENG), ``tier``
(national, regional, local-strategic, frontline), ``document`` (source document or
interview id), ``theme`` (a code path such as ``governance/accountability``), ``direction``
(facilitator, barrier or neutral; missing where not coded), ``text`` (the coded text or a
summary), ``start`` and ``end`` (offsets in code points, end exclusive, where known),
``coder``, ``source_id`` (one or more ids from ``data/raw/sources.csv``, ``;``-separated),
``perspective`` (whose view the segment reports, one of ``PERSPECTIVES``) and ``stage``
(where in the improvement cycle a segment about improvement work sits, one of ``STAGES``;
missing where it does not apply). Imported codings may leave both missing.

>>> frame = pd.DataFrame({"segment_id": ["a"], "case": ["SCO"], "tier": ["regional"],
...                       "document": ["S3"], "theme": ["finance/pooling"],
...                       "direction": ["barrier"], "text": ["Set-aside not enacted"]})
>>> ev = as_evidence(frame)
>>> list(ev.columns) == list(COLUMNS)
True
>>> str(ev["tier"].dtype)
'category'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from casestudy import cases, data
from casestudy.errors import DataValidationError, Problem

#: Tiers of the study, from the top down.
TIERS: tuple[str, ...] = ("national", "regional", "local-strategic", "frontline")
#: How a segment bears on integration, where it was coded.
DIRECTIONS: tuple[str, ...] = ("facilitator", "barrier", "neutral")
#: Whose view a segment reports, decided from what its source is (see the manifest's
#: description of ``evidence.csv`` for the rule applied to secondary reports).
PERSPECTIVES: tuple[str, ...] = (
    "national government", "regulator or inspector", "scrutiny body", "commissioner or funder",
    "provider organisation", "frontline staff", "people who use services and carers",
    "independent researchers")
#: Steps of the improvement cycle, in order, for segments about improvement work.
STAGES: tuple[str, ...] = ("prioritising", "exploring", "implementing", "demonstrating impact")
COLUMNS: tuple[str, ...] = ("segment_id", "case", "tier", "document", "theme", "direction",
                            "text", "start", "end", "coder", "source_id", "perspective",
                            "stage")
_REQUIRED = ("segment_id", "case", "tier", "document", "theme", "text")
#: Separator of levels in a theme path.
THEME_SEP = "/"
#: How CAQDAS tools write a code path flat in one name (``finance::pooling``,
#: ``finance\pooling``).
_FLAT_PATH_SEP = re.compile(r"::|\\")


def load_evidence(raw: Path | None = None) -> pd.DataFrame:
    """The project's coded evidence (``data/raw/evidence.csv``), validated and typed.

    ``case`` is an ordered categorical in registry order (as ``data.load`` gives it),
    ``tier``, ``direction``, ``perspective`` and ``stage`` ordered categoricals in the
    order of ``TIERS``, ``DIRECTIONS``, ``PERSPECTIVES`` and ``STAGES``.
    """
    frame = data.load("evidence", raw)
    for col in _ENUMS:
        frame[col] = ordered(frame[col], col)
    return frame


#: Columns with a fixed study order; every other column sorts alphabetically.
_FIXED_ORDER: dict[str, tuple[str, ...]] = {"tier": TIERS, "direction": DIRECTIONS,
                                            "perspective": PERSPECTIVES, "stage": STAGES}
#: Columns whose values must come from a fixed list (empty allowed except for tier).
_ENUMS: tuple[str, ...] = ("tier", "direction", "perspective", "stage")


def ordered(values: Iterable[str] | pd.Series, column: str) -> pd.Series | pd.Categorical:
    """``values`` of ``column`` as an ordered categorical when the column has a study
    order (``case``: registry order; ``tier``: top down; ``direction``, ``perspective``
    and ``stage``: as ``DIRECTIONS``, ``PERSPECTIVES`` and ``STAGES``), with every level as
    a category; other columns as strings.

    >>> ordered(pd.Series(["frontline", "national"]), "tier").sort_values().tolist()
    ['national', 'frontline']
    """
    text = pd.Series(values, dtype="string") if not isinstance(values, pd.Series) else \
        values.astype("string")
    if column == "case":
        return cases.categorical(text)
    if column in _FIXED_ORDER:
        return pd.Categorical(text, categories=list(_FIXED_ORDER[column]), ordered=True)
    return text


def order(values: Iterable[str] | pd.Series, column: str) -> list[str]:
    """The distinct values present, in ``column``'s study order (see ``ordered``);
    alphabetical for columns without one.

    >>> order(["ENG", "NL", "ENG"], "case")
    ['NL', 'ENG']
    """
    present = {str(v) for v in values if not pd.isna(v)}
    if column == "case":
        return cases.order(present)
    if column in _FIXED_ORDER:
        return [v for v in _FIXED_ORDER[column] if v in present]
    return sorted(present)


def _case_code(value: str) -> str | None:
    """A case code from a code or a case name, case-insensitively ("Scotland" → SCO)."""
    text = str(value).strip()
    for case in cases.CASES:
        if text.upper() == case.code or text.casefold() == case.name.casefold():
            return case.code
    return None


def as_evidence(frame: pd.DataFrame, *, file: str = "<evidence>",
                rows: Sequence[int] | None = None) -> pd.DataFrame:
    """Check ``frame`` against the evidence contract and return it typed, columns in order.

    Missing optional columns are added empty. Case names are mapped to codes. Every
    problem (missing value, unknown case, tier, direction, perspective or stage, bad
    offsets, duplicate segment id) is collected and raised together as one
    ``DataValidationError`` naming ``file``, the row (``rows`` gives the file row of each
    frame row; by default the frame's rows follow a header, so the first is row 2) and
    the column.
    """
    frame = frame.copy()
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise DataValidationError([Problem(file, "missing-column", f"expected column "
                                           f"'{c}' is missing", column=c) for c in missing])
    for col in COLUMNS:
        if col not in frame.columns:
            frame[col] = pd.NA
    frame = frame.loc[:, list(COLUMNS)].reset_index(drop=True)
    file_rows = list(rows) if rows is not None else [i + 2 for i in range(len(frame))]
    problems: list[Problem] = []
    # Every text column is stripped once here; blanks count as missing from then on.
    for col in (c for c in COLUMNS if c not in ("start", "end")):
        frame[col] = frame[col].astype("string").str.strip().replace("", pd.NA)
    for i, row in frame.iterrows():
        where = {"file": file, "row": file_rows[i]}
        for col in _REQUIRED:
            if pd.isna(row[col]):
                problems.append(Problem(**where, rule="required", column=col,
                                        message=f"'{col}' is empty"))
        if not pd.isna(row["case"]):
            code = _case_code(row["case"])
            if code is None:
                problems.append(Problem(**where, rule="enum", column="case", message=(
                    f"unknown case {row['case']!r}: expected one of "
                    f"{', '.join(cases.codes())} (or the case name)")))
            frame.loc[i, "case"] = code
        for col in _ENUMS:
            if not pd.isna(row[col]) and row[col] not in _FIXED_ORDER[col]:
                empty = "" if col in _REQUIRED else " or empty"
                problems.append(Problem(**where, rule="enum", column=col, message=(
                    f"unknown {col} {row[col]!r}: expected one of "
                    f"{', '.join(_FIXED_ORDER[col])}{empty}")))
    for col in ("start", "end"):
        as_num = pd.to_numeric(frame[col], errors="coerce")
        for i in frame.index[frame[col].notna() & (as_num.isna() | (as_num < 0)
                                                   | (as_num % 1 != 0))]:
            problems.append(Problem(file, "type", f"'{col}' must be a whole number >= 0, "
                                    f"got {frame.loc[i, col]!r}", row=file_rows[i],
                                    column=col))
        frame[col] = as_num.where(as_num.notna() & (as_num >= 0) & (as_num % 1 == 0))
        frame[col] = frame[col].astype("Int64")
    bad_span = frame["start"].notna() & frame["end"].notna() & (frame["end"] < frame["start"])
    for i in frame.index[bad_span.fillna(False)]:
        problems.append(Problem(file, "constraint", "'end' is before 'start'",
                                row=file_rows[i], column="end"))
    dup = frame["segment_id"].notna() & frame["segment_id"].duplicated(keep="first")
    for i in frame.index[dup]:
        problems.append(Problem(file, "unique", f"segment_id {frame.loc[i, 'segment_id']!r} "
                                "appears more than once", row=file_rows[i],
                                column="segment_id"))
    if problems:
        raise DataValidationError(problems)
    for col in ("case", *_ENUMS):
        frame[col] = ordered(frame[col], col)
    return frame


def theme_at(themes: Iterable[str] | pd.Series, level: int | None) -> pd.Series:
    """Theme paths cut to their first ``level`` parts (None keeps the whole path).

    >>> theme_at(pd.Series(["finance/pooling", "workforce"]), 1).tolist()
    ['finance', 'workforce']
    """
    series = pd.Series(themes, dtype="string")
    if level is None:
        return series
    if level < 1:
        raise ValueError(f"level must be 1 or more, got {level}")
    return series.str.split(THEME_SEP).str[:level].str.join(THEME_SEP).astype("string")


def split_code_path(code: str) -> list[str]:
    """The levels of a code path written flat with ``::`` or ``\\`` (as NVivo, ATLAS.ti,
    MAXQDA and Taguette exports do), stripped, empty levels dropped.

    >>> split_code_path(r"finance :: pooling\\set-aside")
    ['finance', 'pooling', 'set-aside']
    """
    return [part.strip() for part in _FLAT_PATH_SEP.split(code) if part.strip()]

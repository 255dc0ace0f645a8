"""Set data at the door: names, set types, outcome specs, literal memberships, term text.

Everything the other QCA modules take from a user passes through here, so a bad column
(a missing value, a membership of 1.2, a level of 2 in a crisp set, a condition called
``A*B``) fails early with the case and column named. The frames are in memory (often
reshaped from a long file by :func:`~casestudy.qca.sets_wide`), so a problem names the
case, never a row number that would point at the wrong line of any file; set
``data.attrs["path"]`` to have it name the file the frame came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from casestudy.errors import DataValidationError, Problem

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")
_OUTCOME = re.compile(r"\s*(~?)\s*([^\s\[\]~]+)\s*(?:\[\s*(\d+)\s*\])?\s*")
SET_TYPES = ("fuzzy", "crisp", "multi")


def _source(data: pd.DataFrame) -> str:
    """The file label of a problem: ``data.attrs["path"]`` when set, else ``<DataFrame>``."""
    return str(data.attrs.get("path", "<DataFrame>"))


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds, so messages read ``8``, not ``np.int64(8)``."""
    return value.item() if hasattr(value, "item") else value


_NA_HINT = ("pandas reads a case called 'NA' (Namibia, say) as missing: read the file "
            "with keep_default_na=False, or set the labels as strings")


def case_labels(data: pd.DataFrame) -> np.ndarray:
    """The frame's index as case labels (strings), refusing missing labels by position.

    >>> case_labels(pd.DataFrame({"A": [1, 0]}, index=["NA", 7])).tolist()
    ['NA', '7']
    """
    missing = np.flatnonzero(pd.isna(data.index))
    if len(missing):
        pos = int(missing[0])
        raise DataValidationError(Problem(
            _source(data), "case-label",
            f"case label of row {pos + 1} (position {pos} of the index) is missing "
            f"({data.index[pos]!r}), expected a case name; {_NA_HINT}"))
    return np.asarray([str(_plain(v)) for v in data.index], dtype=object)


def check_name(name: object, *, file: str = "<DataFrame>") -> str:
    """Return ``name`` if it can stand in QCA notation, else raise.

    A condition called like an operator (``A*B``, ``~A``, ``A+B``, ``A[1]``) would make
    printed solutions ambiguous, so it is refused rather than escaped.

    >>> check_name("DEV")
    'DEV'
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise DataValidationError(Problem(
            file, "set-name",
            f"set name {name!r} cannot be used in QCA notation: names start with a letter "
            "and hold only letters, digits, '_' or '.', never an operator (~ * + [ ] ( ) , "
            "- or a space)", column=str(name)))
    return name


@dataclass(frozen=True)
class OutcomeSpec:
    """The outcome as written: ``SURV``, ``~SURV``, ``SURV[1]`` or ``~SURV[2]``."""

    column: str
    negated: bool = False
    level: int | None = None

    def __str__(self) -> str:
        level = "" if self.level is None else f"[{self.level}]"
        return f"{'~' if self.negated else ''}{self.column}{level}"


def parse_outcome(text: str, *, file: str = "<DataFrame>") -> OutcomeSpec:
    """Parse an outcome spec.

    >>> parse_outcome("~SURV")
    OutcomeSpec(column='SURV', negated=True, level=None)
    """
    match = _OUTCOME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise DataValidationError(Problem(file, "outcome", f"cannot read outcome {text!r}; "
                                          "expected NAME, ~NAME, NAME[level] or ~NAME[level]"))
    negated, column, level = match.groups()
    check_name(column, file=file)
    return OutcomeSpec(column, bool(negated), None if level is None else int(level))


def _bad_cells(mask: np.ndarray, data: pd.DataFrame, column: str, rule: str,
               expected: str) -> list[Problem]:
    file = _source(data)
    out = []
    for pos in np.flatnonzero(mask)[:10]:
        out.append(Problem(file, rule, f"case {_plain(data.index[pos])!r}: got "
                           f"{_plain(data[column].iloc[pos])!r}, expected {expected}",
                           column=column))
    return out


def numeric_column(data: pd.DataFrame, column: str, *,
                   needed: str = "a set membership (QCA needs every case scored)") -> np.ndarray:
    """The column as float64, refusing missing and non-numeric values with their cases.

    ``needed`` says, in a missing-value problem, what the cell should have held.
    """
    file = _source(data)
    if column not in data.columns:
        raise DataValidationError(Problem(file, "missing-column",
                                          f"no column {column!r}; columns are "
                                          f"{list(map(str, data.columns))}", column=column))
    col = data[column]
    # A numeric column has nothing to coerce; to_numeric on it was most of this function's
    # time in robustness_ranges, which checks the sets again at every step.
    if not pd.api.types.is_numeric_dtype(col.dtype):
        col = pd.to_numeric(col, errors="coerce")
    values = col.to_numpy(dtype=float, na_value=np.nan)
    bad = np.isnan(values)
    if bad.any():
        raw_missing = data[column].isna().to_numpy()
        problems = _bad_cells(bad & raw_missing, data, column, "missing-value", needed)
        problems += _bad_cells(bad & ~raw_missing, data, column, "not-a-number",
                               "a number")
        raise DataValidationError(problems)
    return values


def set_type(values: np.ndarray) -> str:
    """Infer ``fuzzy`` (any non-integer), ``crisp`` (0/1) or ``multi`` (0, 1, 2, ...)."""
    if np.all(values == np.round(values)):
        return "crisp" if values.max(initial=0) <= 1 else "multi"
    return "fuzzy"


def check_sets(data: pd.DataFrame, columns: Sequence[str],
               declared: Mapping[str, str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Validate set columns; return the values (cases x columns) and each column's type.

    Fuzzy memberships must lie in [0, 1]; crisp sets hold 0 or 1; multi-value sets hold
    levels 0, 1, 2, ... ``declared`` maps a column to the type it must have.
    """
    declared = dict(declared or {})
    file = _source(data)
    unknown = sorted(set(declared) - set(columns))
    if unknown:
        raise DataValidationError(Problem(file, "set-type", f"set types given for columns "
                                          f"that are not analysed: {unknown}"))
    problems: list[Problem] = []
    matrix = np.empty((len(data), len(columns)))
    types = []
    for j, column in enumerate(columns):
        check_name(column, file=file)
        values = numeric_column(data, column)
        kind = declared.get(column) or set_type(values)
        if kind not in SET_TYPES:
            raise DataValidationError(Problem(file, "set-type", f"unknown set type {kind!r}; "
                                              f"expected one of {SET_TYPES}", column=column))
        if kind == "crisp":
            problems += _bad_cells(~np.isin(values, (0.0, 1.0)), data, column, "crisp-value",
                                   "0 or 1 in a crisp set")
        elif kind == "multi":
            problems += _bad_cells((values < 0) | (values != np.round(values)), data, column,
                                   "multi-value", "a level 0, 1, 2, ... in a multi-value set")
        else:
            problems += _bad_cells((values < 0) | (values > 1), data, column, "membership",
                                   "a fuzzy membership in [0, 1]")
        matrix[:, j] = values
        types.append(kind)
    if problems:
        raise DataValidationError(problems)
    return matrix, types


@dataclass(frozen=True, eq=False)
class SetData:
    """Checked sets of one analysis: the outcome spec, the conditions (data order), their
    types and levels, ``values`` (cases x conditions) and ``y`` (outcome membership)."""

    outcome: OutcomeSpec
    conditions: tuple[str, ...]
    types: tuple[str, ...]
    levels: tuple[int, ...]
    values: np.ndarray
    y: np.ndarray

    @property
    def multi(self) -> bool:
        """True when terms print in multi-value notation (``A[1]``)."""
        return "multi" in self.types or self.outcome.level is not None

    def literal(self, j: int, level: int) -> np.ndarray:
        """Each case's membership in condition ``j`` at ``level``."""
        return literal(self.values[:, j], self.types[j], level)


def read_sets(data: pd.DataFrame, outcome: str, conditions: Sequence[str] | str | None,
              set_types: Mapping[str, str] | None) -> SetData:
    """Check the outcome and conditions of an analysis in one pass over their columns.

    ``conditions`` defaults to every column but the outcome; a string is split at commas.
    Every bad cell of every analysed column is reported together.

    >>> df = pd.DataFrame({"A": [0, 1, 2], "B": [0.2, 0.9, 0.4], "Y": [0.1, 0.8, 1.0]})
    >>> sets = read_sets(df, "~Y", None, None)
    >>> sets.conditions, sets.types, sets.levels, sets.y.round(1).tolist()
    (('A', 'B'), ('multi', 'fuzzy'), (3, 2), [0.9, 0.2, 0.0])
    """
    file = _source(data)
    spec = parse_outcome(outcome, file=file)
    if conditions is None:
        conditions = [str(c) for c in data.columns if c != spec.column]
    elif isinstance(conditions, str):
        conditions = [c.strip() for c in conditions.split(",")]
    conditions = list(conditions)
    if not conditions:
        raise DataValidationError(Problem(file, "conditions", "no conditions to analyse"))
    if spec.column in conditions:
        raise DataValidationError(Problem(file, "conditions", f"the outcome {spec.column!r} "
                                          "is also listed as a condition"))
    if len(set(conditions)) != len(conditions):
        raise DataValidationError(Problem(file, "conditions", f"conditions repeat: "
                                          f"{conditions}"))
    matrix, types = check_sets(data, [*conditions, spec.column], set_types)
    y = outcome_membership(matrix[:, -1], types.pop(), spec, file)
    values = np.ascontiguousarray(matrix[:, :-1])
    levels = tuple(_levels(values[:, j], t) for j, t in enumerate(types))
    return SetData(spec, tuple(conditions), tuple(types), levels, values, y)


def _levels(values: np.ndarray, kind: str) -> int:
    return int(values.max(initial=0)) + 1 if kind == "multi" else 2


def outcome_membership(values: np.ndarray, kind: str, spec: OutcomeSpec, file: str
                       ) -> np.ndarray:
    """Each case's membership in the outcome as ``spec`` names it: a level of a multi-value
    outcome (which must be named), negated or not."""
    if spec.level is not None:
        values = (values == spec.level).astype(float)
    elif kind == "multi":
        raise DataValidationError(Problem(
            file, "outcome", f"outcome {spec.column!r} is multi-value; name a level, e.g. "
            f"'{spec.column}[1]'", column=spec.column))
    return 1.0 - values if spec.negated else values


def with_column(sets: SetData, data: pd.DataFrame, column: str) -> SetData:
    """``sets`` with ``column`` (a condition or the outcome) read again from ``data`` (one
    column is checked, not all): what ``read_sets`` would give on the frame with that
    column replaced. A column the analysis does not use leaves ``sets`` as they are."""
    if column != sets.outcome.column and column not in sets.conditions:
        return sets
    matrix, (kind,) = check_sets(data, [column])
    if column == sets.outcome.column:
        return replace(sets, y=outcome_membership(matrix[:, 0], kind, sets.outcome,
                                                  _source(data)))
    j = sets.conditions.index(column)
    values = sets.values.copy()
    values[:, j] = matrix[:, 0]
    return replace(sets, values=values,
                   types=(*sets.types[:j], kind, *sets.types[j + 1:]),
                   levels=(*sets.levels[:j], _levels(values[:, j], kind),
                           *sets.levels[j + 1:]))


def literal(values: np.ndarray, kind: str, level: int) -> np.ndarray:
    """Membership in ``X[level]``: x or 1 - x for fuzzy and crisp sets, x == level else."""
    if kind == "multi":
        return (values == level).astype(float)
    return values if level == 1 else 1.0 - values


def term_text(term: Sequence[int], names: Sequence[str], multi: bool) -> str:
    """A conjunction in R QCA notation; ``-1`` marks a condition left out.

    >>> term_text([1, 0, -1], ["DEV", "URB", "LIT"], multi=False)
    'DEV*~URB'
    >>> term_text([2, -1, 1], ["DEV", "URB", "LIT"], multi=True)
    'DEV[2]*LIT[1]'
    """
    parts = []
    for name, level in zip(names, term, strict=True):
        if level < 0:
            continue
        if multi:
            parts.append(f"{name}[{level}]")
        else:
            parts.append(name if level == 1 else f"~{name}")
    return "*".join(parts) if parts else "1"

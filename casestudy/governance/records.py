"""The governance tables, their vocabulary and their checks.

Two tables describe each case's integrated arrangement.

``bodies``, one row per body (or office, or standing partnership): ``case``, ``body_id``
(unique across cases; the committed file starts each with its case code), ``short_name``
(the label on the maps), ``name``, ``tier`` (one of the registry's four), ``kind``,
``sector`` (health, social care, health and social care, or general) and ``source_id``.

``relations``, one row per typed relation: ``relation_id``, ``case``, ``from_body``,
``relation`` (see ``RELATIONS``), ``to_body``, ``note``, ``source_id``, ``confidence``
(V, S or U: the weakest of the fact sheet's codes in ``sheet_code``) and ``sheet_code``.

The committed tables are ``data/raw/governance_bodies.csv`` and ``data/raw/governance.csv``.

>>> import pandas as pd
>>> bodies = pd.DataFrame({"case": ["SCO", "SCO"], "body_id": ["SCO-HB", "SCO-IJB"],
...     "tier": ["regional", "local-strategic"], "sector": ["health", "social care"],
...     "source_id": ["S1", "S1"]})
>>> relations = pd.DataFrame({"case": ["SCO"], "from_body": ["SCO-HB"],
...     "relation": ["funds"], "to_body": ["SCO-IJ"], "source_id": ["S1"]})
>>> print(check(bodies, relations)[0])  # doctest: +NORMALIZE_WHITESPACE
relations, row 2, column 'to_body': body 'SCO-IJ' is not a body of case SCO
in bodies (expected one of SCO-HB, SCO-IJB)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from casestudy import cases, data, sources
from casestudy.errors import DataValidationError, Problem
from casestudy.qual.evidence import TIERS

#: Relation types and what ``from_body -> to_body`` means for each.
RELATIONS: dict[str, str] = {
    "accountable_to": "answers to, or is subject to directions from",
    "funds": "pays money to",
    "commissions": "arranges and pays for services from",
    "delegates_to": "hands functions or budgets to",
    "regulates": "sets binding rules or standards for, or approves",
    "inspects": "inspects, audits or monitors",
    "appoints": "appoints",
    "member_of": "sits on or is part of",
    "agrees_with": "is party to an agreement with",
}
#: Sides of care a body belongs to; "general" bodies (audit offices, central government)
#: belong to neither, so they never make a budget pooled.
SECTORS: tuple[str, ...] = ("health", "social care", "health and social care", "general")
#: The fact sheet's confidence codes, strongest first.
CONFIDENCE: tuple[str, ...] = ("V", "S", "U")

BODY_COLUMNS: tuple[str, ...] = ("case", "body_id", "short_name", "name", "tier", "kind",
                                 "sector", "source_id")
RELATION_COLUMNS: tuple[str, ...] = ("relation_id", "case", "from_body", "relation", "to_body",
                                     "note", "source_id", "confidence", "sheet_code")
_BODY_REQUIRED = ("case", "body_id", "tier", "sector", "source_id")
_RELATION_REQUIRED = ("case", "from_body", "relation", "to_body", "source_id")

BODIES_RESOURCE = "governance_bodies"
RELATIONS_RESOURCE = "governance"


def weakest(sheet_code: str) -> str:
    """The weakest confidence letter in a fact-sheet code such as ``"V/S"`` or ``"V;S"``.

    >>> weakest("V/S"), weakest("V"), weakest("S;U")
    ('S', 'V', 'U')
    """
    letters = [c for c in str(sheet_code) if c in CONFIDENCE]
    return max(letters, key=CONFIDENCE.index) if letters else ""


def _blank(value: object) -> bool:
    return value is None or pd.isna(value) or str(value).strip() == ""


def _columns(frame: object, required: tuple[str, ...], file: str) -> list[Problem]:
    if not isinstance(frame, pd.DataFrame):
        return [Problem(file, "type", f"expected a pandas DataFrame, got {type(frame).__name__}")]
    return [Problem(file, "missing-column", f"expected column '{c}' is missing (columns: "
                    f"{', '.join(map(str, frame.columns))})", row=1, column=c)
            for c in required if c not in frame.columns]


def _enum(value: object, allowed: tuple[str, ...] | list[str], what: str) -> str | None:
    if _blank(value):
        return f"{what} is empty: expected one of {', '.join(allowed)}"
    if str(value) not in allowed:
        return f"unknown {what} {str(value)!r}: expected one of {', '.join(allowed)}"
    return None


def _sources(value: object, known: set[str] | None) -> str | None:
    ids = sources.split_ids([value])
    if not ids:
        return "no source id: every body and relation needs one from sources.csv"
    unknown = [s for s in ids if known is not None and s not in known]
    if unknown:
        return (f"source id(s) {', '.join(map(repr, unknown))} not in sources.csv "
                "(expected ids such as E4 or S1)")
    return None


def _body_problems(bodies: pd.DataFrame, file: str, known: set[str] | None) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(bodies.to_dict("records"), start=2):

        def bad(column: str, rule: str, message: str, row: int = i) -> None:
            problems.append(Problem(file, rule, message, row=row, column=column))

        if msg := _enum(rec["case"], cases.codes(), "case"):
            bad("case", "enum", msg)
        if msg := _enum(rec["tier"], TIERS, "tier"):
            bad("tier", "enum", msg)
        if msg := _enum(rec["sector"], SECTORS, "sector"):
            bad("sector", "enum", msg)
        if msg := _sources(rec["source_id"], known):
            bad("source_id", "source-id", msg)
        body = rec["body_id"]
        if _blank(body):
            bad("body_id", "required", "body_id is empty: expected an id such as ENG-ICB")
            continue
        body = str(body)
        if body in seen:
            bad("body_id", "unique", f"body id {body!r} is repeated (first on row "
                f"{seen[body]}): expected each body once")
        seen.setdefault(body, i)
    return problems


def _relation_problems(relations: pd.DataFrame, bodies: pd.DataFrame, file: str,
                       bodies_file: str, known: set[str] | None) -> list[Problem]:
    case_of = dict(zip(bodies["body_id"].astype(str), bodies["case"].astype(str), strict=True))
    problems = []
    seen: dict[tuple[str, ...], int] = {}
    ids: dict[str, int] = {}
    for i, rec in enumerate(relations.to_dict("records"), start=2):

        def bad(column: str | None, rule: str, message: str, row: int = i) -> None:
            problems.append(Problem(file, rule, message, row=row, column=column))

        case = None if _blank(rec["case"]) else str(rec["case"])
        if msg := _enum(rec["case"], cases.codes(), "case"):
            bad("case", "enum", msg)
            case = None
        if msg := _enum(rec["relation"], list(RELATIONS), "relation"):
            bad("relation", "enum", msg)
        if msg := _sources(rec["source_id"], known):
            bad("source_id", "source-id", msg)
        for column in ("from_body", "to_body"):
            body = rec[column]
            if _blank(body):
                bad(column, "required", f"{column} is empty: expected a body_id of "
                    f"{bodies_file}")
            elif case is not None and case_of.get(str(body)) != case:
                known_here = sorted(b for b, c in case_of.items() if c == case)
                elsewhere = (f" (it belongs to case {case_of[str(body)]})"
                             if str(body) in case_of else "")
                bad(column, "foreign-key", f"body {str(body)!r} is not a body of case {case} "
                    f"in {bodies_file}{elsewhere} (expected one of {', '.join(known_here)})")
        if not _blank(rec["from_body"]) and rec["from_body"] == rec["to_body"]:
            bad("to_body", "self-relation", f"relation from {rec['from_body']!r} to itself: "
                "expected two different bodies")
        if "confidence" in rec and not _blank(rec["confidence"]):
            if msg := _enum(rec["confidence"], CONFIDENCE, "confidence"):
                bad("confidence", "enum", msg)
            elif "sheet_code" in rec and not _blank(rec["sheet_code"]) \
                    and weakest(rec["sheet_code"]) != rec["confidence"]:
                bad("confidence", "confidence", f"confidence {rec['confidence']!r} but sheet "
                    f"code {rec['sheet_code']!r}: expected its weakest code "
                    f"{weakest(rec['sheet_code'])!r}")
        if "relation_id" in rec and not _blank(rec["relation_id"]):
            rid = str(rec["relation_id"])
            if rid in ids:
                bad("relation_id", "unique", f"relation id {rid!r} is repeated (first on row "
                    f"{ids[rid]}): expected each id once")
            ids.setdefault(rid, i)
        key = tuple(str(rec[c]) for c in ("case", "from_body", "relation", "to_body"))
        if key in seen:
            bad(None, "duplicate", f"{key[1]} {key[2]} {key[3]} is recorded twice (first on "
                f"row {seen[key]}): expected each relation once, its sources joined by ';'")
        seen.setdefault(key, i)
    return problems


def check(bodies: pd.DataFrame, relations: pd.DataFrame, *, bodies_file: str = "bodies",
          relations_file: str = "relations",
          known_sources: set[str] | None = None) -> list[Problem]:
    """Every problem of a bodies table and a relations table, as ``Problem`` records.

    Rows are numbered as a spreadsheet shows them (the header is row 1). Checks: the
    required columns; known cases, tiers, sectors and relation types; body ids unique across
    cases; a source id on every row (and, when ``known_sources`` is
    given, one listed there); relations between two different bodies of their own case,
    each recorded once; a confidence code equal to the weakest code of ``sheet_code``.
    """
    problems = _columns(bodies, _BODY_REQUIRED, bodies_file)
    problems += _columns(relations, _RELATION_REQUIRED, relations_file)
    if problems:
        return problems
    problems = _body_problems(bodies, bodies_file, known_sources)
    return problems + _relation_problems(relations, bodies, relations_file, bodies_file,
                                         known_sources)


def _typed(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    # Every column, so callers can rely on them; optional ones missing from the input
    # (names, notes, confidence) are empty.
    out = frame.reindex(columns=list(columns)).copy()
    for col in out.columns:
        out[col] = (cases.categorical(out[col].astype(str)) if col == "case"
                    else out[col].astype("string"))
    return out.reset_index(drop=True)


def from_frames(bodies: pd.DataFrame, relations: pd.DataFrame, *,
                known_sources: set[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Checked, typed copies of caller-given tables; raises ``DataValidationError``
    listing every problem (nothing is returned half-checked)."""
    problems = check(bodies, relations, known_sources=known_sources)
    if problems:
        raise DataValidationError(problems)
    return _typed(bodies, BODY_COLUMNS), _typed(relations, RELATION_COLUMNS)


def load_tables(raw: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The committed bodies and relations, each validated against the manifest and then
    against each other (a relation must name bodies of its own case)."""
    bodies = data.load(BODIES_RESOURCE, raw)
    relations = data.load(RELATIONS_RESOURCE, raw)
    problems = check(bodies, relations, bodies_file="data/raw/governance_bodies.csv",
                     relations_file="data/raw/governance.csv",
                     known_sources=data.known_sources(raw))
    if problems:
        raise DataValidationError(problems)
    return _typed(bodies, BODY_COLUMNS), _typed(relations, RELATION_COLUMNS)

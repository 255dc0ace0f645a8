"""The registry: the cases, the states they sit in, and the local units inside each case.

Every table and plot takes its order, labels and colours from here. The registry is data,
not code: ``data/raw/cases.csv`` (hand-curated: one row per case, in registry order, with
its state, system and colour) and ``data/raw/units.csv`` (written by the ``units`` recipe
from the official lookups, see ``casestudy.lookups``), both validated against the manifest
before use. A team studying other cases edits those two files (then ``casestudy rehash``),
not this module.

Which files: those in ``data/raw/`` (or ``$CASESTUDY_RAW_DIR``) when that folder has a
``cases.csv``; otherwise the registry shipped with the package, so a scratch data folder
holding a few test files still knows the cases.

Keys: everywhere a case code is accepted (``label``, ``palette``, ``order``, every plot), a
state's ISO3 code and a unit's code (any vintage) or ``unit_id`` are accepted too. A unit
takes its case's colour: units are compared within a case, never across cases, so the
colour says which case a unit belongs to.

>>> from casestudy import cases
>>> cases.codes()
('NL', 'IT', 'SCO', 'ENG')
>>> cases.get("SCO").iso3166_2
'GB-SCT'
>>> cases.label("GBR")
'United Kingdom (Scotland and England)'
>>> cases.label("S08000018"), cases.case_of("E54000063"), cases.unit_ids(["E54000052"])[0]
('NHS Fife', 'ENG', 'QXU')
>>> cases.palette(["S37000014"])
{'S37000014': '#0072B2'}
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from casestudy import paths
from casestudy.errors import CaseStudyError, DataValidationError, Problem

CASES_FILE = "cases.csv"
UNITS_FILE = "units.csv"
#: Kinds of local unit, in the order tables and plots list them within a case.
KINDS = ("health_board", "hscp", "council_area", "icb", "region", "asl")


@dataclass(frozen=True)
class Case:
    """One case of the study (a row of ``cases.csv``)."""

    code: str
    name: str
    state_iso3: str
    state_name: str
    state_colour: str
    iso3166_2: str | None
    system: str
    system_body: str
    colour: str
    source_id: str


@dataclass(frozen=True)
class Unit:
    """One code of a local unit (a row of ``units.csv``); see ``casestudy.lookups``."""

    unit: str
    unit_id: str
    name: str
    kind: str
    case: str
    parent: str | None
    start: dt.date | None
    end: dt.date | None
    vintages: str | None
    source_id: str

    @property
    def colour(self) -> str:
        return get(self.case).colour


@dataclass(frozen=True)
class _Cases:
    cases: tuple[Case, ...]
    states: dict[str, str]
    state_colours: dict[str, str]
    state_case: dict[str, str]


@dataclass(frozen=True)
class _Units:
    table: pd.DataFrame
    by_code: dict[str, Unit]
    #: unit_id → the unit's latest code
    current: dict[str, str]
    #: code or unit_id → unit_id
    ids: dict[str, str]


_SHIPPED = str(Path(__file__).resolve().parent.parent / "data" / "raw")


@lru_cache(maxsize=16)
def _raw_for(raw_env: str | None, root_env: str | None) -> str:
    del raw_env, root_env  # the cache key: where paths.raw_dir() points
    return str(paths.raw_dir().resolve())


def _registry_path() -> str:
    # Labels and colours are looked up per point and per line: plain strings and a few
    # stat calls keep each lookup cheap while still seeing an edited or moved registry.
    raw = _raw_for(os.environ.get("CASESTUDY_RAW_DIR"), os.environ.get("CASESTUDY_ROOT"))
    return raw if os.path.isfile(os.path.join(raw, CASES_FILE)) else _SHIPPED


def registry_dir() -> Path:
    """The folder the registry is read from (see the module docstring)."""
    return Path(_registry_path())


def _stamp(raw: str, name: str) -> tuple[Any, ...]:
    """What identifies a file's version cheaply, so edits are picked up without a restart."""
    out: list[Any] = [name]
    for file in (name, "datapackage.json"):
        try:
            st = os.stat(os.path.join(raw, file))
            out += [st.st_mtime_ns, st.st_size]
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def _cases() -> _Cases:
    raw = _registry_path()
    return _load_cases(raw, _stamp(raw, CASES_FILE))


def _units() -> _Units:
    raw = _registry_path()
    return _load_units(raw, _stamp(raw, UNITS_FILE))


def _text(value: Any) -> str | None:
    return None if pd.isna(value) else str(value)


@lru_cache(maxsize=8)
def _load_cases(folder: str, stamp: tuple[Any, ...]) -> _Cases:
    """The cases of ``folder`` (``stamp``, the files' versions, is only the cache key)."""
    from casestudy import data

    raw = Path(folder)
    frame = data.load("cases", raw)
    label = f"{raw / CASES_FILE}"
    if frame.empty:
        raise DataValidationError(Problem(label, "empty", "the registry lists no case"))
    found = tuple(Case(**{k: _text(v) for k, v in row.items()})  # type: ignore[arg-type]
                  for row in frame.to_dict("records"))
    states: dict[str, str] = {}
    colours: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for row, case in enumerate(found, start=2):
        for mapping, value, what in ((states, case.state_name, "state_name"),
                                     (colours, case.state_colour, "state_colour")):
            if mapping.setdefault(case.state_iso3, value) != value:
                raise DataValidationError(Problem(
                    label, "conflict", f"state {case.state_iso3} is {value!r} here but "
                    f"{mapping[case.state_iso3]!r} on an earlier row: every case of one "
                    "state must give it the same name and colour", row=row, column=what))
        members.setdefault(case.state_iso3, []).append(case.code)
    # A state's figures stand for a case only when the state holds that case alone.
    single = {state: codes[0] for state, codes in members.items() if len(codes) == 1}
    return _Cases(found, states, colours, single)


@lru_cache(maxsize=8)
def _load_units(folder: str, stamp: tuple[Any, ...]) -> _Units:
    """The units of ``folder`` (``stamp`` is only the cache key)."""
    from casestudy import data

    raw = Path(folder)
    manifest = data.read_manifest(raw)
    if not any(r.get("name") == "units" for r in manifest.get("resources", [])):
        # A registry of cases alone is valid: a study may have no local units yet.
        frame = pd.DataFrame(columns=[f.name for f in Unit.__dataclass_fields__.values()])
    else:
        frame = data.load("units", raw)
    label = f"{raw / UNITS_FILE}"
    by_code: dict[str, Unit] = {}
    for row in frame.to_dict("records"):
        values = {k: _text(v) for k, v in row.items()}
        for when in ("start", "end"):
            values[when] = None if pd.isna(row[when]) else pd.Timestamp(row[when]).date()
        by_code[str(row["unit"])] = Unit(**values)  # type: ignore[arg-type]
    ids = {u.unit_id for u in by_code.values()}
    for i, u in enumerate(by_code.values(), start=2):
        if u.parent and u.parent not in ids:
            raise DataValidationError(Problem(label, "unknown-code", f"parent {u.parent!r} "
                                              "is not the unit_id of any unit", row=i,
                                              column="parent"))
    # A code that is some unit's unit_id must belong to that unit, or lookups are ambiguous.
    clash = sorted(c for c, u in by_code.items() if c in ids and u.unit_id != c)
    if clash:
        raise DataValidationError(Problem(label, "conflict", f"{clash[0]!r} is the unit_id "
                                          f"of one unit and a code of unit "
                                          f"{by_code[clash[0]].unit_id!r}", column="unit_id"))
    current = {}
    for u in sorted(by_code.values(), key=_recency):
        current[u.unit_id] = u.unit
    lookup = {code: u.unit_id for code, u in by_code.items()} | {i: i for i in ids}
    table = frame.astype({"case": "object"}).reset_index(drop=True)
    return _Units(table, by_code, current, lookup)


def _recency(u: Unit) -> tuple[Any, ...]:
    """Sort key: later codes of a unit last (by start date, then by the last vintage)."""
    last = (u.vintages or "").split(";")[-1]
    return (u.start or dt.date.min, last)


# --------------------------------------------------------------------------- cases

def __getattr__(name: str) -> Any:
    # Module attributes read from the data on first use (PEP 562).
    if name == "CASES":
        return _cases().cases
    if name == "STATES":
        return dict(_cases().states)
    raise AttributeError(f"module 'casestudy.cases' has no attribute {name!r}")


def codes() -> tuple[str, ...]:
    """The case codes in registry order."""
    return tuple(c.code for c in _cases().cases)


def get(code: str) -> Case:
    """The case with this code; raises ``CaseStudyError`` naming the known codes."""
    for case in _cases().cases:
        if case.code == code:
            return case
    raise CaseStudyError(f"unknown case code {code!r}: expected one of {', '.join(codes())}")


def case_for_state(iso3: str) -> str | None:
    """The case a state's figures may stand for: NLD→NL, ITA→IT, GBR→None (two cases)."""
    return _cases().state_case.get(iso3)


def categorical(values: Iterable[str]) -> pd.Categorical:
    """Case codes as an ordered categorical in registry order (unknown codes raise)."""
    values = list(values)
    known = codes()
    for v in {v for v in values if not pd.isna(v)} - set(known):
        get(v)  # raises, naming the known codes
    return pd.Categorical(values, categories=list(known), ordered=True)


def table() -> pd.DataFrame:
    """The registry of cases as a tidy table, one row per case.

    >>> table().loc[:, ["code", "name", "state_iso3"]].to_string(index=False).split()[:3]
    ['code', 'name', 'state_iso3']
    """
    return pd.DataFrame([c.__dict__ for c in _cases().cases])


# --------------------------------------------------------------------------- units

def units(case: str | None = None, *, kind: str | None = None,
          latest: bool = False) -> pd.DataFrame:
    """The local units, one row per code (every vintage), optionally of one case or kind.

    Columns as in ``units.csv``: ``unit`` (the publisher's code), ``unit_id`` (shared by
    every code of one unit), ``name``, ``kind``, ``case``, ``parent`` (a ``unit_id``),
    ``start``, ``end``, ``vintages``, ``source_id``. ``latest=True`` keeps one row per
    unit, its latest code; a unit that has since been abolished (an Italian ASL merged in
    2016) keeps its row, with the ``end`` or ``vintages`` that say so.

    >>> len(units("SCO", kind="health_board")), len(units("SCO", kind="health_board",
    ...                                                    latest=True))
    (18, 14)
    """
    reg = _units()
    frame = reg.table
    if latest:
        frame = frame[frame["unit"].isin(set(reg.current.values()))]
    if case is not None:
        get(case)
        frame = frame[frame["case"] == case]
    if kind is not None:
        if kind not in KINDS:
            raise CaseStudyError(f"unknown kind of unit {kind!r}: expected one of "
                                 f"{', '.join(KINDS)}")
        frame = frame[frame["kind"] == kind]
    return frame.reset_index(drop=True)


def unit(code: str) -> Unit:
    """The unit with this code (any vintage) or ``unit_id``; a ``unit_id`` gives its latest
    code's row."""
    reg = _units()
    if code in reg.by_code:
        return reg.by_code[code]
    if code in reg.current:
        return reg.by_code[reg.current[code]]
    raise CaseStudyError(f"unknown unit {code!r}: not a code or unit_id in "
                         f"{registry_dir() / UNITS_FILE}")


def unit_ids(values: Iterable[str]) -> pd.Series:
    """The ``unit_id`` of each code (any vintage) or unit_id, for joining series across
    recodes; every unknown code is named in one error.

    >>> unit_ids(["S08000018", "S08000029", "E54000053"]).tolist()
    ['S08000029', 'S08000029', 'QNX']
    """
    series = pd.Series(list(values), dtype="object")
    ids = _units().ids
    unknown = sorted({str(v) for v in series.dropna() if v not in ids})
    if unknown:
        shown = ", ".join(unknown[:20]) + (" …" if len(unknown) > 20 else "")
        raise CaseStudyError(f"{len(unknown)} code(s) are not units in "
                             f"{registry_dir() / UNITS_FILE}: {shown}")
    return series.map(ids)


def children(code: str) -> list[str]:
    """The ``unit_id`` of every unit whose parent is this unit (given by any of its codes),
    in registry order.

    >>> [label(c) for c in children("S08000019")]
    ['Clackmannanshire and Stirling', 'Falkirk']
    """
    parent = unit(code).unit_id
    found = {u.unit_id for u in _units().by_code.values() if u.parent == parent}
    return order(found)


def case_of(code: str) -> str:
    """The case a case code, a unit code or a unit_id belongs to."""
    if code in codes():
        return code
    return unit(code).case


def _is_unit(code: str) -> bool:
    return code in _units().ids


# --------------------------------------------------------------------------- display

def label(code: str) -> str:
    """Display label of a case code, a state's ISO3 code, or a unit's code or unit_id."""
    reg = _cases()
    for case in reg.cases:
        if case.code == code:
            return case.name
    if code in reg.states:
        return reg.states[code]
    if _is_unit(code):
        return unit(code).name
    raise CaseStudyError(f"unknown case, state or unit {code!r}: expected one of "
                         f"{', '.join(codes() + tuple(reg.states))} or a code in "
                         f"{UNITS_FILE}")


def palette(keys: Iterable[str] | None = None) -> dict[str, str]:
    """Colours by case code and state ISO3 code (all of them when ``keys`` is None), or for
    the ``keys`` given, which may also be unit codes (a unit takes its case's colour)."""
    reg = _cases()
    colours = {c.code: c.colour for c in reg.cases} | reg.state_colours
    if keys is None:
        return colours
    out = {}
    for k in keys:
        if k in colours:
            out[k] = colours[k]
        elif _is_unit(k):
            out[k] = colours[unit(k).case]
        else:
            raise CaseStudyError(f"no colour for {k!r}: not a case code, a state ISO3 code "
                                 "or a unit code")
    return out


def order(keys: Iterable[str] | None = None) -> list[str]:
    """Registry order (cases, then states, then units by case, kind and name), restricted
    to ``keys`` when given; keys the registry does not know are left out."""
    reg = _cases()
    full = [*codes(), *reg.states]
    if keys is None:
        return full
    wanted = list(dict.fromkeys(keys))
    known = [k for k in full if k in set(wanted)]
    case_rank = {c: i for i, c in enumerate(codes())}
    found = [k for k in wanted if k not in set(full) and _is_unit(k)]
    found.sort(key=lambda k: (case_rank.get(unit(k).case, len(case_rank)),
                              KINDS.index(unit(k).kind) if unit(k).kind in KINDS else 99,
                              unit(k).name, k))
    return known + found

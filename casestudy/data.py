"""The data contract: paths, the manifest, validation, atomic writes and loaders.

``data/raw/`` holds curated, cited, read-only inputs; ``data/raw/datapackage.json`` (a
Frictionless Data Package) is the manifest: for each file its schema, licence, source ids
and sha256. Loaders validate a file against the manifest before returning it, so an
analysis never runs on a table that breaks its contract.

>>> from casestudy import data
>>> facts = data.load_casebase()
>>> list(facts.columns[:3])
['fact_id', 'case', 'tier']
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from casestudy import cases
from casestudy.errors import DataValidationError, Problem
from casestudy.paths import (
    atomic_path,
    atomic_write,
    figures_dir,
    processed_dir,
    project_root,
    raw_dir,
    record_dependency,
)

__all__ = ["atomic_path", "atomic_write", "figures_dir", "processed_dir", "project_root",
           "raw_dir", "record_dependency"]

MANIFEST = "datapackage.json"
SOURCES = "sources.csv"
#: Separator when one row cites several sources ("E2;E5").
SOURCE_SEP = ";"


def write_processed(df: pd.DataFrame, name: str) -> Path:
    """Write a derived table to ``data/processed/NAME.csv`` atomically and return its path."""
    target = processed_dir() / f"{name}.csv"
    atomic_write(target, df.to_csv(index=False, lineterminator="\n"))
    record_dependency("W", target)
    return target


# --------------------------------------------------------------------------- manifest

def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(raw: Path | None = None) -> dict[str, Any]:
    raw = raw or raw_dir()
    path = raw / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataValidationError(
            Problem(str(path), "manifest", "the manifest is missing")
        ) from None
    except json.JSONDecodeError as exc:
        raise DataValidationError(
            Problem(str(path), "manifest", f"not valid JSON: {exc.msg}", row=exc.lineno)
        ) from None


def write_manifest(manifest: dict[str, Any], raw: Path | None = None) -> Path:
    """Write the manifest (only the extract recipes and ``casestudy rehash`` do this)."""
    raw = raw or raw_dir()
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    return atomic_write(raw / MANIFEST, text)


def resource(name: str, manifest: dict[str, Any]) -> dict[str, Any]:
    for res in manifest.get("resources", []):
        if res.get("name") == name:
            return res
    known = ", ".join(r.get("name", "?") for r in manifest.get("resources", []))
    raise DataValidationError(
        Problem(MANIFEST, "manifest", f"no resource named {name!r}; the manifest has: {known}")
    )


def rehash(names: list[str] | None = None, raw: Path | None = None) -> list[str]:
    """Record the current sha256 of hand-curated files after a deliberate edit.

    Files written by extract recipes are refused: rerun the recipe instead.
    """
    raw = raw or raw_dir()
    manifest = read_manifest(raw)
    changed = []
    for res in manifest["resources"]:
        if names and res["name"] not in names:
            continue
        path = raw / res["path"]
        digest = sha256_file(path)
        # Files without a source column (e.g. a .qdpx) keep the ids recorded by hand.
        cited = (sorted({sid for _, _, sid in _citations(path, res.get("schema"))})
                 if _source_columns(path, res.get("schema")) else res.get("source_ids", []))
        # Recipes record their ids in study order, rehash in sorted order: compare as sets.
        if digest == res.get("sha256") and set(cited) == set(res.get("source_ids", [])):
            continue
        if res.get("recipe"):
            raise DataValidationError(Problem(
                res["path"], "sha256",
                f"written by recipe {res['recipe']['name']!r}: rerun "
                f"`casestudy extract {res['recipe']['name']}` instead of rehashing",
            ))
        res["sha256"] = digest
        res["source_ids"] = cited
        changed.append(res["name"])
    if changed:
        write_manifest(manifest, raw)
    return changed


def _source_columns(path: Path, schema: dict[str, Any] | None) -> list[str]:
    """Columns that cite sources; the source list itself defines ids rather than citing them."""
    if path.name == SOURCES:
        return []
    return [f["name"] for f in (schema or {}).get("fields", [])
            if f["name"].endswith("source_id")]


def _citations(path: Path, schema: dict[str, Any] | None) -> list[tuple[int, str, str]]:
    """(row, column, source id) for every id the file cites; rows as a spreadsheet numbers them."""
    cols = _source_columns(path, schema)
    if not cols:
        return []
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=cols)
    return [(row, col, sid.strip())
            for col in cols
            for row, cell in enumerate(frame[col], start=2)
            for sid in cell.split(SOURCE_SEP) if sid.strip()]


# --------------------------------------------------------------------------- validation

def _decode_problem(path: Path, label: str) -> Problem | None:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return Problem(label, "encoding",
                       f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8; "
                       "save the file as UTF-8", row=line)
    if data.startswith(b"\xef\xbb\xbf"):
        return Problem(label, "encoding", "the file starts with a byte-order mark; "
                       "save it as UTF-8 without BOM", row=1)
    return None


def _header_problems(path: Path, label: str, schema: dict[str, Any]) -> list[Problem]:
    with open(path, encoding="utf-8", newline="") as fh:
        header = fh.readline().rstrip("\r\n").split(",")
    expected = [f["name"] for f in schema["fields"]]
    found = ", ".join(header)
    problems = [Problem(label, "missing-column", f"expected column '{c}' is missing (the "
                        f"header has {found})", row=1, column=c)
                for c in expected if c not in header]
    problems += [Problem(label, "extra-column", f"column '{c}' is not in the schema "
                         f"(expected {', '.join(expected)})", row=1, column=c)
                 for c in header if c not in expected]
    if not problems and header != expected:
        problems.append(Problem(label, "column-order", f"the columns are in the order {found}; "
                                f"expected {', '.join(expected)}", row=1))
    return problems


_RULES = {"type-error": "type", "constraint-error": "constraint", "primary-key": "primary-key",
          "unique-error": "unique", "blank-row": "blank-row", "extra-cell": "extra-cell",
          "missing-cell": "missing-cell", "foreign-key": "foreign-key"}

_TYPE_WORDS = {"integer": "a whole number", "number": "a number", "year": "a year (YYYY)",
               "date": "a date (YYYY-MM-DD)", "boolean": "true or false",
               "datetime": "a date and time (ISO 8601)"}


def _one_of(values: list[Any]) -> str:
    return ", ".join(str(v) for v in values)


def _constraint_words(cell: str, field: dict[str, Any], note: str) -> str:
    """Name the value found and, in words, the rule it breaks."""
    c = field.get("constraints", {})
    found = repr(cell)
    if cell == "" and c.get("required"):
        return "the cell is empty; a value is required"
    if "enum" in c and cell not in [str(v) for v in c["enum"]]:
        what = "a case code" if field["name"] == "case" else "an allowed value"
        return f"{found} is not {what} (expected one of {_one_of(c['enum'])})"
    if "pattern" in c:
        return f"{found} does not match the pattern {c['pattern']!r}"
    for key, words in (("minimum", "below the minimum"), ("maximum", "above the maximum")):
        if key in c:
            return f"{found} is {words} {c[key]} (expected {key} {c[key]})"
    for key, words in (("minLength", "at least"), ("maxLength", "at most")):
        if key in c:
            return f"{found} has {len(cell)} characters (expected {words} {c[key]})"
    return f"{found} breaks the rule: {note}"


def _describe(etype: str, cell: Any, field: dict[str, Any] | None, note: str,
              key: dict[str, Any] | None) -> str:
    """A message that says what was found and what was expected, in words.

    ``key`` holds the primary-key values of the row of a primary-key error."""
    cell = "" if cell is None else str(cell)
    if etype == "type-error" and field is not None:
        ftype = field.get("type", "string")
        return f"{cell!r} is not {_TYPE_WORDS.get(ftype, ftype)}"
    if etype == "constraint-error" and field is not None:
        return _constraint_words(cell, field, note)
    if etype in ("primary-key", "unique-error"):
        where = note.replace("the same as in the row at position", "as row")
        if key:
            shown = ", ".join(f"{k}={v!r}" for k, v in key.items())
            return f"duplicate key ({shown}): {where}; expected each key once"
        return f"duplicate value {cell!r}: {where}; expected each value once"
    if etype == "missing-cell":
        return "the row ends early: this cell is missing (expected one cell per column)"
    if etype == "extra-cell":
        return f"the row has an extra cell {cell!r} beyond the last column"
    if etype == "blank-row":
        return "the row is blank (expected a value in at least one column)"
    return note or etype


def _schema_problems(path: Path, label: str, schema: dict[str, Any]) -> list[Problem]:
    from casestudy import _imports

    _imports.skip_iri_grammar()  # frictionless validates descriptors with jsonschema
    from frictionless import Resource, Schema  # slow import; only when a file needs checking

    primary = schema.get("primaryKey", [])
    primary = [primary] if isinstance(primary, str) else list(primary)
    # The key is checked here, not by frictionless: its check, row by row, took 40% of the
    # time of validating data/raw/.
    cells_only = {k: v for k, v in schema.items() if k != "primaryKey"}
    # Frictionless refuses absolute paths as unsafe; give it a name inside a base folder.
    res = Resource(path=path.name, basepath=str(path.parent),
                   schema=Schema.from_descriptor(cells_only), format="csv", encoding="utf-8")
    report = res.validate(limit_errors=1000)
    fields = {f["name"]: f for f in schema["fields"]}
    out = [Problem(label, _RULES.get(etype, etype),
                   _describe(etype, cell, fields.get(name), note, None), row=row, column=name)
           for etype, row, name, note, cell in report.flatten(
               ["type", "rowNumber", "fieldName", "note", "cell"])]
    if primary:
        keys = _key_problems(path, label, [fields[k] for k in primary])
        # In frictionless's order: by row, a row's cell errors before its key error.
        out = sorted([*out, *keys], key=lambda p: p.row or 0)
    return out


def _typed(cell: str, ftype: str) -> Any:
    """A key cell as frictionless compares it: typed, and None when empty or not of its
    type (a type error reported on its own)."""
    if cell == "":
        return None
    if ftype in ("integer", "year", "number"):
        try:
            return float(cell) if ftype == "number" else int(cell)
        except ValueError:
            return None
    return cell


def _key_problems(path: Path, label: str, key_fields: list[dict[str, Any]]) -> list[Problem]:
    """Rows whose primary key repeats an earlier row's, or is empty, as frictionless's
    primary-key check finds them (the note names the latest earlier row with that key)."""
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        where = [header.index(f["name"]) for f in key_fields]
        types = [f.get("type", "string") for f in key_fields]
        seen: dict[tuple[Any, ...], int] = {}
        out = []
        for row_number, row in enumerate(reader, start=2):
            raw = [row[i] if i < len(row) else "" for i in where]
            key = tuple(_typed(c, t) for c, t in zip(raw, types, strict=True))
            if all(k is None for k in key):
                note = 'cells composing the primary keys are all "None"'
            elif key in seen:
                note = f"the same as in the row at position {seen[key]}"
            else:
                note = ""
            seen[key] = row_number
            if note:
                shown = {f["name"]: c for f, c in zip(key_fields, raw, strict=True)}
                out.append(Problem(label, "primary-key",
                                   _describe("primary-key", None, None, note, shown),
                                   row=row_number))
    return out


def _source_problems(path: Path, label: str, schema: dict[str, Any],
                     known: set[str]) -> list[Problem]:
    return [Problem(label, "source-id", f"{sid!r} is not a source id listed in {SOURCES} "
                    "(expected an id of its source_id column; add the source there first)",
                    row=row, column=col)
            for row, col, sid in _citations(path, schema) if sid not in known]


def _validated_stamp(res: dict[str, Any], digest: str, sources_digest: str) -> Path:
    key = hashlib.sha256(json.dumps([res["schema"], digest, sources_digest],
                                    sort_keys=True).encode()).hexdigest()[:24]
    return processed_dir() / ".validated" / f"{res['name']}-{key}"


def validate_resource(res: dict[str, Any], raw: Path | None = None, *,
                      known_sources: set[str] | None = None, check_hash: bool = True,
                      label: str | None = None) -> list[Problem]:
    """Every problem of one manifest resource: encoding, sha256, header, types, keys, sources.

    ``label`` names the file in messages (default ``data/raw/<path>``).
    """
    raw = raw or raw_dir()
    path = raw / res["path"]
    label = label or f"data/raw/{res['path']}"
    if not path.is_file():
        return [Problem(label, "missing-file", "listed in the manifest but not found")]
    tabular = "schema" in res
    bad = _decode_problem(path, label) if tabular else None
    if bad:
        return [bad]
    problems = []
    digest = sha256_file(path)
    if check_hash and digest != res.get("sha256"):
        how = (f"rerun `casestudy extract {res['recipe']['name']}`" if res.get("recipe")
               else "if the edit is deliberate, run `casestudy rehash`")
        problems.append(Problem(label, "sha256", f"sha256 is {digest[:12]}…, the manifest "
                                f"records {str(res.get('sha256'))[:12]}…; the file changed "
                                f"since it was recorded ({how})"))
    if not tabular:
        return problems
    header = _header_problems(path, label, res["schema"])
    if header:
        return problems + header
    problems += _schema_problems(path, label, res["schema"])
    if known_sources is not None:
        problems += _source_problems(path, label, res["schema"], known_sources)
    return problems


def known_sources(raw: Path | None = None) -> set[str]:
    """The source ids listed in ``sources.csv`` (empty if it is missing or unreadable)."""
    path = (raw or raw_dir()) / SOURCES
    if not path.is_file() or _decode_problem(path, SOURCES):
        return set()
    return set(pd.read_csv(path, dtype=str, keep_default_na=False)["source_id"])


def validate(raw: Path | None = None) -> list[Problem]:
    """Check every file in ``data/raw/`` against its schema and the manifest.

    Returns the problems found (an empty list when all is well).
    """
    raw = raw or raw_dir()
    manifest = read_manifest(raw)
    known = known_sources(raw)
    problems: list[Problem] = []
    listed = {res["path"] for res in manifest.get("resources", [])}
    for path in sorted(raw.rglob("*")):
        rel = path.relative_to(raw).as_posix()
        if path.is_file() and rel != MANIFEST and rel not in listed and not rel.endswith(".md"):
            problems.append(Problem(f"data/raw/{rel}", "unlisted",
                                    "file is not in the manifest (datapackage.json)"))
    for res in manifest.get("resources", []):
        for sid in res.get("source_ids", []):
            if sid not in known:
                problems.append(Problem(MANIFEST, "source-id", f"resource {res['name']!r} "
                                        f"cites {sid!r}, which is not in {SOURCES}"))
        problems += validate_resource(res, raw, known_sources=known)
    return problems


# --------------------------------------------------------------------------- loading

_DTYPES = {"integer": "Int64", "year": "Int64", "number": "float64", "boolean": "boolean"}


def _coerce(frame: pd.DataFrame, schema: dict[str, Any]) -> pd.DataFrame:
    for field in schema["fields"]:
        name, ftype = field["name"], field.get("type", "string")
        if name == "case":
            frame[name] = cases.categorical(frame[name].where(frame[name] != "", None))
        elif ftype in _DTYPES:
            frame[name] = pd.to_numeric(frame[name].replace("", None)).astype(_DTYPES[ftype])
        elif ftype == "date":
            frame[name] = pd.to_datetime(frame[name].replace("", None), format="%Y-%m-%d")
        else:
            frame[name] = frame[name].astype("string").replace("", pd.NA)
    return frame


def load(name: str, raw: Path | None = None) -> pd.DataFrame:
    """Validate a manifest resource and return it as a typed, tidy DataFrame.

    Column dtypes follow the schema: ``case`` is an ordered categorical in registry
    order, strings are ``string``, integers ``Int64``, numbers ``float64``, dates
    ``datetime64``. Empty cells are missing values.
    """
    raw = raw or raw_dir()
    manifest = read_manifest(raw)
    res = resource(name, manifest)
    path = raw / res["path"]
    sources_path = raw / SOURCES
    digest = sha256_file(path) if path.is_file() else ""
    sources_digest = sha256_file(sources_path) if sources_path.is_file() else ""
    stamp = _validated_stamp(res, digest, sources_digest)
    if not stamp.exists():
        problems = validate_resource(res, raw, known_sources=known_sources(raw))
        if problems:
            raise DataValidationError(problems)
        # A stamp per (schema, content, sources) lets later loads skip re-validation.
        atomic_write(stamp, digest)
    elif digest != res.get("sha256"):
        raise DataValidationError(validate_resource(res, raw))
    record_dependency("R", path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return _coerce(frame, res["schema"])


def load_sources(raw: Path | None = None) -> pd.DataFrame:
    """The citation table: one row per source id (see ``casestudy.sources``)."""
    return load("sources", raw)


def load_casebase(raw: Path | None = None) -> pd.DataFrame:
    """Facts about each case, one per row.

    Columns: ``fact_id``, ``case`` (ordered categorical), ``tier``, ``dimension``,
    ``attribute``, ``value``, ``date`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or missing),
    ``event`` (short label of a dated fact), ``source_id`` (one or more ids, ``;``-separated),
    ``confidence`` (V, S or U), ``sheet_code`` (the fact sheet's own code, e.g. ``V/S``).
    """
    return load("casebase", raw)

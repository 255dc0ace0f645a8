"""Extract recipes: the one sanctioned way official files become curated files in ``data/raw/``.

A recipe reads the publisher's file(s), selects and harmonises what the reports need, and
returns a tidy table. ``run`` validates that table against the recipe's schema, writes it
as CSV with fixed formatting (same input → same bytes) and records in the manifest the
recipe's name and version and each input file's name and sha256.

Recipes live in the modules listed in ``RECIPE_MODULES`` and call ``register``.

>>> import pandas as pd
>>> from casestudy import extract
>>> extract.to_csv_bytes(pd.DataFrame({"a": [2.5, 0.1]}), {"fields": [{"name": "a"}]})
b'a\\n0.1\\n2.5\\n'

"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from casestudy import data
from casestudy.errors import CaseStudyError, DataValidationError

#: Modules that define recipes; importing one registers its recipes.
RECIPE_MODULES: tuple[str, ...] = ("casestudy.indicators.uk", "casestudy.indicators.recipes",
                                   "casestudy.indicators.scotland",
                                   "casestudy.indicators.england",
                                   "casestudy.indicators.italy",
                                   "casestudy.lookups")


@dataclass(frozen=True)
class Recipe:
    """How one curated file in ``data/raw/`` is made from official files.

    ``build`` receives the input paths in the order of ``inputs`` (the official file names
    as PROVENANCE.md lists them) and returns the tidy table, columns as in ``schema``.
    Bump ``version`` whenever a change would alter the output.
    """

    name: str
    version: str
    output: str
    title: str
    description: str
    source_ids: tuple[str, ...]
    licences: tuple[dict[str, str], ...]
    schema: dict[str, Any]
    inputs: tuple[str, ...]
    build: Callable[[list[Path]], pd.DataFrame] = field(repr=False)

    @property
    def resource_name(self) -> str:
        return Path(self.output).stem


def schema_field(name: str, ftype: str = "string", description: str = "",
                 **constraints: object) -> dict[str, object]:
    """One field of a recipe's Table Schema: ``name``, ``type``, then ``description`` and
    ``constraints`` when given."""
    out: dict[str, object] = {"name": name, "type": ftype}
    if description:
        out["description"] = description
    if constraints:
        out["constraints"] = constraints
    return out


#: The fields every tidy series extract shares (its ``period``, non-negative ``value``,
#: ``unit`` and ``source_id``), written once for every recipe module.
PERIOD_FIELD = schema_field("period", "date", required=True)
VALUE_FIELD = schema_field("value", "number", required=True, minimum=0)
UNIT_FIELD = schema_field("unit", required=True)
SOURCE_FIELD = schema_field("source_id", required=True)

_REGISTRY: dict[str, Recipe] = {}


def register(recipe: Recipe) -> Recipe:
    """Add a recipe to the registry (module import time)."""
    if recipe.name in _REGISTRY and _REGISTRY[recipe.name] is not recipe:
        raise CaseStudyError(f"two recipes are named {recipe.name!r}")
    _REGISTRY[recipe.name] = recipe
    return recipe


def recipes() -> dict[str, Recipe]:
    """Every registered recipe by name."""
    for module in RECIPE_MODULES:
        importlib.import_module(module)
    return dict(sorted(_REGISTRY.items()))


def get(name: str) -> Recipe:
    known = recipes()
    if name not in known:
        raise CaseStudyError(f"no recipe named {name!r}; known recipes: {', '.join(known)}")
    return known[name]


def resolve_inputs(recipe: Recipe, paths: Sequence[str | Path]) -> list[Path]:
    """Input paths for a recipe: the files given, or its named files inside one folder."""
    given = [Path(p) for p in paths]
    if len(given) == 1 and given[0].is_dir():
        given = [given[0] / name for name in recipe.inputs]
    if len(given) != len(recipe.inputs):
        raise CaseStudyError(
            f"recipe {recipe.name!r} reads {len(recipe.inputs)} file(s) "
            f"({', '.join(recipe.inputs)}); got {len(given)}"
        )
    for path in given:
        if not path.is_file():
            raise CaseStudyError(f"recipe {recipe.name!r}: input file {path} not found")
    return given


def to_csv_bytes(frame: pd.DataFrame, schema: dict[str, Any]) -> bytes:
    """Fixed CSV form: schema column order, rows by primary key, shortest round-trip floats."""
    columns = [f["name"] for f in schema["fields"]]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CaseStudyError(f"recipe output lacks column(s) {', '.join(missing)}")
    out = frame.loc[:, columns].copy()
    for f in schema["fields"]:
        if f.get("type") == "date":
            out[f["name"]] = pd.to_datetime(out[f["name"]]).dt.strftime("%Y-%m-%d")
    key = schema.get("primaryKey") or columns
    out = out.sort_values(list(key), kind="mergesort").reset_index(drop=True)
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def build(name: str, inputs: Sequence[str | Path]) -> tuple[Recipe, list[Path], bytes]:
    """Run a recipe in memory: the recipe, its resolved inputs and the output bytes."""
    recipe = get(name)
    paths = resolve_inputs(recipe, inputs)
    frame = recipe.build(paths)
    return recipe, paths, to_csv_bytes(frame, recipe.schema)


def run(name: str, inputs: Sequence[str | Path], raw: Path | None = None) -> Path:
    """Build a recipe's extract, validate it, write it to ``data/raw/`` and record it."""
    raw = raw or data.raw_dir()
    recipe, paths, content = build(name, inputs)
    manifest = data.read_manifest(raw)
    digest = data.sha256_bytes(content)
    entry = {
        "name": recipe.resource_name,
        "path": recipe.output,
        "title": recipe.title,
        "description": recipe.description,
        "format": "csv",
        "encoding": "utf-8",
        "licenses": list(recipe.licences),
        "source_ids": list(recipe.source_ids),
        "sha256": digest,
        "recipe": {
            "name": recipe.name,
            "version": recipe.version,
            "command": f"casestudy extract {recipe.name} --from <folder of official files>",
            "inputs": [{"file": p.name, "sha256": data.sha256_file(p)} for p in paths],
        },
        "schema": recipe.schema,
    }
    target = raw / recipe.output
    with data.atomic_path(target) as tmp:
        tmp.write_bytes(content)
        problems = data.validate_resource(entry | {"path": tmp.name}, raw,
                                          known_sources=data.known_sources(raw),
                                          label=f"{recipe.output} (output of recipe {name!r})")
        if problems:
            raise DataValidationError(problems)
    resources = [r for r in manifest["resources"] if r["name"] != entry["name"]]
    manifest["resources"] = sorted([*resources, entry],
                                   key=lambda r: (r["name"] != "sources", r["name"]))
    data.write_manifest(manifest, raw)
    return target

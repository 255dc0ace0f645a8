"""The data contract: every validation rule, loaders, atomic writes."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from casestudy import cli, data
from casestudy.errors import DataValidationError

REPO_RAW = Path(__file__).resolve().parent.parent / "data" / "raw"
SOURCES = (
    "source_id,title,publisher,year,url,licence,accessed,note\n"
    "A1,Report one,Agency,2020,https://example.org/a1,OGL-UK-3.0,,\n"
    "B2,Paper two,Authors,,,All rights reserved; cited,,no year given\n"
)
FACTS = (
    "case,year,value,source_id\n"
    "NL,2020,1.5,A1\n"
    "ENG,2021,2,A1;B2\n"
)
SCHEMA = {
    "fields": [
        {"name": "case", "type": "string",
         "constraints": {"required": True, "enum": ["NL", "IT", "SCO", "ENG"]}},
        {"name": "year", "type": "integer"},
        {"name": "value", "type": "number"},
        {"name": "source_id", "type": "string", "constraints": {"required": True}},
    ],
    "primaryKey": ["case", "year"],
}


@pytest.fixture
def raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny data/raw with sources, one table and a manifest that matches them."""
    monkeypatch.setenv("CASESTUDY_ROOT", str(tmp_path))
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "sources.csv").write_text(SOURCES, encoding="utf-8")
    (raw / "facts.csv").write_text(FACTS, encoding="utf-8")
    real = data.read_manifest(REPO_RAW)
    sources_res = copy.deepcopy(data.resource("sources", real))
    manifest = {"name": "test", "resources": [
        sources_res | {"sha256": data.sha256_file(raw / "sources.csv")},
        {"name": "facts", "path": "facts.csv", "schema": SCHEMA, "source_ids": ["A1", "B2"],
         "sha256": data.sha256_file(raw / "facts.csv")},
    ]}
    (raw / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv("CASESTUDY_RAW_DIR", str(raw))
    return raw


def rewrite(raw: Path, name: str, text: str | bytes, *, rehash: bool = True) -> None:
    path = raw / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    if rehash:
        manifest = json.loads((raw / "datapackage.json").read_text())
        for res in manifest["resources"]:
            if res["path"] == name:
                res["sha256"] = data.sha256_file(path)
        (raw / "datapackage.json").write_text(json.dumps(manifest))


def rules(raw: Path) -> list[tuple[str, int | None, str | None, str]]:
    return [(p.file, p.row, p.column, p.rule) for p in data.validate(raw)]


def test_a_valid_raw_folder_has_no_problems(raw):
    assert data.validate(raw) == []


def test_missing_column(raw):
    rewrite(raw, "facts.csv", "case,year,source_id\nNL,2020,A1\n")
    assert rules(raw) == [("data/raw/facts.csv", 1, "value", "missing-column")]


def test_wrong_type_names_row_and_column(raw):
    rewrite(raw, "facts.csv", FACTS.replace("ENG,2021,2", "ENG,2021,two"))
    assert rules(raw) == [("data/raw/facts.csv", 3, "value", "type")]


def test_unknown_case_code(raw):
    rewrite(raw, "facts.csv", FACTS.replace("NL,2020", "UK,2020"))
    problems = data.validate(raw)
    assert [(p.row, p.column, p.rule) for p in problems] == [(2, "case", "constraint")]
    assert str(problems[0]) == ("data/raw/facts.csv, row 2, column 'case': 'UK' is not a case "
                                "code (expected one of NL, IT, SCO, ENG)")


def test_duplicate_primary_key(raw):
    rewrite(raw, "facts.csv", FACTS + "NL,2020,9,A1\n")
    assert rules(raw) == [("data/raw/facts.csv", 4, None, "primary-key")]


def _frictionless_key_errors(path: Path) -> list[tuple[int, str]]:
    """The reference: frictionless's own primary-key check, on the same file."""
    from frictionless import Resource, Schema

    res = Resource(path=path.name, basepath=str(path.parent), schema=Schema.from_descriptor(
        SCHEMA), format="csv", encoding="utf-8")
    return [(row, note) for etype, row, note in res.validate().flatten(
        ["type", "rowNumber", "note"]) if etype == "primary-key"]


@pytest.mark.parametrize("rows", [
    "NL,2020,9,A1\n",                      # the same key again
    "NL,2020,9,A1\nNL,2020,8,A1\n",       # three times: each names the latest before it
    "NL,02020,9,A1\n",                     # equal as integers, not as text
    "NL,,9,A1\n,,9,A1\n,,9,A1\n",        # part of the key empty; all of it empty
    "NL,x,9,A1\nNL,y,9,A1\n",             # not integers: both keys (NL, None)
    "NL\nENG,2021,1\n",                   # short rows
])
def test_key_check_finds_what_frictionless_finds(raw, rows):
    rewrite(raw, "facts.csv", FACTS + rows)
    path = raw / "facts.csv"
    ours = [p for p in data._schema_problems(path, "facts.csv", SCHEMA) if p.rule == "primary-key"]
    reference = _frictionless_key_errors(path)
    assert [p.row for p in ours] == [row for row, _ in reference]
    for problem, (_, note) in zip(ours, reference, strict=True):
        where = note.replace("the same as in the row at position", "as row")
        assert where in problem.message


def test_source_id_not_in_sources(raw):
    rewrite(raw, "facts.csv", FACTS.replace("A1;B2", "A1;Z9"))
    problems = data.validate(raw)
    assert [(p.row, p.column, p.rule) for p in problems] == [(3, "source_id", "source-id")]
    assert "'Z9'" in problems[0].message


def test_sha256_mismatch(raw):
    rewrite(raw, "facts.csv", FACTS.replace("1.5", "1.6"), rehash=False)
    problems = data.validate(raw)
    assert [p.rule for p in problems] == ["sha256"]
    assert "casestudy rehash" in problems[0].message


def test_non_utf8_bytes(raw):
    rewrite(raw, "facts.csv", FACTS.encode().replace(b"ENG,2021", b"\xe9NG,2021"))
    problems = data.validate(raw)
    assert [(p.row, p.rule) for p in problems] == [(3, "encoding")]
    assert "0xe9" in problems[0].message


def test_unlisted_file_and_missing_file(raw):
    (raw / "stray.csv").write_text("a\n1\n")
    (raw / "facts.csv").unlink()
    assert sorted(r[3] for r in rules(raw)) == ["missing-file", "unlisted"]


def test_problem_text_names_file_row_column_and_the_value_found(raw):
    rewrite(raw, "facts.csv", FACTS.replace("ENG,2021,2", "ENG,2021,two"))
    with pytest.raises(DataValidationError) as err:
        data.load("facts", raw)
    assert str(err.value) == "data/raw/facts.csv, row 3, column 'value': 'two' is not a number"
    assert err.value.problems[0].rule == "type"


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("NL,2020", "NL,20x0", "row 2, column 'year': '20x0' is not a whole number"),
    ("NL,2020,1.5,A1", "NL,2020,1.5,", "row 2, column 'source_id': the cell is empty; a value "
     "is required"),
    ("ENG,2021,2,A1;B2", "ENG,2021,2,A1;Q7", "row 3, column 'source_id': 'Q7' is not a source "
     "id listed in sources.csv"),
])
def test_every_rule_says_what_was_found_and_expected(raw, old, new, expected):
    rewrite(raw, "facts.csv", FACTS.replace(old, new))
    assert expected in "\n".join(str(p) for p in data.validate(raw))


def test_duplicate_key_names_the_key_values_and_the_first_row(raw):
    rewrite(raw, "facts.csv", FACTS + "NL,2020,9,A1\n")
    [problem] = data.validate(raw)
    assert "(case='NL', year='2020')" in problem.message
    assert "row 2" in problem.message


def test_missing_column_says_what_the_header_has(raw):
    rewrite(raw, "facts.csv", "case,year,source_id\nNL,2020,A1\n")
    [problem] = data.validate(raw)
    assert problem.message == ("expected column 'value' is missing (the header has case, "
                               "year, source_id)")


def test_cli_validate_exit_codes(raw, capsys):
    assert cli.main(["validate"]) == 0
    rewrite(raw, "facts.csv", FACTS.replace("NL,2020", "XX,2020"))
    assert cli.main(["validate"]) == 1
    assert "row 2, column 'case'" in capsys.readouterr().err


def test_load_returns_typed_tidy_frame_and_never_writes_raw(raw):
    before = {p.name: p.read_bytes() for p in raw.iterdir()}
    frame = data.load("facts", raw)
    assert list(frame["case"]) == ["NL", "ENG"]
    assert list(frame["case"].cat.categories) == ["NL", "IT", "SCO", "ENG"]
    assert frame["year"].dtype == "Int64"
    assert frame["value"].dtype == "float64"
    assert pd.api.types.is_string_dtype(frame["source_id"])
    assert {p.name: p.read_bytes() for p in raw.iterdir()} == before
    again = data.load("facts", raw)  # second load uses the validation stamp
    pd.testing.assert_frame_equal(frame, again)


def test_load_refuses_a_changed_file_even_after_a_cached_validation(raw):
    data.load("facts", raw)
    rewrite(raw, "facts.csv", FACTS.replace("1.5", "1.6"), rehash=False)
    with pytest.raises(DataValidationError, match="sha256"):
        data.load("facts", raw)


def test_load_records_the_file_for_the_report_builder(raw, tmp_path, monkeypatch):
    deps = tmp_path / "deps.txt"
    monkeypatch.setenv("CASESTUDY_DEPS_FILE", str(deps))
    data.load("facts", raw)
    assert deps.read_text().splitlines() == [f"R {(raw / 'facts.csv').resolve()}"]


def test_rehash_records_hand_edits_and_cited_ids(raw):
    rewrite(raw, "facts.csv", FACTS.replace("A1;B2", "B2"), rehash=False)
    assert data.rehash(raw=raw) == ["facts"]
    assert data.validate(raw) == []
    res = data.resource("facts", data.read_manifest(raw))
    assert res["source_ids"] == ["A1", "B2"]


def test_rehash_refuses_recipe_outputs(raw):
    manifest = json.loads((raw / "datapackage.json").read_text())
    manifest["resources"][1]["recipe"] = {"name": "facts-recipe"}
    (raw / "datapackage.json").write_text(json.dumps(manifest))
    rewrite(raw, "facts.csv", FACTS.replace("1.5", "1.6"), rehash=False)
    with pytest.raises(DataValidationError, match="casestudy extract facts-recipe"):
        data.rehash(raw=raw)


def test_atomic_write_leaves_old_file_and_no_temporary_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), data.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_write_processed_is_atomic_and_under_processed(raw):
    path = data.write_processed(pd.DataFrame({"a": [1]}), "thing")
    assert path == data.processed_dir() / "thing.csv"
    assert path.read_text() == "a\n1\n"


def test_committed_raw_folder_is_valid():
    assert data.validate(REPO_RAW) == []


def test_rehash_keeps_hand_recorded_ids_of_a_file_without_source_column(raw):
    (raw / "blob.bin").write_bytes(b"\x00\x01")
    manifest = json.loads((raw / "datapackage.json").read_text())
    manifest["resources"].append({"name": "blob", "path": "blob.bin", "source_ids": ["A1"],
                                  "sha256": data.sha256_file(raw / "blob.bin")})
    (raw / "datapackage.json").write_text(json.dumps(manifest))
    (raw / "blob.bin").write_bytes(b"\x00\x02")
    assert data.rehash(raw=raw) == ["blob"]
    res = data.resource("blob", data.read_manifest(raw))
    assert res["source_ids"] == ["A1"]
    assert res["sha256"] == data.sha256_file(raw / "blob.bin")


def test_rehash_of_the_committed_folder_changes_nothing_and_refuses_nothing(tmp_path):
    """Recipes record source ids in study order; rehash must not read that as an edit."""
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(REPO_RAW, raw)
    assert data.rehash(raw=raw) == []


def test_unique_column_names_the_repeated_value_not_a_key(raw):
    manifest = json.loads((raw / "datapackage.json").read_text())
    facts = next(r for r in manifest["resources"] if r["name"] == "facts")
    facts["schema"]["fields"][2]["constraints"] = {"unique": True}
    (raw / "datapackage.json").write_text(json.dumps(manifest))
    rewrite(raw, "facts.csv", FACTS.replace("ENG,2021,2,", "ENG,2021,1.5,"))
    [problem] = data.validate(raw)
    assert (problem.row, problem.column, problem.rule) == (3, "value", "unique")
    assert problem.message.startswith("duplicate value '1.5'")

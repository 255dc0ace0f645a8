"""Extract recipes: committed extracts are what the recipes build from the official files."""

from __future__ import annotations

import functools
import io
import json
import re
import shutil
from collections.abc import Callable

import pandas as pd
import pytest

from casestudy import cases, cli, data, extract
from casestudy.errors import DataValidationError
from casestudy.indicators import readers, recipes

RECIPE_OUTPUTS = {r.resource_name: r for r in extract.recipes().values()}


def _recorded() -> list[dict]:
    manifest = data.read_manifest(data.project_root() / "data" / "raw")
    return [r for r in manifest["resources"] if r.get("recipe")]


@pytest.fixture(scope="module")
def build_from_official(shared_data) -> Callable[[str], tuple]:
    """``extract.build(name, [shared_data])``, once per recipe and module: the indicators
    extract is both compared with its committed file and read by the tests further down."""
    return functools.cache(lambda name: extract.build(name, [shared_data]))


@pytest.mark.parametrize("resource", _recorded(), ids=lambda r: r["name"])
def test_committed_extract_is_what_the_recipe_builds(shared_data, build_from_official,
                                                     resource):
    recipe = extract.get(resource["recipe"]["name"])
    assert resource["recipe"]["version"] == recipe.version, "rerun the recipe after a bump"
    recorded = {i["file"]: i["sha256"] for i in resource["recipe"]["inputs"]}
    assert list(recorded) == list(recipe.inputs)
    for name, sha in recorded.items():
        assert data.sha256_file(shared_data / name) == sha, f"{name} differs from the record"
    _, _, content = build_from_official(recipe.name)
    committed = (data.project_root() / "data" / "raw" / resource["path"]).read_bytes()
    assert committed == content
    assert data.sha256_bytes(committed) == resource["sha256"]
    assert resource["schema"] == recipe.schema
    assert resource["source_ids"] == list(recipe.source_ids)


def test_every_recorded_extract_has_a_recipe():
    for resource in _recorded():
        assert resource["name"] in RECIPE_OUTPUTS


# --------------------------------------------------------------------------- indicators

@pytest.fixture(scope="module")
def built(build_from_official):
    _, paths, content = build_from_official("indicators")
    return paths, pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False), content


def test_indicators_rebuild_is_byte_identical(built):
    paths, _, content = built
    assert extract.build("indicators", paths)[2] == content


def test_indicators_cover_the_required_series(built):
    _, table, _ = built
    required = {"che_pct_gdp", "che_per_capita_usd", "gghe_d_pct_che", "oop_pct_che",
                "beds_per_1000", "doctors_per_1000", "life_expectancy_female_years",
                "life_expectancy_male_years", "pop_65plus_pct_pop", "pop_80plus_pct_pop",
                "medical_doctors_per_1000", "nurses_midwives_per_1000"}
    assert required <= set(table["indicator"])
    for indicator in required:
        part = table[table["indicator"] == indicator]
        assert set(part["geography"]) == {"NLD", "ITA", "GBR"}, indicator
        assert part["year"].astype(int).min() == 2000, indicator


def test_uk_rows_belong_to_no_case(built):
    _, table, _ = built
    assert (table.loc[table["geography"] == "GBR", "case"] == "").all()
    assert set(table.loc[table["geography"] == "NLD", "case"]) == {"NL"}
    assert set(table.loc[table["geography"] == "ITA", "case"]) == {"IT"}
    assert not set(table["case"]) & {"SCO", "ENG"}
    assert cases.case_for_state("GBR") is None


def test_projections_are_marked(built):
    _, table, _ = built
    wpp = table[table["source_id"] == "UN-WPP2019"]
    years = wpp["year"].astype(int)
    assert set(wpp.loc[years > 2020, "status"]) == {"projection"}
    assert set(wpp.loc[years <= 2020, "status"]) == {"estimate"}
    le = table[table["indicator"].str.startswith("life_expectancy")]
    late = le["year"].astype(int) > recipes.GAPMINDER_LAST_ESTIMATE
    assert set(le.loc[late, "status"]) == {recipes.UNSTATED}


def test_every_value_is_the_official_files_value(built):
    paths, table, _ = built
    ghed, wdi, gapminder, wpp, nurses, doctors = (
        pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths)
    official = {}
    for r in ghed.itertuples():
        official[("WHO-GHED", r.IndicatorCode, r.iso3, r.year)] = r.value
    for r in wdi.itertuples():
        official[("WB-WDI", "SH.MED.BEDS.ZS", r.iso3, r.year)] = r.beds_per_1000
    for r in gapminder.itertuples():
        official[("GAPMINDER-SG", r.indicator, r.geo.upper(), r.time)] = r.value
    for r in wpp.itertuples():
        for col in readers._WPP_SERIES:
            official[("UN-WPP2019", col, r.iso3, r.year)] = getattr(r, col)
    for r in pd.concat([nurses, doctors]).query("Dim1 == ''").itertuples():
        official[("WHO-GHO-HWF", r.IndicatorCode, r.SpatialDimValueCode, r.Period)] = \
            r.FactValueNumeric
    for r in table.itertuples():
        text = official[(r.source_id, r.source_code, r.geography, r.year)]
        # Same number as the file (the CSV may drop a trailing ".0", never a digit); WHO's
        # workforce densities are per 10,000 in the file, per 1,000 in the extract.
        scale = 10 if r.source_id == "WHO-GHO-HWF" else 1
        assert float(r.value) * scale == pytest.approx(float(text), rel=1e-12), \
            (r.indicator, r.geography, r.year)


def test_run_writes_extract_and_manifest(built, tmp_path, monkeypatch):
    paths, _, content = built
    raw = tmp_path / "raw"
    raw.mkdir()
    main_raw = data.project_root() / "data" / "raw"
    manifest = data.read_manifest(main_raw)
    manifest["resources"] = [r for r in manifest["resources"] if r["name"] == "sources"]
    shutil.copy(main_raw / "sources.csv", raw / "sources.csv")
    data.write_manifest(manifest, raw)
    data.rehash(["sources"], raw=raw)
    monkeypatch.setenv("CASESTUDY_RAW_DIR", str(raw))
    assert cli.main(["extract", "indicators", "--from", str(paths[0].parent)]) == 0
    assert (raw / "indicators.csv").read_bytes() == content
    entry = data.resource("indicators", json.loads((raw / "datapackage.json").read_text()))
    assert entry["recipe"]["name"] == "indicators"
    assert [i["file"] for i in entry["recipe"]["inputs"]] == list(recipes.INDICATORS.inputs)
    assert entry["sha256"] == data.sha256_bytes(content)
    assert data.validate(raw) == []
    loaded = data.load("indicators", raw)
    assert loaded["case"].dtype.name == "category"
    assert loaded.loc[loaded["geography"] == "GBR", "case"].isna().all()


def test_run_refuses_a_bad_official_file(tmp_path):
    folder = tmp_path / "official"
    folder.mkdir()
    for name in recipes.INDICATORS.inputs:
        (folder / name).write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=re.escape("who_ghed_nld_ita_gbr.csv")):
        extract.build("indicators", [folder])


def test_committed_indicators_load_with_registry_labels():
    from casestudy.indicators import load_indicators

    table = load_indicators()
    uk = table[table["geography"] == "GBR"]
    assert set(uk["label"]) == {"United Kingdom (Scotland and England)"}
    assert uk["case"].isna().all()
    assert set(table["status"]) <= {"estimate", "projection", "unstated"}

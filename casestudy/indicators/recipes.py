"""Extract recipe ``indicators``: national context indicators for NLD, ITA and GBR from 2000.

Run ``casestudy extract indicators --from /path/to/shared/data`` to write
``data/raw/indicators.csv``. Values are copied from the official files unchanged; the
recipe only selects states, years and series, names them and marks their status.

>>> from casestudy.indicators.recipes import INDICATORS
>>> INDICATORS.output
'indicators.csv'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from casestudy import extract
from casestudy.indicators import readers

FIRST_YEAR = 2000
STATES = ("NLD", "ITA", "GBR")
#: Status of a value whose file does not say whether it is an estimate or a projection.
UNSTATED = "unstated"
#: Last year of Gapminder's UN-based series treated as an estimate. The series show the
#: 2020 COVID-19 fall in life expectancy, so they come from a WPP revision of 2022 or later,
#: in which 2021 and earlier are estimates; later years may be projections.
GAPMINDER_LAST_ESTIMATE = 2021

#: Series taken from each reader (reader indicator codes).
SELECTION: dict[str, tuple[str, ...]] = {
    "WHO-GHED": ("che_pct_gdp", "che_per_capita_usd", "gghe_d_pct_che", "gghe_d_pct_gdp",
                 "gghe_d_per_capita_usd", "oop_pct_che", "oop_per_capita_usd",
                 "pvt_d_pct_che"),
    "WB-WDI": ("beds_per_1000",),
    "GAPMINDER-SG": ("doctors_per_1000", "life_expectancy_female_years",
                     "life_expectancy_male_years", "che_per_capita_ppp"),
    "UN-WPP2019": ("pop_65plus_pct_pop", "pop_80plus_pct_pop", "pop_65plus_thousands",
                   "pop_80plus_thousands", "pop_total_thousands"),
    "WHO-GHO-HWF": ("medical_doctors_per_1000", "nurses_midwives_per_1000"),
}


def build(paths: list[Path]) -> pd.DataFrame:
    """Read the six official files and keep the study's states, years and series."""
    ghed, wdi, gapminder, wpp, nurses, doctors = paths
    frames = [readers.read_ghed(ghed), readers.read_wdi(wdi),
              readers.read_gapminder(gapminder), readers.read_wpp(wpp),
              readers.read_gho_hwf(nurses), readers.read_gho_hwf(doctors)]
    out = pd.concat(frames, ignore_index=True)
    keep = out["geography"].isin(STATES) & (out["year"] >= FIRST_YEAR)
    wanted = {(src, ind) for src, inds in SELECTION.items() for ind in inds}
    keep &= pd.Series([pair in wanted for pair in zip(out["source_id"], out["indicator"],
                                                       strict=True)], index=out.index)
    out = out[keep].copy()
    blank = out["status"] == ""
    out.loc[blank, "status"] = out.loc[blank, "year"].map(
        lambda y: readers.ESTIMATE if y <= GAPMINDER_LAST_ESTIMATE else UNSTATED)
    # The readers set ``case``; the extract writes a state of no case (GBR) as empty.
    out["case"] = out["case"].fillna("")
    return out.reset_index(drop=True)


_INDICATOR_CODES = sorted({code for codes in SELECTION.values() for code in codes})

SCHEMA = {
    "fields": [
        {"name": "geography", "type": "string", "title": "State, ISO 3166-1 alpha-3",
         "constraints": {"required": True, "enum": list(STATES)}},
        {"name": "case", "type": "string",
         "description": "Case the state's figures stand for; empty for GBR: UK figures "
                        "belong to neither Scotland nor England",
         "constraints": {"enum": ["NL", "IT"]}},
        {"name": "indicator", "type": "string",
         "constraints": {"required": True, "enum": _INDICATOR_CODES}},
        {"name": "year", "type": "integer",
         "constraints": {"required": True, "minimum": FIRST_YEAR, "maximum": 2100}},
        {"name": "value", "type": "number",
         "description": "As the official file gives it, except WHO GHO workforce densities: "
                        "WHO gives them per 10,000, the extract per 1,000 (divided by 10)",
         "constraints": {"required": True}},
        {"name": "unit", "type": "string", "constraints": {"required": True}},
        {"name": "status", "type": "string",
         "description": "estimate or projection as the publisher marks it; 'unstated' where "
                        "the file does not say (Gapminder's UN-based series after "
                        f"{GAPMINDER_LAST_ESTIMATE})",
         "constraints": {"required": True,
                         "enum": [readers.ESTIMATE, readers.PROJECTION, UNSTATED]}},
        {"name": "source_id", "type": "string", "constraints": {"required": True}},
        {"name": "source_code", "type": "string",
         "description": "The publisher's code for the series",
         "constraints": {"required": True}},
    ],
    "primaryKey": ["geography", "indicator", "year"],
}

INDICATORS = extract.register(extract.Recipe(
    name="indicators",
    version="2",
    output="indicators.csv",
    title="Context indicators: health spending, capacity, workforce, life expectancy and "
          "ageing, Netherlands, Italy and the United Kingdom, 2000 onwards",
    description=(
        "One row per state, indicator and year, values exactly as in the official files. "
        "Spending from WHO GHED (2000-2022); hospital beds from World Bank WDI (to 2018 or "
        "2019; NLD 2014 missing); doctors, life expectancy and PPP health spending per "
        "person (2000-2010 only) from Gapminder Systema Globalis; population aged 65+ and "
        "80+ from UN WPP 2019 (2021 onwards is the medium-variant projection); medical "
        "doctors and nursing and midwifery personnel per 1,000 from the WHO Global Health "
        "Observatory (WHO publishes them per 10,000: divided by 10; to 2020). GBR rows "
        "are United Kingdom figures and carry no case."),
    source_ids=("WHO-GHED", "WB-WDI", "GAPMINDER-SG", "UN-WPP2019", "WHO-GHO-HWF"),
    licences=(
        {"name": "CC-BY-NC-SA-3.0-IGO", "path": "https://www.who.int/about/policies/publishing/data-policy",
         "title": "WHO data policy (Global Health Expenditure Database, Global Health "
                  "Observatory)"},
        {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
         "title": "World Bank WDI; Gapminder Systema Globalis"},
        {"name": "CC-BY-3.0-IGO", "path": "https://creativecommons.org/licenses/by/3.0/igo/",
         "title": "UN DESA World Population Prospects 2019"},
    ),
    schema=SCHEMA,
    inputs=("who_ghed_nld_ita_gbr.csv", "wdi_hospital_beds_per_1000_nld_ita_gbr.csv",
            "gapminder_health_nld_ita_gbr.csv", "unwpp2019_population_age_nld_ita_gbr.csv",
            "who_gho_hwf_nursing_midwifery.csv", "who_gho_hwf_medical_doctors.csv"),
    build=build,
))

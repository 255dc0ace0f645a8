"""The committed context indicators: loading, display titles and topic groups.

>>> from casestudy.indicators.context import TITLES, topic, topics
>>> TITLES["beds_per_1000"]
'Hospital beds per 1,000 people'
>>> topic("ageing")[:2]
['pop_65plus_pct_pop', 'pop_80plus_pct_pop']
>>> topics("capacity", "workforce")
['beds_per_1000', 'doctors_per_1000']
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from casestudy import cases, data
from casestudy.errors import CaseStudyError

#: Display titles of the indicator codes in ``data/raw/indicators.csv``.
TITLES: dict[str, str] = {
    "che_pct_gdp": "Current health expenditure, % of GDP",
    "che_per_capita_usd": "Current health expenditure per person, US$",
    "che_per_capita_ppp": "Current health expenditure per person, int. $ (PPP)",
    "gghe_d_pct_che": "Government share of health expenditure, %",
    "gghe_d_pct_gdp": "Government health expenditure, % of GDP",
    "gghe_d_per_capita_usd": "Government health expenditure per person, US$",
    "oop_pct_che": "Out-of-pocket share of health expenditure, %",
    "oop_per_capita_usd": "Out-of-pocket spending per person, US$",
    "pvt_d_pct_che": "Domestic private share of health expenditure, %",
    "beds_per_1000": "Hospital beds per 1,000 people",
    "doctors_per_1000": "Medical doctors per 1,000 people",
    "life_expectancy_female_years": "Life expectancy at birth, women (years)",
    "life_expectancy_male_years": "Life expectancy at birth, men (years)",
    "pop_65plus_pct_pop": "Population aged 65+, % of total",
    "pop_80plus_pct_pop": "Population aged 80+, % of total",
    "pop_65plus_thousands": "Population aged 65+, thousands",
    "pop_80plus_thousands": "Population aged 80+, thousands",
    "pop_total_thousands": "Population, thousands",
    "medical_doctors_per_1000": "Medical doctors per 1,000 people (WHO GHO)",
    "nurses_midwives_per_1000": "Nursing and midwifery personnel per 1,000 people (WHO GHO)",
}

_TOPICS: dict[str, list[str]] = {
    "spending": ["che_pct_gdp", "che_per_capita_usd", "gghe_d_pct_che", "oop_pct_che"],
    "capacity": ["beds_per_1000"],
    "workforce": ["doctors_per_1000"],
    "outcomes": ["life_expectancy_female_years", "life_expectancy_male_years"],
    "ageing": ["pop_65plus_pct_pop", "pop_80plus_pct_pop"],
}


def topic(name: str) -> list[str]:
    """Indicator codes of a topic: spending, capacity, workforce, outcomes or ageing."""
    if name not in _TOPICS:
        raise CaseStudyError(f"unknown topic {name!r}: expected one of {', '.join(_TOPICS)}")
    return list(_TOPICS[name])


def topics(*names: str) -> list[str]:
    """Indicator codes of the named topics in the order given; of every topic (the core
    set the context report compares) when none is named."""
    return [code for name in (names or tuple(_TOPICS)) for code in topic(name)]


def labelled(table: pd.DataFrame, *, by: str = "geography") -> pd.DataFrame:
    """``table`` with its ``by`` codes replaced by display names in a leading ``state`` column.

    For tables shown to readers: rows in registry order within each indicator, and the UK
    as "United Kingdom (Scotland and England)".

    >>> import pandas as pd
    >>> labelled(pd.DataFrame({"geography": ["GBR", "NLD"], "value": [1.0, 2.0]}))
                                       state  value
    0                            Netherlands    2.0
    1  United Kingdom (Scotland and England)    1.0
    """
    position = {key: i for i, key in enumerate(cases.order())}
    order = pd.DataFrame({"_state": table[by].map(position)}, index=table.index)
    keys = ["_state"]
    if "indicator" in table.columns:
        order["_indicator"] = table["indicator"]
        keys = ["_indicator", "_state"]
    # Registry order (Netherlands, Italy, United Kingdom) within each indicator.
    rows = order.sort_values(keys, kind="mergesort").index
    out = table.loc[rows].drop(columns=[by, "label"], errors="ignore")
    out.insert(0, "state", table.loc[rows, by].map(cases.label).astype("string"))
    return out.reset_index(drop=True)


def load_indicators(raw: Path | None = None) -> pd.DataFrame:
    """``data/raw/indicators.csv``, validated, with a display ``label`` per geography.

    ``label`` is the registry's name: the UK reads "United Kingdom (Scotland and England)",
    because its figures stand for neither case alone.
    """
    frame = data.load("indicators", raw)
    frame["label"] = frame["geography"].map(cases.label).astype("string")
    return frame

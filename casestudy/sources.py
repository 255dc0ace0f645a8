"""Source ids → citations. Every number and claim in ``data/raw/`` cites ids listed here.

>>> from casestudy import sources
>>> sources.short(["S1"])
'Scottish Parliament (2014)'
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from casestudy import data
from casestudy.errors import CaseStudyError


def split_ids(cells: Iterable[str] | str) -> list[str]:
    """Distinct source ids in first-seen order from cells like ``"E2;E5"``."""
    if isinstance(cells, str):
        cells = [cells]
    seen: dict[str, None] = {}
    for cell in cells:
        if cell is None or pd.isna(cell):
            continue
        for sid in str(cell).split(data.SOURCE_SEP):
            if sid.strip():
                seen.setdefault(sid.strip(), None)
    return list(seen)


def table(ids: Iterable[str] | str | None = None) -> pd.DataFrame:
    """Citations for ``ids`` (all when None), in the order given; unknown ids raise."""
    src = data.load_sources().set_index("source_id", drop=False)
    if ids is None:
        return src.reset_index(drop=True)
    wanted = split_ids(ids)
    missing = [i for i in wanted if i not in src.index]
    if missing:
        raise CaseStudyError(
            f"source id(s) {', '.join(missing)} not in data/raw/sources.csv"
        )
    return src.loc[wanted].reset_index(drop=True)


def _year(value: object) -> str:
    return "n.d." if pd.isna(value) else str(int(value))


def short(ids: Iterable[str] | str) -> str:
    """A compact "Publisher (year); …" list, for figure footers."""
    rows = table(ids)
    parts = dict.fromkeys(f"{r.publisher} ({_year(r.year)})" for r in rows.itertuples())
    return "; ".join(parts)


def cite(ids: Iterable[str] | str) -> list[str]:
    """Full citations: "[id] Publisher (year). Title. URL. Licence: …"."""
    out = []
    for r in table(ids).itertuples():
        text = f"[{r.source_id}] {r.publisher} ({_year(r.year)}). {r.title}."
        if not pd.isna(r.url):
            text += f" {r.url}"
        text += f" Licence: {r.licence}."
        out.append(text)
    return out

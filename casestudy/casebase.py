"""The case base: sourced facts about each case, compared side by side and in time.

>>> from casestudy import casebase
>>> table = casebase.compare("legal_basis", attributes=["principal legislation"])
>>> list(table.index)
['Netherlands', 'Italy', 'Scotland', 'England']
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from casestudy import cases, sources
from casestudy.data import load_casebase
from casestudy.errors import CaseStudyError

#: The side-by-side profile of the first report: (dimension, attribute) pairs.
PROFILE: tuple[tuple[str, str], ...] = (
    ("legal_basis", "principal legislation"),
    ("governance_body", "integrated body"),
    ("accountability", "accountable to"),
    ("financing_pooling", "budget pooling"),
    ("regulation_inspection", "regulator"),
)

_PRECISION = {4: "year", 7: "month", 10: "day"}
_PAD = {4: "-01-01", 7: "-01", 10: ""}


def _cell(facts: pd.DataFrame, with_sources: bool) -> str:
    parts = []
    for fact in facts.itertuples():
        text = str(fact.value)
        if fact.confidence == "U":
            text += " (unverified)"
        if with_sources:
            text += f" [{fact.source_id.replace(';', ', ')}]"
        parts.append(text)
    return " | ".join(parts)


def compare(dimension: str | Sequence[str] | None = None, *,
            attributes: Sequence[str] | None = None, facts: pd.DataFrame | None = None,
            with_sources: bool = True) -> pd.DataFrame:
    """Case-by-attribute table: one row per case (registry order), one column per attribute.

    A cell joins the case's facts for that attribute with ``" | "``, each followed by its
    source ids in brackets; facts the fact sheet marks U say "(unverified)". Cases with no
    fact for an attribute get an empty cell, never a guess.
    """
    facts = load_casebase() if facts is None else facts
    chosen = facts
    if dimension is not None:
        dims = [dimension] if isinstance(dimension, str) else list(dimension)
        unknown = sorted(set(dims) - set(facts["dimension"].dropna()))
        if unknown:
            raise CaseStudyError(f"no facts for dimension(s) {', '.join(unknown)}; known: "
                                 f"{', '.join(sorted(set(facts['dimension'].dropna())))}")
        chosen = chosen[chosen["dimension"].isin(dims)]
    if attributes is not None:
        chosen = chosen[chosen["attribute"].isin(list(attributes))]
    columns = list(attributes) if attributes is not None else list(
        dict.fromkeys(chosen["attribute"]))
    table = pd.DataFrame(index=pd.Index([cases.label(c) for c in cases.codes()], name="case"),
                         columns=columns, dtype="object")
    for (case, attribute), group in chosen.groupby(["case", "attribute"], observed=True,
                                                   sort=False):
        table.loc[cases.label(str(case)), attribute] = _cell(group, with_sources)
    return table.fillna("")


def profile_facts(facts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The facts behind the side-by-side profile: the ``PROFILE`` (dimension, attribute) pairs."""
    facts = load_casebase() if facts is None else facts
    keys = pd.MultiIndex.from_tuples(PROFILE)
    return facts[pd.MultiIndex.from_frame(facts[["dimension", "attribute"]]).isin(keys)]


def profile(facts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The five-attribute side-by-side profile (``PROFILE``), attributes as rows."""
    return compare(facts=profile_facts(facts), attributes=[a for _, a in PROFILE]).T


def timeline(*, since: int | None = None, events_only: bool = True,
             facts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The dated facts, oldest first: ``date`` is the first day of the period the fact names.

    ``precision`` says whether the source gave a year, a month or a day. By default only
    facts with an ``event`` label (reforms, laws, reviews) are kept; ``events_only=False``
    adds dated measurements, labelled by their attribute.
    """
    facts = load_casebase() if facts is None else facts
    dated = facts[facts["date"].notna() & (facts["event"].notna() | (not events_only))].copy()
    text = dated["date"].astype(str)
    dated["precision"] = text.str.len().map(_PRECISION)
    dated["date"] = pd.to_datetime([t + _PAD[len(t)] for t in text], format="%Y-%m-%d")
    dated["event"] = dated["event"].fillna(dated["attribute"])
    if since is not None:
        dated = dated[dated["date"].dt.year >= since]
    columns = ["case", "date", "precision", "event", "tier", "dimension", "value",
               "source_id", "confidence"]
    return dated.sort_values(["date", "case"], kind="mergesort")[columns].reset_index(drop=True)


def cited(facts: pd.DataFrame) -> list[str]:
    """Full citations for every source the given facts cite, for a table's source note."""
    return sources.cite(sources.split_ids(facts["source_id"]))

"""Governance and accountability maps: who answers to, funds, commissions, regulates,
inspects or appoints whom in each case's integrated arrangement, and measures that compare
them (centralisation, pooling, and where accountability and money part ways).

The maps are the project's coding of the fact sheet (``data/raw/governance_bodies.csv``
and ``data/raw/governance.csv``): every relation carries its sources and the sheet's
confidence code, and a relation the sheet does not record is absent from the map, which
is a gap in the documentary record rather than evidence that no such relation exists.
Measure ids (``MEASURES``) are stable; other tables cite them as
``governance:<CASE>:<measure>`` (case level) or ``governance:<CASE>:<measure>:<BODY_ID>``
(per body), and ``resolve`` turns such a reference into its value.

>>> from casestudy import governance
>>> gov = governance.load()
>>> gov.counts().loc[:, ["case", "bodies", "relations"]].to_dict("records")[-1]
{'case': 'ENG', 'bodies': 13, 'relations': 22}
>>> m = governance.measures()
>>> m.loc[(m["case"] == "SCO") & (m["measure"] == "pooled_budget_holders"), "value"].item()
2.0
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from casestudy import cases
from casestudy._display import summary_html
from casestudy.errors import CaseStudyError
from casestudy.governance import measures as _measures
from casestudy.governance import records
from casestudy.governance.maps import STYLES, governance_map, governance_maps, relation_list
from casestudy.governance.measures import BODY_MEASURES, CASE_MEASURES, MEASURES
from casestudy.governance.records import CONFIDENCE, RELATIONS, SECTORS, check
from casestudy.qual.evidence import TIERS

__all__ = [
    "BODY_MEASURES",
    "CASE_MEASURES",
    "CONFIDENCE",
    "MEASURES",
    "RELATIONS",
    "SECTORS",
    "STYLES",
    "TIERS",
    "Governance",
    "check",
    "from_frames",
    "governance_map",
    "governance_maps",
    "load",
    "measure_ids",
    "measures",
    "relation_list",
    "resolve",
]


@dataclass(frozen=True, repr=False)
class Governance:
    """The checked bodies and relations of one or more cases, with their graphs and
    measures. Build it with ``load()`` (committed data) or ``from_frames()``."""

    bodies: pd.DataFrame
    relations: pd.DataFrame

    def case_codes(self) -> list[str]:
        return cases.order(self.bodies["case"].astype(str))

    def graph(self, case: str) -> nx.MultiDiGraph:
        """The case's graph: nodes are body ids, edges are keyed by relation type."""
        cases.get(case)
        return _measures.graph(self.bodies, self.relations, case)

    def measures(self, *, min_confidence: str = "U") -> pd.DataFrame:
        """Tidy measures: ``case``, ``measure``, ``body`` (per-body measures), ``value``."""
        return _measures.measures(self.bodies, self.relations, min_confidence=min_confidence)

    def compare(self, *, min_confidence: str = "U") -> pd.DataFrame:
        """Cross-case table of the case-level measures (one column per case)."""
        return _measures.compare(self.measures(min_confidence=min_confidence))

    def by_case(self, *, min_confidence: str = "U") -> pd.DataFrame:
        """Case-level measures with one row per case and one column per measure id."""
        m = self.measures(min_confidence=min_confidence)
        wide = m[m["body"].isna()].pivot(index="case", columns="measure", values="value")
        wide = wide.reindex(columns=[c for c in CASE_MEASURES if c in wide.columns])
        wide.index = wide.index.astype(str)
        return wide.rename_axis(columns=None).reset_index()

    def by_body(self, *, min_confidence: str = "U") -> pd.DataFrame:
        """Per-body measures of the bodies below the national tier: one row per body with
        its case, name and tier, one column per measure id of ``BODY_MEASURES``."""
        m = self.measures(min_confidence=min_confidence)
        per = m[m["body"].notna()]
        wide = per.pivot(index="body", columns="measure", values="value")
        wide = wide.reindex(columns=list(BODY_MEASURES))
        info = self.bodies.set_index("body_id").loc[:, ["case", "name", "tier"]]
        order = list(dict.fromkeys(per["body"]))
        out = info.loc[order].join(wide).rename_axis("body").reset_index()
        return out.loc[:, ["case", "body", "name", "tier", *BODY_MEASURES]]

    def sensitivity(self, *, min_confidence: str = "V") -> pd.DataFrame:
        """Case-level measures that change when relations below ``min_confidence`` are
        dropped: ``case``, ``measure``, ``value`` (all relations), ``value_strict``."""
        full = self.measures()
        strict = self.measures(min_confidence=min_confidence)
        keys = ["case", "measure"]
        both = full[full["body"].isna()].merge(strict[strict["body"].isna()], on=keys,
                                               suffixes=("", "_strict"))
        changed = both["value"].ne(both["value_strict"]) & ~(
            both["value"].isna() & both["value_strict"].isna())
        return both.loc[changed, [*keys, "value", "value_strict"]].reset_index(drop=True)

    def counts(self) -> pd.DataFrame:
        """Bodies and relations per case, and relations by confidence code."""
        rows = []
        for case in self.case_codes():
            rels = self.relations[self.relations["case"].astype(str) == case]
            conf = rels["confidence"].astype(str).value_counts() \
                if "confidence" in rels else pd.Series(dtype=int)
            rows.append({"case": case,
                         "bodies": int((self.bodies["case"].astype(str) == case).sum()),
                         "relations": len(rels),
                         **{f"relations_{c}": int(conf.get(c, 0)) for c in CONFIDENCE}})
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """Tidy relations, one per row, with both bodies' names and tiers beside their ids."""
        names = self.bodies.set_index("body_id")
        out = self.relations.copy()
        for end in ("from", "to"):
            ids = out[f"{end}_body"].astype(str)
            out.insert(out.columns.get_loc(f"{end}_body") + 1, f"{end}_name",
                       ids.map(names["name"] if "name" in names else names.index.to_series())
                       .astype("string"))
            out.insert(out.columns.get_loc(f"{end}_name") + 1, f"{end}_tier",
                       ids.map(names["tier"]).astype("string"))
        return out

    def source_ids(self, case: str | None = None) -> list[str]:
        """Distinct source ids the maps cite (one case, or all), in first-seen order."""
        from casestudy.sources import split_ids

        cells = [*self.bodies["source_id"], *self.relations["source_id"]] if case is None \
            else [*self.bodies.loc[self.bodies["case"] == case, "source_id"],
                  *self.relations.loc[self.relations["case"] == case, "source_id"]]
        return split_ids(cells)

    def alt(self, case: str) -> str:
        """Alt text of the case's map: its bodies by tier and every relation."""
        return relation_list(self.relations, bodies=self.bodies, case=case)

    def plot(self, case: str | None = None, *, ax: Axes | None = None) -> Axes | Figure:
        """One case's map (an Axes) or, with ``case=None``, all cases side by side."""
        if case is None:
            return governance_maps(self.relations, bodies=self.bodies)
        return governance_map(self.relations, bodies=self.bodies, case=case, ax=ax)

    def __repr__(self) -> str:
        parts = [f"{r['case']} {r['bodies']} bodies/{r['relations']} relations"
                 for r in self.counts().to_dict("records")]
        return f"Governance({'; '.join(parts)})"

    def _repr_html_(self) -> str:
        counts = self.counts()
        return summary_html(f"Governance maps of {len(counts)} case(s)",
                            [("relation types", ", ".join(RELATIONS))], counts)


def load(raw: Path | None = None) -> Governance:
    """The committed governance maps, validated (manifest schema, then cross-references)."""
    return Governance(*records.load_tables(raw))


def from_frames(bodies: pd.DataFrame, relations: pd.DataFrame, *,
                known_sources: set[str] | None = None) -> Governance:
    """Governance maps from caller-given tables, checked like the committed ones.

    >>> import pandas as pd
    >>> gov = from_frames(pd.DataFrame({"case": ["IT"], "body_id": ["IT-REG"],
    ...     "tier": ["county"], "sector": ["health"], "source_id": ["I4"]}),
    ...     pd.DataFrame(columns=["case", "from_body", "relation", "to_body", "source_id"]))
    Traceback (most recent call last):
    ...
    casestudy.errors.DataValidationError: bodies, row 2, column 'tier': unknown tier ...
    """
    return Governance(*records.from_frames(bodies, relations, known_sources=known_sources))


def measures(raw: Path | None = None, *, min_confidence: str = "U") -> pd.DataFrame:
    """Tidy measures of the committed maps: ``case``, ``measure``, ``body``, ``value``.

    ``body`` names the body for per-body measures (``BODY_MEASURES``) and is missing for
    case-level ones (``CASE_MEASURES``); see ``casestudy.governance.measures`` for the
    definitions.
    """
    return load(raw).measures(min_confidence=min_confidence)


def measure_ids(case: str | None = None) -> list[str]:
    """Citable ids ``governance:<CASE>:<measure>`` of the case-level measures.

    >>> measure_ids("SCO")[:2]
    ['governance:SCO:bodies', 'governance:SCO:bodies_national']
    """
    codes = [cases.get(case).code] if case is not None else list(cases.codes())
    return [f"governance:{c}:{m}" for c in codes for m in CASE_MEASURES]


def resolve(ref: str, table: pd.DataFrame | None = None) -> float:
    """The value a reference ``governance:<CASE>:<measure>`` (case-level) or
    ``governance:<CASE>:<measure>:<BODY_ID>`` (per-body) points to, from ``table``
    (default: ``measures()``); an unknown case, measure or body raises ``CaseStudyError``.

    >>> resolve("governance:SCO:funders:SCO-IJB")
    2.0
    >>> resolve("governance:ENG:pooled")
    Traceback (most recent call last):
    ...
    casestudy.errors.CaseStudyError: governance reference 'governance:ENG:pooled': unknown ...
    """
    parts = str(ref).split(":")
    if len(parts) not in (3, 4) or parts[0] != "governance":
        raise CaseStudyError(f"governance reference {ref!r}: expected "
                             "'governance:<CASE>:<measure>' or "
                             "'governance:<CASE>:<measure>:<BODY_ID>'")
    _, case, measure, *body = parts
    if case not in cases.codes():
        raise CaseStudyError(f"governance reference {ref!r}: unknown case {case!r}; expected "
                             f"one of {', '.join(cases.codes())}")
    known = BODY_MEASURES if body else CASE_MEASURES
    if measure not in known:
        shown = ", ".join(list(known)[:2])
        raise CaseStudyError(f"governance reference {ref!r}: unknown measure {measure!r}; "
                             f"expected one of {shown}, ... (see governance.MEASURES)")
    table = measures() if table is None else table
    rows = table[(table["case"].astype(str) == case) & (table["measure"] == measure)]
    rows = rows[rows["body"] == body[0]] if body else rows[rows["body"].isna()]
    if len(rows) != 1:
        where = f"body {body[0]!r} of case {case}" if body else f"case {case}"
        raise CaseStudyError(f"governance reference {ref!r}: no value for {where} (per-body "
                             "measures exist for bodies below the national tier)")
    return float(rows["value"].iloc[0])

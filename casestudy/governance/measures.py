"""The governance graph of a case and the measures compared across cases.

A case's graph is a ``networkx.MultiDiGraph``: one node per body (attributes ``tier``,
``sector``, ``short_name``), one edge per relation keyed by its type. The measures read
it with these conventions, which are the project's (no standard tool defines them):

- *Money* relations are ``funds`` and ``commissions`` (both move money to ``to_body``);
  *regulatory* relations are ``regulates`` and ``inspects``.
- Per-body measures are given for every body below the national tier ("local" in the
  broad sense: regional, local-strategic and frontline bodies).
- An *accountability line* is a maximal chain of ``accountable_to`` relations starting at
  the body (it ends where the last body answers to no one in the map); a body has as many
  lines as there are such chains, and ``accountability_steps`` is the length of the longest.
- A body *holds a pooled budget* when money from both sides of care meets in it: at least
  two contributors (its own budget when it is a health or a social-care body, and each
  body that ``funds`` it; "general" bodies do not count) whose sectors together cover
  health and social care. A joint body funded by one side only does not pool.
- *Power* relations are held by ``from_body`` for the money, regulatory, ``delegates_to``
  and ``appoints`` relations and by ``to_body`` for ``accountable_to``.
  ``power_share_national`` is the share of them held by national bodies.

>>> import pandas as pd
>>> bodies = pd.DataFrame({"case": ["SCO"] * 3, "body_id": ["SG", "HB", "IJB"],
...     "tier": ["national", "regional", "local-strategic"],
...     "sector": ["general", "health", "social care"]})
>>> relations = pd.DataFrame({"case": ["SCO"] * 3, "from_body": ["HB", "IJB", "SG"],
...     "relation": ["funds", "accountable_to", "regulates"],
...     "to_body": ["IJB", "SG", "HB"]})
>>> m = measures(bodies, relations)
>>> m.loc[m["measure"] == "pooled_budget_holders", "value"].item()
1.0
>>> m.loc[(m["measure"] == "accountability_lines") & (m["body"] == "IJB"), "value"].item()
1.0
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import pandas as pd

from casestudy import cases
from casestudy.governance.records import CONFIDENCE, RELATIONS
from casestudy.qual.evidence import TIERS

MONEY: tuple[str, ...] = ("funds", "commissions")
REGULATORY: tuple[str, ...] = ("regulates", "inspects")
_POWER_FROM = {*MONEY, *REGULATORY, "delegates_to", "appoints"}

#: Per-body measures (bodies below the national tier), id -> meaning.
BODY_MEASURES: dict[str, str] = {
    "accountability_lines": "chains of accountable_to relations leading up from the body",
    "accountability_steps": "relations on the body's longest accountability line",
    "funders": "bodies that fund or commission the body",
    "fund_and_regulate": "bodies that both fund (or commission) and regulate (or inspect) "
                         "the body",
    "pooled_budget": "1 if the body holds a pooled health and social care budget, else 0",
}
#: Case-level measures, id -> meaning. Ids are stable: other tables cite them as
#: ``governance:<CASE>:<measure>``.
CASE_MEASURES: dict[str, str] = {
    "bodies": "bodies in the map",
    **{f"bodies_{t.replace('-', '_')}": f"bodies at the {t} tier" for t in TIERS},
    "relations": "relations in the map",
    **{f"relations_{r}": f"{r} relations" for r in RELATIONS},
    "bodies_without_accountability_line": "bodies below the national tier with no "
                                          "accountable_to relation",
    "max_accountability_lines": "most accountability lines of any body below the national "
                                "tier",
    "max_funders": "most funders of any body below the national tier",
    "bodies_with_several_funders": "bodies below the national tier with two or more funders",
    "fund_and_regulate_pairs": "(body, local body) pairs where the first both funds (or "
                               "commissions) and regulates (or inspects) the second",
    "pooled_budget_holders": "bodies that hold a pooled health and social care budget",
    "pooling_agreements": "agrees_with relations between a health and a social-care body",
    "accountability_without_money": "accountable_to relations to a body that neither funds "
                                    "nor commissions the accountable body",
    "money_without_accountability": "funds or commissions relations whose recipient is not "
                                    "accountable_to the payer",
    "power_share_national": "share of power relations (money, regulation, delegation, "
                            "appointment, being answered to) held by national bodies",
}
MEASURES: dict[str, str] = {**CASE_MEASURES, **BODY_MEASURES}

_HEALTH = {"health", "health and social care"}
_SOCIAL = {"social care", "health and social care"}


def graph(bodies: pd.DataFrame, relations: pd.DataFrame, case: str) -> nx.MultiDiGraph:
    """The governance graph of one case (bodies and relations as checked by ``records``).

    >>> import pandas as pd
    >>> g = graph(pd.DataFrame({"case": ["NL", "NL"], "body_id": ["A", "B"],
    ...                         "tier": ["national", "regional"], "sector": ["health"] * 2}),
    ...           pd.DataFrame({"case": ["NL"], "from_body": ["A"], "relation": ["funds"],
    ...                         "to_body": ["B"]}), "NL")
    >>> list(g.edges(keys=True))
    [('A', 'B', 'funds')]
    """
    g = nx.MultiDiGraph(case=case)
    own = bodies[bodies["case"].astype(str) == case]
    for rec in own.to_dict("records"):
        g.add_node(str(rec["body_id"]), tier=str(rec["tier"]), sector=str(rec["sector"]),
                   short_name=str(rec["body_id"] if pd.isna(rec.get("short_name"))
                                  else rec["short_name"]))
    rels = relations[relations["case"].astype(str) == case]
    for rec in rels.to_dict("records"):
        g.add_edge(str(rec["from_body"]), str(rec["to_body"]), key=str(rec["relation"]))
    return g


def _targets(g: nx.MultiDiGraph, node: str, types: Iterable[str]) -> set[str]:
    wanted = set(types)
    return {v for _, v, k in g.out_edges(node, keys=True) if k in wanted}


def _sources(g: nx.MultiDiGraph, node: str, types: Iterable[str]) -> set[str]:
    wanted = set(types)
    return {u for u, _, k in g.in_edges(node, keys=True) if k in wanted}


def _lines(g: nx.MultiDiGraph, start: str) -> list[int]:
    """Lengths of the maximal simple accountable_to chains from ``start``."""
    out: list[int] = []

    def walk(node: str, seen: frozenset[str]) -> None:
        nxt = sorted(_targets(g, node, ["accountable_to"]) - seen)
        if not nxt:
            if len(seen) > 1:
                out.append(len(seen) - 1)
            return
        for up in nxt:
            walk(up, seen | {up})

    walk(start, frozenset({start}))
    return out


def _pooled(g: nx.MultiDiGraph, node: str) -> bool:
    own = g.nodes[node]["sector"]
    # A joint body has no budget of its own side; a health or social-care body does.
    sides = [own] if own in ("health", "social care") else []
    sides += [g.nodes[u]["sector"] for u in sorted(_sources(g, node, ["funds"]))
              if g.nodes[u]["sector"] != "general"]
    covered = set(sides)
    return len(sides) >= 2 and bool(covered & _HEALTH) and bool(covered & _SOCIAL)


def _body_rows(g: nx.MultiDiGraph) -> list[dict]:
    rows = []
    local = [n for n in g.nodes if g.nodes[n]["tier"] != TIERS[0]]
    for node in local:
        lines = _lines(g, node)
        money = _sources(g, node, MONEY)
        values = {
            "accountability_lines": len(lines),
            "accountability_steps": max(lines, default=0),
            "funders": len(money),
            "fund_and_regulate": len(money & _sources(g, node, REGULATORY)),
            "pooled_budget": int(_pooled(g, node)),
        }
        rows += [{"measure": m, "body": node, "value": float(v)} for m, v in values.items()]
    return rows


def _case_rows(g: nx.MultiDiGraph, per_body: pd.DataFrame) -> list[dict]:
    tiers = [g.nodes[n]["tier"] for n in g.nodes]
    edges = list(g.edges(keys=True))
    by_body = per_body.pivot(index="body", columns="measure", values="value") \
        if len(per_body) else pd.DataFrame(columns=list(BODY_MEASURES))
    sector = nx.get_node_attributes(g, "sector")
    money = {(u, v) for u, v, k in edges if k in MONEY}
    answers = {(u, v) for u, v, k in edges if k == "accountable_to"}
    power = [(v if k == "accountable_to" else u) for u, v, k in edges
             if k in _POWER_FROM or k == "accountable_to"]
    national = [p for p in power if g.nodes[p]["tier"] == TIERS[0]]
    values = {
        "bodies": len(tiers),
        **{f"bodies_{t.replace('-', '_')}": tiers.count(t) for t in TIERS},
        "relations": len(edges),
        **{f"relations_{r}": sum(k == r for _, _, k in edges) for r in RELATIONS},
        "bodies_without_accountability_line":
            int((by_body.get("accountability_lines", pd.Series(dtype=float)) == 0).sum()),
        "max_accountability_lines": float(by_body.get("accountability_lines",
                                                      pd.Series([0.0])).max() or 0),
        "max_funders": float(by_body.get("funders", pd.Series([0.0])).max() or 0),
        "bodies_with_several_funders":
            int((by_body.get("funders", pd.Series(dtype=float)) >= 2).sum()),
        "fund_and_regulate_pairs": float(by_body.get("fund_and_regulate",
                                                     pd.Series([0.0])).sum()),
        "pooled_budget_holders": float(by_body.get("pooled_budget", pd.Series([0.0])).sum()),
        "pooling_agreements": sum(
            1 for u, v, k in edges if k == "agrees_with" and sector[u] != sector[v]
            and {sector[u], sector[v]} & _HEALTH and {sector[u], sector[v]} & _SOCIAL),
        "accountability_without_money": sum(1 for u, v in answers if (v, u) not in money),
        "money_without_accountability": sum(1 for u, v in money if (v, u) not in answers),
        "power_share_national": len(national) / len(power) if power else float("nan"),
    }
    return [{"measure": m, "body": pd.NA, "value": float(v)} for m, v in values.items()]


def measures(bodies: pd.DataFrame, relations: pd.DataFrame, *,
             min_confidence: str = "U") -> pd.DataFrame:
    """Tidy measures of every case in ``bodies``: ``case``, ``measure``, ``body``, ``value``.

    ``body`` is missing for case-level measures (``CASE_MEASURES``) and names the body for
    per-body ones (``BODY_MEASURES``). ``min_confidence="S"`` drops relations coded U
    (``"V"`` keeps only those read in the primary text), to show which results rest on
    weaker evidence; relations without a code are then dropped too. Rows come in registry,
    measure and tier order, whatever the order of the input rows.
    """
    if min_confidence not in CONFIDENCE:
        from casestudy.errors import CaseStudyError
        raise CaseStudyError(f"min_confidence {min_confidence!r}: expected one of "
                             f"{', '.join(CONFIDENCE)}")
    # Relations without a code count only when every code is accepted.
    if min_confidence != CONFIDENCE[-1] and "confidence" in relations.columns:
        allowed = set(CONFIDENCE[: CONFIDENCE.index(min_confidence) + 1])
        relations = relations[relations["confidence"].astype(str).isin(allowed)]
    frames = []
    for case in cases.order(bodies["case"].astype(str)):
        g = graph(bodies, relations, case)
        per_body = pd.DataFrame(_body_rows(g), columns=["measure", "body", "value"])
        rows = pd.DataFrame(_case_rows(g, per_body) + per_body.to_dict("records"))
        frames.append(rows.assign(case=case))
    if not frames:
        return pd.DataFrame({"case": cases.categorical([]), "measure": [], "body": [],
                             "value": []})
    out = pd.concat(frames, ignore_index=True)
    tier_of = dict(zip(bodies["body_id"].astype(str), bodies["tier"].astype(str), strict=True))
    out["_m"] = out["measure"].map(list(MEASURES).index)
    out["_t"] = out["body"].map(lambda b: -1 if pd.isna(b) else TIERS.index(tier_of[b]))
    out["case"] = cases.categorical(out["case"])
    out = out.sort_values(["case", "_m", "_t", "body"], kind="mergesort", na_position="first")
    out = out[["case", "measure", "body", "value"]].reset_index(drop=True)
    out["measure"] = out["measure"].astype("string")
    out["body"] = out["body"].astype("string")
    return out


def compare(table: pd.DataFrame) -> pd.DataFrame:
    """The cross-case table: one row per case-level measure (with its meaning), one column
    per case in registry order, from the output of ``measures``."""
    case_level = table[table["body"].isna()]
    wide = case_level.pivot(index="measure", columns="case", values="value")
    wide = wide.reindex([m for m in CASE_MEASURES if m in wide.index])
    wide.columns = [str(c) for c in wide.columns]
    wide = wide.reindex(columns=cases.order(wide.columns))
    wide.insert(0, "meaning", [CASE_MEASURES[m] for m in wide.index])
    return wide.rename_axis("measure").reset_index()

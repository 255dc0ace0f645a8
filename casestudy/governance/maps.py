"""Layered governance maps: tiers as rows (national at the top), bodies as labelled boxes,
relations as lines whose type shows in both line style and colour, so a map printed in
greyscale still reads; and the relation list that gives the maps their alt text.

The layout is deterministic: each tier is a row, and bodies sit left to right in the order
of the ``bodies`` table (the curated order), evenly spaced. Several relations between the
same two bodies are drawn as arcs that bow apart; relations within a tier arc above it.

>>> import pandas as pd
>>> bodies = pd.DataFrame({"case": ["SCO"] * 2, "body_id": ["SCO-HB", "SCO-IJB"],
...     "short_name": ["Health boards", "IJB"], "tier": ["regional", "local-strategic"]})
>>> rels = pd.DataFrame({"case": ["SCO"], "from_body": ["SCO-HB"], "relation": ["funds"],
...     "to_body": ["SCO-IJB"]})
>>> print(relation_list(rels, bodies=bodies, case="SCO"))  # doctest: +NORMALIZE_WHITESPACE
Governance map of Scotland: 2 bodies (regional: Health boards; local-strategic: IJB)
and 1 relation (from → to, type): Health boards → IJB (funds).
>>> ax = governance_map(rels, bodies=bodies, case="SCO")
>>> ax.get_title()
'Scotland'
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from casestudy import cases
from casestudy._frames import check_columns
from casestudy.errors import CaseStudyError
from casestudy.governance.records import RELATIONS
from casestudy.plots._style import new_axes, use_style
from casestudy.qual.evidence import TIERS


@dataclass(frozen=True)
class LineStyle:
    colour: str
    dashes: tuple[float, tuple[float, ...] | None]
    width: float
    arrow: bool


# Okabe & Ito colours plus greys; each type also has its own dash pattern (and width),
# because colour alone is lost in greyscale print.
STYLES: dict[str, LineStyle] = {
    "accountable_to": LineStyle("#000000", (0, None), 1.6, True),
    "funds": LineStyle("#E69F00", (0, (7, 2)), 1.8, True),
    "commissions": LineStyle("#56B4E9", (0, (3, 1.5)), 1.4, True),
    "delegates_to": LineStyle("#009E73", (0, (6, 2, 1.5, 2)), 1.4, True),
    "regulates": LineStyle("#D55E00", (0, (1.2, 1.2)), 1.6, True),
    "inspects": LineStyle("#CC79A7", (0, (5, 1.5, 1.2, 1.5, 1.2, 1.5)), 1.3, True),
    "appoints": LineStyle("#0072B2", (0, (10, 2, 2, 2)), 1.4, True),
    "member_of": LineStyle("#888888", (0, (1, 2.5)), 1.0, True),
    "agrees_with": LineStyle("#444444", (0, (2.5, 2.5)), 2.2, False),
}
_COLUMNS = ("case", "from_body", "relation", "to_body")


def _case_frames(data: pd.DataFrame, bodies: pd.DataFrame, case: str | None,
                 what: str) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    check_columns(data, _COLUMNS, what=what)
    check_columns(bodies, ("case", "body_id", "tier"), what=f"{what} bodies")
    present = cases.order(bodies["case"].astype(str))
    if case is None:
        if len(present) != 1:
            raise CaseStudyError(f"{what}: bodies of {len(present)} cases "
                                 f"({', '.join(present)}); pass case= (one of them)")
        case = present[0]
    if case not in present:
        raise CaseStudyError(f"{what}: no bodies of case {case!r}; expected one of "
                             f"{', '.join(present)}")
    own = bodies[bodies["case"].astype(str) == case]
    rels = data[data["case"].astype(str) == case]
    known = set(own["body_id"].astype(str))
    for col in ("from_body", "to_body"):
        stray = sorted(set(rels[col].astype(str)) - known)
        if stray:
            raise CaseStudyError(f"{what}: {col} {', '.join(map(repr, stray))} not among the "
                                 f"bodies of case {case}")
    return case, own, rels


def _label(rec: dict) -> str:
    name = rec.get("short_name")
    return str(rec["body_id"]) if name is None or pd.isna(name) else str(name)


def relation_list(data: pd.DataFrame, *, bodies: pd.DataFrame, case: str | None = None) -> str:
    """Alt text for a case's map: its bodies by tier, then every relation in words."""
    case, own, rels = _case_frames(data, bodies, case, "relation_list")
    label = {str(r["body_id"]): _label(r) for r in own.to_dict("records")}
    tiers = [f"{t}: " + ", ".join(label[str(b)] for b in own.loc[own["tier"] == t, "body_id"])
             for t in TIERS if (own["tier"] == t).any()]
    said = [f"{label[str(r['from_body'])]} → {label[str(r['to_body'])]} "
            f"({str(r['relation']).replace('_', ' ')})" for r in rels.to_dict("records")]
    n = len(said)
    text = (f"Governance map of {cases.label(case)}: {len(own)} bodies ({'; '.join(tiers)}) "
            f"and {n} relation{'s' if n != 1 else ''} (from → to, type)")
    return text + (": " + "; ".join(said) + "." if said else ".")


def _positions(own: pd.DataFrame) -> dict[str, tuple[float, float]]:
    pos = {}
    for level, tier in enumerate(TIERS):
        ids = [str(b) for b in own.loc[own["tier"] == tier, "body_id"]]
        for i, body in enumerate(ids):
            pos[body] = ((i + 0.5) / len(ids), float(len(TIERS) - 1 - level))
    return pos


def _crosses_a_box(a: tuple[float, float], b: tuple[float, float],
                   pos: dict[str, tuple[float, float]]) -> bool:
    """Whether the straight line a-b passes under a body of a tier it skips."""
    for x, y in pos.values():
        if min(a[1], b[1]) < y < max(a[1], b[1]):
            at = a[0] + (b[0] - a[0]) * (a[1] - y) / (a[1] - b[1])
            if abs(at - x) < 0.08:
                return True
    return False


def _bends(rels: pd.DataFrame, pos: dict[str, tuple[float, float]]) -> list[float]:
    """Arc of each relation: 0 for the first between two bodies of different tiers (unless
    the straight line would hide under a box it skips), then alternately bowing either
    side; relations within a tier always arc."""
    seen: dict[frozenset[str], int] = {}
    out = []
    for rec in rels.to_dict("records"):
        a, b = str(rec["from_body"]), str(rec["to_body"])
        pair = frozenset((a, b))
        k = seen.get(pair, 0)
        seen[pair] = k + 1
        same_tier = pos[a][1] == pos[b][1]
        if same_tier:
            bend = 0.35 + 0.18 * k
        else:
            if k == 0 and _crosses_a_box(pos[a], pos[b], pos):
                k, seen[pair] = 1, 2
            bend = 0.18 * ((k + 1) // 2) * (1 if k % 2 else -1)
        # Arcs follow the drawing direction, so orient by the pair to keep them apart.
        out.append(bend if a < b else -bend)
    return out


def governance_map(data: pd.DataFrame, *, bodies: pd.DataFrame, case: str | None = None,
                   ax: Axes | None = None, legend: bool = True, title: bool = True,
                   fontsize: float = 7.0) -> Axes:
    """Draw one case's layered map from relations ``data`` and its ``bodies``; return the Axes.

    ``data`` needs ``case``, ``from_body``, ``relation``, ``to_body``; ``bodies`` needs
    ``case``, ``body_id``, ``tier`` (and ``short_name`` for the labels). ``case`` may be
    omitted when ``bodies`` holds one case only.
    """
    case, own, rels = _case_frames(data, bodies, case, "governance_map")
    ax = new_axes(ax, figsize=(6.5, 6))
    pos = _positions(own)
    colour = cases.palette()[case]
    for level in range(len(TIERS)):
        if level % 2 == 0:
            ax.axhspan(level - 0.5, level + 0.5, color="#F2F2F2", zorder=0, lw=0)
    for rec, bend in zip(rels.to_dict("records"), _bends(rels, pos), strict=True):
        style = STYLES.get(str(rec["relation"]), LineStyle("#000000", (0, None), 1, True))
        # add_artist, not add_patch: the limits are fixed below, and add_patch would work out
        # each arrow's clipped and shrunk path only to widen them (nearly half the time of
        # making the four maps).
        ax.add_artist(FancyArrowPatch(
            pos[str(rec["from_body"])], pos[str(rec["to_body"])],
            connectionstyle=f"arc3,rad={bend}",
            arrowstyle="-|>,head_length=5,head_width=2.5" if style.arrow else "-",
            color=style.colour, linestyle=style.dashes, linewidth=style.width,
            shrinkA=11, shrinkB=11, zorder=2))
    for rec in own.to_dict("records"):
        x, y = pos[str(rec["body_id"])]
        ax.text(x, y, textwrap.fill(_label(rec), 12, break_long_words=False), ha="center",
                va="center", fontsize=fontsize, zorder=4,
                bbox={"boxstyle": "round,pad=0.35", "facecolor": "white",
                      "edgecolor": colour, "linewidth": 1.2})
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.6, len(TIERS) - 0.4)
    ax.set_yticks(range(len(TIERS)), [t.capitalize() for t in reversed(TIERS)])
    ax.set_xticks([])
    ax.grid(False)
    ax.spines[["left", "bottom", "top", "right"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    if title:
        ax.set_title(cases.label(case), color=colour)
    if legend:
        present = [r for r in RELATIONS if r in set(rels["relation"].astype(str))]
        ax.legend(handles=_handles(present), loc="upper center", bbox_to_anchor=(0.5, -0.02),
                  ncol=3, fontsize=fontsize, handlelength=4)
    return ax


def _handles(types: list[str]) -> list[Line2D]:
    return [Line2D([], [], color=STYLES[t].colour, linestyle=STYLES[t].dashes,
                   linewidth=STYLES[t].width, label=t.replace("_", " ")) for t in types]


def governance_maps(data: pd.DataFrame, *, bodies: pd.DataFrame,
                    case_codes: list[str] | None = None, width: float = 20.0) -> Figure:
    """The maps of several cases side by side (registry order), with one shared legend."""
    check_columns(bodies, ("case",), what="governance_maps bodies")
    wanted = cases.order(case_codes if case_codes is not None
                         else bodies["case"].astype(str))
    if not wanted:
        raise CaseStudyError("governance_maps: no cases to draw; expected bodies of at least "
                             f"one of {', '.join(cases.codes())}")
    use_style()
    fig, axes = plt.subplots(1, len(wanted), figsize=(width, 6.5), squeeze=False,
                             layout="constrained", sharey=True)
    for ax, code in zip(axes[0], wanted, strict=True):
        governance_map(data, bodies=bodies, case=code, ax=ax, legend=False)
    present = [r for r in RELATIONS if r in set(data["relation"].astype(str))]
    # Above the maps: below them, savefig's tight box puts the legend on the source footer.
    fig.legend(handles=_handles(present), loc="outside upper center", ncol=len(present),
               fontsize=8, handlelength=4)
    return fig

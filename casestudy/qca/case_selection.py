"""Case selection after QCA: set-theoretic multi-method research (SMMR).

Which cases to study in depth once a sufficient solution is found, following Schneider,
C. Q. and Rohlfing, I. (2013) "Combining QCA and process tracing in set-theoretic
multi-method research", *Sociological Methods & Research* 42(4), 559-597, and Schneider
and Wagemann (2012, ch. 11), with the formulas of R's SetMethods (``smmr()``,
``cases.suf.typ``, ``cases.suf.dcn``, ``cases.suf.dcv``, ``cases.suf.iir``,
``matches.suf.typdcn``, ``matches.suf.dcviir``, ``matches.suf.typiir``).

The type of a case for a solution (X its membership in the model, Y in the outcome):

========================================  ==============================
typical                                   X > 0.5, Y > 0.5, X <= Y
deviant consistency in degree             X > 0.5, Y > 0.5, X > Y
deviant consistency (in kind)             X > 0.5, Y < 0.5
deviant coverage                          X < 0.5, Y > 0.5
individually irrelevant                   X < 0.5, Y < 0.5
ambiguous                                 X = 0.5 or Y = 0.5
========================================  ==============================

Scores (lower is better, as in SetMethods): a typical case of a term T scores
2·(Y − T) + (1 − T) (high in the term, close to the diagonal), a deviant consistency case
1 − (T − Y) + (1 − T), a deviant coverage case 1 − w with w its membership in its own
truth-table row. Pairs for comparative designs: typical and deviant consistency cases of
the same term, |T_i − T_j| + (1 − (Y_i − Y_j)) + (1 − T_i) + (1 − T_j); deviant coverage
and individually irrelevant cases of the same truth-table row, the same with w in place
of T; typical and individually irrelevant cases of a term, (1 − (T_i − T_j)) +
(1 − (Y_i − Y_j)) + 2·|Y_i − T_i| + |Y_j − T_j|. Where SetMethods splits a term into
focal conjuncts for the typical-irrelevant pairs, this module takes the term as a whole
(SetMethods' single-conjunct formula), so the recommendation is per term. Typical cases
covered by one term only ("uniquely covered") are preferred, as Schneider and Rohlfing
recommend for process tracing, then the score decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from casestudy.qca.solution import Solution

TYPES = ("typical", "deviant consistency in degree", "deviant consistency",
         "deviant coverage", "individually irrelevant", "ambiguous")


def case_type(x: float, y: float) -> str:
    """The SMMR type of a case with membership ``x`` in a sufficient term or solution and
    ``y`` in the outcome.

    >>> case_type(0.8, 0.9), case_type(0.9, 0.6), case_type(0.7, 0.2), case_type(0.2, 0.7)
    ('typical', 'deviant consistency in degree', 'deviant consistency', 'deviant coverage')
    >>> case_type(0.2, 0.1), case_type(0.5, 0.9)
    ('individually irrelevant', 'ambiguous')
    """
    if x > 0.5 and y > 0.5:
        return "typical" if x <= y else "deviant consistency in degree"
    if x > 0.5 and y < 0.5:
        return "deviant consistency"
    if x < 0.5 and y > 0.5:
        return "deviant coverage"
    if x < 0.5 and y < 0.5:
        return "individually irrelevant"
    return "ambiguous"


def _row_membership(solution: Solution) -> np.ndarray:
    """Each case's membership in its own truth-table row (min over conditions of the
    membership in the side it is on)."""
    tt = solution.truth_table
    high = np.ones(len(tt.y))
    for j, kind in enumerate(tt.types):
        if kind == "fuzzy":
            v = tt.values[:, j]
            high = np.minimum(high, np.where(v > 0.5, v, 1 - v))
    return high


@dataclass(frozen=True, eq=False)
class CaseSelection:
    """Case types for one model of a sufficient solution, and the cases to study.

    ``cases``: one row per case (solution membership X, outcome Y, type, truth-table row,
    its membership in that row, the terms covering it, whether it is uniquely covered).
    ``terms``: one row per case x term (term membership, type for the term).
    """

    model: str
    cases: pd.DataFrame = field(repr=False)
    terms: pd.DataFrame = field(repr=False)

    def table(self) -> pd.DataFrame:
        """The case table (see the class docstring)."""
        return self.cases.copy()

    def recommend(self, *, per_group: int = 1) -> pd.DataFrame:
        """Recommended cases: for single-case designs the most typical case of each term,
        the most deviant consistency case of each term and the most deviant coverage case
        of each truth-table row; for comparative designs the best typical/deviant
        consistency pair per term, deviant coverage/individually irrelevant pair per row
        and typical/individually irrelevant pair per term. ``per_group`` keeps that many
        per term or row (ties in score are broken by case order)."""
        out = [*self._single(), *self._pairs()]
        if not out:
            return pd.DataFrame(columns=["design", "purpose", "group", "case", "partner",
                                         "score"])
        frame = pd.concat(out, ignore_index=True)
        frame = frame.sort_values(["design", "purpose", "group", "rank", "score"],
                                  kind="stable")
        frame = frame.groupby(["design", "purpose", "group"], sort=False).head(per_group)
        return frame.drop(columns="rank").reset_index(drop=True)

    def _single(self) -> list[pd.DataFrame]:
        t = self.terms
        out = []
        typ = t[t["type"] == "typical"].assign(
            score=lambda d: 2 * (d["Y"] - d["membership"]) + (1 - d["membership"]),
            rank=lambda d: (~d["uniquely_covered"]).astype(int))
        dcn = t[t["type"] == "deviant consistency"].assign(
            score=lambda d: 1 - (d["membership"] - d["Y"]) + (1 - d["membership"]), rank=0)
        for frame, purpose in ((typ, "typical (mechanism)"),
                               (dcn, "deviant consistency (why no outcome)")):
            out.append(pd.DataFrame({"design": "single-case", "purpose": purpose,
                                     "group": frame["term"], "case": frame["case"],
                                     "partner": "", "score": frame["score"],
                                     "rank": frame["rank"]}))
        c = self.cases
        dcv = c[c["type"] == "deviant coverage"]
        out.append(pd.DataFrame({
            "design": "single-case", "purpose": "deviant coverage (missing path)",
            "group": "row " + dcv["tt_row"].astype(str), "case": dcv["case"], "partner": "",
            "score": 1 - dcv["row_membership"],
            "rank": (dcv["row_membership"] > dcv["Y"]).astype(int)}))
        return out

    def _pairs(self) -> list[pd.DataFrame]:
        t, c = self.terms, self.cases
        out = []
        for term, part in t.groupby("term", sort=False):
            typ = part[part["type"] == "typical"]
            dcn = part[part["type"] == "deviant consistency"]
            iir = part[(part["membership"] < 0.5) & (part["Y"] < 0.5)]
            for other, purpose in ((dcn, "typical vs deviant consistency"),
                                   (iir, "typical vs individually irrelevant")):
                pairs = typ.merge(other, how="cross", suffixes=("_i", "_j"))
                if pairs.empty:
                    continue
                xi, xj = pairs["membership_i"], pairs["membership_j"]
                yi, yj = pairs["Y_i"], pairs["Y_j"]
                if purpose.endswith("consistency"):
                    score = (xi - xj).abs() + (1 - (yi - yj)) + (1 - xi) + (1 - xj)
                    rank = (~pairs["uniquely_covered_i"]).astype(int)
                else:
                    score = (1 - (xi - xj)) + (1 - (yi - yj)) + 2 * (yi - xi).abs() \
                        + (yj - xj).abs()
                    # Prefer an irrelevant case outside the whole solution.
                    rank = (pairs["X_j"] >= 0.5).astype(int) \
                        + 2 * (~pairs["uniquely_covered_i"]).astype(int)
                out.append(pd.DataFrame({"design": "comparative", "purpose": purpose,
                                         "group": term, "case": pairs["case_i"],
                                         "partner": pairs["case_j"], "score": score,
                                         "rank": rank}))
        dcv = c[c["type"] == "deviant coverage"]
        iir = c[c["type"] == "individually irrelevant"]
        pairs = dcv.merge(iir, on="tt_row", suffixes=("_i", "_j"))
        pairs = pairs[pairs["tt_row"] > 0]
        if len(pairs):
            wi, wj = pairs["row_membership_i"], pairs["row_membership_j"]
            score = (wi - wj).abs() + (1 - (pairs["Y_i"] - pairs["Y_j"])) + (1 - wi) + (1 - wj)
            out.append(pd.DataFrame({
                "design": "comparative",
                "purpose": "deviant coverage vs individually irrelevant",
                "group": "row " + pairs["tt_row"].astype(str), "case": pairs["case_i"],
                "partner": pairs["case_j"], "score": score,
                "rank": (wi > pairs["Y_i"]).astype(int)}))
        return out

    def __repr__(self) -> str:
        counts = self.cases["type"].value_counts().reindex(TYPES, fill_value=0)
        lines = [f"Case selection for {self.model}"]
        lines += [f"  {kind}: {n}" for kind, n in counts.items() if n]
        rec = self.recommend()
        if len(rec):
            lines.append(rec.to_string(index=False, float_format="{:.3f}".format))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from casestudy.qca._display import block, frame_html

        return block(f"Case selection for {self.model}",
                     "<p>Recommended cases:</p>", frame_html(self.recommend()),
                     "<p>Every case:</p>", frame_html(self.table()))

    def plot(self, *, ax: Axes | None = None, labels: bool = True) -> Axes:
        """XY plot of solution membership against the outcome, cases marked by type."""
        from casestudy.plots import new_axes
        from casestudy.qca.plot import place_labels, shared_labels, unit_square

        ax = new_axes(ax, figsize=(5.5, 5.5))
        colours = dict(zip(TYPES, ("#1b7837", "#a6dba0", "#762a83", "#e08214", "#888888",
                                   "#000000"), strict=True))
        for kind in TYPES:
            part = self.cases[self.cases["type"] == kind]
            if len(part):
                ax.scatter(part["X"], part["Y"], s=30, color=colours[kind], label=kind,
                           zorder=3)
        unit_square(ax)
        ax.set_xlabel(f"membership in {self.model}")
        ax.set_ylabel("outcome")
        ax.set_title("Case types for within-case study")
        legend = ax.legend(fontsize=7, loc="upper left")
        if labels:
            place_labels(ax, shared_labels(self.cases["X"], self.cases["Y"], self.cases["case"],
                                           sep=", "), avoid=[legend])
        return ax


def case_selection(solution: Solution, model: str | int = 0) -> CaseSelection:
    """Case types and recommended cases for one model of a sufficient solution.

    >>> import pandas as pd
    >>> from casestudy.qca import minimize, truth_table
    >>> df = pd.DataFrame({"A": [0.9, 0.8, 0.7, 0.2, 0.1], "Y": [0.9, 0.6, 0.3, 0.8, 0.1]},
    ...                   index=["p", "q", "r", "s", "t"])
    >>> sel = case_selection(minimize(truth_table(df, "Y", incl_cut=0.7)))
    >>> print(sel.table()[["case", "type"]].to_string(index=False))
    case                          type
       p                       typical
       q deviant consistency in degree
       r           deviant consistency
       s              deviant coverage
       t       individually irrelevant
    """
    tt = solution.truth_table
    m = solution.model(model)
    x = solution.membership(m).to_numpy()
    y = tt.y
    names = [solution.term(i) for i in m.terms]
    memb = solution._membership[list(m.terms)]
    covering = memb > 0.5
    cases = pd.DataFrame({
        "case": tt.cases.astype(str), "X": x, "Y": y,
        "type": [case_type(a, b) for a, b in zip(x, y, strict=True)],
        "tt_row": tt.case_row, "row_membership": _row_membership(solution),
        "terms": ["; ".join(n for n, hit in zip(names, col, strict=True) if hit)
                  for col in covering.T],
        "uniquely_covered": covering.sum(axis=0) == 1})
    records = []
    for k, name in enumerate(names):
        for pos, case in enumerate(cases["case"]):
            records.append({"case": case, "term": name, "membership": memb[k, pos],
                            "Y": y[pos], "X": x[pos],
                            "type": case_type(memb[k, pos], y[pos]),
                            "uniquely_covered": bool(cases["uniquely_covered"].iloc[pos])})
    return CaseSelection(f"{m.name}: {m.expression}", cases, pd.DataFrame.from_records(records))

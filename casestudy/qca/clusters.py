"""Cluster diagnostics for cases grouped in clusters (García-Castro and Ariño 2016).

Pooled data (units observed in several clusters: partnerships within countries, years
within units) can hide a solution that holds in some clusters only. Following García-
Castro, R. and Ariño, M. A. (2016) "A general approach to panel data set-theoretic
research", *Journal of Advances in Management Sciences & Information Systems* 2, 63-76,
as R's SetMethods implements it (``cluster()``):

* pooled consistency Σ min(X, Y) / Σ X and coverage Σ min(X, Y) / Σ Y over all cases;
* between consistency and coverage: the same sums within each cluster;
* within consistency and coverage: the same sums within each unit, across clusters;
* the distance of the between consistencies from the pooled one,
  dBP = sqrt(Σ_j (b_j / Σ_k b_k − 1/J)²) over the J clusters, and likewise dWP over the
  N units: 0 when every cluster (unit) is as consistent as any other, growing as they
  differ.

Where SetMethods and the paper differ: a unit or cluster with Σ X = 0 has no defined
consistency. SetMethods' ``cluster()`` on a QCA solution adds 1e-10 to both sums, which
scores such a unit 1 (perfectly consistent) and lets it pull the distance; here it is
left undefined (NaN) and the distance uses the units and clusters where consistency is
defined, as the paper's definition (a ratio of sums) implies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from casestudy.errors import CaseStudyError
from casestudy.qca.solution import Solution
from casestudy.qca.truthtable import coverage, fuzzy_incl


def distance(values: np.ndarray) -> float:
    """García-Castro and Ariño's distance of a set of consistencies from the pooled one:
    sqrt(Σ (v_j / Σ v − 1/J)²), over the defined (non-NaN) values.

    >>> round(distance(np.array([0.5, 1.0])), 4)
    0.2357
    >>> distance(np.array([0.8, 0.8, np.nan]))
    0.0
    """
    v = values[~np.isnan(values)]
    if len(v) == 0 or v.sum() == 0:
        return float("nan")
    return float(np.sqrt(np.sum((v / v.sum() - 1 / len(v)) ** 2)))


def cluster_fit(x: np.ndarray, y: np.ndarray, unit: Sequence[object],
                cluster: Sequence[object], *, necessity: bool = False) -> pd.DataFrame:
    """Pooled, between (per cluster) and within (per unit) consistency and coverage of
    sufficiency of ``x`` for ``y``; one row per level and group (tidy). With
    ``necessity=True`` the same for "x is necessary for y": consistency Σ min / Σ Y and
    coverage Σ min / Σ X (SetMethods' ``cluster(..., necessity = TRUE)``).

    >>> fit = cluster_fit(np.array([1.0, 1, 1, 0]), np.array([1.0, 0, 1, 1]),
    ...                   ["a", "b", "a", "b"], ["t1", "t1", "t2", "t2"])
    >>> fit["group"].tolist(), fit["consistency"].round(3).tolist()
    (['(all)', 't1', 't2', 'a', 'b'], [0.667, 0.5, 1.0, 1.0, 0.0])
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    unit = np.asarray([str(u) for u in unit], dtype=object)
    cluster = np.asarray([str(c) for c in cluster], dtype=object)
    if not (len(x) == len(y) == len(unit) == len(cluster)):
        raise CaseStudyError(f"cluster_fit needs one unit and one cluster per case: got "
                             f"{len(x)} memberships, {len(y)} outcomes, {len(unit)} units "
                             f"and {len(cluster)} clusters")
    cons, cov = (coverage, fuzzy_incl) if necessity else (fuzzy_incl, coverage)
    records = [{"level": "pooled", "group": "(all)", "n": len(x),
                "consistency": float(cons(x, y)), "coverage": float(cov(x, y))}]
    for level, keys in (("between", cluster), ("within", unit)):
        for key in pd.unique(keys):
            pick = keys == key
            records.append({"level": level, "group": key, "n": int(pick.sum()),
                            "consistency": float(cons(x[pick], y[pick])),
                            "coverage": float(cov(x[pick], y[pick]))})
    return pd.DataFrame.from_records(records)


@dataclass(frozen=True, eq=False)
class ClusterDiagnostics:
    """Cluster diagnostics of a solution and of each of its terms.

    ``fit`` is tidy: one row per term (``solution`` for the model as a whole) x level
    (pooled, between, within) x group, with n, consistency and coverage.
    """

    model: str
    fit: pd.DataFrame = field(repr=False)

    def table(self) -> pd.DataFrame:
        """The tidy fit table (see the class docstring)."""
        return self.fit.copy()

    def distances(self) -> pd.DataFrame:
        """Per term: pooled consistency and coverage, dBP and dWP (García-Castro and
        Ariño 2016)."""
        records = []
        for term, part in self.fit.groupby("term", sort=False):
            pooled = part[part["level"] == "pooled"].iloc[0]
            records.append({
                "term": term, "pooled_consistency": pooled["consistency"],
                "pooled_coverage": pooled["coverage"],
                "dBP": distance(part.loc[part["level"] == "between",
                                         "consistency"].to_numpy()),
                "dWP": distance(part.loc[part["level"] == "within",
                                         "consistency"].to_numpy())})
        return pd.DataFrame.from_records(records)

    def __repr__(self) -> str:
        body = self.distances().to_string(index=False, float_format="{:.3f}".format)
        return f"Cluster diagnostics of {self.model}\n{body}"

    def _repr_html_(self) -> str:
        from casestudy.qca._display import block, frame_html

        between = self.fit[self.fit["level"] != "pooled"]
        wide = between.pivot_table(index=["level", "group"], columns="term",
                                   values="consistency", sort=False).reset_index()
        return block(f"Cluster diagnostics of {self.model}", frame_html(self.distances()),
                     "<p>Consistency by cluster (between) and by unit (within):</p>",
                     frame_html(wide))

    def plot(self, term: str = "solution", *, level: str = "between",
             ax: Axes | None = None) -> Axes:
        """Consistency and coverage of ``term`` in each cluster (``level="between"``) or
        unit (``"within"``), with the pooled values as dashed lines."""
        from casestudy.plots import new_axes

        part = self.fit[self.fit["term"] == term]
        if part.empty:
            raise CaseStudyError(f"no term {term!r}; terms are "
                                 f"{list(dict.fromkeys(self.fit['term']))}")
        if level not in ("between", "within"):
            raise CaseStudyError(f"level {level!r}: expected 'between' or 'within'")
        groups = part[part["level"] == level]
        pooled = part[part["level"] == "pooled"].iloc[0]
        ax = new_axes(ax, figsize=(max(4.5, 0.45 * len(groups) + 2), 3.8))
        pos = np.arange(len(groups))
        ax.plot(pos, groups["consistency"], "o-", color="#2b6c8f", label="consistency")
        ax.plot(pos, groups["coverage"], "s--", color="#b35806", label="coverage")
        ax.axhline(pooled["consistency"], color="#2b6c8f", lw=0.8, ls=":",
                   label=f"pooled consistency {pooled['consistency']:.3f}")
        ax.axhline(pooled["coverage"], color="#b35806", lw=0.8, ls=":",
                   label=f"pooled coverage {pooled['coverage']:.3f}")
        ax.set_xticks(pos, list(groups["group"]), rotation=45, ha="right", fontsize=8)
        ax.set_ylim(-0.02, 1.05)
        ax.set_ylabel("consistency / coverage")
        ax.set_xlabel("cluster" if level == "between" else "unit")
        ax.set_title(f"{term}: {level}-{'cluster' if level == 'between' else 'unit'} fit "
                     f"({self.model})")
        ax.legend(fontsize=7, loc="lower left")
        return ax


def cluster_diagnostics(solution: Solution, data: pd.DataFrame, *, unit: str, cluster: str,
                        model: str | int = 0) -> ClusterDiagnostics:
    """Cluster diagnostics of one model of ``solution`` and of each of its terms.

    ``data`` holds one row per case, in the order of the truth table's cases (the frame
    the truth table was built from), with the columns ``unit`` (e.g. the partnership) and
    ``cluster`` (e.g. the country or the year).

    >>> import pandas as pd
    >>> from casestudy.qca import minimize, truth_table
    >>> df = pd.DataFrame({"A": [1, 1, 1, 0], "Y": [1, 0, 1, 0], "unit": list("abab"),
    ...                    "year": [1, 1, 2, 2]})
    >>> sol = minimize(truth_table(df[["A", "Y"]], "Y", incl_cut=0.6))
    >>> diag = cluster_diagnostics(sol, df, unit="unit", cluster="year")
    >>> [round(float(v), 3) for v in diag.distances().iloc[0, 1:]]
    [0.667, 1.0, 0.236, 0.707]
    """
    tt = solution.truth_table
    missing = [c for c in (unit, cluster) if c not in data.columns]
    if missing:
        raise CaseStudyError(f"cluster_diagnostics: no column {missing} in the data; "
                             f"columns are {list(map(str, data.columns))}")
    if len(data) != len(tt.y):
        raise CaseStudyError(f"cluster_diagnostics: the data has {len(data)} rows but the "
                             f"truth table {len(tt.y)} cases; pass the frame the truth "
                             "table was built from")
    m = solution.model(model)
    units, clusters = data[unit].to_numpy(), data[cluster].to_numpy()
    parts = [cluster_fit(solution.membership(m).to_numpy(), tt.y, units, clusters)
             .assign(term="solution")]
    for i in m.terms:
        parts.append(cluster_fit(solution._membership[i], tt.y, units, clusters)
                     .assign(term=solution.term(i)))
    fit = pd.concat(parts, ignore_index=True)
    fit = fit[["term", "level", "group", "n", "consistency", "coverage"]]
    return ClusterDiagnostics(f"{m.name}: {m.expression}", fit)

"""Solutions: models (minimal sums), their parameters of fit, text, tables and XY plots."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from casestudy.errors import CaseStudyError
from casestudy.qca import _sets
from casestudy.qca.minimize import Model
from casestudy.qca.truthtable import TOL, TruthTable, coverage, fuzzy_incl, fuzzy_pri


def term_membership(tt: TruthTable, terms: np.ndarray) -> np.ndarray:
    """Each case's membership (terms x cases) in each term: the minimum over its literals."""
    out = np.ones((len(terms), len(tt.y)))
    for j, nlev in enumerate(tt.levels):
        for level in range(nlev):
            hit = terms[:, j] == level
            if hit.any():
                out[hit] = np.minimum(out[hit], tt.literal(j, level))
    return out


@dataclass(frozen=True, eq=False)
class Solution:
    """The result of :func:`minimize`: prime implicants and every minimal model.

    ``kind`` is ``conservative``, ``parsimonious`` or ``intermediate``; ``primes`` holds
    the prime implicants (levels, -1 for a left-out condition) in R QCA's order and
    ``models`` the minimal sums M1, M2, ... as indices into ``primes``.
    """

    truth_table: TruthTable
    kind: str
    include: str
    dir_exp: Mapping[str, object] | None
    primes: np.ndarray = field(repr=False)
    models: list[Model] = field(repr=False)

    def term(self, i: int) -> str:
        """Prime ``i`` in R QCA notation."""
        tt = self.truth_table
        return _sets.term_text(self.primes[i], tt.conditions, tt.multi)

    @cached_property
    def _membership(self) -> np.ndarray:
        return term_membership(self.truth_table, self.primes)

    def _model(self, model: str | int) -> Model:
        if isinstance(model, int):
            return self.models[model]
        for m in self.models:
            if m.name == model:
                return m
        raise CaseStudyError(f"no model {model!r}; models are {[m.name for m in self.models]}")

    @cached_property
    def common_terms(self) -> frozenset[int]:
        """Primes that appear in every model."""
        return frozenset.intersection(*(frozenset(m.terms) for m in self.models))

    def expression(self, model: str | int = "M1") -> str:
        """A model as R QCA prints it: terms common to all models first, the rest in
        parentheses when models differ."""
        m = self._model(model)
        common = [t for t in m.terms if t in self.common_terms]
        other = [t for t in m.terms if t not in self.common_terms]
        if len(self.models) == 1 or not common or not other:
            return " + ".join(self.term(t) for t in (*common, *other))
        return (" + ".join(self.term(t) for t in common)
                + " + (" + " + ".join(self.term(t) for t in other) + ")")

    def membership(self, model: str | int = "M1") -> pd.Series:
        """Each case's membership in a model (the maximum over its terms)."""
        m = self._model(model)
        return pd.Series(self._model_membership(m), index=self.truth_table.cases, name=m.name)

    def _model_membership(self, m: Model) -> np.ndarray:
        return self._membership[list(m.terms)].max(axis=0)

    def _cases(self, i: int) -> str:
        tt = self.truth_table
        inside = self._membership[i] > 0.5
        groups = []
        for row in np.unique(tt.case_row[inside & (tt.case_row > 0)]):
            groups.append(",".join(tt.cases[inside & (tt.case_row == row)]))
        return "; ".join(groups)

    def table(self) -> pd.DataFrame:
        """Parameters of fit for every term of every model (tidy: one row per model x term).

        inclS = Σ min(T, Y) / Σ T, PRI, covS = Σ min(T, Y) / Σ Y, covU = the model's
        coverage minus the coverage of the model without the term, and the cases with
        membership above 0.5 in the term (grouped by truth-table row, rows split by '; ').
        """
        tt = self.truth_table
        y = tt.y
        records = []
        for m in self.models:
            memb = self._membership[list(m.terms)]
            total = coverage(self._model_membership(m), y)
            for pos, i in enumerate(m.terms):
                x = memb[pos]
                others = np.delete(memb, pos, axis=0)
                without = coverage(others.max(axis=0), y) if len(others) else 0.0
                records.append({
                    "model": m.name, "origin": m.origin, "term": self.term(i),
                    "in_all_models": i in self.common_terms,
                    "inclS": fuzzy_incl(x, y), "PRI": fuzzy_pri(x, y),
                    "covS": coverage(x, y), "covU": total - without,
                    "cases": self._cases(i)})
        return pd.DataFrame.from_records(records)

    def summary(self) -> pd.DataFrame:
        """Parameters of fit of each model as a whole (one row per model)."""
        y = self.truth_table.y
        records = []
        for m in self.models:
            x = self._model_membership(m)
            records.append({"model": m.name, "origin": m.origin,
                            "solution": self.expression(m.name),
                            "inclS": fuzzy_incl(x, y), "PRI": fuzzy_pri(x, y),
                            "covS": coverage(x, y), "n_terms": len(m.terms),
                            "n_assumptions": len(m.assumptions)})
        return pd.DataFrame.from_records(records)

    def simplifying_assumptions(self, model: str | int = "M1") -> pd.DataFrame:
        """The remainders (and included contradictions) a model treats as positive: for the
        intermediate solution, the easy counterfactuals it uses."""
        tt = self.truth_table
        rows = self._model(model).assumptions
        frame = pd.DataFrame(tt.row_config(rows).astype(int), columns=list(tt.conditions),
                             index=pd.Index(rows, name="row"))
        return frame.reset_index()

    def __str__(self) -> str:
        y = self.truth_table.y
        lines = []
        for m in self.models:
            x = self._model_membership(m)
            arrow = "<->" if coverage(x, y) >= 1 - TOL else "->"
            lines.append(f"{m.name}: {self.expression(m.name)} {arrow} {self.truth_table.outcome}")
        return "\n".join(lines)

    def plot(self, model: str | int = "M1", *, ax: Axes | None = None,
             labels: bool = True) -> Axes:
        """XY plot of model membership against outcome membership, with the diagonal and
        consistency and coverage in the legend."""
        from casestudy.qca.plot import xy_plot

        frame = pd.DataFrame({"X": self.membership(model).to_numpy(),
                              "Y": self.truth_table.y,
                              "case": self.truth_table.cases})
        m = self._model(model)
        ax = xy_plot(frame, x="X", y="Y", label="case" if labels else None, ax=ax)
        ax.set_xlabel(f"{m.name}: {self.expression(m.name)}")
        ax.set_ylabel(str(self.truth_table.outcome))
        return ax

"""Solutions: models (minimal sums), their parameters of fit, text, tables and XY plots."""

from __future__ import annotations

import re
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
    ``models`` the minimal sums M1, M2, ... as indices into ``primes``. For the
    intermediate solution ``easy`` maps each (conservative, parsimonious) pair, ``C1P1``,
    ``C1P2``, ..., to the row numbers of its easy counterfactuals.
    """

    truth_table: TruthTable
    kind: str
    include: str
    dir_exp: Mapping[str, object] | None
    primes: np.ndarray = field(repr=False)
    models: list[Model] = field(repr=False)
    easy: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)

    def term(self, i: int) -> str:
        """Prime ``i`` in R QCA notation."""
        tt = self.truth_table
        return _sets.term_text(self.primes[i], tt.conditions, tt.multi)

    @cached_property
    def _membership(self) -> np.ndarray:
        return term_membership(self.truth_table, self.primes)

    def model(self, model: str | int | Model) -> Model:
        """One model by name ("M1", R's "M01" too), position or itself."""
        if isinstance(model, Model):
            return model
        if isinstance(model, int):
            return self.models[model]
        for m in self.models:
            if m.name == model:
                return m
        # "M1" finds R's zero-padded "M01" (ten or more models).
        wanted = re.sub(r"M0+(?=\d)", "M", str(model))
        for m in self.models:
            if re.sub(r"M0+(?=\d)", "M", m.name) == wanted:
                return m
        raise CaseStudyError(f"no model {model!r}; models are {[m.name for m in self.models]}")

    @cached_property
    def _shared(self) -> dict[str, frozenset[int]]:
        """Per group of models reported together (same pairs of origin, as R groups
        intermediate models under "From C1P1, C1P2:"), the primes in all of them."""
        out: dict[str, frozenset[int]] = {}
        for m in self.models:
            terms = frozenset(m.terms)
            out[m.origin] = out[m.origin] & terms if m.origin in out else terms
        return out

    @cached_property
    def _group_size(self) -> dict[str, int]:
        sizes: dict[str, int] = {}
        for m in self.models:
            sizes[m.origin] = sizes.get(m.origin, 0) + 1
        return sizes

    def expression(self, model: str | int | Model = 0) -> str:
        """A model as R QCA prints it: terms common to all models (of its group of pairs,
        for the intermediate solution) first, the rest in parentheses when models differ."""
        m = self.model(model)
        shared = self._shared[m.origin]
        common = [t for t in m.terms if t in shared]
        other = [t for t in m.terms if t not in shared]
        if self._group_size[m.origin] == 1 or not common or not other:
            return " + ".join(self.term(t) for t in (*common, *other))
        return (" + ".join(self.term(t) for t in common)
                + " + (" + " + ".join(self.term(t) for t in other) + ")")

    def membership(self, model: str | int = 0) -> pd.Series:
        """Each case's membership in a model (the maximum over its terms)."""
        m = self.model(model)
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
                    "in_all_models": i in self._shared[m.origin],
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
                            "solution": self.expression(m),
                            "inclS": fuzzy_incl(x, y), "PRI": fuzzy_pri(x, y),
                            "covS": coverage(x, y), "n_terms": len(m.terms),
                            "n_assumptions": len(m.assumptions)})
        return pd.DataFrame.from_records(records)

    def simplifying_assumptions(self, model: str | int = 0) -> pd.DataFrame:
        """The remainders (and included contradictions) a model treats as positive: for the
        intermediate solution, the easy counterfactuals it uses."""
        return self._rows(self.model(model).assumptions)

    def easy_counterfactuals(self, pair: str = "C1P1") -> pd.DataFrame:
        """The easy counterfactuals of one (conservative, parsimonious) pair of the
        intermediate solution (R's ``i.sol$C1P1$EC``), one row per configuration."""
        if pair not in self.easy:
            raise CaseStudyError(f"no pair {pair!r} in this {self.kind} solution; pairs are "
                                 f"{list(self.easy)}")
        return self._rows(self.easy[pair])

    def _rows(self, rows: np.ndarray) -> pd.DataFrame:
        tt = self.truth_table
        frame = pd.DataFrame(tt.row_config(rows).astype(int), columns=list(tt.conditions),
                             index=pd.Index(np.asarray(rows, dtype=np.int64), name="row"))
        return frame.reset_index()

    def _line(self, m: Model) -> str:
        """R's line for a model; under its "From C1P2:" heading a model is numbered
        within its group (M1), as R prints it, although its name is C1P2-M1."""
        y = self.truth_table.y
        arrow = "<->" if coverage(self._model_membership(m), y) >= 1 - TOL else "->"
        label = m.name.rsplit("-", 1)[-1]
        return f"{label}: {m.expression or self.expression(m)} {arrow} " \
               f"{self.truth_table.outcome}"

    def __str__(self) -> str:
        """R QCA's print: one line per model; intermediate models under the pairs they
        come from ("From C1P1, C1P2:")."""
        if self.kind != "intermediate":
            return "\n".join(self._line(m) for m in self.models)
        blocks = []
        for origin in dict.fromkeys(m.origin for m in self.models):
            lines = [self._line(m) for m in self.models if m.origin == origin]
            blocks.append(f"From {origin}:\n" + "\n".join(lines))
        return "\n\n".join(blocks)

    def _heading(self) -> str:
        tt = self.truth_table
        extra = ""
        if self.dir_exp is not None:
            extra = ", dir_exp " + ", ".join(f"{k}={v}" for k, v in self.dir_exp.items())
        return f"{self.kind.capitalize()} solution for {tt.outcome} " \
               f"(include={self.include!r}{extra})"

    def _fit_frame(self) -> pd.DataFrame:
        return self.table().drop(columns=["in_all_models"])

    def __repr__(self) -> str:
        """R QCA's print with ``details = TRUE``: the models, then each term's fit and
        each model's."""
        terms = self._fit_frame().to_string(index=False, float_format="{:.3f}".format)
        models = self.summary()[["model", "inclS", "PRI", "covS"]].to_string(
            index=False, float_format="{:.3f}".format)
        return "\n\n".join([self._heading(), str(self), terms, models])

    def _repr_html_(self) -> str:
        from html import escape

        from casestudy.qca._display import block, code_list, frame_html

        parts = []
        for origin in dict.fromkeys(m.origin for m in self.models):
            if origin:
                parts.append(f"<p>From {escape(origin)}:</p>")
            parts.append(code_list([self._line(m) for m in self.models
                                    if m.origin == origin]))
        parts.append(frame_html(self._fit_frame()))
        parts.append(frame_html(self.summary().drop(columns=["solution"])))
        return block(self._heading(), *parts)

    def plot(self, model: str | int = 0, *, ax: Axes | None = None,
             labels: bool = True) -> Axes:
        """XY plot of model membership against outcome membership, with the diagonal and
        consistency and coverage in the legend."""
        from casestudy.qca.plot import xy_plot

        frame = pd.DataFrame({"X": self.membership(model).to_numpy(),
                              "Y": self.truth_table.y,
                              "case": self.truth_table.cases})
        m = self.model(model)
        ax = xy_plot(frame, x="X", y="Y", label="case" if labels else None, ax=ax)
        ax.set_xlabel(f"{m.name}: {self.expression(m)}")
        ax.set_ylabel(str(self.truth_table.outcome))
        return ax

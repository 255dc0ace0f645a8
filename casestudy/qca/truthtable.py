"""Truth tables: cases sorted into configurations, with incl, PRI, n and OUT per row."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from casestudy.errors import DataValidationError, Problem
from casestudy.qca import _sets

_LEGEND = ("  OUT: output value\n    n: number of cases in configuration\n"
           " incl: sufficiency inclusion score\n  PRI: proportional reduction in "
           "inconsistency")
_LEGEND_HTML = ("OUT: output value; n: number of cases in configuration; incl: sufficiency "
                "inclusion score; PRI: proportional reduction in inconsistency")

# R QCA compares scores to cut-offs with a tolerance, so 0.8 counts as reaching 0.8.
TOL = 1e-10


def fuzzy_incl(x: np.ndarray, y: np.ndarray) -> float:
    """Sufficiency inclusion Σ min(X, Y) / Σ X (nan when Σ X = 0)."""
    total = x.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.minimum(x, y).sum(axis=-1) / total


def coverage(x: np.ndarray, y: np.ndarray) -> float:
    """Raw coverage Σ min(X, Y) / Σ Y (nan when Σ Y = 0); necessity's inclN is the same sum.

    >>> float(coverage(np.array([0.2, 0.8]), np.array([0.4, 0.9])))
    0.7692307692307692
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.minimum(x, y).sum(axis=-1) / y.sum(axis=-1)


def fuzzy_pri(x: np.ndarray, y: np.ndarray) -> float:
    """PRI = (Σ min(X, Y) − Σ min(X, Y, ~Y)) / (Σ X − Σ min(X, Y, ~Y))."""
    xy = np.minimum(x, y)
    xyn = np.minimum(xy, 1.0 - y).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (xy.sum(axis=-1) - xyn) / (x.sum(axis=-1) - xyn)


@dataclass(frozen=True, eq=False)
class TruthTable:
    """A truth table with everything minimisation needs.

    Attributes: ``conditions`` (data order), ``levels`` (per condition), ``types``
    (``fuzzy``/``crisp``/``multi``), ``outcome`` (the spec, e.g. ``~SURV``), the cut-offs,
    ``values`` (cases x conditions), ``y`` (outcome membership), ``cases`` (labels),
    ``case_row`` (each case's row number, 0 for a case at exactly 0.5 somewhere) and
    ``rows`` (one row per observed configuration).
    """

    conditions: tuple[str, ...]
    levels: tuple[int, ...]
    types: tuple[str, ...]
    outcome: _sets.OutcomeSpec
    incl_cut: tuple[float, float]
    n_cut: int
    pri_cut: float
    values: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    cases: np.ndarray = field(repr=False)
    case_row: np.ndarray = field(repr=False)
    rows: pd.DataFrame = field(repr=False)

    @property
    def multi(self) -> bool:
        """True when terms print in multi-value notation (``A[1]``)."""
        return "multi" in self.types or self.outcome.level is not None

    @property
    def ambiguous_cases(self) -> list[str]:
        """Cases with membership exactly 0.5 in some condition: they belong to no row."""
        return [str(c) for c in self.cases[self.case_row == 0]]

    def row_config(self, row_numbers: np.ndarray) -> np.ndarray:
        """Levels (rows x conditions) of 1-based row numbers (first condition slowest)."""
        return row_config(row_numbers, self.levels)

    def literal(self, j: int, level: int) -> np.ndarray:
        """Each case's membership in condition ``j`` at ``level``."""
        return _sets.literal(self.values[:, j], self.types[j], level)

    def rows_with(self, out: str) -> np.ndarray:
        """Row numbers whose OUT is ``out`` ('1', '0', 'C' or '?' for observed remainders)."""
        return self.rows.index[self.rows["OUT"] == out].to_numpy(dtype=np.int64)

    def remainders(self) -> np.ndarray:
        """Row numbers of all remainders: unobserved configurations and rows below n_cut."""
        size = int(np.prod(self.levels))
        seen = np.zeros(size + 1, dtype=bool)
        seen[self.rows.index.to_numpy(dtype=np.int64)] = True
        seen[self.rows_with("?")] = False
        return np.flatnonzero(~seen[1:]) + 1

    def table(self, *, complete: bool = False) -> pd.DataFrame:
        """Tidy truth table: one row per configuration (``complete`` adds remainders).

        Columns: row, the conditions, OUT, n, incl, PRI, cases (labels joined by ',').
        """
        frame = self.rows.copy()
        if complete:
            rest = np.setdiff1d(self.remainders(), frame.index.to_numpy())
            extra = pd.DataFrame(self.row_config(rest), index=pd.Index(rest, name="row"),
                                 columns=list(self.conditions)).astype(int)
            extra = extra.assign(OUT="?", n=0, incl=np.nan, PRI=np.nan, cases="")
            frame = pd.concat([frame, extra]).sort_index()
        return frame.reset_index()

    def _heading(self) -> str:
        cut = self.incl_cut
        cuts = f"incl_cut={cut[0]:g}" + (f"/{cut[1]:g}" if cut[1] != cut[0] else "")
        return f"Truth table for {self.outcome} ({cuts}, n_cut={self.n_cut}, " \
               f"pri_cut={self.pri_cut:g})"

    def _notes(self) -> tuple[str, ...]:
        if not self.ambiguous_cases:
            return ()
        return (f"Cases at exactly 0.5 in a condition (in no row): {self.ambiguous_cases}",)

    def __str__(self) -> str:
        """As R QCA prints a truth table with ``show.cases = TRUE``: the legend, then one
        line per observed row (row number, the conditions, OUT, n, incl, PRI, cases)."""
        body = self.table().to_string(index=False, float_format="{:.3f}".format)
        return "\n".join([self._heading(), _LEGEND, "", body, *self._notes()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from casestudy.qca._display import block, frame_html

        return block(self._heading(), f"<p>{_LEGEND_HTML}</p>", frame_html(self.table()),
                     notes=self._notes())

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Each observed row's incl against PRI, sized by n and marked by OUT."""
        from casestudy.plots import new_axes

        ax = new_axes(ax, figsize=(5.5, 4.5))
        from casestudy.qca.plot import place_labels, shared_labels

        markers = {"1": ("o", "#1b7837"), "0": ("x", "#762a83"), "C": ("s", "#e08214"),
                   "?": ("^", "#888888")}
        for out, (marker, colour) in markers.items():
            sub = self.rows[self.rows["OUT"] == out]
            if len(sub):
                ax.scatter(sub["incl"], sub["PRI"], s=25 + 25 * sub["n"], marker=marker,
                           color=colour, label=f"OUT = {out}")
        ax.axvline(self.incl_cut[0], color="#444444", lw=0.8, ls="--")
        ax.set_xlim(-0.02, 1.05)
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel("incl (sufficiency consistency)")
        ax.set_ylabel("PRI")
        ax.set_title(f"Truth table rows for {self.outcome} (labels: row number)")
        legend = ax.legend(loc="upper left", fontsize=7)
        # Rows at the same point share one label; labels are then placed clear of each
        # other (the old fixed offset drew "10,14,30" over its neighbours).
        place_labels(ax, shared_labels(self.rows["incl"], self.rows["PRI"], self.rows.index,
                                       per_line=4), avoid=[legend])
        return ax


def _cuts(incl_cut: float | Sequence[float]) -> tuple[float, float]:
    cuts = (incl_cut, incl_cut) if np.isscalar(incl_cut) else tuple(incl_cut)
    if len(cuts) != 2 or not all(0 <= float(c) <= 1 for c in cuts) or cuts[1] > cuts[0]:
        raise DataValidationError(Problem(
            "<truth_table>", "incl-cut",
            f"incl_cut {incl_cut!r} must be a number in [0, 1] or a pair (ic1, ic0) with "
            "0 <= ic0 <= ic1 <= 1"))
    return float(cuts[0]), float(cuts[1])


def truth_table(data: pd.DataFrame, outcome: str, conditions: Sequence[str] | None = None, *,
                incl_cut: float | Sequence[float] = 0.8, n_cut: int = 1, pri_cut: float = 0.0,
                set_types: Mapping[str, str] | None = None) -> TruthTable:
    """Build the truth table of ``outcome`` on ``conditions`` (default: all other columns).

    Each case goes to the row where its membership is above 0.5 (fuzzy) or equals the
    row's levels (crisp, multi-value); a case at exactly 0.5 in any condition belongs to
    no row and is reported (``ambiguous_cases`` and a warning). n counts a row's cases;
    incl = Σ min(X, Y) / Σ X and PRI = (Σ min(X, Y) − Σ min(X, Y, ~Y)) / (Σ X − Σ min(X, Y,
    ~Y)) over all cases. OUT is 1 when incl ≥ incl_cut, PRI ≥ pri_cut and n ≥ n_cut, 0
    when n ≥ n_cut otherwise, and '?' (a remainder) when n < n_cut; with
    ``incl_cut=(ic1, ic0)`` rows with ic0 ≤ incl < ic1 are contradictions 'C'. The outcome
    may be negated (``"~SURV"``) or, for a multi-value outcome, a level (``"SURV[1]"``).
    Case labels come from the index.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 1], "Y": [1, 1, 0, 1]},
    ...                   index=list("abcd"))
    >>> truth_table(df, "Y", incl_cut=0.8).table()[["row", "A", "B", "OUT", "n", "incl"]]
       row  A  B OUT  n  incl
    0    2  0  1   0  2   0.5
    1    3  1  0   1  1   1.0
    2    4  1  1   1  1   1.0
    """
    file = _sets._source(data)
    if int(n_cut) < 1:
        raise DataValidationError(Problem(file, "n-cut", f"n_cut must be >= 1, got {n_cut}"))
    _cuts(incl_cut)  # refused before the data are read
    cases = _sets.case_labels(data)
    sets = _sets.read_sets(data, outcome, conditions, set_types)
    return from_sets(sets, cases, incl_cut=incl_cut, n_cut=n_cut, pri_cut=pri_cut)


def from_sets(sets: _sets.SetData, cases: np.ndarray, *,
              incl_cut: float | Sequence[float] = 0.8, n_cut: int = 1, pri_cut: float = 0.0
              ) -> TruthTable:
    """:func:`truth_table` on sets already read and checked (``_sets.read_sets``) for the
    cases ``cases``: for callers that build many tables from one data set
    (``robustness_ranges``)."""
    return from_outcomes(sets, cases, row_outcomes(sets, cases, incl_cut=incl_cut,
                                                   n_cut=n_cut, pri_cut=pri_cut))


class RowOutcomes(NamedTuple):
    """What a truth table is built from (:func:`row_outcomes`)."""

    cuts: tuple[float, float]
    n_cut: int
    pri_cut: float
    row: np.ndarray  # each case's row; 0 for a case on the 0.5 edge
    observed: np.ndarray  # the observed rows, ascending
    n: np.ndarray
    incl: np.ndarray
    pri: np.ndarray
    out: np.ndarray
    cfg: np.ndarray  # the observed rows' configurations (rows x conditions)


def from_outcomes(sets: _sets.SetData, cases: np.ndarray, found: RowOutcomes) -> TruthTable:
    """The truth table of :func:`row_outcomes`'s result ``found`` on ``sets``."""
    order = np.argsort(found.row, kind="stable")
    bounds = np.searchsorted(found.row[order], found.observed, side="left")
    sorted_cases = cases[order]
    labels = [",".join(sorted_cases[b:b + k]) for b, k in zip(bounds, found.n, strict=True)]
    # Built in one go: adding the five columns with assign() cost more than the rest of
    # the table.
    columns = {c: found.cfg[:, j].astype(int) for j, c in enumerate(sets.conditions)}
    rows = pd.DataFrame({**columns, "OUT": found.out, "n": found.n, "incl": found.incl,
                         "PRI": found.pri, "cases": labels},
                        index=pd.Index(found.observed, name="row"))
    return TruthTable(sets.conditions, sets.levels, sets.types, sets.outcome, found.cuts,
                      found.n_cut, found.pri_cut, sets.values, sets.y, cases, found.row, rows)


def row_outcomes(sets: _sets.SetData, cases: np.ndarray, *,
                 incl_cut: float | Sequence[float] = 0.8, n_cut: int = 1,
                 pri_cut: float = 0.0) -> RowOutcomes:
    """Each case's row and each observed row's n, incl, PRI and OUT: a truth table before
    its frame is built. ``robustness_ranges`` compares hundreds of tables by their rows and
    OUT alone, and builds a table (:func:`from_outcomes`) only for a combination it has not
    minimised yet."""
    cuts = _cuts(incl_cut)
    n_cut, pri_cut = int(n_cut), float(pri_cut)
    values, y, levels = sets.values, sets.y, sets.levels

    fuzzy = np.array([t == "fuzzy" for t in sets.types])
    config = np.where(fuzzy, np.where(values > 0.5, 1, 0), values).astype(np.int64)
    on_edge = (fuzzy & (values == 0.5)).any(axis=1)
    row = np.ravel_multi_index(tuple(config.T), levels) + 1
    row[on_edge] = 0
    if on_edge.any():
        warnings.warn(f"cases {list(cases[on_edge])} have membership exactly 0.5 in a "
                      "condition and belong to no truth-table row", UserWarning,
                      stacklevel=4)  # the caller of truth_table (via from_sets)

    observed, n = np.unique(row[row > 0], return_counts=True)
    cfg = row_config(observed, levels)
    if fuzzy.any():
        incl, pri = _row_scores(values, fuzzy, config, y, cfg, observed, levels)
    else:
        # Crisp rows: a case is fully in its own row and out of every other one.
        slot = np.searchsorted(observed, row)
        inside = row > 0
        xy = np.bincount(slot[inside], weights=y[inside], minlength=len(observed))
        xyn = np.bincount(slot[inside], weights=np.minimum(y, 1 - y)[inside],
                          minlength=len(observed))
        incl, pri = xy / n, (xy - xyn) / (n - xyn)
    out = np.where(n < n_cut, "?",
                   np.where((incl >= cuts[0] - TOL) & (pri >= pri_cut - TOL), "1",
                            np.where((incl >= cuts[1] - TOL) & (incl < cuts[0] - TOL), "C",
                                     "0")))
    return RowOutcomes(cuts, n_cut, pri_cut, row, observed, n, incl, pri, out, cfg)


def row_config(row_numbers: np.ndarray, levels: Sequence[int]) -> np.ndarray:
    """Levels (rows x conditions) of 1-based row numbers (first condition slowest).

    >>> row_config([1, 6], (2, 3)).tolist()
    [[0, 0], [1, 2]]
    """
    idx = np.asarray(row_numbers, dtype=np.int64) - 1
    return np.stack(np.unravel_index(idx, tuple(levels)), axis=1).astype(np.int8)


def _row_scores(values: np.ndarray, fuzzy: np.ndarray, own: np.ndarray, y: np.ndarray,
                cfg: np.ndarray, observed: np.ndarray, levels: Sequence[int]
                ) -> tuple[np.ndarray, np.ndarray]:
    """incl and PRI of each observed row from every case's membership in it (``own`` is
    each case's configuration, cases x conditions).

    A case's literal on a condition is its "high" value (max(x, 1 − x) fuzzy, 1 crisp)
    where the row agrees with the case's own configuration and its "low" value (min(x,
    1 − x), or 0) where it does not, and every low is at most every high. So its
    membership in a row is the least low over the disagreeing conditions, or the least
    high when the row is its own.

    A case is therefore out of every row that differs from its own on a condition where
    its membership is 0 or 1. Where memberships are mostly full, each case is in only the
    few rows reached by flipping its partial conditions, and the sums run over those
    (case, row) pairs alone; where they are mostly partial, over every pair.
    """
    low = np.where(fuzzy, np.minimum(values, 1 - values), 0.0)
    high = np.where(fuzzy, np.maximum(values, 1 - values), 1.0)
    partial = low > 0
    n_partial = partial.sum(axis=1)
    if np.ldexp(1.0, n_partial).sum() > 0.25 * len(cfg) * len(y):
        return _row_scores_dense(low, high, own, y, cfg)
    count = np.left_shift(1, n_partial)
    case = np.repeat(np.arange(len(y)), count)
    flips = np.arange(len(case)) - np.repeat(np.cumsum(count) - count, count)
    order = np.argsort(~partial, axis=1, kind="stable")  # each case's partial conditions first
    stride = np.cumprod([1, *levels[:0:-1]])[::-1]  # ravel_multi_index's, first slowest
    code = (own * stride).sum(axis=1)[case]
    memb = np.full(len(case), np.inf)
    for b in range(int(n_partial.max(initial=0))):
        j = order[case, b]
        on = (flips >> b) & 1 == 1
        code = code + np.where(on, (1 - 2 * own[case, j]) * stride[j], 0)
        memb = np.where(on, np.minimum(memb, low[case, j]), memb)
    memb = np.where(np.isinf(memb), high.min(axis=1)[case], memb)
    slot = np.minimum(np.searchsorted(observed, code + 1), len(observed) - 1)
    keep = observed[slot] == code + 1
    slot, memb, yy = slot[keep], memb[keep], y[case[keep]]
    xy = np.minimum(memb, yy)
    x_sum, xy_sum, xyn_sum = (np.bincount(slot, weights=w, minlength=len(observed))
                              for w in (memb, xy, np.minimum(xy, 1 - yy)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return xy_sum / x_sum, (xy_sum - xyn_sum) / (x_sum - xyn_sum)


def _row_scores_dense(low: np.ndarray, high: np.ndarray, own: np.ndarray, y: np.ndarray,
                      cfg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_row_scores` over every (row, case) pair, rows in chunks."""
    low, own = np.ascontiguousarray(low.T), own.T.astype(cfg.dtype)
    own_row = high.min(axis=1)
    incl = np.empty(len(cfg))
    pri = np.empty(len(cfg))
    for start in range(0, len(cfg), 128):
        part = cfg[start:start + 128]
        memb = np.full((len(part), len(y)), np.inf)
        for j in range(cfg.shape[1]):
            np.minimum(memb, low[j], out=memb, where=part[:, j:j + 1] != own[j])
        memb = np.where(np.isinf(memb), own_row, memb)
        incl[start:start + len(part)] = fuzzy_incl(memb, y)
        pri[start:start + len(part)] = fuzzy_pri(memb, y)
    return incl, pri

"""Robustness of a QCA solution: sweeps, sensitivity ranges and robustness fit.

The protocol of Oana, I.-E. and Schneider, C. Q. (2021) "A robustness test protocol for
applied QCA: theory and R software application", *Sociological Methods & Research*
(online 2021), as R's SetMethods implements it:

* sensitivity ranges (``rob.inclrange``, ``rob.ncutrange``, ``rob.calibrange``): how far
  incl_cut, n_cut and each calibration threshold can move, one at a time in steps, before
  the solution changes (:func:`robustness_ranges`);
* robustness fit (``rob.fit``, ``rob.corefit``) of a test set of alternative solutions
  (TS) against the initial solution (IS): with the robust core RC = IS ∩ TS_1 ∩ ... and
  minTS = ∩ TS_k, maxTS = ∪ TS_k (fuzzy min and max),
  RF_cons = inclS(IS) / inclS(RC), RF_cov = covS(RC) / covS(IS),
  RF_SC_minTS = Σ min(IS, minTS) / Σ max(IS, minTS) and RF_SC_maxTS likewise
  (:func:`robustness_fit`); values near 1 mean the alternatives barely change the
  solution.

Where SetMethods and the paper differ: SetMethods' ``rob.fit`` builds minTS and maxTS
from the first and the last test solution only (its loop runs over ``length(test_sol)``,
a single value); here they are taken over every test solution, as the paper defines them.
SetMethods compares only the first model when it scans a range; here the solution counts
as the same only when every model is (the set of model expressions is unchanged), the
stricter reading of "the solution stays the same".
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from casestudy.errors import CaseStudyError
from casestudy.qca._sets import SetData, case_labels, read_sets, with_column
from casestudy.qca.calibrate import calibrate
from casestudy.qca.minimize import minimize
from casestudy.qca.solution import Solution
from casestudy.qca.truthtable import (
    RowOutcomes,
    TruthTable,
    coverage,
    from_outcomes,
    fuzzy_incl,
    row_outcomes,
    truth_table,
)


@dataclass(frozen=True)
class Robustness:
    """Solutions across a sweep. ``runs`` has one row per scenario x incl_cut x model x
    term (``status`` says when a run has no positive row or fails); ``solutions`` maps
    (scenario, incl_cut) to the solution of each run that has one."""

    runs: pd.DataFrame
    solutions: Mapping[tuple[str, float], Solution] = field(default_factory=dict,
                                                            repr=False)

    def fit(self, scenario: str, incl_cut: float) -> RobustnessFit:
        """Robustness fit of every other run (the test set) against the run
        (``scenario``, ``incl_cut``) taken as the initial solution."""
        key = (scenario, float(incl_cut))
        if key not in self.solutions:
            raise CaseStudyError(f"no solution for scenario {scenario!r} at incl_cut "
                                 f"{incl_cut:g}; runs with a solution are "
                                 f"{list(self.solutions)}")
        tests = [sol for k, sol in self.solutions.items() if k != key]
        return robustness_fit(self.solutions[key], tests)

    @property
    def _n_runs(self) -> int:
        return self.runs.groupby(["scenario", "incl_cut"]).ngroups

    def _heading(self) -> str:
        return f"Robustness sweep over {self._n_runs} runs: share of runs with each term"

    def __repr__(self) -> str:
        body = self.table().to_string(index=False, float_format="{:.3f}".format)
        return f"{self._heading()}\n{body}"

    def _repr_html_(self) -> str:
        from casestudy.qca._display import block, frame_html

        return block(self._heading(), frame_html(self.table()))

    def table(self) -> pd.DataFrame:
        """Per term: in how many of the runs it appears in some model, and the share."""
        ok = self.runs[self.runs["status"] == "ok"]
        n_runs = self._n_runs
        per_term = (ok.groupby("term")[["scenario", "incl_cut"]]
                    .apply(lambda g: g.drop_duplicates().shape[0]))
        frame = per_term.rename("runs_with_term").reset_index()
        frame["runs"] = n_runs
        frame["share"] = frame["runs_with_term"] / n_runs
        return frame.sort_values(["share", "term"], ascending=[False, True],
                                 ignore_index=True)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Heat map: terms (rows) against runs (columns), dark where the term appears."""
        from casestudy.plots import new_axes

        ok = self.runs[self.runs["status"] == "ok"].copy()
        ok["run"] = ok["scenario"] + " @ " + ok["incl_cut"].map("{:g}".format)
        runs = (self.runs["scenario"] + " @ " + self.runs["incl_cut"].map("{:g}".format))
        order = list(dict.fromkeys(runs))
        terms = list(self.table()["term"])
        grid = (ok.drop_duplicates(["run", "term"]).assign(v=1)
                .pivot(index="term", columns="run", values="v")
                .reindex(index=terms, columns=order).fillna(0))
        ax = new_axes(ax, figsize=(1.2 + 0.5 * len(order), 1.0 + 0.35 * len(terms)))
        ax.imshow(grid.to_numpy(), cmap="Greens", vmin=0, vmax=1.2, aspect="auto")
        ax.set_xticks(range(len(order)), order, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(terms)), terms, fontsize=7)
        ax.grid(False)
        ax.set_title("Solution terms across the robustness sweep")
        return ax


def robustness(data: pd.DataFrame, outcome: str, conditions: Sequence[str] | None = None, *,
               incl_cuts: Sequence[float] = (0.75, 0.8, 0.85, 0.9),
               calibrations: Mapping[str, Mapping[str, Sequence[float]]] | None = None,
               include: str = "?", dir_exp: Mapping[str, object] | None = None,
               n_cut: int = 1, pri_cut: float = 0.0) -> Robustness:
    """Re-run truth table and minimisation over a sweep of incl_cut and calibrations.

    ``calibrations`` maps a scenario label to ``{column: thresholds}``: in that scenario
    each listed column is recalibrated from the raw values in ``data`` with
    :func:`calibrate` (three thresholds: fuzzy; otherwise crisp); columns not listed are
    used as they are. Without it, one scenario ``as given`` uses ``data`` unchanged.
    ``Robustness.fit(scenario, incl_cut)`` takes one run as the initial solution and the
    others as the test set (:func:`robustness_fit`).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]})
    >>> robustness(df, "Y", incl_cuts=(0.8, 1.0)).table()[["term", "share"]]
      term  share
    0    A    1.0
    """
    scenarios = dict(calibrations or {"as given": {}})
    records = []
    solutions: dict[tuple[str, float], Solution] = {}
    for label, spec in scenarios.items():
        frame = _calibrated(data, spec)
        for cut in incl_cuts:
            base = {"scenario": label, "incl_cut": float(cut)}
            try:
                tt = truth_table(frame, outcome, conditions, incl_cut=cut, n_cut=n_cut,
                                 pri_cut=pri_cut)
                sol = minimize(tt, include=include, dir_exp=dir_exp)
            except CaseStudyError as exc:
                records.append({**base, "model": "", "term": "", "status": str(exc)})
                continue
            solutions[(label, float(cut))] = sol
            for row in sol.table().itertuples():
                records.append({**base, "model": row.model, "term": row.term,
                                "status": "ok"})
    return Robustness(pd.DataFrame.from_records(records), solutions)


def _calibrated(data: pd.DataFrame, spec: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """``data`` with each listed raw column calibrated at its thresholds (three: fuzzy,
    direct method; otherwise crisp)."""
    frame = data.copy()
    for column, thresholds in spec.items():
        kind = "fuzzy" if len(thresholds) == 3 else "crisp"
        frame[column] = calibrate(data[column], thresholds=thresholds, type=kind)
    return frame


# --- robustness fit ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RobustnessFit:
    """Robustness fit parameters of a test set against an initial solution (Oana and
    Schneider 2021). ``members`` holds, per case, the memberships in IS, the robust core,
    minTS and maxTS and the outcome."""

    initial: str
    n_tests: int
    members: pd.DataFrame = field(repr=False)

    def table(self) -> pd.DataFrame:
        """One row: RF_cov, RF_cons, RF_SC_minTS, RF_SC_maxTS and the test-set size."""
        m = self.members
        is_, rc, y = m["IS"].to_numpy(), m["RC"].to_numpy(), m["Y"].to_numpy()
        lo, hi = m["minTS"].to_numpy(), m["maxTS"].to_numpy()
        return pd.DataFrame([{
            "RF_cov": float(coverage(rc, y) / coverage(is_, y)),
            "RF_cons": float(fuzzy_incl(is_, y) / fuzzy_incl(rc, y)),
            "RF_SC_minTS": float(np.minimum(is_, lo).sum() / np.maximum(is_, lo).sum()),
            "RF_SC_maxTS": float(np.minimum(is_, hi).sum() / np.maximum(is_, hi).sum()),
            "n_tests": self.n_tests}])

    def cases(self) -> pd.DataFrame:
        """Each case's robustness type (Oana and Schneider 2021; SetMethods ``rob.cases``):
        robust typical / deviant (in IS and minTS, Y above / below 0.5), shaky typical /
        deviant (in IS, not in minTS), possible typical / deviant (not in IS, in maxTS),
        extreme deviant coverage (in neither, Y above 0.5) and irrelevant (in neither, Y
        below); "ambiguous" where a membership or Y is exactly 0.5."""
        m = self.members
        is_, lo, hi, y = (m[c].to_numpy() for c in ("IS", "minTS", "maxTS", "Y"))
        zones = [("robust", np.minimum(is_, lo)), ("shaky", np.minimum(is_, 1 - lo)),
                 ("possible", np.minimum(1 - is_, hi)),
                 ("outside", np.minimum(1 - is_, 1 - hi))]
        names = {("robust", True): "robust typical", ("robust", False): "robust deviant",
                 ("shaky", True): "shaky typical", ("shaky", False): "shaky deviant",
                 ("possible", True): "possible typical",
                 ("possible", False): "possible deviant",
                 ("outside", True): "extreme deviant coverage",
                 ("outside", False): "irrelevant"}
        kinds = []
        for k in range(len(m)):
            kind = "ambiguous"
            if y[k] != 0.5:
                for zone, memb in zones:
                    if memb[k] > 0.5:
                        kind = names[(zone, bool(y[k] > 0.5))]
            kinds.append(kind)
        return m.assign(type=kinds)

    def __repr__(self) -> str:
        body = self.table().to_string(index=False, float_format="{:.3f}".format)
        return f"Robustness fit of {self.n_tests} test solutions against {self.initial}\n{body}"

    def _repr_html_(self) -> str:
        from casestudy.qca._display import block, frame_html

        return block(f"Robustness fit of {self.n_tests} test solutions against "
                     f"{self.initial}", frame_html(self.table()))

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Each case's membership in the initial solution (x) against its membership in
        minTS and maxTS (y), with the diagonal: cases off the diagonal are where the
        alternatives disagree with the initial solution."""
        from casestudy.plots import new_axes
        from casestudy.qca.plot import unit_square

        ax = new_axes(ax, figsize=(5, 5))
        m = self.members
        ax.scatter(m["IS"], m["minTS"], marker="v", color="#2b6c8f", s=28,
                   label="minTS (intersection of test solutions)", zorder=3)
        ax.scatter(m["IS"], m["maxTS"], marker="^", color="#b35806", s=28,
                   label="maxTS (union of test solutions)", zorder=3)
        unit_square(ax, crossover=False)
        ax.set_xlabel(f"initial solution {self.initial}")
        ax.set_ylabel("membership in the test set")
        ax.set_title("Initial solution against the test set")
        ax.legend(fontsize=7, loc="upper left")
        return ax


def robustness_fit(initial: Solution, tests: Sequence[Solution], *,
                   model: str | int = 0) -> RobustnessFit:
    """Robustness fit (Oana and Schneider 2021) of the test solutions against ``initial``.

    Each solution contributes its model ``model`` (the first by default, as SetMethods'
    ``pimdata``). All solutions must hold the same cases in the same order; the outcome
    is the initial solution's.

    >>> import pandas as pd
    >>> from casestudy.qca import minimize, truth_table
    >>> df = pd.DataFrame({"A": [0.9, 0.7, 0.2, 0.1], "B": [0.8, 0.4, 0.9, 0.2],
    ...                    "Y": [0.9, 0.6, 0.7, 0.1]})
    >>> tt = truth_table(df, "Y", incl_cut=0.8)
    >>> fit = robustness_fit(minimize(tt, include="?"), [minimize(tt)])
    >>> fit.table().round(3).iloc[0].tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    if not tests:
        raise CaseStudyError("robustness_fit needs at least one test solution")
    cases = list(initial.truth_table.cases)
    for k, sol in enumerate(tests, start=1):
        if list(sol.truth_table.cases) != cases:
            raise CaseStudyError(f"test solution {k} holds other cases than the initial "
                                 f"solution ({len(sol.truth_table.cases)} against "
                                 f"{len(cases)}): every solution must be fitted on the "
                                 "same cases in the same order")
    is_ = initial.membership(model).to_numpy()
    ts = np.vstack([sol.membership(model).to_numpy() for sol in tests])
    members = pd.DataFrame({"case": cases, "IS": is_,
                            "RC": np.minimum(is_, ts.min(axis=0)), "minTS": ts.min(axis=0),
                            "maxTS": ts.max(axis=0), "Y": initial.truth_table.y})
    name = initial.model(model)
    return RobustnessFit(f"{name.name}: {name.expression}", len(tests), members)


# --- sensitivity ranges ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RobustnessRanges:
    """Sensitivity ranges: for each parameter, the values (from its initial value, one
    step at a time in each direction) over which the solution stays the same.

    ``ranges``: parameter, initial, lower, upper, and why each search stopped
    (``solution changes``, ``scale end``, ``threshold order`` or ``max steps``).
    ``runs``: every value tried with the solution it gave.
    """

    solution: str
    ranges: pd.DataFrame = field(repr=False)
    runs: pd.DataFrame = field(repr=False)

    def table(self) -> pd.DataFrame:
        """The ranges table (see the class docstring)."""
        return self.ranges.copy()

    def __repr__(self) -> str:
        body = self.ranges.to_string(index=False, float_format="{:g}".format)
        return f"Sensitivity ranges of {self.solution}\n{body}"

    def _repr_html_(self) -> str:
        from casestudy.qca._display import block, frame_html

        return block(f"Sensitivity ranges of {self.solution}",
                     frame_html(self.ranges, decimals=4))

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """One bar per parameter from its lower to its upper bound, drawn relative to the
        initial value (0) in the parameter's own units, the bounds written at the ends."""
        from casestudy.plots import new_axes

        r = self.ranges
        ax = new_axes(ax, figsize=(6.5, 0.9 + 0.45 * len(r)))
        pos = np.arange(len(r))[::-1]
        span = np.maximum((r["upper"] - r["lower"]).abs().to_numpy(dtype=float), 1e-12)
        left = (r["lower"] - r["initial"]).to_numpy(dtype=float) / span
        right = (r["upper"] - r["initial"]).to_numpy(dtype=float) / span
        ax.hlines(pos, left, right, color="#2b6c8f", lw=6)
        ax.plot(np.zeros(len(r)), pos, "k|", ms=14)
        for y, lo, hi, row in zip(pos, left, right, r.itertuples(), strict=True):
            ax.annotate(f"{row.lower:g}", (lo, y), xytext=(-4, 0), textcoords="offset points",
                        ha="right", va="center", fontsize=7)
            ax.annotate(f"{row.upper:g}", (hi, y), xytext=(4, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=7)
        ax.set_yticks(pos, [f"{p} (initial {i:g})" for p, i in zip(r["parameter"],
                                                                     r["initial"],
                                                                     strict=True)],
                      fontsize=8)
        ax.set_xlim(-1.4, 1.4)
        ax.set_xticks([])
        ax.set_xlabel("range over which the solution stays the same (each in its own units)")
        ax.set_title("Sensitivity ranges")
        return ax


def _solution_key(sol: Solution | None) -> frozenset[str] | None:
    return None if sol is None else frozenset(m.expression for m in sol.models)


def _scan(evaluate: Callable[[float], frozenset[str] | str | None], initial: float,
          step: float, low: float, high: float, max_steps: int, parameter: str,
          records: list[dict]) -> dict:
    """Step away from ``initial`` in both directions until the solution changes.

    ``evaluate`` gives the solution's models at a value (``_solution_key``), None for no
    solution, or why the search must stop there.
    """
    base = evaluate(initial)
    out = {"parameter": parameter, "initial": initial}
    for side, sign in (("lower", -1), ("upper", 1)):
        last, stop = initial, "max steps"
        for k in range(1, max_steps + 1):
            value = round(initial + sign * k * step, 10)
            if value < low or value > high:
                stop = "scale end"
                break
            key = evaluate(value)
            if isinstance(key, str):
                stop = key
                break
            records.append({"parameter": parameter, "value": value,
                            "solution": " | ".join(sorted(key)) if key else "(none)",
                            "same": key == base})
            if key != base:
                stop = "solution changes"
                break
            last = value
        out[side], out[f"{side}_stop"] = last, stop
    return out


def robustness_ranges(data: pd.DataFrame, outcome: str, conditions: Sequence[str] | None = None,
                      *, incl_cut: float = 0.8, n_cut: int = 1, pri_cut: float = 0.0,
                      include: str = "?", dir_exp: Mapping[str, object] | str | None = None,
                      calibrations: Mapping[str, Sequence[float]] | None = None,
                      incl_step: float = 0.01, threshold_steps: Mapping[str, float] | None
                      = None, max_steps: int = 100) -> RobustnessRanges:
    """Sensitivity ranges of incl_cut, n_cut and each calibration threshold (Oana and
    Schneider 2021; SetMethods ``rob.inclrange``, ``rob.ncutrange``, ``rob.calibrange``).

    ``calibrations`` maps a raw column of ``data`` to its thresholds (three: fuzzy,
    otherwise crisp), calibrated as in :func:`robustness`; each threshold is moved alone,
    by ``threshold_steps[column]`` (default 1% of the column's range), keeping the
    thresholds in order. incl_cut moves by ``incl_step`` within (0, 1], n_cut by 1 from 1
    to the largest row count. Each bound is the last value that still gives the initial
    solution (every model the same); ``*_stop`` says why the search ended.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"A": [1, 1, 1, 0, 0], "Y": [1, 1, 0, 0, 0]})
    >>> r = robustness_ranges(df, "Y", incl_cut=0.6, include="", incl_step=0.05).table()
    >>> print(r.iloc[:1].to_string(index=False))
    parameter  initial  lower  upper lower_stop       upper_stop
     incl_cut      0.6   0.05   0.65  scale end solution changes
    """
    spec = dict(calibrations or {})
    steps = dict(threshold_steps or {})
    records: list[dict] = []

    def solve(tt: TruthTable | None) -> Solution | None:
        if tt is None:
            return None
        try:
            return minimize(tt, include=include, dir_exp=dir_exp)
        except CaseStudyError:
            return None

    base_frame = _calibrated(data, spec)
    # Read and checked once: each step below changes a cut or one calibrated column, and
    # checking every column again at every step was half of each step's time.
    cases = case_labels(base_frame)
    base_sets = read_sets(base_frame, outcome, conditions, None)

    def outcomes(sets: SetData, cut: float, ncut: int) -> RowOutcomes | None:
        try:
            with warnings.catch_warnings():
                # Cases at 0.5 would warn at every step; truth_table() on the data says so.
                warnings.simplefilter("ignore", UserWarning)
                return row_outcomes(sets, cases, incl_cut=cut, n_cut=ncut, pri_cut=pri_cut)
        except CaseStudyError:
            return None

    # The models depend only on which rows are observed and on their OUT: most steps of a
    # scan leave both as they were, so each distinct truth table is built and minimised
    # once (building the table's frame was most of a step's time).
    models: dict[tuple[tuple[int, ...], tuple[str, ...]], frozenset[str] | None] = {}

    def solve_models(sets: SetData, cut: float, ncut: int) -> frozenset[str] | None:
        found = outcomes(sets, cut, ncut)
        if found is None:
            return None
        rows = (tuple(found.observed.tolist()), tuple(found.out.tolist()))
        if rows not in models:
            models[rows] = _solution_key(solve(from_outcomes(sets, cases, found)))
        return models[rows]

    found = outcomes(base_sets, incl_cut, n_cut)
    base = solve(None if found is None else from_outcomes(base_sets, cases, found))
    if base is None:
        raise CaseStudyError(f"the initial settings (incl_cut {incl_cut:g}, n_cut {n_cut}) "
                             "give no solution to test")
    ranges = [_scan(lambda v: solve_models(base_sets, v, n_cut), incl_cut, incl_step, 1e-9, 1.0,
                    max_steps, "incl_cut", records)]
    largest = int(base.truth_table.rows["n"].max())
    ranges.append(_scan(lambda v: solve_models(base_sets, incl_cut, int(v)), float(n_cut), 1.0,
                        1.0, float(largest), max_steps, "n_cut", records))
    for column, thresholds in spec.items():
        raw = pd.to_numeric(data[column], errors="coerce")
        step = steps.get(column, (raw.max() - raw.min()) / 100)
        names = ("exclusion", "crossover", "inclusion") if len(thresholds) == 3 else \
            tuple(f"threshold {k + 1}" for k in range(len(thresholds)))
        for k, name in enumerate(names):
            def evaluate(v: float, k: int = k, column: str = column,
                         thresholds: Sequence[float] = thresholds
                         ) -> frozenset[str] | str | None:
                moved = [float(t) for t in thresholds]
                moved[k] = v
                if len(moved) == 3:
                    ordered = moved[0] < moved[1] < moved[2] or moved[0] > moved[1] > moved[2]
                else:
                    ordered = all(a < b for a, b in pairwise(moved))
                if not ordered:
                    return "threshold order"
                with warnings.catch_warnings():
                    # A moved threshold may leave the data range: that is the point here.
                    warnings.simplefilter("ignore", UserWarning)
                    # One column as a frame: to_frame() is far cheaper than data[[column]].
                    moved_column = _calibrated(data[column].to_frame(), {column: moved})
                return solve_models(with_column(base_sets, moved_column, column), incl_cut,
                                    n_cut)

            ranges.append(_scan(evaluate, float(thresholds[k]), float(step), -np.inf,
                                np.inf, max_steps, f"{column} {name}", records))
    table = pd.DataFrame.from_records(ranges)[["parameter", "initial", "lower", "upper",
                                              "lower_stop", "upper_stop"]]
    label = " | ".join(f"{m.name}: {m.expression}" for m in base.models)
    return RobustnessRanges(label, table, pd.DataFrame.from_records(records))

"""Robustness: which solution terms survive other cut-offs and calibration thresholds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.axes import Axes

from casestudy.errors import CaseStudyError
from casestudy.qca.calibrate import calibrate
from casestudy.qca.minimize import minimize
from casestudy.qca.truthtable import truth_table


@dataclass(frozen=True)
class Robustness:
    """Solutions across a sweep. ``runs`` has one row per scenario x incl_cut x model x
    term (``status`` says when a run has no positive row or fails)."""

    runs: pd.DataFrame

    def __repr__(self) -> str:
        n_runs = self.runs.groupby(["scenario", "incl_cut"]).ngroups
        body = self.table().to_string(index=False, float_format="{:.3f}".format)
        return f"Robustness sweep over {n_runs} runs: share of runs with each term\n{body}"

    def _repr_html_(self) -> str:
        from casestudy.qca._display import block, frame_html

        n_runs = self.runs.groupby(["scenario", "incl_cut"]).ngroups
        return block(f"Robustness sweep over {n_runs} runs: share of runs with each term",
                     frame_html(self.table()))

    def table(self) -> pd.DataFrame:
        """Per term: in how many of the runs it appears in some model, and the share."""
        ok = self.runs[self.runs["status"] == "ok"]
        n_runs = self.runs.groupby(["scenario", "incl_cut"]).ngroups
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

    >>> import pandas as pd
    >>> df = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]})
    >>> robustness(df, "Y", incl_cuts=(0.8, 1.0)).table()[["term", "share"]]
      term  share
    0    A    1.0
    """
    scenarios = dict(calibrations or {"as given": {}})
    records = []
    for label, spec in scenarios.items():
        frame = data.copy()
        for column, thresholds in spec.items():
            kind = "fuzzy" if len(thresholds) == 3 else "crisp"
            frame[column] = calibrate(data[column], thresholds=thresholds, type=kind)
        for cut in incl_cuts:
            base = {"scenario": label, "incl_cut": float(cut)}
            try:
                tt = truth_table(frame, outcome, conditions, incl_cut=cut, n_cut=n_cut,
                                 pri_cut=pri_cut)
                sol = minimize(tt, include=include, dir_exp=dir_exp)
            except CaseStudyError as exc:
                records.append({**base, "model": "", "term": "", "status": str(exc)})
                continue
            for row in sol.table().itertuples():
                records.append({**base, "model": row.model, "term": row.term,
                                "status": "ok"})
    return Robustness(pd.DataFrame.from_records(records))

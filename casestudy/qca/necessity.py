"""Necessity: inclN, RoN and covN for conditions, their negations and disjunctions."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from casestudy.errors import CaseStudyError
from casestudy.qca.truthtable import TOL, truth_table


def necessity_fit(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """inclN = Σ min(X, Y) / Σ Y, RoN = Σ (1 − X) / Σ (1 − min(X, Y)), covN = Σ min(X, Y) / Σ X.

    >>> necessity_fit(np.array([1.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0]))
    {'inclN': 1.0, 'RoN': 0.5, 'covN': 0.5}
    """
    xy = np.minimum(x, y)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"inclN": float(xy.sum() / y.sum()),
                "RoN": float((1 - x).sum() / (1 - xy).sum()),
                "covN": float(xy.sum() / x.sum())}


def necessity(data: pd.DataFrame, outcome: str, conditions: Sequence[str] | None = None, *,
              max_size: int = 1, incl_cut: float = 0.9, ron_cut: float = 0.5,
              set_types: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Parameters of necessity for each condition and its negation (each level for
    multi-value conditions), then necessary disjunctions of up to ``max_size`` literals.

    Single literals are all listed. Disjunctions (membership = the maximum) of 2 ..
    ``max_size`` literals on different conditions are listed when inclN ≥ ``incl_cut`` and
    RoN ≥ ``ron_cut`` and no smaller disjunction inside them passes already. Columns:
    expression, size, inclN, RoN, covN, passes (inclN and RoN at or above the cuts).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"A": [1, 1, 0], "B": [0, 1, 1], "Y": [1, 1, 0]})
    >>> res = necessity(df, "Y")
    >>> res.loc[0, "expression"], float(res.loc[0, "inclN"]), float(res.loc[0, "covN"])
    ('A', 1.0, 1.0)
    """
    with warnings.catch_warnings():
        # Cases at exactly 0.5 belong to no truth-table row, but necessity uses every case.
        warnings.simplefilter("ignore", UserWarning)
        tt = truth_table(data, outcome, conditions, set_types=set_types)
    y = tt.y
    literals = []
    for j, name in enumerate(tt.conditions):
        levels = range(tt.levels[j]) if tt.multi else (1, 0)
        for level in levels:
            text = f"{name}[{level}]" if tt.multi else (name if level == 1 else f"~{name}")
            literals.append((j, text, tt.literal(j, level)))
    if max_size < 1:
        raise CaseStudyError(f"max_size must be at least 1, got {max_size}")
    records = []
    passing: list[frozenset[int]] = []
    for size in range(1, max_size + 1):
        for combo in combinations(range(len(literals)), size):
            if len({literals[i][0] for i in combo}) < size:
                continue
            if size > 1 and any(p <= frozenset(combo) for p in passing):
                continue
            x = np.max([literals[i][2] for i in combo], axis=0)
            fit = necessity_fit(x, y)
            ok = fit["inclN"] >= incl_cut - TOL and fit["RoN"] >= ron_cut - TOL
            if ok:
                passing.append(frozenset(combo))
            if size == 1 or ok:
                records.append({"expression": " + ".join(literals[i][1] for i in combo),
                                "size": size, **fit, "passes": ok})
    return pd.DataFrame.from_records(records)

"""Necessity: inclN, RoN and covN for conditions, their negations and disjunctions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from casestudy.errors import CaseStudyError
from casestudy.qca import _sets
from casestudy.qca.truthtable import TOL, coverage, fuzzy_incl


def necessity_fit(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """inclN = Σ min(X, Y) / Σ Y, RoN = Σ (1 − X) / Σ (1 − min(X, Y)), covN = Σ min(X, Y) / Σ X.

    >>> necessity_fit(np.array([1.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0]))
    {'inclN': 1.0, 'RoN': 0.5, 'covN': 0.5}
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        ron = (1 - x).sum() / (1 - np.minimum(x, y)).sum()
    return {"inclN": float(coverage(x, y)), "RoN": float(ron), "covN": float(fuzzy_incl(x, y))}


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
    if max_size < 1:
        raise CaseStudyError(f"max_size must be at least 1, got {max_size}")
    # Every case counts here, including one at exactly 0.5 that no truth-table row holds.
    sets = _sets.read_sets(data, outcome, conditions, set_types)
    literals = []
    for j, nlev in enumerate(sets.levels):
        for level in range(nlev) if sets.multi else (1, 0):
            term = np.full(len(sets.levels), -1)
            term[j] = level
            literals.append((j, _sets.term_text(term, sets.conditions, sets.multi),
                             sets.literal(j, level)))
    records = []
    passing: list[frozenset[int]] = []
    for size in range(1, max_size + 1):
        for combo in combinations(range(len(literals)), size):
            if len({literals[i][0] for i in combo}) < size:
                continue
            if size > 1 and any(p <= frozenset(combo) for p in passing):
                continue
            x = np.max([literals[i][2] for i in combo], axis=0)
            fit = necessity_fit(x, sets.y)
            ok = fit["inclN"] >= incl_cut - TOL and fit["RoN"] >= ron_cut - TOL
            if ok:
                passing.append(frozenset(combo))
            if size == 1 or ok:
                records.append({"expression": " + ".join(literals[i][1] for i in combo),
                                "size": size, **fit, "passes": ok})
    return pd.DataFrame.from_records(records)

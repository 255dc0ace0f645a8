"""Calibration of raw values into set memberships (Ragin's direct method; crisp cuts)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from itertools import pairwise
from typing import Literal

import numpy as np
import pandas as pd

from casestudy.errors import DataValidationError, Problem
from casestudy.qca import _sets

ArrayLike = pd.Series | np.ndarray | Sequence[float]


def _values(x: ArrayLike, name: str) -> np.ndarray:
    frame = pd.Series(x).to_frame(name)
    frame.attrs["path"] = "<calibrate>"
    return _sets.numeric_column(frame, name,
                                needed="a raw value (calibration needs one for every case)")


def _warn_outside(values: np.ndarray, thresholds: Sequence[float], name: str) -> None:
    low, high = float(values.min()), float(values.max())
    outside = [t for t in thresholds if t < low or t > high]
    if outside:
        warnings.warn(f"calibrating {name!r}: threshold(s) {outside} lie outside the data "
                      f"range [{low:g}, {high:g}]", UserWarning, stacklevel=3)


def calibrate(x: ArrayLike, *, thresholds: Sequence[float],
              type: Literal["fuzzy", "crisp"] = "fuzzy") -> pd.Series:
    """Calibrate raw values into a fuzzy set (direct method) or crisp levels.

    Fuzzy, ``thresholds=(e, c, i)`` (full exclusion, crossover, full inclusion): the
    log-odds are 3·(x − c)/(i − c) on the inclusion side of c and 3·(x − c)/(c − e) on the
    exclusion side; membership = 1/(1 + exp(−log-odds)), so 0.95 at i, 0.5 at c, 0.05 at e.
    With e > c > i the set is decreasing (more x, less membership).

    Crisp, ``thresholds=(t1, t2, ...)`` increasing: the level is the number of thresholds
    at or below x (0/1 with one threshold, 0/1/2 ... for a multi-value set), as R QCA's
    ``calibrate(type = "crisp")`` does.

    Missing values and thresholds out of order raise; a threshold outside the data range
    warns, with the range in the message.

    >>> calibrate([400, 550, 900], thresholds=(400, 550, 900)).round(3).tolist()
    [0.047, 0.5, 0.953]
    >>> calibrate([500, 600, 900], thresholds=(550, 850), type="crisp").tolist()
    [0, 1, 2]
    """
    name = str(getattr(x, "name", None) or "x")
    index = x.index if isinstance(x, pd.Series) else None
    values = _values(x, name)
    th = [float(t) for t in thresholds]
    if type == "crisp":
        if not th or any(b <= a for a, b in pairwise(th)):
            raise DataValidationError(Problem("<calibrate>", "thresholds",
                                              f"crisp thresholds {th} must be one or more "
                                              "strictly increasing numbers", column=name))
        _warn_outside(values, th, name)
        levels = np.searchsorted(np.asarray(th), values, side="right")
        return pd.Series(levels.astype(int), index=index, name=name)
    if type != "fuzzy":
        raise DataValidationError(Problem("<calibrate>", "type", f"unknown calibration type "
                                          f"{type!r}; expected 'fuzzy' or 'crisp'",
                                          column=name))
    if len(th) != 3:
        raise DataValidationError(Problem("<calibrate>", "thresholds",
                                          f"fuzzy calibration needs (exclusion, crossover, "
                                          f"inclusion); got {th}", column=name))
    e, c, i = th
    if not (e < c < i or e > c > i):
        raise DataValidationError(Problem(
            "<calibrate>", "thresholds",
            f"thresholds (e={e:g}, c={c:g}, i={i:g}) out of order: the crossover must lie "
            "strictly between exclusion and inclusion (e < c < i, or e > c > i for a "
            "decreasing set)", column=name))
    _warn_outside(values, th, name)
    inclusion_side = (values - c) * (i - c) >= 0
    log_odds = np.where(inclusion_side, 3 * (values - c) / (i - c), 3 * (values - c) / (c - e))
    return pd.Series(1.0 / (1.0 + np.exp(-log_odds)), index=index, name=name)

"""Calibration: the direct method and crisp cuts, worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from casestudy.errors import DataValidationError
from casestudy.qca import calibrate


def logistic(t: float) -> float:
    return 1 / (1 + math.exp(-t))


def test_anchors_give_005_05_095():
    out = calibrate([400, 550, 900], thresholds=(400, 550, 900))
    assert out.tolist() == pytest.approx([logistic(-3), 0.5, logistic(3)])
    assert out.iloc[0] == pytest.approx(0.0474, abs=1e-4)
    assert out.iloc[2] == pytest.approx(0.9526, abs=1e-4)


def test_each_side_scales_by_its_own_anchor():
    # e=0, c=10, i=40: x=5 is half-way to e (log-odds -1.5), x=25 half-way to i (+1.5),
    # and x=70 twice as far beyond c as i is (+6).
    out = calibrate([0, 5, 25, 70], thresholds=(0, 10, 40))
    assert out.tolist() == pytest.approx([logistic(-3), logistic(-1.5), logistic(1.5),
                                          logistic(6)])


def test_decreasing_set():
    # Lipset's stability: 15 cabinets excluded, 9.5 crossover, 5 included (e > c > i).
    out = calibrate(pd.Series([15, 12.25, 9.5, 5], name="STB"), thresholds=(15, 9.5, 5))
    assert out.name == "STB"
    assert out.tolist() == pytest.approx([logistic(-3), logistic(-1.5), 0.5, logistic(3)])


def test_crisp_and_multi_value_cuts():
    x = pd.Series([549, 550, 849.9, 850, 1000], index=list("abcde"))
    assert calibrate(x, thresholds=(550,), type="crisp").tolist() == [0, 1, 1, 1, 1]
    multi = calibrate(x, thresholds=(550, 850), type="crisp")
    assert multi.tolist() == [0, 1, 1, 2, 2]
    assert list(multi.index) == list("abcde")


def test_missing_values_raise():
    with pytest.raises(DataValidationError, match="case 1: got nan, expected a raw value"):
        calibrate(pd.Series([1.0, np.nan, 3.0], name="GDP"), thresholds=(1, 2, 3))


def test_bad_raw_values_named_by_case_and_column():
    raw = pd.Series([1.0, np.nan, "n/a", 4.0], index=["NL", "IT", "SCO", "ENG"], name="GDP")
    with pytest.raises(DataValidationError) as err:
        calibrate(raw, thresholds=(1, 2, 3))
    assert [(p.file, p.rule, p.column) for p in err.value.problems] == [
        ("<calibrate>", "missing-value", "GDP"), ("<calibrate>", "not-a-number", "GDP")]
    assert err.value.problems[0].message.startswith("case 'IT': got nan, expected a raw value")
    assert err.value.problems[1].message == "case 'SCO': got 'n/a', expected a number"


@pytest.mark.parametrize("thresholds", [(1, 3, 2), (2, 2, 3), (3, 1, 2)])
def test_thresholds_out_of_order_raise(thresholds):
    with pytest.raises(DataValidationError, match="out of order"):
        calibrate([1, 2, 3], thresholds=thresholds)


def test_crisp_thresholds_must_increase():
    with pytest.raises(DataValidationError, match="strictly increasing"):
        calibrate([1, 2, 3], thresholds=(2, 1), type="crisp")


def test_threshold_outside_data_warns_with_range():
    with pytest.warns(UserWarning, match=r"outside the data range \[1, 3\]"):
        calibrate([1, 2, 3], thresholds=(0, 2, 3))

"""From the long table of coded memberships to the wide cases x sets frame."""

from __future__ import annotations

import pandas as pd
import pytest

from casestudy.errors import DataValidationError
from casestudy.qca import sets_wide, truth_table


def test_integer_case_ids_keep_their_values():
    # Whole-number ids once turned to text before reindexing and met a false
    # "case '1' has no score" error.
    long = pd.DataFrame({"site_id": [2, 2, 1, 1], "set": ["X", "Y", "X", "Y"],
                         "membership": [1.0, 0.67, 0.0, 0.33]})
    wide = sets_wide(long)
    assert wide.index.tolist() == [2, 1]  # order of first appearance, values unchanged
    assert wide.to_dict(orient="index") == {2: {"X": 1.0, "Y": 0.67},
                                            1: {"X": 0.0, "Y": 0.33}}
    assert truth_table(wide, "Y", incl_cut=0.5).table()["cases"].tolist() == ["1", "2"]


def test_missing_score_names_case_set_and_file():
    long = pd.DataFrame({"site_id": [7, 7, 8], "set": ["X", "Y", "X"],
                         "membership": [1.0, 0.67, 0.0]})
    long.attrs["path"] = "qca_sites.csv"
    with pytest.raises(DataValidationError) as err:
        sets_wide(long)
    problem = err.value.problems[0]
    assert (problem.file, problem.rule, problem.column) == ("qca_sites.csv", "missing-value",
                                                           "Y")
    assert "case 8 has no score for set 'Y'" in problem.message


def test_duplicate_score_named():
    long = pd.DataFrame({"site_id": ["a", "a"], "set": ["X", "X"], "membership": [1.0, 0.0]})
    with pytest.raises(DataValidationError, match="case 'a' has more than one score for "
                                                  "set 'X'"):
        sets_wide(long)

"""From a tidy long table of set memberships to the cases x sets frame QCA works on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from casestudy.errors import DataValidationError, Problem
from casestudy.qca._sets import _NA_HINT, _plain, _source


def sets_wide(data: pd.DataFrame, *, case: str = "site_id", set: str = "set",
              value: str = "membership") -> pd.DataFrame:
    """One row per case, one column per set, in the order the sets first appear.

    Refuses a case scored twice on one set, or a set missing for a case, naming both.

    >>> long = pd.DataFrame({"site_id": ["a", "a", "b", "b"], "set": ["X", "Y", "X", "Y"],
    ...                      "membership": [1.0, 0.67, 0.0, 0.33]})
    >>> sets_wide(long).to_dict(orient="index")
    {'a': {'X': 1.0, 'Y': 0.67}, 'b': {'X': 0.0, 'Y': 0.33}}
    """
    file = _source(data)
    missing = np.flatnonzero(data[case].isna().to_numpy()) if case in data.columns else []
    if len(missing):
        pos = int(missing[0])
        raise DataValidationError(Problem(file, "missing-value", f"row {pos + 1}: the case "
                                          f"id is missing ({data[case].iloc[pos]!r}), "
                                          f"expected a case name; {_NA_HINT}", column=case))
    dupes = data[data.duplicated([case, set], keep=False)]
    if len(dupes):
        first = dupes.iloc[0]
        raise DataValidationError(Problem(file, "duplicate", f"case {_plain(first[case])!r} "
                                          f"has more than one score for set "
                                          f"{_plain(first[set])!r}",
                                          column=set))
    order = pd.unique(data[set])
    wide = data.pivot(index=case, columns=set, values=value)
    # The case ids keep their own values (an integer id stays an integer), as pivot does.
    wide = wide.reindex(index=pd.unique(data[case]), columns=order)
    missing = wide.isna().stack()
    if missing.any():
        where, which = missing[missing].index[0]
        raise DataValidationError(Problem(file, "missing-value", f"case {_plain(where)!r} has "
                                          f"no score for set {_plain(which)!r}",
                                          column=str(which)))
    wide.columns.name = None
    wide.index.name = case
    return wide.astype(float)


"""The door check the analysis modules (``impact``, ``spc``) share for caller-given frames.

>>> import pandas as pd
>>> check_columns(pd.DataFrame({"y": [1]}), ["y", "month"], what="its")
Traceback (most recent call last):
...
casestudy.errors.CaseStudyError: its: column(s) 'month' not in the data (columns: y)
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from casestudy.errors import CaseStudyError


def check_columns(data: object, columns: Sequence[str | None], *, what: str) -> None:
    """Raise unless ``data`` is a DataFrame holding every named column (``None`` skipped)."""
    if not isinstance(data, pd.DataFrame):
        raise CaseStudyError(f"{what}: expected a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise CaseStudyError(f"{what}: column(s) {', '.join(map(repr, missing))} not in the "
                             f"data (columns: {', '.join(map(str, data.columns))})")

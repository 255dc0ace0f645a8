"""Official statistics: publishers' readers, extract recipes and cross-country comparison.

Every reader returns the tidy indicator table described in ``casestudy.indicators.tidy``.
"""

from casestudy.indicators.tidy import TIDY_COLUMNS, read_table

__all__ = ["TIDY_COLUMNS", "read_table"]

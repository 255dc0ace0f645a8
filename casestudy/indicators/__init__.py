"""Official statistics: publishers' readers, extract recipes and cross-country comparison.

Every reader returns the tidy indicator table described in ``casestudy.indicators.tidy``.
"""

from casestudy.indicators.compare import (
    Convergence,
    change,
    convergence,
    gap_to_peers,
    index_to,
    latest,
    missing_years,
    rank,
)
from casestudy.indicators.context import TITLES, labelled, load_indicators, topic, topics
from casestudy.indicators.readers import read_gapminder, read_ghed, read_wdi, read_wpp
from casestudy.indicators.tidy import TIDY_COLUMNS, read_table
from casestudy.indicators.units import (
    Dispersion,
    Funnel,
    dispersion,
    funnel,
    funnel_limits,
    gap_to_case_mean,
    latest_common,
    rank_within_case,
)

__all__ = [
    "TIDY_COLUMNS",
    "TITLES",
    "Convergence",
    "Dispersion",
    "Funnel",
    "change",
    "convergence",
    "dispersion",
    "funnel",
    "funnel_limits",
    "gap_to_case_mean",
    "gap_to_peers",
    "index_to",
    "labelled",
    "latest",
    "latest_common",
    "load_indicators",
    "missing_years",
    "rank",
    "rank_within_case",
    "read_gapminder",
    "read_ghed",
    "read_table",
    "read_wdi",
    "read_wpp",
    "topic",
    "topics",
]

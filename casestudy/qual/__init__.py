"""Coded evidence: readers (REFI-QDA, spreadsheet exports), the evidence table, and the
cross-case views (framework matrix, frequencies, co-occurrence, facilitator/barrier
balance, retrieval) with their plots.
"""

from casestudy.qual._io import QdaImportWarning, check_zip
from casestudy.qual.analysis import (
    Cooccurrence,
    FrameworkMatrix,
    balance,
    cooccurrence,
    evidence_html,
    framework_matrix,
    frequency,
    quotes,
    recurrence,
)
from casestudy.qual.evidence import (
    COLUMNS,
    DIRECTIONS,
    TIERS,
    as_evidence,
    load_evidence,
    theme_at,
)
from casestudy.qual.plots import (
    cooccurrence_heatmap,
    count_heatmap,
    direction_bars,
    theme_heatmap,
)
from casestudy.qual.refi import (
    QdaCodebook,
    QdaProject,
    norm_guid,
    read_qdc,
    read_qdpx,
    write_qdpx,
)
from casestudy.qual.spreadsheets import read_codings

__all__ = [
    "COLUMNS",
    "DIRECTIONS",
    "TIERS",
    "Cooccurrence",
    "FrameworkMatrix",
    "QdaCodebook",
    "QdaImportWarning",
    "QdaProject",
    "as_evidence",
    "balance",
    "check_zip",
    "cooccurrence",
    "cooccurrence_heatmap",
    "count_heatmap",
    "direction_bars",
    "evidence_html",
    "framework_matrix",
    "frequency",
    "load_evidence",
    "norm_guid",
    "quotes",
    "read_codings",
    "read_qdc",
    "read_qdpx",
    "recurrence",
    "theme_at",
    "theme_heatmap",
    "write_qdpx",
]

"""Coded evidence: readers (REFI-QDA, spreadsheet exports), the evidence table, and the
cross-case views (framework matrix, frequencies, co-occurrence, facilitator/barrier
balance, whose voices the evidence carries, retrieval) with their plots.
"""

from casestudy.qual._io import QdaImportWarning, check_zip
from casestudy.qual.analysis import (
    Cooccurrence,
    FrameworkMatrix,
    Voices,
    balance,
    cooccurrence,
    evidence_html,
    framework_matrix,
    frequency,
    quotes,
    recurrence,
    voices,
)
from casestudy.qual.evidence import (
    COLUMNS,
    DIRECTIONS,
    PERSPECTIVES,
    STAGES,
    TIERS,
    as_evidence,
    load_evidence,
    theme_at,
)
from casestudy.qual.plots import (
    cooccurrence_heatmap,
    count_heatmap,
    direction_bars,
    perspective_heatmaps,
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
    "PERSPECTIVES",
    "STAGES",
    "TIERS",
    "Cooccurrence",
    "FrameworkMatrix",
    "QdaCodebook",
    "QdaImportWarning",
    "QdaProject",
    "Voices",
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
    "perspective_heatmaps",
    "quotes",
    "read_codings",
    "read_qdc",
    "read_qdpx",
    "recurrence",
    "theme_at",
    "theme_heatmap",
    "voices",
    "write_qdpx",
]

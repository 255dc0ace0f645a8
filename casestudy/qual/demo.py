"""The demonstration REFI-QDA project shipped as ``data/raw/demo_project.qdpx``.

It exists to show the import path (``read_qdpx`` → ``QdaProject.to_evidence``) on a real
file. Its "sources" are not documents: each is the project's own summaries of one cited
report's findings (from ``data/raw/evidence.csv``) joined into a text, coded with the
segment's theme and, on the same span in a separate selection, its direction (as
CAQDAS tools export one selection per code). Nothing in it is an interview or a quote.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from casestudy import cases
from casestudy.qual.evidence import THEME_SEP
from casestudy.qual.refi_write import write_qdpx

#: Report (source id) → the study case, the tier and the segments used from it.
DEMO_SEGMENTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "S3": ("SCO", "local-strategic", ("SCO-007", "SCO-008", "SCO-009", "SCO-010", "SCO-011",
                                      "SCO-012")),
    "E17": ("ENG", "regional", ("ENG-019", "ENG-020", "ENG-021")),
    "N16": ("NL", "regional", ("NL-016", "NL-017", "NL-018", "NL-019")),
    "I9": ("IT", "national", ("IT-016", "IT-017")),
}
NAME = "casestudy demonstration project (documentary coding, not interview data)"


def demo_tables(evidence: pd.DataFrame, *,
                segments: dict[str, tuple[str, str, tuple[str, ...]]] = DEMO_SEGMENTS,
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Sources, codings and cases of the demonstration project, built from ``evidence``:
    one source per report in ``segments`` (laid out as ``DEMO_SEGMENTS``).

    >>> ev = pd.DataFrame({"segment_id": ["X-1"], "theme": ["culture/trust"],
    ...                    "direction": ["facilitator"], "text": ["Trust grew."]})
    >>> src, cod, cas = demo_tables(ev, segments={"N16": ("NL", "regional", ("X-1",))})
    >>> cod[["code", "start", "end"]].values.tolist()
    [['culture/trust', 0, 11], ['direction/facilitator', 0, 11]]
    """
    by_id = evidence.set_index(evidence["segment_id"].astype(str))
    sources, codings, case_rows = [], [], []
    for sid, (case, tier, seg_ids) in segments.items():
        name = f"{sid} findings, as summarised by the project"
        parts, pos = [], 0
        for seg in seg_ids:
            row = by_id.loc[seg]
            text = str(row["text"])
            codings.append({"source": name, "code": str(row["theme"]), "start": pos,
                            "end": pos + len(text), "coder": "casestudy documentary coding"})
            if not pd.isna(row["direction"]):
                codings.append({"source": name,
                                "code": f"direction{THEME_SEP}{row['direction']}",
                                "start": pos, "end": pos + len(text),
                                "coder": "casestudy documentary coding"})
            parts.append(text)
            pos += len(text) + 2
        sources.append({"source": name, "text": "\n\n".join(parts)})
        case_rows.append({"case": cases.get(case).name, "source": name, "tier": tier,
                          "source_id": sid})
    return pd.DataFrame(sources), pd.DataFrame(codings), pd.DataFrame(case_rows)


def write_demo_project(evidence: pd.DataFrame, path: str | Path) -> Path:
    """Write the demonstration ``.qdpx`` (byte-identical for the same evidence)."""
    sources, codings, case_tbl = demo_tables(evidence)
    return write_qdpx(path, sources=sources, codings=codings, cases=case_tbl, name=NAME,
                      origin="casestudy write_qdpx")

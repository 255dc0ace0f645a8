"""Notebooks follow the report contract: tables and figures through the house renderers."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Every report: the builder renders each notebooks/NN_*.ipynb.
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
with (ROOT / "data" / "raw" / "sources.csv").open(encoding="utf-8", newline="") as _f:
    #: The project's source ids, longest first so that "PHS-AE-HOSP" is not read as "PHS-AE".
    SOURCE_IDS = sorted((row["source_id"] for row in csv.DictReader(_f)), key=len, reverse=True)
_ID = "(?:[ESNI]\\d+|" + "|".join(map(re.escape, SOURCE_IDS)) + ")"
#: Source ids written as plain bracketed text ("[I14, I15]", "(E2)", "(PHS-AE)") instead of
#: [@I14]: the E/S/N/I forms even when not (yet) in sources.csv, other ids as listed there.
BARE_CITATION = re.compile(rf"[\[(](?:source )?{_ID}(?:[,;] ?{_ID})*[\])]")


def _cells(path: Path, kind: str) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == kind]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_figures_are_shown_not_just_saved(path: Path) -> None:
    code = "\n".join(_cells(path, "code"))
    assert "savefig(" not in code, f"{path.name}: use plots.show(fig, name, caption=...)"
    assert "display.max_colwidth" not in code, f"{path.name}: tables.show never cuts text"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_cites_with_keys(path: Path) -> None:
    bare = [m for cell in _cells(path, "markdown") for m in BARE_CITATION.findall(cell)]
    assert bare == [], f"{path.name}: cite as [@ID] or [@ID; @ID], not {bare}"


def test_the_bare_citation_pattern_catches_the_old_forms() -> None:
    assert BARE_CITATION.findall("close to ISTAT [I14, I15]; (source S2) and (E2)") == [
        "[I14, I15]", "(source S2)", "(E2)"]
    assert BARE_CITATION.findall("as [@I14; @I15] say") == []
    assert BARE_CITATION.findall("from PHS (PHS-AE; PHS-HB), not (COVID-19)") == [
        "(PHS-AE; PHS-HB)"]


def test_every_report_is_checked() -> None:
    assert len(NOTEBOOKS) >= 8 and NOTEBOOKS[0].name.startswith("01_")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_is_title_then_summary(path: Path) -> None:
    """The index shows the title and the first sentence of the paragraph after it: that
    paragraph says what the report finds, and labels such as ILLUSTRATIVE come after it."""
    first, *rest = re.split(r"\n\s*\n", _cells(path, "markdown")[0].strip())
    assert first.startswith("# ") and "\n" not in first, f"{path.name}: start with '# Title'"
    assert rest, f"{path.name}: a summary paragraph follows the title"
    summary = rest[0]
    assert not summary.startswith(("#", ">", "**", "|", "-", "*")), (
        f"{path.name}: the paragraph after the title is the summary in plain prose, "
        f"not {summary[:40]!r}")

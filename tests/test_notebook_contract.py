"""Notebooks follow the report contract: tables and figures through the house renderers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The reports converted to the contract so far; others join as their owners convert them.
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("0[1-5]_*.ipynb"))
#: Source ids written as plain bracketed text ("[I14, I15]", "(E2)") instead of [@I14].
BARE_CITATION = re.compile(r"[\[(](?:source )?(?:[ESNI]\d+)(?:[,;] ?(?:[ESNI]\d+))*[\])]")


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

"""The project's own notebooks: committed clean, and every one builds into a report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casestudy import report

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_with_a_title(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, c in enumerate(nb["cells"])
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert dirty == [], f"{path.name}: run `make strip` before committing (cells {dirty})"
    assert report.NOTEBOOK_PATTERN.match(path.name)
    assert all(c.get("id") for c in nb["cells"])
    title, summary = report.title_and_summary(path)
    assert title != path.stem and len(summary) > 40


# test_every_notebook_builds_clean is in test_browser.py: it shares the real set's one
# build, and pytest-xdist (--dist loadfile) keeps one file's tests on one worker.

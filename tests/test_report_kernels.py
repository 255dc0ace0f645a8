"""The builder's kernels: forked from a server that has imported the heavy libraries once."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from casestudy import report
from casestudy.report import kernels

pytestmark = pytest.mark.slow

PROBE = """\
import json, os, sys
print(json.dumps({"preloaded": "pandas" in sys.modules,
                  "casestudy": sorted(m for m in sys.modules if m.startswith("casestudy")),
                  "notebook": os.environ.get("CASESTUDY_NOTEBOOK"),
                  "cwd": os.getcwd(), "hashseed": os.environ.get("PYTHONHASHSEED"),
                  "ppid_is_parent": int(os.environ["JPY_PARENT_PID"]) == os.getppid()}))"""


def test_a_forked_kernel_has_the_libraries_but_not_the_package(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_ROOT", str(tmp_path))
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    nb = new_notebook(cells=[new_markdown_cell("# Probe\n\nWhat the kernel sees."),
                             new_code_cell(PROBE)])
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    nbformat.write(nb, nbs / "01_probe.ipynb")
    layout = report.Layout(nbs, tmp_path / "reports", tmp_path / "figures", tmp_path)
    assert report.build(layout=layout).ok
    executed = nbformat.read(tmp_path / "reports" / "executed" / "01_probe.ipynb", 4)
    seen = json.loads(executed.cells[1].outputs[0]["text"])
    # (the builder writes the project's absolute paths in outputs relative to its root)
    assert seen == {"preloaded": True, "casestudy": [], "notebook": "01_probe",
                    "cwd": "notebooks", "hashseed": "0", "ppid_is_parent": True}


def test_kernel_argv_is_split_at_ipykernel_launcher():
    assert kernels.split_kernel_argv(["py", "-m", "ipykernel_launcher", "-f", "c.json"]) == (
        ["py"], ["-f", "c.json"])
    with pytest.raises(ValueError, match="not an ipykernel command"):
        kernels.split_kernel_argv(["py", "-m", "other_kernel", "-f", "c.json"])

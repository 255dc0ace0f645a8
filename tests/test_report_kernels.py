"""The builder's kernels: forked from a server that has imported the heavy libraries once."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from casestudy import report
from casestudy.errors import ReportError
from casestudy.report import kernels

pytestmark = pytest.mark.slow

PROBE = """\
import gc, json, os, sys
print(json.dumps({"preloaded": "pandas" in sys.modules, "frozen": gc.get_freeze_count() > 0,
                  "casestudy": sorted(m for m in sys.modules if m.startswith("casestudy")),
                  "notebook": os.environ.get("CASESTUDY_NOTEBOOK"),
                  "cwd": os.getcwd(), "hashseed": os.environ.get("PYTHONHASHSEED"),
                  "ppid_is_parent": int(os.environ["JPY_PARENT_PID"]) == os.getppid()}))"""


def _probe_project(root: Path, names: list[str], *later: str) -> report.Layout:
    """Notebooks that print what their kernel has before their first line runs; ``later``
    cells run after that (an ``import`` there still tells the fork server what to preload)."""
    nbs = root / "notebooks"
    nbs.mkdir()
    for name in names:
        nb = new_notebook(cells=[new_markdown_cell("# Probe\n\nWhat the kernel sees."),
                                 new_code_cell(PROBE), *map(new_code_cell, later)])
        for i, cell in enumerate(nb.cells):
            cell.id = f"cell-{i}"
        nbformat.write(nb, nbs / f"{name}.ipynb")
    return report.Layout(nbs, root / "reports", root / "figures", root)


def _seen(layout: report.Layout, name: str) -> dict:
    executed = nbformat.read(layout.reports / "executed" / f"{name}.ipynb", 4)
    return json.loads(executed.cells[1].outputs[0]["text"])


@pytest.mark.parametrize("later, preloaded", [("import pandas", True), ("import json", False)])
def test_forked_kernels_have_the_libraries_their_notebooks_import_but_not_the_package(
        tmp_path: Path, monkeypatch, later, preloaded):
    monkeypatch.setenv("CASESTUDY_ROOT", str(tmp_path))
    names = ["01_probe", "02_probe", "03_probe"]  # more than jobs: kernels are forked
    layout = _probe_project(tmp_path, names, later)
    assert report.build(layout=layout, jobs=2).ok
    for name in names:
        # (the builder writes the project's absolute paths in outputs relative to its root)
        assert _seen(layout, name) == {
            "preloaded": preloaded, "frozen": True, "casestudy": [], "notebook": name,
            "cwd": "notebooks", "hashseed": "0", "ppid_is_parent": True}


def test_notebooks_with_a_job_each_get_kernels_of_their_own(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_ROOT", str(tmp_path))
    layout = _probe_project(tmp_path, ["01_probe", "02_probe"])
    assert report.build(layout=layout, jobs=2).ok
    for name in ("01_probe", "02_probe"):
        assert _seen(layout, name) == {
            "preloaded": False, "frozen": False, "casestudy": [], "notebook": name,
            "cwd": "notebooks", "hashseed": "0", "ppid_is_parent": True}


def test_kept_servers_fork_every_kernel_of_every_build_from_one_server(tmp_path: Path,
                                                                        monkeypatch):
    """Even a one-notebook build (which would start its kernel afresh) forks it from the
    kept server; the server outlives each build's event loop and stops with the block."""
    import os
    import signal

    monkeypatch.setenv("CASESTUDY_ROOT", str(tmp_path))
    layout = _probe_project(tmp_path, ["01_probe"], "import os\nprint(os.getppid())")
    parents = []
    with kernels.kept_servers():
        for _ in range(2):
            assert report.build(layout=layout, jobs=2, force=True).ok
            assert _seen(layout, "01_probe")["frozen"]
            executed = nbformat.read(layout.reports / "executed" / "01_probe.ipynb", 4)
            parents.append(int(executed.cells[2].outputs[0]["text"]))
        os.kill(parents[1], signal.SIGKILL)  # a server that died is started again
        os.waitpid(parents[1], 0)
        assert report.build(layout=layout, jobs=2, force=True).ok
        executed = nbformat.read(layout.reports / "executed" / "01_probe.ipynb", 4)
        parents.append(int(executed.cells[2].outputs[0]["text"]))
    assert parents[0] == parents[1] != os.getpid()
    assert parents[2] != parents[1]
    with pytest.raises(ProcessLookupError):
        os.kill(parents[2], 0)
    assert report.build(layout=layout, jobs=2, force=True).ok
    assert not _seen(layout, "01_probe")["frozen"]  # afresh again, outside the block


def test_kernel_argv_is_split_at_ipykernel_launcher():
    assert kernels.split_kernel_argv(["py", "-m", "ipykernel_launcher", "-f", "c.json"]) == (
        ["py"], ["-f", "c.json"])
    with pytest.raises(ValueError, match="not an ipykernel command"):
        kernels.split_kernel_argv(["py", "-m", "other_kernel", "-f", "c.json"])


def test_a_missing_kernel_is_named_whether_or_not_kernels_are_forked(tmp_path: Path,
                                                                      monkeypatch):
    monkeypatch.setenv("CASESTUDY_ROOT", str(tmp_path))
    monkeypatch.setattr(report, "KERNEL", "no-such-kernel")
    layout = _probe_project(tmp_path, ["01_probe"])
    with pytest.raises(ReportError, match="kernel 'no-such-kernel' is not installed"):
        report.build(layout=layout)

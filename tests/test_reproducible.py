"""Two clones in different folders, with different home directories, build the same bytes.

Issue 13's proof on a tiny notebook set: nothing of the absolute path of a checkout or of
the user's home may reach the HTML, the figures or the executed notebooks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from test_report import FIGURE_CELL, write_nb

from casestudy import report

pytestmark = pytest.mark.slow


def clone(root: Path) -> report.Layout:
    nbs = root / "notebooks"
    nbs.mkdir(parents=True)
    write_nb(nbs / "01_alpha.ipynb", "Alpha report", FIGURE_CELL.format(name="alpha"),
             "print('alpha ran')")
    write_nb(nbs / "02_beta.ipynb", "Beta report",
             "import pandas as pd\npd.DataFrame({'x': [1.5, 2.25]})")
    return report.Layout(nbs, root / "reports", root / "figures", root)


def tree(layout: report.Layout) -> dict[str, str]:
    return {str(p.relative_to(layout.root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for base in (layout.reports, layout.figures) for p in sorted(base.rglob("*"))
            if p.is_file() and ".build" not in p.parts}


@pytest.fixture(scope="module")
def two_clones(tmp_path_factory: pytest.TempPathFactory) -> list[report.Layout]:
    """The tiny set cloned and built twice, under different paths and homes; built once per
    module (each build starts kernels, seconds each)."""
    top = tmp_path_factory.mktemp("clones")
    layouts = []
    for where, home in (("a", "home-one"), ("elsewhere/deeper/b", "home-two")):
        root = top / where
        (top / home).mkdir()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("HOME", str(top / home))
            mp.setenv("CASESTUDY_ROOT", str(root))
            layout = clone(root)
            assert report.build(layout=layout).ok
        layouts.append(layout)
    return layouts


def test_two_clones_with_different_paths_and_homes_build_identical_bytes(two_clones):
    first, second = (tree(layout) for layout in two_clones)
    assert first.keys() == second.keys()
    assert len(first) >= 6  # two reports, two executed notebooks, the index, PNG and SVG
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def test_build_records_every_code_cells_time(two_clones):
    times = report.cell_times(two_clones[0])
    assert list(times.columns) == ["notebook", "cell", "seconds", "source"]
    assert sorted(zip(times.notebook, times.cell, strict=True)) == [
        ("01_alpha", 2), ("01_alpha", 3), ("02_beta", 2)]
    assert (times.seconds >= 0).all()
    assert times.seconds.is_monotonic_decreasing
    assert "print('alpha ran')" in set(times.source)


def test_a_changed_package_version_changes_the_builder_fingerprint(monkeypatch):
    before = report.builder_fingerprint()
    locked = report.installed_versions()
    assert any(v.startswith("pandas==") for v in locked)
    bumped = [v + ".post1" if v.startswith("pandas==") else v for v in locked]
    monkeypatch.setattr(report, "installed_versions", lambda: bumped)
    assert report.builder_fingerprint() != before


def test_a_build_leaves_no_ipython_history_in_the_home(two_clones):
    """The kernels' cells are not written to the user's IPython history database."""
    homes = [p for p in two_clones[0].root.parent.iterdir() if p.name.startswith("home")]
    assert len(homes) == 2
    assert [h for home in homes for h in home.rglob("history.sqlite")] == []

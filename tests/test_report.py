"""The report pipeline on tiny notebooks made in temporary folders."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from casestudy import cli, report
from casestudy.report import kernels, page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def _one_fork_server() -> Iterator[None]:
    """The module's 16 kernels forked from one server (``kernels.kept_servers``) rather
    than each importing pandas, matplotlib and ipykernel afresh."""
    with kernels.kept_servers():
        yield

FIGURE_CELL = """\
import matplotlib.pyplot as plt
from casestudy import plots
fig, ax = plt.subplots()
ax.plot([1, 2, 3], [3, 1, 2])
plots.savefig(fig, "{name}")
plt.show()"""


def write_nb(path: Path, title: str, *codes: str, summary: str = "A one-line summary.") -> Path:
    cells = [new_markdown_cell(f"# {title}\n\n{summary}\n\nMore prose.")]
    cells += [new_code_cell(code) for code in codes]
    nb = new_notebook(cells=cells)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
    nbformat.write(nb, path)
    return path


def make_project(root: Path) -> report.Layout:
    nbs = root / "notebooks"
    nbs.mkdir()
    (root / "input.txt").write_text("first", encoding="utf-8")
    write_nb(nbs / "01_alpha.ipynb", "Alpha report", FIGURE_CELL.format(name="alpha"),
             "SECRET_CODE_MARKER = 1\nprint('alpha ran')")
    write_nb(nbs / "02_beta.ipynb", "Beta <report>",
             "from pathlib import Path\nfrom casestudy.paths import record_dependency\n"
             "p = Path('../input.txt')\nrecord_dependency('R', p)\nprint(p.read_text())",
             "import pandas as pd\npd.DataFrame({'text': ['<script>alert(1)</script>']})",
             summary="Reads *input.txt*; see [the docs](https://example.org).")
    (nbs / "notes.ipynb").write_text("{}")  # not NN_*: ignored
    return report.Layout(nbs, root / "reports", root / "figures", root)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> report.Layout:
    monkeypatch.setenv("CASESTUDY_ROOT", str(tmp_path))
    return make_project(tmp_path)


@dataclass
class FirstBuild:
    """The project built once per module (each kernel start costs seconds): its folder, the
    build's result and what it printed."""

    root: Path
    result: report.BuildResult
    printed: str


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> FirstBuild:
    root = tmp_path_factory.mktemp("built")
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(printed):
        mp.setenv("CASESTUDY_ROOT", str(root))
        result = report.build(layout=make_project(root))
    return FirstBuild(root, result, printed.getvalue())


@pytest.fixture
def built(built_once: FirstBuild, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> report.Layout:
    """A copy of the built project in its own folder, as if ``project`` had been built in it
    (the build records hashes and root-relative paths, so the copy is up to date)."""
    root = tmp_path / "project"
    shutil.copytree(built_once.root, root)
    monkeypatch.setenv("CASESTUDY_ROOT", str(root))
    return report.Layout(root / "notebooks", root / "reports", root / "figures", root)


def digest_tree(layout: report.Layout) -> dict[str, str]:
    out = {}
    for base in (layout.reports, layout.figures):
        for p in sorted(base.rglob("*")):
            if p.is_file() and ".build" not in p.parts:
                out[str(p.relative_to(layout.root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def statuses(result: report.BuildResult) -> dict[str, str]:
    return {n.name: n.status for n in result.notebooks}


def test_build_writes_reports_figures_and_index(built_once):
    result, root = built_once.result, built_once.root
    assert result.ok
    assert statuses(result) == {"01_alpha.ipynb": "built", "02_beta.ipynb": "built"}
    assert (root / "figures" / "alpha.png").is_file()
    assert (root / "figures" / "alpha.svg").is_file()
    assert (root / "reports" / "executed" / "01_alpha.ipynb").is_file()
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert index.index("Alpha report") < index.index("Beta &lt;report&gt;")
    assert "Reads input.txt; see the docs." in index
    assert re.search(r"01_alpha\s+built in\s+[\d.]+ s \(cells [\d.]+ s\)", built_once.printed)


def test_html_is_self_contained_escaped_and_free_of_local_paths(built, built_once):
    page = (built.reports / "01_alpha.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", page)
    assert not re.search(r"import\(\s*[\"']https?:", page)
    assert "cdnjs" not in page and "mathjax" not in page.lower()
    beta = (built.reports / "02_beta.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in beta
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in beta
    for path in built.reports.rglob("*"):
        if path.is_file() and ".build" not in path.parts:
            text = path.read_text(encoding="utf-8")
            assert str(built_once.root) not in text and str(built.root) not in text, path


def test_pages_are_the_documents_nbconvert_itself_writes():
    """The builder renders without HTMLExporter's BeautifulSoup pass (see
    ``report._exporter_class``). Its page must still be the document HTMLExporter writes,
    compared as BeautifulSoup writes both out, but for the placeholder alt text (figures
    bring their own), so that an nbconvert whose exporter does more (after ``make lock``)
    fails here rather than quietly changing the reports."""
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter
    from nbformat.v4 import new_output

    from casestudy.report import page

    outputs = [new_output("stream", name="stdout", text="printed\n"),
               new_output("execute_result", execution_count=1, data={
                   "text/html": "<table><tr><th>a</th></tr><tr><td>1 &amp; 2</td></tr></table>",
                   "text/plain": "table"}),
               new_output("display_data", data={"image/png": "iVBORw0KGgo=",
                                                "text/plain": "<Figure>"})]
    nb = new_notebook(cells=[new_markdown_cell("# Title\n\nSome *text* and [a link](#x)."),
                             new_code_cell("print('printed')", outputs=outputs)])
    renderer = report._Renderer(include_code=True)  # code shown: inputs and outputs
    resources = {"metadata": {"name": "Title"},
                 "casestudy": {"notebook": "01_t.ipynb", "include_code": True}}
    ours, _ = renderer.exporter.from_notebook_node(page.prepare(nb), resources=dict(resources))
    theirs, _ = HTMLExporter.from_notebook_node(renderer.exporter, page.prepare(nb),
                                                resources=dict(resources))
    assert ours != theirs  # not the same bytes: BeautifulSoup's pass did not run
    # The one difference meant: no placeholder alt text on an image without its own.
    placeholder = ' alt="No description has been provided for this image"'
    theirs = str(BeautifulSoup(theirs, "html.parser"))
    assert theirs.count(placeholder) == 1
    assert str(BeautifulSoup(ours, "html.parser")) == theirs.replace(placeholder, "")


def test_code_is_hidden_by_default_and_shown_on_request(built):
    assert "SECRET_CODE_MARKER" not in (built.reports / "01_alpha.html").read_text()
    # Only alpha, whose page is checked: beta's kernel would run again for nothing.
    report.build(layout=built, include_code=True, only="01_")
    page = (built.reports / "01_alpha.html").read_text()
    assert "SECRET_CODE_MARKER" in page
    # As nbconvert's exporter makes them, every shown input and every output takes the
    # keyboard focus, so that a reader can tab to a wide table and scroll it.
    tags = re.findall(r'<div class="[^"]*\bjp-(?:OutputArea-output|Cell-inputWrapper)\b'
                      r'[^"]*"[^>]*>', page)
    assert any("inputWrapper" in tag for tag in tags) and any("Output" in tag for tag in tags)
    assert all('tabindex="0"' in tag for tag in tags)


def test_forced_rebuild_is_byte_identical(built):
    first = digest_tree(built)
    report.build(layout=built, force=True)
    assert digest_tree(built) == first
    executed = json.loads((built.reports / "executed" / "01_alpha.ipynb").read_text())
    assert all("execution" not in c["metadata"] for c in executed["cells"])


def test_printed_text_is_one_output_however_the_kernel_flushed_it(built):
    # The kernel sends what a cell prints every 0.2 s, and stderr apart from stdout: without
    # merging, a cell that prints across a flush gave two outputs on one run and one on
    # another (04's solutions, seen once in two clones' builds).
    write_nb(built.notebooks / "02_beta.ipynb", "Beta",
             "import sys, time\nprint('first')\ntime.sleep(0.5)\nprint('second')\n"
             "print('to stderr', file=sys.stderr)\nprint('third')")
    assert report.build(layout=built).ok
    executed = nbformat.read(built.reports / "executed" / "02_beta.ipynb", as_version=4)
    outputs = [(o.name, o.text) for o in executed.cells[1].outputs]
    assert outputs == [("stdout", "first\nsecond\nthird\n"), ("stderr", "to stderr\n")]


def test_second_build_rebuilds_nothing(built):
    mtimes = {p: p.stat().st_mtime_ns for p in built.reports.rglob("*.html")}
    result = report.build(layout=built)
    assert set(statuses(result).values()) == {"up to date"}
    assert {p: p.stat().st_mtime_ns for p in built.reports.rglob("*.html")} == mtimes


def test_changing_one_notebook_rebuilds_only_it(built):
    write_nb(built.notebooks / "02_beta.ipynb", "Beta renamed", "print('changed')")
    result = report.build(layout=built)
    assert statuses(result) == {"01_alpha.ipynb": "up to date", "02_beta.ipynb": "built"}
    assert "Beta renamed" in (built.reports / "index.html").read_text()


def test_changing_a_file_a_notebook_read_rebuilds_it(built):
    (built.root / "input.txt").write_text("second", encoding="utf-8")
    result = report.build(layout=built)
    assert statuses(result) == {"01_alpha.ipynb": "up to date", "02_beta.ipynb": "built"}
    assert "second" in (built.reports / "02_beta.html").read_text()


def test_a_missing_figure_rebuilds_its_notebook(built):
    (built.figures / "alpha.svg").unlink()
    result = report.build(layout=built)
    assert statuses(result)["01_alpha.ipynb"] == "built"
    assert (built.figures / "alpha.svg").is_file()


def test_failing_cell_stops_with_notebook_cell_and_error_and_keeps_old_output(built,
                                                                               capsys):
    before = digest_tree(built)
    write_nb(built.notebooks / "01_alpha.ipynb", "Alpha report",
             FIGURE_CELL.format(name="alpha") + "\nx = 1", "y = 2", "1 / 0")
    result = report.build(layout=built)
    assert not result.ok
    failed = next(n for n in result.notebooks if n.status == "failed")
    assert failed.name == "01_alpha.ipynb"
    assert "01_alpha.ipynb: cell 4 of 4 failed with ZeroDivisionError" in failed.error
    assert digest_tree(built) == before  # old HTML and figures kept
    leftovers = [p for p in built.root.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    assert [p.name for p in built.state.iterdir() if p.is_dir()] == []
    assert "FAILED" in capsys.readouterr().out


def test_cli_exit_code_is_non_zero_on_failure(built):
    write_nb(built.notebooks / "02_beta.ipynb", "Beta", "raise RuntimeError('boom')")
    assert cli.main(["report"]) == 1
    assert cli.main(["report", "--only", "01_"]) == 0


def test_strip_removes_outputs(tmp_path):
    path = write_nb(tmp_path / "01_x.ipynb", "X", "print(1)")
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells[1].execution_count = 3
    nbformat.write(nb, path)
    assert report.strip_notebooks([path]) == [path]
    clean = nbformat.read(path, as_version=4)
    assert clean.cells[1].outputs == [] and clean.cells[1].execution_count is None
    assert report.strip_notebooks([path]) == []


def test_no_notebooks_is_an_error(tmp_path):
    (tmp_path / "notebooks").mkdir()
    layout = report.Layout(tmp_path / "notebooks", tmp_path / "r", tmp_path / "f", tmp_path)
    with pytest.raises(report.ReportError, match="no notebooks"):
        report.build(layout=layout)


def test_never_built_notebooks_are_expected_to_take_time_by_their_code(tmp_path):
    layout = report.Layout(tmp_path, tmp_path / "r", tmp_path / "f", tmp_path)
    short = write_nb(tmp_path / "01_short.ipynb", "Short", "x = 1", summary="y" * 5000)
    long = write_nb(tmp_path / "02_long.ipynb", "Long", "x = 1\n" * 500)
    assert report._expected_seconds(short, layout) == pytest.approx(0.005)
    assert report._expected_seconds(long, layout) == pytest.approx(3.0)
    layout.state.mkdir(parents=True)
    (layout.state / "01_short.json").write_text('{"seconds": 9.5}')
    assert report._expected_seconds(short, layout) == 9.5


def test_index_summary_is_the_first_sentence_in_plain_text(tmp_path):
    path = write_nb(tmp_path / "01_x.ipynb", "X **bold** title",
                    summary="Counts by *case* in `data/processed/framework_matrix.xlsx` "
                            "(see [docs](https://example.org)). Second sentence here.")
    assert report.title_and_summary(path) == (
        "X bold title",
        "Counts by case in data/processed/framework_matrix.xlsx (see docs).")


def test_imported_casestudy_modules_are_recorded_as_dependencies(built):
    alpha = json.loads((built.state / "01_alpha.json").read_text())["reads"]
    beta = json.loads((built.state / "02_beta.json").read_text())["reads"]
    assert any(r.endswith("casestudy/plots/_style.py") for r in alpha)
    assert any(r.endswith("casestudy/paths.py") for r in beta)
    assert not any(r.endswith("casestudy/plots/_style.py") for r in beta)
    assert not any("casestudy/qca" in r for r in alpha + beta)


def test_each_kernel_is_told_its_notebook(built):
    # Both notebooks changed, so that their kernels run side by side (and cheaply: no plots).
    names = ["01_alpha", "02_beta"]
    for name in names:
        write_nb(built.notebooks / f"{name}.ipynb", name.title(),
                 "import os\nprint('NB=' + os.environ['CASESTUDY_NOTEBOOK'])")
    assert statuses(report.build(layout=built)) == {f"{n}.ipynb": "built" for n in names}
    for name in names:
        assert f"NB={name}" in (built.reports / f"{name}.html").read_text(encoding="utf-8")


SOURCES_CSV = """\
source_id,title,publisher,year,url,licence,accessed,note
E3,Health and Care Act 2022 (c. 31),UK Parliament,2022,https://www.legislation.gov.uk/ukpga/2022/31,OGL-UK-3.0,,
N2,Wet maatschappelijke ondersteuning 2015,Overheid.nl,2014,,Public domain,,
"""


def write_cited_nb(path: Path, title: str, prose: str) -> Path:
    nb = new_notebook(cells=[new_markdown_cell(f"# {title}\n\nSummary of {title}."),
                             new_markdown_cell(f"## Findings\n\n{prose}"),
                             new_markdown_cell("## Lessons\n\nNo citations here.")])
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def cited(built: report.Layout) -> report.Layout:
    """The built project with a source list and a beta that cites it (only beta, prose alone,
    runs again: alpha's kernel and figure would cost seconds and cite nothing)."""
    (built.root / "data" / "raw").mkdir(parents=True)
    (built.root / "data" / "raw" / "sources.csv").write_text(SOURCES_CSV, encoding="utf-8")
    write_cited_nb(built.notebooks / "02_beta.ipynb", "Beta", "Boards set up [@E3; @N2].")
    return built


def test_pages_get_contents_navigation_and_references(cited):
    assert report.build(layout=cited).ok
    alpha = (cited.reports / "01_alpha.html").read_text(encoding="utf-8")
    beta = (cited.reports / "02_beta.html").read_text(encoding="utf-8")
    assert "<!--cs:" not in alpha + beta
    assert 'href="02_beta.html">Next: Beta' in alpha and 'class="cs-prev"' not in alpha
    assert 'href="01_alpha.html">&larr; Previous: Alpha report' in beta
    assert 'class="cs-next"' not in beta
    assert re.search(r'<nav class="cs-toc".*href="#Findings">Findings</a>.*href="#Lessons">'
                     r'Lessons</a>.*href="#references">References</a>', beta)
    assert '[<a class="cite" href="#ref-E3">E3</a>; <a class="cite" href="#ref-N2">N2</a>]' in beta
    assert re.findall(r'<li id="ref-([^"]+)"', beta) == ["E3", "N2"]
    assert 'id="references"' not in alpha  # cites nothing


def test_an_unknown_citation_fails_the_build_naming_notebook_and_id(cited, capsys):
    write_cited_nb(cited.notebooks / "02_beta.ipynb", "Beta", "Unlisted [@Q7].")
    result = report.build(layout=cited)
    assert not result.ok
    assert "02_beta.ipynb: cites source id(s) Q7" in next(
        n.error for n in result.notebooks if n.status == "failed")
    assert cli.main(["report"]) == 1
    assert "Q7" in capsys.readouterr().out


def test_neighbours_and_sources_update_pages_without_rerunning_notebooks(cited):
    report.build(layout=cited)
    write_cited_nb(cited.notebooks / "03_gamma.ipynb", "Gamma", "More [@N2].")
    result = report.build(layout=cited)
    assert statuses(result) == {"01_alpha.ipynb": "up to date", "02_beta.ipynb": "up to date",
                                "03_gamma.ipynb": "built"}
    assert 'href="03_gamma.html">Next: Gamma' in (cited.reports / "02_beta.html").read_text()
    sources = cited.root / "data" / "raw" / "sources.csv"
    sources.write_text(SOURCES_CSV.replace("Overheid.nl", "Rijksoverheid"), encoding="utf-8")
    result = report.build(layout=cited)
    assert set(statuses(result).values()) == {"up to date"}
    assert "Rijksoverheid (2014)" in (cited.reports / "03_gamma.html").read_text()


def test_index_counts_figures_and_tables_and_shows_a_thumbnail(built):
    index = (built.reports / "index.html").read_text(encoding="utf-8")
    assert index.count('<img class="cs-thumb" src="data:image/png;base64,') == 1  # alpha only
    assert "0 figures, 0 tables" in index
    assert "Commit: <code>none (the project is not under git)</code>" in index


def test_thumbnails_are_made_as_each_notebook_is_built_not_at_the_end(built, monkeypatch):
    # The pages are assembled after the last notebook, with one core idle: the thumbnail of
    # a built report's first figure is made before that, and handed to the assembly.
    calls = []
    real_thumbnail, real_assemble = page.thumbnail, page.assemble

    def thumbnail(body, *args, **kwargs):
        calls.append("thumbnail")
        return real_thumbnail(body, *args, **kwargs)

    def assemble(body, notebook, *args, thumb=None, **kwargs):
        calls.append(("assemble", notebook, thumb is not None))
        return real_assemble(body, notebook, *args, thumb=thumb, **kwargs)

    monkeypatch.setattr(page, "thumbnail", thumbnail)
    monkeypatch.setattr(page, "assemble", assemble)
    before = (built.reports / "index.html").read_text(encoding="utf-8")
    for meta in built.state.glob("*.page.json"):  # so that both pages are assembled again
        meta.unlink()
    assert report.build(layout=built, force=True).ok
    assembled = [c for c in calls if c != "thumbnail"]
    assert sorted(assembled) == [("assemble", "01_alpha.ipynb", True),
                                 ("assemble", "02_beta.ipynb", False)]
    assert calls[:2] == ["thumbnail", "thumbnail"]  # both made before any assembly
    assert (built.reports / "index.html").read_text(encoding="utf-8") == before


def test_reports_are_small(built):
    assert all(p.stat().st_size < 2.5e6 for p in built.reports.glob("*.html"))


def test_pdf_without_a_browser_says_why_and_fails(project, monkeypatch, capsys):
    monkeypatch.setenv("CASESTUDY_CHROMIUM", str(project.root / "no-such-chromium"))
    assert cli.main(["report", "--pdf"]) == 1
    err = capsys.readouterr().err
    assert "cannot print the PDF" in err
    assert "apt-get install -y chromium" in err or "playwright is not installed" in err

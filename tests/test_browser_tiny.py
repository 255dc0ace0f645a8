"""The browser checks of test_browser.py on three tiny notebooks built in a temporary folder:
they show the report contract's figure and table markup directly, and build in seconds.
A module of its own so that pytest-xdist runs it beside the real set's long build.
"""

from __future__ import annotations

import asyncio
import base64
import io
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

# The checks, and the fixtures they use, collected again here: each runs on this module's
# ``built_set``.
from test_browser import (  # noqa: F401
    _audit_all,
    audits,
    test_every_citation_finds_its_reference,
    test_every_figure_and_table_is_numbered_and_captioned,
    test_every_image_has_real_alt_text,
    test_every_page_prints_to_pdf,
    test_every_report_has_contents_and_previous_next_links,
    test_no_horizontal_overflow_at_desktop_and_phone_widths,
    test_no_python_repr_in_visible_text,
    test_no_serious_or_critical_wcag_violations,
    test_no_table_cell_is_cut_short,
    test_pages_are_offline,
    test_reports_stay_small,
)

from casestudy import report
from casestudy.report import pdf

pytestmark = pytest.mark.slow

SOURCES_CSV = """\
source_id,title,publisher,year,url,licence,accessed,note
E3,Health and Care Act 2022 (c. 31),UK Parliament,2022,https://www.legislation.gov.uk/ukpga/2022/31,OGL-UK-3.0,,
N2,Wet maatschappelijke ondersteuning 2015,Overheid.nl,2014,,Public domain,,
"""

# The chart is drawn once, here (_chart_png); the notebooks only show it, so that their
# kernels need not import matplotlib (a second or more each).
FIGURE_AND_TABLE = '''\
from IPython.display import HTML
png = "{png}"
HTML(f"""<figure class="cs-figure" id="fig-{n}-1"><img src="data:image/png;base64,{{png}}"
alt="Line chart of a count (y axis) by year (x axis), 2019 to 2021, one series: it rises
from 1 to 3, then falls to 2."><figcaption>Figure {n}.1: The count rose, then fell.
Sources: <a class="cite" href="#ref-N2">N2</a></figcaption></figure>
<div class="cs-table" id="tbl-{n}-1"><table><caption>Table {n}.1: Long text wraps</caption>
<thead><tr><th scope="col">Case</th><th scope="col">Note</th><th scope="col">Year</th></tr>
</thead><tbody><tr><td>Netherlands</td><td>{long}</td><td style="text-align:right">2015</td>
</tr></tbody></table><p>Sources: <a class="cite" href="#ref-E3">E3</a></p></div>""")'''

LONG = " ".join(["Municipalities commission social support under the Wmo 2015."] * 12)


def _chart_png() -> str:
    """A small line chart as base64 PNG."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([2019, 2020, 2021], [1, 3, 2])
    ax.set(xlabel="Year", ylabel="Count", title="The count rose, then fell")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _notebook(path: Path, n: int, title: str, png: str) -> None:
    cells = [
        new_markdown_cell(f"# {title}\n\nA one-paragraph summary of report {n}."),
        new_markdown_cell("## Background\n\nThe Act set up the boards [@E3]; compare the "
                          "Netherlands [@E3; @N2]."),
        new_code_cell(FIGURE_AND_TABLE.format(n=n, long=LONG, png=png)),
        new_markdown_cell("## What it means\n\nPlain prose closes the report."),
    ]
    nb = new_notebook(cells=cells)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def built_set(tmp_path_factory: pytest.TempPathFactory,
              ) -> tuple[report.Layout, report.BuildResult]:
    root = tmp_path_factory.mktemp("tiny-set")
    (root / "notebooks").mkdir()
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "raw" / "sources.csv").write_text(SOURCES_CSV, encoding="utf-8")
    png = _chart_png()
    for n, title in [(1, "First report"), (2, "Second report"), (3, "Third report")]:
        _notebook(root / "notebooks" / f"0{n}_r{n}.ipynb", n, title, png)
    layout = report.Layout(root / "notebooks", root / "reports", root / "figures", root)
    mp = pytest.MonkeyPatch()
    mp.setenv("CASESTUDY_ROOT", str(root))
    try:
        result = report.build(layout=layout)
    finally:
        mp.undo()
    return layout, result


def test_the_set_prints_to_one_pdf(built_set, chromium, tmp_path):
    layout, _ = built_set
    names = [p.stem for p in report.discover(layout.notebooks)]
    target = pdf.write(layout.reports, names, tmp_path / "set.pdf")
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    # One report per part, each starting a page: at least as many pages as reports.
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= len(names)


def test_contrast_is_checked_on_everything_styled_its_own_way(chromium, tmp_path):
    """The audit skips a table row, or a link, styled like an earlier one, but not one whose
    own style (inline or from a class) makes it pale, and names that one where it is."""
    plain = "".join(f"<tr><td>Case {i}</td><td>{i}</td></tr>" for i in range(6))
    inline = '<tr><td style="color:#bbb">Inline grey</td><td>7</td></tr>'
    by_class = '<tr class="aside"><td>Grey by class</td><td>8</td></tr>'
    links = "".join(f'<a href="#r{i}">R{i}</a>, ' for i in range(5))
    page = tmp_path / "rows.html"
    page.write_text(
        '<!doctype html><html lang="en"><head><title>Rows</title>'
        "<style>tr.aside td, a.aside {color:#c8c8c8}</style></head><body><main><table>"
        '<caption>Rows</caption><tr><th scope="col">Case</th><th scope="col">n</th></tr>'
        f"{plain}{inline}{plain}{by_class}{plain}</table>"
        f'<p>Sources: {links}<a class="aside" href="#r5">R5</a>.</p></main></body></html>',
        encoding="utf-8")
    (found,) = asyncio.run(_audit_all([page]))
    # Of the plain rows and links only the first is checked, and in each row left (the
    # header, the first plain row, the two grey rows) only the first cell; each grey one is.
    assert found.styled_as_before == (3 * 6 - 1) + 4 + (5 - 1)
    (contrast,) = [v for v in found.violations if v.startswith("color-contrast")]
    assert "'tr:nth-child(8) > td:nth-child(1)'" in contrast  # after the header and 6 rows
    assert "'.aside > td:nth-child(1)'" in contrast
    assert '#r5"]' in contrast  # the grey link

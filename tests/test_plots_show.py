"""plots.show and the alt-text generator, on hand-built figures."""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from casestudy import captions, plots
from casestudy.errors import CaseStudyError
from casestudy.plots import alt_text, describe


@pytest.fixture(autouse=True)
def _report_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASESTUDY_NOTEBOOK", "01_cases")
    captions.reset()


def _line_chart() -> plt.Figure:
    fig, ax = plt.subplots()
    for name, start in (("Netherlands", 7.7), ("United Kingdom (Scotland and England)", 7.2)):
        ax.plot(range(2000, 2023), [start + 0.1 * i for i in range(23)], label=name)
    ax.set_ylabel("% of GDP")
    ax.set_title("Health spending")
    ax.legend()
    return fig


def test_line_chart_names_kind_years_series_and_cases() -> None:
    fig = _line_chart()
    text = describe(fig)
    assert text.startswith("Line chart titled Health spending.")
    assert "Vertical axis: % of GDP." in text
    assert "2000 to 2022" in text
    assert "Series: Netherlands and United Kingdom (Scotland and England)." in text
    # The UK label names the UK, not Scotland or England as cases.
    assert "Cases shown: Netherlands and United Kingdom (Scotland and England)." in text
    plt.close(fig)


def test_reference_lines_do_not_make_a_bar_or_dot_chart_a_line_chart() -> None:
    fig, ax = plt.subplots()
    ax.bar(["NL", "IT", "SCO"], [1, 2, 3])
    ax.axhline(1.5)
    fig.canvas.draw()  # tick labels (the case codes) exist once drawn, as after saving
    assert describe(fig).startswith("Bar chart.")
    assert "Cases shown: Netherlands, Italy and Scotland." in describe(fig)
    plt.close(fig)
    fig, ax = plt.subplots()
    ax.scatter([1, 2, 3], [0, 0, 0])
    ax.axvline(2)
    assert describe(fig).startswith("Dot plot.")
    plt.close(fig)


def test_title_repeating_the_caption_is_said_once() -> None:
    fig, ax = plt.subplots()
    ax.imshow([[1, 2], [3, 4]])
    ax.set_title("Finance goes with power")
    ax.set_xticks([0, 1], ["NL", "IT"])
    ax.set_yticks([0, 1], ["finance", "power"])
    fig.canvas.draw()
    text = alt_text(fig, "Finance goes with power")
    assert text.startswith("Finance goes with power. Heatmap. Rows: finance and power. "
                           "Columns: NL and IT. Cases shown: Netherlands and Italy.")
    plt.close(fig)


def test_wrapped_titles_are_one_line_and_commas_take_semicolons() -> None:
    fig, axes = plt.subplots(1, 2)
    for ax, title in zip(axes, ("Government share of health\nexpenditure, %", "Beds"),
                         strict=True):
        ax.plot([2000, 2001], [1, 2])
        ax.set_title(title)
    text = describe(fig)
    assert "\n" not in text
    assert text.startswith("Line chart in 2 panels: Government share of health expenditure, % "
                           "and Beds.")
    fig.axes[1].set_title("Spending, % of GDP")
    third = fig.add_subplot(2, 2, 4)
    third.plot([2000, 2001], [1, 2])
    third.set_title("Doctors")
    assert ("panels: Government share of health expenditure, %; Spending, % of GDP and "
            "Doctors.") in describe(fig)
    plt.close(fig)


def test_a_shaded_span_does_not_make_a_line_chart_a_bar_chart() -> None:
    fig, ax = plt.subplots()
    ax.plot([2019, 2020, 2021], [1, 2, 3])
    ax.axvspan(2019.5, 2020.5, alpha=0.2)
    assert describe(fig) == "Line chart. Horizontal axis: 2019 to 2021."
    plt.close(fig)


def test_scatter_and_heatmap_kinds() -> None:
    fig, ax = plt.subplots()
    ax.scatter([0.1, 0.5, 0.9], [0.2, 0.6, 0.4])
    ax.plot([0, 1], [0, 1])  # the diagonal of an XY plot is a guide, not a series
    ax.set_xlabel("membership in the solution")
    assert describe(fig).startswith("Scatter plot.")
    assert "Horizontal axis: membership in the solution." in describe(fig)
    plt.close(fig)
    fig, ax = plt.subplots()
    ax.imshow([[1, 2], [3, 4]])
    assert describe(fig).startswith("Heatmap.")
    plt.close(fig)


def test_small_multiples_list_panels_and_monthly_periods() -> None:
    fig, axes = plt.subplots(1, 2)
    months = pd.date_range("2016-04-01", "2020-02-01", freq="MS")
    for ax, title in zip(axes, ("Edinburgh", "Glasgow City"), strict=True):
        ax.plot(months, range(len(months)))
        ax.set_title(title)
    fig.canvas.draw()
    text = describe(fig)
    assert text.startswith("Line chart in 2 panels: Edinburgh and Glasgow City.")
    assert "April 2016 to February 2020" in text
    plt.close(fig)


def test_alt_text_leads_with_the_finding_and_adds_detail() -> None:
    fig = _line_chart()
    text = alt_text(fig, "The UK now spends most", "Dashed: projections.")
    assert text.startswith("The UK now spends most. Line chart")
    assert text.endswith("Dashed: projections.")
    plt.close(fig)


def test_show_saves_closes_numbers_and_links(tmp_path: Path) -> None:
    fig = _line_chart()
    plots.source_footer(fig, ["WHO-GHED"])
    shown = plots.show(fig, "01_test", caption="The UK now spends most.",
                       directory=tmp_path)
    assert not plt.fignum_exists(fig.number)
    assert [p.name for p in shown.files] == ["01_test.png", "01_test.svg"]
    markup = shown._repr_html_()
    assert markup.startswith('<figure class="cs-figure" id="fig-1-1"')
    assert '<img src="data:image/png;base64,' in markup
    assert ("<figcaption>Figure 1.1: The UK now spends most. Sources: "
            '<a class="cite" href="#ref-WHO-GHED">WHO-GHED</a>.</figcaption>') in markup
    alt = re.search(r'alt="([^"]*)"', markup).group(1)
    assert alt.startswith("The UK now spends most. Line chart")
    # Publishers named in the footer are not read as cases shown.
    assert "World Health" not in alt
    assert repr(shown) == "Figure 1.1: The UK now spends most. (01_test.png)"
    second = plots.show(_line_chart(), "01_other", caption="x.", source_ids=[],
                        directory=tmp_path)
    assert second.anchor == "fig-1-2"


def test_large_figures_are_embedded_at_twice_their_shown_width(tmp_path: Path) -> None:
    fig, ax = plt.subplots(figsize=(20, 8))
    ax.plot([2000, 2001], [1, 2])
    shown = plots.show(fig, "01_wide", caption="Wide.", directory=tmp_path)
    assert shown.width_px > 2.5 * 860  # the file in figures/ keeps the house 150 dpi
    assert shown.shown_size[0] == 860
    embedded = int.from_bytes(shown.image[16:20], "big")
    assert abs(embedded - 2 * 860) <= 4 < shown.width_px - embedded
    small = plots.show(_line_chart(), "01_small", caption="Small.", directory=tmp_path)
    assert small.image == small.png.read_bytes()


def test_show_caption_defaults_to_the_title(tmp_path: Path) -> None:
    fig, ax = plt.subplots()
    ax.plot([1, 2], [1, 2])
    fig.suptitle("Fewer beds everywhere")
    shown = plots.show(fig, "01_t", directory=tmp_path)
    assert shown.caption == "Fewer beds everywhere."
    fig, ax = plt.subplots()
    ax.plot([1, 2], [1, 2])
    with pytest.raises(CaseStudyError, match="no caption and the figure has no title"):
        plots.show(fig, "01_u", directory=tmp_path)
    assert not plt.fignum_exists(fig.number)


def test_show_bytes_are_deterministic(tmp_path: Path) -> None:
    first = plots.show(_line_chart(), "01_d", caption="c.", directory=tmp_path)
    png = first.png.read_bytes()
    captions.reset()
    second = plots.show(_line_chart(), "01_d", caption="c.", directory=tmp_path)
    assert second.png.read_bytes() == png
    assert first._repr_html_() == second._repr_html_()


def test_showing_a_figure_draws_it_once_per_file(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The PNG and SVG are drawn once each: without the measuring draw of
    ``bbox_inches="tight"``, and with constrained layout run once but not the dry-run draw
    savefig adds while a layout engine is set. The page image of a wide figure is the PNG
    scaled down, not drawn again, and the engine is back afterwards."""
    draws = []
    original = plt.Figure.draw

    def counting(self: plt.Figure, renderer: object) -> None:
        draws.append(type(renderer).__name__)
        original(self, renderer)

    monkeypatch.setattr(plt.Figure, "draw", counting)
    fig, ax = plt.subplots(figsize=(20, 4), layout="constrained")
    ax.plot([2000, 2010], [1, 2])
    engine = fig.get_layout_engine()
    shown = plots.show(fig, "01_once", caption="Once.", directory=tmp_path)
    assert draws == ["RendererAgg", "MixedModeRenderer"]
    assert fig.get_layout_engine() is engine
    assert ax.get_position().x0 != plt.rcParams["figure.subplot.left"]  # laid out
    assert shown.image != shown.png.read_bytes()
    draws.clear()
    fig, ax = plt.subplots()
    plots.savefig(fig, "01_plain", directory=tmp_path)
    assert draws == ["RendererAgg", "MixedModeRenderer"]
    plt.close(fig)


def _pixels(png: bytes | Path) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png if isinstance(png, bytes) else png.read_bytes())))


def test_files_are_cut_to_what_the_figure_drew(tmp_path: Path) -> None:
    """The PNG is savefig's pixels for the box the SVG is cut to; that box holds a footer
    below the figure, lies within matplotlib's tight box, and is padded as that is."""
    from casestudy.plots._style import render, use_style

    use_style()
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot([0, 1], [0, 1])
    plots.source_footer(fig, ["N1"])
    image, box = render(fig)
    reference = io.BytesIO()
    fig.savefig(reference, format="png", bbox_inches=box)
    assert np.array_equal(np.asarray(image), _pixels(reference.getvalue())[..., :3])
    tight = fig.get_tightbbox().padded(plt.rcParams["savefig.pad_inches"])
    pixel = 1 / 150
    assert box.y0 < -0.1
    assert all(abs(a - b) < 0.06 for a, b in zip(box.extents, tight.extents, strict=True))
    assert box.x0 >= tight.x0 - pixel and box.y0 >= tight.y0 - pixel
    assert box.x1 <= tight.x1 + pixel and box.y1 <= tight.y1 + pixel
    blank = np.asarray(image)[:round(0.1 * 150) - 1]  # the top padding
    assert (blank == 255).all()
    plt.close(fig)


def test_what_lies_far_outside_the_figure_is_kept(tmp_path: Path) -> None:
    """A text placed far below the figure widens the canvas; a line drawn past the axes and
    off the canvas is measured as savefig measures it. A blank figure is kept whole."""
    from casestudy.plots._style import RENDER_MARGIN, render

    fig, ax = plt.subplots(figsize=(4, 3))
    fig.text(0.5, -(RENDER_MARGIN + 1) / 3, "far below", va="top")
    image, box = render(fig)
    assert -(RENDER_MARGIN + 1.5) < box.y0 < -(RENDER_MARGIN + 1)
    assert image.size == (round(box.width * 150), round(box.height * 150))
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_ylim(0, 1)
    ax.plot([0, 1], [0, 10], clip_on=False)
    assert render(fig)[1].y1 > 3 + RENDER_MARGIN + 10
    blank = plt.figure(figsize=(2, 1))
    blank_box = render(blank)[1]
    assert blank_box.width > 2 and blank_box.height > 1
    plt.close("all")


def test_a_figure_legend_stays_where_the_layout_put_it(monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    """A figure legend is anchored to the box drawn, which ``render``'s canvas enlarges:
    unpinned, it moved to the canvas's top edge (a second drawing, and a PNG whose legend
    sat elsewhere than the SVG's)."""
    from casestudy.plots import _style

    drawn, rgba = [], _style.rgba
    monkeypatch.setattr(_style, "rgba", lambda *a: drawn.append(a) or rgba(*a))
    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    ax.plot([0, 1], [0, 1], label="a line")
    legend = fig.legend(loc="outside upper center")
    box = _style.render(fig)[1]
    assert len(drawn) == 1
    assert 2.95 < box.y1 < 3.1  # the legend's top, at the figure's, and the padding
    assert legend.get_bbox_to_anchor() is fig.bbox  # unpinned again
    plt.close(fig)


@pytest.mark.parametrize("width", [2.0, 8.286666666666665, 9.113333333333333, 13.34])
def test_rgba_is_savefigs_pixels(width):
    """The canvas size comes from the bytes Agg drew; its pixels are savefig's. A box a
    whole number of pixels wide is, in floating point, a hair less (report 03's framework
    matrix: 8.286666666666665 inches, 1242.9999999999998 pixels at 150 dpi, which Agg drew
    1243 wide): truncated, that failed once."""
    from matplotlib.transforms import Bbox

    from casestudy.plots._style import rgba, use_style

    use_style()
    fig, ax = plt.subplots(figsize=(width - 0.2, 2))
    ax.plot([0, 1], [0, 1])
    box = Bbox.from_bounds(-0.1, -0.2, width, 2.3)
    ours = rgba(fig, box, 150)
    reference = io.BytesIO()
    fig.savefig(reference, format="png", bbox_inches=box)
    plt.close(fig)
    assert np.array_equal(ours, _pixels(reference.getvalue()))

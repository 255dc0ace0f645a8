"""Show a figure in a report: save it, number it, caption it, describe it, close it.

``plots.show(fig, "02_spending", caption=…)`` is the last expression of a notebook cell;
it renders as

.. code-block:: html

    <figure class="cs-figure" id="fig-2-1">
      <img src="data:image/png;base64,…" alt="The finding. Line chart in 4 panels: …">
      <figcaption>Figure 2.1: The finding. Sources: <a class="cite" href="#ref-N1">N1</a>…
    </figure>

The image is the PNG written to ``figures/`` (the same bytes every build, see
``savefig``), scaled down when it has more pixels than the page shows, so the report and
the figure files never disagree.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from PIL import Image

from casestudy import captions
from casestudy.errors import CaseStudyError
from casestudy.plots._style import (
    SOURCE_IDS_ATTR,
    Saved,
    encode_png,
    render_dpi,
    save_files,
)
from casestudy.plots.alt import alt_text, sentence

#: Width at which a figure is shown in the report (the page's text column), in CSS pixels.
SHOWN_WIDTH = 860
#: Image pixels per CSS pixel in the page: sharp on high-density screens, and no more, so
#: that large small-multiples keep a report under its size budget.
DENSITY = 2.0


@dataclass
class ShownFigure:
    """A saved, numbered figure: its files, caption, alt text and sources."""

    name: str
    number: str
    caption: str
    alt: str
    files: list[Path]
    source_ids: list[str] = field(default_factory=list)
    width_px: int = 0
    height_px: int = 0
    image: bytes = field(default=b"", repr=False)

    @property
    def anchor(self) -> str:
        """The figure's HTML id, e.g. ``fig-2-1``, for links from other reports."""
        return captions.anchor("fig", self.number)

    @property
    def png(self) -> Path:
        return next(p for p in self.files if p.suffix == ".png")

    @property
    def shown_size(self) -> tuple[int, int]:
        """Width and height in CSS pixels at which the page shows the figure."""
        # The PNG is saved at 1.5x the screen resolution: shown at 2/3 of its pixel width
        # (capped by the column), text in it comes out at the house font size.
        width = min(round(self.width_px / 1.5), SHOWN_WIDTH)
        return width, round(self.height_px * width / self.width_px)

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.image or self.png.read_bytes()).decode("ascii")
        note = captions.sources_sentence(self.source_ids)
        width, height = self.shown_size
        return (f'<figure class="cs-figure" id="{self.anchor}" style="margin:1.2em 0">'
                f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}" '
                f'width="{width}" height="{height}" style="max-width:100%;height:auto">'
                f'<figcaption>Figure {html.escape(self.number)}: {html.escape(self.caption)}'
                f'{" " + note if note else ""}</figcaption></figure>')

    def __repr__(self) -> str:
        return f"Figure {self.number}: {self.caption} ({self.png.name})"


def _title(fig: Figure) -> str:
    suptitle = fig.get_suptitle()
    if suptitle:
        return suptitle
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    return titles[0] if len(titles) == 1 else ""


def show(fig: Figure | Axes, name: str, *, caption: str | None = None,
         source_ids: Iterable[str] | None = None, alt: str | None = None,
         directory: Path | None = None) -> ShownFigure:
    """Save ``fig`` as ``figures/NAME.png|.svg``, close it, and return it numbered and captioned.

    - ``caption``: the finding in one sentence; defaults to the figure's title (suptitle,
      or the single panel's title), and a figure with neither must be given one.
    - ``source_ids``: ids for the caption's source note; defaults to the ids the figure's
      ``source_footer`` cited. Unknown ids raise.
    - ``alt``: detail to add to the alternative text, which is otherwise generated from
      the figure itself (chart kind, axes, series, period, cases) after the caption.
    - ``directory``: where the files go (default ``figures/``, as ``savefig``).

    The figure is closed, so the notebook does not show it a second time, and nothing is
    printed.

    >>> import matplotlib, tempfile, pathlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([2000, 2001], [1, 2], label="Italy"); _ = ax.legend()
    >>> shown = show(fig, "doc_example", caption="Italy rose.", source_ids=["I1"],
    ...              directory=pathlib.Path(tempfile.mkdtemp()))
    >>> shown.alt.startswith("Italy rose. Line chart.")
    True
    >>> plt.fignum_exists(fig.number)
    False
    """
    figure = fig.figure if isinstance(fig, Axes) else fig
    if not isinstance(figure, Figure):
        raise CaseStudyError(
            f"plots.show({name!r}): expected a matplotlib Figure or Axes, got "
            f"{type(fig).__name__}"
        )
    try:
        text = sentence(caption if caption is not None else _title(figure))
        if not text:
            raise CaseStudyError(
                f"plots.show({name!r}): no caption and the figure has no title; pass "
                "caption='the finding in one sentence'"
            )
        ids = captions.source_ids(source_ids if source_ids is not None
                                  else getattr(figure, SOURCE_IDS_ATTR, None))
        saved = save_files(figure, name, directory=directory)
        # Described after saving: the figure has been drawn, so its tick labels exist.
        description = alt_text(figure, text, alt)
        shown = ShownFigure(name, captions.next_number("figure"), text, description,
                            saved.files, ids)
        shown.width_px, shown.height_px = saved.image.size
        shown.image = _page_image(figure, shown, saved)
    finally:
        # Closed even on error: a half-shown figure must not pop up under the cell.
        plt.close(figure)
    return shown


def _page_image(figure: Figure, shown: ShownFigure, saved: Saved) -> bytes:
    """The PNG for the page: the saved file, or, when that has more than ``DENSITY`` pixels
    per CSS pixel shown, its image scaled down to ``DENSITY`` (Lanczos, as a browser would
    scale it: 0.15 s for the 42-panel ICB chart, where drawing it again at that resolution
    took 0.6-0.9 s)."""
    wanted = round(shown.shown_size[0] * DENSITY)
    if shown.width_px <= wanted:
        return saved.png
    height = round(shown.height_px * wanted / shown.width_px)
    small = saved.image.resize((wanted, height), Image.Resampling.LANCZOS)
    return encode_png(small, render_dpi(figure) * wanted / shown.width_px)

"""Style, colours, footers and file output shared by every figure."""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PIL import Image

from casestudy import data

#: Attribute of a Figure holding the source ids its footer cites, for ``plots.show``.
SOURCE_IDS_ATTR = "_casestudy_source_ids"
#: ``gid`` of the footer text, so alt text does not read publishers' names as cases shown.
FOOTER_GID = "casestudy-source-footer"

_RC = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    # Fixed ids and no timestamps make SVG output byte-identical between builds.
    "svg.hashsalt": "casestudy",
    "svg.fonttype": "path",
}


def use_style() -> None:
    """Apply the house style to matplotlib (idempotent)."""
    mpl.rcParams.update(_RC)


def new_axes(ax: Axes | None = None, *, figsize: tuple[float, float] = (7, 4)) -> Axes:
    """Return ``ax`` or a fresh Axes in the house style."""
    if ax is not None:
        return ax
    use_style()
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def source_footer(target: Figure | Axes, source_ids: Iterable[str], *,
                  note: str | None = None, max_named: int = 6) -> str:
    """Write "Sources: …" under the figure, built from source ids; returns the text.

    Up to ``max_named`` sources are named ("Publisher (year)"); beyond that the footer lists
    the ids, whose full citations are in ``data/raw/sources.csv``. Unknown ids raise, so a
    figure can never cite a source the project does not list. The ids are kept on the
    figure: ``plots.show`` links them in the caption.
    """
    from casestudy import sources

    fig = target.figure if isinstance(target, Axes) else target
    ids = sources.split_ids(list(source_ids))
    named = sources.short(ids)
    if named.count(";") + 1 <= max_named:
        text = f"Sources: {named}."
    else:
        text = (f"Sources: {len(ids)} documents, ids {', '.join(ids)} "
                "(citations in data/raw/sources.csv).")
    if note:
        text = f"{note} {text}"
    chars = int(fig.get_figwidth() / (7 / 72 * 0.52))
    # Below the axes (negative y): savefig's tight bounding box grows to include it.
    fig.text(0.005, -0.01, textwrap.fill(text, chars), ha="left", va="top", fontsize=7,
             color="#444444", gid=FOOTER_GID)
    cited = getattr(fig, SOURCE_IDS_ATTR, [])
    setattr(fig, SOURCE_IDS_ATTR, list(dict.fromkeys([*cited, *ids])))
    return text


def savefig(fig: Figure, name: str, *, directory: Path | None = None) -> list[Path]:
    """Save ``fig`` as ``NAME.png`` and ``NAME.svg`` in ``figures/``, atomically.

    Metadata that changes between runs (dates, random ids) is switched off, so the same
    figure gives the same bytes every build. Both files are cut to the same box: what the
    figure drew (footers below the axes included), padded by ``savefig.pad_inches``.
    """
    return save_files(fig, name, directory=directory).files


class Saved(NamedTuple):
    """What ``save_files`` wrote: the files, and the PNG's image and bytes, so that the page
    (``plots.show``) is made from them rather than read back or drawn again."""

    files: list[Path]
    image: Image.Image
    png: bytes


def save_files(fig: Figure, name: str, *, directory: Path | None = None) -> Saved:
    """``savefig``, also returning the PNG's image and bytes (``Saved``)."""
    use_style()
    directory = directory or data.figures_dir()
    image, bbox = render(fig)
    png = encode_png(image, render_dpi(fig))
    out = []
    with layout_done(fig):
        for ext in ("png", "svg"):
            target = directory / f"{name}.{ext}"
            with data.atomic_path(target) as tmp:
                if ext == "png":
                    tmp.write_bytes(png)
                else:
                    fig.savefig(tmp, format="svg", metadata={"Date": None, "Creator": None},
                                bbox_inches=bbox)
            data.record_dependency("W", target)
            out.append(target)
    return Saved(out, image, png)


#: Blank inches drawn round a figure and its free-standing texts by ``render``, for what
#: lies outside them (tick labels, titles) to be found.
RENDER_MARGIN = 1.0


def render(fig: Figure) -> tuple[Image.Image, Bbox]:
    """The figure drawn by Agg at ``savefig.dpi``, cut to what it drew padded by
    ``savefig.pad_inches``: the image, RGB when opaque, and the box (inches) it covers.

    ``bbox_inches="tight"`` measures every artist (laying out all text, about as long as
    drawing the figure) before drawing it. Here the figure is drawn once on a canvas that
    holds it and its free-standing texts and legends with ``RENDER_MARGIN`` blank inches
    round them, and cut where the background ends. Only when what it drew reaches the
    canvas's edge (or it drew nothing) is it measured as savefig measures it, and drawn
    again. The layout engine, if any, runs once first, at that resolution.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    >>> _ = fig.text(0, -0.05, "A footer under the figure", va="top")
    >>> image, box = render(fig)
    >>> image.mode, image.size == (round(box.width * 150), round(box.height * 150))
    ('RGB', True)
    >>> bool(box.y0 < -0.15)  # the footer, below the figure, is in
    True
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> bool(render(fig)[1].x0 > 0)  # the blank strip left of the axis labels is cut off
    True
    >>> plt.close("all")
    """
    dpi = render_dpi(fig)
    engine = fig.get_layout_engine()
    if engine is not None:
        # Laid out at the resolution drawn, as savefig lays out: hinted text is not exactly
        # proportional to the dpi, and long titles at the edges would otherwise be clipped.
        # The engine alone, not savefig's dry-run draw of the whole figure around it: the
        # same layout (and pixels), in two thirds of the time.
        with _at_dpi(fig, dpi):
            engine.execute(fig)
    pad = round(mpl.rcParams["savefig.pad_inches"] * dpi)
    with layout_done(fig):
        with _at_dpi(fig, dpi):
            canvas = _canvas(fig, dpi)
        pixels = rgba(fig, canvas, dpi)
        rows_px, cols_px = pixels.shape[:2]
        # The canvas's corner lies in the margin, so it holds the background.
        words = pixels.view(np.uint32)[..., 0]
        drawn = words != words[0, 0]
        rows = np.flatnonzero(drawn.any(axis=1))
        cols = np.flatnonzero(drawn.any(axis=0))
        top, bottom, left, right = 0, 0, 0, 0
        if len(rows):
            top, bottom = rows[0] - pad, rows[-1] + 1 + pad
            left, right = cols[0] - pad, cols[-1] + 1 + pad
        if min(top, left) < 1 or bottom >= rows_px or right >= cols_px:
            with _at_dpi(fig, dpi):
                box = fig.get_tightbbox(_renderer(fig)).padded(pad / dpi)
            return _image(rgba(fig, box, dpi)), box
    box = Bbox.from_extents(canvas.x0 + left / dpi, canvas.y0 + (rows_px - bottom) / dpi,
                            canvas.x0 + right / dpi, canvas.y0 + (rows_px - top) / dpi)
    return _image(pixels[top:bottom, left:right]), box


def _canvas(fig: Figure, dpi: float) -> Bbox:
    """What ``render`` draws on (inches, whole pixels at ``dpi``): the figure, grown to hold
    its free-standing texts and legends (which are placed outside it: footers, keys below
    the panels), and ``RENDER_MARGIN`` round that for the rest (tick labels, titles)."""
    renderer = _renderer(fig)
    free = [*fig.texts, *fig.legends]
    for ax in fig.axes:
        free += [*ax.texts, *([ax.legend_] if ax.legend_ else [])]
    drawn = Bbox.union([fig.bbox, *(a.get_window_extent(renderer) for a in free
                                    if a.get_visible())])
    inches = drawn.transformed(fig.dpi_scale_trans.inverted()).padded(RENDER_MARGIN)
    return Bbox.from_extents(math.floor(inches.x0 * dpi) / dpi, math.floor(inches.y0 * dpi) / dpi,
                             math.ceil(inches.x1 * dpi) / dpi, math.ceil(inches.y1 * dpi) / dpi)


def render_dpi(fig: Figure) -> float:
    """The resolution figures are saved at: ``savefig.dpi``, or the figure's own."""
    dpi = mpl.rcParams["savefig.dpi"]
    return float(fig.dpi if dpi == "figure" else dpi)


def rgba(fig: Figure, bbox: Bbox, dpi: float) -> np.ndarray:
    """The figure's pixels as Agg draws them for ``savefig(bbox_inches=bbox, dpi=dpi)``:
    an array of rows × columns × RGBA."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=dpi, bbox_inches=bbox)
    raw = buffer.getvalue()
    # Agg's canvas is the box at this dpi in whole pixels, truncated after matplotlib's own
    # transforms: a pixel either way of ours, so the size is the one the bytes fit.
    size = len(raw) // 4
    fits = [(w, size // w) for w in {math.floor(bbox.width * dpi), math.ceil(bbox.width * dpi)}
            if size % w == 0 and abs(size // w - bbox.height * dpi) <= 1]
    if len(fits) != 1:
        raise ValueError(f"the figure drew {size} pixels, which no canvas of about "
                         f"{bbox.width * dpi:.1f} x {bbox.height * dpi:.1f} holds")
    width, height = fits[0]
    return np.frombuffer(raw, np.uint8).reshape(height, width, 4)


def _image(pixels: np.ndarray) -> Image.Image:
    image = Image.fromarray(pixels, "RGBA")
    # RGB when every pixel is opaque, as the house style's are: savefig writes RGBA, a
    # third more to compress.
    return image.convert("RGB") if pixels[..., 3].min() == 255 else image


def encode_png(image: Image.Image, dpi: float) -> bytes:
    """``image`` as PNG bytes, at zlib level 3 (half savefig's writing time for a large
    figure, and a smaller file) and without text chunks (savefig would name matplotlib's
    version), so the bytes are the same every build.

    >>> png = encode_png(Image.new("RGB", (2, 1), "white"), 150)
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", png[25]  # colour type 2: RGB
    (True, 2)
    """
    out = io.BytesIO()
    image.save(out, format="png", dpi=(dpi, dpi), compress_level=3)
    return out.getvalue()


#: rcParams under which ``set_layout_engine(None)`` removes the engine rather than picking one.
_NO_AUTO_LAYOUT = {"figure.autolayout": False, "figure.constrained_layout.use": False}


@contextmanager
def layout_done(fig: Figure) -> Iterator[None]:
    """The figure's layout frozen for the block: its engine taken off (its last layout
    kept), and its legends anchored to the figure itself.

    Taken off, not replaced by matplotlib's ``"none"`` placeholder: with any engine set,
    even the placeholder, ``savefig`` first draws the whole figure once without output
    (for the engine to lay it out), which doubled the cost of every file written.
    A figure legend is anchored by default to the box being drawn, which ``bbox_inches``
    swaps for the box asked for: on ``render``'s larger canvas, or on the file's box, it
    would move off the place the layout made for it.
    """
    engine = fig.get_layout_engine()
    unanchored = [legend for legend in fig.legends if legend._bbox_to_anchor is None]
    with mpl.rc_context(_NO_AUTO_LAYOUT):
        fig.set_layout_engine(None)
    for legend in unanchored:
        legend.set_bbox_to_anchor(Bbox.unit(), fig.transFigure)
    try:
        yield
    finally:
        for legend in unanchored:
            legend.set_bbox_to_anchor(None)
        with mpl.rc_context(_NO_AUTO_LAYOUT):
            fig.set_layout_engine(engine)


@contextmanager
def _at_dpi(fig: Figure, dpi: float) -> Iterator[None]:
    shown_dpi = fig.dpi
    fig.set_dpi(dpi)
    try:
        yield
    finally:
        fig.set_dpi(shown_dpi)


def _renderer(fig: Figure) -> RendererBase:
    """A renderer to measure ``fig`` with: its own canvas's, or an off-screen Agg one."""
    get = getattr(fig.canvas, "get_renderer", None)
    if get is not None:
        return get()
    from matplotlib.backends.backend_agg import RendererAgg

    width, height = fig.bbox.size
    return RendererAgg(int(width), int(height), fig.dpi)

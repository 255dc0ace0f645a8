"""Style, colours, footers and file output shared by every figure."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

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
    figure gives the same bytes every build. Both files are cut to the figure's tight
    bounding box (footers below the axes included).
    """
    return save_files(fig, name, directory=directory)[0]


def save_files(fig: Figure, name: str, *, directory: Path | None = None
               ) -> tuple[list[Path], Bbox]:
    """``savefig``, also returning the bounding box the files were cut to, so that further
    renderings (``plots.show``'s page image) need not measure the figure again."""
    use_style()
    directory = directory or data.figures_dir()
    out = []
    # ``bbox_inches="tight"`` lays out and draws the figure once more for every file just to
    # measure it; on a many-panel figure that doubles the cost of saving. Laid out and
    # measured once here, the files are drawn once each.
    bbox = tight_bbox(fig)
    with layout_done(fig):
        for ext in ("png", "svg"):
            target = directory / f"{name}.{ext}"
            with data.atomic_path(target) as tmp:
                if ext == "png":
                    tmp.write_bytes(png_bytes(fig, bbox))
                else:
                    fig.savefig(tmp, format="svg", metadata={"Date": None, "Creator": None},
                                bbox_inches=bbox)
            data.record_dependency("W", target)
            out.append(target)
    return out, bbox


def png_bytes(fig: Figure, bbox: Bbox, dpi: float | None = None) -> bytes:
    """The figure as a PNG cut to ``bbox`` (inches), at ``dpi`` (default ``savefig.dpi``).

    Drawn by Agg exactly as ``savefig`` draws it, but written as RGB when every pixel is
    opaque, as the house style's are (``savefig`` writes RGBA: a third more to compress)
    and at zlib level 3: half the writing time of a large figure, and a smaller file. No
    text chunks (``savefig`` would name matplotlib's version), so the bytes are the same
    every build.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(2, 1))
    >>> png = png_bytes(fig, tight_bbox(fig))
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", png[25]  # colour type 2: RGB
    (True, 2)
    >>> plt.close(fig)
    """
    import io

    import numpy as np
    from PIL import Image

    dpi = dpi or mpl.rcParams["savefig.dpi"]
    dpi = float(fig.dpi if dpi == "figure" else dpi)
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
    pixels = np.frombuffer(raw, np.uint8).reshape(height, width, 4)
    image = Image.fromarray(pixels, "RGBA")
    if pixels[..., 3].min() == 255:
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="png", dpi=(dpi, dpi), compress_level=3)
    return out.getvalue()


#: rcParams under which ``set_layout_engine(None)`` removes the engine rather than picking one.
_NO_AUTO_LAYOUT = {"figure.autolayout": False, "figure.constrained_layout.use": False}


@contextmanager
def layout_done(fig: Figure) -> Iterator[None]:
    """The figure's layout engine taken off (its last layout kept) for the block.

    Taken off, not replaced by matplotlib's ``"none"`` placeholder: with any engine set,
    even the placeholder, ``savefig`` first draws the whole figure once without output
    (for the engine to lay it out), which doubled the cost of every file written.
    """
    engine = fig.get_layout_engine()
    with mpl.rc_context(_NO_AUTO_LAYOUT):
        fig.set_layout_engine(None)
    try:
        yield
    finally:
        with mpl.rc_context(_NO_AUTO_LAYOUT):
            fig.set_layout_engine(engine)


def tight_bbox(fig: Figure) -> Bbox:
    """The figure's tight bounding box in inches, padded as ``savefig`` pads it.

    Runs the figure's layout engine once (as ``savefig`` would), so the figure can then be
    saved with the engine switched off and this box as ``bbox_inches``.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    >>> box = tight_bbox(fig)
    >>> bool(0 < box.width <= 4 + 2 * plt.rcParams["savefig.pad_inches"])
    True
    >>> plt.close(fig)
    """
    dpi = mpl.rcParams["savefig.dpi"]
    shown_dpi = fig.dpi
    # Measured at the PNG's resolution, as savefig measures it: hinted text is not exactly
    # proportional to the dpi, and long titles at the edges would otherwise be clipped.
    fig.set_dpi(shown_dpi if dpi == "figure" else dpi)
    try:
        if fig.get_layout_engine() is not None:
            fig.draw_without_rendering()
        box = fig.get_tightbbox(_renderer(fig))
    finally:
        fig.set_dpi(shown_dpi)
    return box.padded(mpl.rcParams["savefig.pad_inches"])


def _renderer(fig: Figure) -> RendererBase:
    """A renderer to measure ``fig`` with: its own canvas's, or an off-screen Agg one."""
    get = getattr(fig.canvas, "get_renderer", None)
    if get is not None:
        return get()
    from matplotlib.backends.backend_agg import RendererAgg

    width, height = fig.bbox.size
    return RendererAgg(int(width), int(height), fig.dpi)

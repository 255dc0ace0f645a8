"""The XY plot of set relations (sufficiency: X against Y with the diagonal)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.text import Annotation

from casestudy.qca.truthtable import coverage, fuzzy_incl, fuzzy_pri


def xy_plot(data: pd.DataFrame, *, x: str, y: str, label: str | None = None,
            ax: Axes | None = None, color: str = "#2b6c8f") -> Axes:
    """Scatter ``x`` against ``y`` in the unit square with the diagonal.

    Cases above the diagonal are consistent with "X is sufficient for Y"; the legend gives
    inclS = Σ min(X, Y) / Σ X, PRI and covS = Σ min(X, Y) / Σ Y.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"X": [0.2, 0.8], "Y": [0.4, 0.9]})
    >>> xy_plot(df, x="X", y="Y").get_legend().get_texts()[0].get_text()
    'inclS 1.000, PRI 1.000, covS 0.769'
    """
    from casestudy.plots import new_axes

    ax = new_axes(ax, figsize=(5, 5))
    xv = data[x].to_numpy(dtype=float)
    yv = data[y].to_numpy(dtype=float)
    text = (f"inclS {fuzzy_incl(xv, yv):.3f}, PRI {fuzzy_pri(xv, yv):.3f}, "
            f"covS {coverage(xv, yv):.3f}")
    ax.scatter(xv, yv, color=color, s=28, zorder=3, label=text)
    unit_square(ax)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    legend = ax.legend(loc="upper left", fontsize=7, frameon=True)
    if label is not None:
        place_labels(ax, shared_labels(xv, yv, data[label], sep=", "), avoid=[legend])
    return ax


def unit_square(ax: Axes, *, crossover: bool = True) -> Axes:
    """Frame ``ax`` as the unit square of set memberships: the dashed diagonal, equal aspect,
    a small margin, and (``crossover``) faint lines at the 0.5 crossover on both axes.

    >>> from casestudy.plots import new_axes
    >>> ax = unit_square(new_axes())
    >>> [float(v) for v in ax.get_xlim()], ax.get_aspect(), len(ax.lines)
    ([-0.03, 1.03], 1.0, 3)
    """
    ax.plot([0, 1], [0, 1], color="#444444", lw=0.8, ls="--", zorder=1)
    if crossover:
        ax.axhline(0.5, color="#bbbbbb", lw=0.6, zorder=0)
        ax.axvline(0.5, color="#bbbbbb", lw=0.6, zorder=0)
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(-0.03, 1.03)
    ax.set_aspect("equal")
    return ax


def shared_labels(x: Sequence[float], y: Sequence[float], labels: Sequence[object], *,
                  per_line: int = 3, sep: str = ",") -> list[tuple[float, float, str]]:
    """One ``(x, y, text)`` spot per distinct point (to 6 decimals), its labels wrapped by
    :func:`wrap_labels` in the order given, so points at the same place share one label
    and none is drawn over another; spots sorted by x, then y (for :func:`place_labels`).

    >>> shared_labels([0.5, 0.2, 0.5], [1.0, 0.0, 1.0], ["a", "b", "c"])
    [(0.2, 0.0, 'b'), (0.5, 1.0, 'a,c')]
    """
    points = pd.DataFrame({"x": np.round(np.asarray(x, dtype=float), 6),
                           "y": np.round(np.asarray(y, dtype=float), 6),
                           "label": [str(v) for v in labels]})
    return [(float(xi), float(yi), wrap_labels(list(group["label"]), per_line=per_line, sep=sep))
            for (xi, yi), group in points.groupby(["x", "y"], sort=True)]


def wrap_labels(names: Sequence[str], *, per_line: int = 3, sep: str = ",") -> str:
    """Names joined by ``sep``, ``per_line`` to a line, so a crowded point's label stays
    narrow.

    >>> print(wrap_labels(["10", "14", "30", "31"], per_line=3))
    10,14,30,
    31
    """
    lines = [sep.join(names[i:i + per_line]) for i in range(0, len(names), per_line)]
    return f"{sep.rstrip()}\n".join(lines)


# Offsets (points) tried in turn around a point: the four corners first, then above and
# below, each ring further out; the last rings draw a leader line back to the point.
_CORNERS = ((1, 0.8, "left", "bottom"), (1, -0.8, "left", "top"),
            (-1, 0.8, "right", "bottom"), (-1, -0.8, "right", "top"),
            (0, 1.6, "center", "bottom"), (0, -1.6, "center", "top"))
_RINGS = (4, 10, 18, 28, 40)


def place_labels(ax: Axes, spots: Sequence[tuple[float, float, str]], *,
                 fontsize: float = 7, avoid: Sequence = (), gap: float = 3.0
                 ) -> list[Annotation]:
    """Label points so that no label comes within ``gap`` pixels of another label, of
    another labelled point, of the axes' edge or of an artist in ``avoid`` (a legend).

    A greedy placement in the order given (deterministic): each label takes the first
    free position around its point (corners, then above and below, further out ring by
    ring, with a leader line beyond the first two rings); where the points leave no room
    it settles for a place clear of the other labels only, and failing that keeps the
    last place tried. Each label is measured once and the candidate places are boxes
    computed from that size, so hundreds of points take well under a second.
    """
    # Settle the (constrained) layout first: positions measured before it would move.
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    px = ax.figure.dpi / 72  # pixels per point
    taken = [tuple(artist.get_window_extent(renderer).extents) for artist in avoid
             if artist is not None]
    centres = ax.transData.transform([(x, y) for x, y, _ in spots]) if len(spots) else []
    points = np.array([(cx - 4, cy - 4, cx + 4, cy + 4) for cx, cy in centres])
    out = []
    for k, (x, y, text) in enumerate(spots):
        probe = ax.annotate(text, (x, y), fontsize=fontsize)
        size = probe.get_window_extent(renderer)
        probe.remove()
        w, h = size.width, size.height
        cx, cy = centres[k]
        choice = None
        others_points = np.delete(points, k, axis=0)
        for others in (np.vstack([np.array(taken).reshape(-1, 4), others_points]),
                       np.array(taken).reshape(-1, 4)):
            for ring, step in enumerate(_RINGS):
                for dx, dy, ha, va in _CORNERS:
                    ax0 = cx + dx * step * px
                    ay0 = cy + dy * step * px
                    x0 = {"left": ax0, "right": ax0 - w, "center": ax0 - w / 2}[ha]
                    y0 = ay0 if va == "bottom" else ay0 - h
                    box = (x0 - gap, y0 - gap, x0 + w + gap, y0 + h + gap)
                    choice = (dx * step, dy * step, ha, va, ring)
                    inside = (box[0] >= frame.x0 and box[2] <= frame.x1
                              and box[1] >= frame.y0 and box[3] <= frame.y1)
                    clash = len(others) and bool(np.any(
                        (box[0] < others[:, 2]) & (box[2] > others[:, 0])
                        & (box[1] < others[:, 3]) & (box[3] > others[:, 1])))
                    if inside and not clash:
                        break
                else:
                    continue
                break
            else:
                continue
            break
        ox, oy, ha, va, ring = choice
        arrow = {"arrowstyle": "-", "lw": 0.5, "color": "#777777"} if ring > 1 else None
        ann = ax.annotate(text, (x, y), xytext=(ox, oy), textcoords="offset points",
                          ha=ha, va=va, fontsize=fontsize, arrowprops=arrow)
        taken.append(tuple(ann.get_window_extent(renderer).extents))
        out.append(ann)
    return out

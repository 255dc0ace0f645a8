"""The XY plot of set relations (sufficiency: X against Y with the diagonal)."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

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
    ax.plot([0, 1], [0, 1], color="#444444", lw=0.8, ls="--", zorder=1)
    ax.axhline(0.5, color="#bbbbbb", lw=0.6, zorder=0)
    ax.axvline(0.5, color="#bbbbbb", lw=0.6, zorder=0)
    if label is not None:
        # Cases at the same point share one label, so none is drawn over another.
        points = pd.DataFrame({"x": xv.round(6), "y": yv.round(6),
                               "label": data[label].astype(str).to_numpy()})
        for (xi, yi), group in points.groupby(["x", "y"], sort=True):
            names = list(group["label"])
            text_i = ",\n".join(", ".join(names[i:i + 3]) for i in range(0, len(names), 3))
            ax.annotate(text_i, (xi, yi), fontsize=7, xytext=(4, 3), va="bottom",
                        textcoords="offset points")
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(-0.03, 1.03)
    ax.set_aspect("equal")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(loc="upper left", fontsize=7, frameon=True)
    return ax

"""Layout at the width a figure is shown: texts that must not run into each other."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from casestudy.plots import trend_grid


def test_trend_grid_panel_titles_do_not_overlap() -> None:
    # SYNTHETIC values; the titles are the two that ran together in report 02.
    titles = {"a": "Government share of health expenditure, %",
              "b": "Out-of-pocket share of health expenditure, %"}
    df = pd.DataFrame({"geography": "NLD", "indicator": ["a", "a", "b", "b"],
                       "year": [2000, 2001] * 2, "value": [1.0, 2.0, 3.0, 4.0]})
    fig = trend_grid(df, titles=titles, col_wrap=2, source=None)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    left, right = (ax.title.get_window_extent(renderer) for ax in fig.axes[:2])
    assert left.x1 < right.x0
    assert "\n" in fig.axes[0].get_title()
    plt.close(fig)

"""The house style: registry colours, source footers, deterministic figure files, and
``show``: a figure numbered, captioned and described (alt text) for a report.

Every plotting function takes ``data=`` plus column names, accepts ``ax=``, and returns
the matplotlib Axes (or Figure for small multiples) it drew on, as seaborn does.
"""

from casestudy.plots._style import (
    new_axes,
    savefig,
    source_footer,
    use_style,
)
from casestudy.plots.alt import alt_text, describe
from casestudy.plots.funnel import funnel
from casestudy.plots.show import ShownFigure, show
from casestudy.plots.timeline import timeline
from casestudy.plots.trends import dispersion, indexed_trend, latest_dotplot, trend_grid

__all__ = ["ShownFigure", "alt_text", "describe", "dispersion", "funnel", "indexed_trend",
           "latest_dotplot", "new_axes", "savefig", "show", "source_footer", "timeline",
           "trend_grid", "use_style"]

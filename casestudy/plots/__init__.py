"""The house style: registry colours, source footers, deterministic figure files.

Every plotting function takes ``data=`` plus column names, accepts ``ax=``, and returns
the matplotlib Axes (or Figure for small multiples) it drew on, as seaborn does.
"""

from casestudy.plots._style import (
    new_axes,
    savefig,
    source_footer,
    use_style,
)
from casestudy.plots.funnel import funnel
from casestudy.plots.timeline import timeline
from casestudy.plots.trends import dispersion, indexed_trend, latest_dotplot, trend_grid

__all__ = ["dispersion", "funnel", "indexed_trend", "latest_dotplot", "new_axes",
           "savefig", "source_footer", "timeline", "trend_grid", "use_style"]

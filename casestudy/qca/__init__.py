"""Qualitative Comparative Analysis (crisp, multi-value and fuzzy sets).

The vocabulary and numbers of R's QCA package (Dușa): calibrate → truth_table → minimize
(conservative, parsimonious, intermediate; all prime implicants and all minimal models) →
parameters of fit; necessity for single conditions and disjunctions. After the solution,
as R's SetMethods (Oana, Schneider, Thomann) does: robustness sweeps, sensitivity ranges
and robustness fit (Oana and Schneider 2021), cluster diagnostics for pooled data
(García-Castro and Ariño 2016) and case selection for within-case study (Schneider and
Rohlfing 2013).

>>> import pandas as pd
>>> from casestudy import qca
>>> df = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]})
>>> print(qca.minimize(qca.truth_table(df, "Y"), include="?"))
M1: A <-> Y
"""

from casestudy.qca.calibrate import calibrate
from casestudy.qca.case_selection import CaseSelection, case_selection
from casestudy.qca.clusters import ClusterDiagnostics, cluster_diagnostics, cluster_fit
from casestudy.qca.minimize import minimal_covers, minimize, prime_implicants, standard_analysis
from casestudy.qca.necessity import necessity, necessity_fit
from casestudy.qca.plot import xy_plot
from casestudy.qca.robustness import (
    Robustness,
    RobustnessFit,
    RobustnessRanges,
    robustness,
    robustness_fit,
    robustness_ranges,
)
from casestudy.qca.solution import Solution
from casestudy.qca.tidy import sets_wide
from casestudy.qca.truthtable import TruthTable, truth_table

__all__ = [
    "CaseSelection",
    "ClusterDiagnostics",
    "Robustness",
    "RobustnessFit",
    "RobustnessRanges",
    "Solution",
    "TruthTable",
    "calibrate",
    "case_selection",
    "cluster_diagnostics",
    "cluster_fit",
    "minimal_covers",
    "minimize",
    "necessity",
    "necessity_fit",
    "prime_implicants",
    "robustness",
    "robustness_fit",
    "robustness_ranges",
    "sets_wide",
    "standard_analysis",
    "truth_table",
    "xy_plot",
]

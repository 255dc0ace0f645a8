"""Scotland's partnerships on official measures: the dataset of the exploratory QCA (notebook 08).

One row per health and social care partnership (31), built only from the committed
extracts of official data:

=========================  ===============================================================
``dd_before``, ``dd_after``  delayed bed days, people aged 18+, all reasons, summed over
                           ``BEFORE`` (Mar 2017-Feb 2018) and ``AFTER`` (Mar 2019-Feb
                           2020): two twelve-month periods ending in February, so the
                           seasons match and the later one ends before COVID-19 (March
                           2020)
``dd_change_pct``          100 × (after − before) / before
``care_at_home``           people receiving care at home per 1,000, mean of the four
                           quarters of 2018 (the file starts in Q1 2018); for
                           Clackmannanshire and Stirling the unweighted mean of its two
                           councils (the file gives rates, not counts)
``care_at_home_change``    mean of 2019's quarters − mean of 2018's
``partnerships_in_board``  how many partnerships share the partnership's NHS board
``board_ae_4h_pct``        the board's share of A&E attendances seen within 4 hours,
                           April 2018-March 2019 (from the summed counts)
``lead_agency``            1 for Highland, the only lead-agency partnership [S12], else 0
=========================  ===============================================================

``CALIBRATION`` gives the direct-method thresholds (full exclusion, crossover, full
inclusion) of each set and where they come from; ``partnership_sets`` applies them.
This is an exploratory analysis of official data, not a causal finding.

>>> from casestudy.indicators import local
>>> sorted(local.CALIBRATION)
['AE', 'CAH', 'CAHUP', 'REDUCED', 'SHARED']
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from casestudy import cases, data
from casestudy.errors import CaseStudyError
from casestudy.qca import calibrate

BEFORE = ("2017-03-01", "2018-02-01")
AFTER = ("2019-03-01", "2020-02-01")
AE_YEAR = ("2018-04-01", "2019-03-01")
HIGHLAND = "S37000016"


@dataclass(frozen=True)
class Threshold:
    """A set's raw column, its thresholds (e, c, i) and why they were chosen."""

    column: str
    thresholds: tuple[float, float, float]
    basis: str


CALIBRATION: dict[str, Threshold] = {
    "REDUCED": Threshold(
        "dd_change_pct", (20.0, 0.0, -20.0),
        "substantive: no change is the crossover; a fall (rise) of a fifth or more is "
        "fully in (out). Decreasing: the larger the fall, the more in"),
    "CAH": Threshold(
        "care_at_home", (11.0, 13.0, 16.0),
        "data's distribution: the partnerships' lower quartile, median and upper quartile "
        "of 2018 (11.3, 13.2 and 15.9 per 1,000), rounded to whole numbers"),
    "CAHUP": Threshold(
        "care_at_home_change", (-0.5, 0.05, 0.5),
        "substantive: a rise of more than 0.05 per 1,000 (half the 0.1 to which the rates "
        "are published, so a change the rounding cannot make) leans in; half a person per "
        "1,000 either way (about 4% of the median level) is full membership or "
        "non-membership"),
    "SHARED": Threshold(
        "partnerships_in_board", (1.0, 2.5, 4.0),
        "substantive: a board with one partnership is fully out; two is more out than "
        "in, three more in than out; four or more (Lothian, Greater Glasgow and Clyde) "
        "fully in"),
    "AE": Threshold(
        "board_ae_4h_pct", (85.0, 90.0, 95.0),
        "substantive: 95% is Scotland's four-hour standard (full membership); 85% is ten "
        "points below it (full non-membership, just below the lowest board, 85.9%); "
        "crossover half-way"),
}


def _mean_between(frame: pd.DataFrame, start: str, end: str, by: str) -> pd.Series:
    part = frame[(frame["period"] >= start) & (frame["period"] <= end)]
    return part.groupby(by)["value"]


def partnership_conditions(raw: Path | None = None) -> pd.DataFrame:
    """The raw measures of each partnership (see the module docstring), from the committed
    extracts ``phs_delayed_discharge_hscp``, ``phs_care_at_home`` and ``phs_ae_board``
    and the unit registry (council area → partnership → board).

    Raises if a partnership lacks a month of either period (the sums would not compare).
    """
    dd = data.load("phs_delayed_discharge_hscp", raw)
    dd = dd[dd["delay_reason"] == "All Delay Reasons"]
    out = dd.drop_duplicates("geography").set_index("geography")[["geography_name", "board"]]
    for name, (start, end) in (("dd_before", BEFORE), ("dd_after", AFTER)):
        grouped = _mean_between(dd, start, end, "geography")
        months = grouped.size().reindex(out.index)
        if (months != 12).any():
            short = months[months != 12].index[0]
            raise CaseStudyError(f"phs_delayed_discharge_hscp: {short} has "
                                 f"{months[short]} of the 12 months {start}..{end}")
        out[name] = grouped.sum()
    out["dd_change_pct"] = 100 * (out["dd_after"] - out["dd_before"]) / out["dd_before"]

    cah = data.load("phs_care_at_home", raw)
    councils = cases.units("SCO", kind="council_area").set_index("unit")["parent"]
    cah = cah.assign(hscp=cah["geography"].map(councils))
    year = cah["period"].dt.year
    by_council_2018 = cah[year == 2018].groupby(["hscp", "geography"])["value"].mean()
    by_council_2019 = cah[year == 2019].groupby(["hscp", "geography"])["value"].mean()
    out["care_at_home"] = by_council_2018.groupby(level="hscp").mean()
    out["care_at_home_change"] = (by_council_2019 - by_council_2018).groupby(
        level="hscp").mean()

    out["partnerships_in_board"] = out["board"].map(out["board"].value_counts())
    ae = data.load("phs_ae_board", raw)
    ae = ae[(ae["period"] >= AE_YEAR[0]) & (ae["period"] <= AE_YEAR[1])]
    counts = ae.pivot_table(index="geography", columns="indicator", values="value",
                            aggfunc="sum", observed=True)
    share = 100 * counts["ae_within_4_hours"] / counts["ae_attendances"]
    out["board_ae_4h_pct"] = out["board"].map(share)
    out["lead_agency"] = (out.index == HIGHLAND).astype(int)
    if out.isna().any().any():
        column = out.columns[out.isna().any()][0]
        raise CaseStudyError(f"partnership_conditions: {column} is missing for "
                             f"{', '.join(out.index[out[column].isna()])}")
    return out.reset_index().rename(columns={"geography": "hscp", "geography_name": "name"})


def partnership_sets(conditions: pd.DataFrame) -> pd.DataFrame:
    """Calibrated memberships (direct method, ``CALIBRATION``) plus the crisp ``LEAD``,
    indexed by partnership name, with ``hscp`` and ``board`` kept for cluster diagnostics.

    >>> import pandas as pd
    >>> row = pd.DataFrame({"hscp": ["S37000016"], "name": ["Highland"],
    ...     "board": ["S08000022"], "dd_change_pct": [-20.0], "care_at_home": [10.0],
    ...     "care_at_home_change": [0.5], "partnerships_in_board": [2],
    ...     "board_ae_4h_pct": [95.0], "lead_agency": [1]})
    >>> [float(v) for v in partnership_sets(row).iloc[0][["REDUCED", "CAH", "AE", "LEAD"]]]
    [0.953, 0.011, 0.953, 1.0]
    """
    out = pd.DataFrame(index=conditions["name"].to_numpy())
    for name, spec in CALIBRATION.items():
        with warnings.catch_warnings():
            # Substantive anchors may lie outside the observed range by design (AE's 85%);
            # calibration_table states every threshold, so the warning would only repeat it.
            warnings.filterwarnings("ignore", "calibrating", UserWarning)
            values = calibrate(conditions[spec.column].astype(float).to_numpy(),
                               thresholds=spec.thresholds)
        out[name] = values.to_numpy().round(3)
    out["LEAD"] = conditions["lead_agency"].to_numpy()
    out["hscp"] = conditions["hscp"].to_numpy()
    out["board"] = conditions["board"].to_numpy()
    return out[["CAH", "CAHUP", "SHARED", "AE", "LEAD", "REDUCED", "hscp", "board"]]


def calibration_table() -> pd.DataFrame:
    """The thresholds of every set and their basis, for the report."""
    rows = [{"set": name, "raw measure": t.column, "full exclusion": t.thresholds[0],
             "crossover": t.thresholds[1], "full inclusion": t.thresholds[2],
             "basis": t.basis} for name, t in CALIBRATION.items()]
    rows.append({"set": "LEAD", "raw measure": "lead_agency", "full exclusion": None,
                 "crossover": None, "full inclusion": None,
                 "basis": "crisp: 1 for Highland, the only lead-agency partnership"})
    return pd.DataFrame(rows)


def raw_sets(conditions: pd.DataFrame) -> pd.DataFrame:
    """The raw measure of each set under the set's name (``LEAD`` 0/1), indexed by
    partnership name: the frame ``qca.robustness`` and ``qca.robustness_ranges``
    recalibrate from, with ``thresholds()``."""
    out = pd.DataFrame({name: conditions[t.column].astype(float).to_numpy()
                        for name, t in CALIBRATION.items()},
                       index=conditions["name"].to_numpy())
    out["LEAD"] = conditions["lead_agency"].to_numpy()
    return out[["CAH", "CAHUP", "SHARED", "AE", "LEAD", "REDUCED"]]


def thresholds(**changes: tuple[float, float, float]) -> dict[str, tuple[float, float, float]]:
    """``CALIBRATION``'s thresholds by set name, with ``changes`` replacing some.

    >>> thresholds(AE=(80.0, 90.0, 95.0))["AE"]
    (80.0, 90.0, 95.0)
    """
    unknown = sorted(set(changes) - set(CALIBRATION))
    if unknown:
        raise CaseStudyError(f"thresholds: no set {', '.join(unknown)}; sets are "
                             f"{', '.join(CALIBRATION)}")
    return {name: tuple(changes.get(name, t.thresholds)) for name, t in CALIBRATION.items()}

"""The four cases: the single registry of codes, names, states, systems and colours.

Every table and plot takes its case order, labels and colours from here.

>>> from casestudy import cases
>>> cases.codes()
('NL', 'IT', 'SCO', 'ENG')
>>> cases.get("SCO").iso3166_2
'GB-SCT'
>>> cases.label("GBR")
'United Kingdom (Scotland and England)'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from casestudy.errors import CaseStudyError


@dataclass(frozen=True)
class Case:
    """One case of the study."""

    code: str
    name: str
    state_iso3: str
    iso3166_2: str | None
    system: str
    system_body: str
    colour: str


# Okabe & Ito (2008) colour-blind-safe palette: each hue stays distinct under the three
# common colour-vision deficiencies. Italy and England are close in greyscale, so plots
# that may be printed label lines directly rather than relying on colour alone.
CASES: tuple[Case, ...] = (
    Case("NL", "Netherlands", "NLD", None,
         "regional cooperation of municipalities, health insurers and care offices",
         "Integraal Zorgakkoord regions (zorgkantoor regions)", "#E69F00"),
    Case("IT", "Italy", "ITA", None,
         "regional health services: local health units (ASL) and their districts",
         "Aziende sanitarie locali (ASL) and districts", "#009E73"),
    Case("SCO", "Scotland", "GBR", "GB-SCT",
         "integration authorities (health and social care partnerships)",
         "Integration joint boards (IJBs) and one lead-agency area", "#0072B2"),
    Case("ENG", "England", "GBR", "GB-ENG",
         "integrated care systems (ICSs)",
         "Integrated care boards (ICBs) and integrated care partnerships (ICPs)", "#D55E00"),
)

_BY_CODE = {c.code: c for c in CASES}

#: States of the study as ISO 3166-1 alpha-3; UK figures belong to the UK, never to a case.
STATES: dict[str, str] = {
    "NLD": "Netherlands",
    "ITA": "Italy",
    "GBR": "United Kingdom (Scotland and England)",
}
_STATE_COLOURS = {"NLD": "#E69F00", "ITA": "#009E73", "GBR": "#CC79A7"}
_STATE_CASE = {"NLD": "NL", "ITA": "IT"}


def codes() -> tuple[str, ...]:
    """The case codes in registry order."""
    return tuple(c.code for c in CASES)


def get(code: str) -> Case:
    """The case with this code; raises ``CaseStudyError`` naming the known codes."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise CaseStudyError(
            f"unknown case code {code!r}: expected one of {', '.join(codes())}"
        ) from None


def case_for_state(iso3: str) -> str | None:
    """The case a state's figures may stand for: NLD→NL, ITA→IT, GBR→None (two cases)."""
    return _STATE_CASE.get(iso3)


def label(code: str) -> str:
    """Display label of a case code or a state's ISO3 code."""
    if code in _BY_CODE:
        return _BY_CODE[code].name
    if code in STATES:
        return STATES[code]
    raise CaseStudyError(
        f"unknown case or state {code!r}: expected one of "
        f"{', '.join(codes() + tuple(STATES))}"
    )


def palette(keys: Iterable[str] | None = None) -> dict[str, str]:
    """Colours by case code (and by state ISO3 code), for ``hue`` in seaborn."""
    colours = {c.code: c.colour for c in CASES} | _STATE_COLOURS
    if keys is None:
        return colours
    return {k: colours[k] if k in colours else _unknown(k) for k in keys}


def _unknown(key: str) -> str:
    raise CaseStudyError(f"no colour for {key!r}: not a case code or a state ISO3 code")


def order(keys: Iterable[str] | None = None) -> list[str]:
    """Registry order (cases, then states) restricted to ``keys`` when given."""
    full = [*codes(), *STATES]
    if keys is None:
        return full
    wanted = set(keys)
    return [k for k in full if k in wanted]


def categorical(values: Iterable[str]) -> pd.Categorical:
    """Case codes as an ordered categorical in registry order (unknown codes raise)."""
    values = list(values)
    for v in values:
        if not pd.isna(v):
            get(v)
    return pd.Categorical(values, categories=list(codes()), ordered=True)


def table() -> pd.DataFrame:
    """The registry as a tidy table, one row per case.

    >>> table().loc[:, ["code", "name", "state_iso3"]].to_string(index=False).split()[:3]
    ['code', 'name', 'state_iso3']
    """
    return pd.DataFrame([c.__dict__ for c in CASES])

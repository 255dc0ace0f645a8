"""casestudy: comparative case-study research on integrated health and social care.

England's integrated care systems set against the Netherlands, Italy and Scotland.
Heavy modules load on first use, so ``casestudy report`` starts fast.

>>> import casestudy
>>> casestudy.cases.codes()
('NL', 'IT', 'SCO', 'ENG')

Every public module is reachable as an attribute (``casestudy.governance``):

>>> import pkgutil
>>> sorted({m.name for m in pkgutil.iter_modules(casestudy.__path__)
...         if not m.name.startswith("_")} - casestudy._MODULES)
[]
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_MODULES = {"captions", "casebase", "cases", "cli", "data", "errors", "extract", "fetch",
            "governance", "impact", "indicators", "lookups", "paths", "plots", "qca", "qual",
            "report", "sources", "spc", "synthesis", "tables"}
_FUNCTIONS = {
    "load": "data",
    "load_casebase": "data",
    "load_sources": "data",
    "load_evidence": "qual",
    "validate": "data",
    "CaseStudyError": "errors",
    "DataValidationError": "errors",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"casestudy.{name}")
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(f"casestudy.{_FUNCTIONS[name]}"), name)
    raise AttributeError(f"module 'casestudy' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _MODULES | set(_FUNCTIONS))

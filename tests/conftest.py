"""Shared fixtures."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from casestudy import _imports

matplotlib.use("Agg")
# Before nbformat and frictionless bring in jsonschema: each pytest-xdist worker compiled the
# IRI grammar again while collecting (1.3 s), for checks no test uses.
_imports.skip_iri_grammar()

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
#: Set (to anything) to build the real report set afresh rather than reuse reports/.
FRESH_SET = "CASESTUDY_TEST_FRESH_SET"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The official files beside the checkout; tests that need them skip without them.

    Session-scoped so module-scoped fixtures that build from the files can use it too.
    """
    if not SHARED_DATA.is_dir():
        pytest.skip(f"official data folder {SHARED_DATA} is absent (it sits beside the "
                    "checkout in the project workspace); loader checks against the "
                    "publishers' formats need it")
    return SHARED_DATA


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """``write_csv(text_or_bytes, name="data.csv")`` writes a file in ``tmp_path``; returns it.

    Text is written as UTF-8; bytes as given (for files that must not be valid UTF-8).
    """
    def write(content: str | bytes, name: str = "data.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def real_reports(tmp_path_factory: pytest.TempPathFactory):
    """The project's own report set, brought up to date as ``make report`` does, in the
    project's ``reports/`` and ``figures/``: shared by the notebook build test and the browser
    tests, which so check the very pages a reviewer is sent.

    The builder rebuilds only what changed, so after ``make report`` (or an earlier ``make
    test``) this costs a no-op rebuild, not the set's build (half a minute of two cores); a
    notebook that fails keeps its last report and fails the test. With
    ``$CASESTUDY_TEST_FRESH_SET`` set the set is built afresh in a temporary folder instead,
    as on a clean clone (``make bench`` times the suite both ways). Session scope is per
    process: under pytest-xdist (``--dist loadfile``) only tests/test_browser.py uses it, so
    that one worker builds the set, once.
    """
    from casestudy import report

    out = tmp_path_factory.mktemp("real-set") if os.environ.get(FRESH_SET) else ROOT
    layout = report.Layout(ROOT / "notebooks", out / "reports", out / "figures", ROOT)
    return layout, report.build(layout=layout)


@pytest.fixture(scope="session")
def chromium() -> None:
    """Skips the test where no browser can be driven (the browser tests open their own)."""
    from casestudy.report import pdf

    if why := pdf.unavailable():
        pytest.skip(f"browser checks need headless Chromium: {why}")


# Lipset's crisp data (LC) as R's QCA package ships it, row by row of its truth table;
# the source and the one inference are described in tests/test_qca_reference.py.
LC_ROWS = {  # (DEV, URB, LIT, IND, STB): (cases, SURV)
    (1, 1, 1, 1, 1): ("BE CZ NL UK", 1),
    (1, 0, 1, 0, 1): ("FI IE", 1),
    (1, 0, 1, 1, 1): ("FR SE", 1),
    (0, 0, 0, 0, 0): ("GR PT ES", 0),
    (0, 0, 0, 0, 1): ("IT RO", 0),
    (0, 0, 1, 0, 0): ("HU PL", 0),
    (0, 0, 1, 0, 1): ("EE", 0),
    (1, 0, 1, 1, 0): ("AU", 0),
    (1, 1, 1, 1, 0): ("DE", 0),
}


@pytest.fixture(scope="module")
def lc() -> pd.DataFrame:
    """LC, one row per country, indexed by case."""
    records = [{**dict(zip(["DEV", "URB", "LIT", "IND", "STB"], cfg, strict=True)),
                "SURV": surv, "case": case}
               for cfg, (cases, surv) in LC_ROWS.items() for case in cases.split()]
    return pd.DataFrame(records).set_index("case")

"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The official files beside the checkout; tests that need them skip without them."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"official data folder {SHARED_DATA} is absent (it sits beside the "
                    "checkout in the project workspace); loader checks against the "
                    "publishers' formats need it")
    return SHARED_DATA

"""Dataset recipe fixtures: small generated layouts and the real cases of shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
if not SHARED.is_dir():  # the checkout may live elsewhere than beside shared/
    SHARED = Path("/work/shared/data")


@pytest.fixture(scope="session")
def shared_data():
    """``shared_data(name)``: a folder of shared/data, or skip (fail under CI) if absent."""

    def locate(name: str) -> Path:
        path = SHARED / name
        if not path.is_dir():
            if os.environ.get("CI"):
                pytest.fail(f"{path} is missing (CI is set)")
            pytest.skip(f"real data not available at {path}")
        return path

    return locate

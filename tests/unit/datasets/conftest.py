"""Dataset recipe fixtures: small generated layouts and the real cases of shared/data."""

from __future__ import annotations

import pytest

from tests.shared_data import shared_data as shared_data_path


@pytest.fixture(scope="session")
def shared_data():
    """``shared_data(name)``: a folder of shared/data; the test is skipped if it is absent (fails under CI)."""
    return shared_data_path

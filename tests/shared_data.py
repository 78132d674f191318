"""Where the tests find ``shared/data``: the real cases they check against (never downloaded).

CI runs with ``../shared`` beside the repository; ``LESIONBENCH_SHARED_DATA`` names another
folder, and a checkout elsewhere on this project's machines finds ``/work/shared/data``. A missing folder fails the test that needs it, with a message saying where it looked:
a test that silently skipped on a machine without the data could never fail there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_BESIDE_REPOSITORY = Path(__file__).resolve().parents[2] / "shared" / "data"
_WORKPLACE = Path("/work/shared/data")


def shared_data_root() -> Path:
    """``$LESIONBENCH_SHARED_DATA`` if set, else ``../shared/data`` beside the repository if it
    exists, else ``/work/shared/data``."""
    configured = os.environ.get("LESIONBENCH_SHARED_DATA")
    if configured:
        return Path(configured)
    return _BESIDE_REPOSITORY if _BESIDE_REPOSITORY.is_dir() else _WORKPLACE


def shared_data(*parts: str) -> Path:
    """The path ``shared/data/<parts...>``; fails the calling test if it does not exist."""
    path = shared_data_root().joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path} is missing: run the tests with ../shared beside the repository, "
                    f"or set LESIONBENCH_SHARED_DATA to the shared/data folder")
    return path

"""Where the tests find ``shared/data``: the real cases they check against (never downloaded).

The folder is ``$LESIONBENCH_SHARED_DATA`` if that is set, else ``../shared/data`` beside the
repository. Where it is missing, a test that needs it is skipped with the reason "needs
../shared/data", except under CI (``CI`` set, as CI services do), where the absence fails the
test: the CI machine has the data, so a skip there would hide a broken setup.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_BESIDE_REPOSITORY = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data_root() -> Path:
    """``$LESIONBENCH_SHARED_DATA`` if set, else ``../shared/data`` beside the repository."""
    configured = os.environ.get("LESIONBENCH_SHARED_DATA")
    return Path(configured) if configured else _BESIDE_REPOSITORY


def shared_data(*parts: str) -> Path:
    """The path ``shared/data/<parts...>``; skips the calling test if it is missing (fails under CI)."""
    path = shared_data_root().joinpath(*parts)
    if not path.exists():
        where = f"{path} is missing (set LESIONBENCH_SHARED_DATA to the shared/data folder)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"needs ../shared/data: {where}")
        pytest.skip(f"needs ../shared/data: {where}")
    return path

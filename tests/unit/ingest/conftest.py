"""Ingest fixtures: a small phantom case written as DICOM, and the real series in shared/data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lesionbench.phantom import PhantomSettings, generate_case, render_case

from tests.shared_data import shared_data


@pytest.fixture(scope="session")
def phantom_settings() -> PhantomSettings:
    return PhantomSettings.from_dict({"cases": 2, "seed": 11, "matrix": 64, "slices": 10,
                                      "lesion_free_fraction": 0.0, "shuffled_fraction": 1.0})


@pytest.fixture(scope="session")
def phantom_case(tmp_path_factory, phantom_settings):
    """``(root, rendered case)`` of case 0 written under ``root``."""
    root = tmp_path_factory.mktemp("phantom")
    generate_case(root, 0, phantom_settings)
    return root, render_case(0, phantom_settings)


@pytest.fixture
def series_copy(phantom_case, tmp_path) -> Path:
    """A writable copy of the phantom series."""
    root, case = phantom_case
    target = tmp_path / "series"
    shutil.copytree(root / "dicom" / case.truth.case_id, target)
    return target


@pytest.fixture
def shared_series():
    """``shared_series(name)``: a real series of shared/data/head_ct_dicom; skipped if absent (fails under CI)."""

    def locate(name: str) -> Path:
        return shared_data("head_ct_dicom", name)

    return locate


@pytest.fixture
def rewrite():
    """``rewrite(folder, edit)``: call ``edit(k, dataset)`` on every slice (by z) and save it back."""
    from ingest_helpers import datasets_by_z

    def apply(folder: Path, edit) -> None:
        for k, (path, dataset) in enumerate(datasets_by_z(folder)):
            edit(k, dataset)
            dataset.save_as(path)

    return apply

"""Fixtures for the prediction tests: a small head-CT-like case, preprocessed for real."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.preprocess import PreprocessSettings, preprocess_case

#: Original grid: (x, y, z) voxels, mm, a direction with flipped x and y axes.
SIZE_XYZ = (44, 40, 7)
SPACING = (0.7, 0.8, 4.0)
ORIGIN = (-12.5, 30.25, 17.0)
DIRECTION = (-1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0)


def _on_grid(array_zyx: np.ndarray) -> sitk.Image:
    image = sitk.GetImageFromArray(array_zyx)
    image.SetSpacing(SPACING)
    image.SetOrigin(ORIGIN)
    image.SetDirection(DIRECTION)
    return image


def make_case(folder: Path, case: str = "ph000") -> dict[str, Path]:
    """Image (HU), lesion mask and brain mask on the original grid, and its preprocessed npz.

    Brain: an ellipse of 35 HU with -1000 HU air around it; lesion: an ellipsoid of 75 HU
    (radii 7 x 6 mm in-plane, 9 mm in z) inside the brain.
    """
    z, y, x = np.meshgrid(*(np.arange(n) for n in SIZE_XYZ[::-1]), indexing="ij")
    ymm, xmm, zmm = (y - 20) * SPACING[1], (x - 22) * SPACING[0], (z - 3) * SPACING[2]
    brain = ((xmm / 13.0) ** 2 + (ymm / 13.5) ** 2 <= 1.0).astype(np.uint8)
    lesion = (((xmm - 2.0) / 7.0) ** 2 + ((ymm + 1.0) / 6.0) ** 2 + (zmm / 9.0) ** 2 <= 1.0).astype(np.uint8)
    hu = np.where(brain > 0, 35.0, -1000.0).astype(np.float32)
    hu[lesion > 0] = 75.0
    paths = {
        "image": folder / "images" / f"{case}.nii.gz",
        "mask": folder / "masks" / f"{case}.nii.gz",
        "brain": folder / "brain" / f"{case}.nii.gz",
        "npz": folder / "preprocessed" / f"{case}.npz",
    }
    for key, array in (("image", hu), ("mask", lesion), ("brain", brain)):
        paths[key].parent.mkdir(parents=True, exist_ok=True)
        sitk.WriteImage(_on_grid(array), str(paths[key]))
    settings = PreprocessSettings.from_dict({"spacing": [1.0, 1.0, 4.0], "window": [40, 80], "crop_margin_mm": 2.0})
    preprocess_case(paths["image"], paths["mask"], paths["brain"], paths["npz"], settings)
    return paths


def write_folds(path: Path, test: list[str]) -> Path:
    folds = {"k": 2, "seed": 0, "stratify_by": [], "provenance": {},
             "folds": [{"fold": 0, "train": ["a"], "val": ["b"], "test": ["c"]},
                       {"fold": 1, "train": ["a"], "val": ["b"], "test": test}]}
    path.write_text(json.dumps(folds))
    return path


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("case")
    make_case(folder, "ph000")
    make_case(folder, "ph001")
    write_folds(folder / "folds.json", ["ph000", "ph001"])
    return folder

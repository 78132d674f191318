"""Distance to the inner skull and solidity from masks, and their columns in the evaluate stage."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from lesionbench.io import ImageFileError
from lesionbench.metrics import evaluate_experiment
from lesionbench.metrics.evaluate import GEOMETRY_COLUMNS as EVALUATE_COLUMNS
from lesionbench.stats import CompareSettings
from lesionbench.volumes import (
    GEOMETRY_COLUMNS,
    boundary_distance_mm,
    lesion_geometry,
    subgroup_column,
    subgroup_table,
)

SHAPE = (5, 20, 20)  # z, y, x
SPACING_XYZ = (1.0, 1.0, 2.0)


def write(path, array, spacing=SPACING_XYZ):
    image = sitk.GetImageFromArray(array.astype(np.uint8))
    image.SetSpacing(spacing)
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path))
    return path


@pytest.fixture()
def brain(tmp_path):
    mask = np.zeros(SHAPE, bool)
    mask[:, 2:18, 2:18] = True  # every slice: the field of view cuts the brain at z = 0 and z = 4
    return write(tmp_path / "brain.nii.gz", mask)


def lesion(tmp_path, points, name="lesion.nii.gz"):
    mask = np.zeros(SHAPE, bool)
    for point in points:
        mask[point] = True
    return write(tmp_path / name, mask)


def test_distance_to_the_inner_skull(tmp_path, brain):
    # Voxel (z 2, y 10, x 4): the nearest voxel outside the brain is x = 1, 3 voxels x 1 mm away;
    # its cell starts half a voxel before its centre: 2.5 mm.
    near = lesion_geometry(lesion(tmp_path, [(2, 10, 4)]), brain)
    assert near["distance_to_inner_skull_mm"] == pytest.approx(2.5) and near["near_skull"]
    far = lesion_geometry(lesion(tmp_path, [(2, 10, 5)]), brain)
    assert far["distance_to_inner_skull_mm"] == pytest.approx(3.5) and not far["near_skull"]
    # On the first slice: the field-of-view edge (2 mm away in z) is not skull; x = 18 is 8 voxels away.
    edge = lesion_geometry(lesion(tmp_path, [(0, 10, 10)]), brain)
    assert edge["distance_to_inner_skull_mm"] == pytest.approx(7.5)
    outside = lesion_geometry(lesion(tmp_path, [(2, 10, 4), (2, 10, 1)]), brain)
    assert outside["distance_to_inner_skull_mm"] == 0.0


def test_boundary_distance_along_z_and_diagonal():
    inside = np.zeros(SHAPE, bool)
    inside[1:4, 2:18, 2:18] = True
    points = np.zeros(SHAPE, bool)
    points[3, 10, 10] = True
    # The slice above (z = 4) is outside: one 2 mm step, the boundary half-way: 1 mm.
    assert boundary_distance_mm(inside, points, np.array([2.0, 1.0, 1.0])) == pytest.approx(1.0)
    # The only outside voxel 3 and 4 voxels away (5 mm): the segment enters its cell where both
    # coordinates are inside it, t = max(2.5/3, 3.5/4) = 0.875 -> 4.375 mm.
    inside = np.ones((1, 10, 10), bool)
    inside[0, 3, 4] = False
    points = np.zeros_like(inside)
    points[0, 0, 0] = True
    assert boundary_distance_mm(inside, points, np.ones(3)) == pytest.approx(4.375)


def test_solidity_of_a_notched_block(tmp_path, brain):
    # A 4 x 4 x 4 block minus a 2 x 2 corner column: 12 of the 13 in-plane hull points per slice.
    points = [(z, y, x) for z in range(1, 5) for y in range(6, 10) for x in range(6, 10) if not (y >= 8 and x >= 8)]
    path = lesion(tmp_path, points)
    result = lesion_geometry(path, brain)
    assert result["solidity"] == pytest.approx(12 / 13) and not result["irregular"]
    assert lesion_geometry(path, brain, irregular_solidity=0.95)["irregular"]
    cube = [(z, y, x) for z in range(3) for y in range(3) for x in range(6, 9)]
    assert lesion_geometry(lesion(tmp_path, cube, "cube.nii.gz"), brain)["solidity"] == 1.0


def test_empty_lesion_and_errors(tmp_path, brain):
    empty = lesion_geometry(lesion(tmp_path, []), brain)
    assert np.isnan(empty["solidity"]) and empty["near_skull"] is False
    full = write(tmp_path / "full.nii.gz", np.ones(SHAPE, bool))
    with pytest.raises(ImageFileError, match="full.nii.gz: brain mask fills the whole image"):
        lesion_geometry(lesion(tmp_path, [(2, 10, 10)]), full)
    other = write(tmp_path / "other.nii.gz", np.ones(SHAPE, bool), spacing=(0.5, 1.0, 2.0))
    with pytest.raises(ImageFileError, match="other.nii.gz: brain mask is not on the grid of"):
        lesion_geometry(lesion(tmp_path, [(2, 10, 10)]), other)
    with pytest.raises(FileNotFoundError, match="nope.nii.gz: mask file not found"):
        lesion_geometry(tmp_path / "nope.nii.gz", brain)


def test_evaluate_adds_geometry_columns_and_compare_prefers_them(tmp_path, brain):
    assert EVALUATE_COLUMNS == GEOMETRY_COLUMNS
    (tmp_path / "brains").mkdir()
    cases = {"ph000": [(2, 10, 4)], "ph001": [(2, 10, 10), (2, 10, 11)], "ph002": []}
    for case, points in cases.items():
        ref = lesion(tmp_path, points, f"masks/{case}.nii.gz")
        write(tmp_path / "pred" / "fold-0" / f"{case}.nii.gz", sitk.GetArrayFromImage(sitk.ReadImage(str(ref))))
        (tmp_path / "brains" / f"{case}.nii.gz").write_bytes(brain.read_bytes())
        (tmp_path / "meta").mkdir(exist_ok=True)
        (tmp_path / "meta" / f"{case}.json").write_text(json.dumps(
            {"labels": {"has_lesion": bool(points), "near_skull": False}}))
    out = tmp_path / "unet.tsv"
    evaluate_experiment("unet", [tmp_path / "pred" / "fold-0"], tmp_path / "masks", tmp_path / "meta", out,
                        brain_dir=tmp_path / "brains")
    table = pd.read_csv(out, sep="\t")
    assert list(table.columns[-6:]) == [*GEOMETRY_COLUMNS, "has_lesion", "near_skull"]
    assert table["distance_to_inner_skull_mm"].tolist()[:2] == [2.5, 6.5]  # ph001: x = 11 -> 18
    assert table["near_skull_geom"].tolist() == [True, False, False]
    assert subgroup_column(table, "near_skull") == "near_skull_geom"
    groups, _ = subgroup_table({"unet": table.assign(rvd=0.0, dice=1.0, iou=1.0, ref_volume_ml=1.0,
                                                     pred_volume_ml=1.0)},
                               CompareSettings.from_dict({"reference": "unet", "subgroups": ["near_skull"]}))
    assert groups.set_index("subgroup").loc["near_skull", "n"] == 1  # ph000 only (the label says none)

"""Reference lesion removed by skull stripping or the crop is counted, warned about and tabulated."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from lesionbench.cli import main
from lesionbench.io import write_image
from lesionbench.preprocess import PreprocessSettings, account_lesion, dilate_mm, preprocess_case, write_preprocess_qc

SHAPE = (10, 40, 40)
SPACING = (1.0, 1.0, 2.0)


def _write(tmp_path, lesion_slices=(slice(4, 6), slice(10, 16), slice(5, 11))):
    """A brain box (rows/columns 8-31) and a lesion straddling its left edge (columns 5-7 outside)."""
    brain = np.zeros(SHAPE, np.uint8)
    brain[1:9, 8:32, 8:32] = 1
    lesion = np.zeros(SHAPE, np.uint8)
    lesion[lesion_slices] = 1
    hu = np.where(brain > 0, 35.0, -1000.0).astype(np.float32)
    hu[lesion > 0] = 70.0
    paths = {}
    for name, array in (("image", hu), ("mask", lesion), ("brain", brain)):
        image = sitk.GetImageFromArray(array)
        image.SetSpacing(SPACING)
        paths[name] = tmp_path / f"{name}.nii.gz"
        write_image(image, paths[name])
    meta = tmp_path / "ingest.json"
    meta.write_text(json.dumps({"case_id": "c1", "warnings": ["from ingest"], "labels": {"has_lesion": True}}))
    return paths, meta


def test_stripped_and_cropped_lesion_is_recorded_in_meta_and_warned(tmp_path, caplog):
    paths, meta_in = _write(tmp_path)
    settings = PreprocessSettings.from_dict({"spacing": None, "window": [40, 80], "crop_margin_mm": 0.0})
    with caplog.at_level(logging.WARNING):
        preprocess_case(paths["image"], paths["mask"], paths["brain"], tmp_path / "c1.npz", settings,
                        meta_in, tmp_path / "c1.json")
    meta = json.loads((tmp_path / "c1.json").read_text())
    lesion = meta["preprocess"]["lesion"]
    # 2 slices x 6 rows x 6 columns = 72 voxels, 3 columns (36 voxels) outside the brain; voxel 2 uL
    assert lesion["reference_voxels"] == 72 and lesion["outside_brain_voxels"] == 36
    assert lesion["outside_crop_voxels"] == 0 and lesion["kept_voxels"] == 36
    assert lesion["lost_ml"] == pytest.approx(0.072) and lesion["kept_ml"] == pytest.approx(0.072)
    assert meta["preprocess"]["crop_start_zyx"] == [1, 8, 8] and meta["preprocess"]["crop_stop_zyx"] == [9, 32, 32]
    assert meta["labels"] == {"has_lesion": True} and meta["warnings"][0] == "from ingest"
    assert "36 reference lesion voxel(s) (0.072 mL) lie outside the brain mask" in meta["warnings"][1]
    assert "c1: 36 reference lesion voxel(s) (0.072 mL) lie outside the brain mask" in caplog.text


def test_without_stripping_the_crop_is_what_loses_lesion(tmp_path):
    paths, meta_in = _write(tmp_path)
    settings = PreprocessSettings.from_dict({"spacing": None, "window": [40, 80], "skull_strip": False})
    preprocess_case(paths["image"], paths["mask"], paths["brain"], tmp_path / "c1.npz", settings,
                    meta_in, tmp_path / "c1.json")
    lesion = json.loads((tmp_path / "c1.json").read_text())["preprocess"]["lesion"]
    assert lesion["outside_brain_voxels"] == 0 and lesion["outside_crop_voxels"] == 36
    assert "outside the crop box" in json.loads((tmp_path / "c1.json").read_text())["warnings"][1]


def test_dilating_the_brain_keeps_the_lesion(tmp_path):
    paths, meta_in = _write(tmp_path)
    settings = PreprocessSettings.from_dict({"spacing": None, "window": [40, 80], "brain_dilation_mm": 5.0})
    data = preprocess_case(paths["image"], paths["mask"], paths["brain"], tmp_path / "c1.npz", settings,
                           meta_in, tmp_path / "c1.json")
    meta = json.loads((tmp_path / "c1.json").read_text())
    assert meta["preprocess"]["lesion"]["lost_voxels"] == 0 and meta["warnings"] == ["from ingest"]
    assert meta["preprocess"]["brain_dilation_mm"] == 5.0 and meta["preprocess"]["crop_start_zyx"][2] == 3
    assert int(data["mask"].sum()) == 72


def test_dilation_is_a_physical_ball():
    mask = np.zeros((5, 21, 21), np.uint8)
    mask[2, 10, 10] = 1
    grown = dilate_mm(mask, (1.0, 1.0, 3.0), 4.0)  # 4 mm: 4 voxels in-plane, 1 slice (3 mm) in z
    assert grown[2, 10, 6] and grown[2, 10, 14] and not grown[2, 10, 5]
    assert grown[1, 10, 10] and grown[3, 10, 10] and not grown[0, 10, 10]
    assert grown[2, 13, 12] and not grown[2, 13, 13]  # sqrt(9 + 4) < 4 < sqrt(9 + 9)


def test_account_counts_each_cause_once():
    mask = np.zeros((1, 4, 4), np.uint8)
    mask[0, :, :2] = 1
    brain = np.zeros_like(mask)
    brain[0, :, 1:] = 1
    account = account_lesion(mask, brain, (slice(0, 1), slice(0, 2), slice(0, 4)), (1.0, 1.0, 1.0), stripped=True)
    assert (account.reference_voxels, account.outside_brain_voxels, account.outside_crop_voxels) == (8, 4, 2)
    assert account.kept_voxels == 2 and account.warnings()[0].startswith("4 reference lesion voxel(s) (0.004 mL)")


def test_qc_table_one_row_per_case_and_the_command(tmp_path):
    paths, meta_in = _write(tmp_path)
    settings = PreprocessSettings.from_dict({"spacing": None, "window": [40, 80]})
    for case in ("c2", "c1"):
        preprocess_case(paths["image"], paths["mask"], paths["brain"], tmp_path / f"{case}.npz", settings,
                        meta_in if case == "c1" else None, tmp_path / f"{case}.json")
    frame = write_preprocess_qc([tmp_path / "c2.json", tmp_path / "c1.json"], tmp_path / "qc.tsv")
    table = pd.read_csv(tmp_path / "qc.tsv", sep="\t")
    assert table["case_id"].tolist() == ["c1", "c2"] and list(table.columns) == list(frame.columns)
    assert table["lost_ml"].tolist() == pytest.approx([0.072, 0.072]) and table["crop_start_zyx"][0] == "1,8,8"
    assert table["warnings"][0].startswith("from ingest | preprocess: 36 reference lesion voxel(s)")
    assert main(["preprocess-qc", "--meta", str(tmp_path / "c1.json"), "--out", str(tmp_path / "qc2.tsv")]) == 0
    assert pd.read_csv(tmp_path / "qc2.tsv", sep="\t")["case_id"].tolist() == ["c1"]
    (tmp_path / "plain.json").write_text(json.dumps({"case_id": "x"}))
    assert main(["preprocess-qc", "--meta", str(tmp_path / "plain.json"), "--out", str(tmp_path / "q3.tsv")]) == 2

"""The CT-ICH recipe on a small generated copy of the PhysioNet layout."""

from __future__ import annotations

import json

import numpy as np
import pytest
import SimpleITK as sitk
from dataset_files import write_volume

from lesionbench.datasets import RECIPES, DatasetError
from lesionbench.io import ImageFileError

SPACING = (0.5, 0.5, 5.0)
HEADER = "PatientNumber,SliceNumber,Intraventricular,Intraparenchymal,Subarachnoid,Epidural,Subdural,No_Hemorrhage,Fracture_Yes_No"


def _rows(patient, flags):
    """CSV rows: ``flags`` per slice is (IVH, IPH, SAH, EDH, SDH, fracture)."""
    lines = []
    for number, (ivh, iph, sah, edh, sdh, fracture) in enumerate(flags, start=1):
        none = int(not (ivh or iph or sah or edh or sdh))
        lines.append(f"{patient},{number},{ivh},{iph},{sah},{edh},{sdh},{none},{fracture}")
    return lines


@pytest.fixture
def ct_ich(tmp_path):
    """Patients 49 (IPH + IVH, fracture), 50 (no hemorrhage) and 100 (SDH only), 4 slices each."""
    root = tmp_path / "ct-ich"
    hu = np.full((4, 6, 8), -1000.0, dtype=np.float32)
    hu[:, 1:5, 1:7] = 30.0
    for patient in ("049", "050", "100"):
        write_volume(root / "ct_scans" / f"{patient}.nii", hu + int(patient), SPACING, (-2.0, -1.5, 10.0))
    lesion = np.zeros((4, 6, 8), dtype=np.uint8)
    lesion[1:3, 2:4, 3:5] = 255  # masks are stored 0/255
    write_volume(root / "masks" / "049.nii", lesion, SPACING, (-2.0, -1.5, 10.0))
    write_volume(root / "masks" / "050.nii", np.zeros_like(lesion), SPACING, (-2.0, -1.5, 10.0))
    write_volume(root / "masks" / "100.nii", lesion, SPACING, (-2.0, -1.5, 10.0))
    lines = [HEADER]
    lines += _rows(49, [(0, 0, 0, 0, 0, 0), (1, 1, 0, 0, 0, 1), (0, 1, 0, 0, 0, 0), (0, 0, 0, 0, 0, 0)])
    lines += _rows(50, [(0, 0, 0, 0, 0, 0)] * 4)
    lines += _rows(100, [(0, 0, 0, 0, 0, 0), (0, 0, 0, 0, 1, 0), (0, 0, 0, 0, 1, 0)])  # one slice row missing
    (root / "hemorrhage_diagnosis_raw_ct.csv").write_text("\n".join(lines) + "\n")
    return root


def test_case_ids_are_every_scan_in_numeric_order(ct_ich):
    assert RECIPES["ct_ich"].case_ids({"kind": "ct_ich", "root": str(ct_ich)}) == ["049", "050", "100"]


def test_inputs_name_the_scan_mask_and_csv(ct_ich):
    inputs = RECIPES["ct_ich"].inputs({"root": str(ct_ich)}, "050")
    assert inputs == {"images": [str(ct_ich / "ct_scans" / "050.nii")], "mask": str(ct_ich / "masks" / "050.nii"),
                      "labels": str(ct_ich / "hemorrhage_diagnosis_raw_ct.csv")}


def test_ingest_writes_hu_image_binary_mask_and_type_labels(ct_ich, tmp_path):
    out = tmp_path / "out"
    meta = RECIPES["ct_ich"].ingest({"root": str(ct_ich)}, "049", out / "i.nii.gz", out / "m.nii.gz", out / "meta.json")
    image, mask = sitk.ReadImage(str(out / "i.nii.gz")), sitk.ReadImage(str(out / "m.nii.gz"))
    assert image.GetPixelID() == sitk.sitkFloat32 and mask.GetPixelID() == sitk.sitkUInt8
    assert sitk.GetArrayFromImage(image)[0, 2, 2] == 30.0 + 49 and sitk.GetArrayFromImage(image)[0, 0, 0] == -1000.0 + 49
    assert np.unique(sitk.GetArrayFromImage(mask)).tolist() == [0, 1]
    assert int(sitk.GetArrayFromImage(mask).sum()) == 2 * 2 * 2
    assert json.loads((out / "meta.json").read_text()) == meta
    assert meta["labels"] == {
        "has_lesion": True, "lesion_volume_ml": 8 * 0.5 * 0.5 * 5.0 / 1000.0, "any_hemorrhage": True,
        "intraventricular": True, "intraparenchymal": True, "subarachnoid": False, "epidural": False,
        "subdural": False, "fracture": True, "hemorrhage_slices": 2, "lesion_class": "multiple",
    }
    assert meta["modality"] == "CT" and meta["spacing"] == list(SPACING) and meta["size"] == [8, 6, 4]
    assert meta["source"]["files"] == {"images": {"ct": "049.nii"}, "mask": ["049.nii"],
                                       "labels": "hemorrhage_diagnosis_raw_ct.csv"}
    assert meta["warnings"] == []


def test_lesion_free_case_is_kept_with_class_none(ct_ich, tmp_path):
    meta = RECIPES["ct_ich"].ingest({"root": str(ct_ich)}, "050", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                                    tmp_path / "meta.json")
    assert meta["labels"]["has_lesion"] is False and meta["labels"]["any_hemorrhage"] is False
    assert meta["labels"]["lesion_class"] == "none" and meta["labels"]["hemorrhage_slices"] == 0


def test_single_type_and_missing_slice_rows_are_reported(ct_ich, tmp_path):
    meta = RECIPES["ct_ich"].ingest({"root": str(ct_ich)}, "100", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                                    tmp_path / "meta.json")
    assert meta["labels"]["lesion_class"] == "subdural" and meta["labels"]["hemorrhage_slices"] == 2
    assert meta["warnings"] == ["hemorrhage_diagnosis_raw_ct.csv: patient 100 has 3 slice row(s) "
                                "(SliceNumber 1..3) for a 4-slice scan"]


def test_mask_on_another_grid_is_refused_and_nothing_is_written(ct_ich, tmp_path):
    write_volume(ct_ich / "masks" / "050.nii", np.zeros((4, 6, 8), dtype=np.uint8), (0.5, 0.5, 2.5), (-2.0, -1.5, 10.0))
    out = tmp_path / "out"
    with pytest.raises(ImageFileError, match=r"masks/050\.nii: mask is not on the grid of its image .*ct_scans/050\.nii "
                                             r"\(spacing \[0\.5, 0\.5, 2\.5\] vs \[0\.5, 0\.5, 5\.0\]\)"):
        RECIPES["ct_ich"].ingest({"root": str(ct_ich)}, "050", out / "i.nii.gz", out / "m.nii.gz", out / "meta.json")
    assert not out.exists() or not any(out.iterdir())


def test_bad_csv_and_layout_errors_name_the_file(ct_ich, tmp_path):
    csv = ct_ich / "hemorrhage_diagnosis_raw_ct.csv"
    csv.write_text(csv.read_text().replace("Subdural,", "Subdurl,"))
    with pytest.raises(DatasetError, match=r"hemorrhage_diagnosis_raw_ct\.csv: missing column\(s\) \['Subdural'\]"):
        RECIPES["ct_ich"].ingest({"root": str(ct_ich)}, "049", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                                 tmp_path / "meta.json")
    csv.write_text(HEADER + "\n" + "\n".join(_rows(49, [(0, 2, 0, 0, 0, 0)])) + "\n")
    with pytest.raises(DatasetError, match=r"csv: line 2, column Intraparenchymal: '2' is not 0 or 1"):
        RECIPES["ct_ich"].ingest({"root": str(ct_ich)}, "049", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                                 tmp_path / "meta.json")
    csv.write_text(HEADER + "\n" + "\n".join(_rows(49, [(0, 1, 0, 0, 0, 0)])) + "\n")
    with pytest.raises(DatasetError, match=r"hemorrhage_diagnosis_raw_ct\.csv: no row for PatientNumber 50"):
        RECIPES["ct_ich"].ingest({"root": str(ct_ich)}, "050", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                                 tmp_path / "meta.json")
    (ct_ich / "masks" / "100.nii").unlink()
    with pytest.raises(DatasetError, match=r"masks: no mask for scan\(s\) \['100'\]"):
        RECIPES["ct_ich"].case_ids({"root": str(ct_ich)})
    with pytest.raises(FileNotFoundError, match=r"nowhere/ct_scans: folder not found"):
        RECIPES["ct_ich"].case_ids({"root": str(tmp_path / "nowhere")})

"""Files of the MRI phantom: NIfTI geometry, truth JSON, and a sample sheet the recipe reads."""

import json

import nibabel
import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.datasets.sample_sheet import SampleSheet, read_sheet
from lesionbench.io import read_image
from lesionbench.phantom.mri import (
    SAMPLE_SHEET_COLUMNS, TRUTH_COLUMNS, MriPhantomSettings, case_paths, generate_dataset, render_case,
    write_sample_sheet,
)

SETTINGS = {"cohort": "isles2015", "cases": 3, "seed": 2, "shape": [48, 48, 34]}   # 4.8 mm voxels


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("mri_phantom")
    settings = MriPhantomSettings.from_dict(SETTINGS)
    truths = generate_dataset(root, settings)
    return root, settings, truths


def test_nifti_geometry_is_ras_with_the_axial_axis_last(written):
    root, settings, truths = written
    grid = settings.grid()
    paths = case_paths(root, "mr001")
    image = nibabel.load(str(paths["image"]))
    assert image.shape == (48, 48, 34) == tuple(truths[1].shape)
    np.testing.assert_allclose(image.header.get_zooms(), [settings.spacing] * 3, rtol=1e-6)
    np.testing.assert_allclose(image.affine, grid.affine_ras(), atol=1e-4)
    assert nibabel.aff2axcodes(image.affine) == ("R", "A", "S")
    assert image.get_data_dtype() == np.float32
    # nibabel's [i, j, k] is the in-memory [k, j, i] of the rendered case.
    case = render_case(1, settings)
    np.testing.assert_allclose(np.asarray(image.dataobj), case.image.transpose(2, 1, 0), rtol=1e-6)


def test_masks_are_uint8_binary_on_the_image_grid(written):
    root, settings, _ = written
    paths = case_paths(root, "mr000")
    for key in ("mask", "brain"):
        mask = nibabel.load(str(paths[key]))
        assert mask.get_data_dtype() == np.uint8
        assert set(np.unique(np.asarray(mask.dataobj))) == {0, 1}
    image = read_image(paths["image"])
    mask = read_image(paths["mask"], sitk.sitkUInt8)
    assert image.GetSize() == mask.GetSize() == (48, 48, 34)
    np.testing.assert_allclose(image.GetSpacing(), [settings.spacing] * 3, rtol=1e-6)
    np.testing.assert_allclose(image.GetOrigin(), mask.GetOrigin())


def test_truth_json(written):
    root, settings, truths = written
    record = json.loads(case_paths(root, "mr002")["case"].read_text())
    assert record["case_id"] == "mr002" and record["cohort"] == "isles2015"
    assert record["n_lesions"] == len(record["lesion_kinds"]) >= 1
    assert record["spacing"] == [settings.spacing] * 3
    assert record["provenance"]["seed"] == 2 and record["provenance"]["case_index"] == 2
    assert record["lesion_volume_ml"] == truths[2].lesion_volume_ml


def test_sample_sheet_is_read_by_the_sample_sheet_recipe(written):
    root, _, truths = written
    sheet = root / "samples.tsv"
    assert sheet.read_text().splitlines()[0].split("\t") == list(SAMPLE_SHEET_COLUMNS)
    rows = read_sheet(sheet)
    assert list(rows) == ["mr000", "mr001", "mr002"]
    assert rows["mr001"].images["image"] == (root / "images" / "mr001.nii.gz")
    assert rows["mr001"].mask == (root / "masks" / "mr001.nii.gz")
    labels = {t.case_id: ("mixed" if len(set(t.lesion_kinds)) > 1 else t.lesion_kinds[0]) for t in truths}
    assert {case: row.label for case, row in rows.items()} == labels
    files = SampleSheet().files({"sheet": str(sheet), "id_salt": ""}, "mr000")
    assert files.mask == [root / "masks" / "mr000.nii.gz"]


def test_truth_table(written):
    root, _, truths = written
    lines = (root / "truth.tsv").read_text().splitlines()
    assert lines[0].split("\t") == list(TRUTH_COLUMNS)
    row = dict(zip(TRUTH_COLUMNS, lines[2].split("\t")))
    assert row["case_id"] == "mr001" and row["brain_mask"] == "brain/mr001.nii.gz"
    assert float(row["lesion_volume_ml"]) == pytest.approx(truths[1].lesion_volume_ml, abs=1e-4)
    assert int(row["slices_with_lesion"]) == truths[1].slices_with_lesion


def test_sample_sheet_names_a_missing_image(written, tmp_path):
    root, _, _ = written
    broken = tmp_path / "data"
    (broken / "cases").mkdir(parents=True)
    (broken / "cases" / "mr000.json").write_text(case_paths(root, "mr000")["case"].read_text())
    with pytest.raises(FileNotFoundError, match="images/mr000.nii.gz: missing for case mr000"):
        write_sample_sheet(broken / "cases", broken / "samples.tsv")

"""The generic sample sheet: reading, validation (against the workflow's JSON schema too) and ingest."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import nibabel as nib
import numpy as np
import pytest
import yaml
from dataset_files import head_phantom, write_volume

from lesionbench.datasets import RECIPES, DatasetError, read_sheet
from lesionbench.ingest import pseudonymise
from lesionbench.io import ImageFileError

SCHEMA = Path(__file__).resolve().parents[3] / "workflow" / "schemas" / "sample_sheet.schema.yaml"


def _sheet(folder, header, rows):
    path = folder / "samples.tsv"
    path.write_text("\t".join(header) + "\n" + "".join("\t".join(row) + "\n" for row in rows))
    return path


@pytest.fixture
def files(tmp_path):
    """Two patients' T1 (1 mm) and FLAIR (2 mm in z) volumes and masks, in folders named after them."""
    image, lesion = head_phantom((8, 12, 14))
    for patient in ("DOE_JOHN", "ROE_JANE"):
        folder = tmp_path / "data" / patient
        write_volume(folder / "t1.nii.gz", image)
        write_volume(folder / "flair.nrrd", image[::2] * 2.0, (1.0, 1.0, 2.0))
        write_volume(folder / "lesion.nii.gz", lesion)
    return tmp_path


def test_two_channel_sheet_ingests_onto_the_first_channel_grid_without_file_names(files, tmp_path):
    sheet = _sheet(files, ["case_id", "image_t1", "image_flair", "mask", "label", "group"], [
        ["p1", "data/DOE_JOHN/t1.nii.gz", "data/DOE_JOHN/flair.nrrd", "data/DOE_JOHN/lesion.nii.gz", "1", "pat1"],
        ["p2", "data/ROE_JANE/t1.nii.gz", "data/ROE_JANE/flair.nrrd", "data/ROE_JANE/lesion.nii.gz", "", ""],
    ])
    source = {"kind": "sample_sheet", "sheet": str(sheet), "modality": "MR"}
    recipe = RECIPES["sample_sheet"]
    assert recipe.case_ids(source) == ["p1", "p2"]
    assert recipe.inputs(source, "p2") == {"images": [str(files / "data/ROE_JANE/t1.nii.gz"),
                                                      str(files / "data/ROE_JANE/flair.nrrd")],
                                           "mask": str(files / "data/ROE_JANE/lesion.nii.gz")}
    out = tmp_path / "out"
    meta = recipe.ingest(source, "p1", out / "p1.nii.gz", out / "p1m.nii.gz", out / "p1.json")
    image = nib.load(out / "p1.nii.gz")
    assert image.shape == (14, 12, 8, 2)
    volume, lesion = head_phantom((8, 12, 14))
    data = np.asarray(image.dataobj)  # (x, y, z, c)
    assert np.allclose(data[..., 0], volume.transpose(2, 1, 0))
    assert np.allclose(data[..., 4, 1], 2.0 * volume[4].T)  # FLAIR slice 2 (z = 4 mm) lands on T1 slice 4
    assert meta["labels"] == {"has_lesion": True, "lesion_volume_ml": int(lesion.sum()) / 1000.0,
                              "label": "1", "group": "pat1"}
    assert meta["channels"] == ["t1", "flair"] and meta["modality"] == "MR"
    assert "files" not in meta["source"]
    text = (out / "p1.json").read_text()
    assert "DOE" not in text and "JOHN" not in text and "t1.nii" not in text
    meta2 = recipe.ingest(source, "p2", out / "p2.nii.gz", out / "p2m.nii.gz", out / "p2.json")
    assert "label" not in meta2["labels"] and meta2["labels"]["group"] == ""  # no group: a patient of its own


def test_without_case_ids_cases_get_salted_pseudonyms(files):
    sheet = _sheet(files, ["image", "mask"], [["data/DOE_JOHN/t1.nii.gz", "data/DOE_JOHN/lesion.nii.gz"],
                                              ["data/ROE_JANE/t1.nii.gz", "data/ROE_JANE/lesion.nii.gz"]])
    ids = RECIPES["sample_sheet"].case_ids({"sheet": str(sheet)})
    assert ids == ["c" + pseudonymise("data/DOE_JOHN/t1.nii.gz")[:12], "c" + pseudonymise("data/ROE_JANE/t1.nii.gz")[:12]]
    salted = RECIPES["sample_sheet"].case_ids({"sheet": str(sheet), "id_salt": "s3cret"})
    assert salted[0] == "c" + pseudonymise("data/DOE_JOHN/t1.nii.gz", "s3cret")[:12] and salted[0] != ids[0]
    assert all("DOE" not in case for case in ids + salted)


def test_a_sheet_naming_a_missing_file_is_one_clear_error(files):
    sheet = _sheet(files, ["case_id", "image", "mask"], [
        ["p1", "data/DOE_JOHN/t1.nii.gz", "data/DOE_JOHN/lesion.nii.gz"],
        ["p2", "data/ROE_JANE/t2.nii.gz", "data/ROE_JANE/lesion.nii.gz"],
    ])
    with pytest.raises(FileNotFoundError, match=r"samples\.tsv: line 3, column image: file .*ROE_JANE/t2\.nii\.gz "
                                                r"does not exist"):
        RECIPES["sample_sheet"].case_ids({"sheet": str(sheet)})


def test_a_mask_on_another_grid_is_refused(files, tmp_path):
    write_volume(files / "data" / "ROE_JANE" / "lesion.nii.gz", np.zeros((8, 12, 14), np.uint8), origin=(0.0, 0.0, 5.0))
    sheet = _sheet(files, ["case_id", "image", "mask"], [["p2", "data/ROE_JANE/t1.nii.gz", "data/ROE_JANE/lesion.nii.gz"]])
    with pytest.raises(ImageFileError, match=r"ROE_JANE/lesion\.nii\.gz: mask is not on the grid of its image "
                                             r".*ROE_JANE/t1\.nii\.gz \(origin \[0\.0, 0\.0, 5\.0\] vs \[0\.0, 0\.0, 0\.0\]\)"):
        RECIPES["sample_sheet"].ingest({"sheet": str(sheet)}, "p2", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                                       tmp_path / "meta.json")
    assert not (tmp_path / "i.nii.gz").exists() and not (tmp_path / "meta.json").exists()


BAD_SHEETS = [
    (["case_id", "mask"], ["a", "data/DOE_JOHN/lesion.nii.gz"], r"needs an image \(or image_<name>\) column and a mask"),
    (["case_id", "image", "mask", "age"], ["a", "data/DOE_JOHN/t1.nii.gz", "data/DOE_JOHN/lesion.nii.gz", "61"],
     r"unknown column\(s\) \['age'\]"),
    (["case_id", "image", "image_t1", "mask"],
     ["a", "data/DOE_JOHN/t1.nii.gz", "data/DOE_JOHN/t1.nii.gz", "data/DOE_JOHN/lesion.nii.gz"],
     r"mixes an 'image' column with \['image_t1'\]"),
    (["case_id", "image", "mask"], ["a b", "data/DOE_JOHN/t1.nii.gz", "data/DOE_JOHN/lesion.nii.gz"],
     r"line 2: case_id 'a b' must match"),
    (["case_id", "image", "mask"], ["a", "", "data/DOE_JOHN/lesion.nii.gz"], r"line 2: column image is empty"),
]


@pytest.mark.parametrize(("header", "row", "message"), BAD_SHEETS)
def test_bad_sheets_are_refused_by_the_reader_and_by_the_schema(files, header, row, message):
    sheet = _sheet(files, header, [row])
    with pytest.raises(DatasetError, match=r"samples\.tsv: " if "line" not in message else r"samples\.tsv: line"):
        read_sheet(sheet)
    with pytest.raises(DatasetError, match=message):
        read_sheet(sheet)
    schema = yaml.safe_load(SCHEMA.read_text())
    assert not jsonschema.Draft202012Validator(schema).is_valid(dict(zip(header, row)))


def test_good_rows_pass_the_schema_and_duplicates_are_refused(files):
    schema = jsonschema.Draft202012Validator(yaml.safe_load(SCHEMA.read_text()))
    for record in ({"case_id": "a.1", "image": "x", "mask": "m"},
                   {"image_t1": "x", "image_flair": "y", "mask": "m", "label": "", "group": "g"}):
        assert schema.is_valid(record)
    sheet = _sheet(files, ["case_id", "image", "mask"], [["a", "data/DOE_JOHN/t1.nii.gz", "data/DOE_JOHN/lesion.nii.gz"]] * 2)
    with pytest.raises(DatasetError, match=r"line 3: case id 'a' repeats line 2"):
        read_sheet(sheet)
    with pytest.raises(FileNotFoundError, match=r"nosheet\.tsv: sample sheet not found"):
        RECIPES["sample_sheet"].case_ids({"sheet": str(files / "nosheet.tsv")})

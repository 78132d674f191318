"""``lesionbench phantom-mr`` writes one T1 MRI phantom case, and ``lesionbench dataset ingest
--kind phantom_mr`` ingests it like any NIfTI dataset (image, mask on its grid, metadata with
the truth's labels)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.cli import main
from lesionbench.datasets import RECIPES, DatasetError, get_recipe

SOURCE = {"kind": "phantom_mr", "cohort": "atlas", "cases": 4, "test_cases": 2, "seed": 3, "scale": 0.2}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Case 4 (a test case of SOURCE: index ``cases``) written by the CLI as the workflow calls it."""
    root = tmp_path_factory.mktemp("raw") / "mr"
    settings = json.dumps({**SOURCE, "cases": SOURCE["cases"] + SOURCE["test_cases"]})
    assert main(["phantom-mr", str(root), "--case-index", "4", "--settings", settings]) == 0
    return root


def test_the_cli_writes_one_case(generated: Path) -> None:
    assert sorted(p.relative_to(generated).as_posix() for p in generated.rglob("*") if p.is_file()) == [
        "brain/mr004.nii.gz", "cases/mr004.json", "images/mr004.nii.gz", "masks/mr004.nii.gz"]
    truth = json.loads((generated / "cases" / "mr004.json").read_text())
    assert truth["case_id"] == "mr004" and truth["cohort"] == "atlas" and truth["n_lesions"] >= 1


def test_ingest_writes_the_nifti_outputs_with_the_truth_labels(generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    code = main(["dataset", "ingest", "--kind", "phantom_mr", "--source", json.dumps({"root": str(generated)}),
                 "--case", "mr004", "--image", str(out / "images/mr004.nii.gz"),
                 "--mask", str(out / "masks/mr004.nii.gz"), "--meta", str(out / "meta/ingest/mr004.json"),
                 "--salt", "s"])
    assert code == 0
    raw = sitk.ReadImage(str(generated / "images" / "mr004.nii.gz"))
    image = sitk.ReadImage(str(out / "images/mr004.nii.gz"))
    assert image.GetPixelID() == sitk.sitkFloat32 and image.GetSize() == raw.GetSize()
    assert image.GetSpacing() == pytest.approx(raw.GetSpacing())
    np.testing.assert_array_equal(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(raw))
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(out / "masks/mr004.nii.gz")))
    truth = json.loads((generated / "cases" / "mr004.json").read_text())
    meta = json.loads((out / "meta/ingest/mr004.json").read_text())
    assert meta["case_id"] == "mr004" and meta["modality"] == "MR" and meta["channels"] == ["t1w"]
    assert meta["pseudonym"] != "mr004" and meta["source"]["mask_voxels"] == int(mask.sum()) > 0
    labels = meta["labels"]
    assert labels["has_lesion"] is True and labels["n_lesions"] == truth["n_lesions"]
    assert labels["lesion_volume_ml"] == pytest.approx(truth["lesion_volume_ml"], abs=1e-3)
    assert labels["lesion_kind"] in ("cortical", "subcortical", "mixed")
    assert labels["slices_with_lesion"] == truth["slices_with_lesion"]
    assert set(meta) >= {"size", "spacing", "origin", "direction", "orientation", "warnings", "provenance"}


def test_a_generated_recipe_is_no_configuration_source(generated: Path) -> None:
    assert "phantom_mr" not in RECIPES and get_recipe("phantom_mr").kind == "phantom_mr"
    recipe = get_recipe("phantom_mr")
    assert recipe.case_ids({"root": str(generated)}) == ["mr004"]
    with pytest.raises(FileNotFoundError, match=r"file not found \(T1 image of mr001\)"):
        recipe.inputs({"root": str(generated)}, "mr001")
    with pytest.raises(DatasetError, match="missing key 'root'"):
        recipe.case_ids({})


def test_a_truth_of_another_case_is_refused(generated: Path, tmp_path: Path) -> None:
    copy = tmp_path / "mr"
    for folder in ("images", "masks", "cases"):
        (copy / folder).mkdir(parents=True)
        for path in (generated / folder).iterdir():
            (copy / folder / path.name.replace("mr004", "mr009")).write_bytes(path.read_bytes())
    with pytest.raises(DatasetError, match="the truth of case 'mr004', not 'mr009'"):
        get_recipe("phantom_mr").ingest({"root": str(copy)}, "mr009", tmp_path / "i.nii.gz", tmp_path / "m.nii.gz",
                                        tmp_path / "meta.json")

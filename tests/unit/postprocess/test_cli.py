"""``lesionbench postprocess-select`` and ``lesionbench postprocess-apply`` command lines."""

from __future__ import annotations

import json

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.cli import main

SPACING_XYZ = (2.0, 2.0, 5.0)  # 0.02 mL per voxel
ORIGIN = (-3.0, 1.0, 20.0)
SHAPE_ZYX = (5, 12, 12)


def _write(path, array):
    image = sitk.GetImageFromArray(np.asarray(array, dtype=np.uint8))
    image.SetSpacing(SPACING_XYZ)
    image.SetOrigin(ORIGIN)
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path))


def _lesion():
    mask = np.zeros(SHAPE_ZYX, dtype=np.uint8)
    mask[1:4, 2:6, 2:6] = 1  # 48 voxels = 0.96 mL
    return mask


def _with_speck(mask):
    mask = mask.copy()
    mask[4, 10, 10] = 1  # a one-voxel false positive
    return mask


@pytest.fixture()
def results(tmp_path):
    """predictions/unet/fold-{0,1}/{case}.nii.gz with specks, masks/{case}.nii.gz, a probabilities/ subfolder."""
    for fold, case in ((0, "c0"), (0, "c1"), (1, "c2")):
        _write(tmp_path / "predictions" / "unet" / f"fold-{fold}" / f"{case}.nii.gz", _with_speck(_lesion()))
        _write(tmp_path / "masks" / f"{case}.nii.gz", _lesion())
    probabilities = tmp_path / "predictions" / "unet" / "fold-0" / "probabilities"
    _write(probabilities / "c0.nii.gz", _lesion())
    _write(probabilities / "orphan.nii.gz", _lesion())  # no mask: an error if it were read
    (tmp_path / "predictions" / "unet" / "fold-0" / "c0.json").write_text("{}")
    return tmp_path


def _folds(results):
    return [str(results / "predictions" / "unet" / f"fold-{k}") for k in (0, 1)]


def test_select_writes_the_decision(results, capsys):
    out = results / "models" / "unet" / "postprocessing.json"
    assert main(["postprocess-select", "--predictions", *_folds(results), "--masks", str(results / "masks"),
                 "--out", str(out), "--candidates-ml", "0.1", "1"]) == 0
    decision = json.loads(out.read_text())
    assert decision["chosen"] == {"name": "largest_component"} and decision["cases"] == 3
    assert [entry["step"] for entry in decision["candidates"]] == [
        {"name": "none"}, {"name": "largest_component"},
        {"name": "min_volume", "min_ml": 0.1}, {"name": "min_volume", "min_ml": 1.0}]
    assert decision["candidates"][1]["mean_dice"] == pytest.approx(1.0)
    assert decision["candidates"][1]["cases_changed"] == 3
    assert "chosen: largest_component (3 cases)" in capsys.readouterr().out


def test_select_names_a_prediction_without_a_reference_mask(results, capsys):
    (results / "masks" / "c2.nii.gz").unlink()
    out = results / "postprocessing.json"
    assert main(["postprocess-select", "--predictions", *_folds(results), "--masks", str(results / "masks"),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "fold-1/c2.nii.gz: no reference mask" in err and "masks/c2.nii.gz" in err
    assert not out.exists()


def test_apply_writes_one_post_processed_mask_per_case(results, capsys):
    decision = results / "postprocessing.json"
    assert main(["postprocess-select", "--predictions", *_folds(results), "--masks", str(results / "masks"),
                 "--out", str(decision)]) == 0
    out = results / "postprocessed" / "unet" / "fold-0"
    assert main(["postprocess-apply", "--decision", str(decision),
                 "--in", _folds(results)[0], "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["c0.nii.gz", "c1.nii.gz"]  # nothing else copied
    for case in ("c0", "c1"):
        image = sitk.ReadImage(str(out / f"{case}.nii.gz"))
        assert image.GetSpacing() == SPACING_XYZ and image.GetOrigin() == ORIGIN
        np.testing.assert_array_equal(sitk.GetArrayFromImage(image), _lesion())  # the speck is gone
    assert "largest_component: 2 mask(s)" in capsys.readouterr().out


def test_apply_with_a_bad_decision_file_names_it(results, capsys):
    decision = results / "postprocessing.json"
    decision.write_text(json.dumps({"chosen": {"name": "biggest"}}))
    out = results / "out"
    assert main(["postprocess-apply", "--decision", str(decision), "--in", _folds(results)[0],
                 "--out", str(out)]) == 2
    assert f"{decision}: missing key(s)" in capsys.readouterr().err
    assert not out.exists()


def test_apply_refuses_to_overwrite_its_input(results, capsys, tmp_path):
    decision = tmp_path / "decision.json"
    decision.write_text(json.dumps({
        "chosen": {"name": "none"}, "cases": 1, "criterion": "mean Dice", "provenance": {},
        "candidates": [{"step": {"name": "none"}, "mean_dice": 1.0, "cases_changed": 0}]}))
    fold = _folds(results)[1]
    assert main(["postprocess-apply", "--decision", str(decision), "--in", fold, "--out", fold]) == 2
    assert "must differ from the input folder" in capsys.readouterr().err

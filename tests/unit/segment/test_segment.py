"""``lesionbench segment``: every input kind, output geometry, DICOM-SEG, volumes, bundles, bad inputs."""

from __future__ import annotations

import json
import shutil
import zipfile

import highdicom as hd
import nibabel as nib
import numpy as np
import pandas as pd
import pydicom
import pytest
import SimpleITK as sitk

from lesionbench.brainmask import BrainMaskSettings, brain_mask_file
from lesionbench.bundle import BundleError, load_bundle, write_manifest
from lesionbench.cli import main
from lesionbench.inference import PredictSettings, predict_ensemble
from lesionbench.metrics.abc2 import abc2_ml
from lesionbench.phantom.identifiers import fake_identifiers
from lesionbench.postprocess import apply_to_image
from lesionbench.preprocess import PreprocessSettings, preprocess_case
from lesionbench.segment import VOLUME_COLUMNS, find_scans

from .conftest import SETTINGS, array, nifti_of


def _segment(*args: str) -> int:
    return main(["segment", *map(str, args), "--quiet"])


def test_a_dicom_series_gives_a_label_map_on_its_grid_and_a_dicom_seg(bundle_dir, phantom_root, tmp_path, capsys):
    series = phantom_root / "dicom" / "ph000"
    assert _segment(series, tmp_path / "out", "--model", bundle_dir) == 0
    assert json.loads(capsys.readouterr().out)["segmented"] == 1
    label = sitk.ReadImage(str(tmp_path / "out" / "ph000.nii.gz"))
    converted = nifti_of(series, tmp_path / "ph000.nii.gz")
    # the exact grid (affine and shape) of `lesionbench dicom2nifti`
    np.testing.assert_allclose(nib.load(tmp_path / "out" / "ph000.nii.gz").affine, nib.load(converted).affine, atol=1e-5)
    assert label.GetSize() == sitk.ReadImage(str(converted)).GetSize() and label.GetPixelID() == sitk.sitkUInt8
    seg = pydicom.dcmread(tmp_path / "out" / "ph000.seg.dcm")
    source = pydicom.dcmread(next(series.glob("*.dcm")), stop_before_pixels=True)
    assert seg.Modality == "SEG" and seg.ReferencedSeriesSequence[0].SeriesInstanceUID == source.SeriesInstanceUID
    labels = sitk.GetArrayFromImage(label)
    assert int(seg.NumberOfFrames) == max(1, int(labels.any(axis=(1, 2)).sum()))
    assert hd.seg.segread(tmp_path / "out" / "ph000.seg.dcm").number_of_segments == 1


def test_segment_equals_the_workflows_ensemble_prediction(bundle_dir, phantom_root, tmp_path):
    """The same case through the workflow's stages (dicom2nifti, brain-mask, preprocess, the fold
    ensemble, the chosen post-processing) and through `segment` gives the same label map."""
    series = phantom_root / "dicom" / "ph001"
    work = tmp_path / "workflow"
    image = nifti_of(series, work / "images" / "ph001.nii.gz")
    brain_mask_file(image, work / "brain" / "ph001.nii.gz", BrainMaskSettings())
    preprocess_case(image, phantom_root / "masks" / "ph001.nii.gz", work / "brain" / "ph001.nii.gz",
                    work / "preprocessed" / "ph001.npz", PreprocessSettings.from_dict(SETTINGS["preprocess"]))
    bundle = load_bundle(bundle_dir)
    written = predict_ensemble(bundle.checkpoints(), ["ph001"], work / "preprocessed", work / "images",
                               work / "raw", PredictSettings.from_dict(SETTINGS["predict"]), device="cpu",
                               postprocess=lambda mask: apply_to_image(mask, {"name": "largest_component"}))
    assert _segment(series, tmp_path / "out", "--model", bundle_dir, "--device", "cpu") == 0
    expected = array(written[0])
    np.testing.assert_array_equal(array(tmp_path / "out" / "ph001.nii.gz"), expected)
    assert 0 < expected.sum() < expected.size  # the check is not about two empty (or full) maps


def test_a_folder_of_mixed_scans_with_bad_ones(bundle_dir, phantom_root, tmp_path, capsys):
    scans = tmp_path / "new_scans"
    shutil.copytree(phantom_root / "dicom" / "ph000", scans / "patient1")
    nifti_of(phantom_root / "dicom" / "ph001", scans / "patient2.nii.gz")
    (scans / "notes.txt").write_text("not a scan")
    truncated = scans / "patient3"
    shutil.copytree(phantom_root / "dicom" / "ph001", truncated)
    victim = sorted(truncated.glob("*.dcm"))[3]
    victim.write_bytes(victim.read_bytes()[:400])
    four_d = np.zeros((16, 16, 4, 2), np.float32)
    nib.save(nib.Nifti1Image(four_d, np.eye(4)), scans / "patient4.nii.gz")
    (scans / "empty").mkdir()
    assert [scan.name for scan in find_scans(scans)] == ["notes.txt", "patient1", "patient2", "patient3", "patient4"]

    assert _segment(scans, tmp_path / "out", "--model", bundle_dir) == 1
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("lesionbench segment: error:")]
    assert len(errors) == 3, captured.err
    assert any("notes.txt: " in line and "not an image file" in line for line in errors)
    assert any(line.startswith("lesionbench segment: error: patient3: ") and "truncated" in line for line in errors)
    assert any("patient4: " in line and "4D image" in line for line in errors)
    assert "Traceback" not in captured.err
    assert "3 of 5 scan(s) failed" in captured.err

    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["patient1.nii.gz", "patient1.seg.dcm", "patient2.nii.gz",
                                                     "volumes.tsv"]
    table = pd.read_csv(out / "volumes.tsv", sep="\t")
    assert list(table.columns) == list(VOLUME_COLUMNS) and list(table["case"]) == ["patient1", "patient2"]
    assert list(table["input"]) == ["dicom", "image"]
    for row in table.itertuples():
        label = sitk.ReadImage(str(out / f"{row.case}.nii.gz"))
        mask = sitk.GetArrayFromImage(label) > 0
        spacing_zyx = label.GetSpacing()[::-1]
        assert row.volume_ml == pytest.approx(mask.sum() * np.prod(spacing_zyx) / 1000, abs=1e-4)
        assert row.abc2_ml == pytest.approx(abc2_ml(mask, spacing_zyx), abs=1e-4)
        assert row.components == (1 if mask.any() else 0)  # post-processing kept the largest component
    # nothing identifying: the fake DICOM identifiers appear in no output but the DICOM-SEG's references
    for path in (out / "patient1.nii.gz", out / "patient2.nii.gz", out / "volumes.tsv"):
        data = path.read_bytes() if path.suffix == ".tsv" else nib.load(path).header.structarr.tobytes()
        for value in fake_identifiers(0).values():
            assert value.encode() not in data, (path, value)


def test_an_image_file_and_probabilities(bundle_dir, phantom_root, tmp_path):
    image = nifti_of(phantom_root / "dicom" / "ph000", tmp_path / "scan.nii.gz")
    assert _segment(image, tmp_path / "out", "--model", bundle_dir, "--save-probabilities", "--tta", "flips",
                    "--folds", "1") == 0
    label = sitk.ReadImage(str(tmp_path / "out" / "scan.nii.gz"))
    prob = sitk.ReadImage(str(tmp_path / "out" / "probabilities" / "scan.nii.gz"))
    reference = sitk.ReadImage(str(image))
    for grid in (label, prob):
        assert grid.GetSize() == reference.GetSize()
        assert grid.GetOrigin() == pytest.approx(reference.GetOrigin())
        assert grid.GetDirection() == pytest.approx(reference.GetDirection())
    assert not (tmp_path / "out" / "scan.seg.dcm").exists()  # no DICOM source to reference


def test_a_png_slice_with_a_2d_bundle(bundle_dir, tmp_path):
    """A bundle of 2D slices (COVID-SemiSeg's preprocessing: no brain mask, no resampling)."""
    flat = tmp_path / "covid"
    checkpoints = [shutil.copytree(bundle_dir / f"fold-{k}", flat / f"fold-{k}") / "best.pt" for k in range(2)]
    write_manifest(flat, {**SETTINGS, "brain_mask": None,
                          "preprocess": {"spacing": None, "normalize": "none", "window": None, "crop_to_brain": False}},
                   checkpoints)
    slice_ = (np.random.default_rng(0).random((40, 48)) * 255).astype(np.uint8)
    sitk.WriteImage(sitk.GetImageFromArray(slice_), str(tmp_path / "slice.png"))
    assert _segment(tmp_path / "slice.png", tmp_path / "out", "--model", flat) == 0
    label = sitk.ReadImage(str(tmp_path / "out" / "slice.nii.gz"))
    assert label.GetSize() == (48, 40, 1)


def test_exported_bundle_gives_the_same_segmentation(bundle_dir, phantom_root, tmp_path, capsys):
    assert main(["export-model", str(bundle_dir), str(tmp_path / "unet.zip")]) == 0
    assert "unet (unet), 2 fold(s), post-processing largest_component" in capsys.readouterr().out
    with zipfile.ZipFile(tmp_path / "unet.zip") as archive:
        assert sorted(archive.namelist()) == ["fold-0/best.pt", "fold-1/best.pt", "model.json"]
    series = phantom_root / "dicom" / "ph000"
    assert _segment(series, tmp_path / "a", "--model", bundle_dir) == 0
    assert _segment(series, tmp_path / "b", "--model", tmp_path / "unet.zip") == 0
    np.testing.assert_array_equal(array(tmp_path / "a" / "ph000.nii.gz"), array(tmp_path / "b" / "ph000.nii.gz"))


def test_a_tampered_checkpoint_is_refused(bundle_dir, tmp_path, capsys):
    copy = tmp_path / "unet"
    shutil.copytree(bundle_dir, copy)
    checkpoint = copy / "fold-1" / "best.pt"
    data = bytearray(checkpoint.read_bytes())
    data[-100] ^= 0xFF
    checkpoint.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="checkpoint fold-1/best.pt of fold 1 does not match its SHA-256"):
        load_bundle(copy)
    assert _segment(tmp_path, tmp_path / "out", "--model", copy) == 2
    assert "does not match its SHA-256" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_incompatible_or_foreign_bundle_is_refused(bundle_dir, tmp_path):
    copy = tmp_path / "unet"
    shutil.copytree(bundle_dir, copy)
    manifest = json.loads((copy / "model.json").read_text())
    (copy / "model.json").write_text(json.dumps({**manifest, "lesionbench_version": "0.9.0"}))
    with pytest.raises(BundleError, match="written by lesionbench 0.9.0, incompatible with this lesionbench"):
        load_bundle(copy)
    (copy / "model.json").write_text(json.dumps({**manifest, "bundle_format": 7}))
    with pytest.raises(BundleError, match="bundle format 7; this lesionbench reads format 1"):
        load_bundle(copy)
    (copy / "model.json").write_text(json.dumps({**manifest, "modality": "PET"}))
    with pytest.raises(BundleError, match="model.json: modality: 'PET' is not one of 'CT' or 'MR'"):
        load_bundle(copy)
    (tmp_path / "evil.zip").write_bytes(b"")
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as archive:
        archive.writestr("model.json", json.dumps(manifest))
        archive.writestr("../escape.pt", b"x")
    with pytest.raises(BundleError, match="would unpack outside the bundle"):
        load_bundle(tmp_path / "evil.zip")
    with pytest.raises(BundleError, match="no fold\\(s\\) \\[4\\]"):
        load_bundle(bundle_dir).checkpoints([4])


def test_an_empty_folder_is_one_clear_error(bundle_dir, tmp_path, capsys):
    (tmp_path / "nothing").mkdir()
    assert _segment(tmp_path / "nothing", tmp_path / "out", "--model", bundle_dir) == 2
    assert capsys.readouterr().err.strip() == f"lesionbench segment: error: {tmp_path / 'nothing'}: no scan found (an empty folder)"


def test_case_selects_scans_of_a_folder_and_tables_gather(bundle_dir, phantom_root, tmp_path, capsys):
    """The workflow's one-case jobs: --case picks a scan of the folder, an unknown name is one
    clear error, and segment-volumes gathers the per-case tables in order."""
    scans = tmp_path / "scans"
    shutil.copytree(phantom_root / "dicom" / "ph000", scans / "p1")
    nifti_of(phantom_root / "dicom" / "ph001", scans / "p2.nii.gz")
    assert _segment(scans, tmp_path / "p2", "--model", bundle_dir, "--case", "p2", "--no-dicom-seg") == 0
    assert sorted(p.name for p in (tmp_path / "p2").iterdir()) == ["p2.nii.gz", "volumes.tsv"]
    assert _segment(scans, tmp_path / "p1", "--model", bundle_dir, "--case", "p1") == 0
    assert (tmp_path / "p1" / "p1.seg.dcm").is_file()
    capsys.readouterr()
    assert _segment(scans, tmp_path / "p3", "--model", bundle_dir, "--case", "p3") == 2
    assert f"{scans}: no scan named ['p3'] (found: p1, p2)" in capsys.readouterr().err
    tables = [str(tmp_path / case / "volumes.tsv") for case in ("p1", "p2")]
    assert main(["segment-volumes", *tables, "--out", str(tmp_path / "volumes.tsv")]) == 0
    gathered = pd.read_csv(tmp_path / "volumes.tsv", sep="\t")
    assert gathered["case"].tolist() == ["p1", "p2"] and list(gathered.columns) == list(VOLUME_COLUMNS)
    pd.testing.assert_frame_equal(gathered.iloc[[1]].reset_index(drop=True), pd.read_csv(tables[1], sep="\t"))
    (tmp_path / "bad.tsv").write_text("case\tvolume\nx\t1\n")
    assert main(["segment-volumes", str(tmp_path / "bad.tsv"), "--out", str(tmp_path / "v.tsv")]) == 2
    assert "bad.tsv: columns ['case', 'volume'], expected" in capsys.readouterr().err

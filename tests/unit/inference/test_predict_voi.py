"""``voi/{case}.npz``: the VOI crops that fold and test-set predictions of ``3d_voi`` models write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.inference import PredictSettings, predict_case_outputs, predict_ensemble, predict_fold
from lesionbench.metrics.voi import VOI_DIR, read_voi
from lesionbench.preprocess import load_preprocessed
from lesionbench.samples import CaseSamples, SampleSettings, crop_voi, extract_samples

from .test_predict import WindowThreshold, _checkpoint, _factory

#: z is longer than the preprocessed volume's 7 slices (padded); y, x are clamped inside and cut the lesion.
VOI = [10, 12, 16]
SAMPLES = {"layout": "3d_voi", "voi": VOI}
CASES = ["ph000", "ph001"]


def _predict(case_dir: Path, out: Path, checkpoint: Path, placement: str) -> list[Path]:
    return predict_fold(checkpoint, case_dir / "folds.json", 1, case_dir / "preprocessed", case_dir / "images", out,
                        PredictSettings(batch_size=2, placement=placement), device="cpu", network_factory=_factory)


def _expected_pred(case_dir: Path, case: str, start: tuple[int, ...]) -> np.ndarray:
    """WindowThreshold's label: foreground where channel 0 >= 0.7 (padding: 0, background)."""
    image = np.asarray(load_preprocessed(case_dir / "preprocessed" / f"{case}.npz")["image"])[0]
    return (crop_voi(image, start, VOI) >= 0.7).astype(np.uint8)


@pytest.mark.parametrize("placement", ["voi", "sliding_window"])
def test_the_reference_crop_is_the_samples_stage_voi(case_dir: Path, tmp_path: Path, placement: str) -> None:
    checkpoint = _checkpoint(tmp_path / "best.pt", SAMPLES)
    written = _predict(case_dir, tmp_path / "pred", checkpoint, placement)
    assert sorted(p.name for p in (tmp_path / "pred" / VOI_DIR).iterdir()) == ["ph000.npz", "ph001.npz"]
    settings = SampleSettings.from_dict(SAMPLES)
    for path in written:
        case = path.name.removesuffix(".nii.gz")
        crop = read_voi(tmp_path / "pred" / VOI_DIR / f"{case}.npz")
        index = extract_samples(case_dir / "preprocessed" / f"{case}.npz", tmp_path / "samples" / case, settings)
        stored = CaseSamples(tmp_path / "samples" / case).masks.rows(0, 1)[0, 0]
        assert list(crop.voi_start) == index["voi_start"] and list(crop.voi_size) == index["voi_size"] == VOI
        assert list(crop.spacing_mm) == index["spacing_mm"] == [4.0, 1.0, 1.0]
        assert crop.voi_start[0] < 0  # the 7 slices are padded to 10
        np.testing.assert_array_equal(crop.ref, (stored > 0).astype(np.uint8))
        assert crop.ref.dtype == np.uint8 and crop.ref.sum() > 0
        np.testing.assert_array_equal(crop.pred, _expected_pred(case_dir, case, crop.voi_start))
        assert crop.pred.sum() > 0


def test_the_ensemble_writes_crops_after_postprocessing(case_dir: Path, tmp_path: Path) -> None:
    checkpoints = [_checkpoint(tmp_path / f"fold{k}.pt", SAMPLES) for k in range(2)]
    settings = PredictSettings(batch_size=2, placement="sliding_window")
    args = (CASES, case_dir / "preprocessed", case_dir / "images")
    predict_ensemble(checkpoints, *args, tmp_path / "test", settings, device="cpu", network_factory=_factory)
    plain = read_voi(tmp_path / "test" / VOI_DIR / "ph000.npz")
    assert plain.pred.sum() > 0

    spacings = []

    def erase(label: sitk.Image) -> sitk.Image:
        spacings.append(tuple(round(s, 6) for s in label.GetSpacing()))
        return label * 0

    predict_ensemble(checkpoints, *args, tmp_path / "erased", settings, device="cpu", network_factory=_factory,
                     postprocess=erase)
    erased = read_voi(tmp_path / "erased" / VOI_DIR / "ph000.npz")
    # per case: the preprocessed volume (x, y, z mm) for the crop, then the original grid for the label map
    assert spacings == [(1.0, 1.0, 4.0), (0.7, 0.8, 4.0)] * 2
    assert erased.pred.sum() == 0
    np.testing.assert_array_equal(erased.ref, plain.ref)


def test_slice_layouts_and_new_scans_write_no_crop(case_dir: Path, tmp_path: Path) -> None:
    _predict(case_dir, tmp_path / "pred2d", _checkpoint(tmp_path / "2d.pt"), None)
    assert not (tmp_path / "pred2d" / VOI_DIR).exists()
    samples = SampleSettings.from_dict({**SAMPLES, "placement": "sliding_window"})
    npz, image = case_dir / "preprocessed" / "ph000.npz", case_dir / "images" / "ph000.nii.gz"
    # what lesionbench segment calls: the preprocessed grid is not kept, so no crop can be written
    assert predict_case_outputs([WindowThreshold()], npz, image, samples, device="cpu").preprocessed is None
    kept = predict_case_outputs([WindowThreshold()], npz, image, samples, device="cpu", keep_preprocessed=True)
    assert kept.preprocessed is not None and kept.preprocessed.prob.shape == kept.preprocessed.mask.shape

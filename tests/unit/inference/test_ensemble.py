"""Fold ensembles, mirroring test-time augmentation and probability maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import torch

from lesionbench.inference import (
    PredictSettings,
    SettingsError,
    predict_ensemble,
    predict_fold,
    predict_volume,
)
from lesionbench.samples import SampleSettings

from .test_predict import WindowThreshold, _checkpoint, _factory


class Ramp(torch.nn.Module):
    """Logit ``scale * (column - centre)`` whatever the input: not mirror-equivariant."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        width = x.shape[-1]
        ramp = (torch.arange(width, dtype=x.dtype) - (width - 1) / 2) * self.scale
        return ramp.expand(x.shape[0], 1, x.shape[-2], width).clone()


class Constant(torch.nn.Module):
    def __init__(self, logit: float) -> None:
        super().__init__()
        self.logit = logit

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.full((x.shape[0], 1, *x.shape[-2:]), self.logit, dtype=x.dtype)


SETTINGS = SampleSettings.from_dict({"size": [16, 16], "fit": "stretch"})
IMAGE = np.random.default_rng(0).random((1, 2, 16, 16), dtype=np.float32)


def test_flips_undo_the_mirroring_of_an_equivariant_network() -> None:
    """A pointwise network gives the same map with and without mirroring: each flip is undone."""
    image = np.zeros((1, 2, 16, 16), np.float32)
    image[0, :, 2:6, 9:15] = 1.0  # off-centre in both axes
    plain = predict_volume(WindowThreshold(), image, (1, 1, 1), SETTINGS, 4, "cpu")
    mirrored = predict_volume(WindowThreshold(), image, (1, 1, 1), SETTINGS, 4, "cpu", tta="flips")
    np.testing.assert_allclose(mirrored, plain, atol=1e-6)


def test_flips_average_the_mirrored_passes() -> None:
    """sigmoid(r) and its left-right mirror sigmoid(-r) average to exactly 1/2."""
    plain = predict_volume(Ramp(), IMAGE, (1, 1, 1), SETTINGS, 4, "cpu")
    assert plain[:, :, 0].max() < 0.01 and plain[:, :, -1].min() > 0.99
    mirrored = predict_volume(Ramp(), IMAGE, (1, 1, 1), SETTINGS, 4, "cpu", tta="flips")
    np.testing.assert_allclose(mirrored, 0.5, atol=1e-6)
    with pytest.raises(ValueError, match="unknown tta 'rot90' \\(valid: none, flips\\)"):
        predict_volume(Ramp(), IMAGE, (1, 1, 1), SETTINGS, 4, "cpu", tta="rot90")


def test_an_ensemble_averages_probabilities_not_logits() -> None:
    mean = predict_volume([Constant(10.0), Constant(-10.0), Constant(0.0)], IMAGE, (1, 1, 1), SETTINGS, 4, "cpu")
    expected = (1 / (1 + np.exp(-10.0)) + 1 / (1 + np.exp(10.0)) + 0.5) / 3  # 0.5; averaging logits would give 0.5 too
    np.testing.assert_allclose(mean, expected, atol=1e-6)
    skewed = predict_volume([Constant(4.0), Constant(0.0)], IMAGE, (1, 1, 1), SETTINGS, 4, "cpu")
    np.testing.assert_allclose(skewed, (1 / (1 + np.exp(-4.0)) + 0.5) / 2, atol=1e-6)  # not sigmoid(2)
    with pytest.raises(ValueError, match="no model"):
        predict_volume([], IMAGE, (1, 1, 1), SETTINGS, 4, "cpu")


def test_predict_ensemble_writes_labels_and_probability_maps(case_dir: Path, tmp_path: Path) -> None:
    checkpoints = [_checkpoint(tmp_path / f"fold{k}.pt") for k in range(2)]
    settings = PredictSettings(batch_size=4, save_probabilities=True, tta="flips")
    written = predict_ensemble(checkpoints, ["ph000", "ph001"], case_dir / "preprocessed", case_dir / "images",
                               tmp_path / "test", settings, device="cpu", network_factory=_factory)
    assert [p.name for p in written] == ["ph000.nii.gz", "ph001.nii.gz"]
    for path in written:
        label = sitk.ReadImage(str(path))
        prob = sitk.ReadImage(str(tmp_path / "test" / "probabilities" / path.name))
        image = sitk.ReadImage(str(case_dir / "images" / path.name))
        assert prob.GetPixelID() == sitk.sitkFloat32 and label.GetPixelID() == sitk.sitkUInt8
        for grid in (label, prob):
            assert grid.GetSize() == image.GetSize()
            assert grid.GetOrigin() == pytest.approx(image.GetOrigin())
            assert grid.GetDirection() == pytest.approx(image.GetDirection())
        values = sitk.GetArrayFromImage(prob)
        assert 0.0 <= values.min() and values.max() <= 1.0
        np.testing.assert_array_equal(sitk.GetArrayFromImage(label), (values >= 0.5).astype(np.uint8))


def test_fold_prediction_keeps_probabilities_only_when_asked(case_dir: Path, tmp_path: Path) -> None:
    checkpoint = _checkpoint(tmp_path / "best.pt")
    args = (checkpoint, case_dir / "folds.json", 1, case_dir / "preprocessed", case_dir / "images")
    predict_fold(*args, tmp_path / "plain", PredictSettings(), device="cpu", network_factory=_factory)
    assert not (tmp_path / "plain" / "probabilities").exists()
    predict_fold(*args, tmp_path / "kept", PredictSettings(save_probabilities=True), device="cpu",
                 network_factory=_factory)
    assert sorted(p.name for p in (tmp_path / "kept" / "probabilities").iterdir()) == ["ph000.nii.gz", "ph001.nii.gz"]


def test_an_ensemble_needs_one_sample_geometry(case_dir: Path, tmp_path: Path) -> None:
    first = _checkpoint(tmp_path / "a.pt")
    other = _checkpoint(tmp_path / "b.pt", {"size": [32, 32]})
    with pytest.raises(SettingsError, match="b.pt: trained on other samples than .*a.pt"):
        predict_ensemble([first, other], ["ph000"], case_dir / "preprocessed", case_dir / "images",
                         tmp_path / "out", PredictSettings(), device="cpu", network_factory=_factory)


def test_chosen_folds() -> None:
    assert PredictSettings().chosen_folds(5) == [0, 1, 2, 3, 4]
    assert PredictSettings.from_dict({"folds": [2, 0]}).chosen_folds(3) == [2, 0]
    with pytest.raises(SettingsError, match="predict.folds: fold\\(s\\) \\[3\\] do not exist"):
        PredictSettings.from_dict({"folds": [3]}).chosen_folds(3)

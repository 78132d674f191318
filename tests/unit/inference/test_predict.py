"""predict_fold round trip: preprocessed case -> fixed 'network' -> mask on the original grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import torch

from lesionbench.inference import (
    FoldsFileError,
    PredictSettings,
    SettingsError,
    fold_test_cases,
    predict_fold,
    predict_volume,
)
from lesionbench.samples import SampleSettings
from lesionbench.training import CheckpointError

from .conftest import DIRECTION, ORIGIN, SPACING, write_folds


class WindowThreshold(torch.nn.Module):
    """Test scaffolding: logit +/-10 where channel 0 of the input is above/below ``level``.

    With the CT window [40, 80] HU -> [0, 1], 75 HU (lesion) maps to 0.94 and 35 HU (brain)
    to 0.44, so ``level = 0.7`` segments the lesion exactly on the preprocessed grid.
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 1, level: float = 0.7, channel: int = 0) -> None:
        super().__init__()
        self.register_buffer("level", torch.tensor(float(level)))
        self.out_channels, self.channel = out_channels, channel

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logit = (x[:, self.channel:self.channel + 1] - self.level) * 40.0
        if self.out_channels == 1:
            return logit
        return torch.cat([torch.zeros_like(logit), logit], dim=1)


def _factory(name: str, **kwargs: object) -> torch.nn.Module:
    assert name == "window_threshold"
    return WindowThreshold(**kwargs)


def _checkpoint(path: Path, samples: dict | None = None, out_channels: int = 1) -> Path:
    """A checkpoint of the fixed network, trained (so to speak) on ``samples`` (default: 2D, 48 x 48)."""
    settings = SampleSettings.from_dict(samples if samples is not None else {"size": [48, 48]})
    geometry = settings.geometry()
    target = settings.slice_offsets.index(0) if settings.layout == "2.5d" else 0  # the target slice's channel
    kwargs = {"in_channels": 1, "out_channels": out_channels, "level": 0.7, "channel": target}
    checkpoint = {"network": {"name": "window_threshold", "kwargs": kwargs},
                  "state_dict": WindowThreshold(**kwargs).state_dict(), "epoch": 1}
    checkpoint["data"] = {"sample_shape": geometry["size"], "samples": geometry}
    torch.save(checkpoint, path)
    return path


def _dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2.0 * np.logical_and(a, b).sum() / (a.sum() + b.sum())


@pytest.mark.parametrize(("out_channels", "samples"), [
    (1, None), (2, None), (1, {"size": [48, 48], "fit": "stretch"}), (1, {"size": [32, 40], "fit": "crop"}),
    (1, {"layout": "2.5d", "size": [40, 40], "slice_offsets": [-1, 0, 1]}),
])
def test_round_trip_recovers_reference_on_original_grid(case_dir: Path, tmp_path: Path, out_channels: int,
                                                        samples: dict | None) -> None:
    checkpoint = _checkpoint(tmp_path / "best.pt", samples, out_channels=out_channels)
    written = predict_fold(checkpoint, case_dir / "folds.json", 1, case_dir / "preprocessed", case_dir / "images",
                           tmp_path / "pred", PredictSettings(batch_size=3), device="cpu", network_factory=_factory)
    assert written == [tmp_path / "pred" / "ph000.nii.gz", tmp_path / "pred" / "ph001.nii.gz"]
    for path in written:
        prediction = sitk.ReadImage(str(path))
        reference = sitk.ReadImage(str(case_dir / "masks" / path.name))
        assert prediction.GetPixelID() == sitk.sitkUInt8
        assert prediction.GetSize() == reference.GetSize() == (44, 40, 7)
        assert prediction.GetSpacing() == pytest.approx(SPACING, abs=1e-6)
        assert prediction.GetOrigin() == pytest.approx(ORIGIN, abs=1e-6)
        assert prediction.GetDirection() == pytest.approx(DIRECTION, abs=1e-6)
        predicted = sitk.GetArrayFromImage(prediction)
        assert set(np.unique(predicted)) <= {0, 1}
        assert _dice(predicted > 0, sitk.GetArrayFromImage(reference) > 0) > 0.95
    assert sorted(p.name for p in (tmp_path / "pred").iterdir()) == ["ph000.nii.gz", "ph001.nii.gz"]


def test_predict_volume_shapes_and_probabilities() -> None:
    image = np.zeros((1, 3, 20, 30), np.float32)
    image[0, 1, 5:15, 10:20] = 1.0
    settings = SampleSettings.from_dict({"size": [16, 16]})
    prob = predict_volume(WindowThreshold(), image, (1.0, 1.0, 5.0), settings, batch_size=2, device="cpu")
    assert prob.shape == (3, 20, 30) and prob.dtype == np.float32
    assert prob[1, 10, 15] == pytest.approx(1 / (1 + np.exp(-12.0)), rel=1e-5)  # sigmoid((1 - 0.7) * 40)
    assert prob[0].max() == pytest.approx(1 / (1 + np.exp(28.0)), rel=1e-3)  # sigmoid((0 - 0.7) * 40)
    two = predict_volume(WindowThreshold(out_channels=2), image, (1.0, 1.0, 5.0), settings, batch_size=8, device="cpu")
    np.testing.assert_allclose(two, prob, atol=1e-6)  # softmax channel 1 of [0, l] = sigmoid(l)
    with pytest.raises(ValueError, match="non-empty \\(C, Z, Y, X\\)"):
        predict_volume(WindowThreshold(), image[0], (1.0, 1.0, 5.0), settings, 2, "cpu")


def test_sample_geometry_comes_from_the_checkpoint(case_dir: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.pt"
    torch.save({"network": {"name": "window_threshold", "kwargs": {}}, "state_dict": WindowThreshold().state_dict(),
                "data": {"sample_shape": [48, 48]}}, old)
    args = (case_dir / "folds.json", 1, case_dir / "preprocessed", case_dir / "images", tmp_path / "p")
    with pytest.raises(SettingsError, match="old.pt: records no sample geometry .*retrain it"):
        predict_fold(old, *args, PredictSettings(), device="cpu", network_factory=_factory)
    assert not (tmp_path / "p").exists()
    with pytest.raises(SettingsError, match="predict.size: unknown setting"):
        PredictSettings.from_dict({"size": [32, 32]})


def test_missing_inputs_are_named_before_anything_is_written(case_dir: Path, tmp_path: Path) -> None:
    folds = write_folds(tmp_path / "folds.json", ["ph000", "ph999"])
    with pytest.raises(FileNotFoundError, match="ph999.npz: input of test case not found"):
        predict_fold(_checkpoint(tmp_path / "best.pt"), folds, 1, case_dir / "preprocessed", case_dir / "images",
                     tmp_path / "pred", PredictSettings(), device="cpu", network_factory=_factory)
    assert not (tmp_path / "pred").exists()
    with pytest.raises(FileNotFoundError, match="nothing.pt: checkpoint not found"):
        predict_fold(tmp_path / "nothing.pt", case_dir / "folds.json", 1, case_dir / "preprocessed",
                     case_dir / "images", tmp_path / "pred", PredictSettings(), device="cpu", network_factory=_factory)
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="junk.pt: cannot be read as a checkpoint"):
        predict_fold(tmp_path / "junk.pt", case_dir / "folds.json", 1, case_dir / "preprocessed",
                     case_dir / "images", tmp_path / "pred", PredictSettings(), device="cpu", network_factory=_factory)


def test_fold_test_cases(tmp_path: Path) -> None:
    folds = write_folds(tmp_path / "folds.json", ["x", "y"])
    assert fold_test_cases(folds, 1) == ["x", "y"]
    with pytest.raises(FoldsFileError, match="folds.json: no fold 5 \\(folds: \\[0, 1\\]\\)"):
        fold_test_cases(folds, 5)
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(FoldsFileError, match="bad.json: not a folds file"):
        fold_test_cases(tmp_path / "bad.json", 0)

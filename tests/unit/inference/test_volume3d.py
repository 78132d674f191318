"""3D prediction of the ``3d_voi`` layout: the oracle VOI placement and MONAI's sliding window."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lesionbench.inference import PlacementError, predict_volume
from lesionbench.samples import SampleSettings


class Pointwise(nn.Module):
    """Logit ``20 * (x - 0.5)`` per voxel: its probability does not depend on the window."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 20.0 * (x[:, :1] - 0.5)


class Shifted(nn.Module):
    """A logit that looks at the next voxel along x: not mirror-symmetric."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 20.0 * (torch.roll(x[:, :1], shifts=1, dims=4) - 0.5)


def _volume(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    image = rng.random((1, 20, 26, 30)).astype(np.float32)
    mask = np.zeros((20, 26, 30), dtype=np.uint8)
    mask[8:12, 10:14, 12:18] = 1
    return image, mask


def _settings(placement: str) -> SampleSettings:
    return SampleSettings.from_dict({"layout": "3d_voi", "voi": [16, 16, 16], "placement": placement})


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def test_sliding_window_covers_the_volume_as_one_pass_would():
    image, mask = _volume()
    prob = predict_volume(Pointwise(), image, (1.0, 1.0, 1.0), _settings("sliding_window"), batch_size=2,
                          device="cpu", amp=False, mask_zyx=None)
    assert prob.shape == (20, 26, 30) and prob.dtype == np.float32
    np.testing.assert_allclose(prob, _sigmoid(20.0 * (image[0] - 0.5)), atol=1e-5)


def test_the_voi_placement_predicts_the_reference_voi_only():
    image, mask = _volume()
    prob = predict_volume(Pointwise(), image, (1.0, 1.0, 1.0), _settings("voi"), batch_size=1, device="cpu",
                          amp=False, mask_zyx=mask)
    expected = _sigmoid(20.0 * (image[0] - 0.5))
    # the lesion box centres 10, 12, 15: the VOI starts at 2, 4, 7
    np.testing.assert_allclose(prob[2:18, 4:20, 7:23], expected[2:18, 4:20, 7:23], atol=1e-5)
    inside = np.zeros(prob.shape, dtype=bool)
    inside[2:18, 4:20, 7:23] = True
    assert prob[~inside].max() == 0.0
    with pytest.raises(PlacementError, match="has none; predict it with placement 'sliding_window'"):
        predict_volume(Pointwise(), image, (1.0, 1.0, 1.0), _settings("voi"), 1, "cpu", False,
                       mask_zyx=np.zeros_like(mask))


def test_flips_average_the_eight_mirrorings():
    image, mask = _volume(1)
    settings = _settings("voi")
    prob = predict_volume(Shifted(), image, (1.0, 1.0, 1.0), settings, 1, "cpu", False, tta="flips", mask_zyx=mask)
    plain = predict_volume(Shifted(), image, (1.0, 1.0, 1.0), settings, 1, "cpu", False, tta="none", mask_zyx=mask)
    voi = torch.from_numpy(image[:, 2:18, 4:20, 7:23][None])
    expected = torch.zeros(16, 16, 16)
    for axes in ((), (2,), (3,), (4,), (2, 3), (2, 4), (3, 4), (2, 3, 4)):
        flipped = torch.flip(voi, axes) if axes else voi
        out = torch.sigmoid(Shifted()(flipped))
        expected += (torch.flip(out, axes) if axes else out)[0, 0]
    np.testing.assert_allclose(prob[2:18, 4:20, 7:23], (expected / 8).numpy(), atol=1e-5)
    assert not np.allclose(prob, plain)


def test_an_ensemble_averages_its_models_probabilities(capsys):
    image, mask = _volume(2)
    settings = _settings("sliding_window")
    one = predict_volume(Pointwise(), image, (1.0, 1.0, 1.0), settings, 2, "cpu", False)
    other = predict_volume(Shifted(), image, (1.0, 1.0, 1.0), settings, 2, "cpu", False)
    both = predict_volume([Pointwise(), Shifted()], image, (1.0, 1.0, 1.0), settings, 2, "cpu", False, progress=True)
    np.testing.assert_allclose(both, (one + other) / 2, atol=1e-6)
    assert "folds" in capsys.readouterr().err  # the progress bar over the 2 fold models

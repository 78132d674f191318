"""Prediction of one preprocessed volume by 3D networks (the ``3d_voi`` layout; paper 001).

Two placements (``samples.placement``):

- ``"voi"``: the VOI the training samples were cut with, placed from the reference lesion
  (:func:`lesionbench.samples.voi_start`), predicted in one pass and pasted back into a volume
  of zeros: paper 001's protocol (section 3.2 (4)), an oracle localisation, since it needs the
  reference at test time.
- ``"sliding_window"``: the whole volume with MONAI's
  :func:`~monai.inferers.sliding_window_inference`, windows of the VOI size overlapping by
  ``overlap`` and blended with Gaussian importance weights (``mode="gaussian"``, sigma 1/8 of
  the window, as nnU-Net), so scans without a reference are segmented too.

The network sees the preprocessed voxels directly (no in-plane fit), so the probability lies on
the cropped preprocessed grid, as the slice layouts' does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from lesionbench.inference.runtime import autocast, to_device
from lesionbench.networks.multitask import class_probability, classification_logits
from lesionbench.samples import SampleSettings, crop_voi, paste_voi, voi_start

#: TTA mode -> the sets of axes of a ``(B, C, D, H, W)`` batch mirrored, one pass each: every
#: combination of the three spatial axes (8 passes), as nnU-Net mirrors 3D inputs.
TTA_FLIPS_3D: dict[str, tuple[tuple[int, ...], ...]] = {
    "none": ((),),
    "flips": ((), (4,), (3,), (2,), (3, 4), (2, 4), (2, 3), (2, 3, 4)),
}

#: Window overlap of the sliding-window placement (fraction of the window; nnU-Net uses 0.5).
SLIDING_WINDOW_OVERLAP = 0.5
#: Gaussian sigma of the window weights, as a fraction of the window size (MONAI's and nnU-Net's 1/8).
SLIDING_WINDOW_SIGMA = 0.125


#: The predicted lesion the class VOI is centred on (sliding-window placement): probability >= this.
CLASS_VOI_THRESHOLD = 0.5


class PlacementError(ValueError):
    """A placement that cannot be used for this volume (a VOI without a reference lesion)."""


def ensemble_probability(models: Sequence[torch.nn.Module], batch: torch.Tensor, tta: str,
                         device: torch.device, amp: Any) -> torch.Tensor:
    """Mean foreground probability ``(B, 1, D, H, W)`` over the models and mirrorings of ``batch``.

    Args:
        models: 3D networks ``(B, C, D, H, W) -> (B, K, D, H, W)`` logits (or a result with ``.seg``).
        batch: ``(B, C, D, H, W)`` on ``device``.
        tta: a key of :data:`TTA_FLIPS_3D`.
    """
    from lesionbench.inference.volume import mean_probability

    if tta not in TTA_FLIPS_3D:
        raise ValueError(f"unknown tta {tta!r} (valid: {', '.join(TTA_FLIPS_3D)})")
    return mean_probability(models, batch, TTA_FLIPS_3D[tta], device, amp)[:, None]


def predict_volume_3d(models: Sequence[torch.nn.Module], image_czyx: np.ndarray, mask_zyx: np.ndarray | None,
                      settings: SampleSettings, batch_size: int, device: torch.device, amp: Any,
                      tta: str = "none", overlap: float = SLIDING_WINDOW_OVERLAP, progress: bool = False) -> np.ndarray:
    """Foreground probability ``(Z, Y, X)`` of a preprocessed volume, on its (cropped) grid.

    Args:
        models: the fold networks, in eval mode on ``device``.
        image_czyx: ``(C, Z, Y, X)`` float image, as in the preprocessed ``.npz``.
        mask_zyx: the reference lesion on the same grid (the ``voi`` placement needs it; an
            all-zero mask is no reference), or ``None``.
        settings: ``voi`` (the window) and ``placement``.
        batch_size: windows per forward pass (sliding window).
        tta: ``"none"`` or ``"flips"`` (8 mirrorings).
        overlap: sliding-window overlap in ``[0, 1)``.
        progress: a progress bar over the fold models (when there are several).

    Raises:
        PlacementError: ``placement: voi`` without a reference lesion.
    """
    from lesionbench.inference.volume import fold_progress

    voi = tuple(int(n) for n in settings.voi)
    total: np.ndarray | None = None
    for model in fold_progress(models, progress):
        prob = _one_model(model, image_czyx, mask_zyx, voi, settings.placement, batch_size, device, amp, tta, overlap)
        total = prob if total is None else total + prob
    assert total is not None
    return total / len(models)


def reference_lesion(mask_zyx: np.ndarray | None) -> np.ndarray:
    """The reference lesion a classifier's VOI is placed on (it cannot localise one itself).

    Raises:
        PlacementError: no mask, or an empty one.
    """
    if mask_zyx is None or not np.any(mask_zyx > 0):
        raise PlacementError("a classifier (a network without segmentation output) classifies the VOI on the "
                             "reference lesion, and this volume has none")
    return np.asarray(mask_zyx)


@torch.no_grad()
def class_probability_3d(models: Sequence[torch.nn.Module], image_czyx: np.ndarray, mask_zyx: np.ndarray,
                         settings: SampleSettings, tta: str, device: torch.device, amp: Any) -> float | None:
    """The ensemble's probability of class 1 for the VOI centred on ``mask_zyx`` (paper 001's class).

    Args:
        models: the fold networks; multi-task ones return ``.cls`` (otherwise ``None`` is returned).
        image_czyx: the preprocessed volume.
        mask_zyx: where the lesion is: the reference (placement ``voi``) or the predicted lesion
            (probability >= :data:`CLASS_VOI_THRESHOLD`, placement ``sliding_window``); no lesion:
            the VOI at the volume's centre.
        settings: ``voi``.
        tta: ``"flips"`` averages the class probability over the 8 mirrorings of the VOI.

    Returns:
        The mean over models and mirrorings of
        :func:`lesionbench.networks.multitask.class_probability` (each model's
        ``class_probability_mode``, ``"sigmoid"`` by default), or ``None`` for networks without
        a class output.
    """
    voi = tuple(int(n) for n in settings.voi)
    start = voi_start(mask_zyx, voi)
    window = to_device(torch.from_numpy(np.ascontiguousarray(crop_voi(image_czyx.astype(np.float32), start, voi))[None]),
                       device)
    values = []
    for model in models:
        mode = getattr(model, "class_probability_mode", "sigmoid")
        for axes in TTA_FLIPS_3D[tta]:
            with autocast(device, amp):
                output = model(torch.flip(window, axes) if axes else window)
            logits = classification_logits(output)
            if logits is None:
                return None
            values.append(float(class_probability(logits.float(), mode)[0]))
    return float(np.mean(values))


def _one_model(model: torch.nn.Module, image_czyx: np.ndarray, mask_zyx: np.ndarray | None, voi: tuple[int, ...],
               placement: str, batch_size: int, device: torch.device, amp: Any, tta: str,
               overlap: float) -> np.ndarray:
    """One model's probability ``(Z, Y, X)`` (:func:`predict_volume_3d`)."""
    models = [model]
    shape = image_czyx.shape[1:]
    if placement == "voi":
        if mask_zyx is None or not np.any(mask_zyx > 0):
            raise PlacementError("samples.placement 'voi' places the VOI on the reference lesion, and this volume has "
                                 "none; predict it with placement 'sliding_window'")
        start = voi_start(mask_zyx, voi)
        window = torch.from_numpy(np.ascontiguousarray(crop_voi(image_czyx.astype(np.float32), start, voi))[None])
        prob = ensemble_probability(models, to_device(window, device), tta, device, amp)[0, 0].cpu().numpy()
        return paste_voi(prob, start, shape)
    from monai.inferers import sliding_window_inference

    volume = to_device(torch.from_numpy(np.ascontiguousarray(image_czyx, dtype=np.float32))[None], device)
    prob = sliding_window_inference(
        volume, roi_size=voi, sw_batch_size=batch_size,
        predictor=lambda windows: ensemble_probability(models, windows, tta, device, amp),
        overlap=overlap, mode="gaussian", sigma_scale=SLIDING_WINDOW_SIGMA, padding_mode="constant", cval=0.0,
    )
    return prob[0, 0].float().cpu().numpy()

"""Prediction of one preprocessed volume: slice by slice for the 2D and 2.5D layouts.

Every axial slice is fitted to the network input with the same forward map that built the
training samples (:func:`lesionbench.samples.fit_images`, the in-plane fit of
:mod:`lesionbench.resampling.planar`; paper 000 section 1.2), stacked with its neighbours for
2.5D layouts, and the foreground probability is mapped back with the exact inverse
(:func:`lesionbench.resampling.from_network`), so the result lies on the cropped preprocessed grid.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from lesionbench.inference.runtime import (
    autocast,
    foreground_probability,
    resolve_amp,
    resolve_device,
    segmentation_logits,
    to_device,
)
from lesionbench.resampling import from_network
from lesionbench.samples import SampleSettings, fit_images, get_layout, slice_fit

#: TTA mode -> the sets of input axes mirrored, one forward pass each (axes of a ``(B, C, H, W)``
#: batch: 2 = H (y), 3 = W (x)). Every combination of the in-plane axes, as nnU-Net mirrors.
TTA_FLIPS: dict[str, tuple[tuple[int, ...], ...]] = {
    "none": ((),),
    "flips": ((), (3,), (2,), (2, 3)),
}


def fold_progress(models: Sequence[torch.nn.Module], progress: bool) -> Iterable[torch.nn.Module]:
    """``models``, with a transient progress bar over them when ``progress`` and there are several."""
    return tqdm(models, desc="folds", unit="fold", leave=False, file=sys.stderr,
                disable=not progress or len(models) < 2)


def tta_flips(tta: str) -> tuple[tuple[int, ...], ...]:
    """The mirrorings of :data:`TTA_FLIPS` for ``tta``.

    Raises:
        ValueError: an unknown mode, listing the valid ones.
    """
    if tta not in TTA_FLIPS:
        raise ValueError(f"unknown tta {tta!r} (valid: {', '.join(TTA_FLIPS)})")
    return TTA_FLIPS[tta]


def mean_probability(models: Sequence[torch.nn.Module], batch: torch.Tensor, flips: Sequence[tuple[int, ...]],
                     device: torch.device, amp: Any) -> torch.Tensor:
    """Mean foreground probability ``(B, *spatial)`` over every model and mirroring of ``batch``
    ``(B, C, *spatial)``; ``flips`` lists the batch axes mirrored in each pass."""
    total: torch.Tensor | None = None
    for model in models:
        for axes in flips:
            inputs = torch.flip(batch, axes) if axes else batch
            with autocast(device, amp):
                logits = segmentation_logits(model(inputs))
            prob = foreground_probability(logits).float()
            if axes:
                prob = torch.flip(prob, tuple(axis - 1 for axis in axes))  # (B, *spatial): one axis fewer
            total = prob if total is None else total + prob
    assert total is not None
    return total / (len(models) * len(flips))


@torch.no_grad()
def predict_volume_and_class(models: torch.nn.Module | Sequence[torch.nn.Module], image_czyx: np.ndarray,
                   spacing_xyz: Sequence[float], settings: SampleSettings, batch_size: int,
                   device: str | torch.device = "auto", amp: bool | str = "auto", tta: str = "none",
                   mask_zyx: np.ndarray | None = None, overlap: float = 0.5,
                   progress: bool = False) -> tuple[np.ndarray | None, float | None]:
    """Foreground probability of every voxel of a preprocessed volume, averaged over an ensemble.

    Slice layouts are predicted slice by slice here; the ``3d_voi`` layout by
    :func:`lesionbench.inference.volume3d.predict_volume_3d` (``mask_zyx`` places its VOI,
    ``overlap`` spaces its sliding windows).

    Args:
        models: one 2D network or several (the folds of an ensemble), each ``(B, C', H, W) ->
            (B, K, H, W)`` logits (or a result with ``.seg``); put in eval mode here and expected
            to live on ``device`` already. Their probabilities (not logits) are averaged, as
            nnU-Net ensembles folds.
        image_czyx: ``(C, Z, Y, X)`` float image, as in the preprocessed ``.npz``.
        spacing_xyz: its voxel spacing, mm (the fit keeps the physical aspect).
        settings: the sample geometry the models were trained on (layout, size, fit, 2.5D
            offsets, antialiasing), as stored in their checkpoints.
        batch_size: slices per forward pass.
        device: where the models live (``"auto"``: CUDA if available).
        amp: autocast on CUDA, as :func:`~lesionbench.inference.runtime.resolve_amp` reads it:
            ``"auto"`` means bfloat16 (float16 on older GPUs) on CUDA, none on the CPU.
        tta: ``"none"`` or ``"flips"`` (:data:`TTA_FLIPS`: the mean over the 4 mirrorings of
            the slice plane).
        mask_zyx: the reference on the volume's grid (``3d_voi`` with ``placement: voi`` only).
        overlap: sliding-window overlap (``3d_voi`` with ``placement: sliding_window``).
        progress: show a progress bar over the fold models (when there are several).

    Returns:
        ``(probability, class probability)``: ``(Z, Y, X)`` float32 foreground probabilities in
        [0, 1] (sigmoid of one logit channel, or softmax channel 1 for two or more), on the
        cropped preprocessed grid; the probability of class 1 of multi-task 3D networks
        (:func:`lesionbench.inference.volume3d.class_probability_3d`), else ``None``. Networks
        without segmentation output (paper 001's CNN) give ``(None, class probability)``, the
        class of the VOI on the reference lesion (``mask_zyx``).

    Raises:
        ValueError: if ``image_czyx`` is not a non-empty 4D array, ``batch_size`` < 1, no model
            is given or ``tta`` is unknown; a classifier without a reference lesion
            (:class:`~lesionbench.inference.volume3d.PlacementError`).
    """
    if image_czyx.ndim != 4 or 0 in image_czyx.shape:
        raise ValueError(f"image must be a non-empty (C, Z, Y, X) array, got shape {image_czyx.shape}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    models = [models] if isinstance(models, torch.nn.Module) else list(models)
    if not models:
        raise ValueError("no model to predict with")
    device = resolve_device(device)
    amp = resolve_amp(amp, device)
    for model in models:
        model.eval()
    if get_layout(settings.layout).network_inputs is None:
        from lesionbench.inference.volume3d import predict_volume_3d

        from lesionbench.inference.volume3d import CLASS_VOI_THRESHOLD, class_probability_3d, reference_lesion
        from lesionbench.networks.factory import module_segments

        if not any(module_segments(model) for model in models):  # classifiers: the class of the reference VOI
            return None, class_probability_3d(models, image_czyx, reference_lesion(mask_zyx), settings, tta, device,
                                              amp)
        prob = predict_volume_3d(models, image_czyx, mask_zyx, settings, batch_size, device, amp, tta, overlap,
                                 progress)
        lesion = mask_zyx if settings.placement == "voi" else (prob >= CLASS_VOI_THRESHOLD)
        cls_prob = class_probability_3d(models, image_czyx, np.asarray(lesion), settings, tta, device, amp)
        return np.clip(prob, 0.0, 1.0).astype(np.float32, copy=False), cls_prob
    flips = tta_flips(tta)
    fit = slice_fit(image_czyx.shape[1:], spacing_xyz, settings)
    inputs = get_layout(settings.layout).network_inputs(fit_images(image_czyx, fit, settings), settings)
    slices = torch.from_numpy(np.ascontiguousarray(inputs))
    total: torch.Tensor | None = None
    for model in fold_progress(models, progress):
        probabilities = [mean_probability([model], to_device(slices[start:start + batch_size], device), flips,
                                           device, amp).cpu()
                         for start in range(0, slices.shape[0], batch_size)]
        model_prob = torch.cat(probabilities)
        total = model_prob if total is None else total + model_prob
    assert total is not None
    prob_zhw = (total / len(models)).numpy()
    prob = from_network(prob_zhw, fit, settings.resampling.antialias)
    return np.clip(prob, 0.0, 1.0).astype(np.float32, copy=False), None


def predict_volume(models: torch.nn.Module | Sequence[torch.nn.Module], image_czyx: np.ndarray,
                   spacing_xyz: Sequence[float], settings: SampleSettings, batch_size: int,
                   device: str | torch.device = "auto", amp: bool | str = "auto", tta: str = "none",
                   mask_zyx: np.ndarray | None = None, overlap: float = 0.5, progress: bool = False) -> np.ndarray:
    """The foreground probability ``(Z, Y, X)`` of :func:`predict_volume_and_class`."""
    return predict_volume_and_class(models, image_czyx, spacing_xyz, settings, batch_size, device, amp, tta,
                                    mask_zyx, overlap, progress)[0]

"""Slice-by-slice prediction of one preprocessed volume (the 2D and 2.5D layouts).

Every axial slice is fitted to the network input with the same forward map that built the
training samples (:func:`lesionbench.samples.fit_images`, the in-plane fit of
:mod:`lesionbench.resampling.planar`; paper 000 section 1.2), stacked with its neighbours for
2.5D layouts, and the foreground probability is mapped back with the exact inverse
(:func:`lesionbench.resampling.from_network`), so the result lies on the cropped preprocessed grid.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from lesionbench.inference.runtime import (
    autocast, foreground_probability, resolve_amp, resolve_device, segmentation_logits, to_device,
)
from lesionbench.resampling import from_network
from lesionbench.samples import SampleSettings, fit_images, get_layout, slice_fit


@torch.no_grad()
def predict_volume(model: torch.nn.Module, image_czyx: np.ndarray, spacing_xyz: Sequence[float],
                   settings: SampleSettings, batch_size: int, device: str | torch.device = "auto",
                   amp: bool | str = "auto") -> np.ndarray:
    """Foreground probability of every voxel of a preprocessed volume.

    Args:
        model: a 2D network ``(B, C', H, W) -> (B, K, H, W)`` logits (or a result with ``.seg``);
            put in eval mode here and expected to live on ``device`` already.
        image_czyx: ``(C, Z, Y, X)`` float image, as in the preprocessed ``.npz``.
        spacing_xyz: its voxel spacing, mm (the fit keeps the physical aspect).
        settings: the sample geometry the model was trained on (layout, size, fit, 2.5D
            offsets, antialiasing), as stored in its checkpoint.
        batch_size: slices per forward pass.
        device: where ``model`` lives (``"auto"``: CUDA if available).
        amp: autocast on CUDA, as :func:`~lesionbench.inference.runtime.resolve_amp` reads it:
            ``"auto"`` means bfloat16 (float16 on older GPUs) on CUDA, none on the CPU.

    Returns:
        ``(Z, Y, X)`` float32 probabilities in [0, 1] (sigmoid of one logit channel, or
        softmax channel 1 for two or more).

    Raises:
        ValueError: if ``image_czyx`` is not a non-empty 4D array or ``batch_size`` < 1.
    """
    if image_czyx.ndim != 4 or 0 in image_czyx.shape:
        raise ValueError(f"image must be a non-empty (C, Z, Y, X) array, got shape {image_czyx.shape}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    device = resolve_device(device)
    amp = resolve_amp(amp, device)
    model.eval()
    fit = slice_fit(image_czyx.shape[1:], spacing_xyz, settings)
    inputs = get_layout(settings.layout).network_inputs(fit_images(image_czyx, fit, settings), settings)
    slices = torch.from_numpy(np.ascontiguousarray(inputs))
    probabilities = []
    for start in range(0, slices.shape[0], batch_size):
        batch = to_device(slices[start:start + batch_size], device)
        with autocast(device, amp):
            logits = segmentation_logits(model(batch))
        probabilities.append(foreground_probability(logits).float().cpu())
    prob_zhw = torch.cat(probabilities).numpy()
    prob = from_network(prob_zhw, fit, settings.resampling.antialias)
    return np.clip(prob, 0.0, 1.0).astype(np.float32, copy=False)

"""Slice-by-slice prediction of one preprocessed volume (the 2D layout of papers 000, 002, 004).

Every axial slice is resized to the network's input size with the same forward transform that
built the training samples (:func:`lesionbench.samples.to_network_slices`; paper 000 section
1.2), and the foreground probability is resized back with its inverse, so the result lies on
the cropped preprocessed grid.
"""

from __future__ import annotations

import numpy as np
import torch

from lesionbench.inference.runtime import (
    autocast, foreground_probability, resolve_amp, resolve_device, segmentation_logits, to_device,
)
from lesionbench.samples import from_network_slices, to_network_slices
from lesionbench.samples.slicing import to_network_stacks


@torch.no_grad()
def predict_volume(model: torch.nn.Module, image_czyx: np.ndarray, size: tuple[int, int], batch_size: int,
                   device: str | torch.device = "auto", amp: bool | str = "auto",
                   slice_offsets: tuple[int, ...] | None = None) -> np.ndarray:
    """Foreground probability of every voxel of a preprocessed volume.

    Args:
        model: a 2D network ``(B, C, H, W) -> (B, K, H, W)`` logits (or a result with ``.seg``);
            put in eval mode here and expected to live on ``device`` already.
        image_czyx: ``(C, Z, Y, X)`` float image, as in the preprocessed ``.npz``.
        size: ``(H, W)`` network input size in pixels.
        batch_size: slices per forward pass.
        device: where ``model`` lives (``"auto"``: CUDA if available).
        amp: autocast on CUDA, as :func:`~lesionbench.inference.runtime.resolve_amp` reads it:
            ``"auto"`` means bfloat16 (float16 on older GPUs) on CUDA, none on the CPU.
        slice_offsets: ``None`` for 2D slices, else the 2.5D stack of neighbouring slices as
            channels (:func:`lesionbench.samples.to_network_stacks`, paper 003).

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
    if slice_offsets is None:
        inputs = to_network_slices(image_czyx, tuple(size))
    else:
        inputs = to_network_stacks(image_czyx, tuple(size), tuple(slice_offsets))
    slices = torch.from_numpy(np.ascontiguousarray(inputs))
    probabilities = []
    for start in range(0, slices.shape[0], batch_size):
        batch = to_device(slices[start:start + batch_size], device)
        with autocast(device, amp):
            logits = segmentation_logits(model(batch))
        probabilities.append(foreground_probability(logits).cpu())
    prob_zhw = torch.cat(probabilities).numpy()
    prob = from_network_slices(prob_zhw, image_czyx.shape[2:])
    return np.clip(prob, 0.0, 1.0).astype(np.float32, copy=False)

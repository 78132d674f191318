"""Centre-aligned resizing of image, label and probability arrays (2D and 3D), with antialiasing.

Every resize here maps output pixel centres onto input pixel centres by the same rule
(``align_corners=False``: output index ``i`` samples input coordinate ``(i + 0.5) * n_in / n_out
- 0.5``), so an image and its label, resized to the same shape, stay aligned, and resizing back
to the original shape is the exact geometric inverse. The legacy floor-``nearest`` rule of
:func:`torch.nn.functional.interpolate` (a grid shifted by up to half an output pixel) is never
used.

Downsampling is antialiased: a Gaussian low-pass along each downsampled axis before linear
interpolation, with ``sigma = (factor - 1) / 2`` input pixels (the rule of scikit-image's
``rescale(anti_aliasing=True)``), so a 6x reduction does not alias the skull edge or a thin
lesion. Written on torch and scipy rather than taken from MONAI's ``Resize`` because that
transform antialiases only images and offers no soft-label mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import StrictBool
from scipy import ndimage

from lesionbench.config import Settings, choice

#: Label resampling methods: ``"nearest"`` (centre-aligned nearest neighbour, ``nearest-exact``)
#: and ``"soft"`` (each label as a 0/1 fraction, resampled like the image; a hard label map
#: takes the largest fraction, for a binary mask foreground where the fraction is >= 0.5).
LABEL_METHODS = ("nearest", "soft")

_LINEAR_MODES = {1: "linear", 2: "bilinear", 3: "trilinear"}


class ResamplingSettings(Settings):
    """How labels are resampled and whether downsampling is antialiased (``datasets.<d>.resampling``).

    Attributes:
        labels: a name of :data:`LABEL_METHODS`; ``"soft"`` keeps thin lesions that nearest
            neighbour breaks up (``benchmarks/label_roundtrip.py``).
        antialias: Gaussian low-pass before downsampling images, soft labels and probabilities.
    """

    WHERE: ClassVar[str] = "resampling"

    labels: choice("label method", LABEL_METHODS) = "soft"  # type: ignore[valid-type]
    antialias: StrictBool = True


def antialias_sigmas(factors: Sequence[float]) -> tuple[float, ...]:
    """Gaussian sigma (input pixels) per axis for downsampling ``factors`` (input pixels per
    output pixel): ``(factor - 1) / 2`` where ``factor > 1``, else 0 (no filtering)."""
    return tuple(max(0.0, (float(f) - 1.0) / 2.0) for f in factors)


def _lowpass(array: np.ndarray, sigmas: Sequence[float]) -> np.ndarray:
    """Gaussian filter along the trailing spatial axes (leading axes untouched), edges repeated."""
    if not any(s > 0 for s in sigmas):
        return array
    full = (0.0,) * (array.ndim - len(sigmas)) + tuple(sigmas)
    return ndimage.gaussian_filter(array, sigma=full, mode="nearest", truncate=4.0)


def resize(array: np.ndarray, shape: Sequence[int], antialias: bool = True) -> np.ndarray:
    """Linear, centre-aligned resize of ``(N, C, *spatial)`` to ``(N, C, *shape)``.

    Args:
        array: ``(N, C, *spatial)`` with 1-3 spatial axes (images, fractions, probabilities).
        shape: output spatial shape in pixels.
        antialias: low-pass each downsampled axis first (see the module docstring).

    Returns:
        float32 ``(N, C, *shape)``.
    """
    data = np.ascontiguousarray(array, dtype=np.float32)
    shape = tuple(int(n) for n in shape)
    spatial = data.shape[2:]
    if len(spatial) != len(shape) or len(shape) not in _LINEAR_MODES:
        raise ValueError(f"resize: array of shape {data.shape} cannot be resized to spatial shape {shape}")
    if tuple(spatial) == shape:
        return data.copy()
    if antialias:
        data = _lowpass(data, antialias_sigmas([a / b for a, b in zip(spatial, shape)]))
    resized = F.interpolate(torch.from_numpy(np.ascontiguousarray(data)), size=shape,
                            mode=_LINEAR_MODES[len(shape)], align_corners=False)
    return resized.numpy()


def label_fraction(mask: np.ndarray, shape: Sequence[int], method: str = "soft", antialias: bool = True) -> np.ndarray:
    """The foreground fraction of a binary mask ``(N, 1, *spatial)`` resized to ``(N, 1, *shape)``.

    ``"soft"`` keeps the partial-volume fraction in ``[0, 1]`` that linear resampling (with
    antialiasing) gives: the training target of the SoftSeg recipe (Gros et al., Medical Image
    Analysis 2021), from which thresholding at 0.5 after the exact inverse resize recovers the
    native mask far better than from a binarised small mask (``benchmarks/label_roundtrip.py``).
    ``"nearest"`` gives 0/1.

    Returns:
        float32 ``(N, 1, *shape)``.
    """
    binary = (np.asarray(mask) > 0).astype(np.float32)
    if method not in LABEL_METHODS:
        raise ValueError(f"label_fraction: unknown method {method!r} (valid: {', '.join(LABEL_METHODS)})")
    if method == "nearest":
        return resize_label(binary.astype(np.uint8), shape, "nearest").astype(np.float32)
    return np.clip(resize(binary, shape, antialias), 0.0, 1.0)


def resize_label(mask: np.ndarray, shape: Sequence[int], method: str = "soft", antialias: bool = True) -> np.ndarray:
    """Resize an integer label map ``(N, 1, *spatial)`` to ``(N, 1, *shape)`` on the image's grid.

    Args:
        mask: ``(N, 1, *spatial)`` labels (0 = background; binary masks are 0/1).
        shape: output spatial shape.
        method: ``"nearest"`` (centre-aligned nearest neighbour) or ``"soft"`` (fractions
            resampled as :func:`resize` does, antialiasing included; a pixel takes the label
            whose fraction is largest, background unless a label reaches 0.5 for binary masks).
        antialias: passed to :func:`resize` for ``"soft"``.

    Returns:
        uint8 ``(N, 1, *shape)``.
    """
    labels = np.asarray(mask)
    if labels.ndim < 3 or labels.shape[1] != 1:
        raise ValueError(f"resize_label: expected (N, 1, *spatial) labels, got shape {labels.shape}")
    shape = tuple(int(n) for n in shape)
    if method not in LABEL_METHODS:
        raise ValueError(f"resize_label: unknown method {method!r} (valid: {', '.join(LABEL_METHODS)})")
    if tuple(labels.shape[2:]) == shape:
        return labels.astype(np.uint8, copy=True)
    if method == "nearest":
        tensor = torch.from_numpy(np.ascontiguousarray(labels, dtype=np.float32))
        return F.interpolate(tensor, size=shape, mode="nearest-exact").numpy().astype(np.uint8)
    values = np.unique(labels)
    foreground = [int(v) for v in values if v != 0]
    if not foreground:
        return np.zeros((labels.shape[0], 1, *shape), dtype=np.uint8)
    if len(foreground) == 1:
        fraction = resize((labels == foreground[0]).astype(np.float32), shape, antialias)
        return np.where(fraction >= 0.5, foreground[0], 0).astype(np.uint8)
    one_hot = np.concatenate([(labels == v).astype(np.float32) for v in [0, *foreground]], axis=1)
    fractions = resize(one_hot, shape, antialias)
    winners = np.asarray([0, *foreground], dtype=np.uint8)[np.argmax(fractions, axis=1)]
    return winners[:, None]

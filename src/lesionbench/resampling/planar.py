"""The in-plane fit of a cropped slice to the network input, and its exact inverse.

Paper 000 (section 1.2) crops each slice to the brain and scales it to 416 x 416. Scaling
each axis on its own would bend the anatomy (a 2:1 crop becomes square), so a slice of
``(Y, X)`` pixels of ``(sy, sx)`` mm is scaled by *one* factor that keeps its physical aspect
and then fitted to ``(H, W)``:

- ``"pad"`` (default): the whole slice fits; the shorter side is zero-padded, centred;
- ``"crop"``: the slice covers the input; the longer side is cropped, centred (lesion outside
  the window is lost and reported by the samples stage);
- ``"stretch"``: each axis scaled to fit exactly (the old behaviour, aspect not kept).

:func:`to_network` applies the fit to images (linear) or labels (:func:`resize_label`);
:func:`from_network` maps a network-size probability back onto the ``(Y, X)`` slice: the
padding is dropped (or the cropped border set to 0) and the centre-aligned resize is inverted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lesionbench.resampling.arrays import label_fraction, resize

#: How a slice is fitted to the network input (``samples.fit``).
FITS = ("pad", "crop", "stretch")


@dataclass(frozen=True)
class PlaneFit:
    """How one ``(Y, X)`` slice maps onto the ``(H, W)`` network input.

    Attributes:
        source_shape: ``(Y, X)`` pixels of the cropped preprocessed slice.
        size: ``(H, W)`` network input.
        resized_shape: ``(ry, rx)`` after scaling, before padding or cropping.
        offset: ``(oy, ox)``: the network pixel where resized pixel ``(0, 0)`` lands (positive:
            padding before it; negative: that many resized pixels cropped away).
        spacing_mm: ``(y, x)`` mm per network pixel (``source extent / resized_shape``), so
            distances measured on samples stay in mm.
    """

    source_shape: tuple[int, int]
    size: tuple[int, int]
    resized_shape: tuple[int, int]
    offset: tuple[int, int]
    spacing_mm: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return {"source_shape": list(self.source_shape), "size": list(self.size),
                "resized_shape": list(self.resized_shape), "offset": list(self.offset),
                "spacing_mm": list(self.spacing_mm)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlaneFit:
        pair = lambda key: tuple(int(v) for v in data[key])  # noqa: E731
        return cls(pair("source_shape"), pair("size"), pair("resized_shape"), pair("offset"),
                   tuple(float(v) for v in data["spacing_mm"]))

    def window(self) -> tuple[tuple[slice, slice], tuple[slice, slice]]:
        """``(network slices, resized slices)`` of the part of the resized slice that is in view."""
        net, res = [], []
        for n_out, n_res, off in zip(self.size, self.resized_shape, self.offset):
            start, stop = max(off, 0), min(off + n_res, n_out)
            net.append(slice(start, stop))
            res.append(slice(start - off, stop - off))
        return (net[0], net[1]), (res[0], res[1])


def plan_fit(shape_yx: Sequence[int], spacing_yx: Sequence[float], size_hw: Sequence[int], fit: str = "pad") -> PlaneFit:
    """The fit of a ``shape_yx`` slice of ``spacing_yx`` mm pixels to ``size_hw``.

    Raises:
        ValueError: for an unknown ``fit`` or an empty shape.
    """
    (y, x), (h, w) = (int(n) for n in shape_yx), (int(n) for n in size_hw)
    sy, sx = (float(s) for s in spacing_yx)
    if min(y, x, h, w) < 1 or min(sy, sx) <= 0:
        raise ValueError(f"plan_fit: shape {tuple(shape_yx)}, spacing {tuple(spacing_yx)} and size {tuple(size_hw)} must be positive")
    if fit == "stretch":
        resized = (h, w)
    elif fit in ("pad", "crop"):
        per_pixel = (max if fit == "pad" else min)(y * sy / h, x * sx / w)  # mm per network pixel
        resized = (max(1, round(y * sy / per_pixel)), max(1, round(x * sx / per_pixel)))
        resized = (min(resized[0], h), min(resized[1], w)) if fit == "pad" else (max(resized[0], h), max(resized[1], w))
    else:
        raise ValueError(f"plan_fit: unknown fit {fit!r} (valid: {', '.join(FITS)})")
    offset = ((h - resized[0]) // 2, (w - resized[1]) // 2)
    spacing = (y * sy / resized[0], x * sx / resized[1])
    return PlaneFit((y, x), (h, w), resized, offset, spacing)


def to_network(array: np.ndarray, fit: PlaneFit, label_method: str | None = None, antialias: bool = True) -> np.ndarray:
    """Fit ``(N, C, Y, X)`` slices to ``(N, C, H, W)``.

    Args:
        array: images (float) or, with ``label_method``, ``(N, 1, Y, X)`` binary masks.
        fit: from :func:`plan_fit` for this ``(Y, X)``.
        label_method: ``None`` for images (linear), else a label method: the result is the
            foreground fraction of :func:`lesionbench.resampling.label_fraction` (0/1 for
            ``"nearest"``, partial-volume fractions for ``"soft"``).
        antialias: low-pass before downsampling.

    Returns:
        float32 ``(N, C, H, W)``; padding is 0.
    """
    array = np.asarray(array)
    if array.ndim != 4 or tuple(array.shape[2:]) != fit.source_shape:
        raise ValueError(f"to_network: expected (N, C, {fit.source_shape[0]}, {fit.source_shape[1]}), got {array.shape}")
    if label_method is None:
        resized = resize(array, fit.resized_shape, antialias)
    else:
        resized = label_fraction(array, fit.resized_shape, label_method, antialias)
    out = np.zeros((*array.shape[:2], *fit.size), dtype=resized.dtype)
    (ny, nx), (ry, rx) = fit.window()
    out[:, :, ny, nx] = resized[:, :, ry, rx]
    return out


def from_network(prob: np.ndarray, fit: PlaneFit, antialias: bool = True) -> np.ndarray:
    """Inverse of :func:`to_network` for probabilities: ``(N, H, W)`` -> ``(N, Y, X)`` float32.

    Padding is dropped; where the fit cropped, the unseen border gets probability 0.
    """
    prob = np.asarray(prob, dtype=np.float32)
    if prob.ndim != 3 or tuple(prob.shape[1:]) != fit.size:
        raise ValueError(f"from_network: expected (N, {fit.size[0]}, {fit.size[1]}) probabilities, got {prob.shape}")
    resized = np.zeros((prob.shape[0], 1, *fit.resized_shape), dtype=np.float32)
    (ny, nx), (ry, rx) = fit.window()
    resized[:, 0, ry, rx] = prob[:, ny, nx]
    return resize(resized, fit.source_shape, antialias)[:, 0]

"""3D volumes of interest (the ``3d_voi`` layout; paper 001, section 3.2 (4)).

Paper 001 crops "a 64 x 64 x 64 VOI containing the lesion" from the skull-stripped, 1 mm
isotropic, windowed volume as the network input. The placement is not stated; the reading used
here (docs/paper001.md, A-6): the VOI is centred on the centre of the
reference lesion's bounding box and shifted to stay inside the volume; an axis shorter than the
VOI is zero-padded on both sides (centred). A case without lesion gets the VOI centred on its
(cropped) volume. One VOI per case, at the preprocessed spacing (no in-plane fit).

Because the placement reads the reference mask, predicting at the same place is an oracle
localisation (the paper's protocol); ``samples.placement: sliding_window`` predicts the whole
volume instead (:mod:`lesionbench.inference.volume3d`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from lesionbench.samples.store import LABEL_SCALE

if TYPE_CHECKING:
    from lesionbench.samples.settings import SampleSettings

log = logging.getLogger(__name__)


def voi_start(mask_zyx: np.ndarray, voi: Sequence[int]) -> tuple[int, int, int]:
    """The VOI's first voxel ``(z0, y0, x0)`` in ``mask_zyx``'s grid (negative: zero-padded before).

    Args:
        mask_zyx: ``(Z, Y, X)`` reference (lesion fraction or 0/1); lesion where ``> 0``.
        voi: ``(D, H, W)`` VOI size in voxels.

    Returns:
        Per axis: the start that centres the VOI on the lesion's bounding box (on the volume
        without lesion), clamped to ``[0, n - size]`` when the axis is long enough, else the
        centred ``-(size - n) // 2``.
    """
    shape = mask_zyx.shape
    found = np.nonzero(np.asarray(mask_zyx) > 0)
    starts = []
    for axis, (n, size) in enumerate(zip(shape, voi)):
        if n <= size:
            starts.append(-((size - n) // 2))
            continue
        centre = (found[axis].min() + found[axis].max() + 1) / 2.0 if found[0].size else n / 2.0
        start = int(np.floor(centre - size / 2.0 + 0.5))
        starts.append(min(max(start, 0), n - size))
    return starts[0], starts[1], starts[2]


def _windows(shape: Sequence[int], start: Sequence[int],
             voi: Sequence[int]) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """``(source slices, VOI slices)``: the overlap of the VOI with the volume on both sides."""
    source, target = [], []
    for n, s, size in zip(shape, start, voi):
        lo, hi = max(s, 0), min(s + size, n)
        source.append(slice(lo, hi))
        target.append(slice(lo - s, hi - s))
    return tuple(source), tuple(target)


def crop_voi(array: np.ndarray, start: Sequence[int], voi: Sequence[int]) -> np.ndarray:
    """The VOI of ``array`` ``(..., Z, Y, X)`` as ``(..., D, H, W)``, zeros outside the volume."""
    source, target = _windows(array.shape[-3:], start, voi)
    out = np.zeros((*array.shape[:-3], *voi), dtype=array.dtype)
    out[(Ellipsis, *target)] = array[(Ellipsis, *source)]
    return out


def paste_voi(values: np.ndarray, start: Sequence[int], shape: Sequence[int]) -> np.ndarray:
    """A ``shape`` ``(Z, Y, X)`` volume of zeros with the VOI ``values`` ``(D, H, W)`` at ``start``."""
    source, target = _windows(shape, start, values.shape)
    out = np.zeros(tuple(shape), dtype=values.dtype)
    out[source] = values[target]
    return out


def extract_voi(data: dict[str, Any], case_id: str, settings: SampleSettings,
                rng: np.random.Generator | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The ``3d_voi`` samples of one preprocessed case: one VOI around the reference lesion.

    Args:
        data: the preprocessed npz (``image (C, Z, Y, X)``, ``mask (Z, Y, X)``, ``spacing`` x, y, z mm).
        case_id: for messages.
        settings: ``voi`` gives the size ``(D, H, W)``.
        rng: unused (one VOI per case, no draw); the layouts' common signature.

    Returns:
        ``(arrays, index fields)``: ``images (1, C, D, H, W)`` float32, ``masks (1, 1, D, H, W)``
        uint8 (lesion fraction x :data:`LABEL_SCALE`); ``targets [0]``, ``voi_start``,
        ``voi_size``, ``spacing_mm`` ``[z, y, x]``, the lesion kept and cut off by the VOI,
        ``warnings``.
    """
    image = np.asarray(data["image"], dtype=np.float32)
    mask = np.clip(np.asarray(data["mask"], dtype=np.float32), 0.0, 1.0)
    spacing_xyz = [float(s) for s in np.asarray(data["spacing"])]
    voi = tuple(int(n) for n in settings.voi)
    start = voi_start(mask, voi)
    fractions = crop_voi(mask, start, voi)
    voxel_ml = float(np.prod(spacing_xyz)) / 1000.0
    lesion_voxels = float(np.count_nonzero(mask))
    cut = int(np.count_nonzero(mask)) - int(np.count_nonzero(fractions))
    warnings = []
    if cut:
        warnings.append(f"the {'x'.join(map(str, voi))} VOI cuts {cut} reference lesion voxel(s) "
                        f"({cut * voxel_ml:.3f} mL) off: the lesion is larger than the VOI")
    lesion_sum = float(fractions.sum())
    index = {
        "targets": [0],
        "has_lesion": [lesion_sum > 0],
        "lesion_pixels": [round(lesion_sum, 3)],
        "voi_start": list(start),
        "voi_size": list(voi),
        "volume_shape": list(mask.shape),
        "spacing_mm": spacing_xyz[::-1],
        "lesion": {"preprocessed_ml": round(lesion_voxels * voxel_ml, 4), "samples_ml": round(lesion_sum * voxel_ml, 4),
                   "cropped_voxels": cut, "cropped_ml": round(cut * voxel_ml, 4)},
        "warnings": warnings,
    }
    log.info("%s: VOI %s at %s of a %s volume, %.2f mL of lesion inside", case_id, list(voi), list(start),
             list(mask.shape), lesion_sum * voxel_ml)
    arrays = {"images": crop_voi(image, start, voi)[None],
              "masks": np.rint(fractions * LABEL_SCALE).astype(np.uint8)[None, None]}
    return arrays, index

"""Online augmentation: seeded random transforms applied per sample in the data loader.

Built on MONAI's dictionary transforms (``RandFlipd``, ``RandRotate90d``, ``RandAffined``,
``Rand2DElasticd`` / ``Rand3DElasticd``, ``RandAdjustContrastd``, ``RandGaussianNoised``,
``RandScaleIntensityFixedMeand``) rather than written again: they handle 2D and 3D
channel-first samples alike, and a spatial transform draws one sampling grid that it applies to
every key, so the image and its label move together. TorchIO was the alternative; its
subjects are 3D (a 2D slice would be a depth-1 volume) and it would add a dependency.

Dimensions: the same settings serve 2D ``(C, H, W)`` and 3D ``(C, D, H, W)`` samples (with a
``(1, *spatial)`` label, or a channel-less ``(*spatial)`` one). Flips may mirror any spatial
axis (``z`` = D only in 3D); quarter turns stay in the axial ``(H, W)`` plane; the affine
rotation turns in the slice plane in 2D and about each of the three axes in 3D (the VOIs are
isotropic); scaling is drawn per spatial axis; elastic deformation is MONAI's 2D or 3D form;
the intensity transforms (gamma, noise, contrast) touch only the image, in any dimension.

The label is the lesion fraction (:func:`lesionbench.resampling.label_fraction`): it is
resampled with the image's (bilinear) interpolation for ``soft`` labels and nearest neighbour
for ``nearest`` labels, on the image's grid, and clipped to ``[0, 1]``.

Reproducibility: one ``numpy.random.RandomState`` is shared by all transforms and reseeded for
every sample from ``(seed, epoch, position in the epoch)``, so a sample's augmentation does not
depend on which worker process draws it or on how many there are.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from lesionbench.augment.settings import AXES, OnlineSettings

IMAGE, LABEL = "image", "label"


def _axis(name: str, spatial_dims: int) -> int:
    """Index of spatial axis ``name`` (``z``, ``y``, ``x``) among ``spatial_dims`` spatial axes."""
    names = AXES[-spatial_dims:]
    if name not in names:
        raise ValueError(f"augment.online.flip.axes: axis {name!r} does not exist in {spatial_dims}D samples")
    return names.index(name)


def build_transforms(online: OnlineSettings, spatial_dims: int, label_method: str,
                     shape: tuple[int, ...]) -> list[Any]:
    """The MONAI transforms of the online settings that have a probability above 0, in order.

    Args:
        online: :attr:`lesionbench.augment.AugmentSettings.online`.
        spatial_dims: 2 (slices, 2.5D stacks) or 3 (VOIs).
        label_method: ``"soft"`` (bilinear label) or ``"nearest"``.
        shape: spatial shape of a sample (for translations and the rot90 check).
    """
    from monai.transforms import (
        Rand2DElasticd, Rand3DElasticd, RandAdjustContrastd, RandAffined, RandFlipd, RandGaussianNoised,
        RandRotate90d, RandScaleIntensityFixedMeand,
    )

    both = (IMAGE, LABEL)
    modes = ("bilinear", "bilinear" if label_method == "soft" else "nearest")
    transforms: list[Any] = []
    active = online.active()
    if "flip" in active:
        for axis in active["flip"].axes:
            transforms.append(RandFlipd(both, prob=active["flip"].prob, spatial_axis=_axis(axis, spatial_dims)))
    if "rot90" in active:
        if shape[-1] != shape[-2]:
            raise ValueError(f"augment.online.rot90: quarter turns need square samples, got {shape[-2]} x {shape[-1]}")
        transforms.append(RandRotate90d(both, prob=active["rot90"].prob, max_k=3,
                                        spatial_axes=(spatial_dims - 2, spatial_dims - 1)))
    if "affine" in active:
        p = active["affine"]
        angle = math.radians(p.rotate_deg)
        rotate = angle if spatial_dims == 2 else (angle, angle, angle)
        scale = [(p.scale[0] - 1.0, p.scale[1] - 1.0)] * spatial_dims
        translate = [p.translate_fraction * n for n in shape]
        transforms.append(RandAffined(both, prob=p.prob, rotate_range=rotate, scale_range=scale,
                                      translate_range=translate, mode=modes, padding_mode="zeros"))
    if "elastic" in active:
        p = active["elastic"]
        if spatial_dims == 2:
            transforms.append(Rand2DElasticd(both, spacing=(p.spacing_px, p.spacing_px), magnitude_range=p.magnitude_px,
                                             prob=p.prob, mode=modes, padding_mode="zeros"))
        else:
            transforms.append(Rand3DElasticd(both, sigma_range=p.sigma_px, magnitude_range=p.magnitude,
                                             prob=p.prob, mode=modes, padding_mode="zeros"))
    if "gamma" in active:
        transforms.append(RandAdjustContrastd(IMAGE, prob=active["gamma"].prob, gamma=active["gamma"].range))
    if "noise" in active:
        transforms.append(RandGaussianNoised(IMAGE, prob=active["noise"].prob, std=active["noise"].std))
    if "contrast" in active:
        low, high = active["contrast"].range
        transforms.append(RandScaleIntensityFixedMeand(IMAGE, factors=(low - 1.0, high - 1.0), preserve_range=True,
                                                       prob=active["contrast"].prob))
    return transforms


class OnlineAugmentation:
    """Callable ``(image, label, draw_seed) -> (image, label)`` applying the online transforms.

    Args:
        online, spatial_dims, label_method, shape: see :func:`build_transforms`.

    ``image`` is ``(C, *spatial)`` float32, ``label`` ``(1, *spatial)`` (or ``(*spatial)``)
    float32 in ``[0, 1]``; both come back as contiguous float32 numpy arrays of the same shapes.
    """

    def __init__(self, online: OnlineSettings, spatial_dims: int, label_method: str,
                 shape: tuple[int, ...]) -> None:
        from monai.data import set_track_meta

        set_track_meta(False)  # plain tensors: no metadata bookkeeping per sample
        self.transforms = build_transforms(online, spatial_dims, label_method, shape)
        self.state = np.random.RandomState(0)
        for transform in self.transforms:
            transform.set_random_state(state=self.state)

    def __call__(self, image: np.ndarray, label: np.ndarray, draw_seed: int) -> tuple[np.ndarray, np.ndarray]:
        if not self.transforms:
            return image, label
        from monai.data import set_track_meta

        set_track_meta(False)  # also in loader worker processes
        self.state.seed(int(draw_seed) % (2**32))
        bare = label.ndim == image.ndim - 1  # a label without its channel axis
        if bare:
            label = label[None]
        if label.shape[1:] != image.shape[1:]:
            raise ValueError(f"online augmentation: image {image.shape} and label {label.shape} "
                             "differ in spatial shape")
        data = {IMAGE: torch.from_numpy(np.ascontiguousarray(image)), LABEL: torch.from_numpy(np.ascontiguousarray(label))}
        for transform in self.transforms:
            data = transform(data)
        out_image = np.ascontiguousarray(torch.as_tensor(data[IMAGE]).numpy(), dtype=np.float32)
        out_label = np.clip(np.ascontiguousarray(torch.as_tensor(data[LABEL]).numpy(), dtype=np.float32), 0.0, 1.0)
        return out_image, out_label[0] if bare else out_label

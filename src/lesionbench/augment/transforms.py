"""Rigid 2D augmentation of paper 000 (section 1.2): n x 90 degree rotations and translations.

Deterministic transforms (:func:`rotate90`, :func:`translate`) take their parameters; the
random one (:class:`RandomRotTranslate`) only draws parameters and calls them (TorchIO's
``RandomGamma`` -> ``Gamma`` pattern), so every augmented sample can be reproduced.
Image and mask always move together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def rotate90(image: np.ndarray, mask: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Rotate image and mask by ``k`` x 90 degrees in the plane of their last two axes.

    Args:
        image: ``(C, H, W)`` (any leading axes).
        mask: ``(1, H, W)`` (any leading axes).
        k: quarter turns, counter-clockwise as :func:`numpy.rot90` (from axis -2 towards -1).

    Returns:
        Contiguous copies, ``(C, W, H)`` / ``(1, W, H)`` for odd ``k``.
    """
    return (np.ascontiguousarray(np.rot90(image, k, axes=(-2, -1))),
            np.ascontiguousarray(np.rot90(mask, k, axes=(-2, -1))))


def _shift(array: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Shift the last two axes by ``(dy, dx)`` pixels, filling with zeros (no wrap-around)."""
    out = np.zeros_like(array)
    height, width = array.shape[-2:]
    if abs(dy) >= height or abs(dx) >= width:
        return out
    src_y = slice(max(-dy, 0), height - max(dy, 0))
    dst_y = slice(max(dy, 0), height - max(-dy, 0))
    src_x = slice(max(-dx, 0), width - max(dx, 0))
    dst_x = slice(max(dx, 0), width - max(-dx, 0))
    out[..., dst_y, dst_x] = array[..., src_y, src_x]
    return out


def translate(image: np.ndarray, mask: np.ndarray, dy: int, dx: int) -> tuple[np.ndarray, np.ndarray]:
    """Translate image and mask by whole pixels; what enters the field of view is 0.

    A pixel at ``(y, x)`` moves to ``(y + dy, x + dx)``. Zero is the background of
    window-normalised, skull-stripped CT and of masks.

    Args:
        image: ``(C, H, W)``.
        mask: ``(1, H, W)``.
        dy: rows, positive = down.
        dx: columns, positive = right.
    """
    return _shift(image, int(dy), int(dx)), _shift(mask, int(dy), int(dx))


@dataclass(frozen=True)
class RotTranslateParams:
    """Parameters of one rigid augmentation: quarter turns, then a shift in pixels."""

    k: int
    dy: int
    dx: int


def apply_rot_translate(image: np.ndarray, mask: np.ndarray, params: RotTranslateParams) -> tuple[np.ndarray, np.ndarray]:
    """Rotate by ``params.k`` quarter turns, then translate by ``(params.dy, params.dx)``."""
    image, mask = rotate90(image, mask, params.k)
    return translate(image, mask, params.dy, params.dx)


@dataclass(frozen=True)
class RandomRotTranslate:
    """Draws a quarter-turn count from ``rotations`` and a shift up to ``max_shift_fraction``.

    Attributes:
        rotations: allowed ``k`` values (quarter turns).
        max_shift_fraction: largest shift as a fraction of the image height / width; the
            shift in pixels is drawn uniformly from ``-floor(f * n) .. floor(f * n)``.
    """

    rotations: Sequence[int]
    max_shift_fraction: float

    def draw(self, rng: np.random.Generator, shape_hw: tuple[int, int]) -> RotTranslateParams:
        """Draw parameters for an image of ``shape_hw`` = ``(H, W)`` pixels."""
        k = int(rng.choice(np.asarray(self.rotations, dtype=np.int64)))
        max_dy = int(np.floor(self.max_shift_fraction * shape_hw[0]))
        max_dx = int(np.floor(self.max_shift_fraction * shape_hw[1]))
        dy = int(rng.integers(-max_dy, max_dy + 1))
        dx = int(rng.integers(-max_dx, max_dx + 1))
        return RotTranslateParams(k, dy, dx)

    def __call__(self, image: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Augment one ``(C, H, W)`` image and its ``(1, H, W)`` mask."""
        return apply_rot_translate(image, mask, self.draw(rng, image.shape[-2:]))

"""Rigid augmentations: paper 000's 2D quarter turns and translations (section 1.2) and paper
001's 48 symmetries of the cube (section 3.2 (5)).

Deterministic transforms (:func:`rotate90`, :func:`translate`, :func:`apply_cube_symmetry`) take
their parameters; the random one (:class:`RandomRotTranslate`) only draws parameters and calls
them (TorchIO's ``RandomGamma`` -> ``Gamma`` pattern), so every augmented sample can be
reproduced. Image and mask always move together.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

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


class CubeSymmetry(NamedTuple):
    """One symmetry of the cube as a signed axis permutation of the three spatial axes.

    Spatial axis ``j`` of the result is spatial axis ``axes[j]`` of the input, read backwards
    when ``flips[j]``: for ``(D, H, W)`` arrays,
    ``out = np.flip(np.transpose(a, axes), [j for j in range(3) if flips[j]])``.

    Attributes:
        axes: a permutation of ``(0, 1, 2)`` (``(0, 1, 2)``: the axes keep their order).
        flips: per output axis, whether it is mirrored.
    """

    axes: tuple[int, int, int]
    flips: tuple[bool, bool, bool]


#: The 48 symmetries of the cube (the hyperoctahedral group of order 3! x 2^3), in a fixed
#: order: index ``8 * p + f`` is the ``p``-th axis order of ``itertools.permutations((0, 1, 2))``
#: (lexicographic: ``012, 021, 102, 120, 201, 210``) with flip mask
#: ``f = 4 * flips[0] + 2 * flips[1] + flips[2]`` (bit 2: D, bit 1: H, bit 0: W).
#: Index 0 is the identity, 1-7 the mirrorings without an axis swap.
CUBE_SYMMETRIES: tuple[CubeSymmetry, ...] = tuple(
    CubeSymmetry(axes, flips)  # type: ignore[arg-type]
    for axes in itertools.permutations((0, 1, 2))
    for flips in itertools.product((False, True), repeat=3)
)


def _cube_symmetry(array: np.ndarray, symmetry: CubeSymmetry, index: int | None) -> np.ndarray:
    lead = array.ndim - 3
    spatial = array.shape[lead:]
    moved = tuple(spatial[a] for a in symmetry.axes)
    if moved != spatial:
        name = f"cube symmetry {index}" if index is not None else f"cube symmetry {tuple(symmetry)}"
        raise ValueError(f"{name} orders the axes as {symmetry.axes}: it needs a cubic VOI (permuted axes of "
                         f"equal length), got spatial shape {' x '.join(str(n) for n in spatial)}")
    out = np.transpose(array, (*range(lead), *(lead + a for a in symmetry.axes)))
    flipped = [lead + j for j, flip in enumerate(symmetry.flips) if flip]
    if flipped:
        out = np.flip(out, flipped)
    return np.ascontiguousarray(out)


def apply_cube_symmetry(image: np.ndarray, mask: np.ndarray,
                        symmetry: int | CubeSymmetry) -> tuple[np.ndarray, np.ndarray]:
    """Apply one symmetry of the cube to the last three (spatial) axes of image and mask alike.

    Args:
        image: ``(C, D, H, W)`` (any leading axes).
        mask: ``(1, D, H, W)`` or ``(D, H, W)`` (any leading axes), the same spatial shape.
        symmetry: an index into :data:`CUBE_SYMMETRIES` or a :class:`CubeSymmetry`.

    Returns:
        Contiguous copies of the same shapes and dtypes.

    Raises:
        ValueError: an array with fewer than three axes, different spatial shapes, a bad index,
            or a symmetry that permutes axes of different length (a non-cubic VOI; the identity
            order with any flips works on every shape).
    """
    if isinstance(symmetry, CubeSymmetry):
        index = None
    else:
        index = int(symmetry)
        if not 0 <= index < len(CUBE_SYMMETRIES):
            raise ValueError(f"cube symmetry index {index} is outside 0..{len(CUBE_SYMMETRIES) - 1}")
        symmetry = CUBE_SYMMETRIES[index]
    if image.ndim < 3 or mask.ndim < 3:
        raise ValueError(f"cube symmetries need 3D samples: image {image.shape}, mask {mask.shape}")
    if image.shape[-3:] != mask.shape[-3:]:
        raise ValueError(f"cube symmetries: image {image.shape} and mask {mask.shape} differ in spatial shape")
    return _cube_symmetry(image, symmetry, index), _cube_symmetry(mask, symmetry, index)

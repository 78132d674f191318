"""Acquisition effects of the T1 phantom: partial volume, bias field and Rician noise.

A magnitude MR image is ``|S * B + n|``, with ``B`` a smooth multiplicative receive-coil bias
(intensity non-uniformity, the field N4 corrects) and ``n`` complex Gaussian noise of the
same sigma in both channels, so the magnitude is Rician (Gudbjartsson and Patz, MRM 1995).
Here ``B = exp(b * P)`` with ``P`` a random cubic polynomial of the position normalised to
the field of view, scaled to ``max |P| = 1`` over the ellipsoid inscribed in it (where the
brain lies), so ``b`` is the field's largest log-deviation over the head (0.2: about +-20 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy import ndimage

from lesionbench.phantom.mri.geometry import MriGrid

#: Exponents ``(i, j, k)`` of the bias polynomial's monomials ``x^i y^j z^k`` (degree 1-3).
_MONOMIALS = tuple(e for e in product(range(4), repeat=3) if 1 <= sum(e) <= 3)


@dataclass(frozen=True)
class Acquisition:
    """Per-case acquisition draws: bias polynomial and strength, noise sigma (relative to WM)."""

    bias_coefficients: np.ndarray
    bias_strength: float
    noise_fraction: float


def draw_acquisition(rng: np.random.Generator, bias_strength: tuple[float, float],
                     noise_fraction: tuple[float, float]) -> Acquisition:
    """Draw the bias polynomial (Gaussian coefficients), its strength and the noise level."""
    return Acquisition(rng.standard_normal(len(_MONOMIALS)), float(rng.uniform(*bias_strength)),
                       float(rng.uniform(*noise_fraction)))


def _polynomial(coefficients: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    out = np.zeros(np.broadcast_shapes(x.shape, y.shape, z.shape), np.float32)
    for c, (i, j, k) in zip(coefficients, _MONOMIALS):
        out += np.float32(c) * x ** i * y ** j * z ** k
    return out


def bias_field(grid: MriGrid, acquisition: Acquisition) -> np.ndarray:
    """The multiplicative bias ``exp(b * P)`` on ``grid`` (float32, ``(z, y, x)``).

    ``P`` is evaluated at coordinates scaled to ``[-1, 1]`` over the field of view, and divided
    by its largest magnitude on the points of a 17 x 17 x 17 lattice of that cube inside the
    unit ball, so the field depends on the draw and not on the grid's resolution.
    """
    lattice = np.linspace(-1.0, 1.0, 17, dtype=np.float32)
    lz, ly, lx = lattice[:, None, None], lattice[None, :, None], lattice[None, None, :]
    values = _polynomial(acquisition.bias_coefficients, lx, ly, lz)
    peak = np.abs(values[lx ** 2 + ly ** 2 + lz ** 2 <= 1.0]).max()
    axes = [np.linspace(-1.0, 1.0, n, dtype=np.float32) for n in grid.shape_zyx]
    z, y, x = axes[0][:, None, None], axes[1][None, :, None], axes[2][None, None, :]
    poly = _polynomial(acquisition.bias_coefficients, x, y, z) / np.float32(max(peak, 1e-6))
    return np.exp(np.float32(acquisition.bias_strength) * poly).astype(np.float32)


def partial_volume(image: np.ndarray, sigma_voxels: float, box: tuple[slice, slice, slice]) -> np.ndarray:
    """Gaussian blur of ``image`` inside ``box`` (the brain's block), a copy (float32)."""
    out = image.copy()
    if sigma_voxels > 0:
        out[box] = ndimage.gaussian_filter(image[box], sigma=sigma_voxels, mode="constant")
    return out


def rician(rng: np.random.Generator, image: np.ndarray, sigma: float, where: np.ndarray) -> np.ndarray:
    """``|image + n_re + i n_im|`` at the voxels ``where`` (others 0), ``n`` of std ``sigma``."""
    out = np.zeros(image.shape, np.float32)
    signal = image[where]
    real = signal + np.float32(sigma) * rng.standard_normal(signal.shape, dtype=np.float32)
    imaginary = np.float32(sigma) * rng.standard_normal(signal.shape, dtype=np.float32)
    out[where] = np.sqrt(real * real + imaginary * imaginary)
    return out

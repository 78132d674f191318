"""Smooth random fields and small geometry helpers shared by the anatomy and the lesions.

Written by hand because the phantom needs smooth noise evaluated at arbitrary (rotated,
anisotropic) world coordinates in mm: a sum of a few random Fourier modes does that in a
handful of vectorised ``cos`` calls, whereas filtering white noise with a wide Gaussian
would cost seconds on a 512 x 512 grid and tie the field to the voxel grid.
"""

from __future__ import annotations

import numpy as np


def random_rotation(rng: np.random.Generator, max_degrees: tuple[float, float, float]) -> np.ndarray:
    """A rotation matrix from three small random angles (degrees) about x, y and z.

    Args:
        rng: random generator.
        max_degrees: largest absolute angle about x (pitch), y (roll) and z (yaw).

    Returns:
        ``(3, 3)`` float64 rotation matrix.
    """
    ax, ay, az = (np.deg2rad(rng.uniform(-m, m)) for m in max_degrees)
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


def uniform_rotation(rng: np.random.Generator) -> np.ndarray:
    """A rotation drawn uniformly from SO(3) (QR of a Gaussian matrix), ``(3, 3)``."""
    q, r = np.linalg.qr(rng.standard_normal((3, 3)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def unit_vector(rng: np.random.Generator) -> np.ndarray:
    """A direction drawn uniformly on the unit sphere, ``(3,)``."""
    v = rng.standard_normal(3)
    return v / np.linalg.norm(v)


class FourierField:
    """A smooth zero-mean, unit-variance random field: ``sqrt(2/J) * sum_j cos(k_j . p + phi_j)``.

    Args:
        rng: random generator (the modes are drawn at construction).
        n_modes: number of modes ``J``.
        wavelength_mm: ``(low, high)`` range of the mode wavelengths (mm).
    """

    def __init__(self, rng: np.random.Generator, n_modes: int, wavelength_mm: tuple[float, float]) -> None:
        directions = rng.standard_normal((n_modes, 3))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        wavelengths = rng.uniform(wavelength_mm[0], wavelength_mm[1], size=n_modes)
        self.k = (2 * np.pi / wavelengths)[:, None] * directions
        self.phase = rng.uniform(0, 2 * np.pi, size=n_modes)
        self.norm = np.sqrt(2.0 / n_modes)

    def __call__(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Evaluate at coordinates (mm) that broadcast together; float32 result."""
        out = np.zeros(np.broadcast_shapes(np.shape(x), np.shape(y), np.shape(z)), dtype=np.float32)
        for (kx, ky, kz), phase in zip(self.k, self.phase):
            out += np.cos(np.float32(kx) * x + np.float32(ky) * y + np.float32(kz) * z + np.float32(phase))
        out *= np.float32(self.norm)
        return out


def quadratic_form(coefficients: np.ndarray, vx: np.ndarray, vy: np.ndarray, vz: np.ndarray) -> np.ndarray:
    """A low-order smooth function of a direction: ``c . (vx, vy, vz, vx^2-1/3, ..., vy vz)``.

    Args:
        coefficients: ``(9,)`` weights of the linear and quadratic monomials.
        vx, vy, vz: components of unit directions (broadcastable arrays).
    """
    c = [np.float32(v) for v in coefficients]
    third = np.float32(1.0 / 3.0)
    return (c[0] * vx + c[1] * vy + c[2] * vz
            + c[3] * (vx * vx - third) + c[4] * (vy * vy - third) + c[5] * (vz * vz - third)
            + c[6] * vx * vy + c[7] * vx * vz + c[8] * vy * vz)


def ellipsoid_inside(qx: np.ndarray, qy: np.ndarray, qz: np.ndarray, center: tuple[float, float, float],
                     semi_axes: tuple[float, float, float], yaw_degrees: float = 0.0) -> np.ndarray:
    """Boolean mask of an ellipsoid (mm) rotated by ``yaw_degrees`` about the z axis."""
    angle = np.deg2rad(yaw_degrees)
    cos, sin = np.float32(np.cos(angle)), np.float32(np.sin(angle))
    dx, dy, dz = qx - np.float32(center[0]), qy - np.float32(center[1]), qz - np.float32(center[2])
    u = cos * dx + sin * dy
    v = -sin * dx + cos * dy
    a, b, c = (np.float32(s) for s in semi_axes)
    return (u / a) ** 2 + (v / b) ** 2 + (dz / c) ** 2 <= 1.0

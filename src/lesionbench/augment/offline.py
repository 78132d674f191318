"""Offline augmentation sets: a papers' fixed expansion of the training set, enumerated lazily.

An offline set turns ``N`` training samples into ``N * copies`` items: item ``i`` is sample
``i // copies`` under the transform of copy ``i % copies`` (copy 0 is the sample itself). The
parameters of every copy are drawn once, up front, into a small table (a few integers per
copy); the arrays are transformed only when the loader asks for the item, so nothing is
materialised. The draws are the ones the old materialising stage made, in the same order, so
the items are the same samples as before.

Sets (``augment.offline.set``):

- ``rot90_shift``: paper 000 section 1.2, 2D slices: per copy a random quarter turn and an
  integer shift (``copies`` free, default 4).
- ``cube48``: paper 001 section 3.2 (5), 3D VOIs: the 48 symmetries of the cube, every copy a
  fixed one (``copies`` is 48, :data:`CUBE48_COPIES`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lesionbench.augment.transforms import (
    CUBE_SYMMETRIES,
    RandomRotTranslate,
    RotTranslateParams,
    apply_cube_symmetry,
    apply_rot_translate,
)

if TYPE_CHECKING:  # the settings validate set names against OFFLINE_SETS
    from lesionbench.augment.settings import OfflineSettings


@dataclass(frozen=True)
class OfflineSet:
    """One offline expansion.

    Attributes:
        name: the ``augment.offline.set`` value.
        draw: ``(samples N, sample shape, settings, rng) -> table (N, copies, P) int64``.
        apply: ``(image, label, params (P,)) -> (image, label)``, deterministic.
        copies: the expansion factor the set is defined with (the default of
            ``augment.offline.copies`` for this set and its only valid value); ``None``: any.
        uses: the :class:`~lesionbench.augment.settings.OfflineSettings` keys the set reads
            (the others drop out of :meth:`~lesionbench.augment.AugmentSettings.active`);
            ``None``: all of them.
    """

    name: str
    draw: Callable[[int, tuple[int, ...], OfflineSettings, np.random.Generator], np.ndarray]
    apply: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    copies: int | None = None
    uses: tuple[str, ...] | None = None


def _draw_rot90_shift(n: int, shape: tuple[int, ...], settings: OfflineSettings, rng: np.random.Generator) -> np.ndarray:
    """Paper 000 (section 1.2): per copy a quarter-turn count and an integer shift ``(k, dy, dx)``.

    Sample by sample, copy by copy (``copies - 1`` draws per sample, copy 0 the identity), from
    one generator: the order of the former ``augment_fold`` stage.
    """
    if len(shape) != 2:
        raise ValueError(f"offline set rot90_shift: needs 2D samples, got spatial shape {shape}")
    if shape[0] != shape[1] and any(k % 2 for k in settings.rotations):
        raise ValueError(f"offline set rot90_shift: odd quarter turns need square samples, got {shape[0]} x {shape[1]}")
    transform = RandomRotTranslate(settings.rotations, settings.max_shift_fraction)
    table = np.zeros((n, settings.copies, 3), dtype=np.int64)
    for index in range(n):
        for copy in range(1, settings.copies):
            params = transform.draw(rng, shape)
            table[index, copy] = (params.k, params.dy, params.dx)
    return table


def _apply_rot90_shift(image: np.ndarray, label: np.ndarray, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return apply_rot_translate(image, label, RotTranslateParams(*(int(p) for p in params)))


#: Copies of the ``cube48`` set: the order of the cube's symmetry group.
CUBE48_COPIES = len(CUBE_SYMMETRIES)


def _draw_cube48(n: int, shape: tuple[int, ...], settings: OfflineSettings, rng: np.random.Generator) -> np.ndarray:
    """Paper 001 (section 3.2 (5); paper 001 section 3.2 (5)): the 48 symmetries of the cube per VOI.

    The paper: "rotate 90 deg about Y and Z, flip along X, Y, Z and transpose: 3 x 8 x 2 = 48"
    copies. Read as docs/paper001.md, A-7, these are the 48 symmetries of the cube (the
    hyperoctahedral group): every ``(axis permutation, flip mask)`` pair over the three spatial
    axes, 6 x 8 = 48, the identity included, applied identically to image and label; the class
    label of a VOI is unchanged. (Taken literally, {identity, rot90 about Y, rot90 about Z} x
    8 flips x {no transpose, transpose} gives 48 distinct arrays only when the transpose swaps
    the Y and Z axes; a full reversal of the axes, numpy's ``.T``, or an in-plane transpose
    repeats arrays and gives 32 [derived]. The group itself is what is implemented.)

    Copy ``c`` of every sample is :data:`~lesionbench.augment.transforms.CUBE_SYMMETRIES`
    ``[c]`` (copy 0 the identity; the order is fixed and documented there). Nothing is random:
    ``rng`` is not used, the samples' order is shuffled by the loader ("randomly permute the
    data"). The table is ``(N, 48, 1)``: the symmetry index of each copy.

    Raises:
        ValueError: ``copies`` is not 48 (a subset of the group would not be the paper's set),
            the samples are not 3D, or the VOI is not cubic (the permutations swap every pair
            of axes).
    """
    if settings.copies != CUBE48_COPIES:
        raise ValueError(f"offline set cube48: copies must be {CUBE48_COPIES}, the symmetries of the cube "
                         f"(got {settings.copies})")
    if len(shape) != 3:
        raise ValueError(f"offline set cube48: needs 3D samples (C, D, H, W), got spatial shape {tuple(shape)}")
    if len(set(shape)) != 1:
        raise ValueError(f"offline set cube48: the cube's symmetries permute the axes, so VOIs must be cubic; "
                         f"got spatial shape {' x '.join(str(n) for n in shape)}")
    copies = np.arange(CUBE48_COPIES, dtype=np.int64)
    return np.ascontiguousarray(np.broadcast_to(copies[None, :, None], (n, CUBE48_COPIES, 1)))


def _apply_cube48(image: np.ndarray, label: np.ndarray, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return apply_cube_symmetry(image, label, int(params[0]))


#: ``augment.offline.set`` name -> :class:`OfflineSet`.
OFFLINE_SETS: dict[str, OfflineSet] = {
    "rot90_shift": OfflineSet("rot90_shift", _draw_rot90_shift, _apply_rot90_shift),
    "cube48": OfflineSet("cube48", _draw_cube48, _apply_cube48, copies=CUBE48_COPIES, uses=("set", "copies")),
}


def offline_table(n_samples: int, shape: tuple[int, ...], settings: OfflineSettings, seed: int, fold: int) -> np.ndarray:
    """The parameter table of a fold's expansion, from a generator seeded by ``(seed, fold)``."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, fold]))
    return OFFLINE_SETS[settings.set].draw(n_samples, shape, settings, rng)

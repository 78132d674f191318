"""Offline augmentation sets: a papers' fixed expansion of the training set, enumerated lazily.

An offline set turns ``N`` training samples into ``N * copies`` items: item ``i`` is sample
``i // copies`` under the transform of copy ``i % copies`` (copy 0 is the sample itself). The
parameters of every copy are drawn once, up front, into a small table (a few integers per
copy); the arrays are transformed only when the loader asks for the item, so nothing is
materialised. The draws are the ones the old materialising stage made, in the same order, so
the items are the same samples as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lesionbench.augment.transforms import RandomRotTranslate, RotTranslateParams, apply_rot_translate

if TYPE_CHECKING:  # the settings validate set names against OFFLINE_SETS
    from lesionbench.augment.settings import OfflineSettings


@dataclass(frozen=True)
class OfflineSet:
    """One offline expansion.

    Attributes:
        name: the ``augment.offline.set`` value.
        draw: ``(samples N, sample shape, settings, rng) -> table (N, copies, P) int64``.
        apply: ``(image, label, params (P,)) -> (image, label)``, deterministic.
    """

    name: str
    draw: Callable[[int, tuple[int, ...], OfflineSettings, np.random.Generator], np.ndarray]
    apply: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


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


#: ``augment.offline.set`` name -> :class:`OfflineSet`.
OFFLINE_SETS: dict[str, OfflineSet] = {
    "rot90_shift": OfflineSet("rot90_shift", _draw_rot90_shift, _apply_rot90_shift),
}


def offline_table(n_samples: int, shape: tuple[int, ...], settings: OfflineSettings, seed: int, fold: int) -> np.ndarray:
    """The parameter table of a fold's expansion, from a generator seeded by ``(seed, fold)``."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, fold]))
    return OFFLINE_SETS[settings.set].draw(n_samples, shape, settings, rng)

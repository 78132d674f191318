"""Seeded offline augmentation: n x 90 degree rotations and translations (paper 000)."""

from lesionbench.augment.fold import AugmentError, build_fold, read_fold, samples_by_case
from lesionbench.augment.settings import AugmentSettings
from lesionbench.augment.transforms import (
    RandomRotTranslate,
    RotTranslateParams,
    apply_rot_translate,
    rotate90,
    translate,
)

__all__ = [
    "AugmentError", "AugmentSettings", "RandomRotTranslate", "RotTranslateParams", "apply_rot_translate",
    "build_fold", "read_fold", "rotate90", "samples_by_case", "translate",
]

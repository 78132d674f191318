"""Augmentation of training samples: online (seeded MONAI transforms in the loader) or offline
(a paper's fixed expansion, e.g. paper 000's rot90 + translation x4, enumerated lazily)."""

from lesionbench.augment.offline import OFFLINE_SETS, OfflineSet, offline_table
from lesionbench.augment.online import OnlineAugmentation, build_transforms
from lesionbench.augment.settings import MODES, AugmentSettings, OfflineSettings, OnlineSettings
from lesionbench.augment.transforms import (
    RandomRotTranslate,
    RotTranslateParams,
    apply_rot_translate,
    rotate90,
    translate,
)

__all__ = [
    "MODES", "OFFLINE_SETS", "AugmentSettings", "OfflineSet", "OfflineSettings", "OnlineSettings",
    "OnlineAugmentation", "RandomRotTranslate", "RotTranslateParams", "apply_rot_translate", "build_transforms",
    "offline_table", "rotate90", "translate",
]

"""Augmentation of training samples: online (seeded MONAI transforms in the loader, 2D or 3D) or
offline (a paper's fixed expansion, enumerated lazily: paper 000's rot90 + translation x4,
paper 001's 48 cube symmetries of a 3D VOI)."""

from lesionbench.augment.offline import CUBE48_COPIES, OFFLINE_SETS, OfflineSet, offline_table
from lesionbench.augment.online import OnlineAugmentation, build_transforms
from lesionbench.augment.settings import MODES, AugmentSettings, OfflineSettings, OnlineSettings
from lesionbench.augment.transforms import (
    CUBE_SYMMETRIES,
    CubeSymmetry,
    RandomRotTranslate,
    RotTranslateParams,
    apply_cube_symmetry,
    apply_rot_translate,
    rotate90,
    translate,
)

__all__ = [
    "CUBE48_COPIES", "CUBE_SYMMETRIES", "MODES", "OFFLINE_SETS", "AugmentSettings", "CubeSymmetry", "OfflineSet",
    "OfflineSettings", "OnlineSettings", "OnlineAugmentation", "RandomRotTranslate", "RotTranslateParams",
    "apply_cube_symmetry", "apply_rot_translate", "build_transforms", "offline_table", "rotate90", "translate",
]

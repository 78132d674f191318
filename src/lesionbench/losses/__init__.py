"""Segmentation losses, registered by name: ``create_loss(name, **kwargs)``.

A loss is called as ``loss(logits, target)`` with logits ``(B, C, H, W)`` and target
``(B, 1, H, W)``; ``C == 1`` means sigmoid/binary, ``C >= 2`` softmax with the target as
class indices (foreground = class 1). See :mod:`lesionbench.losses.targets`.
"""

from lesionbench.losses.factory import LOSSES, available_losses, create_loss, register_loss

# Losses: importing a module registers it.
from lesionbench.losses import cross_entropy, dice, dice_ce  # noqa: E402,F401  (isort: skip)
from lesionbench.losses import combined, eml, focal, multitask, sobel, tversky  # noqa: E402,F401  (isort: skip)
from lesionbench.losses import patch_attention, target_aware  # noqa: E402,F401  (isort: skip)
from lesionbench.losses.combined import CombinedLoss  # noqa: E402
from lesionbench.losses.cross_entropy import CrossEntropyLoss  # noqa: E402
from lesionbench.losses.dice import DiceLoss, soft_dice  # noqa: E402
from lesionbench.losses.dice_ce import DiceCrossEntropyLoss  # noqa: E402
from lesionbench.losses.eml import EnhancedMixingLoss  # noqa: E402
from lesionbench.losses.focal import FocalLoss  # noqa: E402
from lesionbench.losses.multitask import ClassCrossEntropyLoss, MultiTaskLoss, Targets, class_cross_entropy  # noqa: E402
from lesionbench.losses.patch_attention import PatchAttentionLoss, prior_map  # noqa: E402
from lesionbench.losses.sobel import SobelLoss, sobel_edges  # noqa: E402
from lesionbench.losses.target_aware import TargetAwareLoss, focus_map  # noqa: E402
from lesionbench.losses.tversky import TverskyLoss, tversky_index  # noqa: E402

__all__ = [
    "LOSSES", "ClassCrossEntropyLoss", "CombinedLoss", "CrossEntropyLoss", "DiceCrossEntropyLoss", "DiceLoss",
    "EnhancedMixingLoss", "FocalLoss", "MultiTaskLoss", "SobelLoss", "Targets", "TverskyLoss", "available_losses",
    "class_cross_entropy", "create_loss", "register_loss", "sobel_edges", "soft_dice", "tversky_index",
    # paper 003
    "PatchAttentionLoss", "TargetAwareLoss", "focus_map", "prior_map",
]

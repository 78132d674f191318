"""Weighted sum of the soft Dice loss and the pixel-wise cross entropy of the segmentation logits."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lesionbench.losses.cross_entropy import CrossEntropyLoss
from lesionbench.losses.dice import DiceLoss
from lesionbench.losses.factory import register_loss


@register_loss("dice_ce")
@register_loss("dice_bce")
class DiceCrossEntropyLoss(nn.Module):
    """``dice_weight * Dice loss + ce_weight * cross entropy``.

    Both terms score pixels. Paper 003 lists CE + Dice among its baselines' losses (weights 1,
    1). Paper 001's ``alpha * Dice + (1 - alpha) * CE`` is not this loss: its CE is the
    classification loss of the case's class (``multitask``, :mod:`lesionbench.losses.multitask`).

    Args:
        dice_weight: weight of :class:`~lesionbench.losses.dice.DiceLoss`.
        ce_weight: weight of :class:`~lesionbench.losses.cross_entropy.CrossEntropyLoss`.
        smooth, reduction, include_background: options of the Dice term.
        pos_weight, class_weights: options of the cross-entropy term.
    """

    def __init__(
        self,
        dice_weight: float = 1.0,
        ce_weight: float = 1.0,
        smooth: float = 1.0,
        reduction: str = "batch",
        include_background: bool = False,
        pos_weight: float | None = None,
        class_weights: Sequence[float] | None = None,
    ) -> None:
        super().__init__()
        if dice_weight < 0 or ce_weight < 0 or dice_weight + ce_weight == 0:
            raise ValueError(f"dice_bce: weights must be >= 0 and not both 0, got {dice_weight}, {ce_weight}")
        self.dice_weight = float(dice_weight)
        self.ce_weight = float(ce_weight)
        self.dice = DiceLoss(smooth=smooth, reduction=reduction, include_background=include_background)
        self.ce = CrossEntropyLoss(pos_weight=pos_weight, class_weights=class_weights)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Loss of a batch: logits ``(B, C, H, W)``, target ``(B, 1, H, W)``; returns a scalar."""
        return self.dice_weight * self.dice(logits, target) + self.ce_weight * self.ce(logits, target)

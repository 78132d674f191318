"""Soft Dice loss (paper 000, section 1.3.3, eq. 5; Milletari et al. 2016)."""

from __future__ import annotations

import torch
from torch import nn

from lesionbench.losses.factory import register_loss
from lesionbench.losses.targets import check_pair, probabilities_and_reference

#: reduction name -> whether the sums run over the batch axis too.
REDUCTIONS: dict[str, bool] = {"batch": True, "sample": False}


def soft_dice(
    probs: torch.Tensor, reference: torch.Tensor, smooth: float = 1.0, over_batch: bool = True
) -> torch.Tensor:
    """Soft Dice ``(2 * sum(p * r) + eps) / (sum(p) + sum(r) + eps)`` per class.

    Args:
        probs: ``(B, K, *spatial)`` probabilities in [0, 1].
        reference: ``(B, K, *spatial)`` reference in [0, 1].
        smooth: ``eps``, added to numerator and denominator.
        over_batch: sum over the batch axis as well (one Dice per class) or not (one per
            sample and class).

    Returns:
        ``(K,)`` if ``over_batch`` else ``(B, K)``.
    """
    dims = tuple(range(2, probs.dim()))
    if over_batch:
        dims = (0, *dims)
    intersection = (probs * reference).sum(dims)
    total = probs.sum(dims) + reference.sum(dims)
    return (2.0 * intersection + smooth) / (total + smooth)


@register_loss("dice")
class DiceLoss(nn.Module):
    """``1 - Dice`` with soft (probability) predictions, paper 000 section 1.3.3.

    Paper 000 prints eq. 5 as ``1 - (sum p r + eps) / (sum p + r + eps)``, without the factor
    2 of its own eq. 4 and without brackets around the denominator; this is the standard soft
    Dice loss, ``1 - (2 * sum(p * r) + eps) / (sum(p) + sum(r) + eps)``, whose minimum 0 is
    reached by a perfect prediction (with the printed form it would be 0.5).

    ``C == 1`` logits use the sigmoid; ``C >= 2`` use softmax against the one-hot target and
    average the Dice of the foreground classes (1..C-1; with ``include_background`` also 0).

    Args:
        smooth: ``eps`` in the numerator and denominator (default 1.0); it makes an empty
            target with an empty prediction give a loss of 0.
        reduction: ``"batch"`` (default): sums over the whole batch, one Dice per class, which
            stays stable with lesion-free slices; ``"sample"``: mean of per-sample Dice.
        include_background: also score class 0 (only for ``C >= 2``).
    """

    def __init__(self, smooth: float = 1.0, reduction: str = "batch", include_background: bool = False) -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"dice: reduction must be one of {sorted(REDUCTIONS)}, got {reduction!r}")
        if smooth < 0:
            raise ValueError(f"dice: smooth must be >= 0, got {smooth}")
        self.smooth = float(smooth)
        self.reduction = reduction
        self.include_background = include_background

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Loss of a batch.

        Args:
            logits: ``(B, C, H, W)`` (or ``(B, C, D, H, W)``) network output.
            target: ``(B, 1, H, W)`` 0/1 mask (``C == 1``) or class indices (``C >= 2``).

        Returns:
            Scalar loss in [0, 1].
        """
        check_pair(logits, target, "dice")
        probs, reference = probabilities_and_reference(logits, target, self.include_background)
        dice = soft_dice(probs, reference, self.smooth, over_batch=REDUCTIONS[self.reduction])
        return 1.0 - dice.mean()

"""Enhanced mixing loss, "EML" (D-UNet, Zhou et al. 2021; paper 003 eq. 3.13 and table 2.1)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lesionbench.losses.dice import REDUCTIONS, soft_dice
from lesionbench.losses.factory import register_loss
from lesionbench.losses.focal import check_alpha, focal_loss_map
from lesionbench.losses.targets import check_pair, probabilities_and_reference


@register_loss("eml")
class EnhancedMixingLoss(nn.Module):
    """``(1/N) sum focal - log(soft Dice coefficient)``, paper 003 eq. 3.13.

    Paper 003 section 3.5.3 writes ``L1 = Focal_loss(p, g) / N - log(Dice_loss(p, g))``; the
    term inside the logarithm must be the Dice *coefficient* (``-log(1 - Dice)`` would grow
    as the prediction improves), which is how D-UNet defines the loss: the focal loss
    averaged over the N pixels plus the negative log of the soft Dice. The focal term is
    :func:`~lesionbench.losses.focal.focal_loss_map` (same alpha convention: alpha weights the
    lesion term), the Dice term is :func:`~lesionbench.losses.dice.soft_dice`
    (``(2 sum(p r) + eps) / (sum(p) + sum(r) + eps)``; for ``C >= 2`` the mean over the
    foreground classes enters the logarithm).

    Defaults are paper 003's: ``alpha = 0.75``, ``gamma = 2`` (sections 3.5.3 and 4.4.3, used
    for every baseline of table 4.2); table 4.6 also reports ``alpha = 0.25``. Both terms have
    weight 1, as in eq. 3.13. Paper 003 adds :class:`~lesionbench.losses.sobel.SobelLoss`
    with weight 1 (eq. 3.16): ``{name: combined, terms: [{name: eml}, {name: sobel}]}``.

    Args:
        alpha: focal lesion weight in [0, 1] (or a per-class list for ``C >= 2``, or ``None``).
        gamma: focal focusing parameter ``>= 0``.
        smooth: Dice ``eps`` ``> 0`` (it keeps ``log`` finite for an empty target).
        reduction: Dice over the whole ``"batch"`` (default) or mean of per-``"sample"`` Dice.
        include_background: also score class 0 in the Dice term (only for ``C >= 2``).
    """

    def __init__(
        self,
        alpha: float | Sequence[float] | None = 0.75,
        gamma: float = 2.0,
        smooth: float = 1.0,
        reduction: str = "batch",
        include_background: bool = False,
    ) -> None:
        super().__init__()
        self.alpha = check_alpha(alpha, "eml")
        if not gamma >= 0:
            raise ValueError(f"eml: gamma must be >= 0, got {gamma}")
        if not smooth > 0:
            raise ValueError(f"eml: smooth must be > 0 (log of the Dice of an empty target), got {smooth}")
        if reduction not in REDUCTIONS:
            raise ValueError(f"eml: reduction must be one of {sorted(REDUCTIONS)}, got {reduction!r}")
        self.gamma, self.smooth = float(gamma), float(smooth)
        self.reduction = reduction
        self.include_background = include_background

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Loss of a batch.

        Args:
            logits: ``(B, C, H, W)`` (or ``(B, C, D, H, W)``) network output.
            target: ``(B, 1, H, W)`` 0/1 mask (``C == 1``) or class indices (``C >= 2``).

        Returns:
            Scalar loss ``>= 0`` (0 only for a perfect prediction).
        """
        check_pair(logits, target, "eml")
        focal = focal_loss_map(logits, target, self.alpha, self.gamma).mean()
        probs, reference = probabilities_and_reference(logits, target, self.include_background)
        dice = soft_dice(probs, reference, self.smooth, over_batch=REDUCTIONS[self.reduction]).mean()
        return focal - torch.log(dice)

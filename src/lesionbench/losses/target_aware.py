"""Target-aware loss, "TAL" (paper 003 section 4.3, eqs. 4.4-4.7, Figs. 4.3-4.4).

A focal loss whose class weight is not the pixel's class but whether the pixel lies in a
``beta x beta`` tile of the reference that holds lesion: the lesion and the background right
around it ("focused" pixels) get the high weight ``alpha``, the far background ("dispersed")
``1 - alpha``. Plus a Dice term. Three misprints are read as follows (docs/paper003.md, "TAL"):

- eq. 4.4 tiles the reference with windows of size **and stride** ``beta`` (its sums run one
  index too far; Fig. 4.4's description fixes window = stride): the focus map is
  ``A = nearest_upsample_beta(max_pool_beta(g))``; ``beta = 1`` gives ``A = g``.
- eq. 4.6 prints the weight as ``A alpha + |1 - A| alpha`` (= ``alpha`` everywhere); the text
  gives dispersed pixels the low weight, so the weight is ``alpha A + (1 - alpha)(1 - A)``.
- eq. 4.7 prints ``loss_fp + (2 sum g p + eps) / (sum p^2 + sum g^2 + eps)``: adding the Dice
  *coefficient* would reward a worse overlap; the text says "we also add the Dice loss", so the
  term is ``1 - coefficient`` (``dice_term: one_minus``; ``neg_log`` is EML's ``-log``
  coefficient instead), with the printed squared sums (V-Net's form).

Written by hand: no library has this loss.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.losses.factory import register_loss
from lesionbench.losses.focal import _modulating
from lesionbench.losses.targets import check_pair

#: The Dice terms eq. 4.7 can be read as (module docstring).
DICE_TERMS: tuple[str, ...] = ("one_minus", "neg_log", "none")
#: Over what the Dice term of eq. 4.7 is summed.
DICE_REDUCTIONS: tuple[str, ...] = ("batch", "sample")


def focus_map(reference: torch.Tensor, beta: int) -> torch.Tensor:
    """Eq. 4.4: 1 on every pixel of a ``beta``-tile (window = stride = ``beta``) that holds lesion.

    The tiles start at the first pixel of each axis; tiles cut by the border are kept (pooled
    with ``ceil_mode``). A pixel counts as lesion when its reference value is above 0 (a soft
    label's partial pixel too). 3D references are tiled in every spatial axis.

    Args:
        reference: ``(B, 1, *spatial)`` mask (0/1 or fractions).
        beta: tile edge in pixels, ``>= 1``.

    Returns:
        ``A``, 0/1 floats of the reference's shape.
    """
    if beta < 1:
        raise ValueError(f"target_aware: beta must be >= 1, got {beta}")
    lesion = (reference > 0).to(torch.float32)
    if beta == 1:
        return lesion
    spatial = lesion.shape[2:]
    pool = F.max_pool2d if len(spatial) == 2 else F.max_pool3d
    tiles = pool(lesion, kernel_size=beta, stride=beta, ceil_mode=True)
    for axis in range(2, 2 + len(spatial)):
        tiles = tiles.repeat_interleave(beta, dim=axis)
    return tiles[(slice(None), slice(None), *(slice(0, n) for n in spatial))]


def target_aware_focal_map(logits: torch.Tensor, reference: torch.Tensor, focus: torch.Tensor, alpha: float,
                           gamma: float) -> torch.Tensor:
    """Eqs. 4.5-4.6 per pixel (nats): ``-(alpha A + (1 - alpha)(1 - A)) (1 - p_t)^gamma log p_t``.

    ``p_t = p g + (1 - p)(1 - g)`` (eq. 4.5) with ``p = sigmoid(logit)``; for a soft reference
    ``g`` the two class terms are mixed by ``g`` as in the focal loss. Logarithms come from
    ``logsigmoid``, so saturated logits stay finite.

    Args:
        logits: ``(B, 1, *spatial)`` float32.
        reference: ``g``, same shape, in [0, 1].
        focus: ``A`` of :func:`focus_map`, same shape.
        alpha: weight of focused pixels, in [0, 1].
        gamma: focusing exponent ``>= 0``.
    """
    log_p, log_q = F.logsigmoid(logits), F.logsigmoid(-logits)
    positive = reference * _modulating(log_q.exp(), gamma) * log_p
    negative = (1.0 - reference) * _modulating(log_p.exp(), gamma) * log_q
    weight = alpha * focus + (1.0 - alpha) * (1.0 - focus)
    return -weight * (positive + negative)


@register_loss("target_aware")
class TargetAwareLoss(nn.Module):
    """TAL, eq. 4.7: ``loss_fp + Dice term`` (module docstring for the misprint readings).

    ``loss_fp`` is the mean of eq. 4.6 over the pixels of each image ("N = the pixels of one
    reference image"), then over the batch. The Dice term is
    ``1 - (2 sum g p + eps) / (sum p^2 + sum g^2 + eps)`` summed over the whole batch
    (``dice_reduction: batch``, as D-UNet's Dice, which most lesion-free 2.5D slices need to
    stay defined) or one per image, then the mean (``sample``).

    With ``beta = 1`` and ``dice_term: none`` the loss is the alpha-balanced focal loss
    (:class:`~lesionbench.losses.focal.FocalLoss`).

    Args:
        alpha: weight of focused pixels (thesis section 4.4.3: 0.75; recommended 0.25-0.75).
        gamma: focusing exponent (2; recommended 1-5; Table 4.4: 2 is a sharp optimum).
        beta: focus tile edge in pixels (4; recommended 2-8; 1 = the plain focal loss).
        dice_term: ``one_minus`` (default), ``neg_log`` or ``none``.
        dice_reduction: ``batch`` (default) or ``sample``.
        smooth: ``eps`` of the Dice term (1, as D-UNet's).

    Logits are ``(B, 1, *spatial)`` (sigmoid) or ``(B, 2, *spatial)`` (read as the sigmoid of the
    logit difference, which is the two-class softmax); more classes are refused.
    """

    def __init__(self, alpha: float = 0.75, gamma: float = 2.0, beta: int = 4, dice_term: str = "one_minus",
                 dice_reduction: str = "batch", smooth: float = 1.0) -> None:
        super().__init__()
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"target_aware: alpha must be in [0, 1], got {alpha}")
        if not gamma >= 0:
            raise ValueError(f"target_aware: gamma must be >= 0, got {gamma}")
        if isinstance(beta, bool) or not isinstance(beta, int) or beta < 1:
            raise ValueError(f"target_aware: beta must be an integer >= 1, got {beta!r}")
        if dice_term not in DICE_TERMS:
            raise ValueError(f"target_aware: dice_term must be one of {list(DICE_TERMS)}, got {dice_term!r}")
        if dice_reduction not in DICE_REDUCTIONS:
            raise ValueError(f"target_aware: dice_reduction must be one of {list(DICE_REDUCTIONS)}, got {dice_reduction!r}")
        if not smooth > 0:
            raise ValueError(f"target_aware: smooth must be > 0, got {smooth}")
        self.alpha, self.gamma, self.beta = float(alpha), float(gamma), int(beta)
        self.dice_term, self.dice_reduction, self.smooth = dice_term, dice_reduction, float(smooth)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Loss of a batch: logits ``(B, 1|2, *spatial)``, target ``(B, 1, *spatial)`` in [0, 1]; a scalar."""
        check_pair(logits, target, "target_aware")
        if logits.shape[1] > 2:
            raise ValueError(f"target_aware: needs 1 or 2 channels (lesion vs background), got {logits.shape[1]}")
        logits = logits.float()
        if logits.shape[1] == 2:
            logits = logits[:, 1:2] - logits[:, 0:1]
        reference = target.to(logits.dtype)
        focal = target_aware_focal_map(logits, reference, focus_map(reference, self.beta), self.alpha, self.gamma)
        loss = focal.flatten(1).mean(dim=1).mean()
        if self.dice_term == "none":
            return loss
        probs = torch.sigmoid(logits)
        dims = tuple(range(1, probs.dim())) if self.dice_reduction == "sample" else tuple(range(probs.dim()))
        coefficient = (2.0 * (probs * reference).sum(dims) + self.smooth) / (
            (probs * probs).sum(dims) + (reference * reference).sum(dims) + self.smooth)
        dice = 1.0 - coefficient if self.dice_term == "one_minus" else -torch.log(coefficient)
        return loss + dice.mean()

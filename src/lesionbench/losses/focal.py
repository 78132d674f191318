"""Focal loss (Lin et al. 2017, "Focal Loss for Dense Object Detection"; paper 003 table 2.1).

Paper 003 compares it with alpha 0.25 and 0.75 (table 4.6) and uses it, with alpha 0.75 and
gamma 2, inside the EML loss (section 3.5.3, :mod:`lesionbench.losses.eml`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.losses.factory import register_loss
from lesionbench.losses.targets import check_pair, soft_one_hot


def _modulating(base: torch.Tensor, gamma: float) -> torch.Tensor:
    """``base ** gamma`` with ``base`` clamped away from 0, so that ``0 < gamma < 1`` keeps a
    finite gradient when a probability saturates to exactly 1 (clamped points get gradient 0)."""
    if gamma == 0.0:
        return torch.ones_like(base)
    return base.clamp_min(torch.finfo(base.dtype).tiny).pow(gamma)


def focal_loss_map(
    logits: torch.Tensor, target: torch.Tensor, alpha: float | Sequence[float] | None, gamma: float
) -> torch.Tensor:
    """Per-pixel focal loss (nats), before averaging.

    - ``C == 1`` (paper 003 table 2.1, with soft labels allowed):
      ``-(a r (1 - p)^g log p + (1 - a) (1 - r) p^g log(1 - p))``, ``p = sigmoid(logit)``.
    - ``C >= 2`` (Lin et al. eq. 5 per pixel): ``-a_t (1 - p_t)^g log p_t`` with ``p_t`` the
      softmax probability of the reference class; a float ``alpha`` weights every foreground
      class (1..C-1) with ``alpha`` and the background with ``1 - alpha``, so two-channel logits
      give the same loss as one channel holding the logit difference; a sequence gives one
      weight per class.

    Logarithms come from ``logsigmoid`` / ``log_softmax``, so saturated logits stay finite.

    Args:
        logits: ``(B, C, *spatial)``.
        target: ``(B, 1, *spatial)`` (checked by the caller).
        alpha: weight of the lesion (foreground) term, a per-class sequence (``C >= 2``), or
            ``None`` for no weighting (``alpha_t = 1``).
        gamma: focusing parameter ``>= 0``; ``gamma = 0`` gives (weighted) cross entropy.

    Returns:
        ``(B, 1, *spatial)`` for ``C == 1``, ``(B, *spatial)`` for ``C >= 2``.
    """
    if logits.dtype in (torch.float16, torch.bfloat16):
        logits = logits.float()
    channels = logits.shape[1]
    if channels == 1:
        if alpha is not None and not isinstance(alpha, (int, float)):
            raise ValueError("focal: alpha must be a number (or null) for one-channel logits")
        r = target.to(logits.dtype)
        log_p, log_q = F.logsigmoid(logits), F.logsigmoid(-logits)  # log p, log(1 - p)
        positive = r * _modulating(log_q.exp(), gamma) * log_p
        negative = (1.0 - r) * _modulating(log_p.exp(), gamma) * log_q
        a_pos, a_neg = (1.0, 1.0) if alpha is None else (float(alpha), 1.0 - float(alpha))
        return -(a_pos * positive + a_neg * negative)
    # -sum_c y_c alpha_c (1 - p_c)^gamma log p_c: the focal term of the target class for class
    # indices, weighted by the reference probabilities for soft labels (lesion fractions)
    reference = soft_one_hot(target, channels, logits.dtype)
    log_p = torch.log_softmax(logits, dim=1)
    per_class = -_modulating(-torch.expm1(log_p), gamma) * log_p  # 1 - p = -expm1(log p)
    if alpha is not None:
        if isinstance(alpha, (int, float)):
            weights = [1.0 - float(alpha)] + [float(alpha)] * (channels - 1)
        else:
            weights = [float(a) for a in alpha]
            if len(weights) != channels:
                raise ValueError(f"focal: {len(weights)} alpha weights for {channels}-channel logits")
        shape = (1, channels, *([1] * (logits.dim() - 2)))
        per_class = per_class * torch.tensor(weights, dtype=logits.dtype, device=logits.device).view(shape)
    return (reference * per_class).sum(dim=1)


def check_alpha(alpha: float | Sequence[float] | None, loss_name: str) -> float | list[float] | None:
    """Validate ``alpha``: ``None``, a number in [0, 1] or a list of weights ``>= 0``.

    Raises:
        ValueError: naming the loss and the bad value.
    """
    if alpha is None:
        return None
    if isinstance(alpha, (int, float)) and not isinstance(alpha, bool):
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"{loss_name}: alpha must be in [0, 1], got {alpha}")
        return float(alpha)
    if isinstance(alpha, (list, tuple)) and alpha and all(
        isinstance(a, (int, float)) and not isinstance(a, bool) and a >= 0 for a in alpha
    ):
        return [float(a) for a in alpha]
    raise ValueError(f"{loss_name}: alpha must be null, a number in [0, 1] or a list of weights >= 0, got {alpha!r}")


@register_loss("focal")
class FocalLoss(nn.Module):
    """Focal loss averaged over every pixel of the batch (the ``1/N`` of paper 003 eq. 3.13).

    Convention: ``alpha`` weights the lesion (positive) term and ``1 - alpha`` the background
    term, as in Lin et al. and paper 003 table 2.1, so ``alpha > 0.5`` favours recall
    (paper 003 table 4.6: alpha 0.75 raised recall from 0.515 to 0.595). With ``gamma = 0``
    and ``alpha = None`` the loss equals binary cross entropy; with ``alpha = a`` the lesion
    and background terms of that cross entropy are scaled by ``a`` and ``1 - a``.

    Args:
        alpha: lesion weight in [0, 1], a per-class list (``C >= 2``) or ``None``; default 0.25
            (Lin et al.). Paper 003 uses 0.75.
        gamma: focusing parameter ``>= 0``; default 2 (Lin et al., paper 003).
    """

    def __init__(self, alpha: float | Sequence[float] | None = 0.25, gamma: float = 2.0) -> None:
        super().__init__()
        self.alpha = check_alpha(alpha, "focal")
        if not gamma >= 0:
            raise ValueError(f"focal: gamma must be >= 0, got {gamma}")
        self.gamma = float(gamma)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Loss of a batch.

        Args:
            logits: ``(B, C, H, W)`` (or ``(B, C, D, H, W)``) network output.
            target: ``(B, 1, H, W)`` 0/1 mask (``C == 1``) or class indices (``C >= 2``).

        Returns:
            Scalar loss (nats per pixel).
        """
        check_pair(logits, target, "focal")
        return focal_loss_map(logits, target, self.alpha, self.gamma).mean()


"""Tversky loss (Salehi et al. 2017; paper 003 table 2.1 and table 4.6)."""

from __future__ import annotations

import torch
from torch import nn

from lesionbench.losses.dice import REDUCTIONS
from lesionbench.losses.factory import register_loss
from lesionbench.losses.targets import check_pair, probabilities_and_reference


def tversky_index(
    probs: torch.Tensor,
    reference: torch.Tensor,
    alpha: float,
    beta: float,
    smooth: float = 1.0,
    over_batch: bool = True,
) -> torch.Tensor:
    """Soft Tversky index ``(TP + eps) / (TP + alpha FP + beta FN + eps)`` per class.

    With soft counts ``TP = sum(p r)``, ``FP = sum(p (1 - r))``, ``FN = sum((1 - p) r)``.

    Args:
        probs: ``(B, K, *spatial)`` probabilities in [0, 1].
        reference: ``(B, K, *spatial)`` reference in [0, 1].
        alpha: weight of false positives.
        beta: weight of false negatives.
        smooth: ``eps``, added to numerator and denominator.
        over_batch: sum over the batch axis too (one index per class) or not (per sample).

    Returns:
        ``(K,)`` if ``over_batch`` else ``(B, K)``.
    """
    dims = tuple(range(2, probs.dim()))
    if over_batch:
        dims = (0, *dims)
    tp = (probs * reference).sum(dims)
    fp = (probs * (1.0 - reference)).sum(dims)
    fn = ((1.0 - probs) * reference).sum(dims)
    return (tp + smooth) / (tp + alpha * fp + beta * fn + smooth)


@register_loss("tversky")
class TverskyLoss(nn.Module):
    """``1 - Tversky index`` with soft (probability) predictions.

    Convention (Salehi et al. 2017): ``alpha`` weights false positives, ``beta`` false
    negatives; ``beta > alpha`` favours recall. ``alpha = beta = 0.5`` gives the soft Dice
    ``2 TP / (2 TP + FP + FN)``: with smoothing, Tversky ``smooth = s`` equals
    :class:`~lesionbench.losses.dice.DiceLoss` with ``smooth = 2 s``.

    Paper 003 (table 2.1) writes the index with a single alpha, ``yp / (yp + (1 - a)(1 - y)p
    + a y (1 - p))``, i.e. its alpha weights false negatives: its "Tversky alpha = 0.75"
    (table 4.6, the highest recall, 0.693) is ``alpha = 0.25, beta = 0.75`` here.

    ``C == 1`` uses the sigmoid; ``C >= 2`` softmax against the one-hot target, averaging the
    foreground classes (and class 0 with ``include_background``), as the Dice loss does.

    Args:
        alpha: false-positive weight ``>= 0``; default 0.3 (Salehi et al.).
        beta: false-negative weight ``>= 0``; default 0.7 (Salehi et al.).
        smooth: ``eps`` ``>= 0`` in numerator and denominator (default 1.0).
        reduction: ``"batch"`` (sums over the batch, default) or ``"sample"`` (mean of
            per-sample indices).
        include_background: also score class 0 (only for ``C >= 2``).
    """

    def __init__(
        self,
        alpha: float = 0.3,
        beta: float = 0.7,
        smooth: float = 1.0,
        reduction: str = "batch",
        include_background: bool = False,
    ) -> None:
        super().__init__()
        if not (alpha >= 0 and beta >= 0 and alpha + beta > 0):
            raise ValueError(f"tversky: alpha and beta must be >= 0 and not both 0, got {alpha}, {beta}")
        if not smooth >= 0:
            raise ValueError(f"tversky: smooth must be >= 0, got {smooth}")
        if reduction not in REDUCTIONS:
            raise ValueError(f"tversky: reduction must be one of {sorted(REDUCTIONS)}, got {reduction!r}")
        self.alpha, self.beta, self.smooth = float(alpha), float(beta), float(smooth)
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
        check_pair(logits, target, "tversky")
        probs, reference = probabilities_and_reference(logits, target, self.include_background)
        index = tversky_index(probs, reference, self.alpha, self.beta, self.smooth,
                              over_batch=REDUCTIONS[self.reduction])
        return 1.0 - index.mean()

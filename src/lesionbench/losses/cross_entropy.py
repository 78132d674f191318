"""Cross-entropy losses: binary with logits (``C == 1``) and softmax (``C >= 2``).

Registered as ``"bce"`` and ``"ce"``: one loss, the cross entropy of the network's
probabilities, whose form follows the number of logit channels. Papers 002 and 003 train with
softmax cross entropy, paper 004 with ``BCEWithLogitsLoss``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.losses.factory import register_loss
from lesionbench.losses.targets import check_pair, soft_one_hot


@register_loss("ce")
@register_loss("bce")
class CrossEntropyLoss(nn.Module):
    """Cross entropy averaged over every pixel of the batch.

    - ``C == 1``: ``-mean(r log p + (1 - r) log(1 - p))`` with ``p = sigmoid(logit)``
      (``F.binary_cross_entropy_with_logits``); ``pos_weight`` multiplies the ``r log p`` term.
    - ``C >= 2``: ``-mean(log softmax(logits)[target])`` (``F.cross_entropy``); with
      ``class_weights`` it is PyTorch's weighted mean (divided by the sum of the weights).

    Args:
        pos_weight: weight of lesion pixels for one-channel logits (e.g. background/lesion
            pixel ratio); ``None`` for 1.
        class_weights: one weight per class for ``C >= 2`` logits; ``None`` for equal.
    """

    def __init__(self, pos_weight: float | None = None, class_weights: Sequence[float] | None = None) -> None:
        super().__init__()
        if pos_weight is not None and pos_weight <= 0:
            raise ValueError(f"bce: pos_weight must be > 0, got {pos_weight}")
        self.pos_weight = None if pos_weight is None else float(pos_weight)
        self.class_weights = None if class_weights is None else [float(w) for w in class_weights]

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Loss of a batch.

        Args:
            logits: ``(B, C, H, W)`` (or ``(B, C, D, H, W)``) network output.
            target: ``(B, 1, H, W)`` 0/1 mask (``C == 1``) or class indices (``C >= 2``).

        Returns:
            Scalar loss (nats per pixel).
        """
        check_pair(logits, target, "cross entropy")
        channels = logits.shape[1]
        if channels == 1:
            if self.class_weights is not None:
                raise ValueError("bce: class_weights apply to C >= 2 logits; use pos_weight for one channel")
            pos_weight = None
            if self.pos_weight is not None:
                pos_weight = torch.tensor(self.pos_weight, dtype=logits.dtype, device=logits.device)
            return F.binary_cross_entropy_with_logits(logits, target.to(logits.dtype), pos_weight=pos_weight)
        if self.pos_weight is not None:
            raise ValueError(f"ce: pos_weight applies to one-channel logits; use class_weights for {channels} channels")
        weight = None
        if self.class_weights is not None:
            if len(self.class_weights) != channels:
                raise ValueError(f"ce: {len(self.class_weights)} class_weights for {channels}-channel logits")
            weight = torch.tensor(self.class_weights, dtype=logits.dtype, device=logits.device)
        # -sum_i sum_c w_c y_ic log p_ic / sum_i sum_c w_c y_ic: F.cross_entropy's weighted mean
        # for class indices, extended to soft references (lesion fractions)
        reference = soft_one_hot(target, channels, torch.float32 if logits.dtype != torch.float64 else logits.dtype)
        log_p = torch.log_softmax(logits.to(reference.dtype), dim=1)
        if weight is not None:
            reference = reference * weight.to(reference.dtype).view(1, -1, *([1] * (logits.dim() - 2)))
        return -(reference * log_p).sum() / reference.sum().clamp_min(torch.finfo(reference.dtype).tiny)

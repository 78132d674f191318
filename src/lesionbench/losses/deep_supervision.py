"""Deep supervision: one loss averaged over a network's main and side outputs.

U-Net++ (Zhou et al. 2018, section 2.2: "we average the losses of the four semantic levels")
and paper 003's side-output supervision return a result with ``seg`` and ``side_outputs``
(docs/architecture.md, "Registries"). The trainer wraps every loss in :class:`DeepSupervision`: a plain
tensor output passes straight through, so networks without side outputs are unaffected.
An output that also carries ``side_weights`` (PSPNet: Zhao et al. 2017 section 4.1 weighs its
auxiliary loss 0.4), or a loss configured with them (paper 003 eq. 4.8 *sums* TSRL-Net's four
side losses with the final one: ``side_weights: [1, 1, 1, 1]`` of ``combined``), gets the main
loss plus the weighted side losses instead of the mean.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class DeepSupervision(nn.Module):
    """Mean of ``loss`` over ``(*side_outputs, seg)``; side outputs are resized to the target.

    With side weights ``(w_1, ..., w_n)``, one per side output, the result is
    ``loss(seg) + sum_i w_i * loss(side_i)`` instead. The loss's own ``side_weights`` win over
    the output's ``side_weights``.

    Args:
        loss: a segmentation loss called as ``loss(logits, target)``.
        side_weights: the weights of the side outputs, or ``None`` (the output's, else the mean).
    """

    def __init__(self, loss: nn.Module, side_weights: tuple[float, ...] | None = None) -> None:
        super().__init__()
        self.loss = loss
        self.side_weights = None if side_weights is None else tuple(float(w) for w in side_weights)

    def forward(self, output: Any, target: torch.Tensor) -> torch.Tensor:
        if isinstance(output, torch.Tensor):
            return self.loss(output, target)
        sides = tuple(getattr(output, "side_outputs", ()))
        weights = self.side_weights if self.side_weights is not None else getattr(output, "side_weights", None)
        if weights is None:
            return torch.stack([self._term(logits, target) for logits in (*sides, output.seg)]).mean()
        if len(weights) != len(sides):
            raise ValueError(f"deep supervision: {len(weights)} side_weights for {len(sides)} side outputs")
        total = self._term(output.seg, target)
        for weight, logits in zip(weights, sides):
            total = total + weight * self._term(logits, target)
        return total

    def _term(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if logits.shape[2:] != target.shape[2:]:
            mode = "bilinear" if logits.ndim == 4 else "trilinear"
            logits = F.interpolate(logits, size=target.shape[2:], mode=mode, align_corners=False)
        return self.loss(logits, target)

"""Deep supervision: one loss averaged over a network's main and side outputs.

U-Net++ (Zhou et al. 2018, section 2.2: "we average the losses of the four semantic levels")
and paper 003's side-output supervision return a result with ``seg`` and ``side_outputs``
(DESIGN.md, "Networks"). The trainer wraps every loss in :class:`DeepSupervision`: a plain
tensor output passes straight through, so networks without side outputs are unaffected.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class DeepSupervision(nn.Module):
    """Mean of ``loss`` over ``(*side_outputs, seg)``; side outputs are resized to the target.

    Args:
        loss: a segmentation loss called as ``loss(logits, target)``.
    """

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        self.loss = loss

    def forward(self, output: Any, target: torch.Tensor) -> torch.Tensor:
        if isinstance(output, torch.Tensor):
            return self.loss(output, target)
        heads = [*getattr(output, "side_outputs", ()), output.seg]
        terms = []
        for logits in heads:
            if logits.shape[2:] != target.shape[2:]:
                mode = "bilinear" if logits.ndim == 4 else "trilinear"
                logits = F.interpolate(logits, size=target.shape[2:], mode=mode, align_corners=False)
            terms.append(self.loss(logits, target))
        return torch.stack(terms).mean()

"""Supervision of coarse-grained patch attention (CPA) by prior maps (paper 003 section 3.2, eq. 3.15).

AGMR-Net's CPA predicts, at each 2D encoder stage ``i``, the probability that each of the
``6 x 6`` patches of the slice holds lesion. Its target is the **prior position map** of the
slice's label: max pooling of the ``192 x 192`` reference with a ``32 x 32`` kernel and stride
(Fig. 3.2 (d)-(e)), a binary ``6 x 6`` matrix, 1 where the patch holds lesion. The loss of stage
``i`` is the binary cross entropy between the two (eq. 3.15); eqs. 3.16 and 4.8 add
``0.15 * sum_i`` of them to the segmentation loss (a ``combined`` term with ``weight: 0.15``).

This loss reads the attention maps of the network's output
(:class:`~lesionbench.networks.outputs.AttentionOutput`), not only the segmentation logits: it is
marked ``reads_output = True`` and gets the whole output (docs/architecture.md, "Losses").
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.losses.factory import register_loss
from lesionbench.networks.outputs import attention_maps

#: How the stage losses are combined.
STAGE_REDUCTIONS: tuple[str, ...] = ("sum", "mean")


def prior_map(reference: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """The prior position map: 1 on every patch of ``reference`` that holds lesion.

    Max pooling with kernel = stride = ``H / size`` (thesis Fig. 3.2: 192 / 6 = 32); the pooling is
    adaptive, so sizes that do not divide evenly get near-equal patches.

    Args:
        reference: ``(B, 1, H, W)`` mask (0/1 or fractions; any value above 0 is lesion).
        size: the patch grid ``(h, w)``, e.g. ``(6, 6)``.

    Returns:
        ``(B, 1, h, w)`` float32 0/1.
    """
    return F.adaptive_max_pool2d((reference > 0).to(torch.float32), size)


@register_loss("cpa_prior")
class PatchAttentionLoss(nn.Module):
    """``sum_i BCE(sigmoid(a_i), prior_map(g))`` over the CPA stages of the output (eq. 3.15).

    Args:
        stages: ``sum`` over the stages (eqs. 3.16, 4.8, where ``0.15`` weighs each stage) or
            their ``mean``.

    Raises:
        ValueError (at the first batch): the network returned no attention maps (e.g.
            ``agmr_net`` with ``cpa: false``): this loss has nothing to supervise.
    """

    reads_output = True

    def __init__(self, stages: str = "sum") -> None:
        super().__init__()
        if stages not in STAGE_REDUCTIONS:
            raise ValueError(f"cpa_prior: stages must be one of {list(STAGE_REDUCTIONS)}, got {stages!r}")
        self.stages = stages

    def forward(self, output: Any, target: torch.Tensor) -> torch.Tensor:
        """Loss of a batch: ``output.attention_maps`` ``(B, 1, h, w)`` logits per stage, target ``(B, 1, H, W)``."""
        maps = attention_maps(output)
        if not maps:
            raise ValueError("cpa_prior: the network returned no attention maps (a network with patch "
                             "attention, e.g. agmr_net or tsrl_net with cpa: true, is needed)")
        terms = []
        for logits in maps:
            if logits.dim() != 4 or logits.shape[1] != 1:
                raise ValueError(f"cpa_prior: attention maps must be (B, 1, h, w), got {tuple(logits.shape)}")
            prior = prior_map(target, tuple(logits.shape[-2:]))
            terms.append(F.binary_cross_entropy_with_logits(logits.float(), prior))
        total = torch.stack(terms).sum()
        return total if self.stages == "sum" else total / len(terms)

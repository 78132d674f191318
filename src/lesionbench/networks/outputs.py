"""The typed result of segmentation networks with attention maps or side outputs (paper 003).

AGMR-Net's coarse-grained patch attention (CPA) predicts, at each 2D encoder stage, which of
the ``6 x 6`` patches of the slice hold lesion, supervised against prior maps built from the
label (thesis section 3.2, eq. 3.15); TSRL-Net adds side outputs at every decoder level
(section 4.1, eq. 4.8). Such networks return an :class:`AttentionOutput`. Like every result
object it has a ``seg`` field, so code that only segments (inference, the trainer's plain
segmentation losses, :class:`~lesionbench.losses.deep_supervision.DeepSupervision`) reads it
unchanged; losses that supervise the attention maps read ``attention_maps``
(docs/architecture.md, "Network outputs").
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch


class AttentionOutput(NamedTuple):
    """Logits of one batch: the final prediction, side outputs, attention maps.

    All three are logits (apply ``sigmoid`` for probabilities), so that losses stay stable under
    mixed precision.

    Attributes:
        seg: segmentation logits ``(B, K, H, W)`` (``K = out_channels``; 1: sigmoid).
        side_outputs: per decoder level, coarse to fine, logits ``(B, K, h_n, w_n)`` at the level's
            own resolution (the loss resizes them to the target); ``()`` for none.
        attention_maps: per attention stage, shallow to deep, patch logits ``(B, 1, 6, 6)``
            (``sigmoid`` is CPA's ``omega'``, thesis eq. 3.3); ``()`` for none.
    """

    seg: torch.Tensor
    side_outputs: tuple[torch.Tensor, ...] = ()
    attention_maps: tuple[torch.Tensor, ...] = ()


def attention_maps(output: Any) -> tuple[torch.Tensor, ...]:
    """The attention-map logits of a network output, ``()`` for outputs without any."""
    if isinstance(output, torch.Tensor):
        return ()
    return tuple(getattr(output, "attention_maps", ()) or ())

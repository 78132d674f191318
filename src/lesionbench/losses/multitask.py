"""Paper 001's multi-task loss: ``alpha * Dice(seg) + (1 - alpha) * CE(cls)`` (section 2.3, eq. 3).

The segmentation term is the soft Dice loss of eq. (1) on the segmentation logits; the
cross-entropy term of eq. (2) is the *classification* loss, on the class logits against the
case's class label (``y`` is "the expected output of the sample, i.e. the label value", section
2.2), not a pixel loss. ``alpha`` weighs the segmentation task; the paper tries 0.3-0.7 and uses
0.4 for its comparisons.

Batches carry a :class:`Targets` pair; a loss marks that it reads the class targets with
``uses_class_targets = True`` (the trainer hands every other loss the mask alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.losses.factory import create_loss, register_loss

#: How the class logits are scored (the networks' :func:`lesionbench.networks.class_probability` modes).
CLASS_LOSS_MODES = ("sigmoid", "softmax")


class Targets(NamedTuple):
    """What a batch is scored against.

    Attributes:
        mask: ``(B, 1, *spatial)`` float lesion fraction (or 0/1).
        cls: ``(B,)`` int64 class index of each sample's case; -1 where unknown (left out of
            the class term).
    """

    mask: torch.Tensor
    cls: torch.Tensor


def class_cross_entropy(logits: torch.Tensor, classes: torch.Tensor, mode: str = "sigmoid") -> torch.Tensor:
    """Cross entropy of class logits ``(B, K)`` against class indices ``(B,)``.

    ``"sigmoid"``: paper 001's eq. (2) taken literally for its "2 outputs through a sigmoid"
    (section 2.2): the binary cross entropy of every unit against the one-hot target, averaged
    over units and samples (docs/paper001.md, A-5). ``"softmax"``: the K-class softmax cross entropy.
    """
    if mode == "sigmoid":
        one_hot = F.one_hot(classes, logits.shape[1]).to(logits.dtype)
        return F.binary_cross_entropy_with_logits(logits, one_hot)
    if mode == "softmax":
        return F.cross_entropy(logits, classes)
    raise ValueError(f"multitask: cls_mode must be one of {list(CLASS_LOSS_MODES)}, got {mode!r}")


@register_loss("multitask")
class MultiTaskLoss(nn.Module):
    """``alpha * seg_loss(output.seg, mask) + (1 - alpha) * CE(output.cls, class)`` (paper 001, eq. 3).

    Args:
        alpha: weight of the segmentation task in ``[0, 1]`` (paper 001: 0.4).
        seg: the segmentation loss's registry name (default ``dice``: eq. 1 with ``eps = 1``).
        seg_options: its options (default ``{"reduction": "sample", "smooth": 1.0}``: one Dice
            per VOI, then the batch mean, paper 001).
        cls_mode: ``"sigmoid"`` (eq. 2 on two sigmoid units, the paper's text) or ``"softmax"``.

    Samples whose class is unknown (-1) count in the segmentation term only; a batch without a
    known class has no class term.
    """

    uses_class_targets = True

    def __init__(self, alpha: float = 0.4, seg: str = "dice", seg_options: Mapping[str, Any] | None = None,
                 cls_mode: str = "sigmoid") -> None:
        super().__init__()
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"multitask: alpha must be in [0, 1], got {alpha}")
        if cls_mode not in CLASS_LOSS_MODES:
            raise ValueError(f"multitask: cls_mode must be one of {list(CLASS_LOSS_MODES)}, got {cls_mode!r}")
        if seg == "multitask":
            raise ValueError("multitask: seg must be a segmentation loss")
        self.alpha, self.cls_mode = float(alpha), cls_mode
        if seg_options is None and seg == "dice":
            options = {"reduction": "sample", "smooth": 1.0}
        else:
            options = dict(seg_options or {})
        self.seg = create_loss(seg, **options)

    def forward(self, output: Any, targets: Targets) -> torch.Tensor:
        """Scalar loss of a multi-task output (``.seg (B, K, *spatial)``, ``.cls (B, n_classes)``)."""
        seg_logits, cls_logits = getattr(output, "seg", None), getattr(output, "cls", None)
        if not isinstance(seg_logits, torch.Tensor) or not isinstance(cls_logits, torch.Tensor):
            raise TypeError(f"multitask loss: the network returned {type(output).__name__}, not a result with "
                            "seg and cls (use a multi-task network: mlssp, ynet3d, he_mtl3d)")
        total = self.alpha * self.seg(seg_logits, targets.mask)
        known = targets.cls >= 0
        if bool(known.any()):
            total = total + (1.0 - self.alpha) * class_cross_entropy(cls_logits[known].float(), targets.cls[known],
                                                                    self.cls_mode)
        return total


@register_loss("class_ce")
class ClassCrossEntropyLoss(nn.Module):
    """``CE(output.cls, class)`` alone: paper 001's eq. (2), the loss of the single-task CNN (Table 3).

    Args:
        cls_mode: ``"sigmoid"`` (eq. 2 on two sigmoid units, the paper's text) or ``"softmax"``.

    Samples whose class is unknown (-1) are left out; a batch without a known class scores 0
    (with a gradient of 0, so the step changes nothing but the optimizer's moments).
    """

    uses_class_targets = True

    def __init__(self, cls_mode: str = "sigmoid") -> None:
        super().__init__()
        if cls_mode not in CLASS_LOSS_MODES:
            raise ValueError(f"class_ce: cls_mode must be one of {list(CLASS_LOSS_MODES)}, got {cls_mode!r}")
        self.cls_mode = cls_mode

    def forward(self, output: Any, targets: Targets) -> torch.Tensor:
        """Scalar loss of an output with class logits ``.cls (B, n_classes)``."""
        cls_logits = getattr(output, "cls", None)
        if not isinstance(cls_logits, torch.Tensor):
            raise TypeError(f"class_ce: the network output ({type(output).__name__}) has no class logits "
                            "(use a classifier or a multi-task network: cnn3d, mlssp, ynet3d, he_mtl3d)")
        known = targets.cls >= 0
        if not bool(known.any()):
            return cls_logits.sum() * 0.0
        return class_cross_entropy(cls_logits[known].float(), targets.cls[known], self.cls_mode)

"""A weighted sum of registered losses, built from config (``combined`` / ``weighted_sum``).

A term scores the segmentation logits (and, through
:class:`~lesionbench.losses.deep_supervision.DeepSupervision`, the side outputs of networks that
have them), unless its loss is marked ``reads_output = True``: such a term (``cpa_prior``, the
supervision of patch attention) gets the network's whole output. Paper 001's MLSSP loss mixes Dice with the
*classification* cross entropy instead: that is :class:`lesionbench.losses.multitask.MultiTaskLoss`
(``multitask``), not a combination of pixel losses.

Examples (``loss:`` section of an experiment)::

    # Dice + pixel cross entropy, equally weighted (nnU-Net's default loss)
    {name: combined, terms: [{name: dice, weight: 0.5}, {name: ce, weight: 0.5}]}
    # paper 003 eq. 3.16 (AGMR-Net): EML + Sobel + 0.15 * the CPA prior-map BCE of the 5 stages
    {name: combined, terms: [{name: eml, alpha: 0.75, gamma: 2}, {name: sobel},
                             {name: cpa_prior, weight: 0.15}]}
    # paper 003 eq. 4.8 (TSRL-Net): TAL on the final and (summed) the 4 side outputs + CPA BCE
    {name: combined, side_weights: [1, 1, 1, 1],
     terms: [{name: target_aware, alpha: 0.75, gamma: 2, beta: 4}, {name: cpa_prior, weight: 0.15}]}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from lesionbench.losses.deep_supervision import DeepSupervision
from lesionbench.losses.factory import LOSSES, register_loss


@register_loss("weighted_sum")
@register_loss("combined")
class CombinedLoss(nn.Module):
    """``sum_i weight_i * loss_i(logits, target)`` over the configured terms.

    Each term is ``{"name": <registered loss>, "weight": w (default 1), ...options of that
    loss}``; the terms are built with the loss registry, so any registered loss (a combined
    one too) can be a term.

    Args:
        terms: the terms, in order.
        side_weights: weights of the network's side outputs in every segmentation term
            (:class:`~lesionbench.losses.deep_supervision.DeepSupervision`); default: the output's
            own, else the mean over the side and final outputs.

    Raises:
        ValueError: no terms, a term that is not a mapping or lacks ``name``, a weight that is
            negative or not finite, all weights 0, or an invalid option of a term (the message
            names ``terms[i]``).
        KeyError: a term names an unknown loss (the message lists the valid names).
    """

    #: The trainer hands this loss the network's whole output (terms choose what they read).
    reads_output = True

    def __init__(self, terms: Sequence[Mapping[str, Any]], side_weights: Sequence[float] | None = None) -> None:
        super().__init__()
        if side_weights is not None and (isinstance(side_weights, (str, bytes)) or not all(
                isinstance(w, (int, float)) and not isinstance(w, bool) and math.isfinite(w) and w >= 0
                for w in side_weights)):
            raise ValueError(f"combined: side_weights must be a list of finite numbers >= 0, got {side_weights!r}")
        if isinstance(terms, (str, bytes, Mapping)) or not isinstance(terms, Sequence) or not terms:
            raise ValueError(f"combined: terms must be a non-empty list of {{name, weight, ...}}, got {terms!r}")
        losses, weights, names = [], [], []
        for i, term in enumerate(terms):
            where = f"combined: terms[{i}]"
            if not isinstance(term, Mapping) or not isinstance(term.get("name"), str):
                raise ValueError(f"{where}: expected a mapping with a loss 'name', got {term!r}")
            options = {k: v for k, v in term.items() if k not in ("name", "weight")}
            weight = term.get("weight", 1.0)
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not (
                math.isfinite(weight) and weight >= 0
            ):
                raise ValueError(f"{where}: weight must be a finite number >= 0, got {weight!r}")
            try:
                losses.append(LOSSES.create(term["name"], **options))
            except KeyError as error:
                raise KeyError(f"{where}: {error.args[0]}") from None
            except ValueError as error:
                raise ValueError(f"{where}: {error}") from error
            weights.append(float(weight))
            names.append(term["name"])
        if not any(weights):
            raise ValueError(f"combined: at least one weight must be > 0, got {weights}")
        weights_of_sides = None if side_weights is None else tuple(float(w) for w in side_weights)
        self.terms = nn.ModuleList(
            loss if getattr(loss, "reads_output", False) else DeepSupervision(loss, weights_of_sides) for loss in losses
        )
        self.weights = weights
        self.names = names

    def forward(self, output: Any, target: torch.Tensor) -> torch.Tensor:
        """Weighted sum of the terms: the network's output (logits ``(B, C, H, W)`` or a result
        object with ``seg``), target ``(B, 1, H, W)``; a scalar."""
        return sum(w * loss(output, target) for w, loss in zip(self.weights, self.terms, strict=True))

"""The typed result of the multi-task networks, and how to read its classification part.

Multi-task networks (paper 001: :class:`~lesionbench.networks.mlssp.MLSSP`,
:class:`~lesionbench.networks.mlssp.YNet3D`, :class:`~lesionbench.networks.mlssp.HeMTL3D`)
return a :class:`MultiTaskOutput`; a classifier without segmentation output (paper 001's CNN,
:class:`~lesionbench.networks.cnn3d.CNN3D`) returns a :class:`ClassOutput`. It is the package's general mechanism for a network with a
segmentation and a per-sample classification output: code that only segments (the trainer's
segmentation loss, :func:`lesionbench.inference.runtime.segmentation_logits`) reads ``.seg`` as
it does for every result object with a ``seg`` field; classification code reads ``.cls``
through :func:`classification_logits` and turns it into a probability of the positive class
with :func:`class_probability`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
import torch.nn.functional as F

#: How class logits become probabilities (:func:`class_probability`).
CLASS_PROBABILITY_MODES: tuple[str, ...] = ("sigmoid", "softmax")


class MultiTaskOutput(NamedTuple):
    """Segmentation and classification logits of one batch.

    Attributes:
        seg: segmentation logits ``(B, K, D, H, W)`` (``K = out_channels``; 1: sigmoid).
        cls: classification logits ``(B, n_classes)``, one row per sample (per VOI in paper 001).
    """

    seg: torch.Tensor
    cls: torch.Tensor


class ClassOutput(NamedTuple):
    """Classification logits of a classifier without a segmentation output (paper 001's CNN).

    Attributes:
        cls: classification logits ``(B, n_classes)``, one row per sample.
    """

    cls: torch.Tensor


def classification_logits(output: Any) -> torch.Tensor | None:
    """The ``(B, n_classes)`` classification logits of a network output, or ``None``.

    ``None`` for a plain tensor (a segmentation network's logits) and for result objects
    without a tensor ``cls`` field (e.g. the deep-supervision results of U-Net++ or ACSNet).
    """
    if isinstance(output, torch.Tensor):
        return None
    cls = getattr(output, "cls", None)
    return cls if isinstance(cls, torch.Tensor) else None


def class_probability(cls_logits: torch.Tensor, mode: str = "sigmoid") -> torch.Tensor:
    """Probability of class 1 (paper 001: AVM) per sample, ``(B, n_classes) -> (B,)`` float32.

    - ``"sigmoid"`` (paper 001's text, section 2.2: "2 outputs through a sigmoid", trained with
      the binary CE of eq. 2 on the one-hot target): every unit is an independent sigmoid
      ``p_i = sigmoid(l_i)``; the probability is the normalised ``p_1 / sum_i p_i``
      (``p_AVM / (p_AVM + p_other)`` for two classes; docs/paper001.md, A-5), computed as a softmax of
      ``log sigmoid(l)`` so that it stays finite when every ``p_i`` underflows. One column:
      ``sigmoid(l_0)``.
    - ``"softmax"``: ``softmax(l)_1``, for a network trained with the 2-class softmax CE.

    In both modes the predicted class, the argmax of the logits' probabilities, is class 1 iff
    the returned probability is at least 0.5 for two classes.

    Raises:
        ValueError: ``cls_logits`` not ``(B, C)``, ``C = 1`` with ``"softmax"``, an unknown mode.
    """
    if mode not in CLASS_PROBABILITY_MODES:
        raise ValueError(f"class_probability: mode must be one of {list(CLASS_PROBABILITY_MODES)}, got {mode!r}")
    if cls_logits.dim() != 2 or cls_logits.shape[1] < 1:
        raise ValueError(f"class_probability: expected logits (B, n_classes), got shape {tuple(cls_logits.shape)}")
    logits = cls_logits.float()
    if mode == "softmax":
        if logits.shape[1] < 2:
            raise ValueError("class_probability: softmax needs at least 2 class logits, got 1")
        return torch.softmax(logits, dim=1)[:, 1]
    if logits.shape[1] == 1:
        return torch.sigmoid(logits[:, 0])
    return torch.softmax(F.logsigmoid(logits), dim=1)[:, 1]

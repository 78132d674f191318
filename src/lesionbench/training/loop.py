"""One training epoch and one validation pass.

Pure counting first, then the score (segmentation_models_pytorch's ``get_stats`` then ``iou_score``): validation accumulates true
positives and the predicted and reference voxel counts over all slices, and
:func:`global_dice` turns them into the global Dice (paper 003 section 3.5.2, DSC(G)).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import math
from dataclasses import dataclass

import torch

from lesionbench.inference.runtime import (
    autocast,
    foreground_probability,
    has_segmentation,
    segmentation_logits,
    to_device,
)
from lesionbench.losses.multitask import Targets

LossFunction = Callable[..., torch.Tensor]


class TrainingDivergedError(ValueError):
    """The training loss became NaN or infinite."""


@dataclass(frozen=True)
class ValidationResult:
    """Validation of one epoch.

    Attributes:
        loss: mean of the per-batch losses.
        dice: global Dice over all validation slices (1.0 when both masks are empty); NaN for
            a network without segmentation output (a classifier).
        intersection, predicted, reference: voxel counts behind ``dice``.
    """

    loss: float
    dice: float
    intersection: int
    predicted: int
    reference: int

    @property
    def score(self) -> float:
        """What the ``best`` checkpoint maximises: the global Dice, or minus the loss for a
        network without segmentation output."""
        return -self.loss if math.isnan(self.dice) else self.dice


def global_dice(intersection: int, predicted: int, reference: int) -> float:
    """``2 |P ∩ R| / (|P| + |R|)`` from voxel counts summed over all slices; both empty -> 1.0."""
    total = predicted + reference
    return 1.0 if total == 0 else 2.0 * intersection / total


def train_one_epoch(model: torch.nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
                    loss_fn: LossFunction, optimizer: torch.optim.Optimizer,
                    scheduler: torch.optim.lr_scheduler.LRScheduler, scaler: torch.amp.GradScaler,
                    device: torch.device, amp: torch.dtype | None, max_batches: int | None = None) -> float:
    """Run one epoch of optimizer steps; the schedule is stepped after every step.

    Args:
        model: the network, in train mode afterwards.
        batches: ``(images (B, C, *spatial) float32, labels (B, 1, *spatial), classes (B,))``;
            labels are lesion fractions in ``[0, 1]`` (soft labels) or 0/1, classes int64 (-1
            unknown).
        loss_fn: called as ``loss_fn(output, targets)`` with :class:`~lesionbench.losses.Targets`
            (``mask`` float ``(B, 1, *spatial)``, ``cls`` ``(B,)``); see
            :func:`lesionbench.training.trainer.batch_loss`.
        optimizer, scheduler, scaler: updated in place (the scaler is a no-op without AMP).
        device: where the model lives.
        amp: the autocast type of the forward pass (``None``: float32).
        max_batches: stop after this many batches (``None``: the whole epoch).

    Returns:
        The mean of the per-batch losses.

    Raises:
        TrainingDivergedError: if the mean loss is not finite.
    """
    model.train()
    total = torch.zeros((), dtype=torch.float64, device=device)
    count = 0
    for images, masks, classes in batches:
        if max_batches is not None and count >= max_batches:
            break
        images = to_device(images, device)
        target = Targets(to_device(masks, device).float(), to_device(classes, device))
        optimizer.zero_grad(set_to_none=True)
        with autocast(device, amp):
            loss = loss_fn(model(images), target)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
        total += loss.detach().double()
        count += 1
    mean = float(total.item()) / max(count, 1)
    if not torch.isfinite(torch.tensor(mean)):
        raise TrainingDivergedError(f"training loss is {mean} (diverged); lower the learning rate")
    return mean


@torch.no_grad()
def validate(model: torch.nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
             loss_fn: LossFunction, device: torch.device, amp: torch.dtype | None, threshold: float = 0.5) -> ValidationResult:
    """Validation loss and global Dice of ``model`` (eval mode) over all ``batches``.

    Probabilities (sigmoid, or softmax channel 1) are thresholded at ``>= threshold``, and so
    are soft reference labels (lesion fractions). A network without segmentation output (a
    classifier, :func:`~lesionbench.inference.runtime.has_segmentation`) gets the loss only and a
    NaN Dice.
    """
    model.eval()
    loss_total = torch.zeros((), dtype=torch.float64, device=device)
    counts = torch.zeros(3, dtype=torch.int64, device=device)
    batches_seen = 0
    for images, masks, classes in batches:
        images = to_device(images, device)
        target = Targets(to_device(masks, device).float(), to_device(classes, device))
        with autocast(device, amp):
            output = model(images)
            loss = loss_fn(output, target)
        loss_total += loss.detach().double()
        batches_seen += 1
        if not has_segmentation(output):
            continue
        predicted = foreground_probability(segmentation_logits(output)) >= threshold
        reference = target.mask[:, 0] >= 0.5
        counts += torch.stack([(predicted & reference).sum(), predicted.sum(), reference.sum()])
    intersection, n_predicted, n_reference = (int(n) for n in counts.tolist())
    segmented = batches_seen > 0 and has_segmentation(output)
    return ValidationResult(
        loss=float(loss_total.item()) / max(batches_seen, 1),
        dice=global_dice(intersection, n_predicted, n_reference) if segmented else math.nan,
        intersection=intersection, predicted=n_predicted, reference=n_reference,
    )

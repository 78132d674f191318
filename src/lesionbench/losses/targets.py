"""Logits and targets as the losses see them: checked, then turned into probabilities.

Convention (shared by every loss): logits ``(B, C, *spatial)``, target ``(B, 1, *spatial)``.

- ``C == 1``: binary; probabilities are ``sigmoid(logits)`` and the target holds values in
  [0, 1] (0/1 masks; soft labels are allowed).
- ``C >= 2``: softmax over the channels; the target holds class indices 0..C-1 stored as
  floats or integers (for a lesion mask: 0 background, 1 lesion), or a lesion fraction in
  [0, 1] (soft labels): the reference is then ``[1 - f, f, 0, ...]`` (:func:`soft_one_hot`), so
  a two-channel network trained on soft labels sees what a one-channel one does.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def check_pair(logits: torch.Tensor, target: torch.Tensor, loss_name: str) -> None:
    """Check shapes and target values.

    Raises:
        ValueError: shape mismatch, non-finite target, or target values outside the range the
            channel count allows (message names the loss and the problem).
    """
    if logits.dim() < 3:
        raise ValueError(f"{loss_name}: logits must be (B, C, *spatial), got shape {tuple(logits.shape)}")
    expected = (logits.shape[0], 1, *logits.shape[2:])
    if tuple(target.shape) != expected:
        raise ValueError(
            f"{loss_name}: target shape {tuple(target.shape)} does not match logits "
            f"{tuple(logits.shape)}; expected {expected} (B, 1, *spatial)"
        )
    channels = logits.shape[1]
    t = target.detach()
    if t.is_floating_point():
        bad = ~torch.isfinite(t) | (t < 0)
        bad |= (t > 1) if channels == 1 else ((t > channels - 1) | ((t > 1) & (t != t.round())))
    else:
        bad = (t < 0) | (t > max(channels - 1, 1))
    if bool(bad.any()):
        allowed = "values in [0, 1]" if channels == 1 else f"class indices 0..{channels - 1} or fractions in [0, 1]"
        raise ValueError(f"{loss_name}: target must hold {allowed} for {channels}-channel logits")


def class_indices(target: torch.Tensor) -> torch.Tensor:
    """``(B, 1, *spatial)`` target -> ``(B, *spatial)`` int64 class indices (fractions rounded)."""
    return target[:, 0].round().long() if target.is_floating_point() else target[:, 0].long()


def soft_one_hot(target: torch.Tensor, channels: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``(B, 1, *spatial)`` target -> ``(B, channels, *spatial)`` reference probabilities.

    Class indices give their one-hot vector; a fraction ``f`` in [0, 1] gives ``1 - f`` on
    class 0 and ``f`` on class 1.
    """
    value = target[:, 0].to(dtype)
    lower = torch.floor(value).clamp(0, channels - 1)
    upper = (lower + 1).clamp(max=channels - 1)
    weight = (value - lower).unsqueeze(1)
    one = lambda index: F.one_hot(index.long(), channels).movedim(-1, 1).to(dtype)  # noqa: E731
    return one(lower) * (1 - weight) + one(upper) * weight


def probabilities_and_reference(
    logits: torch.Tensor, target: torch.Tensor, include_background: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-class probabilities and reference maps of the same shape ``(B, K, *spatial)``.

    Half-precision logits are computed in float32; float64 stays float64.
    ``C == 1``: ``K = 1``, ``sigmoid(logits)`` against the target. ``C >= 2``: softmax against
    the one-hot target; channel 0 (background) is dropped unless ``include_background``, so
    for ``C == 2`` the result is the lesion channel only.
    """
    if logits.dtype in (torch.float16, torch.bfloat16):
        logits = logits.float()  # sums over a whole batch need float32 under mixed precision
    if logits.shape[1] == 1:
        return torch.sigmoid(logits), target.to(logits.dtype)
    probs = torch.softmax(logits, dim=1)
    reference = soft_one_hot(target, logits.shape[1], probs.dtype)
    if not include_background:
        probs, reference = probs[:, 1:], reference[:, 1:]
    return probs, reference

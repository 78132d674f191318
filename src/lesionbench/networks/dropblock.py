"""DropBlock of Ghiasi, Lin and Le, NeurIPS 2018 (paper 000, section 1.2, reference [19]).

DropBlock drops contiguous ``block_size x block_size`` squares of a feature map instead of
independent units (Ghiasi et al., Algorithm 1): block seeds are drawn with probability
``gamma`` among the positions where a whole block fits, each seed zeroes the square it
starts, and the kept activations are rescaled by ``count(M) / count_ones(M)`` so the layer
keeps the expected sum. It acts only in training; in evaluation it is the identity.

Written by hand: neither torch nor MONAI ships DropBlock (torchvision's ``DropBlock2d`` is
not a dependency here and offers only the approximate ``gamma``).

``gamma`` can follow Ghiasi et al.'s eq. 1 (``gamma="ghiasi"``)::

    gamma = drop_prob / block_size**2 * (H * W) / ((H - block_size + 1) * (W - block_size + 1))

which ignores overlapping blocks, so the fraction actually dropped is below ``drop_prob``
(0.094 instead of 0.1 for 7x7 blocks on a 26x26 map). The default ``gamma="exact"``
solves instead for the ``gamma`` whose expected kept fraction is exactly ``1 - drop_prob``:
a pixel ``(r, s)`` is covered by ``c_r * c_s`` candidate seeds (``c_r`` = the seed rows whose
block covers row ``r``) and is kept with probability ``(1 - gamma) ** (c_r * c_s)``; the mean
over the map is decreasing in ``gamma`` and is solved with ``scipy.optimize.brentq``
(cached per map size).

The linear schedule of Ghiasi et al. (section 4.1: keep probability decreased linearly from
1 to its target) is ``schedule_steps``: the drop probability of the ``t``-th training forward
pass is ``drop_prob * min(1, t / schedule_steps)``; ``t`` is a buffer, so it is saved in a
checkpoint and a resumed run continues the schedule.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import brentq
from torch import nn

#: The ways to choose the seed probability ``gamma``.
GAMMA_MODES: tuple[str, ...] = ("exact", "ghiasi")


def seed_coverage(length: int, block_size: int) -> np.ndarray:
    """How many block seeds cover each position along one axis.

    Seeds sit at ``0 .. length - block_size``; seed ``u`` covers ``u .. u + block_size - 1``.

    Returns:
        ``(length,)`` int64 counts ``c_r = min(r, length - b) - max(0, r - b + 1) + 1``.
    """
    r = np.arange(length)
    return np.minimum(r, length - block_size) - np.maximum(0, r - block_size + 1) + 1


def expected_keep_fraction(gamma: float, height: int, width: int, block_size: int) -> float:
    """Expected fraction of a ``height x width`` map that DropBlock keeps for seed probability ``gamma``.

    Exact (blocks may overlap): the mean over pixels of ``(1 - gamma) ** (c_r * c_s)``.
    """
    counts = np.outer(seed_coverage(height, block_size), seed_coverage(width, block_size))
    return float(np.mean((1.0 - gamma) ** counts))


@lru_cache(maxsize=256)
def seed_probability(drop_prob: float, height: int, width: int, block_size: int, mode: str = "exact") -> float:
    """The seed probability ``gamma`` for dropping ``drop_prob`` of a ``height x width`` map.

    Args:
        drop_prob: target fraction of dropped units, in ``[0, 1)``.
        height, width: feature-map size in pixels; each at least ``block_size``.
        block_size: edge of a dropped square in pixels.
        mode: ``"exact"`` (expected kept fraction exactly ``1 - drop_prob``) or ``"ghiasi"``
            (Ghiasi et al. eq. 1, overlap ignored).

    Raises:
        ValueError: a block larger than the map, a probability outside ``[0, 1)``, unknown mode.
    """
    if not 0.0 <= drop_prob < 1.0:
        raise ValueError(f"dropblock: drop_prob must be in [0, 1), got {drop_prob}")
    if block_size > min(height, width):
        raise ValueError(f"dropblock: block_size {block_size} exceeds the {height}x{width} feature map")
    if mode not in GAMMA_MODES:
        raise ValueError(f"dropblock: gamma must be one of {list(GAMMA_MODES)}, got {mode!r}")
    if drop_prob == 0.0:
        return 0.0
    valid = (height - block_size + 1) * (width - block_size + 1)
    if mode == "ghiasi":
        return min(1.0, drop_prob / block_size**2 * (height * width) / valid)
    target = 1.0 - drop_prob
    return float(brentq(lambda g: expected_keep_fraction(g, height, width, block_size) - target, 0.0, 1.0, xtol=1e-14))


def block_mask(seeds: torch.Tensor, block_size: int) -> torch.Tensor:
    """Keep-mask from block seeds: every seed zeroes the ``block_size`` square it starts.

    Args:
        seeds: ``(B, C, H - b + 1, W - b + 1)`` 0/1 floats; 1 at ``(u, v)`` drops rows
            ``u .. u + b - 1`` and columns ``v .. v + b - 1``.
        block_size: ``b``, the edge of a square in pixels.

    Returns:
        ``(B, C, H, W)`` keep-mask, 1 = kept, 0 = dropped.
    """
    pad = block_size - 1
    dropped = F.max_pool2d(F.pad(seeds, (pad, pad, pad, pad)), kernel_size=block_size, stride=1)
    return 1.0 - dropped


class DropBlock2d(nn.Module):
    """DropBlock on ``(B, C, H, W)`` feature maps (Ghiasi et al. 2018, Algorithm 1).

    Args:
        drop_prob: target fraction of dropped units (``1 - keep_prob``; Ghiasi et al. use
            keep_prob 0.9, i.e. 0.1).
        block_size: edge of the dropped squares in pixels (7 in Ghiasi et al.); on a map
            smaller than that it is reduced to the map's shorter edge.
        schedule_steps: number of training forward passes over which the drop probability
            rises linearly from 0 to ``drop_prob``; 0 = constant ``drop_prob``.
        share_channels: one mask for all channels of a sample instead of one per channel
            (Ghiasi et al. section 3 found per-channel masks slightly better: the default).
        gamma: ``"exact"`` or ``"ghiasi"``, see :func:`seed_probability`.
    """

    def __init__(
        self,
        drop_prob: float = 0.1,
        block_size: int = 7,
        schedule_steps: int = 0,
        share_channels: bool = False,
        gamma: str = "exact",
    ) -> None:
        super().__init__()
        if not 0.0 <= drop_prob < 1.0:
            raise ValueError(f"dropblock: drop_prob must be in [0, 1), got {drop_prob}")
        if block_size < 1 or schedule_steps < 0:
            raise ValueError(f"dropblock: need block_size >= 1 and schedule_steps >= 0, got {block_size}, {schedule_steps}")
        if gamma not in GAMMA_MODES:
            raise ValueError(f"dropblock: gamma must be one of {list(GAMMA_MODES)}, got {gamma!r}")
        self.drop_prob = float(drop_prob)
        self.block_size = int(block_size)
        self.schedule_steps = int(schedule_steps)
        self.share_channels = bool(share_channels)
        self.gamma_mode = gamma
        self.register_buffer("num_steps", torch.zeros((), dtype=torch.long))

    def current_drop_prob(self) -> float:
        """The drop probability of the next training pass (linear schedule, if any)."""
        if self.schedule_steps == 0:
            return self.drop_prob
        return self.drop_prob * min(1.0, int(self.num_steps) / self.schedule_steps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Drop blocks of ``x`` in training; identity in evaluation.

        Args:
            x: ``(B, C, H, W)`` features.

        Returns:
            ``(B, C, H, W)``: ``x * M * count(M) / count_ones(M)`` in training, ``x`` otherwise.
        """
        if x.dim() != 4:
            raise ValueError(f"dropblock: expected a (B, C, H, W) tensor, got shape {tuple(x.shape)}")
        if not self.training:
            return x
        drop_prob = self.current_drop_prob()
        self.num_steps += 1
        if drop_prob == 0.0:
            return x
        batch, channels, height, width = x.shape
        block = min(self.block_size, height, width)
        gamma = seed_probability(drop_prob, height, width, block, self.gamma_mode)
        seed_shape = (batch, 1 if self.share_channels else channels, height - block + 1, width - block + 1)
        seeds = torch.bernoulli(torch.full(seed_shape, gamma, dtype=x.dtype, device=x.device))
        mask = block_mask(seeds, block).expand_as(x)
        kept = mask.sum().clamp_min(1.0)
        return x * mask * (mask.numel() / kept)

    def extra_repr(self) -> str:
        return (
            f"drop_prob={self.drop_prob}, block_size={self.block_size}, schedule_steps={self.schedule_steps}, "
            f"share_channels={self.share_channels}, gamma={self.gamma_mode!r}"
        )

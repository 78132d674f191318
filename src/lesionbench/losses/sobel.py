"""Sobel boundary loss (paper 003 section 3.5.3, eq. 3.14; its reference [78], Guo et al. 2021).

Written by hand: neither MONAI nor torch offers a differentiable Sobel edge-map loss (MONAI's
``SobelGradients`` is a transform without the smoothing and edge magnitude used here).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.losses.factory import register_loss
from lesionbench.losses.targets import check_pair, probabilities_and_reference

#: padding name -> ``F.pad`` mode used before the 3x3 smoothing and the 3x3 Sobel filter.
PADDINGS: dict[str, str] = {"zeros": "constant", "replicate": "replicate"}

# Sobel kernels divided by 4, so a unit step between two flat regions has gradient 1.
_SOBEL_X = torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]) / 4.0
_SOBEL_Y = _SOBEL_X.t().contiguous()


def sobel_edges(maps: torch.Tensor, eps: float = 1e-4, smoothing: bool = True, padding: str = "zeros") -> torch.Tensor:
    """Edge magnitude ``sqrt(Gx^2 + Gy^2 + eps)`` of every 2D map (in-plane for 3D maps).

    Each map is (optionally) smoothed by a 3x3 box filter, then filtered with the 3x3 Sobel
    kernels ``[[1, 0, -1], [2, 0, -2], [1, 0, -1]] / 4`` and its transpose; ``eps`` keeps the
    square root differentiable on flat regions (where the magnitude is ``sqrt(eps)``).

    Args:
        maps: ``(B, K, H, W)`` or ``(B, K, D, H, W)`` probabilities or reference masks.
        eps: added under the square root (reference [78]: 1e-4).
        smoothing: apply the 3x3 box filter first (reference [78] does).
        padding: ``"zeros"`` (reference [78]: the image border acts as background) or
            ``"replicate"`` (no edges at the image border).

    Returns:
        Edge magnitudes, the shape of ``maps``.
    """
    if padding not in PADDINGS:
        raise ValueError(f"sobel: padding must be one of {sorted(PADDINGS)}, got {padding!r}")
    shape = maps.shape
    x = maps.reshape(-1, 1, shape[-2], shape[-1])
    if x.dtype in (torch.float16, torch.bfloat16):
        x = x.float()
    mode = PADDINGS[padding]
    # in float32 even under mixed precision: autocast would run the convolution in half precision
    with torch.autocast(device_type=x.device.type, enabled=False):
        if smoothing:
            x = F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode=mode), kernel_size=3, stride=1)
        kernels = torch.stack([_SOBEL_X, _SOBEL_Y]).unsqueeze(1).to(dtype=x.dtype, device=x.device)
        gradients = F.conv2d(F.pad(x, (1, 1, 1, 1), mode=mode), kernels)  # (N, 2, H, W)
        magnitude = torch.sqrt(gradients.pow(2).sum(dim=1, keepdim=True) + eps)
    return magnitude.reshape(shape)


@register_loss("sobel")
class SobelLoss(nn.Module):
    """Mean absolute difference of the Sobel edge maps of prediction and reference.

    Paper 003 supervises boundaries with ``L2 = Sobel_loss(p, g)`` (eq. 3.14), added with
    weight 1 to the EML region loss (eq. 3.16), and cites Guo et al. 2021 ([78]) for it,
    whose published code compares the edge maps of the probability map and of the mask,
    both computed as in :func:`sobel_edges`, by their mean absolute (L1) difference; those
    are the defaults here. It is a boundary term, not a region loss: an inverted prediction
    has the same edges as a correct one (with ``replicate`` padding the same loss), so use it
    inside ``{name: combined, terms: [...]}`` with a region loss.

    ``C == 1``: sigmoid probabilities against the mask; ``C >= 2``: softmax probabilities of
    the foreground classes against their one-hot maps (class 0 too with ``include_background``).

    Args:
        eps: added under the square root of the edge magnitude (default 1e-4, as [78]).
        smoothing: 3x3 box filter before the Sobel filter (default True, as [78]).
        padding: ``"zeros"`` (default, as [78]) or ``"replicate"``.
        include_background: also compare the edges of class 0 (only for ``C >= 2``).
    """

    def __init__(self, eps: float = 1e-4, smoothing: bool = True, padding: str = "zeros",
                 include_background: bool = False) -> None:
        super().__init__()
        if not eps > 0:
            raise ValueError(f"sobel: eps must be > 0 (square root at flat regions), got {eps}")
        if padding not in PADDINGS:
            raise ValueError(f"sobel: padding must be one of {sorted(PADDINGS)}, got {padding!r}")
        self.eps, self.smoothing, self.padding = float(eps), bool(smoothing), padding
        self.include_background = include_background

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Loss of a batch.

        Args:
            logits: ``(B, C, H, W)`` (or ``(B, C, D, H, W)``, filtered slice by slice).
            target: ``(B, 1, H, W)`` 0/1 mask (``C == 1``) or class indices (``C >= 2``).

        Returns:
            Scalar loss ``>= 0`` (mean over pixels and classes of the edge-magnitude difference).
        """
        check_pair(logits, target, "sobel")
        if logits.dim() not in (4, 5):
            raise ValueError(f"sobel: logits must be (B, C, H, W) or (B, C, D, H, W), got shape {tuple(logits.shape)}")
        probs, reference = probabilities_and_reference(logits, target, self.include_background)
        options = {"eps": self.eps, "smoothing": self.smoothing, "padding": self.padding}
        return F.l1_loss(sobel_edges(probs, **options), sobel_edges(reference, **options))

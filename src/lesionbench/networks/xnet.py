"""X-Net of Qi et al., MICCAI 2019 (baseline of paper 003).

Qi, Yang, Li et al., "X-Net: Brain stroke lesion segmentation based on depthwise separable
convolution and long-range dependencies", MICCAI 2019. Paper 003 compares against it
(thesis section 1.2.1: "non-local attention extracts long-range dependencies between
convolution features; depthwise separable convolutions reduce computation"; Tables 3.2, 4.2,
4.3). A U-shaped network of X-blocks (depthwise separable convolutions with a 1x1 residual
branch, Qi et al. section 2.1) with a Feature Similarity Module (FSM, a non-local block
between 1/8-width features, section 2.2) at the bottleneck.

Written here from the paper's description: neither MONAI nor torchvision has X-Net.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.networks.blocks import ConvNormAct, check_divisible_size, he_init_
from lesionbench.networks.factory import register_network

#: Widths of X-Net's five levels (Qi et al. Fig. 1).
XNET_FEATURES: tuple[int, ...] = (64, 128, 256, 512, 1024)


def _conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int) -> ConvNormAct:
    """Conv (with bias, as the Keras original) + BN + ReLU, "same" padding."""
    return ConvNormAct(2, in_channels, out_channels, kernel_size, norm="batch", activation="relu", bias=True)


class SeparableConv(nn.Sequential):
    """Depthwise 3x3 conv (no bias) + BN + ReLU, then pointwise 1x1 conv (bias) + BN + ReLU.

    Parameters: ``9 C_in + 2 C_in + C_in C_out + C_out + 2 C_out``.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            nn.Conv2d(in_channels, in_channels, 3, padding=1, groups=in_channels, bias=False),
            nn.BatchNorm2d(in_channels),
            nn.ReLU(inplace=True),
            _conv_bn_relu(in_channels, out_channels, 1),
        )


class XBlock(nn.Module):
    """X-block (Qi et al. section 2.1, Fig. 2): three depthwise separable convs in a row, plus a
    1x1 conv-BN-ReLU residual branch, summed (no activation after the sum).

    Args:
        in_channels: input feature maps.
        out_channels: output feature maps of both branches.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.residual = _conv_bn_relu(in_channels, out_channels, 1)
        self.separable = nn.Sequential(
            SeparableConv(in_channels, out_channels),
            SeparableConv(out_channels, out_channels),
            SeparableConv(out_channels, out_channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W) -> (B, out_channels, H, W)``."""
        return self.separable(x) + self.residual(x)


def dot_product_attention(theta: torch.Tensor, phi: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """Non-local "dot product" pairwise function (Wang et al. 2018, eq. 4) as in X-Net's FSM.

    ``y_i = (1 / N) sum_j (theta_i . phi_j) g_j`` over the ``N = H W`` positions (no softmax).

    Args:
        theta, phi, g: ``(B, C, H, W)`` embeddings.

    Returns:
        ``(B, C, H, W)``.
    """
    b, c, h, w = g.shape
    query = theta.flatten(2).transpose(1, 2)  # (B, N, C)
    key = phi.flatten(2)  # (B, C, N)
    value = g.flatten(2).transpose(1, 2)  # (B, N, C)
    affinity = (query @ key) / (h * w)
    return (affinity @ value).transpose(1, 2).reshape(b, c, h, w)


class FeatureSimilarityModule(nn.Module):
    """FSM (Qi et al. section 2.2, Fig. 3): a non-local block on reduced bottleneck features.

    ``x -> conv3x3-BN-ReLU (C -> C_r) -> z``; theta, phi, g: 1x1 convs ``C_r -> C_i`` without
    bias; :func:`dot_product_attention`; 1x1 conv ``C_i -> C_r`` without bias, ``+ z``;
    conv3x3-BN-ReLU ``C_r -> C``; ``+ x``.

    Args:
        channels: ``C``, the bottleneck width (1024).
        reduced_channels: ``C_r`` (128 = C / 8 in Qi et al.).
        inner_channels: ``C_i`` of theta, phi and g (64 = C_r / 2).
    """

    def __init__(self, channels: int, reduced_channels: int, inner_channels: int) -> None:
        super().__init__()
        self.reduce = _conv_bn_relu(channels, reduced_channels, 3)
        self.theta = nn.Conv2d(reduced_channels, inner_channels, 1, bias=False)
        self.phi = nn.Conv2d(reduced_channels, inner_channels, 1, bias=False)
        self.g = nn.Conv2d(reduced_channels, inner_channels, 1, bias=False)
        self.out = nn.Conv2d(inner_channels, reduced_channels, 1, bias=False)
        self.expand = _conv_bn_relu(reduced_channels, channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W) -> (B, C, H, W)``."""
        z = self.reduce(x)
        y = self.out(dot_product_attention(self.theta(z), self.phi(z), self.g(z))) + z
        return self.expand(y) + x


@register_network("xnet", spatial_dims=(2,))
class XNet(nn.Module):
    """X-Net: an X-block U-Net with a Feature Similarity Module at the bottleneck.

    Layers (Qi et al. 2019, section 2, Fig. 1):

    - Encoder: :class:`XBlock` ``features[0]`` at full resolution, then for each further width
      2x2 max pooling and an :class:`XBlock` (the last at 1/16 resolution, ``features[-1]``).
    - :class:`FeatureSimilarityModule` on the bottleneck (widths ``fsm_channels``).
    - Decoder, level by level: x2 nearest up-sampling, conv3x3-BN-ReLU to the level's width,
      concatenation ``[skip, up]``, :class:`XBlock`.
    - Head: 1x1 conv to ``out_channels`` logits (the original's sigmoid is left to the loss).

    Every conv but the depthwise ones and the FSM's theta, phi, g and output keeps its bias, as
    the Keras original; then the full-width count with 1 input channel is 15,072,332, paper 003
    Table 4.3's X-Net value. Weights are He-normal (fan-in), biases zero. The original's L2
    weight decay of 1e-5 belongs to the optimiser, not here.

    Args:
        in_channels: input channels (1: paper 003's 2D baselines see the target slice alone).
        out_channels: logit channels.
        features: widths of the levels, default (64, 128, 256, 512, 1024); H and W must be
            divisible by ``2 ** (len(features) - 1)``.
        fsm_channels: ``(C_r, C_i)`` of the FSM; default ``(features[-1] // 8, features[-1] // 16)``
            = (128, 64) at paper scale, as the original derives them from the bottleneck width.
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        features: Sequence[int] = XNET_FEATURES,
        fsm_channels: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        features = tuple(int(f) for f in features)
        if len(features) < 2 or min(features) < 1:
            raise ValueError(f"xnet: features must be at least two positive widths, got {features}")
        if fsm_channels is None:
            fsm_channels = (max(features[-1] // 8, 1), max(features[-1] // 16, 1))
        fsm_channels = tuple(int(c) for c in fsm_channels)
        if len(fsm_channels) != 2 or min(fsm_channels) < 1:
            raise ValueError(f"xnet: fsm_channels must be two positive widths (C_r, C_i), got {fsm_channels}")
        self.features, self.fsm_channels = features, fsm_channels
        self.total_stride = 2 ** (len(features) - 1)

        widths = (in_channels, *features)
        self.encoders = nn.ModuleList(XBlock(cin, cout) for cin, cout in zip(widths[:-1], widths[1:]))
        self.fsm = FeatureSimilarityModule(features[-1], *fsm_channels)
        self.ups = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for deeper, width in zip(features[:0:-1], features[-2::-1]):
            self.ups.append(_conv_bn_relu(deeper, width, 3))
            self.decoders.append(XBlock(2 * width, width))
        self.head = nn.Conv2d(features[0], out_channels, 1)
        he_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Segment a batch of slices.

        Args:
            x: ``(B, in_channels, H, W)``, H and W divisible by ``total_stride`` (16).

        Returns:
            Logits ``(B, out_channels, H, W)``.

        Raises:
            ValueError: H or W not divisible by ``total_stride``.
        """
        check_divisible_size(x, self.total_stride, "xnet")
        skips = []
        for level, encoder in enumerate(self.encoders):
            if level:
                x = F.max_pool2d(x, 2)
            x = encoder(x)
            skips.append(x)
        x = self.fsm(skips.pop())
        for up, decoder, skip in zip(self.ups, self.decoders, reversed(skips)):
            x = up(F.interpolate(x, scale_factor=2, mode="nearest"))
            x = decoder(torch.cat([skip, x], dim=1))
        return self.head(x)

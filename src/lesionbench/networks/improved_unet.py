"""Paper 000's improved U-Net (Zhou et al. 2022, sections 1.2, 1.3.2-1.3.3 and Fig. 3).

A U-Net (section 1.3.1) whose encoder blocks are RCSP blocks (residual + cross-stage-partial)
with stride-2 3x3 convolutions instead of max pooling, whose decoder blocks are CBM4 blocks
(four conv-BN-Mish), with a feature pyramid attention (FPA) module at the bottleneck,
multi-scale skip connections, DropBlock regularisation, and Mish everywhere (eq. 3). The
Dice loss of eq. 5 is the experiment's ``loss: {name: dice}``, not part of the network.

Written here: nothing in MONAI builds it. The ablation rows of Table 1 (section 2.3) are the
constructor flags (:data:`TABLE1_ROWS`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.networks.blocks import (
    ConvNormAct,
    ConvStack,
    LayerSpec,
    crop_spatial,
    make_activation,
    pad_to_multiple,
)
from lesionbench.networks.dropblock import DropBlock2d
from lesionbench.networks.factory import register_network

#: U-Net's widths (Ronneberger et al. 2015), the paper's backbone.
STANDARD_FEATURES: tuple[int, ...] = (64, 128, 256, 512, 1024)
#: FPA pyramid, finest level first: ``(kernel, dilation)`` of the conv after each 2x average
#: pooling: 5x5, then 3x3 with dilation 3, then 3x3 with dilation 5 (section 1.3.2).
FPA_PYRAMID: tuple[tuple[int, int], ...] = ((5, 1), (3, 3), (3, 5))
#: Table 1 (section 2.3) row -> the flags that build it (all other options at their defaults).
TABLE1_ROWS: dict[str, dict[str, bool]] = {
    "Base": {"rcsp_cbm4": False, "multi_scale_skips": False, "fpa": False, "dropblock": False},
    "Base+RCSP+CBM4": {"rcsp_cbm4": True, "multi_scale_skips": False, "fpa": False, "dropblock": False},
    "Base+RCSP+CBM4+Multi": {"rcsp_cbm4": True, "multi_scale_skips": True, "fpa": False, "dropblock": False},
    "Base+RCSP+CBM4+FPA": {"rcsp_cbm4": True, "multi_scale_skips": False, "fpa": True, "dropblock": False},
    "Ours": {"rcsp_cbm4": True, "multi_scale_skips": True, "fpa": True, "dropblock": True},
}


class _Residual(nn.Module):
    """``y = F(x) + x`` with ``F`` two 3x3 conv-BN-Mish (eq. 1): ``(B, C, H, W) -> (B, C, H, W)``."""

    def __init__(self, channels: int, norm: LayerSpec, activation: LayerSpec) -> None:
        super().__init__()
        self.body = ConvStack(2, channels, channels, num_convs=2, norm=norm, activation=activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + x


class _RCSPBlock(nn.Module):
    """RCSP: CSPNet's cross-stage-partial stage around residual blocks (section 1.3.2).

    The base layer ``x0 = [x0', x0'']`` is split by channels; ``x0'`` goes through a 1x1 conv
    straight to the end of the stage, ``x0''`` through a 1x1 conv, the residual blocks and a
    1x1 conv; the two are concatenated and fused by a 1x1 transition conv-BN-Mish (CSPNet's
    "fusion last"). ``(B, C, H, W) -> (B, C, H, W)``.
    """

    def __init__(self, channels: int, num_residual: int, norm: LayerSpec, activation: LayerSpec) -> None:
        super().__init__()
        part1 = channels // 2
        self.split = (part1, channels - part1)

        def pointwise(cin: int, cout: int) -> ConvNormAct:
            return ConvNormAct(2, cin, cout, kernel_size=1, norm=norm, activation=activation)

        self.shortcut = pointwise(part1, part1)
        self.entry = pointwise(self.split[1], self.split[1])
        self.residual = nn.Sequential(*(_Residual(self.split[1], norm, activation) for _ in range(num_residual)))
        self.exit = pointwise(self.split[1], self.split[1])
        self.transition = pointwise(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        first, second = torch.split(x, self.split, dim=1)
        second = self.exit(self.residual(self.entry(second)))
        return self.transition(torch.cat([self.shortcut(first), second], dim=1))


class _Pyramid(nn.Module):
    """``H(X)`` of eq. 2: 2x average pooling then a conv per level, merged coarse to fine.

    Level ``l`` average-pools level ``l - 1`` by 2 (``ceil_mode``, so odd sizes work) and
    applies its ``(kernel, dilation)`` conv-BN-Mish; from the coarsest level up, each level's
    map is bilinearly upsampled to the next finer level and added to it, and the sum of the
    finest level is upsampled to the input size (Li et al. 2018, Fig. 3).
    ``(B, C, H, W) -> (B, pyramid_channels, H, W)``.
    """

    def __init__(self, channels: int, levels: Sequence[Sequence[int]], pyramid_channels: int,
                 norm: LayerSpec, activation: LayerSpec) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            ConvNormAct(2, channels if i == 0 else pyramid_channels, pyramid_channels, kernel_size=int(k),
                        dilation=int(d), norm=norm, activation=activation)
            for i, (k, d) in enumerate(levels)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = []
        y = x
        for conv in self.convs:
            y = conv(F.avg_pool2d(y, kernel_size=2, stride=2, ceil_mode=True))
            maps.append(y)
        h = maps[-1]
        for finer in reversed(maps[:-1]):
            h = finer + F.interpolate(h, size=finer.shape[2:], mode="bilinear", align_corners=False)
        return F.interpolate(h, size=x.shape[2:], mode="bilinear", align_corners=False)


class FeaturePyramidAttention(nn.Module):
    """FPA of Li et al. 2018 (Pyramid Attention Network) as paper 000 eq. 2: ``F = X2 + X1 * H(X)``.

    ``X1`` = 1x1 conv-BN-Mish of ``X`` (:attr:`master`); ``H(X)`` = the pyramid
    (:attr:`pyramid`); ``X2`` = global average pooling, 1x1 conv, Mish, upsampled to the input
    size (:attr:`global_branch` gives the ``(B, C, 1, 1)`` vector; upsampling a 1x1 map is a
    broadcast). Deviations from Li et al.: the pyramid convs are paper 000's 5x5, 3x3 dilation 3
    and 3x3 dilation 5 (PAN: 7x7, 5x5, 3x3, each followed by a second conv), average instead of
    max pooling, Mish instead of ReLU, no BN in the global branch (a BN over a 1x1 map fails
    for a training batch of one), no activation after the final sum.

    Args:
        channels: ``C``, input and output feature maps.
        pyramid: ``(kernel, dilation)`` per pyramid level, finest first (:data:`FPA_PYRAMID`).
        pyramid_channels: channels of ``H(X)``: 1 (a pixel-level attention map broadcast over
            the channels, Li et al.'s reading) or ``C`` (one map per channel).
        norm, activation: layer specs of the conv blocks.
    """

    def __init__(self, channels: int, pyramid: Sequence[Sequence[int]] = FPA_PYRAMID, pyramid_channels: int = 1,
                 norm: LayerSpec = "batch", activation: LayerSpec = "mish") -> None:
        super().__init__()
        if pyramid_channels not in (1, channels):
            raise ValueError(f"fpa: pyramid_channels must be 1 or {channels}, got {pyramid_channels}")
        if len(pyramid) < 1 or any(len(level) != 2 or min(level) < 1 for level in pyramid):
            raise ValueError(f"fpa: pyramid needs (kernel, dilation) pairs of positive ints, got {pyramid!r}")
        self.master = ConvNormAct(2, channels, channels, kernel_size=1, norm=norm, activation=activation)
        self.pyramid = _Pyramid(channels, pyramid, pyramid_channels, norm, activation)
        self.global_branch = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), ConvNormAct(2, channels, channels, kernel_size=1, norm=None, activation=activation)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W) -> (B, C, H, W)``: ``X2 + X1 * H(X)``."""
        return self.global_branch(x) + self.master(x) * self.pyramid(x)


class _MultiScaleSkip(nn.Module):
    """The multi-scale skip of one decoder level (section 1.3.2, "fuse ... feature maps of different sizes").

    Every encoder level above the bottleneck is brought to this level's resolution and
    projected by a 3x3 conv-BN-Mish to ``ceil(width / n_sources)`` channels, then all are
    concatenated (about ``width`` channels, as U-Net's single skip). Shallower (finer) maps are
    max-pooled then convolved, as UNet 3+ (Huang et al. 2020); deeper maps are convolved at
    their own resolution then bilinearly upsampled (the same operations in the cheaper order).
    """

    def __init__(self, level: int, encoder_widths: Sequence[int], width: int, norm: LayerSpec,
                 activation: LayerSpec) -> None:
        super().__init__()
        self.level = level
        self.out_per_source = math.ceil(width / len(encoder_widths))
        self.projections = nn.ModuleList(
            ConvNormAct(2, w, self.out_per_source, kernel_size=3, norm=norm, activation=activation) for w in encoder_widths
        )

    @property
    def out_channels(self) -> int:
        return self.out_per_source * len(self.projections)

    def forward(self, features: Sequence[torch.Tensor]) -> torch.Tensor:
        size = features[self.level].shape[2:]
        fused = []
        for source, (x, project) in enumerate(zip(features, self.projections)):
            if source < self.level:
                factor = 2 ** (self.level - source)
                fused.append(project(F.max_pool2d(x, kernel_size=factor, stride=factor)))
            elif source > self.level:
                fused.append(F.interpolate(project(x), size=size, mode="bilinear", align_corners=False))
            else:
                fused.append(project(x))
        return torch.cat(fused, dim=1)


@register_network("improved_unet", spatial_dims=(2,))
class ImprovedUNet(nn.Module):
    """Paper 000's improved U-Net and its Table 1 ablations (section 2.3), by flags.

    Rows of Table 1 (:data:`TABLE1_ROWS`): all flags off = "Base" (U-Net with Mish; exactly
    ``UNet(activation="mish")``, layer for layer); ``rcsp_cbm4`` = "Base+RCSP+CBM4";
    ``+ multi_scale_skips`` = "Base+RCSP+CBM4+Multi"; ``+ fpa`` = "Base+RCSP+CBM4+FPA"; all
    three + ``dropblock`` = "Ours" (the default).

    Encoder level 0 is a 3x3 conv-BN-Mish stem + RCSP block at full resolution; level ``i``
    is a 3x3 stride-2 conv-BN-Mish (replacing max pooling, section 1.3.2) + RCSP block; the
    last level is the bottleneck, followed by FPA. Decoder level: 2x2 transposed conv + Mish
    (as U-Net), concatenation with the skip (U-Net's same-level map or the multi-scale skip),
    CBM4 (four 3x3 conv-BN-Mish). 1x1 conv head. With ``rcsp_cbm4`` off the encoder and
    decoder blocks are U-Net's (two 3x3 conv + Mish, max pooling, norm ``base_norm``).

    Deviations and choices where the paper is silent (it gives no layer table; Fig. 3 is an
    image), stated so results can be read against it:

    - Section 1.3.2 says RCSP and CBM4 replace "the 2x2 convs" of encoder and decoder; here
      they replace U-Net's double 3x3 conv blocks, and the 2x2 up-conv is kept.
    - One residual block per RCSP stage (``residual_blocks``); the split is by channels
      (CSPNet), half and half.
    - DropBlock (section 1.2, ref. 19; where the paper puts it is not said) follows every
      encoder block, the bottleneck included (Ghiasi et al. regularise the later groups and
      the skips); block 7, drop 0.1 (keep 0.9, Ghiasi et al.'s setting).
    - FPA pyramid and multi-scale skips: see :class:`FeaturePyramidAttention` and
      :class:`_MultiScaleSkip`.
    - Sizes not a multiple of ``2 ** (len(features) - 1)`` are zero-padded at the end and the
      logits cropped back (as :class:`~lesionbench.networks.unet.UNet`). Weights: He-normal
      convs as U-Net (Keras, the paper's framework, defaults to Glorot-uniform).

    Args:
        in_channels: input channels (1: a CT slice, paper section 2.1: 416x416x1).
        out_channels: logit channels (1: sigmoid, 2: softmax).
        features: widths per level, full resolution to bottleneck; default U-Net's
            (64, 128, 256, 512, 1024); e.g. (8, 16, 32, 64, 128) for CPU demos.
        rcsp_cbm4: RCSP encoder blocks with stride-2 downsampling and CBM4 decoder blocks.
        multi_scale_skips: multi-scale skip connections ("Multi").
        fpa: FPA at the bottleneck.
        dropblock: DropBlock after every encoder block.
        residual_blocks: residual blocks in each RCSP block.
        fpa_pyramid: ``(kernel, dilation)`` per FPA pyramid level, finest first.
        fpa_pyramid_channels: channels of the FPA attention map ``H(X)`` (1 or the bottleneck width).
        dropblock_prob, dropblock_size, dropblock_schedule_steps: :class:`DropBlock2d` options.
        activation: activation spec everywhere (``"mish"``, eq. 3).
        norm: norm of RCSP, CBM4, FPA and multi-scale convs (the "B" of CBM).
        base_norm: norm of the plain U-Net blocks when ``rcsp_cbm4`` is off (none in U-Net).
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 2,
        features: Sequence[int] = STANDARD_FEATURES,
        rcsp_cbm4: bool = True,
        multi_scale_skips: bool = True,
        fpa: bool = True,
        dropblock: bool = True,
        residual_blocks: int = 1,
        fpa_pyramid: Sequence[Sequence[int]] = FPA_PYRAMID,
        fpa_pyramid_channels: int = 1,
        dropblock_prob: float = 0.1,
        dropblock_size: int = 7,
        dropblock_schedule_steps: int = 0,
        activation: LayerSpec = "mish",
        norm: LayerSpec = "batch",
        base_norm: LayerSpec = None,
    ) -> None:
        super().__init__()
        features = tuple(int(f) for f in features)
        if len(features) < 2 or min(features) < (2 if rcsp_cbm4 else 1):
            raise ValueError(f"improved_unet: features needs at least 2 widths of at least 2, got {features}")
        if residual_blocks < 0:
            raise ValueError(f"improved_unet: residual_blocks must be >= 0, got {residual_blocks}")
        self.total_stride = 2 ** (len(features) - 1)
        self.multi_scale_skips = bool(multi_scale_skips)

        self.encoders = nn.ModuleList()
        for level, width in enumerate(features):
            cin = in_channels if level == 0 else features[level - 1]
            if rcsp_cbm4:
                entry = ConvNormAct(2, cin, width, 3, stride=1 if level == 0 else 2, norm=norm, activation=activation)
                block: nn.Module = nn.Sequential(entry, _RCSPBlock(width, residual_blocks, norm, activation))
            else:
                block = ConvStack(2, cin, width, num_convs=2, norm=base_norm, activation=activation)
                if level > 0:
                    block = nn.Sequential(nn.MaxPool2d(kernel_size=2, stride=2), block)
            self.encoders.append(block)
        self.dropblocks = nn.ModuleList(
            DropBlock2d(dropblock_prob, dropblock_size, dropblock_schedule_steps) if dropblock else nn.Identity()
            for _ in features
        )
        self.fpa = (
            FeaturePyramidAttention(features[-1], fpa_pyramid, fpa_pyramid_channels, norm, activation)
            if fpa else nn.Identity()
        )

        self.up_convs = nn.ModuleList()
        self.skips = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for level in reversed(range(len(features) - 1)):
            width = features[level]
            self.up_convs.append(
                nn.Sequential(nn.ConvTranspose2d(features[level + 1], width, 2, stride=2), make_activation(activation))
            )
            skip: nn.Module = (
                _MultiScaleSkip(level, features[:-1], width, norm, activation) if multi_scale_skips else nn.Identity()
            )
            skip_channels = skip.out_channels if multi_scale_skips else width
            self.skips.append(skip)
            if rcsp_cbm4:
                self.decoders.append(ConvStack(2, skip_channels + width, width, num_convs=4, norm=norm, activation=activation))
            else:
                self.decoders.append(ConvStack(2, skip_channels + width, width, num_convs=2, norm=base_norm, activation=activation))
        self.head = nn.Conv2d(features[0], out_channels, kernel_size=1)
        self._init_weights()

    def _init_weights(self) -> None:
        """He-normal conv weights, zero biases (as :class:`~lesionbench.networks.unet.UNet`)."""
        for module in self.modules():
            if isinstance(module, nn.ConvTranspose2d):
                nn.init.normal_(module.weight, std=(2.0 / module.in_channels) ** 0.5)
            elif isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
            else:
                continue
            if module.bias is not None:
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Segment a batch of slices.

        Args:
            x: ``(B, in_channels, H, W)``, any ``H, W`` (416x416 in the paper).

        Returns:
            Logits ``(B, out_channels, H, W)``.
        """
        x, size = pad_to_multiple(x, self.total_stride)
        features: list[torch.Tensor] = []
        for encoder, drop in zip(self.encoders, self.dropblocks):
            x = drop(encoder(x))
            features.append(x)
        x = self.fpa(x)
        encoder_maps = features[:-1]
        for up_conv, skip, decoder, level in zip(
            self.up_convs, self.skips, self.decoders, reversed(range(len(encoder_maps)))
        ):
            s = skip(encoder_maps) if self.multi_scale_skips else encoder_maps[level]
            x = decoder(torch.cat([s, up_conv(x)], dim=1))
        return crop_spatial(self.head(x), size)

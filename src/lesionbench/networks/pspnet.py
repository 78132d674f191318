"""PSPNet of Zhao, Shi, Qi, Wang and Jia, CVPR 2017 (paper 003's baseline [53], Tables 3.2, 4.2).

A dilated ResNet (output stride 8) followed by the pyramid pooling module (PPM) of Zhao et al.
section 3.3 and Fig. 3: the last feature map is average-pooled to 1x1, 2x2, 3x3 and 6x6 bins,
each level reduced by a 1x1 conv to ``1/N`` of the channels (N = 4 levels), upsampled
bilinearly and concatenated with the features; a 3x3 conv, dropout and a 1x1 classifier give
the scores, upsampled bilinearly to the input size. The auxiliary loss of section 3.4 comes
from a second head on stage 3 (``res4b22``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.networks.blocks import (
    ConvNormAct,
    LayerSpec,
    crop_spatial,
    pad_to_multiple,
)
from lesionbench.networks.factory import register_network
from lesionbench.networks.resnet import STANDARD_WIDTHS, build_resnet

#: Zhao et al.'s pyramid levels (section 3.3).
PSP_BINS: tuple[int, ...] = (1, 2, 3, 6)

_POOLS: dict[str, type[nn.Module]] = {"avg": nn.AdaptiveAvgPool2d, "max": nn.AdaptiveMaxPool2d}


class PSPNetOutput(NamedTuple):
    """What :class:`PSPNet` returns with ``aux_head=True``.

    ``seg``: logits ``(B, out_channels, H, W)``; ``side_outputs``: ``(aux,)``, the auxiliary
    head's logits on stage 3, also upsampled to ``(B, out_channels, H, W)``; ``side_weights``:
    ``(aux_weight,)``, the weight of the auxiliary loss against the main loss, 0.4 in Zhao et
    al. (section 4.1); :class:`~lesionbench.losses.DeepSupervision` applies it. The auxiliary
    head is discarded at test time.
    """

    seg: torch.Tensor
    side_outputs: tuple[torch.Tensor, ...]
    side_weights: tuple[float, ...]


class PyramidPooling(nn.Module):
    """Zhao et al.'s pyramid pooling module (section 3.3, Fig. 3(c)).

    Args:
        in_channels: features ``C`` of the input map.
        bins: output sizes of the pooling levels, default (1, 2, 3, 6).
        channels: width of each level after its 1x1 conv; default ``C // len(bins)``.
        pooling: ``"avg"`` (Zhao et al.'s choice) or ``"max"`` (their Table 1 ablation).
        reduce_dim: apply the 1x1 conv-BN-ReLU dimension reduction ("DR" in Table 1); without
            it each level keeps ``C`` channels.
        norm: normalisation after the 1x1 convs (BN in the paper).

    Shapes: ``(B, C, h, w) -> (B, C + len(bins) * channels, h, w)``.
    """

    def __init__(
        self,
        in_channels: int,
        bins: Sequence[int] = PSP_BINS,
        channels: int | None = None,
        pooling: str = "avg",
        reduce_dim: bool = True,
        norm: LayerSpec = "batch",
    ) -> None:
        super().__init__()
        if pooling not in _POOLS:
            raise ValueError(f"pspnet: pooling must be one of {sorted(_POOLS)}, got {pooling!r}")
        if not bins or min(bins) < 1:
            raise ValueError(f"pspnet: bins must be positive sizes, got {tuple(bins)}")
        self.bins = tuple(int(b) for b in bins)
        width = channels if channels is not None else in_channels // len(self.bins)
        if reduce_dim and width < 1:
            raise ValueError(f"pspnet: pyramid level width must be positive, got {width}")
        self.levels = nn.ModuleList(
            nn.Sequential(
                _POOLS[pooling](b),
                ConvNormAct(2, in_channels, width, kernel_size=1, norm=norm) if reduce_dim else nn.Identity(),
            )
            for b in self.bins
        )
        self.out_channels = in_channels + len(self.bins) * (width if reduce_dim else in_channels)

    def pooled(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The pooled (and reduced) levels before upsampling: ``(B, c, b, b)`` for each bin ``b``."""
        return [level(x) for level in self.levels]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[2:]
        ups = [F.interpolate(p, size=size, mode="bilinear", align_corners=False) for p in self.pooled(x)]
        return torch.cat([x, *ups], dim=1)


def _head(in_channels: int, channels: int, out_channels: int, dropout: float, norm: LayerSpec) -> nn.Sequential:
    """3x3 conv-BN-ReLU, dropout, 1x1 classifier (Zhao et al.'s ``conv5_4`` / ``conv6``)."""
    return nn.Sequential(
        ConvNormAct(2, in_channels, channels, kernel_size=3, norm=norm),
        nn.Dropout(dropout),
        nn.Conv2d(channels, out_channels, kernel_size=1),
    )


@register_network("pspnet", spatial_dims=(2,))
class PSPNet(nn.Module):
    """PSPNet: dilated ResNet, pyramid pooling, 3x3 conv head, bilinear upsampling.

    Deviations from Zhao et al. (2017), stated so results can be read against theirs:

    - The ResNet has torchvision's 7x7 stem, not the three 3x3 convs ("deep stem") of Zhao
      et al.'s Caffe ResNet, so a torchvision ImageNet state dict loads (``pretrained_path``).
      No weights are downloaded: without ``pretrained_path`` training starts from scratch,
      while Zhao et al. fine-tune ImageNet weights.
    - Inputs are zero-padded at the bottom/right to a multiple of ``output_stride`` and the
      upsampled logits cropped back (``align_corners=False``), instead of Caffe's
      ``8k + 1`` input sizes with corner-aligned interpolation.
    - Default depth ResNet-50 (Zhao et al.'s ablations, Table 1-3; their best model is
      ResNet-101 and uses ``backbone="resnet101"``).
    - BN in the 1x1 level of the pyramid normalises a 1x1 map: training needs batches of at
      least two images (as in Zhao et al., batch 16).

    Args:
        in_channels: input channels (1 CT slice; 4 for paper 003's 2.5D stack).
        out_channels: logit channels (1 sigmoid or 2 softmax here; 150 for ADE20K).
        backbone: ``resnet18``, ``resnet34``, ``resnet50`` (default) or ``resnet101``.
        backbone_widths: ResNet stage planes, default (64, 128, 256, 512); narrow for demos.
        output_stride: 8 (Zhao et al.), 16 or 32.
        bins: pyramid levels, default (1, 2, 3, 6).
        pooling: ``"avg"`` or ``"max"`` (Table 1 ablation).
        reduce_dim: the 1x1 dimension reduction of each level (Table 1 "DR").
        use_ppm: ``False`` gives Zhao et al.'s dilated-FCN baseline (Table 1 "ResNet50-Baseline").
        head_channels: width of the 3x3 conv after the PPM, default 512.
        aux_head: build the auxiliary head on stage 3 and return :class:`PSPNetOutput`.
        aux_channels: width of the auxiliary head's 3x3 conv, default 256.
        aux_weight: weight of the auxiliary loss, the main loss weighing 1; default 0.4
            (Zhao et al. section 4.1).
        dropout: dropout before the classifiers, default 0.1.
        pretrained_path: local torchvision-style ResNet state dict (ImageNet) to load.
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 2,
        backbone: str = "resnet50",
        backbone_widths: Sequence[int] = STANDARD_WIDTHS,
        output_stride: int = 8,
        bins: Sequence[int] = PSP_BINS,
        pooling: str = "avg",
        reduce_dim: bool = True,
        use_ppm: bool = True,
        head_channels: int = 512,
        aux_head: bool = False,
        aux_channels: int = 256,
        aux_weight: float = 0.4,
        dropout: float = 0.1,
        pretrained_path: str | os.PathLike | None = None,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"pspnet: dropout must be in [0, 1), got {dropout}")
        if aux_weight < 0.0:
            raise ValueError(f"pspnet: aux_weight must be >= 0, got {aux_weight}")
        self.aux_weight = float(aux_weight)
        self.encoder = build_resnet(backbone, in_channels, backbone_widths, output_stride, None, pretrained_path)
        self.output_stride = output_stride
        features = self.encoder.out_channels[4]
        self.ppm = PyramidPooling(features, bins, pooling=pooling, reduce_dim=reduce_dim) if use_ppm else None
        head_in = self.ppm.out_channels if self.ppm is not None else features
        self.head = _head(head_in, head_channels, out_channels, dropout, "batch")
        self.aux = (
            _head(self.encoder.out_channels[3], aux_channels, out_channels, dropout, "batch") if aux_head else None
        )
        for module in [*self.head.modules(), *(self.ppm.modules() if self.ppm else ()), *(self.aux.modules() if self.aux else ())]:
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor | PSPNetOutput:
        """Segment a batch of slices.

        Args:
            x: ``(B, in_channels, H, W)``, any H, W.

        Returns:
            Logits ``(B, out_channels, H, W)``; with ``aux_head`` a :class:`PSPNetOutput`.
        """
        x, size = pad_to_multiple(x, self.output_stride)
        padded = x.shape[2:]
        features = self.encoder(x)
        top = features.layer4 if self.ppm is None else self.ppm(features.layer4)
        seg = crop_spatial(F.interpolate(self.head(top), size=padded, mode="bilinear", align_corners=False), size)
        if self.aux is None:
            return seg
        aux = F.interpolate(self.aux(features.layer3), size=padded, mode="bilinear", align_corners=False)
        return PSPNetOutput(seg, (crop_spatial(aux, size),), (self.aux_weight,))

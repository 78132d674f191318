"""DeepLab v3 of Chen, Papandreou, Schroff and Adam, arXiv:1706.05587, 2017 (paper 003's [17]).

Paper 003 compares against "Deeplab v3" in Tables 3.2 and 4.2 and counts 58.2 M parameters
for it in Table 4.3, the size of the ResNet-101 model (our default, 58.04 M with one output
channel; the remaining 0.12 M are unexplained by the thesis). The network is Chen et al.'s
section 3.3 model: a dilated ResNet with multi-grid rates in block4 (section 3.2) and atrous
spatial pyramid pooling (ASPP) with image-level features, followed by a 1x1 classifier and
bilinear upsampling to the input size (section 4.1).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.networks.blocks import ConvNormAct, crop_spatial, pad_to_multiple
from lesionbench.networks.factory import register_network
from lesionbench.networks.resnet import STANDARD_WIDTHS, build_resnet

#: Chen et al.'s ASPP rates at output stride 16 (section 3.3); doubled at output stride 8.
ASPP_RATES: tuple[int, ...] = (6, 12, 18)
#: Chen et al.'s multi-grid rates of block4 (section 3.2, Table 7 "(1, 2, 4)").
MULTI_GRID: tuple[int, ...] = (1, 2, 4)


class ImagePooling(nn.Module):
    """ASPP's image-level branch: global average pooling, 1x1 conv-BN-ReLU, bilinear upsampling.

    Shapes: ``(B, C, h, w) -> (B, channels, h, w)``.
    """

    def __init__(self, in_channels: int, channels: int) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.conv = ConvNormAct(2, in_channels, channels, kernel_size=1, norm="batch")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(self.conv(self.pool(x)), size=x.shape[2:], mode="bilinear", align_corners=False)


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling with image-level features (Chen et al. section 3.3).

    Branches: one 1x1 conv, one 3x3 conv per rate in ``rates`` (dilation = rate), all with
    ``channels`` filters, BN and ReLU, and (``image_pooling``) :class:`ImagePooling`. Their
    concatenation goes through a 1x1 conv-BN-ReLU to ``channels`` and dropout.

    Args:
        in_channels: features of the backbone's last stage (2048 for ResNet-50/101).
        rates: dilation rates of the 3x3 branches, e.g. (6, 12, 18) at output stride 16.
        channels: filters of every branch and of the projection, default 256.
        image_pooling: include the image-level branch (Chen et al. Table 5 ablation).
        dropout: dropout after the projection.

    Shapes: ``(B, in_channels, h, w) -> (B, channels, h, w)``.
    """

    def __init__(
        self,
        in_channels: int,
        rates: Sequence[int] = ASPP_RATES,
        channels: int = 256,
        image_pooling: bool = True,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        branches: list[nn.Module] = [ConvNormAct(2, in_channels, channels, kernel_size=1, norm="batch")]
        branches += [ConvNormAct(2, in_channels, channels, kernel_size=3, dilation=r, norm="batch") for r in rates]
        if image_pooling:
            branches.append(ImagePooling(in_channels, channels))
        self.branches = nn.ModuleList(branches)
        self.project = nn.Sequential(
            ConvNormAct(2, len(branches) * channels, channels, kernel_size=1, norm="batch"),
            nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.project(torch.cat([branch(x) for branch in self.branches], dim=1))


@register_network("deeplabv3", spatial_dims=(2,))
class DeepLabV3(nn.Module):
    """DeepLab v3: dilated ResNet with multi-grid, ASPP, 1x1 classifier, bilinear upsampling.

    Deviations from Chen et al. (2017), stated so results can be read against theirs:

    - No ImageNet/COCO/JFT pretraining unless ``pretrained_path`` names a local
      torchvision-style ResNet state dict (nothing is downloaded). The ResNet is torchvision's
      (7x7 stem), not Chen et al.'s TF-slim ResNet.
    - One fixed output stride for training and inference (Chen et al. train at 16 and evaluate
      at 8); inputs are zero-padded at the bottom/right to a multiple of ``output_stride`` and
      the upsampled logits cropped back.
    - Dropout 0.1 after the ASPP projection follows the authors' TF release (keep_prob 0.9);
      the paper text does not mention it.
    - BN in the image-pooling branch normalises a 1x1 map: training needs batches of at least
      two images (Chen et al. use 16).

    Args:
        in_channels: input channels (1 CT slice; 4 for paper 003's 2.5D stack).
        out_channels: logit channels (1 or 2 here; 21 for PASCAL VOC).
        backbone: ``resnet101`` (default, Chen et al.'s final model), ``resnet50``, ``resnet34``...
        backbone_widths: ResNet stage planes, default (64, 128, 256, 512); narrow for demos.
        output_stride: 16 (default) or 8; 32 is allowed (rates scaled by 16 / 32).
        atrous_rates: ASPP rates at output stride 16, default (6, 12, 18); scaled by
            ``16 / output_stride`` (doubled at 8, section 3.3).
        multi_grid: block4 rate multipliers, default (1, 2, 4); ``None`` for (1, 1, 1).
        aspp_channels: filters of the ASPP branches and projection, default 256.
        image_pooling: include ASPP's image-level branch.
        dropout: dropout after the ASPP projection, default 0.1.
        pretrained_path: local torchvision-style ResNet state dict (ImageNet) to load.
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 2,
        backbone: str = "resnet101",
        backbone_widths: Sequence[int] = STANDARD_WIDTHS,
        output_stride: int = 16,
        atrous_rates: Sequence[int] = ASPP_RATES,
        multi_grid: Sequence[int] | None = MULTI_GRID,
        aspp_channels: int = 256,
        image_pooling: bool = True,
        dropout: float = 0.1,
        pretrained_path: str | os.PathLike | None = None,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"deeplabv3: dropout must be in [0, 1), got {dropout}")
        if not atrous_rates or min(atrous_rates) < 1:
            raise ValueError(f"deeplabv3: atrous_rates must be positive, got {tuple(atrous_rates)}")
        self.encoder = build_resnet(backbone, in_channels, backbone_widths, output_stride, multi_grid, pretrained_path)
        self.output_stride = output_stride
        #: The ASPP dilations actually used at this output stride.
        self.rates = tuple(max(1, int(r) * 16 // output_stride) for r in atrous_rates)
        self.aspp = ASPP(self.encoder.out_channels[4], self.rates, aspp_channels, image_pooling, dropout)
        self.classifier = nn.Conv2d(aspp_channels, out_channels, kernel_size=1)
        for module in [*self.aspp.modules(), self.classifier]:
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Segment a batch of slices.

        Args:
            x: ``(B, in_channels, H, W)``, any H, W.

        Returns:
            Logits ``(B, out_channels, H, W)``.
        """
        x, size = pad_to_multiple(x, self.output_stride)
        logits = self.classifier(self.aspp(self.encoder(x).layer4))
        logits = F.interpolate(logits, size=x.shape[2:], mode="bilinear", align_corners=False)
        return crop_spatial(logits, size)

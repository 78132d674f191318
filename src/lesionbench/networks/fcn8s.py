"""FCN-8s of Long, Shelhamer and Darrell, CVPR 2015, on a VGG16 encoder (paper 000's baseline).

Paper 000 (section 1 and Table 1) compares against FCN-8s; the architecture follows Long et
al. sections 3-4: VGG16's convolutional stages, fc6/fc7 as convolutions, class scores fused
from pool4 and pool3 by learned 2x upsampling, and a final 8x upsampling.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lesionbench.networks.blocks import ConvStack, crop_spatial, init_bilinear_
from lesionbench.networks.factory import register_network

#: VGG16's stage widths (Simonyan and Zisserman 2015, configuration D).
VGG16_FEATURES: tuple[int, ...] = (64, 128, 256, 512, 512)
#: Number of 3x3 convs in each VGG16 stage.
VGG16_CONVS: tuple[int, ...] = (2, 2, 3, 3, 3)


@register_network("fcn8s", spatial_dims=(2,))
class FCN8s(nn.Module):
    """FCN-8s: VGG16 encoder, fc6/fc7 convs, skip fusion of pool4 and pool3 scores.

    Layers (Long et al. 2015): five VGG16 stages of 2, 2, 3, 3, 3 3x3 convs + ReLU, each
    followed by 2x2 max pooling (pool1..pool5, stride 32 in all); fc6 = 7x7 conv to
    ``fc_channels`` + ReLU + dropout; fc7 = 1x1 conv + ReLU + dropout; ``score_fr`` 1x1 conv to
    ``out_channels``. Then ``upscore2`` (x2 transposed conv) + ``score_pool4`` (1x1 conv on
    pool4), ``upscore_pool4`` (x2) + ``score_pool3`` (1x1 conv on pool3), ``upscore8`` (x8).
    The three upsamplings are transposed convs with kernel ``2 * factor`` and no bias,
    initialised to bilinear interpolation; the two x2 ones are learned, the x8 one is fixed
    unless ``learn_final_upsampling`` (Long et al. section 4.1, "In-network upsampling").

    Deviations from the reference model, stated so results can be read against it:

    - No 100-pixel padding of conv1_1: fc6 is padded by 3 instead, so every input of at least
      1x1 pixel works and the score map is aligned with the input without Caffe's crop offsets.
      Each transposed conv uses ``padding = factor // 2`` (exact pixel-centre alignment), its
      output is cropped to the size of the skip it is summed with, and the final x8 output
      to the input size. Max pooling uses ``ceil_mode=True`` (as Caffe), so any H, W works:
      the scores are cropped to the input size, nothing is padded or interpolated.
    - Training starts from scratch, not from ImageNet VGG16 (nothing is downloaded at run
      time): the VGG and fc convs get He initialisation, and the score layers keep PyTorch's
      default initialisation instead of Long et al.'s zeros, which suit fine-tuning a
      pretrained encoder but would give the encoder no gradient at the first step.

    Args:
        in_channels: input channels (3 in VGG16; 1 for a CT slice).
        out_channels: logit channels (21 for PASCAL VOC in Long et al.; 1 or 2 here).
        features: widths of the five VGG stages; default (64, 128, 256, 512, 512).
        fc_channels: width of fc6 and fc7; default 4096.
        dropout: dropout probability after fc6 and fc7; default 0.5 (Long et al.).
        learn_final_upsampling: learn the x8 upsampling instead of keeping it bilinear.
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 21,
        features: Sequence[int] = VGG16_FEATURES,
        fc_channels: int = 4096,
        dropout: float = 0.5,
        learn_final_upsampling: bool = False,
    ) -> None:
        super().__init__()
        features = tuple(int(f) for f in features)
        if len(features) != len(VGG16_CONVS) or min(features) < 1:
            raise ValueError(f"fcn8s: features needs {len(VGG16_CONVS)} positive widths, got {features}")
        if fc_channels < 1 or not 0.0 <= dropout < 1.0:
            raise ValueError(f"fcn8s: need fc_channels >= 1 and dropout in [0, 1), got {fc_channels}, {dropout}")

        stages = []
        cin = in_channels
        for width, num_convs in zip(features, VGG16_CONVS):
            stages.append(ConvStack(2, cin, width, num_convs=num_convs, activation="relu"))
            cin = width
        self.stages = nn.ModuleList(stages)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=True)

        self.fc6 = nn.Sequential(
            nn.Conv2d(features[4], fc_channels, kernel_size=7, padding=3),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
        )
        self.fc7 = nn.Sequential(
            nn.Conv2d(fc_channels, fc_channels, kernel_size=1),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
        )
        self.score_fr = nn.Conv2d(fc_channels, out_channels, kernel_size=1)
        self.score_pool4 = nn.Conv2d(features[3], out_channels, kernel_size=1)
        self.score_pool3 = nn.Conv2d(features[2], out_channels, kernel_size=1)
        self.upscore2 = self._upsampling(out_channels, 2)
        self.upscore_pool4 = self._upsampling(out_channels, 2)
        self.upscore8 = self._upsampling(out_channels, 8)
        self.upscore8.weight.requires_grad_(learn_final_upsampling)
        self._init_weights()

    @staticmethod
    def _upsampling(channels: int, factor: int) -> nn.ConvTranspose2d:
        return nn.ConvTranspose2d(
            channels, channels, kernel_size=2 * factor, stride=factor, padding=factor // 2, bias=False
        )

    def _init_weights(self) -> None:
        for module in [*self.stages.modules(), *self.fc6, *self.fc7]:
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(module.bias)
        for up in (self.upscore2, self.upscore_pool4, self.upscore8):
            init_bilinear_(up)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Segment a batch of slices.

        Args:
            x: ``(B, in_channels, H, W)``, any H, W >= 1.

        Returns:
            Logits ``(B, out_channels, H, W)``.
        """
        size = x.shape[2:]
        pooled: list[torch.Tensor] = []
        for stage in self.stages:
            x = self.pool(stage(x))
            pooled.append(x)
        pool3, pool4 = pooled[2], pooled[3]
        score = self.score_fr(self.fc7(self.fc6(x)))
        score4 = self.score_pool4(pool4)
        score = crop_spatial(self.upscore2(score), score4.shape[2:]) + score4
        score3 = self.score_pool3(pool3)
        score = crop_spatial(self.upscore_pool4(score), score3.shape[2:]) + score3
        return crop_spatial(self.upscore8(score), size)

"""U-Net of Ronneberger, Fischer and Brox, MICCAI 2015 (paper 000, section 1.3.1).

Written here rather than taken from MONAI: ``monai.networks.nets.UNet`` is a residual-unit
variant with strided convolutions (Kerfoot et al. 2018), not Ronneberger's network, and
``BasicUNet`` has a fixed conv-norm-dropout-act unit and a fixed depth.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lesionbench.networks.blocks import (
    ConvNormAct,
    ConvStack,
    LayerSpec,
    conv_transpose_type,
    conv_type,
    crop_spatial,
    make_activation,
    max_pool_type,
    pad_to_multiple,
    unet_encoder,
)
from lesionbench.networks.factory import register_network

#: Ronneberger et al.'s widths: 64 features at full resolution, doubled at each of 4 levels.
STANDARD_FEATURES: tuple[int, ...] = (64, 128, 256, 512, 1024)
#: The down-sampling operators between encoder levels (``downsample=``).
DOWNSAMPLE_MODES: tuple[str, ...] = ("maxpool", "conv")
#: The up-sampling operators of the expansive path (``upsample=``).
UPSAMPLE_MODES: tuple[str, ...] = ("transpose", "bilinear")
_LINEAR_MODES: dict[int, str] = {1: "linear", 2: "bilinear", 3: "trilinear"}


@register_network("unet", spatial_dims=(2, 3))
class UNet(nn.Module):
    """Ronneberger et al.'s U-Net; with ``activation="mish"`` paper 000's Base (section 2.3).

    Contracting path: per level two 3x3 convs + activation, then 2x2 max pooling (stride 2);
    bottleneck of two 3x3 convs; expansive path: a 2x2 transposed convolution ("up-conv",
    stride 2) halving the channels, followed by the activation, concatenation with the skip of
    the same level, two 3x3 convs; a 1x1 conv head to ``out_channels`` logits.

    Deviations from Ronneberger et al. (2015), stated so results can be read against theirs:

    - 'same' padding (1 pixel) in the 3x3 convs instead of unpadded convs with cropped skips,
      so the output has the input's size, as paper 000's 416x416 -> 416x416 requires.
    - Inputs whose size is not a multiple of the total stride ``2 ** (len(features) - 1)`` are
      zero-padded at their end (right/bottom) to the next multiple and the logits are cropped
      back to the input size.
    - ``norm`` optionally adds a normalisation after each 3x3 conv (the original has none; the
      conv bias is then dropped, as the norm cancels it).
    - The activation after the up-conv follows the authors' released Caffe model; the text
      only says the 3x3 convs are followed by a ReLU.
    - ``downsample="conv"`` replaces each 2x2 max pooling by a learned 2x2 stride-2 convolution
      keeping the level's width, followed by the activation (no norm), mirroring the up-conv:
      one reading of paper 001's "2x2x2 stride-2 down-sampling convolution kernel" (its
      section 2.1; docs/paper001.md, A-3 spec). The default
      ``"maxpool"`` is Ronneberger's (and Cicek et al.'s 3D U-Net's) operator; it leaves the
      network, its parameters and its ``state_dict`` as before the option existed.
    - ``upsample="bilinear"`` is the widespread PyTorch re-implementation of U-Net with
      parameter-free up-sampling: each decoder level up-samples by 2 ((bi/tri)linear,
      ``align_corners=True``), concatenates the skip and applies two 3x3 convs whose first one
      halves the concatenated width (``in -> in // 2 -> out``); the bottleneck is halved to
      ``features[-1] // 2`` and each decoder level ends at the next shallower width
      (``features[l - 1]``; ``features[0]`` for the last), so that at the standard widths the
      decoder convs are 1024 -> 512 -> 256, 512 -> 256 -> 128, 256 -> 128 -> 64, 128 -> 64 -> 64.
      With ``in_channels=1, out_channels=1, norm="batch", conv_bias=True`` it has 17,266,241
      parameters, the count paper 003 lists for its 2D U-Net baseline (thesis Table 4.3),
      which identifies the variant; with ``conv_bias=None`` (biases dropped before BN) it has
      17,261,825. The default ``"transpose"`` (2x2 up-conv + activation) is Ronneberger's.
    - ``conv_bias=True`` keeps the 3x3 conv biases before a norm (redundant, but part of the
      re-implementations whose parameter counts papers report); ``None`` (default) keeps them
      only without a norm, as before the option existed.

    The paths are exposed for the multi-task networks that branch off them
    (:mod:`lesionbench.networks.mlssp`): :meth:`encode` gives the skips and the bottleneck
    output, :meth:`decode` the last decoder block's output (the input of :attr:`head`).

    Weights are initialised as in section 3 of the paper: Gaussian with std ``sqrt(2 / N)``,
    ``N`` the number of inputs of one unit (He et al.); biases 0.

    Args:
        spatial_dims: 2 for slices ``(B, C, H, W)``, 3 for volumes ``(B, C, D, H, W)``.
        in_channels: input channels (1 for a windowed CT slice; 4 for a 2.5D stack).
        out_channels: logit channels (1: sigmoid/binary; 2: softmax as in the paper).
        features: widths of the levels, from full resolution to the bottleneck; the default
            (64, 128, 256, 512, 1024) is the paper's; e.g. (8, 16, 32, 64, 128) for CPU demos.
        activation: activation spec, ``"relu"`` (Ronneberger) or ``"mish"`` (paper 000, eq. 3).
        norm: normalisation spec, ``None`` (Ronneberger) or ``"batch"``, ``"instance"``, ...
        dropout: dropout probability at the end of the contracting path (after the deepest
            encoder block and after the bottleneck); Ronneberger et al. used 0.5; default 0.
        downsample: ``"maxpool"`` (2x2 max pooling, stride 2; default) or ``"conv"`` (a 2x2
            stride-2 convolution ``features[i] -> features[i]`` + activation per level).
        upsample: ``"transpose"`` (2x2 stride-2 up-conv + activation; default) or
            ``"bilinear"`` (interpolation, halved bottleneck and decoder widths, see above).
        conv_bias: bias of the 3x3 convs: ``None`` (default) on iff ``norm`` is ``None``;
            ``True``/``False`` force it.

    Raises:
        ValueError: fewer than 2 widths, a dropout outside [0, 1), an unknown ``downsample`` or
            ``upsample``, a bilinear bottleneck narrower than 2.
    """

    def __init__(
        self,
        spatial_dims: int = 2,
        in_channels: int = 1,
        out_channels: int = 2,
        features: Sequence[int] = STANDARD_FEATURES,
        activation: LayerSpec = "relu",
        norm: LayerSpec = None,
        dropout: float = 0.0,
        downsample: str = "maxpool",
        upsample: str = "transpose",
        conv_bias: bool | None = None,
    ) -> None:
        super().__init__()
        features = tuple(int(f) for f in features)
        if len(features) < 2 or min(features) < 1:
            raise ValueError(f"unet: features needs at least 2 positive widths, got {features}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"unet: dropout must be in [0, 1), got {dropout}")
        if downsample not in DOWNSAMPLE_MODES:
            raise ValueError(f"unet: downsample must be one of {list(DOWNSAMPLE_MODES)}, got {downsample!r}")
        if upsample not in UPSAMPLE_MODES:
            raise ValueError(f"unet: upsample must be one of {list(UPSAMPLE_MODES)}, got {upsample!r}")
        if upsample == "bilinear" and features[-1] < 2:
            raise ValueError(f"unet: bilinear up-sampling halves the bottleneck, {features[-1]} is too narrow")
        self.features = features
        self.downsample = downsample
        self.upsample = upsample
        self.spatial_dims = spatial_dims
        self.total_stride = 2 ** (len(features) - 1)
        #: Channels of the bottleneck output (``features[-1]``; halved with bilinear up-sampling).
        self.bottom_channels = features[-1] // 2 if upsample == "bilinear" else features[-1]

        def stack(cin: int, cout: int, mid: int | None = None) -> nn.Sequential:
            if conv_bias is None and mid in (None, cout):
                return ConvStack(spatial_dims, cin, cout, num_convs=2, norm=norm, activation=activation)
            mid = cout if mid is None else mid
            return nn.Sequential(
                ConvNormAct(spatial_dims, cin, mid, norm=norm, activation=activation, bias=conv_bias),
                ConvNormAct(spatial_dims, mid, cout, norm=norm, activation=activation, bias=conv_bias),
            )

        if conv_bias is None and upsample == "transpose":
            self.encoders, self.bottleneck = unet_encoder(spatial_dims, in_channels, features, norm, activation)
        else:
            widths = (in_channels, *features[:-1])
            self.encoders = nn.ModuleList(stack(cin, cout) for cin, cout in zip(widths[:-1], widths[1:]))
            self.bottleneck = stack(features[-2], self.bottom_channels)
        self.downsamplers = nn.ModuleList(
            max_pool_type(spatial_dims)(kernel_size=2, stride=2)
            if downsample == "maxpool"
            else nn.Sequential(
                conv_type(spatial_dims)(width, width, kernel_size=2, stride=2), make_activation(activation)
            )
            for width in features[:-1]
        )
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

        self.up_convs = nn.ModuleList()
        self.decoders = nn.ModuleList()
        if upsample == "transpose":
            for deep, shallow in zip(reversed(features[1:]), reversed(features[:-1])):
                self.up_convs.append(
                    nn.Sequential(
                        conv_transpose_type(spatial_dims)(deep, shallow, kernel_size=2, stride=2),
                        make_activation(activation),
                    )
                )
                self.decoders.append(stack(2 * shallow, shallow))
        else:
            below = self.bottom_channels
            for level in reversed(range(len(features) - 1)):
                cin, cout = features[level] + below, features[max(level - 1, 0)]
                self.up_convs.append(
                    nn.Upsample(scale_factor=2, mode=_LINEAR_MODES[spatial_dims], align_corners=True)
                )
                self.decoders.append(stack(cin, cout, mid=cin // 2))
                below = cout
        self.head = conv_type(spatial_dims)(features[0], out_channels, kernel_size=1)
        self._init_weights()

    def _init_weights(self) -> None:
        """He-normal weights, zero biases (Ronneberger et al., section 3)."""
        conv_t = conv_transpose_type(self.spatial_dims)
        for module in self.modules():
            if isinstance(module, conv_t):
                # Each output voxel of a 2x2 stride-2 up-conv receives exactly C_in inputs.
                nn.init.normal_(module.weight, std=(2.0 / module.in_channels) ** 0.5)
            elif isinstance(module, conv_type(self.spatial_dims)):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
            else:
                continue
            if module.bias is not None:
                nn.init.zeros_(module.bias)

    def encode(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The contracting path on an input whose size is a multiple of :attr:`total_stride`.

        Args:
            x: ``(B, in_channels, *S)``, every entry of ``S`` divisible by ``total_stride``.

        Returns:
            ``(skips, bottom)``: ``skips[i]`` the output of encoder level ``i``,
            ``(B, features[i], *S / 2**i)`` (``skips[0]`` is the full-resolution first level,
            paper 001's shared "two convolutions"); ``bottom`` the bottleneck output
            ``(B, bottom_channels, *S / total_stride)``.
        """
        skips: list[torch.Tensor] = []
        last = len(self.encoders) - 1
        for level, (encoder, down) in enumerate(zip(self.encoders, self.downsamplers)):
            x = encoder(x)
            if level == last:
                x = self.dropout(x)
            skips.append(x)
            x = down(x)
        return skips, self.dropout(self.bottleneck(x))

    def decode(self, bottom: torch.Tensor, skips: Sequence[torch.Tensor]) -> torch.Tensor:
        """The expansive path: up-conv (or interpolation), concatenation with the skip, two convs.

        Args:
            bottom: the bottleneck output of :meth:`encode` (:attr:`bottom_channels` channels).
            skips: the skips of :meth:`encode`, shallowest first.

        Returns:
            The last decoder block's output ``(B, features[0], *S)``, the input of :attr:`head`.
        """
        x = bottom
        for up_conv, decoder, skip in zip(self.up_convs, self.decoders, reversed(skips)):
            x = decoder(torch.cat([skip, up_conv(x)], dim=1))
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Segment a batch.

        Args:
            x: ``(B, in_channels, H, W)`` (or ``(B, in_channels, D, H, W)`` for 3D); any size.

        Returns:
            Logits ``(B, out_channels, H, W)`` (or ``(..., D, H, W)``), the input's size.
        """
        x, size = pad_to_multiple(x, self.total_stride)
        skips, bottom = self.encode(x)
        return crop_spatial(self.head(self.decode(bottom, skips)), size)

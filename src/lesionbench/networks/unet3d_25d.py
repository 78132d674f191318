"""3D U-Net on a 2.5D slice stack, the "3D U-Net" baseline of paper 003 (Tables 3.2, 4.2).

Paper 003 compares against a 3D U-Net (its ref. [80], Cicek et al. 2016) fed with the same
four-slice stack as its 2.5D networks, the stack read as a depth-4 volume. The thesis gives no
layer list; the network below is the 3D U-Net released with D-UNet (Zhou et al. 2021, paper
003's ref. [26]), whose data pipeline and stack paper 003 reuses: a U-Net of 3D conv-BN-ReLU
blocks that pools in-plane only, so the depth of the stack survives to the output, where a 1x1x1
conv and a squeeze turn the depth into channels of a 2D block and head.

Written here because MONAI's ``UNet``/``BasicUNet`` pool every axis and have no 3D -> 2D tail.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.networks.blocks import ConvNormAct, crop_spatial, pad_to_multiple
from lesionbench.networks.factory import register_network

#: D-UNet's 3D U-Net widths, full resolution first.
STANDARD_FEATURES: tuple[int, ...] = (32, 64, 128, 256, 512)
#: Pooling and up-sampling factors in (D, H, W) order: in-plane only, the depth is kept.
IN_PLANE: tuple[int, int, int] = (1, 2, 2)


def _bn_block(spatial_dims: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """D-UNet's ``BN_block``: two (3x3 or 3x3x3) conv (with bias) + BN + ReLU."""
    return nn.Sequential(
        ConvNormAct(spatial_dims, in_channels, out_channels, 3, norm="batch", bias=True),
        ConvNormAct(spatial_dims, out_channels, out_channels, 3, norm="batch", bias=True),
    )


class _UpConv3d(nn.Module):
    """In-plane nearest up-sampling by 2, then a 2x2x2 conv with bias + ReLU.

    Keras' ``Conv3D(c, 2, padding="same")`` pads an even kernel asymmetrically: nothing before
    and one voxel after along each axis (TensorFlow puts the odd padding at the end). PyTorch's
    ``padding="same"`` does the same split, but it is spelled out here with ``F.pad`` so the
    alignment is explicit: output voxel ``i`` reads input voxels ``i`` and ``i + 1``.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv3d(in_channels, out_channels, kernel_size=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=IN_PLANE, mode="nearest")
        return F.relu(self.conv(F.pad(x, (0, 1, 0, 1, 0, 1))), inplace=True)


@register_network("unet3d_25d", spatial_dims=(2,))
class UNet3D25D(nn.Module):
    """3D U-Net over the depth of a 2.5D stack, with a 2D head (paper 003's 3D U-Net baseline).

    Layers (inferred from D-UNet's released ``Unet3d``; the thesis describes only the input, the
    four slices as a depth-4 volume, section 4.1):

    - The stack ``(B, S, H, W)`` (slice offsets -2, -1, 0, +1 for ``S = 4``) becomes the
      one-channel volume ``(B, 1, S, H, W)``, depth ordered by offset.
    - Encoder level ``i``: 3x3x3 conv + BN + ReLU, twice, to ``features[i]``; between levels
      max pooling ``(1, 2, 2)`` (in-plane only); dropout ``dropout`` after the two deepest levels
      (the dropped-out feature is also the skip, as in the Keras model).
    - Decoder level: nearest up-sampling ``(1, 2, 2)``, 2x2x2 conv + ReLU to the skip's width
      (see :class:`_UpConv3d` for its 'same' padding), concatenation ``[skip, up]``, two 3x3x3
      conv-BN-ReLU.
    - Tail: 1x1x1 conv to 1 channel + ReLU, the channel axis squeezed so the depth ``S`` becomes
      channels ``(B, S, H, W)``, two 3x3 conv-BN-ReLU to ``features[0]`` (2D), a 1x1 conv head.

    Deviations from the Keras model, stated so results can be read against it:

    - The head returns logits (the Keras model ends in a sigmoid; it belongs to the loss here).
    - Weights: PyTorch He-normal (``kaiming_normal_``, fan-in) instead of Keras' truncated
      ``he_normal``; zero biases. BN momentum/eps are PyTorch's defaults.
    - Inputs whose H, W are not multiples of ``2 ** (len(features) - 1)`` are zero-padded at
      their end and the logits cropped back (as :class:`lesionbench.networks.unet.UNet` does).

    Parameters at the standard widths, in 4 / out 1 (hand count in
    ``tests/unit/networks/test_unet3d_25d.py``): 22,591,810. Not listed in thesis Table 4.3.

    Args:
        in_channels: slices of the stack, the depth of the 3D path (4 in paper 003).
        out_channels: logit channels (1: sigmoid, as in paper 003).
        features: widths of the levels, full resolution first; default (32, 64, 128, 256, 512);
            e.g. (4, 8, 16, 32, 64) for CPU demos.
        dropout: dropout probability after the two deepest encoder levels (0.3 in D-UNet).

    Raises:
        ValueError: fewer than 2 widths, a non-positive width or depth, a dropout outside [0, 1).
    """

    def __init__(
        self,
        in_channels: int = 4,
        out_channels: int = 1,
        features: Sequence[int] = STANDARD_FEATURES,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        features = tuple(int(f) for f in features)
        if len(features) < 2 or min(features) < 1:
            raise ValueError(f"unet3d_25d: features needs at least 2 positive widths, got {features}")
        if in_channels < 1:
            raise ValueError(f"unet3d_25d: in_channels (the stack depth) must be positive, got {in_channels}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"unet3d_25d: dropout must be in [0, 1), got {dropout}")
        self.features = features
        self.depth = in_channels
        self.total_stride = 2 ** (len(features) - 1)

        widths = (1, *features)
        self.encoders = nn.ModuleList(_bn_block(3, cin, cout) for cin, cout in zip(widths[:-1], widths[1:]))
        self.pool = nn.MaxPool3d(kernel_size=IN_PLANE, stride=IN_PLANE)
        self.dropouts = nn.ModuleList(
            nn.Dropout(dropout) if dropout > 0 and level >= len(features) - 2 else nn.Identity()
            for level in range(len(features))
        )
        self.up_convs = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for deep, shallow in zip(reversed(features[1:]), reversed(features[:-1])):
            self.up_convs.append(_UpConv3d(deep, shallow))
            self.decoders.append(_bn_block(3, 2 * shallow, shallow))
        self.to_slices = nn.Sequential(nn.Conv3d(features[0], 1, kernel_size=1), nn.ReLU(inplace=True))
        self.block2d = _bn_block(2, in_channels, features[0])
        self.head = nn.Conv2d(features[0], out_channels, kernel_size=1)
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.Conv3d)):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Segment the target slices of a batch of stacks.

        Args:
            x: ``(B, in_channels, H, W)``, the stack as channels; any H, W.

        Returns:
            Logits ``(B, out_channels, H, W)``.
        """
        if x.dim() != 4 or x.shape[1] != self.depth:
            raise ValueError(f"unet3d_25d: expected (B, {self.depth}, H, W), got {tuple(x.shape)}")
        x, size = pad_to_multiple(x, self.total_stride)
        v = x.unsqueeze(1)  # (B, 1, S, H, W)
        skips: list[torch.Tensor] = []
        for level, (encoder, drop) in enumerate(zip(self.encoders, self.dropouts)):
            if level:
                v = self.pool(v)
            v = drop(encoder(v))
            skips.append(v)
        for up_conv, decoder, skip in zip(self.up_convs, self.decoders, reversed(skips[:-1])):
            v = decoder(torch.cat([skip, up_conv(v)], dim=1))
        slices = self.to_slices(v).squeeze(1)  # (B, S, H, W): depth -> channels
        return crop_spatial(self.head(self.block2d(slices)), size)

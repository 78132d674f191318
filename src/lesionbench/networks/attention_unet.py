"""Attention U-Net of Oktay et al., MIDL 2018 (baseline of papers 003 and 004).

Paper 003 (sections 3.6.2-3.6.3 and 4.5.2, Tables 3.2, 3.4, 4.2 and 4.3, ref. [50]) and paper
004 (sections 3.2 and 3.4, Table 3, ref. [5]) compare against Attention U-Net; the architecture follows Oktay et al.
section 2 (Fig. 1: a U-Net whose skip connections pass through attention gates; Fig. 2 and
eqs. 1-2: the additive gate, :class:`lesionbench.networks.blocks.AttentionGate`).

Written here rather than taken from ``monai.networks.nets.AttentionUnet``, which is a different
network: it downsamples with strided convolutions instead of max pooling, gates every skip with
the up-convolved decoder feature at the skip's own resolution (not the coarser gating signal
of Oktay et al.), puts batch norm inside the gate and merges with a single 3x3 conv. At widths
(64, 128, 256, 512, 1024), in 1 / out 2 channels, MONAI's model has 31,739,250 parameters and
this one 32,416,837 (hand count in ``tests/unit/networks/test_attention_unet.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lesionbench.networks.blocks import (
    AttentionGate,
    ConvStack,
    LayerSpec,
    conv_type,
    crop_spatial,
    max_pool_type,
    pad_to_multiple,
    resize_to,
    unet_encoder,
)
from lesionbench.networks.factory import register_network

#: U-Net widths (Ronneberger et al.), the 2D standard for Attention U-Net comparisons.
STANDARD_FEATURES: tuple[int, ...] = (64, 128, 256, 512, 1024)


@register_network("attention_unet", spatial_dims=(2, 3))
class AttentionUNet(nn.Module):
    """Oktay et al.'s Attention U-Net: a U-Net with additive attention gates on its skips.

    Encoder: per level two 3x3 conv-norm-activation units, 2x2 max pooling; a bottleneck of two
    units. Decoder, from the deepest level up: the coarser decoder feature ``d_{l+1}`` is the
    gating signal of the gate on skip ``x_l`` (``W_x``: 2x2 stride-2 conv, so the gate works
    at the resolution of ``g``; the coefficients are upsampled bilinearly to ``x_l``),
    ``d_{l+1}`` is upsampled by 2 (bilinear), concatenated with the gated skip, and two units
    give ``d_l``; a 1x1 conv head gives the logits.

    Choices where the paper leaves the detail to the released code (Oktay et al.'s repository,
    2D/3D ``unet_*_att`` models), followed here:

    - Upsampling is interpolation (no parameters) and the decoder unit reads
      ``features[l] + features[l+1]`` channels; ``F_int = features[l] // 2``; batch norm in the
      conv units (``norm="batch"``).
    - The full-resolution skip is not gated (gates on levels 1..L-2 only, as in the released
      models); ``gate_full_resolution=True`` gates it too, as most re-implementations (and
      paper 004's ResAttUnet) do.

    Deviations from the released code, stated so results can be read against it:

    - The deepest gate takes the bottleneck output directly as ``g`` (the code inserts a 1x1
      conv-BN-ReLU "gating signal" layer), and the gated skip is not followed by the code's
      extra 1x1 conv + BN output transform: the network is eqs. 1-2 of the paper, nothing more.
    - No deep supervision (the ``_dsv`` variants of the code); logits, not probabilities.
    - Inputs whose size is not a multiple of ``2 ** (L - 1)`` are zero-padded at their end and
      the logits cropped back (as :class:`UNet` does).

    Paper 003's Table 4.3 lists 34,877,421 parameters for its Attention U-Net: that is (by hand)
    the common PyTorch variant with widths 64..1024, in/out 1 channel, gates on all four skips
    at the skip's resolution after an upsample + 3x3 conv-BN-ReLU, batch norm inside the gates
    and conv biases kept before every BN; not Oktay et al.'s gate.

    Args:
        spatial_dims: 2 for slices ``(B, C, H, W)``, 3 for volumes ``(B, C, D, H, W)``.
        in_channels: input channels (1 for a CT slice; 4 for paper 003's 2.5D stack).
        out_channels: logit channels (1: sigmoid; 2: softmax).
        features: widths of the ``L`` levels, full resolution first; default
            (64, 128, 256, 512, 1024); e.g. (8, 16, 32, 64, 128) for CPU demos.
        activation: activation spec of the conv units (``"relu"`` in Oktay et al.).
        norm: normalisation spec of the conv units (``"batch"`` in Oktay et al.'s code).
        attention: gate the skips (the ablation ``False`` gives the same network with plain
            skips, i.e. a U-Net with bilinear upsampling).
        gate_full_resolution: also gate the full-resolution skip.
    """

    def __init__(
        self,
        spatial_dims: int = 2,
        in_channels: int = 1,
        out_channels: int = 2,
        features: Sequence[int] = STANDARD_FEATURES,
        activation: LayerSpec = "relu",
        norm: LayerSpec = "batch",
        attention: bool = True,
        gate_full_resolution: bool = False,
    ) -> None:
        super().__init__()
        features = tuple(int(f) for f in features)
        if len(features) < 2 or min(features) < 1:
            raise ValueError(f"attention_unet: features needs at least 2 positive widths, got {features}")
        self.spatial_dims = spatial_dims
        self.total_stride = 2 ** (len(features) - 1)

        def unit(cin: int, cout: int) -> ConvStack:
            return ConvStack(spatial_dims, cin, cout, num_convs=2, norm=norm, activation=activation)

        self.encoders, self.bottleneck = unet_encoder(spatial_dims, in_channels, features, norm, activation)
        self.pool = max_pool_type(spatial_dims)(kernel_size=2, stride=2)

        # one gate per skip (or None), finest level first, as the encoders
        self.gates = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for level, width in enumerate(features[:-1]):
            gated = attention and (level > 0 or gate_full_resolution)
            gate = AttentionGate(spatial_dims, width, features[level + 1], stride=2) if gated else nn.Identity()
            self.gates.append(gate)
            self.decoders.append(unit(width + features[level + 1], width))
        self.head = conv_type(spatial_dims)(features[0], out_channels, kernel_size=1)
        self._init_weights()

    def _init_weights(self) -> None:
        """He-normal conv weights (the released code's ``kaiming`` initialisation), zero biases."""
        for module in self.modules():
            if isinstance(module, conv_type(self.spatial_dims)):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def _decode(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor | None]]:
        """Encoder and decoder on a padded input: the last decoder feature and the gates' maps."""
        skips: list[torch.Tensor] = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = self.pool(x)
        d = self.bottleneck(x)
        maps: list[torch.Tensor | None] = [None] * len(skips)
        for level in reversed(range(len(skips))):
            skip, gate = skips[level], self.gates[level]
            if isinstance(gate, AttentionGate):
                maps[level] = gate.coefficients(skip, d)  # d, the coarser feature, is the gating signal
                skip = skip * maps[level]
            d = self.decoders[level](torch.cat([skip, resize_to(d, skip.shape[2:])], dim=1))
        return d, maps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Segment a batch.

        Args:
            x: ``(B, in_channels, H, W)`` (or ``(B, in_channels, D, H, W)``); any size.

        Returns:
            Logits ``(B, out_channels, H, W)`` (or ``(..., D, H, W)``), the input's size.
        """
        x, size = pad_to_multiple(x, self.total_stride)
        d, _ = self._decode(x)
        return crop_spatial(self.head(d), size)

    def attention_maps(self, x: torch.Tensor) -> list[torch.Tensor | None]:
        """The gates' coefficients for ``x``, finest level first (``None`` for an ungated skip).

        Args:
            x: ``(B, in_channels, H, W)``, any size.

        Returns:
            Per level ``(B, 1, H_l, W_l)`` values in (0, 1) on that level's grid (of the input
            zero-padded to a multiple of the total stride).
        """
        x, _ = pad_to_multiple(x, self.total_stride)
        return self._decode(x)[1]

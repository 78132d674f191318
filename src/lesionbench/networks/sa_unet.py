"""Paper 002's self-attention segmentation network (Li et al., section 1.2, Fig. 1, Table 7).

A U-shaped network: residual-block encoder with four 2x2 max poolings (64 -> 128 -> 256 ->
512 channels; 512x512 -> 32x32), multi-head self-attention with positional encoding on the
32x32 bottleneck tokens, channel attention (CA) then spatial attention (SPA) in series on each
skip connection, and a decoder of bilinear x2 upsampling, concatenation with the attended skip
and a convolution block; a 3x3 conv classifier (section 1.2).

Written here because neither MONAI nor torchvision has this network; the attention layer is
``torch.nn.MultiheadAttention`` (Vaswani et al. 2017, the paper's eq. 1 with the embeddings
W_q, W_k, W_v), the residual block follows He et al. 2016 (the paper's ref. [17]).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
from lesionbench.networks.factory import register_network

#: Paper 002's encoder widths (section 1.2): 64 at full resolution, 512 at the bottleneck.
STANDARD_FEATURES: tuple[int, ...] = (64, 128, 256, 512)


def sinusoidal_encoding_2d(channels: int, height: int, width: int) -> torch.Tensor:
    """Fixed 2D sine-cosine positional encoding (Wang and Liu 2019; used by U-Transformer).

    The first half of the channels encodes the column x, the second half the row y, each
    with Vaswani et al.'s interleaved sin/cos of frequencies ``10000 ** (-4 i / channels)``,
    ``i = 0 .. channels / 4 - 1``. Written by hand because MONAI's
    ``build_sincos_position_embedding`` returns a fixed parameter for one grid size, and this
    network accepts any input size.

    Args:
        channels: encoding depth, a multiple of 4.
        height, width: token grid, in tokens.

    Returns:
        ``(channels, height, width)`` float32 encoding.
    """
    if channels % 4:
        raise ValueError(f"sinusoidal positional encoding needs channels divisible by 4, got {channels}")
    quarter = channels // 4
    omega = 10000.0 ** (-torch.arange(quarter, dtype=torch.float32) / quarter)
    x = torch.arange(width, dtype=torch.float32)[None, :] * omega[:, None]  # (q, W)
    y = torch.arange(height, dtype=torch.float32)[None, :] * omega[:, None]  # (q, H)
    half = channels // 2
    encoding = torch.empty(channels, height, width)
    encoding[0:half:2] = x.sin()[:, None, :]
    encoding[1:half:2] = x.cos()[:, None, :]
    encoding[half::2] = y.sin()[:, :, None]
    encoding[half + 1 :: 2] = y.cos()[:, :, None]
    return encoding


class _ResidualBlock(nn.Module):
    """He et al.'s basic block: conv3x3-BN-ReLU, conv3x3-BN, + shortcut, ReLU.

    The shortcut is a projection (1x1 conv + BN) when the width changes (every encoder level
    here), the identity otherwise (He et al. 2016, option B).
    """

    def __init__(self, in_channels: int, out_channels: int, norm: LayerSpec, activation: LayerSpec) -> None:
        super().__init__()
        self.conv1 = ConvNormAct(2, in_channels, out_channels, 3, norm=norm, activation=activation)
        self.conv2 = ConvNormAct(2, out_channels, out_channels, 3, norm=norm, activation=None)
        self.shortcut: nn.Module = (
            ConvNormAct(2, in_channels, out_channels, 1, norm=norm, activation=None)
            if in_channels != out_channels
            else nn.Identity()
        )
        self.act = make_activation(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv2(self.conv1(x)) + self.shortcut(x))


class _SelfAttention2d(nn.Module):
    """Multi-head self-attention over the ``H * W`` tokens of a ``(B, C, H, W)`` map (eq. 1).

    X + positional encoding is flattened to ``(B, H*W, C)`` tokens; Q, K, V are its three
    embeddings (W_q, W_k, W_v, all ``C -> C``); the heads' outputs are concatenated and
    projected (W_o) and reshaped back to the map Y (section 1.2, "重塑后输出特征图 Y").
    """

    def __init__(
        self,
        channels: int,
        num_heads: int,
        encoding: str,
        token_grid: Sequence[int],
        dropout: float,
        residual: bool,
    ) -> None:
        super().__init__()
        if channels % num_heads:
            raise ValueError(
                f"sa_unet: bottleneck width {channels} is not divisible by num_heads={num_heads}"
            )
        self.encoding = encoding
        grid = tuple(int(g) for g in token_grid)
        self.learned = nn.Parameter(torch.zeros(channels, *grid)) if encoding == "learned" else None
        if self.learned is not None:
            nn.init.trunc_normal_(self.learned, std=0.02)  # ViT's initialisation (Dosovitskiy et al.)
        elif encoding == "sinusoidal" and channels % 4:
            raise ValueError(
                f"sa_unet: sinusoidal encoding needs a bottleneck width divisible by 4, got {channels}"
            )
        self.attention = nn.MultiheadAttention(channels, num_heads, dropout=dropout, batch_first=True)
        self.residual = residual

    def position(self, x: torch.Tensor) -> torch.Tensor | None:
        """The ``(C, H, W)`` encoding for map ``x`` (a learned one is resized bilinearly, as ViT does)."""
        return POSITIONAL_ENCODINGS[self.encoding](self, x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape
        encoding = self.position(x)
        tokens = x if encoding is None else x + encoding
        tokens = tokens.flatten(2).transpose(1, 2)  # (B, H*W, C)
        y, _ = self.attention(tokens, tokens, tokens, need_weights=False)
        y = y.transpose(1, 2).reshape(batch, channels, height, width)
        return y + x if self.residual else y


def _no_encoding(module: _SelfAttention2d, x: torch.Tensor) -> None:
    return None


def _sinusoidal(module: _SelfAttention2d, x: torch.Tensor) -> torch.Tensor:
    return sinusoidal_encoding_2d(x.shape[1], x.shape[2], x.shape[3]).to(device=x.device, dtype=x.dtype)


def _learned(module: _SelfAttention2d, x: torch.Tensor) -> torch.Tensor:
    table = module.learned
    if tuple(table.shape[1:]) != tuple(x.shape[2:]):
        table = F.interpolate(table[None], size=x.shape[2:], mode="bilinear", align_corners=False)[0]
    return table.to(x.dtype)


#: Positional encodings by name: ``sinusoidal`` (default), ``learned``, ``none`` (an ablation).
POSITIONAL_ENCODINGS: dict[str, Callable[[_SelfAttention2d, torch.Tensor], torch.Tensor | None]] = {
    "none": _no_encoding,
    "sinusoidal": _sinusoidal,
    "learned": _learned,
}


class _ChannelAttention(nn.Module):
    """CBAM's channel module (Woo et al. 2018): ``x * sigmoid(MLP(avgpool x) + MLP(maxpool x))``.

    The shared MLP is ``C -> C / reduction -> C`` with a ReLU, as 1x1 convs.
    """

    def __init__(self, channels: int, reduction: int) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.mlp = nn.Sequential(
            nn.Conv2d(channels, hidden, 1), nn.ReLU(inplace=True), nn.Conv2d(hidden, channels, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = self.mlp(x.mean(dim=(2, 3), keepdim=True)) + self.mlp(x.amax(dim=(2, 3), keepdim=True))
        return x * torch.sigmoid(weights)


class _SpatialAttention(nn.Module):
    """CBAM's spatial module: ``x * sigmoid(conv_kxk([mean_c x, max_c x]))`` (Woo et al. 2018, eq. 3)."""

    def __init__(self, kernel_size: int) -> None:
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"sa_unet: spatial_kernel_size must be odd and positive, got {kernel_size}")
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.conv(pooled))


@register_network("sa_unet", spatial_dims=(2,))
class SAUNet(nn.Module):
    """Paper 002's network: residual encoder, bottleneck self-attention, CA + SPA skips.

    Layers (section 1.2, Fig. 1): per encoder level a residual block (two 3x3 conv-BN-ReLU,
    projection shortcut) then 2x2 max pooling, four times (64, 128, 256, 512 channels; a
    512x512 slice becomes 512 x 32 x 32); multi-head self-attention (eq. 1) on the 32x32 tokens
    after adding a positional encoding; per decoder level bilinear x2 upsampling, concatenation
    ``[CA/SPA(skip), upsampled]``, two 3x3 conv-BN-ReLU whose width halves (512 -> 256 -> 128 ->
    64 -> 64); a 3x3 conv classifier to ``out_channels`` logits (the paper's Sigmoid belongs to
    the loss). Table 7's ablation is the three flags: SA, SA+CA, SA+CA+SPA (the full model);
    all off is the residual U-Net with bilinear upsampling that the modules were added to.

    Choices the paper leaves open, stated so results can be read against it:

    - Positional encoding: the paper says only that it is added to X; the text follows
      U-Transformer (Petit et al. 2021), whose MHSA adds a 2D sine-cosine encoding, so that is
      the default; ``"learned"`` (a ``token_grid`` table, resized bilinearly for other input
      sizes) and ``"none"`` are options.
    - The attention output Y replaces X (no residual connection, no feed-forward layer), as
      the text describes; ``attention_residual=True`` adds X back. Number of heads: not given,
      default 8 (Vaswani et al.).
    - CA and SPA "in series" are CBAM's channel and spatial modules (reduction 16, 7x7 kernel).
    - No conv block sits between the last pooling and the attention (the text goes from the
      fourth pooling straight to the attention), so with ``self_attention=False`` the bottleneck
      is the pooled 512-channel map. Bilinear upsampling uses ``align_corners=False``.
    - Inputs whose H, W are not multiples of 16 are zero-padded at the bottom/right and the
      logits cropped back. Weights: He-normal convs, PyTorch defaults elsewhere (not stated).

    Memory: at 512x512 the attention sees 32 * 32 = 1024 tokens, one ``(1024, 1024)`` matrix
    per head and image (8 heads, batch 2: 16.8 M floats, 64 MiB in float32): cheap.

    Args:
        in_channels: input channels (1: the paper's grey CT slice; 4: a 2.5D stack).
        out_channels: logit channels (1: sigmoid as in the paper; 2: softmax).
        features: encoder widths, one per pooling; default (64, 128, 256, 512); (8, 16, 32, 64) on CPU.
        self_attention: the SA module at the encoder end (Table 7).
        channel_attention: CA on every skip connection (Table 7).
        spatial_attention: SPA on every skip connection, after CA (Table 7).
        num_heads: attention heads; must divide ``features[-1]``.
        positional_encoding: ``"sinusoidal"``, ``"learned"`` or ``"none"``.
        token_grid: grid of the learned encoding table; default (32, 32) = 512 / 16.
        attention_dropout: dropout on the attention weights; default 0.
        attention_residual: add the attention's input to its output.
        reduction: CA's MLP reduction ratio.
        spatial_kernel_size: SPA's conv kernel edge.
        norm, activation: layer specs of every conv block (default batch norm, ReLU).
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        features: Sequence[int] = STANDARD_FEATURES,
        self_attention: bool = True,
        channel_attention: bool = True,
        spatial_attention: bool = True,
        num_heads: int = 8,
        positional_encoding: str = "sinusoidal",
        token_grid: Sequence[int] = (32, 32),
        attention_dropout: float = 0.0,
        attention_residual: bool = False,
        reduction: int = 16,
        spatial_kernel_size: int = 7,
        norm: LayerSpec = "batch",
        activation: LayerSpec = "relu",
    ) -> None:
        super().__init__()
        features = tuple(int(f) for f in features)
        if len(features) < 1 or min(features) < 1:
            raise ValueError(f"sa_unet: features needs positive widths, got {features}")
        if reduction < 1 or num_heads < 1 or not 0.0 <= attention_dropout < 1.0:
            raise ValueError(
                f"sa_unet: need reduction >= 1, num_heads >= 1, attention_dropout in [0, 1), "
                f"got {reduction}, {num_heads}, {attention_dropout}"
            )
        if positional_encoding not in POSITIONAL_ENCODINGS:
            raise ValueError(
                f"sa_unet: positional_encoding must be one of {sorted(POSITIONAL_ENCODINGS)}, "
                f"got {positional_encoding!r}"
            )
        self.total_stride = 2 ** len(features)

        self.encoders = nn.ModuleList()
        cin = in_channels
        for width in features:
            self.encoders.append(_ResidualBlock(cin, width, norm, activation))
            cin = width
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.attention: nn.Module = (
            _SelfAttention2d(
                features[-1], num_heads, positional_encoding, token_grid, attention_dropout, attention_residual
            )
            if self_attention
            else nn.Identity()
        )

        self.skip_gates = nn.ModuleList()
        self.decoders = nn.ModuleList()
        up_width = features[-1]
        for level in reversed(range(len(features))):
            gate: list[nn.Module] = []
            if channel_attention:
                gate.append(_ChannelAttention(features[level], reduction))
            if spatial_attention:
                gate.append(_SpatialAttention(spatial_kernel_size))
            self.skip_gates.append(nn.Sequential(*gate))
            out_width = features[max(level - 1, 0)]
            self.decoders.append(
                ConvStack(2, features[level] + up_width, out_width, norm=norm, activation=activation)
            )
            up_width = out_width
        self.head = nn.Conv2d(features[0], out_channels, kernel_size=3, padding=1)
        for module in [*self.encoders.modules(), *self.decoders.modules()]:
            if isinstance(module, nn.Conv2d):  # He et al.; attention modules and head keep PyTorch's
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Segment a batch of slices.

        Args:
            x: ``(B, in_channels, H, W)``, any H, W (the paper: ``(B, 1, 512, 512)``).

        Returns:
            Logits ``(B, out_channels, H, W)``.
        """
        x, size = pad_to_multiple(x, self.total_stride)
        skips: list[torch.Tensor] = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = self.pool(x)
        x = self.attention(x)  # (B, features[-1], H / 16, W / 16)
        for gate, decoder, skip in zip(self.skip_gates, self.decoders, reversed(skips)):
            up = F.interpolate(x, size=skip.shape[2:], mode="bilinear", align_corners=False)
            x = decoder(torch.cat([gate(skip), up], dim=1))
        return crop_spatial(self.head(x), size)

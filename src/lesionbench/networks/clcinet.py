"""CLCI-Net of Yang et al., MICCAI 2019 (baseline of paper 003).

Yang, Huang, Qi et al., "CLCI-Net: Cross-level fusion and context inference networks for
lesion segmentation of chronic stroke", MICCAI 2019. Paper 003 compares against it (thesis
section 1.2.1: multi-level dense skip connections and an atrous pyramid (ASPP) in the encoder
aggregate the features of different stages, a ConvLSTM in the decoder infers context between
encoder and decoder features; section 1.2.2; Tables 3.2, 4.2).

Three parts (Yang et al. section 2): cross-level feature fusion (CLF) in the encoder, where
every shallower stage is down-sampled into each deeper one; CLF-ASPP at the bottleneck, an
ASPP whose branches are joined by all shallower stages brought to the bottleneck size; and
context inference in the decoder, a ConvLSTM run over the two-step sequence
``[up-sampled decoder feature, encoder skip]``.

Written here from the paper's description: neither MONAI nor torchvision has CLCI-Net, and
no well-kept library offers a ConvLSTM for PyTorch, so :class:`ConvLSTM2dCell` is written here
too (Shi et al., NeurIPS 2015, eq. 3, without the peephole terms, as Keras' ``ConvLSTM2D``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.networks.blocks import check_divisible_size, he_init_
from lesionbench.networks.factory import register_network

#: Widths of CLCI-Net's five encoder stages (Yang et al. Fig. 1).
CLCINET_FEATURES: tuple[int, ...] = (32, 64, 128, 256, 512)
#: Dilation rates of the CLF-ASPP's atrous branches.
CLCINET_ASPP_RATES: tuple[int, ...] = (2, 4, 6)


class ConvBNReLU(nn.Sequential):
    """Conv (with bias, as the Keras original) + BN + ReLU with TensorFlow "same" padding.

    TensorFlow pads ``max(k_eff - stride, 0)`` in all, the extra pixel at the end (bottom,
    right), so a 2x2 conv or a stride-2 3x3 conv sees the same pixels as the original.
    Needs sizes divisible by ``stride``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 dilation: int = 1) -> None:
        total = max(dilation * (kernel_size - 1) + 1 - stride, 0)
        before, after = total // 2, total - total // 2
        layers: list[nn.Module] = [] if before == after else [nn.ZeroPad2d((before, after, before, after))]
        layers += [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, dilation=dilation,
                      padding=before if before == after else 0),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        ]
        super().__init__(*layers)

    @property
    def conv(self) -> nn.Conv2d:
        """The convolution (after the optional padding)."""
        return next(m for m in self if isinstance(m, nn.Conv2d))


def _double_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    """CLCI-Net's stage block: two 3x3 conv-BN-ReLU."""
    return nn.Sequential(ConvBNReLU(in_channels, out_channels), ConvBNReLU(out_channels, out_channels))


class ConvLSTM2dCell(nn.Module):
    """One step of a convolutional LSTM (Shi et al. 2015, eq. 3, no peepholes).

    ``[i, f, g, o] = W_x * x_t + W_h * h_{t-1} + b`` (gate order of Keras ``ConvLSTM2D``);
    ``c_t = sigmoid(f) c_{t-1} + sigmoid(i) tanh(g)``; ``h_t = sigmoid(o) tanh(c_t)``.
    ``W_x`` is He-normal, ``W_h`` orthogonal, ``b`` zero but 1 for the forget gate (Keras
    defaults ``unit_forget_bias=True``).

    Args:
        in_channels: channels of ``x_t``.
        hidden_channels: channels of ``h`` and ``c``.
        kernel_size: odd kernel of both convolutions ("same" padding).
    """

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: int = 3) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"ConvLSTM2dCell: kernel_size must be odd, got {kernel_size}")
        self.hidden_channels = hidden_channels
        self.input_conv = nn.Conv2d(in_channels, 4 * hidden_channels, kernel_size, padding=kernel_size // 2)
        self.hidden_conv = nn.Conv2d(hidden_channels, 4 * hidden_channels, kernel_size,
                                     padding=kernel_size // 2, bias=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He-normal input kernel, orthogonal recurrent kernel, forget-gate bias 1."""
        nn.init.kaiming_normal_(self.input_conv.weight, mode="fan_in", nonlinearity="relu")
        nn.init.orthogonal_(self.hidden_conv.weight)
        with torch.no_grad():
            self.input_conv.bias.zero_()
            self.input_conv.bias[self.hidden_channels:2 * self.hidden_channels] = 1.0

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``x: (B, in_channels, H, W)``, ``state = (h, c)`` or ``None`` (zeros) -> ``(h, c)``,
        each ``(B, hidden_channels, H, W)``."""
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_channels, *x.shape[2:])
            state = (zeros, zeros)
        h, c = state
        i, f, g, o = (self.input_conv(x) + self.hidden_conv(h)).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c


class ConvLSTM2d(nn.Module):
    """A :class:`ConvLSTM2dCell` run over a sequence from a zero state; returns the last ``h``
    (Keras ``ConvLSTM2D(return_sequences=False)``)."""

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: int = 3) -> None:
        super().__init__()
        self.cell = ConvLSTM2dCell(in_channels, hidden_channels, kernel_size)

    def forward(self, sequence: Sequence[torch.Tensor]) -> torch.Tensor:
        """``T`` tensors ``(B, in_channels, H, W)`` -> ``(B, hidden_channels, H, W)``."""
        state = None
        for x in sequence:
            state = self.cell(x, state)
        if state is None:
            raise ValueError("ConvLSTM2d: the sequence is empty")
        return state[0]


class CLFASPP(nn.Module):
    """CLF-ASPP (Yang et al. section 2.2): ASPP on the bottleneck joined by the shallower stages.

    Branches, ``channels`` each, all conv-BN-ReLU: every shallower stage ``i`` down-sampled to
    the bottleneck by a 3x3 conv of stride ``strides[i]`` (16, 8, 4, 2); a 1x1 conv; 3x3 convs of
    dilation ``rates``; image pooling (global average, 1x1 conv, broadcast back). Concatenated,
    then a 1x1 conv-BN-ReLU to ``4 * channels`` and dropout.

    BN in the image-pooling branch normalises a 1x1 map: training needs batches of at least 2.
    """

    def __init__(self, in_channels: int, stage_channels: Sequence[int], strides: Sequence[int],
                 rates: Sequence[int], channels: int, dropout: float) -> None:
        super().__init__()
        self.cross_level = nn.ModuleList(
            ConvBNReLU(c, channels, 3, stride=s) for c, s in zip(stage_channels, strides)
        )
        self.branches = nn.ModuleList(
            [ConvBNReLU(in_channels, channels, 1)] + [ConvBNReLU(in_channels, channels, 3, dilation=r) for r in rates]
        )
        self.image_pool = ConvBNReLU(in_channels, channels, 1)
        n = len(self.cross_level) + len(self.branches) + 1
        self.project = ConvBNReLU(n * channels, 4 * channels, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, stages: Sequence[torch.Tensor]) -> torch.Tensor:
        """``x: (B, in_channels, h, w)``, ``stages[i]: (B, stage_channels[i], h s_i, w s_i)``
        -> ``(B, 4 channels, h, w)``."""
        pooled = self.image_pool(F.adaptive_avg_pool2d(x, 1)).expand(-1, -1, *x.shape[2:])
        parts = [down(s) for down, s in zip(self.cross_level, stages)] + [b(x) for b in self.branches] + [pooled]
        return self.dropout(self.project(torch.cat(parts, dim=1)))


@register_network("clcinet", spatial_dims=(2,))
class CLCINet(nn.Module):
    """CLCI-Net: cross-level fusion encoder, CLF-ASPP bottleneck, ConvLSTM context decoder.

    Layers (Yang et al. 2019, section 2, Fig. 1; ``L = len(features)``, stages ``0 .. L-1``):

    - Stage 0: two 3x3 conv-BN-ReLU to ``features[0]``.
    - Before stage ``k >= 1`` (CLF, section 2.1): the 2x2 max pooling of stage ``k-1`` is
      concatenated with every stage ``i < k`` down-sampled by a 3x3 conv-BN-ReLU of stride
      ``2 ** (k - i)`` to ``features[k-1]`` channels; a 1x1 conv-BN-ReLU to ``4 features[k]``;
      then the stage's two 3x3 conv-BN-ReLU to ``features[k]``. Dropout after the last stage.
    - :class:`CLFASPP` on the last stage with stages ``0 .. L-2``; output ``4 aspp_channels``.
    - Decoder level ``k = L-2 .. 0`` (context inference, section 2.3): x2 nearest up-sampling and
      a 2x2 conv-BN-ReLU to ``features[k]``; the skip (stage ``k``) through a 1x1 conv-BN-ReLU
      to ``features[k]``; a 3x3 :class:`ConvLSTM2d` with ``features[k]`` filters over
      ``[up, skip]``; two 3x3 conv-BN-ReLU.
    - Head: 1x1 conv to ``out_channels`` logits (the original's sigmoid is left to the loss).

    Convs keep their bias before BN, as the Keras original. He-normal weights (fan-in).

    Args:
        in_channels: input channels (1: paper 003's 2D baselines see the target slice alone).
        out_channels: logit channels.
        features: stage widths, default (32, 64, 128, 256, 512); H and W must be divisible by
            ``2 ** (len(features) - 1)``.
        aspp_rates: dilation rates of the CLF-ASPP, default (2, 4, 6).
        aspp_channels: width of each CLF-ASPP branch; default ``features[-1] // 2`` (256 at
            paper scale).
        dropout: dropout after the last stage and after the CLF-ASPP, default 0.5.
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        features: Sequence[int] = CLCINET_FEATURES,
        aspp_rates: Sequence[int] = CLCINET_ASPP_RATES,
        aspp_channels: int | None = None,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        features = tuple(int(f) for f in features)
        if len(features) < 2 or min(features) < 1:
            raise ValueError(f"clcinet: features must be at least two positive widths, got {features}")
        aspp_channels = max(features[-1] // 2, 1) if aspp_channels is None else int(aspp_channels)
        if aspp_channels < 1:
            raise ValueError(f"clcinet: aspp_channels must be positive, got {aspp_channels}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"clcinet: dropout must be in [0, 1), got {dropout}")
        self.features, self.aspp_channels = features, aspp_channels
        depth = len(features)
        self.total_stride = 2 ** (depth - 1)

        self.stages = nn.ModuleList([_double_conv(in_channels, features[0])])
        self.cross_level = nn.ModuleList()
        self.fusions = nn.ModuleList()
        for k in range(1, depth):
            width = features[k - 1]
            self.cross_level.append(
                nn.ModuleList(ConvBNReLU(features[i], width, 3, stride=2 ** (k - i)) for i in range(k))
            )
            self.fusions.append(ConvBNReLU((k + 1) * width, 4 * features[k], 1))
            self.stages.append(_double_conv(4 * features[k], features[k]))
        self.dropout = nn.Dropout(dropout)
        self.aspp = CLFASPP(features[-1], features[:-1], [2 ** (depth - 1 - i) for i in range(depth - 1)],
                            tuple(aspp_rates), aspp_channels, dropout)

        self.ups = nn.ModuleList()
        self.skips = nn.ModuleList()
        self.contexts = nn.ModuleList()
        self.decoders = nn.ModuleList()
        previous = 4 * aspp_channels
        for width in features[-2::-1]:
            self.ups.append(ConvBNReLU(previous, width, 2))
            self.skips.append(ConvBNReLU(width, width, 1))
            self.contexts.append(ConvLSTM2d(width, width, 3))
            self.decoders.append(_double_conv(width, width))
            previous = width
        self.head = nn.Conv2d(features[0], out_channels, 1)
        he_init_(self)
        for context in self.contexts:
            context.cell.reset_parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Segment a batch of slices.

        Args:
            x: ``(B, in_channels, H, W)``, H and W divisible by ``total_stride`` (16).

        Returns:
            Logits ``(B, out_channels, H, W)``.

        Raises:
            ValueError: H or W not divisible by ``total_stride``.
        """
        check_divisible_size(x, self.total_stride, "clcinet")
        outputs = [self.stages[0](x)]
        for downs, fusion, stage in zip(self.cross_level, self.fusions, self.stages[1:]):
            parts = [down(s) for down, s in zip(downs, outputs)] + [F.max_pool2d(outputs[-1], 2)]
            outputs.append(stage(fusion(torch.cat(parts, dim=1))))
        bottom = self.dropout(outputs.pop())
        x = self.aspp(bottom, outputs)
        for up, skip, context, decoder, encoded in zip(
            self.ups, self.skips, self.contexts, self.decoders, reversed(outputs)
        ):
            upsampled = up(F.interpolate(x, scale_factor=2, mode="nearest"))
            x = decoder(context([upsampled, skip(encoded)]))
        return self.head(x)

"""U-Net++ of Zhou, Rahman Siddiquee, Tajbakhsh and Liang, DLMIA 2018 (baseline of papers 000 and 003).

Paper 000 (sections 2.2-2.3, Table 1) and paper 003 (sections 3.6.2 and 4.5.2, Tables 3.2, 4.2
and 4.3) compare against U-Net++ (refs. [13] and [44] there); the architecture follows Zhou et
al. section 2.

Written here rather than wrapping ``monai.networks.nets.BasicUNetPlusPlus``, whose nesting is
Zhou's but which does not fit this package's conventions or Zhou's layer list: it has a fixed
depth of five levels and a six-width ``features`` tuple whose default is not Zhou's, its
level-0 up-convolutions keep ``features[1]`` channels instead of Zhou's ``features[0]``, its
conv unit is MONAI's conv-norm-dropout-activation (bias kept before the norm; activations by
MONAI names, not this package's registry), it always returns a list, and it pads the upsampled
map with replicated values when a size is odd instead of padding the input once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

from lesionbench.networks.blocks import (
    ConvStack,
    LayerSpec,
    conv_transpose_type,
    conv_type,
    crop_spatial,
    max_pool_type,
    pad_to_multiple,
)
from lesionbench.networks.factory import register_network

#: Zhou et al.'s widths (section 3, "Implementation details"): 32, 64, 128, 256, 512 kernels.
STANDARD_FEATURES: tuple[int, ...] = (32, 64, 128, 256, 512)


class UNetPlusPlusOutput(NamedTuple):
    """Result of :class:`UNetPlusPlus` with ``deep_supervision=True``.

    Attributes:
        seg: logits of the head on ``X^{0,L-1}`` (``X^{0,4}`` at the standard depth),
            ``(B, out_channels, H, W)``; what the network returns without deep supervision.
        side_outputs: logits of the heads on ``X^{0,1}, ..., X^{0,L-2}``, shallowest first, each
            ``(B, out_channels, H, W)``. Zhou et al.'s deep-supervision loss is the mean of the
            loss over ``(*side_outputs, seg)``; their "accurate mode" averages the four heads'
            probabilities, their "fast mode" keeps one head.
    """

    seg: torch.Tensor
    side_outputs: tuple[torch.Tensor, ...]


@register_network("unetpp", spatial_dims=(2, 3))
class UNetPlusPlus(nn.Module):
    """U-Net++: a U-Net whose skip pathways are nested, densely connected decoders.

    Nodes ``X^{i,j}`` (level ``i`` = resolution 1/2^i, column ``j``) follow Zhou et al.'s eq. 1::

        X^{i,0} = H(D(X^{i-1,0}))                                  (encoder; X^{0,0} = H(input))
        X^{i,j} = H([X^{i,0}, ..., X^{i,j-1}, U(X^{i+1,j-1})])      j >= 1, i + j <= L - 1

    with ``H`` two 3x3 convs + activation (Zhou's "standard unit"), ``D`` 2x2 max pooling,
    ``U`` a 2x2 stride-2 transposed conv to the width of level ``i`` (one per node, as in the
    authors' released model) and ``[...]`` channel concatenation; ``H`` of node ``(i, j)``
    therefore reads ``(j + 1) * features[i]`` channels. The output is a 1x1 conv on ``X^{0,L-1}``;
    with ``deep_supervision`` every ``X^{0,j}``, ``j >= 1``, gets its own 1x1 head (section 2,
    "Deep supervision") and :class:`UNetPlusPlusOutput` is returned.

    Deviations from Zhou et al., stated so results can be read against theirs:

    - Heads return logits (the sigmoid of the paper belongs to the loss here).
    - 'same' padding; inputs whose size is not a multiple of ``2 ** (L - 1)`` are zero-padded at
      their end to the next multiple and the logits cropped back (as :class:`UNet` does).
    - ``dropout`` defaults to 0; the authors' released Keras model puts dropout 0.5 after every
      3x3 conv (the paper does not mention it): pass ``dropout=0.5`` to reproduce it.
    - ``norm`` optionally adds a normalisation after each 3x3 conv (none in the paper).

    Weights: He-normal convs (the released model's ``he_normal``), zero biases.

    Args:
        spatial_dims: 2 for slices ``(B, C, H, W)``, 3 for volumes ``(B, C, D, H, W)``.
        in_channels: input channels (1 for a windowed CT slice; 4 for a 2.5D stack).
        out_channels: logit channels (1 in Zhou et al.: sigmoid; 2 for softmax).
        features: widths of the ``L`` levels, full resolution first; default Zhou's
            (32, 64, 128, 256, 512); e.g. (4, 8, 16, 32, 64) for CPU demos.
        activation: activation spec (``"relu"`` in Zhou et al.; ``"mish"`` etc.).
        norm: normalisation spec after each 3x3 conv, ``None`` (Zhou et al.) or ``"batch"``, ...
        dropout: dropout probability after each 3x3 conv + activation; default 0.
        deep_supervision: add heads on ``X^{0,1..L-2}`` and return :class:`UNetPlusPlusOutput`.
    """

    def __init__(
        self,
        spatial_dims: int = 2,
        in_channels: int = 1,
        out_channels: int = 1,
        features: Sequence[int] = STANDARD_FEATURES,
        activation: LayerSpec = "relu",
        norm: LayerSpec = None,
        dropout: float = 0.0,
        deep_supervision: bool = False,
    ) -> None:
        super().__init__()
        features = tuple(int(f) for f in features)
        if len(features) < 2 or min(features) < 1:
            raise ValueError(f"unetpp: features needs at least 2 positive widths, got {features}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"unetpp: dropout must be in [0, 1), got {dropout}")
        self.spatial_dims = spatial_dims
        self.depth = len(features)
        self.total_stride = 2 ** (self.depth - 1)
        self.deep_supervision = bool(deep_supervision)

        def unit(cin: int, cout: int) -> nn.Sequential:
            stack = ConvStack(spatial_dims, cin, cout, num_convs=2, norm=norm, activation=activation)
            if dropout == 0:
                return stack
            # Zhou's released unit: conv, activation, dropout, conv, activation, dropout
            return nn.Sequential(*(nn.Sequential(layer, nn.Dropout(dropout)) for layer in stack))

        self.pool = max_pool_type(spatial_dims)(kernel_size=2, stride=2)
        self.nodes = nn.ModuleDict()
        self.ups = nn.ModuleDict()
        for i, width in enumerate(features):
            self.nodes[self._key(i, 0)] = unit(in_channels if i == 0 else features[i - 1], width)
        for j in range(1, self.depth):
            for i in range(self.depth - j):
                self.ups[self._key(i, j)] = conv_transpose_type(spatial_dims)(
                    features[i + 1], features[i], kernel_size=2, stride=2
                )
                self.nodes[self._key(i, j)] = unit((j + 1) * features[i], features[i])
        head_columns = range(1, self.depth) if self.deep_supervision else [self.depth - 1]
        self.heads = nn.ModuleDict(
            {str(j): conv_type(spatial_dims)(features[0], out_channels, kernel_size=1) for j in head_columns}
        )
        self._init_weights()

    @staticmethod
    def _key(i: int, j: int) -> str:
        return f"x_{i}_{j}"

    def _init_weights(self) -> None:
        kinds = (conv_type(self.spatial_dims), conv_transpose_type(self.spatial_dims))
        for module in self.modules():
            if isinstance(module, kinds):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor | UNetPlusPlusOutput:
        """Segment a batch.

        Args:
            x: ``(B, in_channels, H, W)`` (or ``(B, in_channels, D, H, W)``); any size.

        Returns:
            Logits ``(B, out_channels, H, W)`` (the input's size); with ``deep_supervision`` a
            :class:`UNetPlusPlusOutput` of such tensors.
        """
        x, size = pad_to_multiple(x, self.total_stride)
        grid: dict[tuple[int, int], torch.Tensor] = {}
        for level in range(self.depth):  # one encoder step, then the diagonal it completes
            below = x if level == 0 else self.pool(grid[level - 1, 0])
            grid[level, 0] = self.nodes[self._key(level, 0)](below)
            for j in range(1, level + 1):
                i = level - j
                up = self.ups[self._key(i, j)](grid[i + 1, j - 1])
                same_level = [grid[i, k] for k in range(j)]
                grid[i, j] = self.nodes[self._key(i, j)](torch.cat([*same_level, up], dim=1))
        logits = {int(j): crop_spatial(head(grid[0, int(j)]), size) for j, head in self.heads.items()}
        seg = logits[self.depth - 1]
        if not self.deep_supervision:
            return seg
        return UNetPlusPlusOutput(seg, tuple(logits[j] for j in range(1, self.depth - 1)))

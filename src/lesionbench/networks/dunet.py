"""D-UNet of Zhou et al. 2021, the 2.5D backbone of paper 003 (thesis section 2.2, Fig. 2.2).

The thesis describes D-UNet only qualitatively: a U-Net whose encoder has 2D and 3D convolutions,
4 consecutive slices as input, a fusion block bringing 3D information into the 2D path, no 3D in
the decoder. The structure here is D-UNet's (written from its published description, no code
copied), with the one change that the thesis's parameter count proves (docs/paper003.md, B-7)::

    stage    2D path, (B, 4, H, W)                         3D path, (B, 1, 4, H, W)
    1        BN_block(32) (no fusion)                      BN_block3d(32) @ D4 -> maxpool3d 2
    2        pool; BN_block(64); fusion with 3D stage 2    BN_block3d(64) @ D2 -> maxpool3d 2
    3        pool; BN_block(128); fusion with 3D stage 3   BN_block3d(128) @ D1
    4, 5     pool; BN_block(256), (512); Dropout 0.3
    up 1-4   x2 bilinear + conv3x3 C -> C/2 + ReLU; concat the skip; BN_block(C/2)
    head     conv1x1 32 -> out_channels (logits)

Deviations from D-UNet's released network: the up-convs are 3x3 (the released ones are 2x2: the
thesis's Table 4.3 count 9,503,779 is met exactly only with 3x3; 2x2 would give 8,633,379) and the
interpolation is bilinear ("linear interpolation", thesis sections 1.2.2 and 3.4; D-UNet's code
uses nearest, ``upsample="nearest"``). Inputs: ``H`` and ``W`` multiples of ``2 ** 4 = 16`` (no
padding: the 3D path and the fusion need aligned grids), and with CPA (AGMR-Net, TSRL-Net)
multiples of ``6 * 16 = 96`` so that every stage splits into 6 x 6 equal patches (e.g. 96, 192);
anything else is a ``ValueError`` naming the size.

:class:`TwoPathUNet` is the configurable network AGMR-Net and TSRL-Net build on
(:mod:`~lesionbench.networks.agmr_net`, :mod:`~lesionbench.networks.tsrl_net`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lesionbench.networks.blocks import he_init_
from lesionbench.networks.factory import register_network
from lesionbench.networks.stroke_blocks import (
    CPA_GRID,
    MultiScaleConv,
    MultiScaleDeconv,
    PatchAttention,
    PixelAttention,
    UpConv,
    bn_block,
    make_fusion,
)

#: D-UNet's 2D widths, full resolution to the bottleneck.
DUNET_FEATURES: tuple[int, ...] = (32, 64, 128, 256, 512)
#: D-UNet's 3D widths (the 3D path has 3 stages, fused into 2D stages 2 and 3).
DUNET_FEATURES_3D: tuple[int, ...] = (32, 64, 128)
#: Spatial attentions at the 2D encoder stages (``None``: none).
ATTENTIONS: tuple[str, ...] = ("cpa", "fa")
#: Where a multi-kernel module may sit (thesis Table 3.8; ``None``: nowhere).
MDU_POSITIONS: tuple[str, ...] = ("decoder", "encoder", "skip")
#: Up-sampling channel plans of the decoder: ``half`` (D-UNet, ``C -> C/2``), ``same`` (``C -> C``).
UP_WIDTHS: tuple[str, ...] = ("half", "same")


class TwoPathUNet(nn.Module):
    """The D-UNet family: D-UNet plus optional CPA/FA, fusion variants and MDU.

    Args:
        in_channels: slices of the 2.5D stack (4: offsets -2, -1, 0, +1); also the 3D path's depth,
            so a multiple of ``2 ** (len(features_3d) - 1)``.
        out_channels: logit channels (1: sigmoid).
        features: 2D widths, full resolution to the bottleneck.
        features_3d: 3D widths; 3D stage ``i >= 1`` is fused into 2D stage ``i``.
        dropout: dropout after the last two 2D encoder stages (and in the MDU branches).
        se_ratio: SE reduction of the ``se_add`` fusion.
        upsample: ``bilinear`` or ``nearest`` (decoders without MDU).
        attention: ``"cpa"``, ``"fa"`` or ``None``, at every 2D encoder stage.
        fusion: one of :data:`~lesionbench.networks.stroke_blocks.FUSIONS`.
        reduction: CFF's reduction rate ``R``.
        cff_hidden: ``shared`` or ``separate`` (docs/paper003.md, B-13).
        kernels: MDU kernel sizes, or one int for Table 3.7's single sizes.
        mdu_position: ``decoder``, ``encoder``, ``skip`` or ``None`` (no MDU).
        up_width: decoder up-sampling widths for non-MDU decoders, ``half`` or ``same``.

    Shapes: :meth:`features_and_maps` ``(B, in_channels, H, W) -> (logits (B, out, H, W), maps)``.
    """

    def __init__(
        self,
        in_channels: int = 4,
        out_channels: int = 1,
        features: Sequence[int] = DUNET_FEATURES,
        features_3d: Sequence[int] = DUNET_FEATURES_3D,
        dropout: float = 0.3,
        se_ratio: int = 16,
        upsample: str = "bilinear",
        attention: str | None = None,
        fusion: str = "se_add",
        reduction: int = 8,
        cff_hidden: str = "shared",
        kernels: int | Sequence[int] = (3, 5, 7, 9),
        mdu_position: str | None = None,
        up_width: str = "half",
    ) -> None:
        super().__init__()
        features, features_3d = tuple(int(f) for f in features), tuple(int(f) for f in features_3d)
        if len(features) < 2 or min(features) < 1:
            raise ValueError(f"features must be at least 2 positive widths, got {features}")
        if not 1 <= len(features_3d) <= len(features) - 1 or min(features_3d) < 1:
            raise ValueError(f"features_3d must be 1 to {len(features) - 1} positive widths, got {features_3d}")
        if in_channels < 1 or in_channels % 2 ** (len(features_3d) - 1):
            raise ValueError(f"in_channels (the 3D depth) must be a multiple of {2 ** (len(features_3d) - 1)} "
                             f"for {len(features_3d)} 3D stages, got {in_channels}")
        if attention is not None and attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {list(ATTENTIONS)} or None, got {attention!r}")
        if mdu_position is not None and mdu_position not in MDU_POSITIONS:
            raise ValueError(f"mdu_position must be one of {list(MDU_POSITIONS)} or None, got {mdu_position!r}")
        if up_width not in UP_WIDTHS:
            raise ValueError(f"up_width must be one of {list(UP_WIDTHS)}, got {up_width!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.features, self.features_3d = features, features_3d
        self.attention_kind, self.mdu_position = attention, mdu_position
        n = len(features)
        self.encoders = nn.ModuleList(bn_block(2, a, b) for a, b in zip((in_channels, *features), features))
        self.encoders_3d = nn.ModuleList(bn_block(3, a, b) for a, b in zip((1, *features_3d), features_3d))
        self.pool, self.pool_3d = nn.MaxPool2d(2), nn.MaxPool3d(2)
        attn = {"cpa": PatchAttention, "fa": PixelAttention}.get(attention or "")
        self.attentions = nn.ModuleList(attn() if attn else nn.Identity() for _ in features)
        self.fusions = nn.ModuleDict({
            str(i): make_fusion(fusion, features[i], features_3d[i], in_channels // 2 ** i, se_ratio=se_ratio,
                                reduction=reduction, cff_hidden=cff_hidden)
            for i in range(1, len(features_3d))
        })
        self.dropouts = nn.ModuleList(nn.Dropout(dropout) if i >= n - 2 else nn.Identity() for i in range(n))
        stage_mdu = mdu_position in ("encoder", "skip")
        self.stage_mdus = nn.ModuleList(
            MultiScaleConv(c, kernels, dropout) if stage_mdu else nn.Identity() for c in features[:-1]
        )
        ups, decoders, up_channels = [], [], []
        for c_in, c_skip in zip(features[:0:-1], features[-2::-1]):
            if mdu_position == "decoder":
                up, c_up = MultiScaleDeconv(c_in, c_in, kernels, dropout), c_in
            else:
                c_up = c_in if up_width == "same" else c_skip
                up = UpConv(c_in, c_up, upsample)
            ups.append(up)
            up_channels.append(c_up)
            decoders.append(bn_block(2, c_up + c_skip, c_skip))
        self.ups, self.decoders = nn.ModuleList(ups), nn.ModuleList(decoders)
        #: Channels of each decoder level's up-sampled feature ``U_n``, coarse to fine.
        self.up_channels: tuple[int, ...] = tuple(up_channels)
        self.head = nn.Conv2d(features[0], out_channels, kernel_size=1)
        he_init_(self, transposed=True)

    @property
    def multiple(self) -> int:
        """What ``H`` and ``W`` must be multiples of: the total stride, times 6 with CPA."""
        stride = 2 ** (len(self.features) - 1)
        return stride * CPA_GRID if self.attention_kind == "cpa" else stride

    def check_input(self, x: torch.Tensor) -> None:
        """Raise a ``ValueError`` naming the problem for an input this network cannot take."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"{type(self).__name__} expects (B, {self.in_channels}, H, W) (the 2.5D stack), "
                             f"got {tuple(x.shape)}")
        m = self.multiple
        if x.shape[2] % m or x.shape[3] % m:
            why = " (CPA's 6 x 6 patches at every stage)" if self.attention_kind == "cpa" else ""
            raise ValueError(f"{type(self).__name__}: input size {tuple(x.shape[2:])} must be a multiple of {m}{why}")

    def encode(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Both encoder paths: the 2D stage outputs (the skips, then the bottleneck) and CPA logits.

        Shapes: ``(B, in_channels, H, W)`` -> ``[(B, features[i], H / 2^i, W / 2^i)]``,
        ``[(B, 1, 6, 6)]`` (one per stage with CPA, shallow to deep; empty otherwise).
        """
        self.check_input(x)
        fm_3d, h3 = [], x.unsqueeze(1)
        for i, block in enumerate(self.encoders_3d):
            h3 = block(self.pool_3d(h3) if i else h3)
            fm_3d.append(h3)
        stages, maps, h = [], [], x
        for i, block in enumerate(self.encoders):
            h = block(self.pool(h) if i else h)
            h = self.attentions[i](h)
            if isinstance(h, tuple):
                h, logits = h
                if logits is not None:
                    maps.append(logits)
            if str(i) in self.fusions:
                h = self.fusions[str(i)](h, fm_3d[i])
            h = self.dropouts[i](h)
            if self.mdu_position == "encoder" and i < len(self.stage_mdus):
                h = self.stage_mdus[i](h)
            stages.append(h)
        return stages, maps

    def skip(self, stages: Sequence[torch.Tensor], level: int) -> torch.Tensor:
        """The skip feature of decoder ``level`` (0 = coarsest), through the skip MDU if any."""
        i = len(self.features) - 2 - level
        return self.stage_mdus[i](stages[i]) if self.mdu_position == "skip" else stages[i]

    def decode(self, stages: Sequence[torch.Tensor], maps: Sequence[torch.Tensor]) -> torch.Tensor:
        """Decoder and head: the segmentation logits ``(B, out_channels, H, W)``."""
        h = stages[-1]
        for level, (up, block) in enumerate(zip(self.ups, self.decoders)):
            h = block(torch.cat([self.skip(stages, level), up(h)], dim=1))
        return self.head(h)

    def features_and_maps(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``(segmentation logits, CPA logits)`` of one batch."""
        stages, maps = self.encode(x)
        return self.decode(stages, maps), maps


@register_network("dunet", spatial_dims=(2,), outputs=("seg",))
class DUNet(TwoPathUNet):
    """D-UNet (Zhou et al. 2021), paper 003's backbone and a Table 3.2/4.2 baseline.

    At the default (paper) settings it has exactly 9,503,779 parameters (thesis Table 4.3).

    Args:
        in_channels: slices of the 2.5D stack (4), also the 3D path's depth.
        out_channels: logit channels (1: sigmoid).
        features: 2D widths (32, 64, 128, 256, 512).
        features_3d: 3D widths (32, 64, 128).
        dropout: after 2D stages 4 and 5 (0.3).
        se_ratio: SE reduction of the fusion (16).
        upsample: ``bilinear`` (thesis) or ``nearest`` (D-UNet's code).
        fusion: D-UNet's ``se_add`` (default) or another of Table 3.5's fusions (``add``,
            ``concat``, ``cff``, ``cff_concat``; CFF with ``reduction`` and ``cff_hidden``):
            ``fusion="cff"`` is Table 3.1's "+CFF" row and Table 3.6's "+CFF(R)".
        reduction: CFF's ``R`` (8; 32 for Table 3.6's control).
        cff_hidden: ``shared`` (default) or ``separate`` (docs/paper003.md, B-13).

    Shapes: ``(B, in_channels, H, W) -> (B, out_channels, H, W)`` logits; ``H``, ``W`` multiples of 16.
    """

    def __init__(
        self,
        in_channels: int = 4,
        out_channels: int = 1,
        features: Sequence[int] = DUNET_FEATURES,
        features_3d: Sequence[int] = DUNET_FEATURES_3D,
        dropout: float = 0.3,
        se_ratio: int = 16,
        upsample: str = "bilinear",
        fusion: str = "se_add",
        reduction: int = 8,
        cff_hidden: str = "shared",
    ) -> None:
        super().__init__(in_channels, out_channels, features, features_3d, dropout, se_ratio, upsample,
                         attention=None, fusion=fusion, reduction=reduction, cff_hidden=cff_hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features_and_maps(x)[0]

"""TSRL-Net: target-aware supervision residual learning network (paper 003, thesis chapter 4, Fig. 4.1).

The backbone is AGMR-Net without MDU (section 4.5.1): D-UNet + CPA at the 5 2D encoder stages +
CFF at the two fusion points (:class:`~lesionbench.networks.agmr_net.AGMRNet`). At each of the 4
decoder levels ``n`` (coarse to fine) the up-sampled decoder feature ``U_n`` predicts a side
output ``P_n = conv1x1(U_n)`` (logits) and the skip ``C_n`` (the 2D encoder feature of that
resolution, after CPA/CFF) passes the coarse-grained residual learning module (CRL, section 4.2,
Fig. 4.2) before the concatenation:

- RA unit (eq. 4.1): ``RF_n = C_n^2 * (1 - sigmoid(P_n))``, ``C_n^2 = C_n * C_n`` element-wise;
- PA unit (eq. 4.2): ``CAF_n = C_n * CPA_5``, ``CPA_5`` the deepest CPA stage's map ``A``
  (``sigmoid`` of its 6 x 6 logits) replicated to ``C_n``'s resolution;
- eq. 4.3: ``O_n = CAF_n + RF_n``; the decoder block is ``BN_block(concat(O_n, U_n))``.

Inferred (docs/paper003.md, B-17, B-27): side outputs from ``U_n`` through a 1x1 conv, at the
level's resolution (the loss resizes them); ``ra_only`` (Table 4.7 "+Reverse Attention") is
``O_n = RF_n``; the up-sampling is D-UNet's (x2 bilinear + conv3x3 + ReLU) with AGMR-Net's
channel plan ``C_in -> C_in`` (``up_width="same"``), which the parameter count suggests. With
``crl=False`` the network is Table 4.1's "Baseline", i.e. exactly ``AGMRNet(mdu=False)``
(``up_width`` then defaults to D-UNet's ``half`` and there are no side outputs). For
``out_channels > 1``, ``P_n`` is one minus the softmax background probability.

Parameter count at the paper's settings: 11,877,413 against the published 12,854,496 (Table 4.3);
the thesis does not describe the rest (docs/paper003.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lesionbench.networks.dunet import DUNET_FEATURES, DUNET_FEATURES_3D, TwoPathUNet
from lesionbench.networks.factory import register_network
from lesionbench.networks.outputs import AttentionOutput
from lesionbench.networks.stroke_blocks import replicate_patches


def foreground_probability(logits: torch.Tensor) -> torch.Tensor:
    """``P (B, 1, h, w)``: ``sigmoid`` of one logit channel, else ``1 - softmax`` background."""
    if logits.shape[1] == 1:
        return torch.sigmoid(logits)
    return 1 - torch.softmax(logits, dim=1)[:, :1]


def reverse_attention(skip: torch.Tensor, side_logits: torch.Tensor) -> torch.Tensor:
    """The RA unit, thesis eq. 4.1: ``RF = C^2 * (1 - P)``. Shapes: ``(B, C, h, w), (B, K, h, w) -> (B, C, h, w)``."""
    return skip * skip * (1 - foreground_probability(side_logits))


def patch_attention_residual(skip: torch.Tensor, deepest_logits: torch.Tensor) -> torch.Tensor:
    """The PA unit, thesis eq. 4.2: ``CAF = C * CPA_5``, the 6 x 6 map replicated to ``C``'s grid."""
    return skip * replicate_patches(torch.sigmoid(deepest_logits), skip.shape[2:])


@register_network("tsrl_net", spatial_dims=(2,), outputs=("seg",))
class TSRLNet(TwoPathUNet):
    """TSRL-Net (thesis chapter 4) with the Table 4.1 / 4.7 flags.

    Args:
        in_channels: slices of the 2.5D stack (4; offsets -2, -1, 0, +1).
        out_channels: logit channels (1: sigmoid).
        features, features_3d, dropout, se_ratio, upsample: the D-UNet backbone's.
        reduction, cff_hidden: CFF's (``R = 8``, ``shared``; see :class:`~lesionbench.networks.agmr_net.AGMRNet`).
        crl: coarse-grained residual learning on the 4 skips (off: Table 4.1's Baseline).
        ra_only: CRL without the PA unit, ``O_n = RF_n`` (Table 4.7 "+Reverse Attention").
        side_outputs: predict the 4 side outputs; default (``None``) = ``crl`` (CRL needs them).
        up_width: ``same`` (``C_in -> C_in``) or ``half`` (D-UNet); default ``same`` with CRL,
            ``half`` without (the Baseline's).

    Returns: :class:`~lesionbench.networks.outputs.AttentionOutput` ``(seg (B, out, H, W),
    side_outputs=4 x (B, out, H / 2^(4-n), W / 2^(4-n)) coarse to fine, attention_maps=5 x (B, 1, 6, 6))``,
    all logits. ``H``, ``W``: multiples of 96 (CPA).
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
        reduction: int = 8,
        cff_hidden: str = "shared",
        crl: bool = True,
        ra_only: bool = False,
        side_outputs: bool | None = None,
        up_width: str | None = None,
    ) -> None:
        side_outputs = crl if side_outputs is None else bool(side_outputs)
        if ra_only and not crl:
            raise ValueError("ra_only=True needs crl=True (the reverse attention is part of CRL)")
        if crl and not side_outputs:
            raise ValueError("crl=True needs side_outputs (the reverse attention reads the side predictions)")
        super().__init__(
            in_channels, out_channels, features, features_3d, dropout, se_ratio, upsample,
            attention="cpa", fusion="cff", reduction=reduction, cff_hidden=cff_hidden,
            mdu_position=None, up_width=up_width or ("same" if crl else "half"),
        )
        self.crl, self.ra_only = crl, ra_only
        self.side_heads = nn.ModuleList(
            nn.Conv2d(c, out_channels, kernel_size=1) for c in self.up_channels
        ) if side_outputs else None
        self._sides: list[torch.Tensor] = []
        if self.side_heads is not None:
            for head in self.side_heads:
                nn.init.kaiming_normal_(head.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(head.bias)

    def decode(self, stages: Sequence[torch.Tensor], maps: Sequence[torch.Tensor]) -> torch.Tensor:
        self._sides = []
        h = stages[-1]
        for level, (up, block) in enumerate(zip(self.ups, self.decoders)):
            u, skip = up(h), self.skip(stages, level)
            if self.side_heads is not None:
                side = self.side_heads[level](u)
                self._sides.append(side)
                if self.crl:
                    out = reverse_attention(skip, side)
                    skip = out if self.ra_only else out + patch_attention_residual(skip, maps[-1])
            h = block(torch.cat([skip, u], dim=1))
        return self.head(h)

    def forward(self, x: torch.Tensor) -> AttentionOutput:
        seg, maps = self.features_and_maps(x)
        return AttentionOutput(seg=seg, side_outputs=tuple(self._sides), attention_maps=tuple(maps))

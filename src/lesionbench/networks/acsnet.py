"""ACSNet of Zhang, Li, Li, Cui, Qian and Yu, MICCAI 2020 (paper 003's baseline [47]).

"Adaptive Context Selection for Polyp Segmentation": a U-shaped network on a ResNet-34 encoder
whose decoder combines, at every stage, three contexts (section 2 and Fig. 1 of Zhang et al.):

- local context: the encoder features of the stage, re-weighted by the local context
  attention (LCA, section 2.1) computed from the previous decoder stage's prediction map,
  ``A = 1 - |P - T| / max(T, 1 - T)`` with ``T = 0.5``, output ``F * A + F``, which
  emphasises the uncertain (hard) pixels near the current boundary estimate;
- global context from the global context module (GCM, section 2.2) on the top encoder
  features: global average pooling, adaptive average pooling to 3x3 and 5x5, and a non-local
  branch, upsampled and concatenated, then delivered to every decoder stage;
- the decoder features of the previous stage, enhanced by a non-local operation;

and the adaptive selection module (ASM, section 2.3) concatenates the three and re-weights
the channels with a squeeze-and-excitation block before the decoder block. Every decoder stage
predicts a map supervised by the ground truth (deep supervision, section 2.4).

Paper 003 lists ACSNet among the attention networks it compares with (section 3.6.2, Tables
3.2 and 4.2; section 4.5.3 retrains it with the target-aware loss).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.networks.blocks import ConvNormAct, crop_spatial, pad_to_multiple
from lesionbench.networks.factory import register_network
from lesionbench.networks.resnet import STANDARD_WIDTHS, build_resnet

#: Pooled sizes of the GCM's pooling branches (Zhang et al. section 2.2: global, 3x3, 5x5).
GCM_BINS: tuple[int, ...] = (1, 3, 5)
#: The LCA threshold ``T`` (Zhang et al. eq. 1).
LCA_THRESHOLD = 0.5


class ACSNetOutput(NamedTuple):
    """What :class:`ACSNet` returns with ``deep_supervision=True``.

    ``seg``: the final logits ``(B, out_channels, H, W)``; ``side_outputs``: the predictions of
    decoder stages 5, 4, 3, 2 (coarse to fine), bilinearly upsampled to ``(B, out_channels, H, W)``.
    """

    seg: torch.Tensor
    side_outputs: tuple[torch.Tensor, ...]


def local_context_attention(features: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """Zhang et al.'s LCA (section 2.1, eq. 1): ``F * A + F`` with ``A = 1 - |P - T| / max(T, 1 - T)``.

    Args:
        features: encoder features ``(B, C, h, w)``.
        logits: the previous decoder stage's prediction ``(B, K, h', w')``; ``P`` is its
            sigmoid (K = 1) or one minus the softmax background probability (K >= 2), resized
            bilinearly to ``(h, w)`` if needed.

    Returns:
        ``(B, C, h, w)``; ``A`` is 1 where ``P = 0.5`` and 0 where ``P`` is 0 or 1.
    """
    if logits.shape[2:] != features.shape[2:]:
        logits = F.interpolate(logits, size=features.shape[2:], mode="bilinear", align_corners=False)
    prob = torch.sigmoid(logits) if logits.shape[1] == 1 else 1 - torch.softmax(logits, dim=1)[:, :1]
    attention = 1 - (prob - LCA_THRESHOLD).abs() / max(LCA_THRESHOLD, 1 - LCA_THRESHOLD)
    return features * attention + features


class NonLocal(nn.Module):
    """Embedded-Gaussian non-local block of Wang et al., CVPR 2018 (sections 3.2-3.3).

    ``z = W(softmax(theta(x)^T phi(x)) g(x)) + x`` with 1x1 convs to ``C / 2`` channels,
    ``phi`` and ``g`` max-pooled 2x2 ("subsampling", section 3.3), and ``W`` a 1x1 conv + BN whose
    scale starts at 0, so the block starts as the identity (section 4.1).

    Shapes: ``(B, C, h, w) -> (B, C, h, w)``. The affinities are not scaled (embedded Gaussian,
    Wang et al. eq. 3), and are computed by :func:`torch.nn.functional.scaled_dot_product_attention`
    with ``scale=1``, which does not hold the ``hw x hw / 4`` affinity matrix in memory (4 GiB
    for one 512 x 512 slice at ACSNet's finest decoder stage). The time still grows with
    ``(hw)^2``: ACSNet is meant for paper 003's 192 x 192 inputs.
    """

    def __init__(self, channels: int, sub_sample: bool = True) -> None:
        super().__init__()
        inner = max(1, channels // 2)
        self.theta = nn.Conv2d(channels, inner, 1)
        self.phi = nn.Conv2d(channels, inner, 1)
        self.g = nn.Conv2d(channels, inner, 1)
        self.pool = nn.MaxPool2d(2, ceil_mode=True) if sub_sample else nn.Identity()
        self.out = nn.Sequential(nn.Conv2d(inner, channels, 1, bias=False), nn.BatchNorm2d(channels))
        nn.init.zeros_(self.out[1].weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        query = self.theta(x).flatten(2).transpose(1, 2)[:, None]  # (B, 1, hw, c)
        key = self.pool(self.phi(x)).flatten(2).transpose(1, 2)[:, None]  # (B, 1, n, c)
        value = self.pool(self.g(x)).flatten(2).transpose(1, 2)[:, None]  # (B, 1, n, c)
        y = F.scaled_dot_product_attention(query, key, value, scale=1.0)[:, 0]  # softmax(q k^T) v: (B, hw, c)
        return self.out(y.transpose(1, 2).reshape(b, -1, h, w)) + x


class SqueezeExcitation(nn.Module):
    """Hu et al.'s squeeze-and-excitation (CVPR 2018): channel weights from pooled statistics.

    Global average pooling, FC ``C -> C / reduction``, ReLU, FC back to ``C``, sigmoid, and the
    input scaled channel-wise. Shapes: ``(B, C, h, w) -> (B, C, h, w)``.
    """

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.fc = nn.Sequential(
            nn.Linear(channels, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, channels), nn.Sigmoid()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.fc(x.mean(dim=(2, 3)))[:, :, None, None]


class GlobalContext(nn.Module):
    """Zhang et al.'s GCM (section 2.2): pooling and non-local branches on the top features.

    Each branch (adaptive average pooling to each of ``bins``, and a non-local block) is a 1x1
    conv to ``channels`` + ReLU; pooled maps are upsampled to the input size and all are
    concatenated. For each decoder stage a 3x3 conv-BN-ReLU maps the concatenation to that
    stage's width, and it is upsampled bilinearly to the stage's size.

    Args:
        in_channels: features of the top encoder stage (512 for ResNet-34).
        stage_channels: output widths, one per decoder stage that receives global context.
        channels: width of each branch, default 64.
        bins: pooled sizes, default (1, 3, 5).
        non_local: include the non-local branch.
    """

    def __init__(
        self,
        in_channels: int,
        stage_channels: Sequence[int],
        channels: int = 64,
        bins: Sequence[int] = GCM_BINS,
        non_local: bool = True,
    ) -> None:
        super().__init__()

        def reduce() -> nn.Module:
            return ConvNormAct(2, in_channels, channels, kernel_size=1, norm=None)

        self.pooled = nn.ModuleList(nn.Sequential(nn.AdaptiveAvgPool2d(b), reduce()) for b in bins)
        self.non_local = nn.Sequential(NonLocal(in_channels), reduce()) if non_local else None
        total = channels * (len(bins) + int(non_local))
        self.outputs = nn.ModuleList(ConvNormAct(2, total, c, kernel_size=3, norm="batch") for c in stage_channels)

    def forward(self, x: torch.Tensor, sizes: Sequence[Sequence[int]]) -> list[torch.Tensor]:
        """``(B, in_channels, h, w)`` -> one ``(B, stage_channels[i], *sizes[i])`` map per stage."""
        parts = [F.interpolate(p(x), size=x.shape[2:], mode="bilinear", align_corners=False) for p in self.pooled]
        if self.non_local is not None:
            parts.append(self.non_local(x))
        context = torch.cat(parts, dim=1)
        return [
            F.interpolate(conv(context), size=tuple(size), mode="bilinear", align_corners=False)
            for conv, size in zip(self.outputs, sizes)
        ]


class AdaptiveSelection(nn.Module):
    """Zhang et al.'s ASM (section 2.3): non-local on the decoder features, concatenation, SE.

    Args:
        channels: total channels of the concatenated local, decoder and global features.
        decoder_channels: channels of the decoder features (the non-local block's width).
        reduction: SE reduction ratio, default 16.
        non_local: apply the non-local block to the decoder features.
    """

    def __init__(self, channels: int, decoder_channels: int, reduction: int = 16, non_local: bool = True) -> None:
        super().__init__()
        self.non_local = NonLocal(decoder_channels) if non_local else nn.Identity()
        self.select = SqueezeExcitation(channels, reduction)

    def forward(self, local: torch.Tensor, decoder: torch.Tensor, context: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.select(torch.cat([local, self.non_local(decoder), *context], dim=1))


class _DecoderBlock(nn.Sequential):
    """Two 3x3 conv-BN-ReLU (``C_in -> C_in / 4 -> C_out``) and bilinear x2 upsampling."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        mid = max(1, in_channels // 4)
        super().__init__(
            ConvNormAct(2, in_channels, mid, kernel_size=3, norm="batch"),
            ConvNormAct(2, mid, out_channels, kernel_size=3, norm="batch"),
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
        )


@register_network("acsnet", spatial_dims=(2,))
class ACSNet(nn.Module):
    """ACSNet: ResNet-34 encoder, decoder with LCA, GCM and ASM, side outputs per stage.

    Encoder stages E1 (stem, stride 2) .. E5 (layer4, stride 32). Decoder stage 5 decodes E5;
    stage ``i`` = 4 .. 1 fuses LCA(E_i, prediction of stage i + 1), the decoder features of
    stage ``i + 1`` and the GCM's context for stage ``i`` in an ASM, then a decoder block (two
    3x3 conv-BN-ReLU and x2 upsampling) to the width of E_i; a 1x1 conv predicts each stage's
    map. Stage 1's prediction, at full resolution, is the output.

    Deviations from Zhang et al. (2020), stated so results can be read against theirs:

    - No ImageNet weights unless ``pretrained_path`` names a local torchvision-style ResNet
      state dict (nothing is downloaded); Zhang et al. start from ImageNet.
    - The paper supervises each stage with the downsampled ground truth; here the side
      outputs are upsampled to the input size instead, so the trainer can use one target.
      Without ``deep_supervision`` nothing supervises stages 5-2, and the LCA maps are
      whatever helps the final output: train with ``deep_supervision=True`` to follow the paper.
    - Module widths (GCM branch width 64, global and decoder widths equal to the encoder
      width of each stage, decoder bottleneck ``C_in / 4``, SE ratio 16) are not given in the
      paper's text; they are our reading of its Fig. 1 and are all configurable.
    - The GCM's pooled branches have no BN (their maps can be 1x1); inputs are zero-padded at
      the bottom/right to a multiple of 32 and the logits cropped back.
    - The non-local blocks cost ``O((hw)^2 / 4)`` memory: at stage 1 of a 416x416 input
      (208x208 features) about 1.9 GB per image; ``asm_non_local=False`` drops them.

    Args:
        in_channels: input channels (1 CT slice; 4 for paper 003's 2.5D stack).
        out_channels: logit channels (1 sigmoid, as Zhang et al.; 2 softmax).
        backbone: ``resnet34`` (Zhang et al.), or ``resnet18/50/101``.
        backbone_widths: ResNet stage planes, default (64, 128, 256, 512); narrow for demos.
        gcm_channels: width of each GCM branch, default 64.
        se_reduction: SE reduction ratio in the ASM, default 16.
        use_lca: LCA on the skips (ablation: plain skips, Zhang et al. Table 2).
        use_gcm: deliver global context (ablation: none).
        use_asm: ASM selection (ablation: plain concatenation).
        gcm_non_local: the GCM's non-local branch.
        asm_non_local: the ASM's non-local block on the decoder features.
        deep_supervision: return :class:`ACSNetOutput` with the stage 5-2 predictions.
        pretrained_path: local torchvision-style ResNet state dict (ImageNet) to load.
    """

    total_stride = 32

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 1,
        backbone: str = "resnet34",
        backbone_widths: Sequence[int] = STANDARD_WIDTHS,
        gcm_channels: int = 64,
        se_reduction: int = 16,
        use_lca: bool = True,
        use_gcm: bool = True,
        use_asm: bool = True,
        gcm_non_local: bool = True,
        asm_non_local: bool = True,
        deep_supervision: bool = False,
        pretrained_path: str | os.PathLike | None = None,
    ) -> None:
        super().__init__()
        if gcm_channels < 1 or se_reduction < 1:
            raise ValueError(f"acsnet: gcm_channels and se_reduction must be positive, got {gcm_channels}, {se_reduction}")
        self.encoder = build_resnet(backbone, in_channels, backbone_widths, 32, None, pretrained_path)
        self.use_lca, self.deep_supervision = use_lca, deep_supervision
        enc = self.encoder.out_channels  # E1 .. E5
        self.gcm = GlobalContext(enc[4], enc[3::-1], gcm_channels, non_local=gcm_non_local) if use_gcm else None

        self.decoder5 = _DecoderBlock(enc[4], enc[4])
        self.decoders = nn.ModuleList()  # stages 4, 3, 2, 1
        self.selections = nn.ModuleList()
        previous = enc[4]
        for width in enc[3::-1]:
            fused = width + previous + (width if use_gcm else 0)
            self.selections.append(
                AdaptiveSelection(fused, previous, se_reduction, asm_non_local) if use_asm else _Concatenate()
            )
            self.decoders.append(_DecoderBlock(fused, width))
            previous = width
        self.heads = nn.ModuleList(nn.Conv2d(c, out_channels, 1) for c in (enc[4], *enc[3::-1]))  # stages 5 .. 1
        for name, module in self.named_modules():
            if name.startswith("encoder"):
                continue
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor | ACSNetOutput:
        """Segment a batch of slices.

        Args:
            x: ``(B, in_channels, H, W)``, any H, W.

        Returns:
            Logits ``(B, out_channels, H, W)``; with ``deep_supervision`` an :class:`ACSNetOutput`.
        """
        x, size = pad_to_multiple(x, self.total_stride)
        padded = x.shape[2:]
        skips = list(self.encoder(x))  # E1 .. E5
        top = skips.pop()
        contexts = (
            self.gcm(top, [s.shape[2:] for s in reversed(skips)]) if self.gcm is not None else [None] * len(skips)
        )
        decoded = self.decoder5(top)
        predictions = [self.heads[0](decoded)]
        for skip, context, select, decoder, head in zip(
            reversed(skips), contexts, self.selections, self.decoders, self.heads[1:]
        ):
            local = local_context_attention(skip, predictions[-1]) if self.use_lca else skip
            decoded = decoder(select(local, decoded, [] if context is None else [context]))
            predictions.append(head(decoded))
        seg = crop_spatial(predictions[-1], size)
        if not self.deep_supervision:
            return seg
        sides = tuple(
            crop_spatial(F.interpolate(p, size=padded, mode="bilinear", align_corners=False), size)
            for p in predictions[:-1]
        )
        return ACSNetOutput(seg, sides)


class _Concatenate(nn.Module):
    """The ASM ablation: plain concatenation of the local, decoder and global features."""

    def forward(self, local: torch.Tensor, decoder: torch.Tensor, context: Sequence[torch.Tensor]) -> torch.Tensor:
        return torch.cat([local, decoder, *context], dim=1)

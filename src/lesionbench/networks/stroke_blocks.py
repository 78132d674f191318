"""Building blocks of paper 003's 2.5D stroke networks: D-UNet, AGMR-Net and TSRL-Net.

Ma K., "Research on Segmentation Method of Stroke Lesion Based on Coarse-Grained Attention", MSc
thesis, Anhui University 2023. The backbone is D-UNet (Zhou et al. 2021; thesis section 2.2,
Fig. 2.2), a U-Net whose encoder has a 2D path on the 4-slice stack and a 3D path on the same stack
as a depth-4 volume, fused at two stages. AGMR-Net (chapter 3) adds:

- :class:`PatchAttention` (CPA, section 3.2, eqs. 3.1-3.4), a coarse 6 x 6 patch attention;
- :class:`CrossDimensionFusion` (CFF, section 3.3, eqs. 3.5-3.8), replacing D-UNet's fusion;
- :class:`MultiScaleDeconv` (MDU, section 3.4, Fig. 3.5), replacing the decoder up-sampling.

D-UNet's own blocks (:func:`bn_block`, :class:`SqueezeExcite`, :class:`DimensionTransform`,
:class:`UpConv`) are taken from D-UNet's description, with the channel plan and the 3x3 up-conv
that the thesis's parameter count (Table 4.3, 9,503,779) fixes; see docs/paper003.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.networks.blocks import ConvNormAct

#: CPA's patch grid: the slice is divided into ``6 x 6`` equal patches (thesis section 3.2).
CPA_GRID = 6
#: The fusion modes of :func:`make_fusion` (thesis Table 3.5; ``se_add`` is D-UNet's).
FUSIONS: tuple[str, ...] = ("se_add", "add", "concat", "cff", "cff_concat")
#: CFF's hidden-layer readings (docs/paper003.md, B-13).
CFF_HIDDEN: tuple[str, ...] = ("shared", "separate")
#: Up-sampling interpolations of :class:`UpConv`.
UPSAMPLE_MODES: tuple[str, ...] = ("bilinear", "nearest")


def bn_block(spatial_dims: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """D-UNet's ``BN_block``: (conv3x3 -> BN -> ReLU) x 2, conv biases on (as D-UNet's Keras convs).

    ``spatial_dims=3`` gives ``BN_block3d`` (3x3x3 convs). Shapes: ``(B, in, *s) -> (B, out, *s)``.
    """
    return nn.Sequential(
        ConvNormAct(spatial_dims, in_channels, out_channels, 3, norm="batch", bias=True),
        ConvNormAct(spatial_dims, out_channels, out_channels, 3, norm="batch", bias=True),
    )


class SqueezeExcite(nn.Module):
    """Squeeze-and-excitation without biases, as D-UNet's fusion uses it.

    GAP -> FC ``C -> C // ratio`` -> ReLU -> FC ``C // ratio -> C`` -> sigmoid -> channel scale.
    ``2 * C * (C // ratio)`` parameters (hidden width at least 1, for narrow demo widths). Shapes: ``(B, C, H, W) -> (B, C, H, W)``.
    """

    def __init__(self, channels: int, ratio: int = 16) -> None:
        super().__init__()
        if ratio < 1:
            raise ValueError(f"se_ratio must be at least 1, got {ratio}")
        hidden = max(channels // ratio, 1)  # at least one unit for narrow demo widths
        self.fc = nn.Sequential(nn.Linear(channels, hidden, bias=False), nn.ReLU(inplace=True),
                                nn.Linear(hidden, channels, bias=False), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.fc(x.mean(dim=(2, 3)))[:, :, None, None]


class DimensionTransform(nn.Module):
    """3D -> 2D feature transform of D-UNet's fusion and of CFF (thesis section 3.3, Fig. 3.4).

    ``(B, C3, D, h, w)`` -> conv1x1x1 ``C3 -> 1`` (bias) -> squeeze the channel axis, so the depth
    becomes the channels ``(B, D, h, w)`` -> conv3x3 ``D -> C`` (bias) + ReLU = ``3D_tfm (B, C, h, w)``.
    """

    def __init__(self, channels_3d: int, depth: int, out_channels: int) -> None:
        super().__init__()
        self.depth = depth
        self.squeeze = nn.Conv3d(channels_3d, 1, kernel_size=1)
        self.conv = ConvNormAct(2, depth, out_channels, 3, norm=None, activation="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 5 or x.shape[2] != self.depth:
            raise ValueError(f"dimension transform expects (B, C3, {self.depth}, h, w), got {tuple(x.shape)}")
        return self.conv(self.squeeze(x)[:, 0])


class CrossDimensionFusion(nn.Module):
    """CFF, thesis section 3.3 (eqs. 3.5-3.8): fuse ``2D_fm`` with the 3D feature.

    ``g = concat(GAP(3D_tfm), GAP(2D_fm))`` (2C, eq. 3.5); ``omega_2 = sigmoid(f_2^2(f_1^2(g)))``,
    ``omega_3 = sigmoid(f_2^3(f_1^3(g)))`` (eqs. 3.6-3.7), so each weight vector sees both
    dimensions; ``out = 3D_tfm * omega_3 + 2D_fm * omega_2`` (eq. 3.8), or with ``concat=True``
    (Table 3.5's "CFF-Concatenate") the concatenation of the two weighted maps through a conv1x1
    ``2C -> C`` + ReLU. FC layers have no bias (as D-UNet's SE).

    ``hidden="shared"`` (default): one first layer ``2C -> 2C/R`` + ReLU feeding two heads
    ``2C/R -> C``, the form of the parameter formula of section 3.6.4 (2),
    ``2C * 2C/R + 2 * (2C/R * C)``; ``"separate"``: two first layers ``2C -> C/R`` (the text's
    "C/R" neurons), ``6 C^2 / R`` weights (docs/paper003.md, B-13).

    Attributes:
        last_weights_2d: ``omega_2`` of the last forward, ``(B, C)`` detached (thesis Fig. 3.10).
        last_weights_3d: ``omega_3`` of the last forward, ``(B, C)`` detached.

    Shapes: ``forward((B, C, H, W), (B, C3, D, H, W)) -> (B, C, H, W)``.
    """

    def __init__(self, channels: int, channels_3d: int, depth: int, reduction: int = 8,
                 hidden: str = "shared", concat: bool = False) -> None:
        super().__init__()
        if hidden not in CFF_HIDDEN:
            raise ValueError(f"cff_hidden must be one of {list(CFF_HIDDEN)}, got {hidden!r}")
        if reduction < 1:
            raise ValueError(f"reduction must be at least 1, got {reduction}")
        width = max((2 * channels if hidden == "shared" else channels) // reduction, 1)
        self.transform = DimensionTransform(channels_3d, depth, channels)
        self.hidden = hidden

        def first() -> nn.Sequential:
            return nn.Sequential(nn.Linear(2 * channels, width, bias=False), nn.ReLU(inplace=True))

        self.f1 = nn.ModuleList([first()] if hidden == "shared" else [first(), first()])
        self.head_2d = nn.Linear(width, channels, bias=False)
        self.head_3d = nn.Linear(width, channels, bias=False)
        self.merge = ConvNormAct(2, 2 * channels, channels, 1, norm=None) if concat else None
        self.last_weights_2d: torch.Tensor | None = None
        self.last_weights_3d: torch.Tensor | None = None

    def channel_weights(self, fm_2d: torch.Tensor, tfm_3d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(omega_2, omega_3)``, each ``(B, C)`` in (0, 1), from the 2D map and ``3D_tfm``."""
        g = torch.cat([tfm_3d.mean(dim=(2, 3)), fm_2d.mean(dim=(2, 3))], dim=1)
        h2 = self.f1[0](g)
        h3 = h2 if self.hidden == "shared" else self.f1[1](g)
        return torch.sigmoid(self.head_2d(h2)), torch.sigmoid(self.head_3d(h3))

    def forward(self, fm_2d: torch.Tensor, fm_3d: torch.Tensor) -> torch.Tensor:
        tfm = self.transform(fm_3d)
        w2, w3 = self.channel_weights(fm_2d, tfm)
        self.last_weights_2d, self.last_weights_3d = w2.detach(), w3.detach()
        a, b = tfm * w3[:, :, None, None], fm_2d * w2[:, :, None, None]
        return a + b if self.merge is None else self.merge(torch.cat([a, b], dim=1))


class SimpleFusion(nn.Module):
    """D-UNet's fusion and Table 3.5's plain controls, after the :class:`DimensionTransform`.

    ``se_add``: ``SE(3D_tfm) + SE(2D_fm)`` (D-UNet); ``add``: ``3D_tfm + 2D_fm``; ``concat``:
    ``concat(3D_tfm, 2D_fm)`` -> conv1x1 ``2C -> C`` (bias) + ReLU.
    Shapes: ``forward((B, C, H, W), (B, C3, D, H, W)) -> (B, C, H, W)``.
    """

    def __init__(self, mode: str, channels: int, channels_3d: int, depth: int, se_ratio: int = 16) -> None:
        super().__init__()
        if mode not in ("se_add", "add", "concat"):
            raise ValueError(f"fusion must be one of {list(FUSIONS)}, got {mode!r}")
        self.mode = mode
        self.transform = DimensionTransform(channels_3d, depth, channels)
        if mode == "se_add":
            self.se_3d, self.se_2d = SqueezeExcite(channels, se_ratio), SqueezeExcite(channels, se_ratio)
        if mode == "concat":
            self.merge = ConvNormAct(2, 2 * channels, channels, 1, norm=None)

    def forward(self, fm_2d: torch.Tensor, fm_3d: torch.Tensor) -> torch.Tensor:
        tfm = self.transform(fm_3d)
        if self.mode == "se_add":
            return self.se_3d(tfm) + self.se_2d(fm_2d)
        if self.mode == "add":
            return tfm + fm_2d
        return self.merge(torch.cat([tfm, fm_2d], dim=1))


def make_fusion(mode: str, channels: int, channels_3d: int, depth: int, *, se_ratio: int = 16,
                reduction: int = 8, cff_hidden: str = "shared") -> nn.Module:
    """The 2D/3D fusion module ``mode`` (one of :data:`FUSIONS`) at a stage with ``channels``."""
    if mode in ("cff", "cff_concat"):
        return CrossDimensionFusion(channels, channels_3d, depth, reduction, cff_hidden, concat=mode == "cff_concat")
    if mode not in FUSIONS:
        raise ValueError(f"fusion must be one of {list(FUSIONS)}, got {mode!r}")
    return SimpleFusion(mode, channels, channels_3d, depth, se_ratio)


def replicate_patches(omega: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Up-sample a patch map ``(B, K, g, g)`` to ``size`` by replication (thesis eq. 3.4, Fig. 3.3).

    Every pixel of a patch gets the patch's value; ``size`` must be a multiple of the grid.
    """
    (gh, gw), (h, w) = omega.shape[2:], tuple(size)
    if h % gh or w % gw:
        raise ValueError(f"patch replication: size {(h, w)} is not a multiple of the {gh} x {gw} grid")
    return omega.repeat_interleave(h // gh, dim=2).repeat_interleave(w // gw, dim=3)


class PatchAttention(nn.Module):
    """CPA, coarse-grained patch attention (thesis section 3.2, Figs. 3.2-3.3, eqs. 3.1-3.4).

    ``F' = mean_c(F)`` (eq. 3.1); average pooling over ``H/6 x W/6`` patches gives ``F_g`` 6 x 6
    (eq. 3.2); flatten -> FC 36 -> 18 -> ReLU -> FC 18 -> 36 (biases on) = the patch logits, whose
    sigmoid is ``omega'`` (eq. 3.3); ``A`` = ``omega'`` replicated to ``H x W`` (eq. 3.4);
    output ``A * F + F`` (the residual "improves fault tolerance"). The hidden activation and
    the biases are not stated (docs/paper003.md, B-9); up-sampling is replication, not the
    "linear interpolation" of one sentence (B-8). ``H`` and ``W`` must be multiples of 6.

    Shapes: ``(B, C, H, W) -> ((B, C, H, W), logits (B, 1, 6, 6))``.
    """

    def __init__(self, grid: int = CPA_GRID) -> None:
        super().__init__()
        self.grid = grid
        cells = grid * grid
        self.fc = nn.Sequential(nn.Linear(cells, cells // 2), nn.ReLU(inplace=True), nn.Linear(cells // 2, cells))

    def patch_logits(self, x: torch.Tensor) -> torch.Tensor:
        """The pre-sigmoid ``omega`` ``(B, 1, g, g)`` of features ``(B, C, H, W)``."""
        h, w = x.shape[2:]
        if h % self.grid or w % self.grid:
            raise ValueError(f"CPA: feature size {(h, w)} is not a multiple of the "
                             f"{self.grid} x {self.grid} patch grid")
        pooled = F.avg_pool2d(x.mean(dim=1, keepdim=True), (h // self.grid, w // self.grid))
        return self.fc(pooled.flatten(1)).view(-1, 1, self.grid, self.grid)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.patch_logits(x)
        attention = replicate_patches(torch.sigmoid(logits), x.shape[2:])
        return attention * x + x, logits


class PixelAttention(nn.Module):
    """Table 3.4's fine-grained attention "FA" (not described; docs/paper003.md, B-15).

    CBAM's spatial attention (Woo et al. 2018): channel mean and max -> conv7x7 ``2 -> 1`` (bias)
    -> sigmoid = ``A (B, 1, H, W)``; output ``A * F + F`` as CPA. Unsupervised: no map is returned.

    Shapes: ``(B, C, H, W) -> ((B, C, H, W), None)``.
    """

    def __init__(self, kernel_size: int = 7) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, None]:
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return torch.sigmoid(self.conv(pooled)) * x + x, None


def as_kernels(kernels: int | Sequence[int]) -> tuple[int, ...]:
    """MDU kernel sizes: an int ``k`` is Table 3.7's "Size = k", i.e. ``(k, k, k, k)``."""
    ks = (int(kernels),) * 4 if isinstance(kernels, int) else tuple(int(k) for k in kernels)
    if not ks or any(k < 1 or k % 2 == 0 for k in ks):
        raise ValueError(f"kernels must be odd positive sizes (e.g. (3, 5, 7, 9)), got {kernels!r}")
    return ks


class _MultiKernel(nn.Module):
    """Parallel branches (conv, BN, ReLU, dropout), one per kernel, concatenated."""

    def __init__(self, branches: Sequence[nn.Module], out_channels: int, dropout: float) -> None:
        super().__init__()
        width = out_channels // len(branches)
        self.branches = nn.ModuleList(
            nn.Sequential(conv, nn.BatchNorm2d(width), nn.ReLU(inplace=True), nn.Dropout(dropout)) for conv in branches
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


def _branch_width(out_channels: int, ks: tuple[int, ...]) -> int:
    if out_channels % len(ks):
        raise ValueError(f"MDU: {out_channels} output channels are not divisible by {len(ks)} kernels {ks}")
    return out_channels // len(ks)


class MultiScaleDeconv(_MultiKernel):
    """MDU, multi-scale deconvolution up-sampling (thesis section 3.4, Fig. 3.5).

    One stride-2 transposed conv per kernel ``k`` (default 3, 5, 7, 9), ``out_channels / n`` each,
    ``padding = (k - 1) / 2``, ``output_padding = 1`` (an exact 2x output), each followed by BN,
    ReLU and dropout; the branches are concatenated. Shapes: ``(B, in, H, W) -> (B, out, 2H, 2W)``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernels: int | Sequence[int] = (3, 5, 7, 9),
                 dropout: float = 0.3) -> None:
        ks = as_kernels(kernels)
        width = _branch_width(out_channels, ks)
        convs = [nn.ConvTranspose2d(in_channels, width, k, stride=2, padding=(k - 1) // 2, output_padding=1)
                 for k in ks]
        super().__init__(convs, out_channels, dropout)


class MultiScaleConv(_MultiKernel):
    """Table 3.8's MDU moved to the encoder or the skips: the same branches as stride-1 convs.

    Not described in the thesis (docs/paper003.md, B-15). Shapes: ``(B, C, H, W) -> (B, C, H, W)``.
    """

    def __init__(self, channels: int, kernels: int | Sequence[int] = (3, 5, 7, 9), dropout: float = 0.3) -> None:
        ks = as_kernels(kernels)
        width = _branch_width(channels, ks)
        super().__init__([nn.Conv2d(channels, width, k, padding=k // 2) for k in ks], channels, dropout)


class UpConv(nn.Sequential):
    """D-UNet's decoder up-sampling: x2 interpolation, then conv3x3 (bias) + ReLU.

    ``mode="bilinear"`` is the thesis's "linear interpolation" (sections 1.2.2, 3.4); D-UNet's Keras
    code uses ``"nearest"``. The 3x3 conv (not D-UNet's 2x2) is what Table 4.3's count proves.
    Shapes: ``(B, in, H, W) -> (B, out, 2H, 2W)``.
    """

    def __init__(self, in_channels: int, out_channels: int, mode: str = "bilinear") -> None:
        if mode not in UPSAMPLE_MODES:
            raise ValueError(f"upsample must be one of {list(UPSAMPLE_MODES)}, got {mode!r}")
        up = nn.Upsample(scale_factor=2, mode=mode, **({"align_corners": False} if mode == "bilinear" else {}))
        super().__init__(up, ConvNormAct(2, in_channels, out_channels, 3, norm=None, activation="relu"))

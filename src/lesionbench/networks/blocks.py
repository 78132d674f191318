"""Building blocks shared by the segmentation networks.

Layer choices are registries, so a network takes ``activation="mish"`` or ``norm="batch"``
from ``config.yaml`` and an ablation is a constructor flag, not a copy of a file:

- :data:`ACTIVATIONS`: ``relu`` (Ronneberger et al. 2015; Long et al. 2015), ``mish``
  (``torch.nn.Mish``, exactly ``x * tanh(softplus(x))``, paper 000 section 1.3.3 eq. 3),
  ``leaky_relu``, ``elu``, ``gelu``, ``prelu``.
- :data:`NORMS`: ``batch``, ``instance``, ``group``; ``None`` means no normalisation.

A layer spec is a name, ``None``, or ``(name, {options})`` (a two-item list in YAML), as
MONAI's ``act=``/``norm=`` arguments: ``("leaky_relu", {"negative_slope": 0.1})``.

The conv-norm-activation block is written here rather than taken from MONAI's
``Convolution`` because MONAI maps ``"mish"`` to its own Mish class (paper 000 asks for the
plain function, which is ``torch.nn.Mish``), and MONAI's defaults (PReLU, instance norm,
bias kept before a norm) differ from the originals reproduced here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Union

import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.registry import Registry

#: A layer choice: a registered name, ``None`` (no layer), or ``(name, {options})``.
LayerSpec = Union[str, None, Sequence[Any]]

ACTIVATIONS: Registry[nn.Module] = Registry("activation")
NORMS: Registry[nn.Module] = Registry("norm")

ACTIVATIONS.add("relu", nn.ReLU)
ACTIVATIONS.add("leaky_relu", nn.LeakyReLU)
ACTIVATIONS.add("mish", nn.Mish)
ACTIVATIONS.add("elu", nn.ELU)
ACTIVATIONS.add("gelu", nn.GELU)
ACTIVATIONS.add("prelu", nn.PReLU)

_CONV: dict[int, type[nn.Module]] = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
_CONV_TRANSPOSE: dict[int, type[nn.Module]] = {
    1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d,
}
_MAX_POOL: dict[int, type[nn.Module]] = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}
_BATCH_NORM: dict[int, type[nn.Module]] = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}
_INSTANCE_NORM: dict[int, type[nn.Module]] = {
    1: nn.InstanceNorm1d, 2: nn.InstanceNorm2d, 3: nn.InstanceNorm3d,
}


def _by_dims(table: Mapping[int, type[nn.Module]], spatial_dims: int) -> type[nn.Module]:
    if spatial_dims not in table:
        raise ValueError(f"spatial_dims must be one of {sorted(table)}, got {spatial_dims!r}")
    return table[spatial_dims]


def conv_type(spatial_dims: int) -> type[nn.Module]:
    """``nn.Conv1d/2d/3d`` for ``spatial_dims`` 1, 2 or 3."""
    return _by_dims(_CONV, spatial_dims)


def conv_transpose_type(spatial_dims: int) -> type[nn.Module]:
    """``nn.ConvTranspose1d/2d/3d`` for ``spatial_dims`` 1, 2 or 3."""
    return _by_dims(_CONV_TRANSPOSE, spatial_dims)


def max_pool_type(spatial_dims: int) -> type[nn.Module]:
    """``nn.MaxPool1d/2d/3d`` for ``spatial_dims`` 1, 2 or 3."""
    return _by_dims(_MAX_POOL, spatial_dims)


@NORMS.register("batch")
def _batch_norm(spatial_dims: int, channels: int, momentum: float = 0.1, eps: float = 1e-5) -> nn.Module:
    return _by_dims(_BATCH_NORM, spatial_dims)(channels, momentum=momentum, eps=eps)


@NORMS.register("instance")
def _instance_norm(spatial_dims: int, channels: int, affine: bool = True, eps: float = 1e-5) -> nn.Module:
    return _by_dims(_INSTANCE_NORM, spatial_dims)(channels, affine=affine, eps=eps)


@NORMS.register("group")
def _group_norm(spatial_dims: int, channels: int, num_groups: int = 8, eps: float = 1e-5) -> nn.Module:
    del spatial_dims  # GroupNorm is the same for every dimension
    if channels % num_groups:
        raise ValueError(f"group norm: {channels} channels are not divisible by num_groups={num_groups}")
    return nn.GroupNorm(num_groups, channels, eps=eps)


def split_spec(spec: LayerSpec) -> tuple[str | None, dict[str, Any]]:
    """Split a layer spec into ``(name, options)``; ``None`` and ``"none"`` give ``(None, {})``.

    Raises:
        ValueError: a spec that is neither a name nor a ``(name, mapping)`` pair.
    """
    if spec is None or (isinstance(spec, str) and spec.lower() == "none"):
        return None, {}
    if isinstance(spec, str):
        return spec.lower(), {}
    if isinstance(spec, Sequence) and len(spec) == 2 and isinstance(spec[0], str) and isinstance(spec[1], Mapping):
        return spec[0].lower(), dict(spec[1])
    raise ValueError(f"a layer spec must be a name or (name, {{options}}), got {spec!r}")


def make_activation(spec: LayerSpec) -> nn.Module:
    """The activation module of ``spec``; ``None`` gives ``nn.Identity``.

    ``relu`` and ``leaky_relu`` are built in place (``inplace=True``) unless the options say
    otherwise: every block here applies them right after a conv or norm output nobody reuses.

    Raises:
        KeyError: unknown activation name (message lists the names).
    """
    name, options = split_spec(spec)
    if name is None:
        return nn.Identity()
    if name in ("relu", "leaky_relu"):
        options.setdefault("inplace", True)
    return ACTIVATIONS.create(name, **options)


def make_norm(spec: LayerSpec, spatial_dims: int, channels: int) -> nn.Module | None:
    """The normalisation layer of ``spec`` for ``channels`` features, or ``None``.

    Raises:
        KeyError: unknown norm name (message lists the names).
    """
    name, options = split_spec(spec)
    if name is None:
        return None
    return NORMS.create(name, spatial_dims, channels, **options)


class ConvNormAct(nn.Sequential):
    """Convolution, optional normalisation, activation: the unit every network here stacks.

    Padding is ``dilation * (kernel_size - 1) // 2`` ("same" for odd kernels and stride 1).
    The convolution has a bias only without a norm (a bias before batch/instance/group norm is
    cancelled by the norm's mean subtraction), unless ``bias`` says otherwise.

    Args:
        spatial_dims: 2 for ``(B, C, H, W)``, 3 for ``(B, C, D, H, W)``.
        in_channels: input feature maps.
        out_channels: output feature maps.
        kernel_size: kernel edge in voxels.
        stride: convolution stride.
        dilation: dilation rate.
        norm: normalisation spec (see :func:`make_norm`); ``None`` for none.
        activation: activation spec (see :func:`make_activation`); ``None`` for none.
        bias: force the convolution bias on or off; default: on iff ``norm`` is ``None``.
    """

    def __init__(
        self,
        spatial_dims: int,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        dilation: int = 1,
        norm: LayerSpec = None,
        activation: LayerSpec = "relu",
        bias: bool | None = None,
    ) -> None:
        norm_layer = make_norm(norm, spatial_dims, out_channels)
        conv = conv_type(spatial_dims)(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=dilation * (kernel_size - 1) // 2,
            dilation=dilation,
            bias=(norm_layer is None) if bias is None else bias,
        )
        layers: list[nn.Module] = [conv]
        if norm_layer is not None:
            layers.append(norm_layer)
        layers.append(make_activation(activation))
        super().__init__(*layers)


class ConvStack(nn.Sequential):
    """``num_convs`` :class:`ConvNormAct` blocks in a row (U-Net's "two 3x3 convs", VGG stages).

    Args:
        spatial_dims: 2 or 3.
        in_channels: input feature maps of the first conv.
        out_channels: output feature maps of every conv.
        num_convs: number of convs (2 in U-Net; 2, 2, 3, 3, 3 in VGG16's stages).
        kernel_size, norm, activation: as in :class:`ConvNormAct`.
    """

    def __init__(
        self,
        spatial_dims: int,
        in_channels: int,
        out_channels: int,
        num_convs: int = 2,
        kernel_size: int = 3,
        norm: LayerSpec = None,
        activation: LayerSpec = "relu",
    ) -> None:
        if num_convs < 1:
            raise ValueError(f"num_convs must be at least 1, got {num_convs}")
        super().__init__(
            *(
                ConvNormAct(
                    spatial_dims,
                    in_channels if i == 0 else out_channels,
                    out_channels,
                    kernel_size=kernel_size,
                    norm=norm,
                    activation=activation,
                )
                for i in range(num_convs)
            )
        )


def unet_encoder(
    spatial_dims: int, in_channels: int, features: Sequence[int], norm: LayerSpec, activation: LayerSpec
) -> tuple[nn.ModuleList, ConvStack]:
    """The contracting path of a U-Net (Ronneberger et al. 2015, section 2): one two-conv
    :class:`ConvStack` per level of ``features[:-1]`` (max pooling between them is the caller's),
    and the bottleneck stack ``features[-2] -> features[-1]``.

    Returns:
        ``(encoders, bottleneck)``; ``encoders[i]`` maps ``features[i - 1]`` (``in_channels``
        for ``i = 0``) to ``features[i]`` channels at the resolution of level ``i``.
    """
    widths = (in_channels, *features)
    encoders = nn.ModuleList(
        ConvStack(spatial_dims, cin, cout, num_convs=2, norm=norm, activation=activation)
        for cin, cout in zip(widths[:-2], widths[1:-1])
    )
    bottleneck = ConvStack(spatial_dims, features[-2], features[-1], num_convs=2, norm=norm, activation=activation)
    return encoders, bottleneck


def pad_to_multiple(x: torch.Tensor, multiple: int, value: float = 0.0) -> tuple[torch.Tensor, tuple[int, ...]]:
    """Pad the spatial dims of ``x`` at their end up to a multiple of ``multiple``.

    Args:
        x: ``(B, C, *spatial)`` tensor.
        multiple: total stride of the network (16 for a 4-level U-Net).
        value: constant padding value (0: the background of windowed CT).

    Returns:
        The padded tensor and the original spatial size, for :func:`crop_spatial`.
    """
    size = tuple(x.shape[2:])
    pad: list[int] = []
    for length in reversed(size):  # F.pad takes the last dimension first
        pad.extend((0, (-length) % multiple))
    if any(pad):
        x = F.pad(x, pad, value=value)
    return x, size


def crop_spatial(x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """The leading ``size`` corner of the spatial dims of ``(B, C, *spatial)`` ``x``."""
    if len(size) != x.dim() - 2:
        raise ValueError(f"crop size {tuple(size)} does not match a tensor of shape {tuple(x.shape)}")
    return x[(slice(None), slice(None), *(slice(0, s) for s in size))]


def bilinear_kernel(kernel_size: int) -> torch.Tensor:
    """The 1D linear-interpolation kernel of a transposed conv that upsamples by ``(k + 1) // 2``.

    For ``kernel_size = 2 * factor`` this is Long et al. 2015's bilinear initialisation
    (section 3.3), ``1 - |i - c| / f`` with ``f = ceil(k / 2)`` and ``c = (k - 1) / 2``.
    Used with ``stride = factor`` and ``padding = factor // 2`` it reproduces
    ``F.interpolate(..., mode="bilinear", align_corners=False)`` away from the borders.

    Returns:
        ``(kernel_size,)`` float32 weights.
    """
    factor = math.ceil(kernel_size / 2)
    center = (kernel_size - 1) / 2
    position = torch.arange(kernel_size, dtype=torch.float32)
    return 1 - (position - center).abs() / factor


def init_bilinear_(conv_transpose: nn.Module) -> nn.Module:
    """Set a square ``C -> C`` transposed conv to per-channel (bi/tri)linear upsampling, in place.

    Channel ``i`` maps to channel ``i`` with the separable kernel of :func:`bilinear_kernel`;
    other channel pairs get 0, and the bias (if any) 0 (Long et al. 2015, section 3.3).

    Raises:
        ValueError: if the layer is not square in channels and kernel.
    """
    weight = conv_transpose.weight  # (C_in, C_out, *kernel)
    channels_in, channels_out, *kernel = weight.shape
    if channels_in != channels_out or len(set(kernel)) != 1:
        raise ValueError(f"bilinear init needs a C -> C transposed conv with a cubic kernel, got {tuple(weight.shape)}")
    line = bilinear_kernel(kernel[0])
    filt = line
    for _ in range(len(kernel) - 1):
        filt = filt.unsqueeze(-1) * line
    with torch.no_grad():
        full = torch.zeros(weight.shape, dtype=weight.dtype)
        full[range(channels_in), range(channels_in)] = filt.to(weight.dtype)
        weight.copy_(full)
        if conv_transpose.bias is not None:
            conv_transpose.bias.zero_()
    return conv_transpose


_INTERPOLATION: dict[int, str] = {1: "linear", 2: "bilinear", 3: "trilinear"}


def resize_to(x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Resample ``(B, C, *spatial)`` ``x`` to ``size`` by (bi/tri)linear interpolation.

    ``align_corners=False`` (pixel-centre alignment); ``x`` is returned unchanged when it
    already has that size.
    """
    if tuple(x.shape[2:]) == tuple(size):
        return x
    mode = _interpolation_mode(x.dim() - 2)
    return F.interpolate(x, size=tuple(size), mode=mode, align_corners=False)


def _interpolation_mode(spatial_dims: int) -> str:
    if spatial_dims not in _INTERPOLATION:
        raise ValueError(f"spatial_dims must be one of {sorted(_INTERPOLATION)}, got {spatial_dims!r}")
    return _INTERPOLATION[spatial_dims]


class AttentionGate(nn.Module):
    """Additive attention gate on a skip connection (Oktay et al. 2018, section 2.2, eqs. 1-2).

    With ``x`` the skip features and ``g`` the gating signal::

        q = psi(relu(W_x(x) + W_g(g)))      # W_x, W_g: linear maps to inter_channels; psi: to 1
        alpha = sigmoid(q)                  # attention coefficients in (0, 1), one per voxel
        x_hat = alpha * x                   # broadcast over the channels of x

    ``W_x`` is a convolution with kernel and stride ``stride`` and no bias, ``W_g`` a 1x1 conv
    with bias ``b_g``, ``psi`` a 1x1 conv with bias ``b_psi`` (the parameters of Oktay et al.'s
    eq. 1). ``W_g(g)`` is resampled (linear interpolation) to the grid of ``W_x(x)`` when the
    two differ, and ``alpha`` is resampled back to the grid of ``x`` ("Resampler" in Oktay et
    al.'s Fig. 2). The two forms used in this package:

    - Oktay et al.: ``g`` from the next coarser level, ``stride=2`` so ``W_x`` brings ``x`` to
      the resolution of ``g``; ``alpha`` is upsampled by 2 before the product.
    - Paper 004 (section 2.2.3, eqs. 2-5): ``g`` is the decoder feature already upsampled to the
      resolution of ``x``, ``W_x`` and ``W_g`` are 1x1 convs (``stride=1``), nothing is resampled.

    Written here rather than taken from MONAI's ``AttentionBlock``, which adds batch norm after
    ``W_x``, ``W_g`` and ``psi`` and supports only ``g`` on the grid of ``x``.

    Args:
        spatial_dims: 2 for ``(B, C, H, W)``, 3 for ``(B, C, D, H, W)``.
        skip_channels: channels of ``x`` (``F_l`` in Oktay et al.).
        gating_channels: channels of ``g`` (``F_g``).
        inter_channels: channels of the joint space (``F_int``); default ``skip_channels // 2``
            (at least 1), as in Oktay et al.'s released code.
        stride: kernel size and stride of ``W_x`` (1 or 2).
    """

    def __init__(
        self,
        spatial_dims: int,
        skip_channels: int,
        gating_channels: int,
        inter_channels: int | None = None,
        stride: int = 1,
    ) -> None:
        super().__init__()
        inter = max(skip_channels // 2, 1) if inter_channels is None else int(inter_channels)
        if min(skip_channels, gating_channels, inter, stride) < 1:
            raise ValueError(
                "attention gate: channels and stride must be positive, got "
                f"skip={skip_channels}, gating={gating_channels}, inter={inter}, stride={stride}"
            )
        conv = conv_type(spatial_dims)
        self.theta_x = conv(skip_channels, inter, kernel_size=stride, stride=stride, bias=False)
        self.phi_g = conv(gating_channels, inter, kernel_size=1, bias=True)
        self.psi = conv(inter, 1, kernel_size=1, bias=True)

    def coefficients(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """The attention coefficients ``alpha``.

        Args:
            x: skip features ``(B, skip_channels, *spatial_x)``.
            g: gating signal ``(B, gating_channels, *spatial_g)``, any grid.

        Returns:
            ``(B, 1, *spatial_x)`` values in (0, 1).
        """
        theta = self.theta_x(x)
        phi = resize_to(self.phi_g(g), theta.shape[2:])
        alpha = torch.sigmoid(self.psi(F.relu(theta + phi)))
        return resize_to(alpha, x.shape[2:])

    def forward(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """Gate ``x``: ``(B, skip_channels, *spatial_x) -> (B, skip_channels, *spatial_x)``."""
        return x * self.coefficients(x, g)


def he_init_(module: nn.Module, transposed: bool = False) -> nn.Module:
    """Kaiming-normal weights (fan-in, ReLU gain; He et al. 2015) and zero biases, in place.

    Every convolution (1D-3D) and linear layer of ``module``, and with ``transposed`` the 2D/3D
    transposed convolutions too; norms are left at weight 1, bias 0. Returns ``module``.
    """
    kinds: tuple[type[nn.Module], ...] = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)
    if transposed:
        kinds += (nn.ConvTranspose2d, nn.ConvTranspose3d)
    for layer in module.modules():
        if isinstance(layer, kinds):
            nn.init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    return module


def check_divisible_size(x: torch.Tensor, stride: int, name: str) -> None:
    """Refuse a slice batch ``(B, C, H, W)`` whose ``H`` or ``W`` is not a multiple of ``stride``
    (``2 ** number of poolings`` of an encoder without padding).

    Raises:
        ValueError: naming the network ``name`` and the size.
    """
    height, width = x.shape[-2:]
    if height % stride or width % stride:
        raise ValueError(f"{name}: input size {height}x{width} must be divisible by {stride} "
                         f"(2 ** number of poolings)")

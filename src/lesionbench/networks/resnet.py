"""Dilated ResNet backbones (He et al., CVPR 2016) for PSPNet, DeepLab v3 and ACSNet.

Paper 003 (section 3.6.2, Tables 3.2 and 4.2) compares against PSPNet (Zhao et al. 2017),
DeepLab v3 (Chen et al. 2017) and ACSNet (Zhang et al. 2020); all three sit on an ImageNet
ResNet. This module gives the ResNet-18/34/50/101 encoders with:

- an ``output_stride`` of 32, 16 or 8: the strides of the last one or two stages are replaced
  by dilation ("atrous convolution"), 2 and 4, in every block of the stage, as Zhao et al.
  (section 3.2, "dilated network strategy") and Chen et al. (section 3.2, Fig. 3) do
  (torchvision keeps the previous dilation in the first block of a dilated stage; the weights
  are the same either way);
- Chen et al.'s multi-grid (section 3.2): the ``i``-th block of the last stage gets the rate
  ``unit_rate * multi_grid[i]``;
- ``in_channels`` 1-4 (CT slice, RGB, the 2.5D four-slice stack of paper 003);
- optional loading of a torchvision-style ImageNet state dict from a local file
  (:func:`load_pretrained`); nothing is ever downloaded.

Written here rather than taken from MONAI: ``monai.networks.nets.ResNet`` has no dilation or
output-stride option and names its layers differently from torchvision, so a torchvision
checkpoint would not load. Layer names (``conv1``, ``bn1``, ``layer1.0.conv1`` ...) follow
torchvision's ResNet v1.5 (stride on the 3x3 conv of a bottleneck).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import torch
from torch import nn

from lesionbench.registry import Registry

#: Stage widths ("planes") of He et al.'s ResNets.
STANDARD_WIDTHS: tuple[int, ...] = (64, 128, 256, 512)

#: Dilations of the four stages for each output stride (stage 1 never dilates).
_STAGE_DILATIONS: dict[int, tuple[int, int, int, int]] = {
    32: (1, 1, 1, 1),
    16: (1, 1, 1, 2),
    8: (1, 1, 2, 4),
}


class BasicBlock(nn.Module):
    """Two 3x3 convs with BN and an identity (or 1x1 projection) shortcut (ResNet-18/34).

    Args:
        in_channels: input features.
        planes: output features (expansion 1).
        stride: stride of the first 3x3 conv.
        dilation: dilation of both 3x3 convs.
    """

    expansion = 1

    def __init__(self, in_channels: int, planes: int, stride: int = 1, dilation: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, planes, 3, stride, padding=dilation, dilation=dilation, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(in_channels, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (strided, dilated), 1x1 expand x4, with BN (ResNet-50/101, v1.5).

    Args:
        in_channels: input features.
        planes: width of the 3x3 conv; the block outputs ``4 * planes``.
        stride: stride of the 3x3 conv.
        dilation: dilation of the 3x3 conv.
    """

    expansion = 4

    def __init__(self, in_channels: int, planes: int, stride: int = 1, dilation: int = 1) -> None:
        super().__init__()
        out_channels = planes * self.expansion
        self.conv1 = nn.Conv2d(in_channels, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(in_channels, out_channels, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


def _shortcut(in_channels: int, out_channels: int, stride: int) -> nn.Sequential | None:
    """He et al.'s projection shortcut (option B): 1x1 conv + BN where the shape changes."""
    if stride == 1 and in_channels == out_channels:
        return None
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
        nn.BatchNorm2d(out_channels),
    )


class ResNetFeatures(NamedTuple):
    """The feature maps of the five ResNet stages for a ``(B, C, H, W)`` input.

    ``stem``: after conv1-bn1-relu, stride 2; ``layer1``: after max pooling and stage 1,
    stride 4; ``layer2``: stride 8; ``layer3`` and ``layer4``: stride 16 and 32, or less where
    the output stride replaces strides by dilation.
    """

    stem: torch.Tensor
    layer1: torch.Tensor
    layer2: torch.Tensor
    layer3: torch.Tensor
    layer4: torch.Tensor


class ResNet(nn.Module):
    """A ResNet encoder without the classifier (avgpool and fc are dropped).

    Args:
        in_channels: input channels (3 for ImageNet; 1 for CT; 4 for paper 003's 2.5D input).
        block: :class:`BasicBlock` or :class:`Bottleneck`.
        layers: blocks per stage, e.g. (3, 4, 6, 3) for ResNet-34 and -50.
        widths: planes of the four stages, default (64, 128, 256, 512); the stem has
            ``widths[0]`` features. Narrow versions (e.g. (8, 16, 32, 64)) serve CPU demos.
        output_stride: 32 (He et al.), 16 or 8 (dilated; Zhao et al., Chen et al.).
        multi_grid: per-block multipliers of the last stage's dilation (Chen et al. section
            3.2, e.g. (1, 2, 4)), cycled if the stage has more blocks; ``None`` for all 1.
    """

    def __init__(
        self,
        in_channels: int,
        block: type[BasicBlock | Bottleneck],
        layers: Sequence[int],
        widths: Sequence[int] = STANDARD_WIDTHS,
        output_stride: int = 32,
        multi_grid: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if len(layers) != 4 or len(widths) != 4 or min(widths) < 1 or min(layers) < 1:
            raise ValueError(f"resnet: need 4 stage depths and 4 positive widths, got {tuple(layers)}, {widths}")
        if output_stride not in _STAGE_DILATIONS:
            raise ValueError(f"resnet: output_stride must be one of {sorted(_STAGE_DILATIONS)}, got {output_stride!r}")
        if multi_grid is not None and (len(multi_grid) == 0 or min(multi_grid) < 1):
            raise ValueError(f"resnet: multi_grid needs positive rates, got {multi_grid!r}")
        if not 1 <= in_channels:
            raise ValueError(f"resnet: in_channels must be positive, got {in_channels}")
        self.in_channels = in_channels
        self.output_stride = output_stride
        self.conv1 = nn.Conv2d(in_channels, widths[0], 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

        dilations = _STAGE_DILATIONS[output_stride]
        channels = widths[0]
        stages = []
        for index, (planes, depth, dilation) in enumerate(zip(widths, layers, dilations)):
            stride = 1 if index == 0 or dilation > 1 else 2
            grid = tuple(multi_grid) if (index == 3 and multi_grid is not None) else (1,)
            blocks = []
            for j in range(depth):
                blocks.append(block(channels, planes, stride if j == 0 else 1, dilation * grid[j % len(grid)]))
                channels = planes * block.expansion
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        #: Channels of :class:`ResNetFeatures` (stem, layer1, ..., layer4).
        self.out_channels: tuple[int, ...] = (widths[0], *(w * block.expansion for w in widths))
        self._init_weights()

    def _init_weights(self) -> None:
        """He-normal convs (fan-out, as torchvision), BN weight 1 and bias 0."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> ResNetFeatures:
        """Encode a batch.

        Args:
            x: ``(B, in_channels, H, W)``.

        Returns:
            The five stage outputs; ``layer4`` is ``(B, out_channels[4], ceil(H / s), ceil(W / s))``
            for output stride ``s`` when ``H, W`` are multiples of ``s``.
        """
        stem = self.relu(self.bn1(self.conv1(x)))
        layer1 = self.layer1(self.maxpool(stem))
        layer2 = self.layer2(layer1)
        layer3 = self.layer3(layer2)
        return ResNetFeatures(stem, layer1, layer2, layer3, self.layer4(layer3))


RESNETS: Registry[tuple] = Registry("resnet")
RESNETS.add("resnet18", lambda: (BasicBlock, (2, 2, 2, 2)))
RESNETS.add("resnet34", lambda: (BasicBlock, (3, 4, 6, 3)))
RESNETS.add("resnet50", lambda: (Bottleneck, (3, 4, 6, 3)))
RESNETS.add("resnet101", lambda: (Bottleneck, (3, 4, 23, 3)))


def build_resnet(
    name: str,
    in_channels: int = 3,
    widths: Sequence[int] = STANDARD_WIDTHS,
    output_stride: int = 32,
    multi_grid: Sequence[int] | None = None,
    pretrained_path: str | os.PathLike | None = None,
) -> ResNet:
    """Build ResNet ``name`` (``resnet18``, ``resnet34``, ``resnet50``, ``resnet101``).

    Args:
        name: the depth, as a registered name.
        in_channels, widths, output_stride, multi_grid: as in :class:`ResNet`.
        pretrained_path: a local torchvision-style state dict to start from (see
            :func:`load_pretrained`); ``None`` trains from scratch.

    Raises:
        KeyError: unknown name (message lists the valid ones).
        FileNotFoundError, ValueError: see :func:`load_pretrained`.
    """
    block, layers = RESNETS.create(name)
    net = ResNet(in_channels, block, layers, widths, output_stride, multi_grid)
    if pretrained_path is not None:
        load_pretrained(net, pretrained_path)
    return net


def adapt_input_conv(weight: torch.Tensor, in_channels: int) -> torch.Tensor:
    """Map an RGB first-conv weight ``(C_out, 3, k, k)`` to ``in_channels`` inputs.

    One channel gets the sum over RGB (a grey image then gives the RGB response of the same
    grey level); other counts cycle the RGB filters and scale them by ``3 / in_channels``, so
    a constant image gives the same activation as in the RGB network.
    """
    if weight.shape[1] == in_channels:
        return weight
    if in_channels == 1:
        return weight.sum(dim=1, keepdim=True)
    index = torch.arange(in_channels) % weight.shape[1]
    return weight[:, index] * (weight.shape[1] / in_channels)


def load_pretrained(net: ResNet, path: str | os.PathLike) -> ResNet:
    """Load a torchvision-style ResNet state dict from the local file ``path`` into ``net``.

    Accepts the state dict itself or a dict holding it under ``"state_dict"``; a
    ``"module."`` prefix (DataParallel) is removed; ``fc.*`` (the ImageNet classifier) is
    ignored; BN ``num_batches_tracked`` counters may be absent (torchvision's ImageNet files
    predate them); ``conv1.weight`` is adapted to ``net``'s input channels with
    :func:`adapt_input_conv`. Every other tensor must match ``net`` exactly.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file is not a state dict, or keys or shapes do not match ``net``
            (message names the file and the first offending keys).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"pretrained weights {os.fspath(path)!r} not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - torch raises several types for a bad file
        raise ValueError(f"pretrained weights {os.fspath(path)!r}: cannot read a state dict ({error})") from None
    if isinstance(state, Mapping) and isinstance(state.get("state_dict"), Mapping):
        state = state["state_dict"]
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"pretrained weights {os.fspath(path)!r}: not a mapping of names to tensors")
    state = {k.removeprefix("module."): v for k, v in state.items() if not k.removeprefix("module.").startswith("fc.")}
    if "conv1.weight" in state:
        state["conv1.weight"] = adapt_input_conv(state["conv1.weight"], net.in_channels)
    own = net.state_dict()
    for key in own:  # checkpoints older than PyTorch 0.4.1 (torchvision's ImageNet ones) lack these
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = own[key]
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise ValueError(
            f"pretrained weights {os.fspath(path)!r} do not fit this ResNet: "
            f"missing {missing[:5]}{' ...' if len(missing) > 5 else ''}, "
            f"unexpected {unexpected[:5]}{' ...' if len(unexpected) > 5 else ''}"
        )
    wrong = [f"{k} {tuple(state[k].shape)} != {tuple(own[k].shape)}" for k in own if state[k].shape != own[k].shape]
    if wrong:
        raise ValueError(f"pretrained weights {os.fspath(path)!r}: shape mismatch: {'; '.join(wrong[:3])}")
    net.load_state_dict(state, strict=True)
    return net

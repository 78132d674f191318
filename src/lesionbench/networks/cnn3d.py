"""Paper 001's 3D CNN classifier (Zhao et al., Computer Science 2022, 49(4), section 2.2).

"The first layer is the input layer, receiving a 64 x 64 x 64 hemorrhage image; after it come
two convolution layers; the classification network then consists of 5 blocks: the first two
blocks are identical, each a 3x3x3 stride-1 convolution and a 2x2x2 stride-2 max pooling, with
ReLU; blocks 3 and 4 are fully connected layers of size 64, ReLU; the output of block 4 is
fully connected to block 5, which gives 2 outputs through a sigmoid: the probabilities of the
two types" (AVM vs other hemorrhage).

:class:`ClassifierTail` is blocks 1-5; it is the one class every classification branch of
paper 001 uses, so that the single-task baseline "CNN" (:class:`CNN3D`: two input convs +
the tail) and the multi-task networks MLSSP, Y-Net and He et al.
(:mod:`lesionbench.networks.mlssp`) differ only in where the tail is attached.

Shapes at the paper's input and the inferred default widths ``F1 = K = 32`` (paper 001)::

    input                                1 x 64^3
    conv a, conv b  conv3 1->F1, conv3 F1->F1       F1 x 64^3
    block 1         conv3 F1->K, ReLU, maxpool 2    K x 32^3
    block 2         conv3 K->K, ReLU, maxpool 2     K x 16^3
    flatten                                          4096 K
    block 3         FC 4096 K -> 64, ReLU           64
    block 4         FC 64 -> 64, ReLU               64
    block 5         FC 64 -> 2                      2 logits

Deviations and inferred choices, stated:

- Widths are not given in the paper: ``F1 = features[0] = 32`` and ``K = cls_width = F1`` are
  the defaults of docs/paper001.md (A-4); blocks 1 and 2 have the same width ("identical").
- ``norm="batch"`` (default) puts a batch norm after every 3x3x3 conv (as Cicek et al.'s 3D
  U-Net; the paper mentions none); ``norm=None`` gives the text-literal network. The FC layers
  never have a norm. No dropout (none is mentioned).
- The networks return **logits**; the output sigmoid of block 5 is the loss's and the
  evaluation's business. The paper's convention (docs/paper001.md, A-5): two independent sigmoid units
  trained with the binary CE of eq. (2) against the one-hot class target (mean over the 2
  units), ``cls_prob = p_AVM / (p_AVM + p_other)`` for the ROC, class = argmax; this
  conversion is :func:`lesionbench.networks.multitask.class_probability` (``mode="sigmoid"``;
  ``"softmax"`` for a network trained with the 2-class softmax CE instead). Class 1 is AVM.
- The first FC layer's size depends on the input size, which is therefore fixed at
  construction (``input_size``, default 64^3); an input of another size is a ``ValueError``.
- The max poolings use ``ceil_mode=True``: identical to the paper's pooling on even sizes (the
  whole 64^3 path), and a size of 1 stays 1 instead of vanishing (Y-Net's branch on a 2^3
  bottleneck of a 32^3 test input).
- He (Kaiming normal, fan-in, ReLU gain) initialisation of every conv and linear layer, biases
  0 (paper 001, section 3.3, ref. [21]).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from lesionbench.networks.blocks import (
    ConvNormAct,
    ConvStack,
    LayerSpec,
    he_init_,
    make_activation,
    max_pool_type,
)
from lesionbench.networks.factory import register_network
from lesionbench.networks.multitask import ClassOutput

#: Paper 001's widths (inferred, docs/paper001.md A-4): the 3D U-Net levels; the CNN uses ``features[0]``.
STANDARD_FEATURES: tuple[int, ...] = (32, 64, 128, 256, 512)
#: Paper 001's VOI: 64 x 64 x 64 voxels (section 3.2 (4)).
STANDARD_INPUT_SIZE: tuple[int, int, int] = (64, 64, 64)
#: Width of the fully connected blocks 3 and 4 (section 2.2).
FC_WIDTH = 64


def as_input_size(input_size: int | Sequence[int], name: str) -> tuple[int, int, int]:
    """``input_size`` as three positive ints ``(D, H, W)``; an int ``n`` means ``(n, n, n)``.

    Raises:
        ValueError: anything else (message names the network ``name``).
    """
    size = (input_size,) * 3 if isinstance(input_size, int) else tuple(input_size)
    if len(size) != 3 or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in size):
        raise ValueError(f"{name}: input_size must be a positive int or three positive ints (D, H, W), "
                         f"got {input_size!r}")
    return size  # type: ignore[return-value]


def check_input_size(x: torch.Tensor, input_size: Sequence[int], name: str) -> None:
    """Raise a ``ValueError`` unless ``x`` is ``(B, C, *input_size)``."""
    if tuple(x.shape[2:]) != tuple(input_size):
        raise ValueError(f"{name}: built for inputs of spatial size {tuple(input_size)} (option input_size; "
                         f"its fully connected layer depends on it), got a tensor of shape {tuple(x.shape)}")


class ClassifierTail(nn.Module):
    """Blocks 1-5 of paper 001's CNN (section 2.2): the classification branch of every model.

    ``block1``, ``block2``: conv3 (+ norm) + activation + 2x2x2 max pooling (stride 2,
    ``ceil_mode=True``), width ``width``; flatten; ``block3``: FC -> 64 + activation;
    ``block4``: FC 64 -> 64 + activation; ``block5``: FC 64 -> ``n_classes`` logits.

    Args:
        in_channels: channels of the feature map the tail is attached to.
        in_size: its spatial size ``(D, H, W)`` (fixes the first FC layer's input size).
        width: ``K``, the width of blocks 1 and 2.
        n_classes: logits of block 5 (2 in paper 001).
        hidden: width of the FC blocks 3 and 4 (64 in paper 001).
        norm: normalisation after the two convs (``None``: the text-literal tail).
        activation: activation spec of blocks 1-4.

    Shapes: ``(B, in_channels, *in_size) -> (B, n_classes)``.
    """

    def __init__(
        self,
        in_channels: int,
        in_size: Sequence[int],
        width: int = 32,
        n_classes: int = 2,
        hidden: int = FC_WIDTH,
        norm: LayerSpec = "batch",
        activation: LayerSpec = "relu",
    ) -> None:
        super().__init__()
        in_size = tuple(int(s) for s in in_size)
        if min(in_channels, width, n_classes, hidden, *in_size) < 1:
            raise ValueError(f"classifier tail: channels, width, n_classes, hidden and in_size must be positive, got "
                             f"{in_channels}, {width}, {n_classes}, {hidden}, {in_size}")
        self.in_size = in_size
        dims = len(in_size)
        pool = max_pool_type(dims)

        def block(cin: int) -> nn.Sequential:
            conv = ConvNormAct(dims, cin, width, kernel_size=3, norm=norm, activation=activation)
            return nn.Sequential(conv, pool(kernel_size=2, stride=2, ceil_mode=True))

        self.block1 = block(in_channels)
        self.block2 = block(width)
        pooled = tuple(math.ceil(math.ceil(s / 2) / 2) for s in in_size)
        self.flat_features = width * math.prod(pooled)
        self.block3 = nn.Sequential(nn.Linear(self.flat_features, hidden), make_activation(activation))
        self.block4 = nn.Sequential(nn.Linear(hidden, hidden), make_activation(activation))
        self.block5 = nn.Linear(hidden, n_classes)
        he_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits ``(B, n_classes)`` of features ``(B, in_channels, *in_size)``.

        Raises:
            ValueError: features of another spatial size than ``in_size``.
        """
        check_input_size(x, self.in_size, "classifier tail")
        x = self.block2(self.block1(x))
        return self.block5(self.block4(self.block3(torch.flatten(x, 1))))


@register_network("cnn3d", spatial_dims=(3,), outputs=("cls",))
class CNN3D(nn.Module):
    """Paper 001's single-task classification baseline "CNN" (section 2.2; Table 3).

    Two 3x3x3 input convs ``in_channels -> F1 -> F1`` (+ norm) + activation (``stem``), then
    :class:`ClassifierTail` (``classifier``, blocks 1-5). The same layers as MLSSP's
    classification branch, with its own input convs; trained with the classification CE only.

    Args:
        in_channels: input channels (1: the windowed CT VOI).
        out_channels: accepted because the trainer passes it to every network; the CNN has no
            segmentation output and ignores it.
        n_classes: class logits (2: AVM = class 1, other hemorrhage = class 0).
        features: only ``features[0]`` (F1, the width of the two input convs) is used; the
            option takes the same value as the multi-task networks' so one config fits all.
        cls_width: ``K``, the width of blocks 1 and 2; default ``features[0]``.
        norm: ``"batch"`` (default, inferred) or ``None`` (the text-literal network).
        activation: activation spec (``"relu"`` in the paper).
        input_size: the spatial size ``(D, H, W)`` (or one int) the network is built for.

    Shapes: ``(B, in_channels, *input_size) ->`` :class:`~lesionbench.networks.multitask.ClassOutput`
    with ``cls (B, n_classes)`` logits (see the module docstring for the sigmoid/softmax
    convention); trained with the ``class_ce`` loss (eq. 2 alone).

    Raises:
        ValueError: bad widths or ``input_size``; in ``forward``, an input of another size.
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int | None = None,
        n_classes: int = 2,
        features: Sequence[int] = STANDARD_FEATURES,
        cls_width: int | None = None,
        norm: LayerSpec = "batch",
        activation: LayerSpec = "relu",
        input_size: int | Sequence[int] = STANDARD_INPUT_SIZE,
    ) -> None:
        super().__init__()
        del out_channels  # no segmentation output
        features = tuple(int(f) for f in features)
        if not features or min(features) < 1 or in_channels < 1:
            raise ValueError(f"cnn3d: need positive in_channels and features, got {in_channels}, {features}")
        self.input_size = as_input_size(input_size, "cnn3d")
        width = features[0]
        self.stem = ConvStack(3, in_channels, width, num_convs=2, norm=norm, activation=activation)
        self.classifier = ClassifierTail(width, self.input_size, width=width if cls_width is None else int(cls_width),
                                         n_classes=n_classes, norm=norm, activation=activation)
        he_init_(self)

    def forward(self, x: torch.Tensor) -> ClassOutput:
        """Class logits ``cls (B, n_classes)`` of VOIs ``(B, in_channels, *input_size)``."""
        check_input_size(x, self.input_size, "cnn3d")
        return ClassOutput(self.classifier(self.stem(x)))

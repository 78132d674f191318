"""Paper 001's multi-task networks: MLSSP and the Y-Net and He et al. baselines.

Zhao et al., "Intracerebral Hemorrhage Image Segmentation and Classification Based on
Multi-task Learning of Shared Shallow Parameters", Computer Science 2022, 49(4): 203-208.
Each network segments the hemorrhage in a 64^3 CT VOI with the 3D U-Net of section 2.1 and
classifies the VOI (AVM vs other hemorrhage) with the CNN tail of section 2.2, and returns a
:class:`~lesionbench.networks.multitask.MultiTaskOutput` ``(seg, cls)`` of logits. The three
differ only in where the classifier tail (one class, :class:`~lesionbench.networks.cnn3d.ClassifierTail`,
blocks 1-5) branches off the U-Net, i.e. in what the two tasks share (section 3.4.2, Fig. 1):

=========  =====================================  ============================================
network    branch point (tail input)              shared between the tasks
=========  =====================================  ============================================
mlssp      enc1 output, ``F1 x 64^3``             enc1's two 3x3x3 convs (+ norms) only
ynet3d     bottleneck output, ``F5 x 4^3``        the whole encoder (enc1-bottleneck)
he_mtl3d   last decoder block, ``F1 x 64^3``      the whole U-Net except the 1x1x1 seg head
=========  =====================================  ============================================

The U-Net is :class:`~lesionbench.networks.unet.UNet` with ``spatial_dims=3``: per level two
3x3x3 convs + ReLU, 2x2x2 max pooling (``downsample="maxpool"``, default) or a 2x2x2 stride-2
convolution (``"conv"``; docs/paper001.md, A-3), 4 down-samplings at the default 5 widths, 2x2x2
transposed convs + ReLU, concatenated skips, a 1x1x1 conv head (sigmoid in the loss).

Inferred choices and deviations, stated (docs/paper001.md, A-3, A-4, A-5, A-9):

- Widths: ``features = (32, 64, 128, 256, 512)``, ``cls_width = K = features[0]``; batch
  norm after every 3x3x3 conv (``norm=None``: the text-literal networks, which mention none).
- He (Kaiming normal, fan-in) initialisation, biases 0 (section 3.3): the U-Net's own
  initialisation (convs Kaiming; the 2x2x2 up-convs std ``sqrt(2 / C_in)``, their fan-in) and
  :func:`~lesionbench.networks.blocks.he_init_` for the tail.
- Inputs: the classifier's first FC layer depends on the input size, so it is fixed at
  construction (``input_size``, default 64^3) and must be a multiple of the U-Net's total
  stride ``2 ** (len(features) - 1)`` (16 by default) in every dimension: no padding and
  cropping as in ``unet`` (padding would change what the classifier sees). Another size at
  construction or in ``forward`` is a ``ValueError`` naming the size or multiple required.
- Y-Net's tail sees a small map (``4^3 -> 2^3 -> 1^3`` at 64^3). Below 64^3 at the default
  depth (e.g. a 32^3 input, a ``2^3`` bottleneck) its block-2 conv runs on ``1^3``: batch norm
  then has one value per channel and sample (a batch of 1 cannot be trained) and
  ``norm="instance"`` fails outright (it needs more than one voxel).
- Y-Net (Mehta et al. 2018) and He et al. (MedIA 2020) are described only in words and in
  Fig. 1 (not in the text extraction); both are rebuilt on the same 3D U-Net with the MLSSP
  tail, so the branch point is the only difference (the paper's argument). He et al.'s
  DenseNet/ResNet encoder is **not** reproduced (see :class:`HeMTL3D`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import torch
from torch import nn

from lesionbench.networks.blocks import LayerSpec
from lesionbench.networks.cnn3d import (
    STANDARD_FEATURES,
    STANDARD_INPUT_SIZE,
    ClassifierTail,
    as_input_size,
    check_input_size,
)
from lesionbench.networks.factory import register_network
from lesionbench.networks.multitask import MultiTaskOutput
from lesionbench.networks.unet import UNet

#: Where the classifier tail may branch off the U-Net.
BRANCH_POINTS: tuple[str, ...] = ("enc1", "bottleneck", "decoder")


class MultiTaskUNet3D(nn.Module):
    """A 3D U-Net (``unet``) plus paper 001's classifier tail branching off it at :attr:`BRANCH`.

    The common implementation of :class:`MLSSP`, :class:`YNet3D` and :class:`HeMTL3D`, which
    only set :attr:`BRANCH` (``"enc1"``, ``"bottleneck"`` or ``"decoder"``).

    Args:
        in_channels: input channels (1: the windowed CT VOI).
        out_channels: segmentation logit channels (1: sigmoid, the paper's).
        n_classes: classification logits (2: AVM = class 1, other hemorrhage = class 0).
        features: U-Net widths from full resolution to the bottleneck (default 32 ... 512).
        cls_width: ``K``, the width of the tail's conv blocks 1-2; default ``features[0]``.
        norm: ``"batch"`` (default) or ``None`` (text-literal), for every 3x3x3 conv.
        downsample: ``"maxpool"`` (default) or ``"conv"`` (see :class:`~lesionbench.networks.unet.UNet`).
        activation: activation spec (``"relu"`` in the paper).
        input_size: the spatial size ``(D, H, W)`` (or one int) the network is built for, a
            multiple of ``2 ** (len(features) - 1)``.

    Attributes:
        unet: the segmentation network (its ``encoders[0]`` is paper 001's "two convolutions").
        classifier: the :class:`~lesionbench.networks.cnn3d.ClassifierTail`.

    Shapes: ``(B, in_channels, *input_size)`` -> ``MultiTaskOutput(seg=(B, out_channels,
    *input_size), cls=(B, n_classes))``, both logits.

    Raises:
        ValueError: bad widths, ``input_size`` not a multiple of the total stride; in
            ``forward``, an input of another size.
    """

    #: The U-Net output the classifier tail reads.
    BRANCH: ClassVar[str] = "enc1"
    #: The registry name, for error messages.
    NAME: ClassVar[str] = "multitask_unet3d"

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        n_classes: int = 2,
        features: Sequence[int] = STANDARD_FEATURES,
        cls_width: int | None = None,
        norm: LayerSpec = "batch",
        downsample: str = "maxpool",
        activation: LayerSpec = "relu",
        input_size: int | Sequence[int] = STANDARD_INPUT_SIZE,
    ) -> None:
        super().__init__()
        if self.BRANCH not in BRANCH_POINTS:
            raise ValueError(f"{self.NAME}: BRANCH must be one of {list(BRANCH_POINTS)}, got {self.BRANCH!r}")
        features = tuple(int(f) for f in features)
        self.input_size = as_input_size(input_size, self.NAME)
        self.unet = UNet(
            spatial_dims=3, in_channels=in_channels, out_channels=out_channels, features=features,
            activation=activation, norm=norm, downsample=downsample,
        )
        stride = self.unet.total_stride
        if any(s % stride for s in self.input_size):
            raise ValueError(f"{self.NAME}: input_size {self.input_size} must be a multiple of the U-Net's total "
                             f"stride {stride} (2 ** (len(features) - 1)) in every dimension")
        if self.BRANCH == "bottleneck":
            channels, size = features[-1], tuple(s // stride for s in self.input_size)
        else:
            channels, size = features[0], self.input_size
        self.classifier = ClassifierTail(
            channels, size, width=features[0] if cls_width is None else int(cls_width), n_classes=n_classes,
            norm=norm, activation=activation,
        )

    def shared_modules(self) -> list[nn.Module]:
        """The modules both tasks' outputs depend on (hard parameter sharing, paper 001)."""
        unet = self.unet
        if self.BRANCH == "enc1":
            return [unet.encoders[0]]
        if self.BRANCH == "bottleneck":
            return [unet.encoders, unet.downsamplers, unet.bottleneck]
        return [unet.encoders, unet.downsamplers, unet.bottleneck, unet.up_convs, unet.decoders]

    def forward(self, x: torch.Tensor) -> MultiTaskOutput:
        """Segment and classify a batch of VOIs ``(B, in_channels, *input_size)``.

        Returns:
            ``MultiTaskOutput(seg=(B, out_channels, *input_size), cls=(B, n_classes))`` logits.

        Raises:
            ValueError: an input of another spatial size than ``input_size``.
        """
        check_input_size(x, self.input_size, self.NAME)
        skips, bottom = self.unet.encode(x)
        decoded = self.unet.decode(bottom, skips)
        branch = {"enc1": skips[0], "bottleneck": bottom, "decoder": decoded}[self.BRANCH]
        return MultiTaskOutput(seg=self.unet.head(decoded), cls=self.classifier(branch))


@register_network("mlssp", spatial_dims=(3,), outputs=("seg", "cls"))
class MLSSP(MultiTaskUNet3D):
    """MLSSP, multi-task learning of shared shallow parameters (paper 001, section 2, Fig. 1).

    "The VOI is the input; after two convolutions the network splits into two branches": the
    output of the U-Net's first encoder level (two 3x3x3 convs + ReLU, with their norms) feeds
    both the U-Net (its max pooling and level-1 skip) and the CNN's block 1. Exactly those two
    convs are shared (hard parameter sharing); the U-Net levels 2-5 and decoder, and the CNN
    blocks 1-5, are task-private. The CNN's "two convolution layers after the input layer" are
    thus the U-Net's ``encoders[0]``. Options, shapes and stated deviations: see
    :class:`MultiTaskUNet3D` and the module docstring.
    """

    BRANCH: ClassVar[str] = "enc1"
    NAME: ClassVar[str] = "mlssp"


@register_network("ynet3d", spatial_dims=(3,), outputs=("seg", "cls"))
class YNet3D(MultiTaskUNet3D):
    """The Y-Net baseline of paper 001 (sections 1 and 3.4.2; ref. [17], Mehta et al. 2018), in 3D.

    Y-Net "outputs a segmentation mask like U-Net, and adds a parallel branch that outputs the
    class label at the bottom-level heat map", sharing "all encoder parameters". Rebuilt as
    the same 3D U-Net with the MLSSP classifier tail on the bottleneck output (``F5 x 4^3`` at
    64^3: blocks 1-2 pool it to ``2^3`` then ``1^3``, flatten ``K``). Mehta et al.'s own
    classification branch and 2D design are not reproduced (docs/paper001.md, A-9). Options and
    shapes: :class:`MultiTaskUNet3D`.
    """

    BRANCH: ClassVar[str] = "bottleneck"
    NAME: ClassVar[str] = "ynet3d"


@register_network("he_mtl3d", spatial_dims=(3,), outputs=("seg", "cls"))
class HeMTL3D(MultiTaskUNet3D):
    """The multi-task baseline of He et al. (MedIA 2020; paper 001's ref. [16], sections 1, 3.4.2).

    He et al.'s network "at the end splits into segmentation and classification outputs",
    sharing all parameters between the tasks. Rebuilt as the same 3D U-Net with the MLSSP
    classifier tail on the last decoder block's output (``F1 x 64^3``, the input of the 1x1x1
    segmentation head): everything but the head is shared.

    Deviation: He et al.'s asymmetric network with a DenseNet/ResNet encoder is **not**
    reproduced; the shared 3D U-Net (encoder and decoder) replaces it, so that the branch point
    is the only difference from MLSSP and Y-Net (docs/paper001.md, A-9). Options and shapes:
    :class:`MultiTaskUNet3D`.
    """

    BRANCH: ClassVar[str] = "decoder"
    NAME: ClassVar[str] = "he_mtl3d"

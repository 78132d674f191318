"""Res-UNet and ResAttUnet of paper 004 (Ye and Hua 2022, sections 2.2-2.3): a ResNet34-encoder U-Net.

Paper 004 proposes ResAttUnet (section 2.3, Fig. 4): the U-Net encoder replaced by ResNet34
(section 2.2.2, Table 1; ImageNet-pretrained), a U-Net decoder (section 2.2.3), and attention
gates on the skip connections (section 2.2.3, eqs. 2-5). Its baseline "Res-Unet" (section 3.2:
"only residual convolutions") is the same network without the gates. Both are one class here;
``attention_gates`` is the ablation flag, and ``resatt_unet`` only changes its default.

The encoder is :func:`lesionbench.networks.resnet.build_resnet` (torchvision's ResNet layout
and layer names, so ImageNet weights load from a local torchvision-style file).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
from torch import nn

from lesionbench.networks.blocks import (
    AttentionGate,
    ConvStack,
    LayerSpec,
    crop_spatial,
    make_activation,
    make_norm,
    pad_to_multiple,
)
from lesionbench.networks.factory import register_network
from lesionbench.networks.resnet import STANDARD_WIDTHS, build_resnet, load_pretrained

#: Total stride of a ResNet encoder: stem conv 2, max pool 2, stages 2-4 2 each.
TOTAL_STRIDE = 32


class _UpConv(nn.Sequential):
    """U-Net's "up-conv": 2x2 stride-2 transposed conv, then norm and activation."""

    def __init__(self, in_channels: int, out_channels: int, norm: LayerSpec, activation: LayerSpec) -> None:
        norm_layer = make_norm(norm, 2, out_channels)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(in_channels, out_channels, kernel_size=2, stride=2, bias=norm_layer is None)
        ]
        if norm_layer is not None:
            layers.append(norm_layer)
        layers.append(make_activation(activation))
        super().__init__(*layers)


@register_network("res_unet", spatial_dims=(2,))
class ResUNet(nn.Module):
    """ResNet34 encoder + U-Net decoder (paper 004's Res-Unet; with gates its ResAttUnet).

    Encoder (paper 004 Table 1 = He et al.'s ResNet34): Layer 0 = 7x7 stride-2 conv, BN, ReLU
    (the ``stem`` skip, 1/2 resolution, 64 ch); 3x3 stride-2 max pooling; Layers 1-4 = 3, 4,
    6, 3 basic blocks of 64, 128, 256, 512 channels at 1/4, 1/8, 1/16, 1/32 resolution (1x1
    conv + BN projection shortcut where the shape changes, the dashed arrows of Fig. 4).

    Decoder (section 2.3: "four groups of upsampling and convolution layers", each with the
    size and channels of the matching encoder layer): from Layer 4 up, per level a 2x2
    stride-2 up-conv to the skip's width + BN + ReLU, optionally the attention gate on the skip,
    concatenation ``[skip, up]``, two 3x3 conv-BN-ReLU to the skip's width. Skips: Layer 3,
    Layer 2, Layer 1, Layer 0. Output (section 2.3): one more up-conv (+ BN + ReLU) to the
    input resolution and a 1x1 conv to ``out_channels`` logits.

    Attention gates (section 2.2.3, eqs. 2-5): ``g`` is the up-convolved decoder feature, on
    the skip's grid, so ``W_g`` and ``W_x`` are 1x1 convs (:class:`AttentionGate`, ``stride=1``);
    ``A = W_g g + W_x x``, ``alpha = sigmoid(psi(relu(A)))``, skip ``x_hat = alpha * x``.

    Choices where paper 004 is silent, stated so results can be read against it:

    - "Upsampling" is U-Net's up-conv (2x2 transposed conv; the paper keeps "the original
      U-Net's upsampling", section 2.2.3), followed by BN + ReLU like every decoder conv.
    - ``F_int`` of the gates is half the skip's channels (Oktay et al.'s choice).
    - The final up-conv keeps Layer 0's width (64).
    - Inputs whose size is not a multiple of 32 are zero-padded at their end and the logits
      cropped back (paper 004 uses 256 x 256, a multiple).
    - Without ``pretrained_path`` the encoder starts from He initialisation (nothing is
      downloaded); the paper starts from ImageNet weights.

    Pretrained weights: ``pretrained_path`` names a local torchvision ``resnet34`` state dict
    (e.g. ``resnet34-b627a593.pth``). Key ``k`` of that file goes to ``encoder.k`` of this
    network (``conv1.weight`` -> ``encoder.conv1.weight``, ``layer2.0.downsample.0.weight`` ->
    ``encoder.layer2.0.downsample.0.weight``, ...); ``fc.*`` is dropped; ``conv1.weight`` is
    adapted to ``in_channels`` (sum over RGB for one channel; see
    :func:`lesionbench.networks.resnet.adapt_input_conv`). The encoder widths must then be the
    standard ones.

    Args:
        in_channels: input channels (3 in paper 004; 1 for a CT slice; 4 for a 2.5D stack).
        out_channels: logit channels (1 in paper 004, with BCE-with-logits; 2 for softmax).
        encoder: ``"resnet34"`` (paper 004) or another name of
            :data:`lesionbench.networks.resnet.RESNETS` (``"resnet18"``, ``"resnet50"``, ...).
        encoder_widths: planes of the four ResNet stages; default (64, 128, 256, 512); e.g.
            (8, 16, 32, 64) for CPU demos. The decoder widths follow the encoder's.
        norm: normalisation spec of the decoder (``"batch"``); the encoder always uses BN.
        activation: activation spec of the decoder (``"relu"``); the encoder always uses ReLU.
        attention_gates: put attention gates on the skips (ResAttUnet).
        pretrained_path: local torchvision-style ResNet state dict for the encoder, or ``None``.
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 1,
        encoder: str = "resnet34",
        encoder_widths: Sequence[int] = STANDARD_WIDTHS,
        norm: LayerSpec = "batch",
        activation: LayerSpec = "relu",
        attention_gates: bool = False,
        pretrained_path: str | os.PathLike | None = None,
    ) -> None:
        super().__init__()
        self.encoder = build_resnet(encoder, in_channels=in_channels, widths=encoder_widths)
        skip_widths = self.encoder.out_channels[:4]  # Layer 0 (stem), Layers 1-3
        deep_widths = self.encoder.out_channels[1:]  # what each level's up-conv reads

        self.ups = nn.ModuleList(
            _UpConv(deep, skip, norm, activation) for deep, skip in zip(deep_widths, skip_widths)
        )
        self.gates = nn.ModuleList(
            AttentionGate(2, skip, skip, stride=1) if attention_gates else nn.Identity() for skip in skip_widths
        )
        self.decoders = nn.ModuleList(
            ConvStack(2, 2 * skip, skip, num_convs=2, norm=norm, activation=activation) for skip in skip_widths
        )
        self.final_up = _UpConv(skip_widths[0], skip_widths[0], norm, activation)
        self.head = nn.Conv2d(skip_widths[0], out_channels, kernel_size=1)
        self._init_decoder()
        if pretrained_path is not None:
            self.load_encoder_weights(pretrained_path)

    def _init_decoder(self) -> None:
        """He-normal decoder convs, zero biases (the encoder is initialised by ``build_resnet``)."""
        for module in [*self.ups, *self.gates, *self.decoders, self.final_up, self.head]:
            for layer in module.modules():
                if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
                    nn.init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
                    if layer.bias is not None:
                        nn.init.zeros_(layer.bias)

    def load_encoder_weights(self, path: str | os.PathLike) -> None:
        """Load a local torchvision-style ResNet state dict into the encoder (key mapping above).

        Raises:
            FileNotFoundError: ``path`` does not exist.
            ValueError: not a state dict, or its keys or shapes do not fit the encoder (the
                message names the file and the offending keys).
        """
        load_pretrained(self.encoder, path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Segment a batch of slices.

        Args:
            x: ``(B, in_channels, H, W)``, any H, W.

        Returns:
            Logits ``(B, out_channels, H, W)``, the input's size.
        """
        x, size = pad_to_multiple(x, TOTAL_STRIDE)
        features = self.encoder(x)
        skips = (features.stem, features.layer1, features.layer2, features.layer3)
        d = features.layer4
        for level in reversed(range(len(skips))):
            up, skip, gate = self.ups[level](d), skips[level], self.gates[level]
            if isinstance(gate, AttentionGate):
                skip = gate(skip, up)  # g: the up-convolved decoder feature, on the skip's grid
            d = self.decoders[level](torch.cat([skip, up], dim=1))
        return crop_spatial(self.head(self.final_up(d)), size)


@register_network("resatt_unet", spatial_dims=(2,))
class ResAttUNet(ResUNet):
    """Paper 004's ResAttUnet: :class:`ResUNet` with attention gates on the skips (default on).

    Same arguments as :class:`ResUNet`; ``attention_gates=False`` gives its Res-Unet baseline.
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 1,
        encoder: str = "resnet34",
        encoder_widths: Sequence[int] = STANDARD_WIDTHS,
        norm: LayerSpec = "batch",
        activation: LayerSpec = "relu",
        attention_gates: bool = True,
        pretrained_path: str | os.PathLike | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, encoder, encoder_widths, norm, activation, attention_gates, pretrained_path
        )

"""SegNet of Badrinarayanan, Kendall and Cipolla, TPAMI 2017 (baseline of papers 002 and 003).

Paper 002 (section 2.2.1, Table 1) and paper 003 (section 4.5, Tables 4.2-4.3) compare against
SegNet. The architecture follows Badrinarayanan et al. section 3 and their Caffe reference
model (``segnet_train.prototxt``): a VGG16 encoder of 13 conv-BN-ReLU layers in 5 blocks, each
block ending in 2x2 max pooling whose argmax indices are stored; a mirrored decoder that
upsamples with those indices (``MaxUnpool2d``, no learned upsampling) and convolves the sparse
maps into dense ones; the last decoder conv is the classifier.

Written here because neither MONAI nor torchvision has SegNet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import torch
from torch import nn

from lesionbench.networks.blocks import ConvNormAct, LayerSpec
from lesionbench.networks.factory import register_network

#: VGG16's block widths (Simonyan and Zisserman 2015, configuration D).
VGG16_FEATURES: tuple[int, ...] = (64, 128, 256, 512, 512)
#: Number of 3x3 convs in each VGG16 block (13 in all).
VGG16_CONVS: tuple[int, ...] = (2, 2, 3, 3, 3)


class PretrainedWeightsError(ValueError):
    """A ``pretrained_path`` file that cannot be read or does not fit the encoder."""


@register_network("segnet", spatial_dims=(2,))
class SegNet(nn.Module):
    """SegNet: VGG16 encoder with pooling indices, mirrored unpooling decoder, softmax classifier.

    Layers (Badrinarayanan et al. 2017, section 3, Fig. 2; Caffe reference model):

    - Encoder block k (k = 1..5, ``VGG16_CONVS[k]`` convs): 3x3 conv + BN + ReLU, then 2x2 max
      pooling, stride 2, keeping the argmax indices (``return_indices=True``).
    - Decoder block k (k = 5..1): ``MaxUnpool2d`` with block k's indices, then as many 3x3
      conv + BN + ReLU as the encoder block, the last one narrowing to the width of block
      k - 1 (block 1: its first conv keeps 64 channels, the second is the classifier).
    - Classifier: 3x3 conv 64 -> ``out_channels`` with no BN and no ReLU (logits for the
      softmax of the paper; a sigmoid loss works with ``out_channels=1``).

    Every conv keeps its bias as in the Caffe model (redundant before BN, kept so parameter
    counts match the references: paper 003 Table 4.3 lists 29,442,433 for in 1 / out 1).
    Weights are He-initialised (section 4.1), or the encoder is loaded from a local VGG16 file
    (the paper's other option, section 3: "initialize ... from weights trained for
    classification") when ``pretrained_path`` is given; nothing is downloaded.

    Deviations, stated so results can be read against the reference:

    - Pooling uses ``ceil_mode=True`` (Caffe's rounding) and unpooling the stored pre-pooling
      size (``output_size``), so every H, W >= 1 works without padding or cropping; the Caffe
      model needs sizes that its ``upsample_w/h`` parameters name.
    - No median-frequency class balancing here: that belongs to the loss.

    Args:
        in_channels: input channels (3 in the paper; 1 for a CT slice; 4 for paper 003's 2.5D).
        out_channels: logit channels (11 classes for CamVid in the paper; 1 or 2 here).
        features: widths of the five blocks; default (64, 128, 256, 512, 512).
        norm: normalisation spec after each conv (default batch norm, as SegNet).
        pretrained_path: optional local file with a torchvision ``vgg16_bn`` or ``vgg16`` state
            dict (keys ``features.<i>.*``), loaded into the encoder (see
            :meth:`load_vgg16_encoder`).
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 2,
        features: Sequence[int] = VGG16_FEATURES,
        norm: LayerSpec = "batch",
        pretrained_path: str | PathLike[str] | None = None,
    ) -> None:
        super().__init__()
        features = tuple(int(f) for f in features)
        if len(features) != len(VGG16_CONVS) or min(features) < 1:
            raise ValueError(f"segnet: features needs {len(VGG16_CONVS)} positive widths, got {features}")
        self.in_channels = in_channels

        def conv(cin: int, cout: int) -> ConvNormAct:
            return ConvNormAct(2, cin, cout, 3, norm=norm, activation="relu", bias=True)

        self.encoders = nn.ModuleList()
        cin = in_channels
        for width, num_convs in zip(features, VGG16_CONVS):
            convs = [conv(cin if i == 0 else width, width) for i in range(num_convs)]
            self.encoders.append(nn.Sequential(*convs))
            cin = width
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=True, return_indices=True)
        self.unpool = nn.MaxUnpool2d(kernel_size=2, stride=2)

        self.decoders = nn.ModuleList()
        for level in reversed(range(len(features))):
            width, num_convs = features[level], VGG16_CONVS[level]
            layers = [conv(width, width) for _ in range(num_convs - 1)]
            if level > 0:  # the last conv narrows to the next block; block 1 ends in the classifier
                layers.append(conv(width, features[level - 1]))
            self.decoders.append(nn.Sequential(*layers))
        self.classifier = nn.Conv2d(features[0], out_channels, kernel_size=3, padding=1)

        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(module.bias)
        if pretrained_path is not None:
            self.load_vgg16_encoder(pretrained_path)

    def load_vgg16_encoder(self, path: str | PathLike[str]) -> None:
        """Load the 13 encoder convs (and BNs, if the file has them) from a VGG16 state dict.

        The file holds a torchvision ``vgg16_bn``/``vgg16`` state dict (or a dict with a
        ``state_dict`` entry); its ``features.<i>.*`` layers are matched in order with this
        encoder's convs (and BNs). When ``in_channels`` differs from the file's (3, RGB), the
        first conv's kernels are summed over the file's input channels and divided evenly over
        ours, so an input whose channels are all equal gets VGG16's response to the same grey
        image presented as RGB (in_channels 1: the plain sum).

        Raises:
            FileNotFoundError: the file does not exist.
            PretrainedWeightsError: unreadable file, or layers whose count or shapes do not fit.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"segnet: pretrained_path {path} does not exist")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # torch raises many types for a bad file
            raise PretrainedWeightsError(f"segnet: cannot read pretrained weights {path}: {error}") from error
        if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
            state = state["state_dict"]
        if not isinstance(state, dict):
            raise PretrainedWeightsError(f"segnet: {path} does not hold a state dict")

        layers: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in state.items():
            match = re.fullmatch(r"features\.(\d+)\.(\w+)", key)
            if match and isinstance(value, torch.Tensor):
                layers.setdefault(int(match.group(1)), {})[match.group(2)] = value
        source = [layers[i] for i in sorted(layers)]
        has_bn = any("running_mean" in layer for layer in source)
        kinds = (nn.Conv2d, nn.BatchNorm2d) if has_bn else (nn.Conv2d,)
        targets = [m for m in self.encoders.modules() if isinstance(m, kinds)]
        if len(source) != len(targets):
            raise PretrainedWeightsError(
                f"segnet: {path} has {len(source)} weighted 'features' layers, the encoder needs "
                f"{len(targets)} ({'13 convs + 13 BNs, vgg16_bn' if has_bn else '13 convs, vgg16'})"
            )
        with torch.no_grad():
            for index, (module, tensors) in enumerate(zip(targets, source)):
                own = module.state_dict()
                if set(own) != set(tensors):
                    raise PretrainedWeightsError(
                        f"segnet: layer {index} of {path} has entries {sorted(tensors)}, "
                        f"expected {sorted(own)} for {type(module).__name__}"
                    )
                tensors = dict(tensors)
                weight = tensors["weight"]
                if index == 0 and weight.dim() == 4 and weight.shape[1] != self.in_channels:
                    summed = weight.sum(dim=1, keepdim=True)
                    tensors["weight"] = summed.repeat(1, self.in_channels, 1, 1) / self.in_channels
                for name, value in tensors.items():
                    if value.shape != own[name].shape:
                        raise PretrainedWeightsError(
                            f"segnet: {path} layer {index} {name} has shape {tuple(value.shape)}, "
                            f"the encoder needs {tuple(own[name].shape)} (check features)"
                        )
                module.load_state_dict(tensors)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Segment a batch of slices.

        Args:
            x: ``(B, in_channels, H, W)``, any H, W >= 1.

        Returns:
            Logits ``(B, out_channels, H, W)``.
        """
        stack: list[tuple[torch.Tensor, torch.Size]] = []
        for encoder in self.encoders:
            x = encoder(x)
            size = x.shape[2:]
            x, indices = self.pool(x)
            stack.append((indices, size))
        for decoder, (indices, size) in zip(self.decoders, reversed(stack)):
            x = decoder(self.unpool(x, indices, output_size=size))
        return self.classifier(x)

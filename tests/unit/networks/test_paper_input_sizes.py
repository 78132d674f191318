"""Every registered network runs on the input sizes and channel counts the papers use.

Paper 000: 416 x 416 x 1 (section 2.1); paper 002: 512 x 512 (section 2.1); paper 004: 256 x 256
slices; paper 003: 2.5D stacks of four slices at 192 x 192 (section 3.2); three-channel inputs
(ImageNet-style encoders, ISLES'22's DWI/ADC/FLAIR); paper 001: one-channel 64^3 CT VOIs
(section 3.2). Each network is run in the dimensions it registers (``supported_spatial_dims``).
Narrow widths keep the CPU cost small: the sizes, strides and skip alignments are what is
tested, not the widths.
"""

import pytest
import torch

from lesionbench.inference.runtime import segmentation_logits
from lesionbench.networks import (
    available_networks,
    classification_logits,
    create_network,
    network_outputs,
    segments,
    supported_spatial_dims,
)

#: Narrow options for each network (the same depth as the standard width).
NARROW: dict[str, dict] = {
    "unet": {"features": (4, 8, 8, 16, 16)},
    "fcn8s": {"features": (4, 8, 8, 16, 16), "fc_channels": 16},
    "unetpp": {"features": (4, 8, 8, 16, 16), "deep_supervision": True},
    "improved_unet": {"features": (4, 8, 8, 16, 16)},
    "segnet": {"features": (4, 8, 8, 16, 16)},
    "sa_unet": {"features": (8, 8, 16, 16), "num_heads": 2},
    "attention_unet": {"features": (4, 8, 8, 16, 16)},
    "res_unet": {"encoder_widths": (4, 8, 8, 16)},
    "resatt_unet": {"encoder_widths": (4, 8, 8, 16)},
    "pspnet": {"backbone": "resnet18", "backbone_widths": (4, 8, 8, 16), "head_channels": 8, "aux_head": True,
               "aux_channels": 8},
    "deeplabv3": {"backbone": "resnet18", "backbone_widths": (4, 8, 8, 16), "aspp_channels": 8},
    "acsnet": {"backbone_widths": (4, 8, 8, 16), "gcm_channels": 8},
    "cnn3d": {"features": (4,), "cls_width": 4},
    "mlssp": {"features": (4, 8, 8, 16, 16), "cls_width": 4},
    "ynet3d": {"features": (4, 8, 8, 16, 16), "cls_width": 4},
    "he_mtl3d": {"features": (4, 8, 8, 16, 16), "cls_width": 4},
    # paper 003
    "dunet": {"features": (4, 8, 8, 16, 16), "features_3d": (4, 8, 8)},
    "agmr_net": {"features": (4, 8, 8, 16, 16), "features_3d": (4, 8, 8)},
    "tsrl_net": {"features": (4, 8, 8, 16, 16), "features_3d": (4, 8, 8)},
    "xnet": {"features": (4, 8, 8, 16, 16)},
    "clcinet": {"features": (4, 8, 8, 16, 16)},
    "unet3d_25d": {"features": (4, 8, 8, 16, 16)},
}

#: (size, in_channels, out_channels) of the papers' 2D inputs.
PAPER_INPUTS = [(416, 1, 1), (512, 1, 2), (256, 3, 1), (192, 4, 2)]
#: (size, in_channels, out_channels) of the papers' 3D inputs (cubes).
PAPER_VOLUMES = [(64, 1, 1)]
#: ACSNet's non-local blocks cost (H W)^2 (12 s for one 416 x 416 slice on one thread even at
#: these widths): it is checked at paper 003's size and the next, the sizes it is used at.
#: D-UNet and its descendants take the 2.5D stack only (their 3D path's depth is the channel count,
#: a multiple of 4): paper 003's input.
SIZES_OF = {"acsnet": (256, 192), "dunet": (192,), "agmr_net": (192,), "tsrl_net": (192,)}


def test_every_registered_network_is_covered():
    assert sorted(NARROW) == available_networks()


def _supporting(dims: int) -> list[str]:
    return [name for name in sorted(NARROW) if dims in supported_spatial_dims(name)]


@pytest.mark.parametrize("name", _supporting(2))
def test_logits_have_the_input_size_for_every_paper_input(name):
    for size, in_channels, out_channels in PAPER_INPUTS:
        if size not in SIZES_OF.get(name, (size,)):
            continue
        net = create_network(name, in_channels=in_channels, out_channels=out_channels, **NARROW[name])
        with torch.inference_mode():
            output = net.eval()(torch.randn(1, in_channels, size, size))
        logits = segmentation_logits(output)
        assert logits.shape == (1, out_channels, size, size), (name, size)
        assert torch.isfinite(logits).all()
        for side in getattr(output, "side_outputs", ()):
            assert side.shape[:2] == (1, out_channels)


@pytest.mark.parametrize("name", _supporting(3))
def test_3d_networks_run_on_every_paper_volume(name):
    """Segmentation logits of the input size where the registry says the network segments; a
    classification output, where there is one, is ``(B, n_classes)``."""
    for size, in_channels, out_channels in PAPER_VOLUMES:
        net = create_network(name, spatial_dims=3, in_channels=in_channels, out_channels=out_channels, **NARROW[name])
        with torch.inference_mode():
            output = net.eval()(torch.randn(1, in_channels, size, size, size))
        if segments(name):
            logits = segmentation_logits(output)
            assert logits.shape == (1, out_channels, size, size, size), (name, size)
            assert torch.isfinite(logits).all()
        cls = classification_logits(output)
        assert (cls is not None) == ("cls" in network_outputs(name)), name
        if cls is not None:
            assert cls.shape == (1, 2) and torch.isfinite(cls).all()

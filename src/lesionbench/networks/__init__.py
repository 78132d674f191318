"""Segmentation networks, one file per architecture, registered by name.

``create_network(name, **kwargs)`` builds one; ``available_networks()`` lists the names.
Adding an architecture is one file decorated with ``@register_network("name")`` and one
import line below (no package walking; docs/architecture.md, "Registries").
"""

from lesionbench.networks.factory import (
    NETWORK_OUTPUTS,
    NETWORKS,
    available_networks,
    create_network,
    network_outputs,
    register_network,
    segments,
    supported_spatial_dims,
)

# Architectures: importing a module registers it.
from lesionbench.networks import (  # noqa: E402,F401  (isort: skip)
    acsnet,
    agmr_net,
    attention_unet,
    clcinet,
    cnn3d,
    deeplabv3,
    dunet,
    fcn8s,
    improved_unet,
    mlssp,
    pspnet,
    res_unet,
    sa_unet,
    segnet,
    tsrl_net,
    unet,
    unet3d_25d,
    unetpp,
    xnet,
)
from lesionbench.networks.acsnet import ACSNet  # noqa: E402
from lesionbench.networks.agmr_net import AGMRNet  # noqa: E402
from lesionbench.networks.attention_unet import AttentionUNet  # noqa: E402
from lesionbench.networks.clcinet import CLCINet, ConvLSTM2d, ConvLSTM2dCell  # noqa: E402
from lesionbench.networks.cnn3d import CNN3D, ClassifierTail  # noqa: E402
from lesionbench.networks.deeplabv3 import DeepLabV3  # noqa: E402
from lesionbench.networks.dunet import DUNet  # noqa: E402
from lesionbench.networks.fcn8s import FCN8s  # noqa: E402
from lesionbench.networks.improved_unet import ImprovedUNet  # noqa: E402
from lesionbench.networks.mlssp import MLSSP, HeMTL3D, MultiTaskUNet3D, YNet3D  # noqa: E402
from lesionbench.networks.multitask import (  # noqa: E402
    ClassOutput,
    MultiTaskOutput,
    class_probability,
    classification_logits,
)
from lesionbench.networks.pspnet import PSPNet  # noqa: E402
from lesionbench.networks.res_unet import ResAttUNet, ResUNet  # noqa: E402
from lesionbench.networks.sa_unet import SAUNet  # noqa: E402
from lesionbench.networks.segnet import SegNet  # noqa: E402
from lesionbench.networks.tsrl_net import TSRLNet  # noqa: E402
from lesionbench.networks.unet import UNet  # noqa: E402
from lesionbench.networks.unet3d_25d import UNet3D25D  # noqa: E402
from lesionbench.networks.unetpp import UNetPlusPlus, UNetPlusPlusOutput  # noqa: E402
from lesionbench.networks.xnet import XNet  # noqa: E402

__all__ = [
    "ACSNet", "AttentionUNet", "DeepLabV3", "FCN8s", "PSPNet", "ImprovedUNet", "NETWORKS", "ResAttUNet", "ResUNet", "SAUNet",
    "SegNet", "UNet", "UNetPlusPlus", "UNetPlusPlusOutput", "available_networks", "create_network", "register_network",
    "supported_spatial_dims", "NETWORK_OUTPUTS", "network_outputs", "segments",
    # paper 001 (3D multi-task)
    "CNN3D", "ClassOutput", "ClassifierTail", "HeMTL3D", "MLSSP", "MultiTaskOutput", "MultiTaskUNet3D", "YNet3D", "class_probability",
    "classification_logits",
    # paper 003 baselines (X-Net, CLCI-Net)
    "CLCINet", "ConvLSTM2d", "ConvLSTM2dCell", "XNet",
    # paper 003 (2.5D stroke networks)
    "AGMRNet", "DUNet", "TSRLNet",
]

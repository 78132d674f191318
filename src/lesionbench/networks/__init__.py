"""Segmentation networks, one file per architecture, registered by name.

``create_network(name, **kwargs)`` builds one; ``available_networks()`` lists the names.
Adding an architecture is one file decorated with ``@register_network("name")`` and one
import line below (no package walking; DESIGN.md, "Networks").
"""

from lesionbench.networks.factory import (
    NETWORKS,
    available_networks,
    create_network,
    register_network,
    supported_spatial_dims,
)

# Architectures: importing a module registers it.
from lesionbench.networks import fcn8s, unet  # noqa: E402,F401  (isort: skip)
from lesionbench.networks.fcn8s import FCN8s  # noqa: E402
from lesionbench.networks.unet import UNet  # noqa: E402

__all__ = [
    "FCN8s", "NETWORKS", "UNet", "available_networks", "create_network", "register_network",
    "supported_spatial_dims",
]

"""The network registry: ``register_network``, ``create_network``, ``available_networks``.

Each architecture module registers its class with ``@register_network("name", spatial_dims=...)``
and is imported explicitly in :mod:`lesionbench.networks` (docs/architecture.md, "Registries").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from lesionbench.registry import Registry

NETWORKS: Registry[nn.Module] = Registry("network")


def register_network(name: str, *, spatial_dims: tuple[int, ...] = (2,)) -> Callable[[type], type]:
    """Class decorator registering a network under ``name``.

    Args:
        name: the name used in ``config.yaml`` (``network: {name: unet}``).
        spatial_dims: the dimensions the architecture supports; a class that supports more
            than one takes ``spatial_dims`` as its first constructor argument (MONAI order).
    """
    return NETWORKS.register(name, spatial_dims=tuple(spatial_dims))


def available_networks() -> list[str]:
    """Names of the registered networks, sorted."""
    return NETWORKS.names()


def supported_spatial_dims(name: str) -> tuple[int, ...]:
    """The spatial dimensions network ``name`` supports (e.g. ``(2, 3)`` for ``unet``).

    Raises:
        KeyError: unknown network (message lists the valid names).
    """
    return NETWORKS.entry(name).metadata["spatial_dims"]


def create_network(name: str, **kwargs: Any) -> nn.Module:
    """Build network ``name`` from keyword options (as stored in a checkpoint's ``network``).

    ``spatial_dims`` may be given for every network, so the trainer can always pass the
    dimension of its sample layout: it is checked against the registered dimensions and
    forwarded only to classes that take it.

    Args:
        name: a registered network name.
        **kwargs: ``spatial_dims``, ``in_channels``, ``out_channels`` and architecture options.

    Returns:
        The module; ``forward`` maps ``(B, in_channels, *spatial)`` to logits
        ``(B, out_channels, *spatial)``.

    Raises:
        KeyError: unknown network (message lists the valid names).
        ValueError: unsupported ``spatial_dims`` or an unknown option (message lists the valid ones).
    """
    entry = NETWORKS.entry(name)
    if "spatial_dims" in kwargs:
        supported = entry.metadata["spatial_dims"]
        if kwargs["spatial_dims"] not in supported:
            raise ValueError(
                f"network {name!r} supports spatial_dims {list(supported)}, got {kwargs['spatial_dims']!r}"
            )
        options = entry.option_names()
        if options is not None and "spatial_dims" not in options:
            kwargs = {k: v for k, v in kwargs.items() if k != "spatial_dims"}
    return NETWORKS.create(name, **kwargs)

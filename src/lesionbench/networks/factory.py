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


#: What a network's ``forward`` returns: ``seg`` (segmentation logits), ``cls`` (class logits per
#: sample), or both (docs/architecture.md, "Network outputs").
NETWORK_OUTPUTS: tuple[str, ...] = ("seg", "cls")


def register_network(name: str, *, spatial_dims: tuple[int, ...] = (2,),
                     outputs: tuple[str, ...] = ("seg",)) -> Callable[[type], type]:
    """Class decorator registering a network under ``name``.

    Args:
        name: the name used in ``config.yaml`` (``network: {name: unet}``).
        spatial_dims: the dimensions the architecture supports; a class that supports more
            than one takes ``spatial_dims`` as its first constructor argument (MONAI order).
        outputs: what the network predicts, a subset of :data:`NETWORK_OUTPUTS`: ``("seg",)`` for
            segmentation networks, ``("seg", "cls")`` for the multi-task ones, ``("cls",)`` for a
            classifier (the workflow reads it to know which stages apply to an experiment).
    """
    if not outputs or set(outputs) - set(NETWORK_OUTPUTS):
        raise ValueError(f"register_network({name!r}): outputs must be a non-empty subset of {NETWORK_OUTPUTS}")
    return NETWORKS.register(name, spatial_dims=tuple(spatial_dims), outputs=tuple(outputs))


def available_networks() -> list[str]:
    """Names of the registered networks, sorted."""
    return NETWORKS.names()


def supported_spatial_dims(name: str) -> tuple[int, ...]:
    """The spatial dimensions network ``name`` supports (e.g. ``(2, 3)`` for ``unet``).

    Raises:
        KeyError: unknown network (message lists the valid names).
    """
    return NETWORKS.entry(name).metadata["spatial_dims"]


def network_outputs(name: str) -> tuple[str, ...]:
    """What network ``name`` predicts: a subset of :data:`NETWORK_OUTPUTS`.

    Raises:
        KeyError: unknown network (message lists the valid names).
    """
    return NETWORKS.entry(name).metadata["outputs"]


def segments(name: str) -> bool:
    """Whether network ``name`` has a segmentation output (a classifier has none)."""
    return "seg" in network_outputs(name)


def module_segments(module: nn.Module) -> bool:
    """Whether a built network has a segmentation output: its registered class's ``outputs``
    (a module of an unregistered class, e.g. a test's stand-in, is taken to segment)."""
    for name in NETWORKS.names():
        if NETWORKS.entry(name).factory is type(module):
            return segments(name)
    return True


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

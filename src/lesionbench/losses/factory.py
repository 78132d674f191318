"""The loss registry: ``register_loss``, ``create_loss``, ``available_losses``.

Every loss is an ``nn.Module`` called as ``loss(logits, target)`` with logits
``(B, C, *spatial)`` and target ``(B, 1, *spatial)`` (0/1 floats, or class indices for
``C >= 2``), returning a scalar tensor (see :mod:`lesionbench.losses.targets`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from lesionbench.registry import Registry

LOSSES: Registry[nn.Module] = Registry("loss")


def register_loss(name: str) -> Callable[[type], type]:
    """Class decorator registering a loss under ``name`` (``loss: {name: dice}`` in config).

    A class may be registered under several names by stacking decorators.
    """
    return LOSSES.register(name)


def available_losses() -> list[str]:
    """Names of the registered losses, sorted."""
    return LOSSES.names()


def create_loss(name: str, **kwargs: Any) -> nn.Module:
    """Build loss ``name`` from keyword options.

    Raises:
        KeyError: unknown loss (message lists the valid names).
        ValueError: an unknown or invalid option (message lists the valid options).
    """
    return LOSSES.create(name, **kwargs)

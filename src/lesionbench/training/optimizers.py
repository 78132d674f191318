"""Optimizer registry: config name -> :mod:`torch.optim` constructor and its allowed options.

Papers: 000 section 2.1, 001 section 3.3 and 004 section 3.2 use Adam (betas 0.9, 0.999 as
paper 001 states, torch's defaults); 002 section 2.1 uses RMSProp; SGD with momentum is the
common baseline. Options are checked against the list below when settings are parsed, so a
misspelt key fails before training starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class OptimizerSpec:
    """One registry entry: the constructor and the option names it may receive besides ``lr``."""

    factory: Callable[..., torch.optim.Optimizer]
    options: tuple[str, ...]


#: optimizer name -> spec. Option values pass straight to the torch constructor.
OPTIMIZERS: dict[str, OptimizerSpec] = {
    "adam": OptimizerSpec(torch.optim.Adam, ("weight_decay", "betas", "eps", "amsgrad")),
    "adamw": OptimizerSpec(torch.optim.AdamW, ("weight_decay", "betas", "eps", "amsgrad")),
    "rmsprop": OptimizerSpec(torch.optim.RMSprop, ("weight_decay", "momentum", "alpha", "eps", "centered")),
    "sgd": OptimizerSpec(torch.optim.SGD, ("weight_decay", "momentum", "nesterov", "dampening")),
}


def optimizer_spec(name: str) -> OptimizerSpec:
    """The registry entry for ``name``.

    Raises:
        KeyError: listing the valid names.
    """
    if name not in OPTIMIZERS:
        raise KeyError(f"unknown optimizer {name!r} (valid: {', '.join(sorted(OPTIMIZERS))})")
    return OPTIMIZERS[name]


def create_optimizer(name: str, parameters: Iterable[torch.nn.Parameter], lr: float,
                     options: Mapping[str, Any] | None = None) -> torch.optim.Optimizer:
    """Build the optimizer ``name`` over ``parameters`` with learning rate ``lr``.

    Args:
        name: a key of :data:`OPTIMIZERS`.
        parameters: the network's parameters.
        lr: initial learning rate.
        options: further constructor options, restricted to the spec's ``options``.

    Raises:
        KeyError: for an unknown name. ValueError: for an option the optimizer does not take.
    """
    spec = optimizer_spec(name)
    options = dict(options or {})
    unknown = sorted(set(options) - set(spec.options))
    if unknown:
        raise ValueError(f"optimizer {name!r}: unknown option {unknown[0]!r} (valid: {', '.join(spec.options)})")
    if "betas" in options:
        options["betas"] = tuple(options["betas"])
    return spec.factory(parameters, lr=lr, **options)

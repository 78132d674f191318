"""Learning-rate schedule registry. Every schedule is stepped once per optimizer iteration.

Stepping per iteration gives one code path for all schedules and makes resuming exact: the
scheduler's state is the iteration count. Schedules are :class:`torch.optim.lr_scheduler.LambdaLR`
with a factor ``f(iteration)``, where ``iteration`` counts the optimizer steps already taken:

- ``constant``: ``f = 1``.
- ``exponential`` (paper 000 section 2.1, TensorFlow's ``exponential_decay``): ``f = gamma **
  (iteration / every_iterations)``, the exponent floored when ``staircase`` (the paper: 0.8 every
  8595 iterations, i.e. every 15 epochs of 573 iterations, "sudden" decay, so staircase).
  Paper 003 section 3.5.1 (decay 0.96) is this schedule with its own ``every_iterations``.
- ``epoch_decay`` (paper 001 section 3.3: "decays 5% after each epoch"): ``f = gamma ** (epoch - 1)``
  during the 1-based ``epoch``, i.e. ``gamma ** (iteration // iterations_per_epoch)``.
  With ``gamma = 0.95`` the rate in epoch 3 is ``lr0 * 0.95 ** 2``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch.optim.lr_scheduler import LambdaLR, LRScheduler

Factor = Callable[[int], float]


@dataclass(frozen=True)
class ScheduleSpec:
    """One registry entry: a builder of the factor function, its options and required options."""

    factor: Callable[[Mapping[str, Any], int], Factor]
    options: tuple[str, ...]
    required: tuple[str, ...]


def _constant(options: Mapping[str, Any], iterations_per_epoch: int) -> Factor:
    return lambda iteration: 1.0


def _exponential(options: Mapping[str, Any], iterations_per_epoch: int) -> Factor:
    gamma = float(options["gamma"])
    every = int(options["every_iterations"])
    staircase = bool(options.get("staircase", True))
    if staircase:
        return lambda iteration: gamma ** (iteration // every)
    return lambda iteration: gamma ** (iteration / every)


def _epoch_decay(options: Mapping[str, Any], iterations_per_epoch: int) -> Factor:
    gamma = float(options["gamma"])
    per_epoch = max(int(iterations_per_epoch), 1)
    return lambda iteration: gamma ** (iteration // per_epoch)


#: schedule name -> spec.
SCHEDULES: dict[str, ScheduleSpec] = {
    "constant": ScheduleSpec(_constant, (), ()),
    "exponential": ScheduleSpec(_exponential, ("gamma", "every_iterations", "staircase"),
                                ("gamma", "every_iterations")),
    "epoch_decay": ScheduleSpec(_epoch_decay, ("gamma",), ("gamma",)),
}


def schedule_spec(name: str) -> ScheduleSpec:
    """The registry entry for ``name``.

    Raises:
        KeyError: listing the valid names.
    """
    if name not in SCHEDULES:
        raise KeyError(f"unknown schedule {name!r} (valid: {', '.join(sorted(SCHEDULES))})")
    return SCHEDULES[name]


def create_schedule(name: str, optimizer: torch.optim.Optimizer, options: Mapping[str, Any] | None,
                    iterations_per_epoch: int) -> LRScheduler:
    """Build the schedule ``name`` for ``optimizer``; call ``.step()`` after every optimizer step.

    Args:
        name: a key of :data:`SCHEDULES`.
        optimizer: the optimizer whose initial ``lr`` is the base rate.
        options: schedule options (``gamma``, ``every_iterations``, ``staircase``).
        iterations_per_epoch: optimizer steps per epoch (used by ``epoch_decay``).

    Raises:
        KeyError: for an unknown name. ValueError: for an unknown or missing option.
    """
    spec = schedule_spec(name)
    options = dict(options or {})
    unknown = sorted(set(options) - set(spec.options))
    if unknown:
        raise ValueError(f"schedule {name!r}: unknown option {unknown[0]!r} (valid: {', '.join(spec.options) or 'none'})")
    missing = [key for key in spec.required if key not in options]
    if missing:
        raise ValueError(f"schedule {name!r}: missing option {missing[0]!r}")
    return LambdaLR(optimizer, spec.factor(options, iterations_per_epoch))


def current_lr(optimizer: torch.optim.Optimizer) -> float:
    """The learning rate of the optimizer's first parameter group."""
    value = float(optimizer.param_groups[0]["lr"])
    return value if math.isfinite(value) else float("nan")
